"""Account-mapping lists stay within a fixed number of queries however many accounts they show."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from attribution.mapping_models import Population
from tests.factories import AccountFactory, OpportunityFactory
from tests.mapping.conftest import make_scene, opt_in_both, partner_rows, recompute, share

# The same bound at both sizes: what grows with the data must be joined or prefetched, not looped.
MAX_QUERIES = {"list": 8, "cell": 15, "csv": 10, "ours": 13, "attachment": 15, "cosell": 6, "api": 6, "ws_cell": 17}


def _world(org, admin_user, size):
    scene = make_scene(org)
    rows = []
    for i in range(size):
        account = AccountFactory(organization=org, name=f"Company {i}", domain=f"company{i}.example", type="customer")
        OpportunityFactory(organization=org, account=account, status="open", amount=200000 + i)
        rows.append({"name": f"Partner name {i}", "domain": f"company{i}.example"})
    account_map = opt_in_both(scene, admin_user)
    partner_rows(account_map, rows)
    scene.account_map = recompute(account_map)
    every = {(p.pk, "customer"): "overlap" for p in Population.objects.for_org(org)}
    share(scene.account_map, side="partner", actor=scene.partner_owner, levels=every)
    share(scene.account_map, side="vendor", actor=admin_user, levels=every)
    return scene


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
        if response.streaming:
            b"".join(response.streaming_content)
    assert response.status_code == 200, url
    return len(queries)


@pytest.mark.parametrize("size", [2, 12])
def test_mapping_lists_are_bounded(size, org, admin_user, member, client_for, api_client_for):
    scene = _world(org, admin_user, size)
    client, api, slug, pk = client_for(member), api_client_for(member), org.slug, scene.partnership.pk
    cell = {"v": scene.population("customers").pk, "p": "customer"}
    counts = {
        "list": _queries(client, reverse("attribution:mapping", args=[slug])),
        "cell": _queries(client, reverse("attribution:mapping_cell", args=[slug, pk]), cell),
        "csv": _queries(client, reverse("attribution:mapping_cell", args=[slug, pk]), {**cell, "format": "csv"}),
        "ours": _queries(client, reverse("attribution:mapping_our_accounts", args=[slug])),
        "attachment": _queries(client, reverse("attribution:cosell_attachment", args=[slug])),
        "cosell": _queries(client, reverse("attribution:cosell", args=[slug])),
        "api": _queries(api, reverse("attribution-api:account-map-overlaps", args=[slug, scene.account_map.pk]), cell),
        "ws_cell": _queries(
            client_for(scene.partner_editor), reverse("workspaces:mapping_accounts", args=[scene.ws]), cell
        ),
    }
    assert all(counts[name] <= bound for name, bound in MAX_QUERIES.items()), counts
