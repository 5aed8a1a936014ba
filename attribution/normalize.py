"""Normalising company names and domains so that conflicts are found despite spelling noise."""

from __future__ import annotations

import difflib
import re
import unicodedata

LEGAL_SUFFIXES = frozenset(
    [
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "llc",
        "llp",
        "plc",
        "gmbh",
        "ag",
        "kg",
        "sa",
        "sas",
        "sarl",
        "srl",
        "spa",
        "bv",
        "nv",
        "oy",
        "ab",
        "as",
        "aps",
        "pty",
        "pte",
        "kk",
        "group",
        "holding",
        "holdings",
    ]
)
NAME_SIMILARITY = 0.85


def normalise_domain(value: str) -> str:
    """`https://www.Acme.com/about` -> `acme.com`; e-mail addresses give their domain."""
    value = (value or "").strip().lower()
    if "@" in value:
        value = value.rsplit("@", 1)[1]
    value = re.sub(r"^[a-z][a-z0-9+.-]*://", "", value)
    value = value.split("/", 1)[0].split("?", 1)[0].split(":", 1)[0].strip(".")
    if value.startswith("www."):
        value = value[4:]
    return value


def normalise_name(value: str) -> str:
    """Lower case, no accents or punctuation, legal suffixes dropped: `ACME Gmbh.` -> `acme`."""
    value = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode().lower()
    value = value.replace("&", " and ")
    words = re.findall(r"[a-z0-9]+", value)
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def name_similarity(a: str, b: str) -> float:
    """Ratio in [0, 1] between two normalised names."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    return difflib.SequenceMatcher(None, a, b).ratio()
