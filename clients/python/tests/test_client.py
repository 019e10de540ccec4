"""The client against a real verifier process (see conftest.py): every call crosses gRPC to the .NET service."""
from __future__ import annotations

import hashlib
import math

import grpc
import pytest
import tiny_clip

from fisao_verifier import (CalibrationSample, ScoreItem, ScoreResult, TokenFormat, Verdict, Verifier,
                            VerifierError)
from pngs import png

SENTENCE_PIECE_TOKENS = ["▁A", "▁hot", "▁dog", "▁and", "▁two", "▁ca", "ts", "▁on", "▁a", "▁table", "."]


def spans(result: ScoreResult):
    return [(m.surface, m.entity, m.token_start, m.token_end) for m in result.mentions]


def test_score_gives_every_token_a_reward_and_maps_mentions_to_sentencepiece_token_spans(verifier):
    image = png(1)
    result = verifier.score(image, SENTENCE_PIECE_TOKENS)

    assert len(result.rewards) == len(SENTENCE_PIECE_TOKENS)
    assert spans(result) == [("hot dog", "hot dog", 1, 3), ("cats", "cat", 5, 7), ("table", "dining table", 9, 10)]
    assert result.image_id == hashlib.sha256(image).hexdigest()
    assert result.model_id.startswith("model@")
    assert result.tokens == SENTENCE_PIECE_TOKENS
    # The test verifier has no calibration: real scores, zero rewards, neutral verdicts.
    assert result.calibrated is False
    assert all(r == 0 for r in result.rewards)
    assert all(m.verdict is Verdict.NEUTRAL and m.reward == 0 and math.isfinite(m.score) for m in result.mentions)
    assert any(m.score != 0 for m in result.mentions)


def test_score_text_scores_a_caption_split_into_words(verifier):
    result = verifier.score_text(png(1), "A hot dog and two cats on a table.")
    assert result.tokens == ["A", " hot", " dog", " and", " two", " cats", " on", " a", " table."]
    assert len(result.rewards) == len(result.tokens)
    assert spans(result) == [("hot dog", "hot dog", 1, 3), ("cats", "cat", 5, 6), ("table", "dining table", 8, 9)]


def test_an_image_is_uploaded_once_then_referred_to_by_id(verifier, tmp_path):
    image = png(4)
    first = verifier.score(image, ["▁a", "▁cat"])
    assert verifier.images_uploaded == 1

    path = tmp_path / "cat.png"
    path.write_bytes(image)
    again = [verifier.score(image, ["▁a", "▁cat"]),  # same bytes: sent as id
             verifier.score(path, ["▁a", "▁cat"]),  # same file: sent as id
             verifier.score(first.image_id, ["▁a", "▁cat"])]  # the id itself
    assert verifier.images_uploaded == 1
    assert [r.image_id for r in again] == [first.image_id] * 3
    assert [r.mentions[0].score for r in again] == [first.mentions[0].score] * 3
    assert verifier.embed_image(first.image_id) and verifier.images_uploaded == 1


def test_an_image_the_verifier_evicted_is_uploaded_again_by_itself(verifier, verifier_process):
    image = png(5)
    first = verifier.score(image, ["▁a", "▁dog"])
    # Push it out of the verifier's image cache with other images, from another client.
    with Verifier(verifier_process.address, api_key=verifier_process.api_key) as other:
        filler = [(png(1000 + i, 8, 8), ["▁a"]) for i in range(verifier_process.image_cache_capacity + 8)]
        assert all(isinstance(r, ScoreResult) for r in other.score_batch(filler))

    by_id = verifier.score(first.image_id, ["▁a", "▁dog"])  # NOT_FOUND for the id -> bytes again, transparently
    assert verifier.images_uploaded == 2
    assert by_id.mentions[0].score == pytest.approx(first.mentions[0].score)


def test_an_id_the_client_has_no_bytes_for_is_not_found(verifier):
    with pytest.raises(VerifierError) as raised:
        verifier.score("0" * 64, ["▁a", "▁cat"])
    assert raised.value.code == grpc.StatusCode.NOT_FOUND
    assert "Send the image bytes again" in raised.value.message


def test_a_batch_answers_in_order_a_bad_item_fails_alone_and_a_shared_image_is_uploaded_once(verifier):
    shared = png(20)
    items = [
        ScoreItem(shared, ["▁a", "▁dog"], request_id="a"),
        ScoreItem(b"GIF89a? certainly not", ["▁a", "▁cat"], request_id="b"),
        (shared, ["▁two", "▁ca", "ts"], TokenFormat.SENTENCE_PIECE, "c"),
        (png(21), ["a", " table"], "plain", "d"),
        (shared, ["▁a", "▁bird"]),
    ]
    results = verifier.score_batch(items)

    assert len(results) == len(items)
    error = results[1]
    assert isinstance(error, VerifierError) and error.code == grpc.StatusCode.INVALID_ARGUMENT
    assert "image" in error.message.lower()
    ok = [r for i, r in enumerate(results) if i != 1]
    assert all(isinstance(r, ScoreResult) for r in ok)
    assert [r.request_id for r in ok] == ["a", "c", "d", ""]
    assert [[m.entity for m in r.mentions] for r in ok] == [["dog"], ["cat"], ["dining table"], ["bird"]]
    assert [len(r.rewards) for r in ok] == [2, 3, 2, 2]
    assert ok[0].image_id == ok[1].image_id == ok[3].image_id == hashlib.sha256(shared).hexdigest()
    assert verifier.images_uploaded == 3  # shared, the bad one, png(21)

    assert verifier.score_batch([]) == []


def test_a_stream_yields_results_in_request_order(verifier):
    items = [ScoreItem(png(30 + i % 2), ["▁a", "▁dog"] if i % 2 else ["▁a", "▁cat"], request_id=str(i))
             for i in range(6)] + [ScoreItem(b"not an image", ["▁a"], request_id="bad")]
    results = list(verifier.score_stream(iter(items)))
    assert [r.request_id for r in results[:6]] == [str(i) for i in range(6)]
    assert [r.mentions[0].entity for r in results[:6]] == ["cat", "dog"] * 3
    assert isinstance(results[6], VerifierError) and results[6].code == grpc.StatusCode.INVALID_ARGUMENT


def test_embeddings_have_the_model_dimension_and_give_the_mention_score(verifier):
    info = verifier.info()
    image = png(3)
    image_features = verifier.embed_image(image)
    text_features = verifier.embed_text("dog")
    assert len(image_features) == len(text_features) == info.embedding_dim == 16

    dot = sum(a * b for a, b in zip(image_features, text_features))
    cosine = dot / math.sqrt(sum(a * a for a in image_features) * sum(b * b for b in text_features))
    score = verifier.score(image, ["▁a", "▁dog"]).mentions[0].score
    assert score == pytest.approx(math.exp(info.logit_scale) * cosine, abs=1e-3)
    assert verifier.images_uploaded == 1  # embed_image delivered it; score referred to it by id


@pytest.mark.parametrize("kind, message", [
    ("undecodable image", "image"),
    ("empty tokens", "token list is empty"),
    ("unknown token format", "token_format"),
])
def test_invalid_argument_surfaces_as_verifier_error_with_code_and_message(verifier, kind, message):
    calls = {
        "undecodable image": lambda: verifier.score(b"GIF89a? certainly not", ["▁a", "▁dog"]),
        "empty tokens": lambda: verifier.score(png(1), []),
        "unknown token format": lambda: verifier.score(png(1), ["▁a"], token_format=42),
    }
    with pytest.raises(VerifierError) as raised:
        calls[kind]()
    assert raised.value.code == grpc.StatusCode.INVALID_ARGUMENT
    assert message in raised.value.message.lower()
    assert str(raised.value).startswith("INVALID_ARGUMENT: ")
    assert len(verifier.score(png(1), ["▁a", "▁dog"]).rewards) == 2  # and the service keeps serving


def test_empty_and_whitespace_text_embed_as_hf_clip_does(verifier):
    # HF's CLIP embeds "" as <|startoftext|><|endoftext|>; whitespace-only text tokenizes to the same two tokens.
    empty, blank = verifier.embed_text(""), verifier.embed_text("  \t")
    assert len(empty) == 16 and any(abs(x) > 0 for x in empty)
    assert blank == empty
    assert verifier.embed_text("a dog") != empty


def test_client_side_mistakes_raise_before_any_call(verifier):
    with pytest.raises(ValueError, match="token_format"):
        verifier.score(png(1), ["▁a"], token_format="bpe-ish")
    with pytest.raises(TypeError, match="score_text"):
        verifier.score(png(1), "a dog")
    with pytest.raises(TypeError):
        verifier.score(12345, ["▁a"])
    assert verifier.images_uploaded == 0


def test_info_describes_the_model_entity_set_and_limits(verifier, verifier_process):
    info = verifier.info()
    assert info.model_id.startswith("model@")
    assert info.image_size == tiny_clip.IMAGE_SIZE
    assert info.embedding_dim == 16
    assert info.logit_scale == pytest.approx(2.6592, abs=1e-4)
    assert info.device.startswith("cpu")
    assert info.model_path == str(verifier_process.model_dir)
    assert info.calibrated is False and info.calibration is None
    assert info.entity_set["entity_count"] > 0 and info.entity_set["hash"]
    assert info.limits["max_batch_items"] == 1024 and info.limits["max_tokens"] == 4096
    assert info.settings["mention_template"]


def test_calibrate_computes_baselines_and_reports_bad_samples(verifier):
    samples = [
        CalibrationSample(png(40), ["dog"], text="A dog and a cat on a table."),
        CalibrationSample(png(41), ["cat"], tokens=["▁a", "▁cat", "▁and", "▁a", "▁bird"]),
        CalibrationSample(b"not an image", ["dog"], text="A dog."),
    ]
    outcome = verifier.calibrate(samples, apply=False)
    assert outcome.applied is False
    assert outcome.calibration["correct_count"] == 2 and outcome.calibration["hallucinated_count"] == 3
    assert list(outcome.sample_errors) == [2]
    assert outcome.sample_errors[2].code == grpc.StatusCode.INVALID_ARGUMENT
    assert verifier.info().calibrated is False


def test_a_missing_api_key_is_unauthenticated(verifier_process):
    with Verifier(verifier_process.address) as anonymous:
        with pytest.raises(VerifierError) as raised:
            anonymous.info()
    assert raised.value.code == grpc.StatusCode.UNAUTHENTICATED
    assert "x-api-key" in raised.value.message


def test_an_unreachable_verifier_is_unavailable():
    with Verifier("http://127.0.0.1:1", timeout=5) as nowhere:
        with pytest.raises(VerifierError) as raised:
            nowhere.info()
    assert raised.value.code == grpc.StatusCode.UNAVAILABLE
