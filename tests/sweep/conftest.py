"""The sweep's world, built once per test module inside a transaction rolled back after the module;
each test runs in a savepoint of it (pytest-django's `db`), so what one route wrote never reaches the next."""

import pytest
from django.db import connection, transaction

from tests.sweep import engine, world
from tests.sweep.table import ROUTES


@pytest.fixture(scope="module")
def sweep(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic.__enter__()
        try:
            built = world.build()
            # Check the world's deferred foreign keys now, once: else every test's closing constraint
            # check (inside its savepoint, undone with it) would check all of them again (~7 ms a test).
            with connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            yield engine.Sweep(built, world.snapshot(built.a))
        finally:
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def sweep_route(sweep, route):
    """Request the route as every principal, then check that A's rows are untouched."""
    entry = ROUTES.get(route.name)
    assert entry is not None, f"{route.pattern} ({route.name}) has no entry in tests/sweep/table.py ROUTES"
    failures = sweep.check(route, entry)
    after = world.snapshot(sweep.world.a)
    changed = sorted(table for table, value in after.items() if sweep.baseline.get(table) != value)
    assert not failures, f"{route.name} let them in:\n" + "\n".join(failures)
    assert not changed, f"{route.name} changed the victim's rows in {changed}"
