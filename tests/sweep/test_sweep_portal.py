"""The route sweep over the partner portal (/w/..., /api/w/...) and share links, and the table's
completeness: see tests/sweep/engine.py."""

import pytest

from tests.sweep.conftest import sweep_route
from tests.sweep.engine import discover
from tests.sweep.table import ROUTES as TABLE

ROUTES = [r for r in discover() if r.pattern.startswith(("w/", "api/w/"))]


def test_every_route_has_an_entry():
    """A route added later without an entry fails here, saying what to add."""
    routes = {r.name: r for r in discover()}
    missing = [
        f'"{name}": R(pk="<model whose row of A the pk takes>"),  # {r.pattern}'
        if "pk" in r.kwargs
        else f'"{name}": R(),'
        for name, r in routes.items()
        if name not in TABLE
    ]
    assert not missing, "add to tests/sweep/table.py ROUTES:\n" + "\n".join(missing)
    stale = sorted(set(TABLE) - set(routes))
    assert not stale, f"entries for routes that no longer exist: {stale}"
    assert len(routes) > 1200 and "partners-api:partner-detail" in routes
    for name in ("admin:partners_partner_change", "account_login", "org_create", "org_invitation_accept"):
        assert name in routes, f"{name}: the sweep no longer discovers its prefix"


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_portal_refuses_other_workspaces(route, sweep, db):
    sweep_route(sweep, route)
