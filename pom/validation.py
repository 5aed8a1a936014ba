"""One validation for imports (preview and commit) and bulk API bodies: text, codes, amounts, dates, files.

A row the preview accepts must be a row the commit accepts, so every import validates with these
functions and they take their limits from the model fields themselves (`max_length`, `max_digits`).
Each validator returns the problem as a sentence (or None); the caller names the row or item index
and the field. Over-long text is an error, never truncated.

Files (`read_table`) are checked against `Limits` before and while they are parsed: the upload's
size, the uncompressed size of an .xlsx's zip members (a 300 KB file can expand to gigabytes), the
number of rows and the length of each cell, and the encoding (UTF-8 with or without BOM, UTF-16
with BOM, else Windows-1252/Latin-1; UTF-16 without BOM is refused). Messages say which limit.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Any

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.utils.translation import gettext as _

# Control characters other than tab, line feed and carriage return: NUL breaks PostgreSQL text, the
# others are invisible in a spreadsheet and almost always the trace of a binary or mis-decoded file.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")

# Excel's own limit for one cell: anything longer did not come from a spreadsheet.
MAX_CELL_CHARS = 32_767


# Text -------------------------------------------------------------------------------------------


def control_problem(value: str) -> str | None:
    """Why a text holds a character that has no business in a cell (NUL and other control characters)."""
    match = _CONTROL.search(value)
    if match is None:
        return None
    return _("It contains the control character U+%(code)04X (at character %(position)d); remove it.") % {
        "code": ord(match.group()),
        "position": match.start() + 1,
    }


def length_problem(value: str, max_length: int | None) -> str | None:
    """Why a text is too long for its column: the limit and the actual length."""
    if max_length is not None and len(value) > max_length:
        return _("It is %(length)d characters long; the limit is %(limit)d.") % {
            "length": len(value),
            "limit": max_length,
        }
    return None


def max_length_of(model: type[models.Model], field: str) -> int | None:
    """The model field's `max_length` (None for text fields without one and for unknown names)."""
    try:
        return model._meta.get_field(field).max_length
    except FieldDoesNotExist:
        return None


def text_problem(value: Any, *, model: type[models.Model] | None = None, field: str = "", max_length=None):
    """Control characters first, then the length against `max_length` or the model field's."""
    if not isinstance(value, str):
        return None
    if max_length is None and model is not None:
        max_length = max_length_of(model, field)
    return control_problem(value) or length_problem(value, max_length)


def model_text_problems(model: type[models.Model], values: dict[str, Any]) -> dict[str, str]:
    """{field: problem} for every text value of `values` that a model field of that name would refuse."""
    problems = {}
    for name, value in values.items():
        problem = text_problem(value, model=model, field=name)
        if problem:
            problems[name] = problem
    return problems


def clean_cells(row: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str]]:
    """The row with control-character cells blanked, and {field: problem} for them.

    Blanked so no later message quotes the character back (PostgreSQL refuses NUL even in JSON).
    """
    problems, cleaned = {}, {}
    for key, value in row.items():
        problem = control_problem(value) if isinstance(value, str) else None
        if problem:
            problems[key] = problem
            cleaned[key] = ""
        else:
            cleaned[key] = value
    return cleaned, problems


def quoted(value: str, limit: int = 60) -> str:
    """A user's value shortened for a message (an 8 MB cell must not come back in every error)."""
    value = _CONTROL.sub("", str(value))
    return value if len(value) <= limit else value[: limit - 1] + "…"


# Codes ------------------------------------------------------------------------------------------

# Babel's territories include groupings that are not ISO 3166-1 countries.
_NOT_COUNTRIES = {"EA", "EU", "EZ", "IC", "QO", "UN", "ZZ"}


@cache
def country_codes() -> frozenset[str]:
    """ISO 3166-1 alpha-2 codes, from Babel's CLDR territory list (pycountry is not a dependency)."""
    from babel import Locale

    return frozenset(
        code for code in Locale("en").territories if len(code) == 2 and code.isalpha() and code not in _NOT_COUNTRIES
    )


def country_problem(code: str) -> str | None:
    """Why a (stripped, upper-cased) code is not an ISO 3166 country code."""
    if code and code not in country_codes():
        return _("“%(value)s” is not an ISO 3166 two-letter country code, e.g. DE or US.") % {"value": quoted(code, 20)}
    return None


def currency_problem(code: str) -> str | None:
    """Why a (stripped, upper-cased) code is not an ISO 4217 currency in circulation."""
    from attribution.currencies import ISO_4217

    if code not in ISO_4217:
        return _("“%(value)s” is not an ISO 4217 currency code, e.g. EUR or USD.") % {"value": quoted(code, 20)}
    return None


def domain_problem(domain: str) -> str | None:
    """Why a normalised domain (see `pom.domains.normalize_domain`) is not a web domain."""
    from pom.domains import _ascii_host, domain_error

    if not domain:
        return None
    if domain_error(_ascii_host(domain) or domain) is None:  # internationalised names in their ASCII form
        return None
    return domain_error(quoted(domain, 253))


# Amounts and dates ------------------------------------------------------------------------------


def decimal_value(
    value: Any, *, model: type[models.Model], field: str, minimum: Decimal | None = Decimal(0)
) -> tuple[Decimal | None, str | None]:
    """(amount, None) rounded to the model field's decimal places, or (None, problem).

    The range comes from the field's `max_digits`: `1e40` or `NaN` is a problem, not an exception.
    """
    model_field = model._meta.get_field(field)
    text = str(value).strip() if value is not None else ""
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        return None, _("“%(value)s” is not an amount; write it like 12500.00.") % {"value": quoted(text, 30)}
    if not amount.is_finite():
        return None, _("“%(value)s” is not an amount; write it like 12500.00.") % {"value": quoted(text, 30)}
    whole_digits = model_field.max_digits - model_field.decimal_places
    if abs(amount) >= Decimal(10) ** whole_digits:
        return None, _("The amount is too large: at most %(digits)d digits before the decimal point.") % {
            "digits": whole_digits
        }
    if minimum is not None and amount < minimum:
        return None, _("The amount cannot be below %(minimum)s.") % {"minimum": minimum}
    return amount.quantize(Decimal(1).scaleb(-model_field.decimal_places)), None


def date_order_problem(earlier: datetime.date | None, later: datetime.date | None, *, earlier_label: str) -> str | None:
    """Why `later` cannot be before `earlier` (None when either is missing)."""
    if earlier and later and later < earlier:
        return _("%(later)s is before the %(label)s (%(earlier)s).") % {
            "later": later.isoformat(),
            "label": earlier_label,
            "earlier": earlier.isoformat(),
        }
    return None


# Files ------------------------------------------------------------------------------------------


class ImportRejected(Exception):
    """An import job found problems (the data changed since the preview); nothing was written.

    Import tasks end quietly on it: the job is marked failed with this message and its error report.
    """


@dataclass(frozen=True)
class Limits:
    """What one kind of import accepts; checked before (size, zip members) and while parsing (rows, cells)."""

    max_bytes: int
    max_rows: int
    max_uncompressed_bytes: int
    max_cell_chars: int = MAX_CELL_CHARS

    def describe(self) -> dict[str, int]:
        return {
            "file_mb": self.max_bytes // (1024 * 1024),
            "uncompressed_mb": self.max_uncompressed_bytes // (1024 * 1024),
            "rows": self.max_rows,
            "cell_chars": self.max_cell_chars,
        }


@dataclass
class Table:
    """A file's header cells and its non-blank rows as (row number as a spreadsheet shows it, cells)."""

    headers: list[str]
    rows: list[tuple[int, list[str]]]
    encoding: str = ""


def _refuse(message: str):
    raise ValidationError({"file": message})


def decode(content: bytes) -> tuple[str, str]:
    """(text, encoding name) of a CSV's bytes; ValidationError saying how to save the file otherwise."""
    if content.startswith(codecs.BOM_UTF8):
        try:
            return content[len(codecs.BOM_UTF8) :].decode("utf-8"), "UTF-8"
        except UnicodeDecodeError as exc:
            _refuse(
                _("The file says it is UTF-8 but byte %(n)d is not; save it again as CSV UTF-8.") % {"n": exc.start}
            )
    if content.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return content.decode("utf-16"), "UTF-16"
        except UnicodeDecodeError:
            _refuse(_("The file says it is UTF-16 but is damaged; save it again as CSV UTF-8."))
    head = content[:4096]
    if head.count(b"\x00") * 4 > len(head):  # every other byte NUL: UTF-16 without its byte-order mark
        _refuse(_("The file looks like UTF-16 text without a byte-order mark, or is not text; save it as CSV UTF-8."))
    try:
        return content.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return content.decode("cp1252"), "Windows-1252"
    except UnicodeDecodeError:
        return content.decode("latin-1"), "Latin-1"


def cell_text(value: Any) -> str:
    """A spreadsheet cell as text: whole floats without ".0", dates as ISO, blanks as ""."""
    if value is None:
        return ""
    if isinstance(value, float):
        if value != value:  # NaN
            return ""
        return str(int(value)) if value.is_integer() else str(value)
    if isinstance(value, datetime.datetime):
        return value.date().isoformat() if value.time() == datetime.time(0) else value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value).strip()


def _check_cell(value: str, number: int, column: int, limits: Limits) -> None:
    if len(value) > limits.max_cell_chars:
        _refuse(
            _("Row %(row)d, column %(column)d holds %(length)d characters; the limit is %(limit)d per cell.")
            % {"row": number, "column": column, "length": len(value), "limit": limits.max_cell_chars}
        )


def _csv_rows(content: bytes, limits: Limits) -> tuple[list[list[str]], str]:
    text, encoding = decode(content)
    # The header line's most frequent separator (Excel writes ";" where "," is the decimal mark);
    # the header is the one line whose cells rarely hold separators, unlike the sniffer's guesses.
    header_line = text[:4096].split("\n", 1)[0]
    delimiter = max(",;\t|", key=header_line.count) if any(d in header_line for d in ",;\t|") else ","
    reader = csv.reader(io.StringIO(text, newline=""), csv.excel, delimiter=delimiter)
    table: list[list[str]] = []
    try:
        for cells in reader:
            table.append(cells)
            if len(table) > limits.max_rows + 1:
                _refuse(_("The file has more than %(limit)d rows; split it into parts.") % {"limit": limits.max_rows})
    except csv.Error as exc:
        if "field larger than field limit" in str(exc):
            _refuse(
                _("Row %(row)d holds a cell longer than the limit of %(limit)d characters.")
                % {"row": reader.line_num, "limit": limits.max_cell_chars}
            )
        _refuse(_("Row %(row)d is not readable CSV (%(error)s).") % {"row": reader.line_num, "error": quoted(exc, 120)})
    return table, encoding


def _xlsx_rows(content: bytes, limits: Limits) -> list[list[str]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        _refuse(_("This is not a readable Excel (.xlsx) file (not a zip archive)."))
    uncompressed = sum(member.file_size for member in members)
    if uncompressed > limits.max_uncompressed_bytes:
        _refuse(
            _(
                "The workbook expands to %(size)d MB when unpacked; the limit is %(limit)d MB. "
                "Save only the sheet to import."
            )
            % {"size": uncompressed // (1024 * 1024), "limit": limits.max_uncompressed_bytes // (1024 * 1024)}
        )
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        table: list[list[str]] = []
        for values in sheet.iter_rows(values_only=True):
            table.append([cell_text(v) for v in values])
            if len(table) > limits.max_rows + 1:
                _refuse(_("The sheet has more than %(limit)d rows; split it into parts.") % {"limit": limits.max_rows})
    except ValidationError:
        raise
    except Exception as exc:  # openpyxl raises many types for a damaged or mislabelled workbook
        _refuse(_("This is not a readable Excel (.xlsx) file (%(error)s).") % {"error": type(exc).__name__})
    return table


def read_table(content: bytes, file_type: str, limits: Limits) -> Table:
    """Headers and non-blank rows of a CSV or XLSX file, within `limits`; ValidationError({"file"}) otherwise.

    Refuses (naming the limit or the problem): too big, a workbook that unpacks past the limit, more
    rows than allowed, an over-long cell, an unreadable encoding, no header, headers with control
    characters, and two columns with the same header (compared case-insensitively).
    """
    if len(content) > limits.max_bytes:
        _refuse(
            _("The file is %(size).1f MB; the limit is %(limit)d MB. Split it into parts.")
            % {"size": len(content) / (1024 * 1024), "limit": limits.max_bytes // (1024 * 1024)}
        )
    if not content:
        _refuse(_("The file is empty."))
    encoding = ""
    if file_type == "csv":
        table, encoding = _csv_rows(content, limits)
    else:
        table = _xlsx_rows(content, limits)
    if not table or not any(cell.strip() for cell in table[0]):
        _refuse(_("The file has no header row."))
    headers = [cell.strip() for cell in table[0]]
    for column, header in enumerate(headers, 1):
        _check_cell(header, 1, column, limits)
        if control_problem(header):
            _refuse(
                _("The header of column %(column)d contains control characters; is this a text file?")
                % {"column": column}
            )
    seen: dict[str, int] = {}
    for column, header in enumerate(headers, 1):
        if not header:
            continue
        if header.lower() in seen:
            _refuse(
                _("Columns %(first)d and %(second)d have the same header “%(name)s”; give each column its own name.")
                % {"first": seen[header.lower()], "second": column, "name": quoted(header, 40)}
            )
        seen[header.lower()] = column
    rows = []
    limit = limits.max_cell_chars
    for number, cells in enumerate(table[1:], 2):
        cells = [cell.strip() for cell in cells]
        if not any(cells):
            continue
        if max(map(len, cells)) > limit:
            for column, cell in enumerate(cells, 1):
                _check_cell(cell, number, column, limits)
        rows.append((number, cells))
    return Table(headers=headers, rows=rows, encoding=encoding)


def row_dicts(table: Table) -> tuple[list[int], list[dict[str, str]]]:
    """Row numbers and rows as {header: cell} (cells past the last header are dropped)."""
    numbers, rows = [], []
    named = [(i, h) for i, h in enumerate(table.headers) if h]
    width = len(table.headers)
    for number, cells in table.rows:
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        numbers.append(number)
        rows.append({h: cells[i] for i, h in named})
    return numbers, rows


def errors_csv(errors: list[dict]) -> bytes:
    """A downloadable error report: one line per problem with its row, field and message (UTF-8 with BOM
    so Excel opens it right). Cells are neutralised against formula injection."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([_("Row"), _("Field"), _("Problem")])
    for error in errors:
        cells = [str(error.get("row", "")), str(error.get("label") or error.get("field", "")), error.get("message", "")]
        writer.writerow(["'" + c if c[:1] in ("=", "+", "-", "@", "\t", "\r") else c for c in cells])
    return codecs.BOM_UTF8 + buffer.getvalue().encode("utf-8")
