"""The route sweep over a person's own pages, organization creation and switching, and the e-mailed
tokens (/accounts/, /orgs/, /invitations/, /assessments/): see tests/sweep/accounts.py."""

import pytest

from tests.sweep.conftest import sweep_route
from tests.sweep.engine import ACCOUNT_PREFIXES, discover

ROUTES = [r for r in discover() if r.pattern.startswith(ACCOUNT_PREFIXES)]


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: r.name)
def test_account_pages_show_nothing_of_other_organizations(route, sweep, db):
    sweep_route(sweep, route)
