"""Starts one real verifier process (the .NET service, nothing mocked) for the whole test session.

The verifier is ``$FISAO_VERIFIER_DLL`` or ``services/Verifier/bin/Debug/net10.0/FiSAO.Verifier.dll`` (built with
``dotnet build services/Verifier`` when absent). It serves a tiny random CLIP folder written by ``tiny_clip.py`` on a
port the OS picks, requires an API key, and keeps at most ``IMAGE_CACHE_CAPACITY`` images so that eviction can be
tested. Set ``FISAO_TEST_LOGS=1`` to see its log.
"""
from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Iterator, NamedTuple

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))  # tiny_clip, pngs

import tiny_clip  # noqa: E402

from fisao_verifier import Verifier  # noqa: E402

REPO = Path(__file__).resolve().parents[3]
DEFAULT_DLL = REPO / "services" / "Verifier" / "bin" / "Debug" / "net10.0" / "FiSAO.Verifier.dll"
API_KEY = "python-client-tests"
IMAGE_CACHE_CAPACITY = 64
START_TIMEOUT_S = 90


class RunningVerifier(NamedTuple):
    address: str  # host:port
    url: str  # http://host:port
    api_key: str
    model_dir: Path
    image_cache_capacity: int


def _verifier_dll() -> Path:
    configured = os.environ.get("FISAO_VERIFIER_DLL")
    if configured:
        return Path(configured)
    if not DEFAULT_DLL.exists():
        subprocess.run(["dotnet", "build", str(REPO / "services" / "Verifier"), "-nologo", "-v", "q"], check=True)
    return DEFAULT_DLL


def _log_tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture(scope="session")
def verifier_process() -> Iterator[RunningVerifier]:
    root = Path(tempfile.mkdtemp(prefix="fisao-python-tests-"))
    model_dir = tiny_clip.write(root / "model")
    try:
        with start_verifier(root, model_dir, ["--api-key", API_KEY]) as url:
            yield RunningVerifier(url[len("http://"):], url, API_KEY, model_dir, IMAGE_CACHE_CAPACITY)
    finally:
        shutil.rmtree(root, ignore_errors=True)


@contextlib.contextmanager
def start_verifier(root: Path, model_dir: Path, arguments: list) -> Iterator[str]:
    """Runs the verifier on ``model_dir`` with its data directory in ``root`` (plus ``arguments``); yields its URL."""
    dll = _verifier_dll()
    root.mkdir(parents=True, exist_ok=True)
    log_path = root / f"verifier-{time.monotonic_ns()}.log"
    env = dict(os.environ, DOTNET_CLI_TELEMETRY_OPTOUT="1", DOTNET_NOLOGO="1",
               Verifier__TorchThreads="1", Verifier__ImageCacheCapacity=str(IMAGE_CACHE_CAPACITY))
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            ["dotnet", str(dll), "--model", str(model_dir), "--data-dir", str(root / "data"),
             "--urls", "http://127.0.0.1:0", *arguments],
            cwd=str(dll.parent), env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    try:
        yield _wait_until_ready(process, log_path)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        if os.environ.get("FISAO_TEST_LOGS") == "1":
            print(log_path.read_text(errors="replace"))


def _wait_until_ready(process: subprocess.Popen, log_path: Path) -> str:
    """The port comes from Kestrel's 'Now listening on' line (port 0: no race for a free port); ready = /healthz 200."""
    deadline = time.monotonic() + START_TIMEOUT_S
    url = None
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"The verifier exited with code {process.returncode} during start-up:\n{_log_tail(log_path)}")
        if url is None:
            match = re.search(r"Now listening on: (http://127\.0\.0\.1:\d+)", log_path.read_text(errors="replace"))
            url = match.group(1) if match else None
        if url is not None:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=2) as response:
                    if response.status == 200:
                        return url
            except OSError:
                pass
        time.sleep(0.1)
    process.kill()
    pytest.fail(f"The verifier was not ready within {START_TIMEOUT_S} s:\n{_log_tail(log_path)}")


@pytest.fixture
def verifier(verifier_process: RunningVerifier) -> Iterator[Verifier]:
    """A fresh client (empty sent-image cache) per test."""
    with Verifier(verifier_process.address, api_key=verifier_process.api_key, timeout=30) as client:
        yield client
