"""Web domains as POM stores and compares them: one normaliser for partners, accounts and registrations.

Conflict checks match a registration's customer domain against accounts and other registrations, and
partners are found by domain on import, so every app must reduce the same input to the same domain.
Account mapping goes one step further: `registrable_domain` (public-suffix aware, from the list bundled
with `publicsuffixlist`, never downloaded) and its 64-bit integer `domain_key`, written at ingest.
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


# Registrable domains (account mapping) ------------------------------------------------------------

_PSL = None


def _public_suffixes():
    """The Public Suffix List bundled with `publicsuffixlist` (loaded once; never downloaded)."""
    global _PSL
    if _PSL is None:
        from publicsuffixlist import PublicSuffixList

        _PSL = PublicSuffixList(only_icann=False)
    return _PSL


def _ascii_host(host: str) -> str:
    """Internationalised labels in their ASCII (punycode) form, so `münchen.de` = `xn--mnchen-3ya.de`."""
    labels = []
    for label in host.split("."):
        if not label:
            continue
        try:
            labels.append(label.encode("idna").decode("ascii") if not label.isascii() else label)
        except UnicodeError:
            return ""
    return ".".join(labels)


def registrable_domain(value: str) -> str:
    """The domain a company registered, with public-suffix awareness; "" when there is none.

    `https://shop.Acme.co.uk/x` -> `acme.co.uk`, `www.acme.com` -> `acme.com`, `acme.github.io` stays
    (a private suffix: each site is its own), `co.uk` or `localhost` -> "" (no registrable part).
    """
    host = _ascii_host(normalize_domain(value))
    if not host or not re.fullmatch(r"[a-z0-9.-]+", host) or "." not in host:
        return ""
    if re.fullmatch(r"[0-9.]+", host):  # an IP address names no company
        return ""
    return _public_suffixes().privatesuffix(host) or ""


def domain_key(value: str) -> int | None:
    """The registrable domain as a signed 64-bit integer (BLAKE2b), or None without one.

    Two accounts with the same registrable domain get the same key, so the exact overlap of two lists
    is a join on one indexed bigint column. With 64 bits, two different domains among a few million
    collide with a probability below one in a million.
    """
    domain = registrable_domain(value)
    if not domain:
        return None
    import hashlib

    digest = hashlib.blake2b(domain.encode("ascii"), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
