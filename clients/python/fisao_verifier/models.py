"""Plain Python views of the contract's messages (no protobuf types leak out of the client)."""
from __future__ import annotations

import enum
import os
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence, Union

from .errors import VerifierError

#: An image: encoded bytes (PNG, JPEG, WebP, GIF, BMP), a file path, or the id (hex SHA-256 of the bytes) of an
#: image sent before. A ``str`` of 64 lowercase hex digits that is not an existing file is taken as an id.
ImageLike = Union[bytes, bytearray, memoryview, str, "os.PathLike[str]"]


class TokenFormat(str, enum.Enum):
    """How token strings are spelled. AUTO recognises SentencePiece (U+2581), byte-level BPE (U+0120) and
    WordPiece (##); PLAIN concatenates the strings as they are."""

    AUTO = "auto"
    PLAIN = "plain"
    SENTENCE_PIECE = "sentence_piece"
    BYTE_LEVEL_BPE = "byte_level_bpe"
    WORD_PIECE = "word_piece"


class Verdict(str, enum.Enum):
    """CORRECT: S > mu_gt + margin (positive reward); HALLUCINATED: S < mu_hal - margin (negative reward);
    NEUTRAL: in between, or no calibration loaded (reward 0)."""

    UNSPECIFIED = "unspecified"
    CORRECT = "correct"
    HALLUCINATED = "hallucinated"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class Mention:
    """One entity mention found in the response."""

    surface: str
    """The words as they appear in the response."""
    entity: str
    """The canonical entity of the entity set (e.g. ``cat`` for ``cats``)."""
    token_start: int
    """First token of the mention."""
    token_end: int
    """One past the last token: the span is ``tokens[token_start:token_end]``."""
    score: float
    """S = exp(logit_scale) * cos(text features of the mention, image features)."""
    reward: float
    """The normalised token reward (Eq. 8) in [-1, 1]; 0 when uncalibrated."""
    verdict: Verdict


@dataclass(frozen=True)
class ScoreResult:
    """Per-token rewards for one (image, tokens) pair."""

    rewards: List[float]
    """One reward per token; tokens that complete no entity mention get 0."""
    mentions: List[Mention]
    image_id: str
    """Content hash of the image; pass it instead of the bytes next time (the client does so by itself)."""
    model_id: str
    calibrated: bool
    """False when the verifier has no calibration: scores are real, rewards are all 0."""
    tokens: List[str] = field(default_factory=list)
    """The tokens that were scored (for :meth:`Verifier.score_text`, the caption's words)."""
    request_id: str = ""
    calibration_id: str = ""
    """The calibration the rewards used (content hash); empty when uncalibrated."""


@dataclass(frozen=True)
class ScoreItem:
    """One request of :meth:`Verifier.score_batch` / :meth:`Verifier.score_stream`. A tuple ``(image, tokens)``
    or ``(image, tokens, token_format)`` works as well."""

    image: ImageLike
    tokens: Sequence[str]
    token_format: Union[TokenFormat, str, int] = TokenFormat.AUTO
    request_id: str = ""


@dataclass(frozen=True)
class CalibrationSample:
    """A sample for :meth:`Verifier.calibrate`: an image, a response (``text`` or ``tokens``) and the objects truly
    in the image (canonical names or any surface form of the entity set)."""

    image: ImageLike
    ground_truth_objects: Sequence[str]
    text: Optional[str] = None
    tokens: Optional[Sequence[str]] = None
    token_format: Union[TokenFormat, str, int] = TokenFormat.AUTO


@dataclass(frozen=True)
class CalibrationResult:
    """Baseline scores (Eq. 7) computed from calibration samples."""

    calibration: Dict[str, Any]
    """mu_gt, mu_hal, s_min, s_max, correct_count, hallucinated_count, model_id, entity_set_hash, ..."""
    applied: bool
    sample_errors: Dict[int, VerifierError]
    """Samples that failed, by index; the others were used."""
    not_applied_reason: str = ""
    calibration_id: str = ""
    """The computed calibration's id; when applied, the id every replica now serves."""


@dataclass(frozen=True)
class VerifierInfo:
    """Model, entity set, calibration, settings and limits of the replica answering."""

    model_id: str
    model_path: str
    image_size: int
    embedding_dim: int
    logit_scale: float
    device: str
    version: str
    calibrated: bool
    calibration: Optional[Dict[str, Any]]
    """None when uncalibrated."""
    entity_set: Dict[str, Any]
    settings: Dict[str, Any]
    limits: Dict[str, Any]
    """max_message_bytes, max_image_bytes, max_image_pixels, max_tokens, max_batch_items, ..."""
    calibration_id: str = ""
    """The active calibration's id; empty when uncalibrated."""
