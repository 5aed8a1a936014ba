"""Fuzzy company-name matching for account mapping: blocking, a soft TF-IDF scorer, precision first.

Only accounts without a usable web domain go through here (exact keys do the rest, in SQL). Names
are compared in the form `attribution.normalize.match_name` gives (legal suffixes and filler words
dropped, abbreviations written out), so what is left to forgive is typos, word order and extra words.

1. Blocking: a pair is scored only when the two names share a block key: a word that is not too
   common, the first four letters of such a word, or (for words of five letters or more) the word
   with one letter left out, which catches most single typos. Keys held by too many names on either
   side are skipped, so the work grows with the list sizes, not with their product.
2. Scoring (`name_score`): soft TF-IDF. Each word is weighted by how rare it is across both lists;
   two words count as nearly the same when they are one typo apart (`word_similarity`); the
   score is the weighted cosine of the two names, and a word one name lacks costs more. Names whose numbers
   differ ("Studio 54" / "Studio 45") are penalised; names that only differ in their spaces
   ("Data Corp" / "Datacorp") score on the joined text.
3. Precision first: a pair is a match only at THRESHOLD or above, and each account keeps only its
   best partner (pairs are taken best first, each side once).

`bench/account_mapping.py` measures precision and recall at THRESHOLD on a generated labelled set.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import OSA
from rapidfuzz.fuzz import ratio, token_sort_ratio

THRESHOLD = 0.9
UNMATCHED_WORD_FACTOR = 0.9
PREFILTER = 70  # token-sort ratio under which a pair cannot reach THRESHOLD: skipped before scoring
MAX_BLOCK = 100  # a block key shared by more names than this on one side says nothing
_DIGITS = re.compile(r"\d+")


@dataclass(frozen=True)
class Candidate:
    left_id: int
    right_id: int
    score: float


class Vocabulary:
    """Word weights (inverse document frequency) over every name of both lists."""

    def __init__(self, names: Iterable[str]):
        counts: dict[str, int] = defaultdict(int)
        total = 0
        for name in names:
            total += 1
            for word in set(name.split()):
                counts[word] += 1
        self.total = max(total, 1)
        self.counts = counts
        self._weights: dict[str, float] = {}

    def weight(self, word: str) -> float:
        weight = self._weights.get(word)
        if weight is None:
            weight = self._weights[word] = math.log((self.total + 1) / (self.counts.get(word, 0) + 1)) + 1.0
        return weight


def word_similarity(word: str, other: str) -> float:
    """1 for the same word; for one typo (a letter dropped, added, replaced, or two swapped) 0.9 in
    words of eight letters or more, 0.85 in six or seven, 0.75 in four or five (a letter is a bigger
    part of a short word: "Smit" and "Smith" are often two families); 0.8 for two typos in words of
    ten letters or more. A different first letter is rarely a typo, so it scores 0.7 at best."""
    if word == other:
        return 1.0
    shortest = min(len(word), len(other))
    if shortest < 4:
        return 0.0
    distance = OSA.distance(word, other, score_cutoff=2)
    if distance == 1:
        similarity = 0.9 if shortest >= 8 else 0.85 if shortest >= 6 else 0.75
    elif distance == 2 and shortest >= 10:
        similarity = 0.8
    else:
        return 0.0
    return min(similarity, 0.7) if word[0] != other[0] else similarity


def _align(left: list[str], right: list[str]) -> list[tuple[str, str, float]]:
    """Pairs of words that are the same or nearly, best first, each word used once."""
    options = sorted(
        ((word_similarity(a, b), a, b) for a in left for b in right),
        key=lambda option: -option[0],
    )
    used_left: set[str] = set()
    used_right: set[str] = set()
    pairs = []
    for similarity, a, b in options:
        if similarity <= 0:
            break
        if a in used_left or b in used_right:
            continue
        used_left.add(a)
        used_right.add(b)
        pairs.append((a, b, similarity))
    return pairs


def name_score(left: str, right: str, vocabulary: Vocabulary | None = None) -> float:
    """How sure we are, from 0 to 1, that two names (in `match_name` form) are the same company.

    Soft TF-IDF: the words of both names are paired (same word, or one typo apart: `word_similarity`),
    and the score is the weighted cosine of the two names, rare words weighing more than common ones
    ("Hartmann" more than "Logistics"); each word without a counterpart also costs a tenth ("Ionori"
    is not "Ionori Media"). Different numbers halve the score; names equal once their spaces are removed
    score at least the similarity of the joined texts.
    """
    if not left or not right:
        return 0.0
    if left == right:
        return 1.0
    vocabulary = vocabulary or Vocabulary([left, right])
    left_words, right_words = list(dict.fromkeys(left.split())), list(dict.fromkeys(right.split()))
    pairs = _align(left_words, right_words)
    # An aligned pair shares the weight of its more common spelling, so a typo (a word seen once,
    # hence "rare") does not outweigh the word it misspells.
    dot = left_norm = right_norm = 0.0
    for a, b, similarity in pairs:
        weight = min(vocabulary.weight(a), vocabulary.weight(b))
        dot += weight * weight * similarity
        left_norm += weight * weight
        right_norm += weight * weight
    aligned_left = {a for a, _b, _s in pairs}
    aligned_right = {b for _a, b, _s in pairs}
    missing = 0
    for word in left_words:
        if word not in aligned_left:
            left_norm += vocabulary.weight(word) ** 2
            missing += 1
    for word in right_words:
        if word not in aligned_right:
            right_norm += vocabulary.weight(word) ** 2
            missing += 1
    score = dot / math.sqrt(left_norm * right_norm) if dot else 0.0
    # Precision first: every word one name has and the other lacks costs a tenth, however common.
    score *= UNMATCHED_WORD_FACTOR**missing
    if left.count(" ") != right.count(" "):  # "data corp" / "datacorp": compare without the spaces
        joined = ratio(left.replace(" ", ""), right.replace(" ", "")) / 100
        if joined >= 0.95:
            score = max(score, joined)
    if set(_DIGITS.findall(left)) != set(_DIGITS.findall(right)):
        score *= 0.5
    return min(1.0, score)


def block_keys(name: str, vocabulary: Vocabulary) -> set[str]:
    """The keys a name is filed under for blocking (see the module docstring)."""
    keys: set[str] = set()
    words = name.split()
    # The two rarest words carry the name; common words ("logistics") would make huge blocks.
    for word in sorted(set(words), key=lambda w: (vocabulary.counts.get(w, 0), w))[:2]:
        keys.add(word)
        if len(word) >= 4:
            keys.add("p:" + word[:4])
            keys.add("d:" + word)  # meets the other side's word with one letter left out
        if len(word) >= 5:
            for index in range(len(word)):
                keys.add("d:" + word[:index] + word[index + 1 :])
    joined = "".join(words)
    if len(joined) >= 6:
        keys.add("j:" + joined[:6])
    return keys


def _index(items: list[tuple[int, str]], vocabulary: Vocabulary) -> dict[str, list[int]]:
    index: dict[str, list[int]] = defaultdict(list)
    for position, (_id, name) in enumerate(items):
        for key in block_keys(name, vocabulary):
            index[key].append(position)
    return index


def match_names(
    left: list[tuple[int, str]], right: list[tuple[int, str]], threshold: float = THRESHOLD
) -> list[Candidate]:
    """Best one-to-one name matches between two lists of (id, match_name) at or above `threshold`.

    Pairs are taken from the highest score down, each left and each right id at most once, so a
    name never matches two accounts of the other list.
    """
    left = [(i, n) for i, n in left if n]
    right = [(i, n) for i, n in right if n]
    if not left or not right:
        return []
    vocabulary = Vocabulary([n for _i, n in left] + [n for _i, n in right])
    left_index, right_index = _index(left, vocabulary), _index(right, vocabulary)
    pairs: set[tuple[int, int]] = set()
    for key, left_positions in left_index.items():
        right_positions = right_index.get(key)
        if not right_positions or len(left_positions) > MAX_BLOCK or len(right_positions) > MAX_BLOCK:
            continue
        for a in left_positions:
            for b in right_positions:
                pairs.add((a, b))
    scored = []
    for a, b in pairs:
        if token_sort_ratio(left[a][1], right[b][1], score_cutoff=PREFILTER) == 0:
            continue
        score = name_score(left[a][1], right[b][1], vocabulary)
        if score >= threshold:
            scored.append(Candidate(left[a][0], right[b][0], round(score, 3)))
    scored.sort(key=lambda c: (-c.score, c.left_id, c.right_id))
    used_left: set[int] = set()
    used_right: set[int] = set()
    best = []
    for candidate in scored:
        if candidate.left_id in used_left or candidate.right_id in used_right:
            continue
        used_left.add(candidate.left_id)
        used_right.add(candidate.right_id)
        best.append(candidate)
    return best
