"""The stubs come from the repository's contract, protos/fisao/verifier/v1/verifier.proto, and nothing else."""
from __future__ import annotations

import hashlib
import importlib.util
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from fisao_verifier import _codegen
from fisao_verifier._proto import PROTO_SHA256
from fisao_verifier._stubs import pb, pb_grpc

PACKAGE_ROOT = Path(__file__).resolve().parents[1]
PROTO = PACKAGE_ROOT.parents[1] / "protos" / "fisao" / "verifier" / "v1" / "verifier.proto"


def test_the_stubs_in_use_were_generated_from_the_contract():
    assert PROTO_SHA256 == hashlib.sha256(PROTO.read_bytes()).hexdigest()
    result = subprocess.run([sys.executable, str(PACKAGE_ROOT / "build_stubs.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_every_rpc_and_message_of_the_proto_is_in_the_stubs():
    text = PROTO.read_text(encoding="utf-8")
    rpcs = re.findall(r"^\s*rpc (\w+)\(", text, re.MULTILINE)
    messages = re.findall(r"^message (\w+) \{", text, re.MULTILINE)
    service = pb.DESCRIPTOR.services_by_name["Verifier"]
    assert sorted(m.name for m in service.methods) == sorted(rpcs) and len(rpcs) == 6
    assert sorted(pb.DESCRIPTOR.message_types_by_name) == sorted(messages)
    assert all(hasattr(pb_grpc.VerifierStub, "__init__") for _ in rpcs)


def test_stale_stubs_are_regenerated_from_the_proto(tmp_path):
    stubs = tmp_path / "_proto"
    _codegen.generate(stubs_dir=stubs)
    assert _codegen.generated_sha256(stubs) == PROTO_SHA256
    marker = stubs / "__init__.py"
    marker.write_text(marker.read_text().replace(PROTO_SHA256, "0" * 64))
    assert _codegen.generated_sha256(stubs) != _codegen.proto_sha256()  # what ensure_current() regenerates on
    assert (stubs / "verifier_pb2.py").read_bytes() == (PACKAGE_ROOT / "fisao_verifier/_proto/verifier_pb2.py").read_bytes()


@pytest.mark.skipif(importlib.util.find_spec("setuptools") is None or importlib.util.find_spec("wheel") is None
                    or importlib.util.find_spec("pip") is None, reason="needs pip, setuptools and wheel")
def test_a_wheel_built_offline_carries_stubs_generated_at_build_time(tmp_path):
    shutil.rmtree(PACKAGE_ROOT / "build", ignore_errors=True)
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--no-index",
                             "-q", "-w", str(tmp_path), str(PACKAGE_ROOT)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    (wheel,) = tmp_path.glob("fisao_verifier-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for name in ("fisao_verifier/client.py", "fisao_verifier/_proto/verifier_pb2.py",
                 "fisao_verifier/_proto/verifier_pb2_grpc.py", "fisao_verifier/_proto/__init__.py"):
        assert name in names
    assert PROTO_SHA256 in zipfile.ZipFile(wheel).read("fisao_verifier/_proto/__init__.py").decode()
