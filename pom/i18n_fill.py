"""Write translations from a table into the catalogues (`manage.py i18n_check --todo` / `--fill`).

The table is tab-separated: `msgid`, then one column per language (nl, fr, de), plural forms joined
with " ||| ", newlines written as \\n. `--todo FILE` writes the entries a catalogue misses, leaves empty
or marks fuzzy (fuzzy guesses prefilled); fill in the columns and `--fill FILE` writes them back,
clearing the fuzzy flags. The catalogues keep gettext's layout (msgcat rewraps them).
"""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

from pom.i18n_check import catalogue_path, translated_languages

PLURAL = " ||| "


def _key(message) -> str:
    text = PLURAL.join(message.id) if isinstance(message.id, tuple | list) else message.id
    return text.replace("\n", "\\n")


def _text(message) -> str:
    strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
    return PLURAL.join(s or "" for s in strings).replace("\n", "\\n")


def _read(language: str):
    from babel.messages.pofile import read_po

    with catalogue_path(language).open("rb") as f:
        return read_po(f, locale=language, abort_invalid=False)


def todo_write(path: Path, languages: list[str] | None = None) -> int:
    """The entries left to translate in any language, one row each; returns how many."""
    catalogs = {code: _read(code) for code in languages or translated_languages()}
    rows: dict[str, dict[str, str]] = {}
    for catalog in catalogs.values():
        for message in catalog:
            if not message.id:
                continue
            strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
            if message.fuzzy or not all(s and s.strip() for s in strings):
                rows.setdefault(_key(message), {})
    for key in rows:
        for code, catalog in catalogs.items():
            message = next((m for m in catalog if m.id and _key(m) == key), None)
            rows[key][code] = _text(message) if message is not None and message.string else ""
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, delimiter="\t", lineterminator="\n")
        writer.writerow(["msgid", *catalogs])
        for key, values in rows.items():
            writer.writerow([key, *(values[code] for code in catalogs)])
    return len(rows)


def fill(path: Path, languages: list[str] | None = None) -> dict[str, int]:
    """Write the table's translations into the catalogues; returns how many entries per language."""
    from babel.messages.pofile import write_po

    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.reader(f, delimiter="\t")
        header = next(reader)
        table = {row[0]: dict(zip(header[1:], row[1:], strict=False)) for row in reader if row}
    written = {}
    for code in languages or translated_languages():
        catalog, count = _read(code), 0
        for message in catalog:
            value = (table.get(_key(message)) or {}).get(code, "") if message.id else ""
            if not value.strip():
                continue
            # Keep a translation's own leading and trailing spaces where its msgid has them.
            value = value if message.id and str(_key(message)).endswith(" ") else value.strip()
            parts = [p.replace("\\n", "\n") for p in value.split(PLURAL)]
            message.string = tuple(parts + parts[-1:] * (2 - len(parts))) if isinstance(message.id, tuple) else parts[0]
            message.flags.discard("fuzzy")
            message.previous_id = []
            count += 1
        po = catalogue_path(code)
        header_text = po.read_text(encoding="utf-8").split("\n\n", 1)[0]
        with po.open("wb") as f:
            write_po(f, catalog, width=79)
        body = po.read_text(encoding="utf-8").split("\n\n", 1)[1]
        # Babel flags "{…}" texts as python-brace-format; gettext's extraction does not.
        body = body.replace("#, python-brace-format\n", "").replace(", python-brace-format", "")
        po.write_text(header_text + "\n\n" + body, encoding="utf-8")
        subprocess.run(["msgcat", "-o", str(po), str(po)], check=True)
        written[code] = count
    return written
