"""The generated protobuf/gRPC modules, (re)generated first when missing or stale (see ``_codegen``)."""
from . import _codegen

_codegen.ensure_current()

from ._proto import verifier_pb2 as pb  # noqa: E402
from ._proto import verifier_pb2_grpc as pb_grpc  # noqa: E402

__all__ = ["pb", "pb_grpc"]
