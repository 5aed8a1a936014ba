"""The one writer of CSV and XLSX files POM hands out: list exports, dashboard tables, statements, maps.

Every text cell goes through `neutralise`, following OWASP's CSV-injection guidance: a cell starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading apostrophe, so a spreadsheet shows
it as text instead of running it as a formula. In XLSX such cells are also written as strings (never as
formulas). Numbers, decimals and dates stay typed: they cannot carry a formula.

    header = ["name", "amount"]
    rows = ((p.name, p.amount) for p in queryset.iterator())
    return exports.response(header=header, rows=rows, fmt="csv", filename="partners")  # streamed

CSV responses stream row by row (constant memory whatever the size); XLSX is built in write-only mode
and sent once complete. Past `row_limit()` rows a page hands the export to a task instead (see
`reports.list_exports`), which stores the file on a `pom.jobs` job.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = ("csv", "xlsx")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def row_limit() -> int:
    """Rows a page exports in the request; past it the export runs as a task (`POM_EXPORT_ROW_LIMIT`)."""
    return int(getattr(settings, "POM_EXPORT_ROW_LIMIT", 20_000))


def neutralise(value) -> str:
    """Spreadsheet-safe text: a value starting with = + - @ tab or CR gets a leading apostrophe."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def cell(value):
    """One cell as written: numbers and dates typed, booleans as yes/no, everything else neutralised text."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float | Decimal):
        return value
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, datetime.date):
        return value
    return neutralise(value)


class _Echo:
    def write(self, value):
        return value


def csv_lines(*, header: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The CSV text line by line."""
    writer = csv.writer(_Echo())
    yield writer.writerow([neutralise(h) for h in header])
    for row in rows:
        yield writer.writerow([_csv_text(cell(value)) for value in row])


def _csv_text(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.isoformat(sep=" ", timespec="minutes")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def csv_bytes(*, header: Sequence[str], rows: Iterable[Sequence]) -> bytes:
    return "".join(csv_lines(header=header, rows=rows)).encode("utf-8")


def xlsx_bytes(*, header: Sequence[str], rows: Iterable[Sequence], title: str = "Export") -> bytes:
    """An XLSX workbook of one sheet; text cells are strings, never formulas."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    book = Workbook(write_only=True)
    sheet = book.create_sheet(title=_sheet_title(title))

    def line(values):
        cells = []
        for value in values:
            written = WriteOnlyCell(sheet, value=cell(value))
            if isinstance(written.value, str):
                written.data_type = "s"  # openpyxl would read a leading "=" as a formula
            cells.append(written)
        return cells

    sheet.append(line(header))
    for row in rows:
        sheet.append(line(row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sheet_title(title: str) -> str:
    cleaned = "".join(ch for ch in str(title) if ch not in "[]:*?/\\")
    return (cleaned or "Export")[:31]


def file_bytes(*, header: Sequence[str], rows: Iterable[Sequence], fmt: str, title: str = "Export") -> bytes:
    if fmt == "xlsx":
        return xlsx_bytes(header=header, rows=rows, title=title)
    return csv_bytes(header=header, rows=rows)


def filename_for(stem: str, fmt: str) -> str:
    return f"{stem}-{timezone.localtime().strftime('%Y%m%d-%H%M')}.{fmt}"


def response(*, header: Sequence[str], rows: Iterable[Sequence], fmt: str, filename: str, title: str = "Export"):
    """A download: CSV streamed row by row, XLSX whole. `filename` is the stem; the date and extension are added."""
    name = filename_for(filename, fmt)
    if fmt == "xlsx":
        reply = HttpResponse(xlsx_bytes(header=header, rows=rows, title=title), content_type=XLSX_TYPE)
    else:
        reply = StreamingHttpResponse(csv_lines(header=header, rows=rows), content_type="text/csv; charset=utf-8")
    reply["Content-Disposition"] = f'attachment; filename="{name}"'
    reply["Cache-Control"] = "private, no-store"
    return reply
