"""Secrets POM must read back (webhook signing secrets, SSO client secrets), encrypted at rest.

Fernet (AES-128-CBC with HMAC-SHA256) under keys from `POM_ENCRYPTION_KEYS` (comma-separated Fernet
keys, newest first, so a key can be rotated: new values use the first, old ones still decrypt), or,
when unset, one key derived from `SECRET_KEY` with HKDF. Values that cannot be decrypted (a changed
key) raise `SecretUnreadable` instead of leaking garbage.
"""

from __future__ import annotations

import base64
import secrets
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings


class SecretUnreadable(Exception):
    """A stored secret was encrypted under a key this deployment no longer has."""


@cache
def _fernet() -> MultiFernet:
    keys = [k for k in getattr(settings, "POM_ENCRYPTION_KEYS", []) if k]
    if not keys:
        derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"pom-secrets", info=b"fernet").derive(
            settings.SECRET_KEY.encode()
        )
        keys = [base64.urlsafe_b64encode(derived).decode()]
    return MultiFernet([Fernet(k) for k in keys])


def encrypt(value: str) -> str:
    return _fernet().encrypt(value.encode()).decode()


def decrypt(token: str) -> str:
    try:
        return _fernet().decrypt(token.encode()).decode()
    except InvalidToken as exc:
        raise SecretUnreadable("This secret was stored under another encryption key; set a new one.") from exc


def new_secret(prefix: str) -> str:
    """A random secret with a readable prefix (`whsec_…`)."""
    return f"{prefix}_{secrets.token_urlsafe(32)}"
