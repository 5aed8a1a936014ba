"""The route sweep over the organization API, part two (attribution, workspaces, reports): see
tests/sweep/engine.py."""

import pytest

from tests.sweep.conftest import sweep_route
from tests.sweep.engine import discover
from tests.sweep.test_sweep_api_core import NAMESPACES

ROUTES = [r for r in discover() if r.pattern.startswith("api/o/") and not r.name.startswith(NAMESPACES)]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_api_refuses_other_organizations(route, sweep, db):
    sweep_route(sweep, route)
