"""The route sweep over organization pages (/o/<org>/...): see tests/sweep/engine.py."""

import pytest

from tests.sweep.conftest import sweep_route
from tests.sweep.engine import discover

ROUTES = [r for r in discover() if r.pattern.startswith("o/")]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_pages_refuse_other_organizations(route, sweep, db):
    sweep_route(sweep, route)
