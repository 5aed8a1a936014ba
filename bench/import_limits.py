"""Benchmark: what a hostile spreadsheet costs before and after the import limits (issue 18).

    python -m bench.import_limits [--cell-mb 30] [--cells 20000]

Measured in the same run, each against its baseline:

1. Zip bomb: an .xlsx whose one cell unpacks to `--cell-mb` MB. Baseline: opening it the
   way the import did before (openpyxl reading the sheet); now: `pom.validation.read_table`, which
   reads the zip directory and refuses it. Prints time and peak Python memory (tracemalloc) of both.
2. One huge CSV cell (8 MB). Baseline: pandas' python engine, as the partner import used; now: the
   shared reader refusing it with its row. Time and peak memory.
3. A clean file of `--cells` rows: parsing with pandas (before) and with the shared reader (now), to
   show the limits cost nothing on good files.

Needs no database. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import io
import os
import time
import tracemalloc
import zipfile


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pom.settings")
    import django

    django.setup()


def _run(fn) -> str:
    try:
        fn()
        return "read"
    except Exception as exc:  # the benchmark reports how each reader ends, whatever it raises
        return type(exc).__name__


def _measure(fn) -> tuple[float, float, str]:
    """(seconds without tracing, peak traced MB in a second run, outcome)."""
    started = time.perf_counter()
    outcome = _run(fn)
    elapsed = time.perf_counter() - started
    tracemalloc.start()
    _run(fn)
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return elapsed, peak / (1024 * 1024), outcome


def _bomb(cell_mb: int) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Name", "Description"])
    book.active.append(["Acme", "placeholder"])
    plain = io.BytesIO()
    book.save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":  # openpyxl writes inline strings
                data = data.replace(b"placeholder", b"x" * (cell_mb * 1024 * 1024))
            target.writestr(item, data)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cell-mb", type=int, default=30)
    parser.add_argument("--cells", type=int, default=20000)
    args = parser.parse_args()
    _setup_django()
    import pandas as pd
    from openpyxl import load_workbook

    from partners import importing
    from pom import validation

    limits = validation.Limits(max_bytes=10 * 1024 * 1024, max_rows=50_000, max_uncompressed_bytes=16 * 1024 * 1024)

    def report(title, before, after):
        print(
            f"{title}: before {before[0]:.2f} s, {before[1]:.0f} MB peak ({before[2]}); "
            f"now {after[0]:.3f} s, {after[1]:.1f} MB peak ({after[2]}); "
            f"time ratio {before[0] / max(after[0], 1e-6):.0f}x, memory ratio {before[1] / max(after[1], 0.01):.0f}x"
        )

    bomb = _bomb(args.cell_mb)
    print(f"zip bomb: {len(bomb) / 1024:.0f} KB on disk, {args.cell_mb} MB in one cell")

    def openpyxl_read():
        book = load_workbook(io.BytesIO(bomb), read_only=True, data_only=True)
        return [list(row) for row in book.worksheets[0].iter_rows(values_only=True)]

    report("xlsx bomb", _measure(openpyxl_read), _measure(lambda: validation.read_table(bomb, "xlsx", limits)))

    huge = b"Name,Description\nAcme," + b"x" * (8 * 1024 * 1024) + b"\n"

    def pandas_read(content):
        return pd.read_csv(io.StringIO(content.decode("utf-8")), dtype=str, sep=None, engine="python")

    report(
        "8 MB cell", _measure(lambda: pandas_read(huge)), _measure(lambda: validation.read_table(huge, "csv", limits))
    )

    good = ("Name,Domain,Industry\n" + "".join(f"Co {i},co{i}.example,Software\n" for i in range(args.cells))).encode()
    report(
        f"clean {args.cells} rows",
        _measure(lambda: pandas_read(good)),
        _measure(lambda: importing.read_table(good, "csv")),
    )


if __name__ == "__main__":
    main()
