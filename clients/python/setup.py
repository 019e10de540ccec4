"""Generates the gRPC stubs from ../../protos before building (see fisao_verifier/_codegen.py)."""
import importlib.util
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent


def _codegen():
    spec = importlib.util.spec_from_file_location("fisao_verifier_codegen", HERE / "fisao_verifier" / "_codegen.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


class BuildPyWithStubs(build_py):
    def run(self):
        codegen = _codegen()
        if codegen.proto_sha256() is not None:
            codegen.generate()  # always from the contract when it is at hand
        elif codegen.generated_sha256() is None:
            raise SystemExit("fisao_verifier: no stubs and no protos/fisao/verifier/v1/verifier.proto to generate "
                             "them from; build inside the FiSAO repository or set FISAO_PROTO_ROOT.")
        super().run()


setup(cmdclass={"build_py": BuildPyWithStubs})
