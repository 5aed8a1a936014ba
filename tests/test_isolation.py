"""Sweep every organization-scoped page and endpoint: outsiders never learn an organization exists.

For each URL pattern under /o/<org_slug>/ and /api/o/<org_slug>/, a member of another organization,
a user with no membership and a partner guest (a partner-side member of one of this organization's
workspaces) get 404, and an anonymous visitor is sent to log in (pages) or refused with 401/403 (API).
App-level tests cover the objects of other tenants; this sweep makes sure no new route forgets the door.
"""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

ORG_PREFIXES = ("o/<slug:org_slug>/", "api/o/<slug:org_slug>/")
SKIP_SUFFIXES = (r"\.(?P<format>[a-z0-9]+)/?$",)


def _walk(patterns, prefix=""):
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def _org_routes():
    routes = []
    for route, _pattern in _walk(get_resolver().url_patterns):
        if not route.startswith(ORG_PREFIXES):
            continue
        if "(?P<format>" in route or route.endswith("\\.(?P<format>[a-z0-9]+)/?$"):
            continue
        routes.append(route)
    return sorted(set(routes))


def _concrete(route: str) -> str:
    path = route.replace("^", "").replace("$", "")
    path = path.replace("<slug:org_slug>", "nimbus")
    # Regex groups (DRF routers) first, then converters: fill with an id-like value.
    path = re.sub(r"\(\?P<\w+>[^)]*\)", "1", path)
    path = re.sub(r"<uuid:\w+>", "00000000-0000-4000-8000-000000000001", path)
    path = re.sub(r"<(?:(?:int|str|slug|path):)?\w+>", "1", path)
    return "/" + path.replace("//", "/")


ROUTES = _org_routes()


def test_sweep_finds_the_core_routes():
    paths = {_concrete(r) for r in ROUTES}
    assert "/o/nimbus/" in paths
    assert "/api/o/nimbus/members/" in paths


@pytest.fixture
def partner_guest(org):
    """A partner person working in one of `org`'s workspaces: no membership, so no vendor pages."""
    from tests.factories import PartnershipFactory, WorkspaceMemberFactory, WorkspacePartnershipFactory
    from workspaces.models import Side, WorkspaceRole

    link = WorkspacePartnershipFactory(partnership=PartnershipFactory(organization=org), workspace__organization=org)
    return WorkspaceMemberFactory(workspace=link.workspace, side=Side.PARTNER, role=WorkspaceRole.EDITOR).user


@pytest.mark.parametrize("route", ROUTES)
def test_outsiders_get_404(route, org, other_member, outsider, partner_guest, client_for):
    path = _concrete(route)
    for user in (other_member, outsider, partner_guest):
        response = client_for(user).get(path)
        assert response.status_code == 404, f"{path} answered {response.status_code} for {user.email}"


@pytest.mark.parametrize("route", ROUTES)
def test_anonymous_is_refused(route, org, client_for):
    path = _concrete(route)
    response = client_for(None).get(path)
    if path.startswith("/api/"):
        assert response.status_code in (401, 403), f"{path} answered {response.status_code}"
    else:
        assert response.status_code in (302, 404), f"{path} answered {response.status_code}"
        if response.status_code == 302:
            assert "/accounts/login/" in response["Location"]
