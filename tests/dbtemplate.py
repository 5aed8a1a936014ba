"""A migrated template database, cloned per test process (PostgreSQL only).

Migrating POM's schema takes tens of seconds, and every xdist process used to do it on its own.
Here the first process to arrive migrates a template database named after a fingerprint of every
migration file (ours and the installed packages', through requirements.lock) and Django's version;
each process then clones it with `CREATE DATABASE … TEMPLATE …`, which takes about a second. The
template is kept between runs, so the next run migrates nothing until a migration changes; stale
templates of the same database are dropped when a new one is built. A file lock serialises the
processes of one run (and of runs in parallel) around building and cloning.

SQLite, `--nomigrations` and `--reuse-db` keep pytest-django's own setup.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import tempfile
from pathlib import Path

import django
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent


def fingerprint() -> str:
    digest = hashlib.sha256(django.get_version().encode())
    files = sorted(ROOT.glob("*/migrations/*.py")) + [ROOT / "requirements.lock"]
    for path in files:
        if path.exists():
            digest.update(str(path.relative_to(ROOT)).encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:12]


@contextlib.contextmanager
def _lock(name: str):
    path = Path(tempfile.gettempdir()) / f"pom-test-template-{name}.lock"
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _exists(connection, name: str) -> bool:
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _execute(connection, sql: str) -> None:
    with connection._nodb_cursor() as cursor:
        cursor.execute(sql)


def _build_template(connection, template: str, prefix: str) -> None:
    """Migrate into a scratch database, then rename it: a crash never leaves a half-built template."""
    quote = connection.ops.quote_name
    building = f"{template}_building"
    test_settings = connection.settings_dict.setdefault("TEST", {})
    saved_name, saved_test_name = connection.settings_dict["NAME"], test_settings.get("NAME")
    test_settings["NAME"] = building
    try:
        connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    finally:
        connection.close()
        connection.settings_dict["NAME"] = saved_name
        settings.DATABASES[connection.alias]["NAME"] = saved_name
        test_settings["NAME"] = saved_test_name
    with connection._nodb_cursor() as cursor:
        cursor.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", [prefix + "%"])
        stale = [row[0] for row in cursor.fetchall() if row[0] not in (template, building)]
    for name in stale:
        # A template database cannot be dropped until it is unmarked.
        _execute(connection, f"ALTER DATABASE {quote(name)} WITH IS_TEMPLATE false")
        _execute(connection, f"DROP DATABASE IF EXISTS {quote(name)} WITH (FORCE)")
    _execute(connection, f"ALTER DATABASE {quote(building)} RENAME TO {quote(template)}")
    _execute(connection, f"ALTER DATABASE {quote(template)} WITH IS_TEMPLATE true")


def setup(serialized_aliases) -> list:
    """Give this process its test database, cloned from the template; returns teardown's config."""
    from django.db import connections

    connection = connections["default"]
    quote = connection.ops.quote_name
    test_name = connection.creation._get_test_db_name()
    base = str(settings.DATABASES["default"]["NAME"])
    prefix = f"pomtpl_{base}"[:50] + "_"
    template = prefix + fingerprint()
    with _lock(base):
        if not _exists(connection, template):
            _build_template(connection, template, prefix)
        _execute(connection, f"DROP DATABASE IF EXISTS {quote(test_name)} WITH (FORCE)")
        _execute(connection, f"CREATE DATABASE {quote(test_name)} TEMPLATE {quote(template)}")
    old_name = connection.settings_dict["NAME"]
    connection.close()
    settings.DATABASES["default"]["NAME"] = test_name
    connection.settings_dict["NAME"] = test_name
    connection.ensure_connection()
    if serialized_aliases and "default" in serialized_aliases:
        connection._test_serialized_contents = connection.creation.serialize_db_to_string()
    return [(connection, old_name, True)]


def usable(connection, *, use_migrations: bool, keepdb: bool) -> bool:
    return connection.vendor == "postgresql" and use_migrations and not keepdb and len(settings.DATABASES) == 1
