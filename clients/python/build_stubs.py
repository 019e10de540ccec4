#!/usr/bin/env python3
"""Generates fisao_verifier/_proto/ from ../../protos/fisao/verifier/v1/verifier.proto.

    /usr/bin/python3 build_stubs.py            # (re)generate
    /usr/bin/python3 build_stubs.py --check    # exit 1 when the stubs are missing or stale

Equivalent to ``python3 -m grpc_tools.protoc -I ../../protos --python_out=... --grpc_python_out=...`` plus one
import rewrite; see fisao_verifier/_codegen.py. Needs grpcio-tools (Debian: python3-grpc-tools).
"""
import importlib.util
import sys
from pathlib import Path

# Load _codegen.py on its own: importing the fisao_verifier package would already (re)generate the stubs.
_spec = importlib.util.spec_from_file_location(
    "fisao_verifier_codegen", Path(__file__).resolve().parent / "fisao_verifier" / "_codegen.py")
_codegen = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_codegen)

if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        have, want = _codegen.generated_sha256(), _codegen.proto_sha256()
        if have is None or have != want:
            print(f"stubs are {'missing' if have is None else 'stale'}: run build_stubs.py", file=sys.stderr)
            sys.exit(1)
        print("stubs are current")
    else:
        print(f"generated {_codegen.generate()}")
