"""Translation checks (docs/i18n.md): text in templates outside the translation tags, and catalogue
entries missing, empty or fuzzy. Used by tests/pom/test_i18n.py and `manage.py i18n_check`.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path

from django.conf import settings
from django.template.base import DebugLexer, TokenType

# Attributes people read (tooltips, placeholders, screen readers) are text like any other.
TEXT_ATTRIBUTES = {"title", "placeholder", "alt", "aria-label", "aria-description", "aria-roledescription"}
# Inputs whose `value` is the button's caption.
BUTTON_TYPES = {"submit", "button", "reset"}
# A letter, then another: a word. Single letters, numbers, symbols and punctuation are not checked.
WORD = re.compile(r"[^\W\d_]{2,}")
HOLE = "\x00"  # where a template tag or variable was
# File names and dotted identifiers (accounts.csv, webhook.ping) are code, not words.
CODE = re.compile(r"\b[\w-]+\.[a-zA-Z][\w.-]*\b")

# Templates, or words, deliberately not translated, each with its reason.
ALLOWED_TEMPLATES = {
    "allauth/elements/button.html": "builds its tag and class names with template tags; holds no text",
    "drf_spectacular/redoc.html": "the API reference page of drf-spectacular, an English developer tool",
    "plans/template_form.html": "the JSON format of plan templates: field names and values are code",
}
ALLOWED_WORDS = {
    "POM": "the product's name",
    "HTMX": "a library's name",
    "API": "the same abbreviation in every POM language",
    "CSV": "a file format",
    "JSON": "a file format",
    "XLSX": "a file format",
    "PDF": "a file format",
    "URL": "the same abbreviation in every POM language",
    "ID": "the same abbreviation in every POM language",
    "OK": "the same word in every POM language",
    "SSO": "the same abbreviation in every POM language",
    "SAML": "a protocol's name",
    "OIDC": "a protocol's name",
    "QBR": "the same abbreviation in every POM language",
    "MDF": "the same abbreviation in every POM language",
    "TACAM": "the name of the method",
    "SWOT": "the same abbreviation in every POM language",
    "KPI": "the same abbreviation in every POM language",
    "CRM": "the same abbreviation in every POM language",
    "EUR": "a currency code",
    "USD": "a currency code",
    "UTC": "the name of the time zone",
    "Plotly": "a library's name",
}


@dataclass(frozen=True)
class Finding:
    template: str
    line: int
    text: str

    def __str__(self) -> str:
        return f"{self.template}:{self.line}: {self.text!r}"


def template_dirs() -> list[Path]:
    """The project's template folders (templates/ and any app's templates/), not installed packages'."""
    base = Path(settings.BASE_DIR)
    dirs = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]]
    dirs += [p for p in base.glob("*/templates") if p.is_dir() and ".venv" not in p.parts]
    return sorted(set(dirs))


VAR, BLOCK, OTHER = "\x01", "\x02", "\x03"  # a variable's, a tag's, a comment's (or translated text's) place


def mask_template(source: str) -> str:
    """The source with every template token overwritten by a marker of the same length (newlines kept):
    VAR for a variable, BLOCK for a tag, OTHER for {% translate %}, comments, and the text inside
    {% blocktranslate %}, {% comment %} and {% block …class %} (CSS classes, not text)."""
    chars = list(source)
    translated = commented = classes = 0
    for token in DebugLexer(source).tokenize():
        start, end = token.position
        kind = None
        if token.token_type == TokenType.BLOCK:
            name = token.contents.split(" ", 1)[0]
            arg = token.contents.split(" ", 2)[1] if " " in token.contents else ""
            translated += name in ("blocktranslate", "blocktrans")
            translated -= name in ("endblocktranslate", "endblocktrans")
            commented += name == "comment"
            commented -= name == "endcomment"
            if name == "block" and "class" in arg:
                classes += 1
            elif name == "endblock" and classes:
                classes -= 1
            kind = OTHER if name in ("translate", "trans") else BLOCK
        elif token.token_type == TokenType.VAR:
            kind = OTHER if translated else VAR
        elif token.token_type == TokenType.COMMENT or translated or commented or classes:
            kind = OTHER
        if kind:
            for i in range(start, end):
                if chars[i] != "\n":
                    chars[i] = kind
    return "".join(chars)


def _blank_template_code(source: str) -> str:
    return re.sub(f"[{VAR}{BLOCK}{OTHER}]+", HOLE, mask_template(source))


class _TextFinder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.skip = 0  # inside <script> or <style>

    def _check(self, text: str) -> None:
        words = [w for w in WORD.findall(CODE.sub(" ", text.replace(HOLE, " "))) if w not in ALLOWED_WORDS]
        if words:
            self.found.append((self.getpos()[0], " ".join(text.replace(HOLE, "…").split())))

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self.skip += 1
        values = dict(attrs)
        for name, value in attrs:
            if not value:
                continue
            if name in TEXT_ATTRIBUTES or (
                name == "value" and tag == "input" and (values.get("type") or "").lower() in BUTTON_TYPES
            ):
                self._check(value)

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag in ("script", "style"):
            self.skip -= 1

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self.skip:
            self.skip -= 1

    def handle_data(self, data):
        if not self.skip:
            self._check(data)


def untranslated_template_text(dirs: list[Path] | None = None) -> list[Finding]:
    """Every piece of user-visible text in the project's templates outside {% translate %} and
    {% blocktranslate %}: HTML text, text attributes (title, placeholder, alt, aria-label, button values),
    and all text of plain-text templates (e-mails)."""
    findings: list[Finding] = []
    for folder in dirs or template_dirs():
        for path in sorted(folder.rglob("*")):
            if path.suffix not in (".html", ".txt") or not path.is_file():
                continue
            name = path.relative_to(folder).as_posix()
            if name in ALLOWED_TEMPLATES:
                continue
            code = _blank_template_code(path.read_text(encoding="utf-8"))
            if path.suffix == ".txt":
                for number, line in enumerate(code.split("\n"), start=1):
                    if [w for w in WORD.findall(CODE.sub(" ", line.replace(HOLE, " "))) if w not in ALLOWED_WORDS]:
                        findings.append(Finding(name, number, " ".join(line.replace(HOLE, "…").split())))
                continue
            finder = _TextFinder()
            finder.feed(code)
            finder.close()
            findings += [Finding(name, line, text) for line, text in finder.found]
    return findings


# Catalogues -----------------------------------------------------------------------------------------


def catalogue_path(language: str) -> Path:
    return Path(settings.LOCALE_PATHS[0]) / language / "LC_MESSAGES" / "django.po"


def translated_languages() -> list[str]:
    """The languages with a catalogue: every language POM offers except the source language, English."""
    return [code for code, _name in settings.LANGUAGES if code != "en"]


def extract_msgids() -> set[str]:
    """Every message id in the code and templates, extracted now with makemessages into a temporary
    folder, the committed catalogues untouched. It runs in a folder of links to the project's
    top-level entries (all but locale/ and what `make messages` leaves out): run at the project root,
    makemessages would write into locale/ whatever LOCALE_PATHS says."""
    import os

    from django.core.management import call_command
    from django.test.utils import override_settings

    base = Path(settings.BASE_DIR)
    skip = {"locale", ".git", *(pattern.split("/")[0] for pattern in MAKEMESSAGES_IGNORE)}
    with tempfile.TemporaryDirectory() as tmp:
        source, out = Path(tmp) / "source", Path(tmp) / "out"
        source.mkdir()
        (out / "en" / "LC_MESSAGES").mkdir(parents=True)
        for entry in base.iterdir():
            if entry.name not in skip:
                (source / entry.name).symlink_to(entry)
        cwd = os.getcwd()
        os.chdir(source)
        try:
            with override_settings(LOCALE_PATHS=[str(out)]):
                call_command("makemessages", locale=["en"], symlinks=True, no_obsolete=True, verbosity=0)
        finally:
            os.chdir(cwd)
        return set(read_po(out / "en" / "LC_MESSAGES" / "django.po"))


# What `make messages` leaves out: the virtualenv, tests, benchmarks, build output.
MAKEMESSAGES_IGNORE = [".venv/*", "venv/*", "tests/*", "bench/*", "staticfiles/*", "build/*", "node_modules/*"]


@dataclass
class Entry:
    msgstr: list[str]
    fuzzy: bool


def read_po(path: Path) -> dict[str, Entry]:
    """A .po file as {msgctxt\\x04msgid(\\x00msgid_plural): Entry}, without the header and obsolete entries."""
    from babel.messages.pofile import read_po as babel_read_po

    if not path.exists():
        return {}
    with path.open("rb") as f:
        catalog = babel_read_po(f, abort_invalid=False)
    entries: dict[str, Entry] = {}
    for message in catalog:
        if not message.id:
            continue
        key = "\x00".join(message.id) if isinstance(message.id, tuple | list) else message.id
        if message.context:
            key = message.context + "\x04" + key
        strings = message.string if isinstance(message.string, tuple | list) else (message.string,)
        entries[key] = Entry(msgstr=[s or "" for s in strings], fuzzy=message.fuzzy)
    return entries


def catalogue_problems(language: str, msgids: set[str]) -> dict[str, list[str]]:
    """What the language's committed catalogue lacks: ids missing, entries untranslated, entries fuzzy."""
    entries = read_po(catalogue_path(language))
    return {
        "missing": sorted(msgids - entries.keys()),
        "untranslated": sorted(k for k in msgids & entries.keys() if not all(s.strip() for s in entries[k].msgstr)),
        "fuzzy": sorted(k for k in msgids & entries.keys() if entries[k].fuzzy),
    }
