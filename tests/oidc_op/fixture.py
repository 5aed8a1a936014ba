"""`oidc_provider`: the test OpenID provider (tests/oidc_op) running in its own process.

Started once per test session on a free port with its own SQLite database; it knows two people and
two clients registered for POM's callback at http://testserver/ (Django's test client): `pom-client`,
and `pom-wrong-audience`, whose ID tokens name another audience.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urljoin

import pytest
import requests

from tests.worker import _free_port

ROOT = Path(__file__).resolve().parent.parent.parent
CALLBACK = "http://testserver/accounts/oidc/pom-{slug}/login/callback/"
PASSWORD = "idp-pass-2026"


@dataclass
class Provider:
    issuer: str
    log: Path

    def sign_in(self, authorize_url: str, username: str, password: str = PASSWORD) -> str:
        """Play the browser at the provider: log in, and return where it sends the person back."""
        session = requests.Session()
        response = session.get(authorize_url, allow_redirects=False, timeout=10)
        if response.status_code == 302 and "/accounts/login/" in response.headers["Location"]:
            login_url = urljoin(authorize_url, response.headers["Location"])
            page = session.get(login_url, timeout=10)
            token = session.cookies["csrftoken"]
            nxt = login_url.split("next=", 1)[1]
            from urllib.parse import unquote

            response = session.post(
                login_url,
                data={"username": username, "password": password, "csrfmiddlewaretoken": token, "next": unquote(nxt)},
                allow_redirects=False,
                timeout=10,
            )
            assert response.status_code == 302, page.text[:500]
            response = session.get(
                urljoin(authorize_url, response.headers["Location"]), allow_redirects=False, timeout=10
            )
        assert response.status_code == 302, response.text[:500]
        return response.headers["Location"]


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory):
    workdir = tmp_path_factory.mktemp("oidc-op")
    port = _free_port()
    site = f"http://127.0.0.1:{port}"
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "DJANGO_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "tests.oidc_op.settings",
        "OP_DATABASE": str(workdir / "op.sqlite3"),
        "OP_SITE_URL": site,
        "PYTHONPATH": str(ROOT),
    }
    redirect_uris = [CALLBACK.format(slug=slug) for slug in ("nimbus", "rival")]
    spec = {
        "users": [
            {"username": "sam@nimbus.example", "email": "sam@nimbus.example", "password": PASSWORD,
             "first_name": "Sam", "last_name": "Single"},
            {"username": "eve@elsewhere.example", "email": "eve@elsewhere.example", "password": PASSWORD},
        ],
        "clients": [
            {"name": "pom", "client_id": "pom-client", "client_secret": "pom-secret", "redirect_uris": redirect_uris},
            {"name": "wrong-audience", "client_id": "pom-wrong-audience", "client_secret": "wrong-secret",
             "redirect_uris": redirect_uris},
        ],
    }  # fmt: skip
    spec_file = workdir / "spec.json"
    spec_file.write_text(json.dumps(spec))
    subprocess.run(
        [sys.executable, "-m", "tests.oidc_op.bootstrap", str(spec_file)], cwd=ROOT, env=env, check=True, timeout=120
    )
    log = workdir / "op.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    issuer = f"{site}/openid"
    deadline = time.monotonic() + 60
    while True:
        try:
            if requests.get(f"{issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"The test OpenID provider did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    yield Provider(issuer=issuer, log=log)
    process.terminate()
    process.wait(timeout=10)
