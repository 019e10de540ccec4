"""Calibrations applied through the verifier's shared store: admin key, ids in every answer, pinning."""
from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import grpc
import pytest
from conftest import start_verifier
from fisao_verifier import CalibrationSample, Verifier, VerifierError
from pngs import png

ADMIN_KEY = "python-admin-key"
TOKENS = ["▁A", "▁dog", "▁sleeps", "▁next", "▁to", "▁a", "▁cat", "."]


@pytest.fixture(scope="module")
def admin_verifier(verifier_process):
    """A verifier of its own (applying changes its calibration) that has an admin key."""
    root = Path(tempfile.mkdtemp(prefix="fisao-python-admin-"))
    try:
        with start_verifier(root, verifier_process.model_dir, ["--admin-key", ADMIN_KEY]) as url:
            yield url[len("http://"):]
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _separable_samples(client: Verifier) -> list:
    """A random CLIP separates nothing: declare each image's better-scoring object present, so the classes separate."""
    samples = []
    for seed in range(60, 66):
        image = png(seed)
        best = max(client.score(image, TOKENS).mentions, key=lambda m: m.score)
        samples.append(CalibrationSample(image, [best.entity], tokens=TOKENS))
    return samples


def test_apply_needs_the_admin_key_and_every_answer_names_the_calibration(admin_verifier):
    with Verifier(admin_verifier) as plain, Verifier(admin_verifier, admin_key=ADMIN_KEY) as admin:
        samples = _separable_samples(plain)
        with pytest.raises(VerifierError) as denied:
            plain.calibrate(samples, apply=True)
        assert denied.value.code == grpc.StatusCode.PERMISSION_DENIED
        assert plain.info().calibrated is False and plain.info().calibration_id == ""

        applied = admin.calibrate(samples, apply=True)
        assert applied.applied, applied.not_applied_reason
        assert len(applied.calibration_id) == 16
        assert plain.info().calibration_id == applied.calibration_id
        scored = plain.score(png(70), TOKENS)
        assert scored.calibrated and scored.calibration_id == applied.calibration_id

        with Verifier(admin_verifier, calibration_id=applied.calibration_id) as pinned:
            assert pinned.score(png(71), TOKENS).calibration_id == applied.calibration_id
        with Verifier(admin_verifier, calibration_id="0123456789abcdef") as unknown:
            with pytest.raises(VerifierError) as missing:
                unknown.score(png(72), TOKENS)
        assert missing.value.code == grpc.StatusCode.NOT_FOUND
        assert "0123456789abcdef" in missing.value.message
