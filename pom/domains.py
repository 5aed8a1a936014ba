"""Web domains as POM stores and compares them: one normaliser for partners, accounts and registrations.

Conflict checks match a registration's customer domain against accounts and other registrations, and
partners are found by domain on import, so every app must reduce the same input to the same domain.
"""

from __future__ import annotations

import re

_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")
_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{0,62}$")


def normalize_domain(value: str | None) -> str:
    """`https://WWW.Acme.com:8443/path?q#top` -> `acme.com`; `jane@acme.com` -> `acme.com`.

    Lower case, without scheme, path, query, fragment, user, port, `www.` or surrounding dots.
    """
    domain = (value or "").strip().lower()
    domain = _SCHEME.sub("", domain)
    domain = re.split(r"[/?#]", domain, maxsplit=1)[0]
    domain = domain.rsplit("@", 1)[-1]  # user@host and e-mail addresses
    domain = domain.split(":", 1)[0].strip(".")
    if domain.startswith("www."):
        domain = domain[4:]
    return domain


def domain_error(domain: str) -> str | None:
    """Why a normalised domain is not acceptable, or None."""
    if domain and not _DOMAIN.match(domain):
        return f"“{domain}” is not a web domain; use a form like acme.com."
    return None
