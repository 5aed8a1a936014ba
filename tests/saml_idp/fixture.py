"""`saml_idp`: the test SAML identity provider (tests/saml_idp/server.py) running in its own process.

Started once per test session on a free port with a key and certificate generated here; it knows
sam@nimbus.example and eve@elsewhere.example. `SamlIdp.sign_in` plays the browser at the IdP and
returns the SAMLResponse form it would auto-post to POM. `other_cert` is a certificate of another key.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import time
from dataclasses import dataclass
from html import unescape
from pathlib import Path

import pytest
import requests

from tests.worker import _free_port

ROOT = Path(__file__).resolve().parent.parent.parent
PASSWORD = "idp-pass-2026"


def make_certificate(name: str, key_path: Path | None = None, days: int = 30) -> tuple[str, str]:
    """A self-signed RSA certificate and its key, both PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=10))
        .not_valid_after(now + dt.timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()
    return cert.public_bytes(serialization.Encoding.PEM).decode(), key_pem


@dataclass
class SamlIdp:
    base: str
    cert: str
    other_cert: str
    log: Path

    @property
    def entity_id(self) -> str:
        return f"{self.base}/metadata"

    @property
    def sso_url(self) -> str:
        return f"{self.base}/sso/redirect"

    def sign_in(self, redirect_url: str, username: str, password: str = PASSWORD, **knobs) -> tuple[str, dict]:
        """Open the AuthnRequest redirect, sign in; return (ACS URL, fields to post there)."""
        session = requests.Session()
        page = session.get(redirect_url, timeout=10)
        assert page.status_code == 200, page.text[:500]
        fields = dict(re.findall(r'name="(SAMLRequest|RelayState)" value="([^"]*)"', page.text))
        fields = {k: unescape(v) for k, v in fields.items()}
        answer = session.post(
            f"{self.base}/sso/login", data={**fields, "username": username, "password": password, **knobs}, timeout=10
        )
        assert answer.status_code == 200, answer.text[:500]
        action = unescape(re.search(r'action="([^"]*)"', answer.text).group(1))
        posted = {
            k: unescape(v) for k, v in re.findall(r'name="(SAMLResponse|RelayState)" value="([^"]*)"', answer.text)
        }
        return action, posted


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("saml-idp")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    cert, key = make_certificate("POM test IdP")
    other_cert, _ = make_certificate("Someone else's IdP")
    (workdir / "idp.crt").write_text(cert)
    (workdir / "idp.key").write_text(key)
    spec = {
        "base": base,
        "port": port,
        "cert_file": str(workdir / "idp.crt"),
        "key_file": str(workdir / "idp.key"),
        "people": [
            {"email": "sam@nimbus.example", "password": PASSWORD, "first_name": "Sam", "last_name": "Single"},
            {"email": "eve@elsewhere.example", "password": PASSWORD, "first_name": "Eve", "last_name": "Else"},
        ],
    }
    spec_file = workdir / "spec.json"
    spec_file.write_text(json.dumps(spec))
    log = workdir / "idp.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "tests.saml_idp.server", str(spec_file)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while True:
        try:
            if requests.get(f"{base}/metadata", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"The test SAML IdP did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.1)
    yield SamlIdp(base=base, cert=cert, other_cert=other_cert, log=log)
    process.terminate()
    process.wait(timeout=10)
