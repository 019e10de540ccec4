"""A thin, synchronous client of the FiSAO verifier's gRPC API (``fisao.verifier.v1.Verifier``)."""
from __future__ import annotations

import collections
import hashlib
import os
import re
import threading
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, TypeVar, Union

import grpc

from ._stubs import pb, pb_grpc
from .errors import VerifierError
from .models import (CalibrationResult, CalibrationSample, ImageLike, Mention, ScoreItem, ScoreResult, TokenFormat,
                     Verdict, VerifierInfo)

__all__ = ["Verifier"]

_IMAGE_ID = re.compile(r"[0-9a-f]{64}")
_WORDS = re.compile(r"\s*\S+")
_T = TypeVar("_T")
BatchInput = Union[ScoreItem, Tuple[Any, ...]]


class _SentImages:
    """Images this client has delivered to the verifier: id -> bytes, least recently used first, bounded in bytes.

    An id here is sent instead of the bytes; the bytes are kept to send again when the replica answers NOT_FOUND
    (restarted, evicted the image, or another replica behind a load balancer).
    """

    def __init__(self, max_bytes: int) -> None:
        self._max_bytes = max_bytes
        self._images: "collections.OrderedDict[str, bytes]" = collections.OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, image_id: str) -> Optional[bytes]:
        with self._lock:
            data = self._images.get(image_id)
            if data is not None:
                self._images.move_to_end(image_id)
            return data

    def add(self, image_id: str, data: bytes) -> None:
        if len(data) > self._max_bytes:
            return
        with self._lock:
            if image_id in self._images:
                self._images.move_to_end(image_id)
                return
            self._images[image_id] = data
            self._bytes += len(data)
            while self._bytes > self._max_bytes:
                _, evicted = self._images.popitem(last=False)
                self._bytes -= len(evicted)

    def discard(self, image_id: str) -> None:
        with self._lock:
            data = self._images.pop(image_id, None)
            if data is not None:
                self._bytes -= len(data)

    def __contains__(self, image_id: object) -> bool:
        with self._lock:
            return image_id in self._images

    def __len__(self) -> int:
        with self._lock:
            return len(self._images)


class _Image:
    """A resolved image argument: its id (the SHA-256 the verifier uses) and its bytes when known."""

    __slots__ = ("image_id", "data")

    def __init__(self, image_id: str, data: Optional[bytes]) -> None:
        self.image_id = image_id
        self.data = data


class Verifier:
    """Client of one verifier address. Thread-safe; one instance per process is plenty.

    Every image is uploaded once: the client knows an image's id (SHA-256 of its bytes), remembers which ids it has
    delivered, sends only the id afterwards and, if the verifier has lost the image (``NOT_FOUND``), sends the bytes
    again by itself. Failures raise :class:`VerifierError` with the gRPC status ``code`` and the server's
    ``message``; batch, stream and calibration items that fail are returned as :class:`VerifierError` values in
    their place instead.

    Args:
        address: ``host:port`` of the verifier (``http://host:port`` works too; ``https://`` uses TLS).
        api_key: sent as ``x-api-key`` metadata when the verifier runs with ``--api-key``.
        admin_key: sent as ``x-admin-key``: the verifier's ``Verifier:AdminApiKey``, needed by ``calibrate(apply=True)``
            when the verifier has one (``PERMISSION_DENIED`` otherwise).
        calibration_id: pins every score request to this calibration (an id from a score answer, ``info()`` or
            ``calibrate()``) instead of the active one; ``NOT_FOUND`` when no replica stored it.
        timeout: seconds per call (deadline); None waits forever.
        max_message_bytes: largest message sent or received; the verifier's default limit is 64 MiB.
        image_cache_bytes: bytes of delivered images kept to resend on ``NOT_FOUND`` (0: keep none, so ids are
            only sent when you pass an id yourself).
        credentials: TLS credentials for a secure channel; overrides the scheme of ``address``.
        ca_file: TLS: the CA certificate (PEM file) that issued the verifier's certificate, instead of the system's
            roots. Implies TLS.
        client_cert, client_key: mutual TLS: this client's certificate and private key (PEM files), for a verifier
            that requires one (``Verifier:ClientCaPath``).
        channel: an existing channel to use instead of opening one (``address`` is then only informative).
    """

    def __init__(self, address: str, api_key: Optional[str] = None, timeout: Optional[float] = 30.0, *,
                 max_message_bytes: int = 64 * 1024 * 1024, image_cache_bytes: int = 256 * 1024 * 1024,
                 credentials: Optional[grpc.ChannelCredentials] = None,
                 channel: Optional[grpc.Channel] = None, admin_key: Optional[str] = None,
                 calibration_id: Optional[str] = None, ca_file: Optional[str] = None,
                 client_cert: Optional[str] = None, client_key: Optional[str] = None) -> None:
        self.address = address
        self.timeout = timeout
        self.calibration_id = calibration_id or ""
        metadata = []
        if api_key:
            metadata.append(("x-api-key", api_key))
        if admin_key:
            metadata.append(("x-admin-key", admin_key))
        self._metadata: Tuple[Tuple[str, str], ...] = tuple(metadata)
        if channel is None and (ca_file or client_cert) and credentials is None:
            credentials = grpc.ssl_channel_credentials(
                root_certificates=_read(ca_file), private_key=_read(client_key), certificate_chain=_read(client_cert))
        if channel is None:
            target = address
            if target.startswith("https://"):
                target = target[len("https://"):]
                credentials = credentials or grpc.ssl_channel_credentials()
            elif target.startswith("http://"):
                target = target[len("http://"):]
            target = target.rstrip("/")
            options = [("grpc.max_send_message_length", max_message_bytes),
                       ("grpc.max_receive_message_length", max_message_bytes)]
            channel = (grpc.secure_channel(target, credentials, options) if credentials is not None
                       else grpc.insecure_channel(target, options))
            self._owns_channel = True
        else:
            self._owns_channel = False
        self._channel = channel
        self._stub = pb_grpc.VerifierStub(channel)
        self._sent = _SentImages(image_cache_bytes)
        self._counter_lock = threading.Lock()
        self._uploads = 0

    # -- lifecycle -------------------------------------------------------------------------------------------------

    def close(self) -> None:
        """Closes the channel (when the client opened it)."""
        if self._owns_channel:
            self._channel.close()

    def __enter__(self) -> "Verifier":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def images_uploaded(self) -> int:
        """How many times this client has put image bytes into a request (each new image once, plus resends)."""
        return self._uploads

    # -- scoring ---------------------------------------------------------------------------------------------------

    def score(self, image: ImageLike, tokens: Sequence[str],
              token_format: Union[TokenFormat, str, int] = TokenFormat.AUTO, request_id: str = "") -> ScoreResult:
        """Per-token rewards and entity mentions for the policy's ``tokens`` (text pieces) about ``image``.

        Args:
            image: bytes, a file path, or the id of an image sent before (see :data:`ImageLike`).
            tokens: the policy's tokens as strings, e.g. ``["▁A", "▁hot", "▁dog"]``; ``rewards`` has one entry each.
            token_format: "auto" (default), "plain", "sentence_piece", "byte_level_bpe" or "word_piece".
            request_id: echoed in the result.
        """
        tokens = _token_list(tokens)
        fmt = _token_format(token_format)
        resolved = self._resolve(image)
        response = self._with_image(resolved, lambda ref: self._call(self._stub.ScoreTokens, pb.ScoreTokensRequest(calibration_id=self.calibration_id, 
            image=ref, tokens=tokens, token_format=fmt, request_id=request_id)))
        return _score_result(response, tokens)

    def score_text(self, image: ImageLike, caption: str) -> ScoreResult:
        """Scores a plain caption: its words (each with the whitespace before it) are the tokens, sent as PLAIN, so
        ``rewards`` and mention spans index ``result.tokens``."""
        return self.score(image, _WORDS.findall(caption), TokenFormat.PLAIN)

    def score_batch(self, items: Iterable[BatchInput]) -> List[Union[ScoreResult, VerifierError]]:
        """Scores many (image, tokens) pairs in one ScoreTokensBatch call.

        Results come in input order; an item that fails is a :class:`VerifierError` in its place and does not fail
        the others (the call itself raises only when the whole batch is refused, e.g. more items than the
        verifier's ``max_batch_items``). An image new to the verifier that several items share is uploaded once:
        the other items refer to it by id and, when they run before it has arrived, are sent again by id in a
        second call.

        Args:
            items: :class:`ScoreItem` values or tuples ``(image, tokens[, token_format[, request_id]])``.
        """
        prepared = [self._prepare(item) for item in items]
        if not prepared:
            return []
        results: List[Optional[pb.ScoreTokensResult]] = [None] * len(prepared)
        pending = list(range(len(prepared)))
        delivered: set = set()  # ids whose bytes reached the verifier in this call
        attempts = 3
        for attempt in range(attempts):
            requests, sent_bytes = [], []
            uploading: set = set()
            for index in pending:
                image, tokens, fmt, request_id = prepared[index]
                # Bytes for an image neither delivered before nor uploaded by an earlier item of this request;
                # the last attempt sends bytes for every image it can.
                send_bytes = (image.data is not None and image.image_id not in uploading and (
                    attempt == attempts - 1 or (image.image_id not in delivered and
                                                (attempt > 0 or image.image_id not in self._sent))))
                if send_bytes:
                    uploading.add(image.image_id)
                requests.append(pb.ScoreTokensRequest(calibration_id=self.calibration_id, image=self._ref(image, send_bytes), tokens=tokens,
                                                      token_format=fmt, request_id=request_id))
                sent_bytes.append(send_bytes)
            response = self._call(self._stub.ScoreTokensBatch, pb.ScoreTokensBatchRequest(items=requests))
            retry = []
            for index, send_bytes, result in zip(pending, sent_bytes, response.results):
                image = prepared[index][0]
                if result.WhichOneof("outcome") == "response":
                    if send_bytes:
                        delivered.add(image.image_id)
                    self._delivered(result.response.image_id, image.data)
                elif (result.error.code == grpc.StatusCode.NOT_FOUND.value[0] and not send_bytes
                      and image.data is not None):
                    self._sent.discard(image.image_id)
                    retry.append(index)
                results[index] = result
            if not retry:
                break
            pending = retry
        return [_score_result(r.response, prepared[i][1]) if r.WhichOneof("outcome") == "response"
                else VerifierError.from_code(r.error.code, r.error.message)
                for i, r in enumerate(results)]

    def score_stream(self, items: Iterable[BatchInput]) -> Iterator[Union[ScoreResult, VerifierError]]:
        """Pipelined scoring over one ScoreTokensStream call: items are sent as ``items`` yields them and results
        are yielded in the same order (failed items as :class:`VerifierError`). An item whose image id the
        verifier no longer holds is scored again with its bytes by a separate call."""
        prepared: "collections.deque[tuple]" = collections.deque()
        lock = threading.Lock()

        def requests() -> Iterator[pb.ScoreTokensRequest]:
            for item in items:
                entry = self._prepare(item)
                image, tokens, fmt, request_id = entry
                send_bytes = image.data is not None and image.image_id not in self._sent
                with lock:
                    prepared.append((entry, send_bytes))
                yield pb.ScoreTokensRequest(calibration_id=self.calibration_id, image=self._ref(image, send_bytes), tokens=tokens, token_format=fmt,
                                            request_id=request_id)

        try:
            call = self._stub.ScoreTokensStream(requests(), timeout=self.timeout, metadata=self._metadata)
            for result in call:
                with lock:
                    (image, tokens, fmt, request_id), send_bytes = prepared.popleft()
                if result.WhichOneof("outcome") == "response":
                    self._delivered(result.response.image_id, image.data)
                    yield _score_result(result.response, tokens)
                elif (result.error.code == grpc.StatusCode.NOT_FOUND.value[0] and not send_bytes
                      and image.data is not None):
                    self._sent.discard(image.image_id)
                    try:
                        yield self.score(image.data, tokens, fmt, request_id)
                    except VerifierError as error:
                        yield error
                else:
                    yield VerifierError.from_code(result.error.code, result.error.message)
        except grpc.RpcError as error:
            raise VerifierError.from_rpc_error(error) from error

    # -- embeddings, calibration, info -----------------------------------------------------------------------------

    def embed_image(self, image: ImageLike) -> List[float]:
        """Projected, unnormalised CLIP image features (HF ``get_image_features``); ``info().embedding_dim`` long."""
        resolved = self._resolve(image)
        response = self._with_image(resolved, lambda ref: self._call(self._stub.Embed, pb.EmbedRequest(image=ref)))
        return list(response.embedding)

    def embed_text(self, text: str) -> List[float]:
        """Projected, unnormalised CLIP text features (HF ``get_text_features``)."""
        return list(self._call(self._stub.Embed, pb.EmbedRequest(text=text)).embedding)

    def calibrate(self, samples: Iterable[CalibrationSample], apply: bool = False) -> CalibrationResult:
        """Computes baseline scores (Eq. 7) from samples with ground-truth objects; with ``apply`` the verifier stores
        them in its shared data directory and every replica serving it switches to them within seconds (needs
        ``admin_key`` when the verifier has one). Samples that fail are in ``sample_errors``."""
        request = pb.CalibrateRequest(apply=apply)
        for sample in samples:
            image = self._resolve(sample.image)
            message = pb.CalibrationSample(image=self._ref(image, image.data is not None and
                                                           image.image_id not in self._sent),
                                           ground_truth_objects=list(sample.ground_truth_objects))
            if sample.tokens is not None:
                message.tokens.tokens.extend(_token_list(sample.tokens))
                message.tokens.token_format = _token_format(sample.token_format)
            else:
                message.text = sample.text or ""
            request.samples.append(message)
        response = self._call(self._stub.Calibrate, request)
        return CalibrationResult(
            calibration=_fields(response.calibration) if response.HasField("calibration") else {},
            applied=response.applied,
            sample_errors={e.index: VerifierError.from_code(e.error.code, e.error.message)
                           for e in response.sample_errors},
            not_applied_reason=response.not_applied_reason, calibration_id=response.calibration_id)

    def info(self) -> VerifierInfo:
        """Model, entity set, calibration, settings and limits of the replica answering."""
        r = self._call(self._stub.GetInfo, pb.GetInfoRequest())
        return VerifierInfo(
            model_id=r.model_id, model_path=r.model_path, image_size=r.image_size, embedding_dim=r.embedding_dim,
            logit_scale=r.logit_scale, device=r.device, version=r.version, calibrated=r.calibrated,
            calibration=_fields(r.calibration) if r.HasField("calibration") else None,
            entity_set=_fields(r.entity_set), settings=_fields(r.settings), limits=_fields(r.limits),
            calibration_id=r.calibration_id)

    # -- internals -------------------------------------------------------------------------------------------------

    def _call(self, method: Callable[..., _T], request: Any) -> _T:
        try:
            return method(request, timeout=self.timeout, metadata=self._metadata)
        except grpc.RpcError as error:
            raise VerifierError.from_rpc_error(error) from error

    def _resolve(self, image: ImageLike) -> _Image:
        if isinstance(image, (bytes, bytearray, memoryview)):
            data = bytes(image)
        elif isinstance(image, str) and _IMAGE_ID.fullmatch(image) and not os.path.exists(image):
            return _Image(image, self._sent.get(image))
        elif isinstance(image, (str, os.PathLike)):
            data = Path(image).read_bytes()
        else:
            raise TypeError(f"image must be bytes, a path or an image id, not {type(image).__name__}")
        return _Image(hashlib.sha256(data).hexdigest(), data)

    def _ref(self, image: _Image, send_bytes: bool) -> pb.ImageRef:
        if send_bytes:
            assert image.data is not None
            with self._counter_lock:
                self._uploads += 1
            return pb.ImageRef(data=image.data)
        return pb.ImageRef(image_id=image.image_id)

    def _delivered(self, image_id: str, data: Optional[bytes]) -> None:
        if data is not None and image_id:
            self._sent.add(image_id, data)

    def _with_image(self, image: _Image, call: Callable[[pb.ImageRef], _T]) -> _T:
        """Runs a one-image call by id when the image was delivered before (or only the id is known), else with
        bytes; on NOT_FOUND for an id whose bytes are at hand, once more with the bytes."""
        by_id = image.data is None or image.image_id in self._sent
        try:
            response = call(self._ref(image, not by_id))
        except VerifierError as error:
            if not (by_id and image.data is not None and error.code == grpc.StatusCode.NOT_FOUND):
                raise
            self._sent.discard(image.image_id)
            response = call(self._ref(image, True))
        self._delivered(getattr(response, "image_id", ""), image.data)
        return response

    def _prepare(self, item: BatchInput) -> Tuple[_Image, List[str], int, str]:
        if isinstance(item, ScoreItem):
            image, tokens, fmt, request_id = item.image, item.tokens, item.token_format, item.request_id
        elif isinstance(item, tuple) and 2 <= len(item) <= 4:
            image, tokens = item[0], item[1]
            fmt = item[2] if len(item) > 2 else TokenFormat.AUTO
            request_id = item[3] if len(item) > 3 else ""
        else:
            raise TypeError("batch items must be ScoreItem or (image, tokens[, token_format[, request_id]]) tuples")
        return self._resolve(image), _token_list(tokens), _token_format(fmt), request_id


def _read(path: Optional[str]) -> Optional[bytes]:
    if not path:
        return None
    with open(path, "rb") as file:
        return file.read()


def _token_list(tokens: Sequence[str]) -> List[str]:
    if isinstance(tokens, (str, bytes)):
        raise TypeError("tokens must be a sequence of strings (use score_text for a caption)")
    return [str(t) for t in tokens]


def _token_format(value: Union[TokenFormat, str, int]) -> int:
    if isinstance(value, bool):
        raise TypeError("token_format must be a TokenFormat, its name or its number")
    if isinstance(value, int):
        return value  # raw enum number; the verifier rejects unknown ones with INVALID_ARGUMENT
    name = (value.value if isinstance(value, TokenFormat) else str(value)).strip().lower().replace("-", "_")
    try:
        return pb.TokenFormat.Value("TOKEN_FORMAT_" + TokenFormat(name).name)
    except ValueError:
        raise ValueError(f"unknown token_format {value!r}; use one of "
                         f"{', '.join(f.value for f in TokenFormat)}") from None


def _verdict(value: int) -> Verdict:
    try:
        return Verdict[pb.Verdict.Name(value)[len("VERDICT_"):]]
    except (KeyError, ValueError):
        return Verdict.UNSPECIFIED


def _score_result(response: Any, tokens: List[str]) -> ScoreResult:
    return ScoreResult(
        rewards=list(response.rewards),
        mentions=[Mention(surface=m.surface, entity=m.entity, token_start=m.token_start, token_end=m.token_end,
                          score=m.score, reward=m.reward, verdict=_verdict(m.verdict)) for m in response.mentions],
        image_id=response.image_id, model_id=response.model_id, calibrated=response.calibrated,
        tokens=list(tokens), request_id=response.request_id, calibration_id=response.calibration_id)


def _fields(message: Any) -> Dict[str, Any]:
    """A flat message as a dict of all its fields (defaults included)."""
    return {f.name: getattr(message, f.name) for f in message.DESCRIPTOR.fields}
