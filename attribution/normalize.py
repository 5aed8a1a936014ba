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
        # more legal forms, as normalise_name spells them ("Sp. z o.o." -> "sp zoo", "A/S" -> "as")
        "sl",
        "sp",
        "zoo",
        "sro",
        "kft",
        "oyj",
        "asa",
        "se",
        "kgaa",
        "ltda",
        "lda",
        "bvba",
        "sprl",
        "pvt",
        "lp",
        "sae",
        "sca",
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


# Account mapping keys ---------------------------------------------------------------------------
#
# Account mapping compares millions of rows, so every account carries precomputed keys written at
# ingest: the registrable domain as a 64-bit integer (`pom.domains.domain_key`: exact overlap is then
# an integer join), the registration numbers in one spelling, and a matching form of the name.


def normalise_duns(value: str) -> str:
    """A D-U-N-S number as its 9 digits (`15-048-3782` -> `150483782`); "" when it is not one."""
    digits = re.sub(r"[\s.-]", "", value or "")
    return digits if re.fullmatch(r"\d{9}", digits) else ""


def normalise_vat(value: str) -> str:
    """A VAT number as country prefix and characters, upper case, no spaces or dots (`be 0123.456.789`
    -> `BE0123456789`); "" when it does not start with a two-letter country code."""
    text = re.sub(r"[\s.-]", "", value or "").upper()
    return text if re.fullmatch(r"[A-Z]{2}[0-9A-Z]{2,13}", text) else ""


def normalise_siret(value: str) -> str:
    """A French SIRET as its 14 digits; "" when it is not one."""
    digits = re.sub(r"[\s.-]", "", value or "")
    return digits if re.fullmatch(r"\d{14}", digits) else ""


# Words that say what kind of company it is rather than which one; dropped before fuzzy matching,
# and common abbreviations written out, so "Hartmann Intl. Logistics Grp" meets "Hartmann International
# Logistics".
NAME_ABBREVIATIONS = {
    "intl": "international",
    "int": "international",
    "internat": "international",
    "natl": "national",
    "mfg": "manufacturing",
    "mfrs": "manufacturers",
    "tech": "technologies",
    "technology": "technologies",
    "techs": "technologies",
    "svc": "services",
    "svcs": "services",
    "service": "services",
    "sys": "systems",
    "system": "systems",
    "sol": "solutions",
    "solution": "solutions",
    "assoc": "associates",
    "bros": "brothers",
    "eng": "engineering",
    "engg": "engineering",
    "ind": "industries",
    "inds": "industries",
    "industry": "industries",
    "mgmt": "management",
    "dev": "development",
    "labs": "laboratories",
    "lab": "laboratories",
    "pharma": "pharmaceuticals",
    "pharm": "pharmaceuticals",
    "fin": "financial",
    "ins": "insurance",
    "log": "logistics",
    "logistic": "logistics",
    "st": "saint",
    "ste": "sainte",
    "univ": "university",
    "hldgs": "holdings",
    "grp": "group",
}
NAME_NOISE = frozenset(["the", "and", "of", "de", "der", "die", "la", "le", "les", "du", "et", "und", "y", "group"])


_LONG_LEGAL_WORDS = sorted(w for w in LEGAL_SUFFIXES if len(w) >= 5)


def _is_legal_word(word: str) -> bool:
    """A legal-form word, even with one typo in a long one ("Hodings", "Limted")."""
    if word in LEGAL_SUFFIXES:
        return True
    if len(word) < 4:
        return False
    from rapidfuzz.distance import OSA

    return any(OSA.distance(word, legal, score_cutoff=1) <= 1 for legal in _LONG_LEGAL_WORDS)


def match_name(value: str) -> str:
    """The name as the fuzzy matcher compares it: `normalise_name`, abbreviations written out, legal
    forms anywhere (even misspelt) and filler words dropped. `The Hartmann Intl. Logistics GmbH` ->
    `hartmann international logistics`. A name made only of such words is kept as it is."""
    words = []
    base = normalise_name(value).split()
    for word in base:
        word = NAME_ABBREVIATIONS.get(word, word)
        if word in NAME_NOISE or _is_legal_word(word):
            continue
        words.append(word)
    return " ".join(words) or " ".join(base)
