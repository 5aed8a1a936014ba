"""Parse @mentions in a comment body against the people who can read it (pure, no queries)."""

from __future__ import annotations

import re
from collections import defaultdict

# "@maria", "@maria.moreau", "@MariaMoreau" or "@maria@nimbus.example"; trailing punctuation is not part of it.
MENTION_RE = re.compile(r"(?<![\w@])@([A-Za-z0-9][\w.+-]*(?:@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)?)")


def _handles(user) -> set[str]:
    email = user.email.lower()
    handles = {email, email.split("@")[0]}
    if user.name:
        parts = [p for p in re.split(r"\s+", user.name.strip().lower()) if p]
        if parts:
            handles.add(parts[0])
            handles.add("".join(parts))
            handles.add(".".join(parts))
    return handles


def mention_tokens(body: str) -> list[str]:
    return [m.group(1).rstrip(".-") for m in MENTION_RE.finditer(body)]


def resolve_mentions(body: str, candidates) -> tuple[list, list[str], list[str]]:
    """(users mentioned, unknown tokens, ambiguous tokens) for `body` among `candidates`."""
    index: dict[str, list] = defaultdict(list)
    for user in candidates:
        for handle in _handles(user):
            index[handle].append(user)
    found, unknown, ambiguous = {}, [], []
    for token in mention_tokens(body):
        matches = index.get(token.lower(), [])
        if not matches:
            unknown.append(token)
        elif len(matches) > 1:
            ambiguous.append(token)
        else:
            found[matches[0].pk] = matches[0]
    return list(found.values()), unknown, ambiguous
