"""TLS and mutual TLS over real sockets: certificates made here (a CA, a server and a client certificate), a verifier
with a TLS endpoint from standard Kestrel configuration that requires client certificates from that CA."""
from __future__ import annotations

import datetime
import ipaddress
import re
import shutil
import tempfile
from pathlib import Path

import grpc
import pytest
from conftest import start_verifier
from fisao_verifier import Verifier, VerifierError
from pngs import png

x509 = pytest.importorskip("cryptography.x509")
from cryptography.hazmat.primitives import hashes, serialization  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import ec  # noqa: E402
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID  # noqa: E402


def _name(common_name: str) -> "x509.Name":
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _issue(folder: Path, stem: str, subject: str, issuer, issuer_key, *, ca: bool = False, server: bool = False):
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (x509.CertificateBuilder().subject_name(_name(subject))
               .issuer_name(issuer.subject if issuer is not None else _name(subject))
               .public_key(key.public_key()).serial_number(x509.random_serial_number())
               .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
               .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True))
    if server:
        builder = builder.add_extension(x509.SubjectAlternativeName(
            [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]), critical=False)
    if not ca:
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    certificate = builder.sign(issuer_key if issuer_key is not None else key, hashes.SHA256())
    (folder / f"{stem}.pem").write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    (folder / f"{stem}.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                           serialization.NoEncryption()))
    return certificate, key


@pytest.fixture(scope="module")
def tls_verifier(verifier_process):
    root = Path(tempfile.mkdtemp(prefix="fisao-python-tls-"))
    certs = root / "certs"
    certs.mkdir()
    ca, ca_key = _issue(certs, "ca", "FiSAO test CA", None, None, ca=True)
    _issue(certs, "server", "fisao-verifier", ca, ca_key, server=True)
    _issue(certs, "client", "fisao-trainer", ca, ca_key)
    other, other_key = _issue(certs, "other-ca", "Another CA", None, None, ca=True)
    _issue(certs, "stranger", "stranger", other, other_key)
    arguments = ["--Kestrel:Endpoints:Http:Url", "http://127.0.0.1:0",
                 "--Kestrel:Endpoints:Https:Url", "https://127.0.0.1:0",
                 "--Kestrel:Endpoints:Https:Certificate:Path", str(certs / "server.pem"),
                 "--Kestrel:Endpoints:Https:Certificate:KeyPath", str(certs / "server.key"),
                 "--Verifier:ClientCaPath", str(certs / "ca.pem")]
    try:
        with start_verifier(root, verifier_process.model_dir, arguments) as url:
            log = "\n".join(p.read_text(errors="replace") for p in root.glob("verifier-*.log"))
            tls_port = re.search(r"Now listening on: https://127\.0\.0\.1:(\d+)", log).group(1)
            yield f"127.0.0.1:{tls_port}", certs
    finally:
        shutil.rmtree(root, ignore_errors=True)


def test_a_client_with_the_ca_and_its_certificate_scores_over_tls(tls_verifier):
    address, certs = tls_verifier
    with Verifier(address, ca_file=str(certs / "ca.pem"), client_cert=str(certs / "client.pem"),
                  client_key=str(certs / "client.key")) as client:
        result = client.score(png(5), ["▁a", "▁dog"])
        assert len(result.rewards) == 2
        assert [m.entity for m in result.mentions] == ["dog"]


@pytest.mark.parametrize("stem", [None, "stranger"])
def test_a_client_without_an_accepted_certificate_is_refused(tls_verifier, stem):
    address, certs = tls_verifier
    options = {} if stem is None else {"client_cert": str(certs / f"{stem}.pem"), "client_key": str(certs / f"{stem}.key")}
    with Verifier(address, ca_file=str(certs / "ca.pem"), timeout=10, **options) as client:
        with pytest.raises(VerifierError) as refused:
            client.info()
    assert refused.value.code == grpc.StatusCode.UNAVAILABLE
