"""The one exception type of the client."""
from __future__ import annotations

import grpc

_BY_VALUE = {status.value[0]: status for status in grpc.StatusCode}


class VerifierError(Exception):
    """A call (or one item of a batch, stream or calibration) that the verifier refused or could not serve.

    Attributes:
        code: the gRPC status, e.g. ``grpc.StatusCode.INVALID_ARGUMENT`` for a bad image or empty token list,
            ``NOT_FOUND`` for an image id the replica does not hold, ``RESOURCE_EXHAUSTED`` when it is busy or a
            message is too large, ``UNAUTHENTICATED`` for a missing/wrong API key, ``UNAVAILABLE`` when it is down.
        message: the server's explanation, meant for people.
    """

    def __init__(self, code: grpc.StatusCode, message: str) -> None:
        super().__init__(f"{code.name}: {message}")
        self.code = code
        self.message = message

    @classmethod
    def from_rpc_error(cls, error: grpc.RpcError) -> "VerifierError":
        code = error.code() if hasattr(error, "code") else grpc.StatusCode.UNKNOWN
        details = error.details() if hasattr(error, "details") else str(error)
        return cls(code or grpc.StatusCode.UNKNOWN, details or "")

    @classmethod
    def from_code(cls, code: int, message: str) -> "VerifierError":
        """From a numeric status (google.rpc.Code numbering), as batch items and calibration samples carry it."""
        return cls(_BY_VALUE.get(code, grpc.StatusCode.UNKNOWN), message)

    def __reduce__(self):  # picklable, e.g. across multiprocessing
        return (VerifierError, (self.code, self.message))
