"""Restore drill: prove that a backup of the demo restores, twice over.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/pom .venv/bin/python -m bench.restore_drill

1. Builds the demo in a throwaway database (migrate + seed_demo) on the server of DATABASE_URL.
2. Full-database backup: `pg_dump --format=custom`, then `pg_restore` into a second, empty
   database; every table's row count and checksum (md5 of its rows in a fixed order) must match,
   and the demo admin must be able to sign in to the restored copy.
3. Per-organization backup: `manage.py org_export nimbus` and `manage.py org_import` into a third,
   freshly migrated database; the per-table counts and checksums of the archive made from the
   restored copy must equal the original archive's.
4. Prints the timings and sizes, drops the throwaway databases (`--keep` leaves them).
Exits non-zero on any difference. Needs pg_dump/pg_restore of the server's major version.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


def _url(base: str, name: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, f"/{name}", parts.query, ""))


def _psql(base: str, sql: str) -> str:
    out = subprocess.run(
        ["psql", _url(base, "postgres"), "-v", "ON_ERROR_STOP=1", "-qAtc", sql],
        check=True,
        capture_output=True,
        text=True,
    )
    return out.stdout


def _manage(db_url: str, media: Path, *args: str) -> str:
    env = {**os.environ, "DATABASE_URL": db_url, "POM_MEDIA_ROOT": str(media), "REDIS_URL": ""}
    out = subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return out.stdout


FINGERPRINT = """
SELECT format('%s|%s|%s', c.relname,
  (xpath('/row/n/text()', query_to_xml(format('SELECT count(*) AS n FROM %I', c.relname), false, true, '')))[1]::text,
  (xpath('/row/h/text()', query_to_xml(format(
     'SELECT coalesce(md5(string_agg(t::text, E''\\n'' ORDER BY t::text)), '''') AS h FROM %I t', c.relname),
     false, true, '')))[1]::text)
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE c.relkind = 'r' AND n.nspname = 'public' ORDER BY c.relname
"""


def fingerprint(db_url: str) -> dict[str, tuple[str, str]]:
    """{table: (rows, md5 of its rows)} for every table of the public schema."""
    out = subprocess.run(["psql", db_url, "-qAtc", FINGERPRINT], check=True, capture_output=True, text=True).stdout
    result = {}
    for line in out.splitlines():
        table, rows, digest = line.split("|")
        result[table] = (rows, digest)
    return result


def _archive_tables(db_url: str, media: Path, path: Path) -> dict:
    _manage(db_url, media, "org_export", "nimbus", str(path))
    code = (
        "import sys, json; from pom import dataport; "
        "print(json.dumps(dataport.archive_tables(open(sys.argv[1], 'rb').read()), sort_keys=True))"
    )
    env = {**os.environ, "DATABASE_URL": db_url, "POM_MEDIA_ROOT": str(media), "DJANGO_SETTINGS_MODULE": "pom.settings"}
    out = subprocess.run(
        [PYTHON, "-c", f"import django; django.setup(); {code}", str(path)],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    import json

    return json.loads(out.stdout)


def _login_works(db_url: str, media: Path) -> bool:
    code = (
        "import django; django.setup(); from django.test import Client; c = Client(); "
        "r = c.post('/accounts/login/', {'login': 'adam.admin@nimbus.example', 'password': 'pom-demo-2026'}); "
        "ok = r.status_code == 302 and c.get('/o/nimbus/').status_code == 200; print('ok' if ok else 'no')"
    )
    env = {**os.environ, "DATABASE_URL": db_url, "POM_MEDIA_ROOT": str(media), "DJANGO_SETTINGS_MODULE": "pom.settings"}
    env["DJANGO_ALLOWED_HOSTS"] = "testserver"
    out = subprocess.run([PYTHON, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True, text=True)
    return out.stdout.strip().endswith("ok")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep", action="store_true", help="leave the throwaway databases in place")
    args = parser.parse_args()
    base = os.environ.get("DATABASE_URL", "")
    if not base.startswith("postgres"):
        print("Set DATABASE_URL to a PostgreSQL server (the drill creates its own databases there).")
        return 2
    tag = f"pom_drill_{os.getpid()}"
    source, restored, imported = f"{tag}_source", f"{tag}_restored", f"{tag}_imported"
    work = Path(tempfile.mkdtemp(prefix="pom-drill-"))
    media = work / "media"
    failures: list[str] = []
    timings: dict[str, float] = {}
    try:
        for name in (source, restored, imported):
            _psql(base, f'CREATE DATABASE "{name}"')
        start = time.monotonic()
        _manage(_url(base, source), media, "migrate", "--noinput")
        _manage(_url(base, source), media, "seed_demo")
        timings["demo built"] = time.monotonic() - start

        dump = work / "pom.dump"
        start = time.monotonic()
        subprocess.run(["pg_dump", "--format=custom", "--no-owner", "-f", str(dump), _url(base, source)], check=True)
        timings["pg_dump"] = time.monotonic() - start
        start = time.monotonic()
        subprocess.run(
            ["pg_restore", "--no-owner", "--exit-on-error", "-d", _url(base, restored), str(dump)], check=True
        )
        timings["pg_restore"] = time.monotonic() - start
        before, after = fingerprint(_url(base, source)), fingerprint(_url(base, restored))
        differing = sorted(t for t in before if before[t] != after.get(t))
        if differing or set(before) != set(after):
            failures.append(f"pg_restore: tables differ: {differing or sorted(set(before) ^ set(after))}")
        if not _login_works(_url(base, restored), media):
            failures.append("pg_restore: the demo admin cannot sign in to the restored copy")
        rows = sum(int(r) for r, _ in before.values())
        print(
            f"Full backup: {len(before)} tables, {rows:,} rows, dump {dump.stat().st_size:,} bytes; "
            f"restored copy identical: {'yes' if not differing else 'NO'}"
        )

        start = time.monotonic()
        original = _archive_tables(_url(base, source), media, work / "nimbus.tar.gz")
        _manage(_url(base, imported), media, "migrate", "--noinput")
        imported_media = work / "imported-media"
        _manage(_url(base, imported), imported_media, "org_import", str(work / "nimbus.tar.gz"))
        again = _archive_tables(_url(base, imported), imported_media, work / "nimbus-again.tar.gz")
        timings["org export + import"] = time.monotonic() - start
        differing = sorted(t for t in original if original[t] != again.get(t))
        if differing:
            failures.append(f"org_import: tables differ: {differing}")
        print(
            f"Organization backup: {len(original)} tables, {sum(t['rows'] for t in original.values()):,} rows; "
            f"imported copy identical: {'yes' if not differing else 'NO'}"
        )
    finally:
        if not args.keep:
            for name in (source, restored, imported):
                _psql(base, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    for step, seconds in timings.items():
        print(f"  {step}: {seconds:.1f} s")
    if failures:
        print("RESTORE DRILL FAILED:\n  " + "\n  ".join(failures))
        return 1
    print("Restore drill passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
