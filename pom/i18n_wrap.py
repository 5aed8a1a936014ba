"""Wrap plain template text in translation tags, in place and line by line (`manage.py i18n_check --wrap`).

A helper for the lead and for anyone adding pages: text between HTML tags becomes `{% translate "…" %}`,
text with variables becomes `{% blocktranslate with name=obj.name %}…{{ name }}…{% endblocktranslate %}`,
text attributes (title, placeholder, alt, aria-label) likewise. It touches nothing else, so the diff
stays on the lines that had text. What it cannot wrap safely (text split by {% if %}… inside a sentence,
plurals) it leaves for a person; the template test then still names those lines.
"""

from __future__ import annotations

import html
import keyword
import re
from pathlib import Path

from pom.i18n_check import ALLOWED_WORDS, BLOCK, OTHER, TEXT_ATTRIBUTES, VAR, WORD, mask_template


def _has_words(text: str) -> bool:
    return any(w not in ALLOWED_WORDS for w in WORD.findall(re.sub(f"[{VAR}{BLOCK}{OTHER}]", " ", text)))


def _var_name(expression: str, used: dict[str, str]) -> str:
    base = re.split(r"[|:]", expression, maxsplit=1)[0].strip().split(".")[-1]
    base = re.sub(r"\W", "_", base).strip("_").lower() or "value"
    if base.isdigit() or keyword.iskeyword(base) or base[0].isdigit():
        base = "value"
    name, n = base, 1
    while name in used and used[name] != expression:
        n += 1
        name = f"{base}{n}"
    used[name] = expression
    return name


def _wrap(source: str, start: int, end: int, masked: str, *, attribute: bool) -> str | None:
    """The translation tag for source[start:end] (stripped of its surrounding whitespace), or None."""
    text = source[start:end]
    if BLOCK in masked[start:end] or OTHER in masked[start:end]:
        return None
    if VAR not in masked[start:end]:
        # {% translate %} escapes its output: give it the characters, not the entities.
        flat = html.unescape(text) if not attribute else text
        if "\n" in text or '"' in flat or "'" in flat or (attribute and "&" in text):
            body = " ".join(text.split()) if attribute else text
            return (
                ("{% blocktranslate trimmed %}" if "\n" in body else "{% blocktranslate %}")
                + body
                + ("{% endblocktranslate %}")
            )
        return f'{{% translate "{flat}" %}}' if not attribute else f"{{% translate '{flat}' %}}"
    used: dict[str, str] = {}
    parts, pos = [], start
    for m in re.finditer(f"{VAR}+", masked[start:end]):
        a, b = start + m.start(), start + m.end()
        expression = source[a:b][2:-2].strip()
        if "pluralize" in expression:
            return None
        parts.append(source[pos:a])
        parts.append("{{ " + _var_name(expression, used) + " }}")
        pos = b
    parts.append(source[pos:end])
    body = "".join(parts)
    if "%" in body and attribute:
        return None
    withs = " ".join(f"{k}={v}" for k, v in used.items())
    trimmed = " trimmed" if "\n" in body else ""
    return f"{{% blocktranslate{trimmed} with {withs} %}}{body}{{% endblocktranslate %}}"


def _segments(masked: str) -> list[tuple[int, int, bool]]:
    """(start, end, is_attribute) of every text run outside HTML tags, script, style and HTML comments,
    and of every text attribute's value, split at template tags."""
    out = []
    i, n = 0, len(masked)
    raw_until = None
    while i < n:
        if raw_until:
            j = masked.find(raw_until, i)
            i = n if j < 0 else j
            raw_until = None
            continue
        if masked.startswith("<!--", i):
            j = masked.find("-->", i)
            i = n if j < 0 else j + 3
            continue
        if masked[i] == "<" and i + 1 < n and (masked[i + 1].isalpha() or masked[i + 1] in "/!"):
            j, quote = i + 1, None
            while j < n and (quote or masked[j] != ">"):
                if masked[j] in "\"'" and (quote is None or quote == masked[j]):
                    quote = None if quote else masked[j]
                j += 1
            tag = masked[i : j + 1]
            name = re.match(r"</?([a-zA-Z0-9-]*)", tag).group(1).lower()
            for m in re.finditer(r'([a-zA-Z-]+)="([^"]*)"', tag):
                if m.group(1).lower() in TEXT_ATTRIBUTES:
                    out.append((i + m.start(2), i + m.end(2), True))
            if name in ("script", "style") and not tag.startswith("</"):
                raw_until = f"</{name}"
            i = j + 1
            continue
        j = i
        while j < n and not (masked[j] == "<" and j + 1 < n and (masked[j + 1].isalpha() or masked[j + 1] in "/!")):
            j += 1
        out.append((i, j, False))
        i = j
    return out


def wrap_source(source: str) -> tuple[str, int]:
    """The template with its plain text wrapped, and how many pieces were wrapped."""
    masked = mask_template(source)
    edits = []
    for start, end, attribute in _segments(masked):
        # Split at template tags ({% if %}, {% url %}…): each piece between them is its own text.
        pos = start
        for piece in re.split(f"({BLOCK}+|{OTHER}+)", masked[start:end]):
            a, b = pos, pos + len(piece)
            pos = b
            if not piece or piece[0] in (BLOCK, OTHER) or not _has_words(piece):
                continue
            text = source[a:b]
            a += len(text) - len(text.lstrip())
            b -= len(text) - len(text.rstrip())
            # Punctuation at the edges stays outside ("Owner:" keeps its colon inside, "(" outside would not help).
            tag = _wrap(source, a, b, masked, attribute=attribute)
            if tag:
                edits.append((a, b, tag))
    for a, b, tag in sorted(edits, reverse=True):
        source = source[:a] + tag + source[b:]
    if edits and not re.search(r"\{%\s*load\s[^%]*\bi18n\b", source):
        source = _add_load(source)
    return source, len(edits)


def _add_load(source: str) -> str:
    m = re.match(r"(\s*\{%\s*extends\s[^%]*%\})", source)
    if m:
        return m.group(1) + "{% load i18n %}" + source[m.end() :]
    m = re.search(r"\{%\s*load\s([^%]*)%\}", source)
    if m:
        return source[: m.start()] + "{% load " + m.group(1).strip() + " i18n %}" + source[m.end() :]
    return "{% load i18n %}" + source


def wrap_file(path: Path) -> int:
    source = path.read_text(encoding="utf-8")
    wrapped, count = wrap_source(source)
    if count:
        path.write_text(wrapped, encoding="utf-8")
    return count
