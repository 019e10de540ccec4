"""Python client of the FiSAO fine-grained verifier (gRPC ``fisao.verifier.v1.Verifier``).

    from fisao_verifier import Verifier
    with Verifier("127.0.0.1:8080") as verifier:
        result = verifier.score("scene.png", ["▁A", "▁hot", "▁dog"])

The gRPC stubs are generated from ``protos/fisao/verifier/v1/verifier.proto`` (see ``build_stubs.py``).
"""
from .client import Verifier
from .errors import VerifierError
from .models import (CalibrationResult, CalibrationSample, ImageLike, Mention, ScoreItem, ScoreResult, TokenFormat,
                     Verdict, VerifierInfo)

__version__ = "0.1.0"

__all__ = ["Verifier", "VerifierError", "ScoreResult", "Mention", "ScoreItem", "TokenFormat", "Verdict",
           "VerifierInfo", "CalibrationSample", "CalibrationResult", "ImageLike", "__version__"]
