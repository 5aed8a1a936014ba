"""Normalising company names so that conflicts are found despite spelling noise (domains: `pom.domains`)."""

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


def normalise_name(value: str) -> str:
    """Lower case, no accents or punctuation, legal suffixes dropped: `ACME Gmbh.` -> `acme`."""
    value = unicodedata.normalize("NFKD", value or "").encode("ascii", "ignore").decode().lower()
    value = value.replace("&", " and ")
    words: list[str] = []
    single_run = False
    for word in re.findall(r"[a-z0-9]+", value):
        # "S.A." or "B V" become one word ("sa", "bv") so that legal suffixes written with dots are found.
        if len(word) == 1 and single_run:
            words[-1] += word
        else:
            words.append(word)
        single_run = len(word) == 1 or (single_run and len(word) == 1)
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words)


def name_similarity(a: str, b: str) -> float:
    """Ratio in [0, 1] between two normalised names; 0 when it cannot reach NAME_SIMILARITY."""
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    # Cheap upper bounds first: a registration is compared with every live claim and open account.
    if matcher.real_quick_ratio() < NAME_SIMILARITY or matcher.quick_ratio() < NAME_SIMILARITY:
        return 0.0
    return matcher.ratio()
