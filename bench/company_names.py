"""Real-looking company names and the noisy ways two CRMs spell the same company, for labelled sets.

    companies = company_names(5000, rng)          # distinct canonical names
    spelling = variant(name, rng)                  # the same company as another CRM might write it

Variants combine typos (a letter dropped, doubled, swapped or replaced by a keyboard neighbour),
legal suffixes added, removed or changed, abbreviations (International -> Intl, & -> and …), word
order changes, case and accents. Used by `bench/account_mapping.py` and the matcher's tests.
"""

from __future__ import annotations

import random
import unicodedata

SURNAMES = [
    "Hartmann", "Müller", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Schäfer", "Koch", "Richter",
    "Wagner", "Krüger", "Lefèvre", "Dubois", "Moreau", "Laurent", "Girard", "Rousseau", "Fournier", "Mercier",
    "Bonnet", "Lambert", "Fontaine", "Chevalier", "De Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer",
    "Mulder", "Bos", "Vos", "Peeters", "Janssens", "Maes", "Claes", "Goossens", "Wouters", "García",
    "Fernández", "López", "Martínez", "Sánchez", "Romero", "Navarro", "Rossi", "Russo", "Ferrari", "Esposito",
    "Bianchi", "Romano", "Colombo", "Ricci", "Marino", "Greco", "Bruno", "Gallo", "Conti", "Costa",
    "Andersson", "Johansson", "Karlsson", "Nilsson", "Eriksson", "Larsen", "Nielsen", "Hansen", "Pedersen",
    "Kowalski", "Nowak", "Wiśniewski", "Novák", "Svoboda", "Horváth", "Nagy", "Tanaka", "Suzuki", "Takahashi",
    "Watanabe", "Yamamoto", "Nakamura", "Kobayashi", "Sato", "Kim", "Park", "Chen", "Wang", "Li", "Zhang",
    "Patel", "Sharma", "Gupta", "Reddy", "Iyer", "Mehta", "O'Brien", "Murphy", "Kelly", "Walsh", "Byrne",
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Miller", "Davis", "Wilson", "Anderson", "Taylor",
    "Thompson", "Clarke", "Harrison", "Bennett", "Hughes", "Foster", "Graham", "Sullivan", "Porter", "Hayes",
]  # fmt: skip
PLACES = [
    "Rhine", "Alpine", "Nordic", "Baltic", "Atlantic", "Pacific", "Danube", "Elbe", "Thames", "Hudson",
    "Cascade", "Sierra", "Delta", "Harbor", "Summit", "Meridian", "Highland", "Lakeside", "Riverside", "Bayview",
    "Westfield", "Eastgate", "Northbridge", "Southport", "Brabant", "Flanders", "Bavaria", "Provence",
    "Lombardy", "Catalonia", "Andalusia", "Silesia", "Bohemia", "Tuscany", "Normandy", "Zeeland", "Jutland",
    "Kyushu", "Hokkaido", "Yorkshire", "Cornwall", "Ontario", "Quebec", "Texas", "Carolina", "Oregon",
]  # fmt: skip
SYLLABLES = ["zen", "tri", "nova", "lum", "vex", "cor", "dyn", "qua", "syn", "ori", "tel", "mar", "kin",
             "ver", "ax", "ion", "pra", "sol", "tec", "vant", "ra", "lo", "mi", "xo", "ny", "gen", "bri"]  # fmt: skip
INDUSTRY = [
    "Logistics", "Foods", "Consulting", "Systems", "Analytics", "Engineering", "Pharmaceuticals", "Capital",
    "Media", "Software", "Energy", "Health", "Motors", "Textiles", "Chemicals", "Robotics", "Insurance",
    "Freight", "Telecom", "Hospitality", "Construction", "Aerospace", "Retail", "Packaging", "Biotech",
    "Security", "Marine", "Printing", "Furniture", "Beverages", "Cosmetics", "Dental", "Optics", "Solar",
]  # fmt: skip
SECOND = ["Technologies", "Services", "Solutions", "Partners", "International", "Manufacturing", "Industries",
          "Holdings", "Group", "Associates", "Laboratories", "Management", "Development", "Brothers"]  # fmt: skip
SUFFIXES = ["GmbH", "Inc.", "Ltd", "Limited", "S.A.", "SAS", "B.V.", "N.V.", "AG", "LLC", "Corp.", "Oy", "AB",
            "Pty Ltd", "K.K.", "S.p.A.", "S.L.", "plc", "Co.", "A/S", "Sp. z o.o."]  # fmt: skip
ABBREVIATIONS = {
    "International": "Intl", "Manufacturing": "Mfg", "Technologies": "Tech", "Services": "Svcs",
    "Systems": "Sys", "Associates": "Assoc", "Laboratories": "Labs", "Management": "Mgmt",
    "Development": "Dev", "Brothers": "Bros", "Industries": "Ind", "Pharmaceuticals": "Pharma",
    "Engineering": "Eng", "Holdings": "Hldgs", "Group": "Grp", "&": "and",
}  # fmt: skip
KEYBOARD = {
    "a": "sqwz", "b": "vghn", "c": "xdfv", "d": "serfcx", "e": "wsdr", "f": "drtgvc", "g": "ftyhbv",
    "h": "gyujnb", "i": "ujko", "j": "huikmn", "k": "jiolm", "l": "kop", "m": "njk", "n": "bhjm",
    "o": "iklp", "p": "ol", "q": "wa", "r": "edft", "s": "awedxz", "t": "rfgy", "u": "yhji", "v": "cfgb",
    "w": "qase", "x": "zsdc", "y": "tghu", "z": "asx",
}  # fmt: skip


def _invented(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.choice([2, 2, 3]))).capitalize()


def company_name(rng: random.Random) -> str:
    """One plausible company name with a legal suffix."""
    pattern = rng.random()
    if pattern < 0.3:
        core = f"{rng.choice(SURNAMES)} {rng.choice(INDUSTRY)}"
    elif pattern < 0.45:
        core = f"{rng.choice(SURNAMES)} & {rng.choice(SURNAMES)}"
    elif pattern < 0.65:
        core = f"{_invented(rng)} {rng.choice(INDUSTRY)}"
    elif pattern < 0.8:
        core = f"{rng.choice(PLACES)} {rng.choice(INDUSTRY)} {rng.choice(SECOND)}"
    elif pattern < 0.9:
        core = f"{rng.choice(SURNAMES)} {rng.choice(INDUSTRY)} {rng.choice(SECOND)}"
    else:
        core = f"{_invented(rng)} {rng.choice(SECOND)}"
    return f"{core} {rng.choice(SUFFIXES)}" if rng.random() < 0.8 else core


def company_names(n: int, rng: random.Random, key=None) -> list[str]:
    """`n` names that are different companies: no two share the same `key` (default: lower case)."""
    key = key or (lambda s: s.lower())
    seen: set[str] = set()
    names: list[str] = []
    while len(names) < n:
        name = company_name(rng)
        k = key(name)
        if k in seen:
            continue
        seen.add(k)
        names.append(name)
    return names


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 5:
        return word
    i = rng.randrange(1, len(word) - 1)
    kind = rng.choice(["drop", "double", "swap", "neighbour"])
    if kind == "drop":
        return word[:i] + word[i + 1 :]
    if kind == "double":
        return word[:i] + word[i] + word[i:]
    if kind == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    letter = word[i].lower()
    return word[:i] + rng.choice(KEYBOARD.get(letter, letter)) + word[i + 1 :]


def _strip_accents(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def variant(name: str, rng: random.Random) -> str:
    """The same company as another CRM might spell it: one or two kinds of noise."""
    words = name.split()
    suffix = []
    for legal in sorted(SUFFIXES, key=lambda s: -len(s.split())):
        parts = legal.split()
        if words[-len(parts) :] == parts and len(words) > len(parts):
            suffix, words = parts, words[: -len(parts)]
            break
    changes = rng.sample(["typo", "suffix", "abbreviate", "order", "case", "accents"], rng.choice([1, 1, 2]))
    for change in changes:
        if change == "typo":
            long_words = [i for i, w in enumerate(words) if len(w) >= 5]
            if long_words:
                i = rng.choice(long_words)
                words[i] = _typo(words[i], rng)
        elif change == "suffix":
            suffix = [] if suffix and rng.random() < 0.5 else rng.choice(SUFFIXES).split()
        elif change == "abbreviate":
            words = [ABBREVIATIONS.get(w, w) for w in words]
        elif change == "order" and len(words) >= 2:
            words = words[1:] + words[:1]
        elif change == "case":
            words = [w.upper() for w in words]
        elif change == "accents":
            words = [_strip_accents(w) for w in words]
    return " ".join(words + suffix)


def labelled_set(n: int, overlap: float, rng: random.Random, key=None) -> tuple[list, list, set]:
    """Two lists of (id, name) and the set of (left id, right id) that are the same company.

    `n` companies on each side; a share `overlap` of the right list are companies of the left list
    spelled differently; the rest of both lists are distinct companies.
    """
    shared = int(n * overlap)
    names = company_names(2 * n - shared, rng, key=key)
    left = [(i + 1, names[i]) for i in range(n)]
    truth = set()
    right = []
    sources = rng.sample(range(n), shared)
    for j in range(n):
        if j < shared:
            source = sources[j]
            right.append((j + 1, variant(names[source], rng)))
            truth.add((source + 1, j + 1))
        else:
            right.append((j + 1, names[n + j - shared]))
    rng.shuffle(right)
    return left, right, truth
