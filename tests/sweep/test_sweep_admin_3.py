"""The route sweep over the Django admin (/admin/...): see tests/sweep/admin.py.

The admin's routes are split over three modules (every third route each) so that test processes share
them (`--dist loadfile` keeps a module on one process)."""

import pytest

from tests.sweep.conftest import sweep_route
from tests.sweep.engine import ADMIN_PREFIX, discover

ROUTES = [r for r in discover() if r.pattern.startswith(ADMIN_PREFIX)][2::3]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_admin_shows_no_tenant_rows_but_to_operators(route, sweep, db):
    sweep_route(sweep, route)
