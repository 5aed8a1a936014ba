"""Every sharing level, from both sides: what the other side chose is all that appears, in pages, CSV
exports and API responses (counts, accounts in common, whole populations, fields)."""

import json

import pytest
from django.urls import reverse

from tests.factories import AccountFactory
from tests.mapping.conftest import make_scene, opt_in_both, partner_rows, recompute, share

LEVELS = ["hidden", "counts", "overlap", "full"]


@pytest.fixture
def world(org, admin_user, django_capture_on_commit_callbacks):
    scene = make_scene(org)
    AccountFactory(organization=org, name="Globex Corporation", domain="globex.com", type="customer")
    AccountFactory(organization=org, name="Vendor Only Customer Ltd", domain="vendoronly.example", type="customer")
    account_map = opt_in_both(scene, admin_user)
    partner_rows(
        account_map,
        [
            {
                "name": "Globex Partner Spelling",
                "domain": "globex.com",
                "owner_name": "Olga Secretowner",
                "country": "US",
            },
            {"name": "Partner Only Secret Co", "domain": "partneronly.example", "owner_name": "Pat Hiddenrep"},
        ],
    )
    scene.account_map = recompute(account_map, django_capture_on_commit_callbacks)
    scene.customers = scene.population("customers")
    return scene


def _vendor_bodies(world, client, api):
    """Everything the vendor side can fetch about the map, as one text."""
    org, pk, cid = world.org, world.partnership.pk, world.customers.pk
    cell = {"v": cid, "p": "customer"}
    urls = [
        (client, reverse("attribution:mapping_detail", args=[org.slug, pk]), {}),
        (client, reverse("attribution:mapping_cell", args=[org.slug, pk]), cell),
        (client, reverse("attribution:mapping_cell", args=[org.slug, pk]), {**cell, "format": "csv"}),
        (client, reverse("attribution:mapping_cell", args=[org.slug, pk]), {"their": "customer", "format": "csv"}),
        (client, reverse("attribution:mapping_white_space", args=[org.slug, pk]), {}),
        (client, reverse("attribution:mapping_our_accounts", args=[org.slug]), {}),
        (client, reverse("attribution:mapping_matches", args=[org.slug, pk]), {}),
        (api, reverse("attribution-api:account-map-matrix", args=[org.slug, world.account_map.pk]), {}),
        (api, reverse("attribution-api:account-map-overlaps", args=[org.slug, world.account_map.pk]), cell),
        (
            api,
            reverse("attribution-api:account-map-their-accounts", args=[org.slug, world.account_map.pk]),
            {"key": "customer"},
        ),
    ]
    statuses, text = [], []
    for who, url, params in urls:
        response = who.get(url, params)
        statuses.append(response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text.append(body.decode())
    return statuses, "\n".join(text)


def _partner_bodies(world, client):
    ws, cid = world.ws, world.customers.pk
    cell = {"v": cid, "p": "customer"}
    urls = [
        (reverse("workspaces:mapping", args=[ws]), {}),
        (reverse("workspaces:mapping_accounts", args=[ws]), cell),
        (reverse("workspaces:mapping_accounts", args=[ws]), {**cell, "format": "csv"}),
        (reverse("workspaces:mapping_accounts", args=[ws]), {"their": cid, "format": "csv"}),
        (reverse("workspaces:mapping_matches", args=[ws]), {}),
        (reverse("workspaces-guest-api:mapping-matrix", args=[ws]), {}),
        (reverse("workspaces-guest-api:mapping-overlaps", args=[ws]), cell),
        (reverse("workspaces-guest-api:mapping-their-accounts", args=[ws]), {"key": cid}),
    ]
    statuses, text = [], []
    for url, params in urls:
        response = client.get(url, params)
        statuses.append(response.status_code)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        text.append(body.decode())
    return statuses, "\n".join(text)


def _cell(response_json):
    return response_json["rows"][0]["cells"][0]


@pytest.mark.parametrize("level", LEVELS)
def test_vendor_sees_only_what_the_partner_shares(level, world, member, client_for, api_client_for):
    share(
        world.account_map, side="partner", actor=world.partner_owner, levels={(world.customers.pk, "customer"): level}
    )
    client, api = client_for(member), api_client_for(member)
    statuses, text = _vendor_bodies(world, client, api)
    matrix = api.get(reverse("attribution-api:account-map-matrix", args=[world.org.slug, world.account_map.pk])).json()
    customers_row = next(r for r in matrix["rows"] if r["key"] == str(world.customers.pk))
    cell = next(c for c in customers_row["cells"] if c["p"] == "customer")
    assert cell["count"] == (None if level == "hidden" else 1)
    assert ("Globex Partner Spelling" in text) is (level in ("overlap", "full"))
    assert ("Partner Only Secret Co" in text) is (level == "full")
    assert "Olga Secretowner" not in text and "Pat Hiddenrep" not in text  # fields the partner did not choose
    can_list = level in ("overlap", "full")
    assert statuses[1:3] == ([200, 200] if can_list else [404, 404])
    assert statuses[3] == (200 if level == "full" else 404)
    assert statuses[8:] == ([200] if can_list else [404]) + ([200] if level == "full" else [404])


@pytest.mark.parametrize("level", LEVELS)
def test_partner_sees_only_what_the_vendor_shares(level, world, admin_user, client_for):
    share(world.account_map, side="vendor", actor=admin_user, levels={(world.customers.pk, "customer"): level})
    client = client_for(world.partner_editor)
    statuses, text = _partner_bodies(world, client)
    matrix = client.get(reverse("workspaces-guest-api:mapping-matrix", args=[world.ws])).json()
    customers = next(r for r in matrix["rows"] if r["key"] == "customer")
    cell = next(c for c in customers["cells"] if c["v"] == world.customers.pk)
    assert cell["count"] == (None if level == "hidden" else 1)
    assert ("Globex Corporation" in text) is (level in ("overlap", "full"))
    assert ("Vendor Only Customer Ltd" in text) is (level == "full")
    can_list = level in ("overlap", "full")
    assert ("Globex Partner Spelling" in text) is can_list  # its own account, next to the vendor's
    assert statuses[1:3] == ([200, 200] if can_list else [404, 404])
    assert statuses[3] == (200 if level == "full" else 404)
    assert statuses[6] == (200 if can_list else 404) and statuses[7] == (200 if level == "full" else 404)


def test_chosen_fields_appear_and_the_others_do_not(world, member, client_for):
    share(
        world.account_map, side="partner", actor=world.partner_owner,
        levels={(world.customers.pk, "customer"): "overlap"}, fields=["owner_name"],
    )  # fmt: skip
    response = client_for(member).get(
        reverse("attribution:mapping_cell", args=[world.org.slug, world.partnership.pk]),
        {"v": world.customers.pk, "p": "customer", "format": "csv"},
    )
    text = b"".join(response.streaming_content).decode()
    assert "Olga Secretowner" in text and "US" not in text.split("\n", 1)[1]


def test_search_finds_only_names_you_may_see(world, member, client_for):
    url = reverse("attribution:mapping_cell", args=[world.org.slug, world.partnership.pk])
    share(
        world.account_map,
        side="partner",
        actor=world.partner_owner,
        levels={(world.customers.pk, "customer"): "overlap"},
    )
    client = client_for(member)
    assert (
        len(client.get(url, {"v": world.customers.pk, "p": "customer", "q": "Partner Spelling"}).context["payloads"])
        == 1
    )
    assert client.get(url, {"v": world.customers.pk, "p": "customer", "q": "Partner Only"}).context["payloads"] == []
    share(
        world.account_map,
        side="partner",
        actor=world.partner_owner,
        levels={(world.customers.pk, "customer"): "counts"},
    )
    assert client.get(url, {"v": world.customers.pk, "p": "customer", "q": "Globex"}).status_code == 404


def test_a_sharing_change_is_audited_and_told_to_the_other_side(world, client_for, admin_user):
    from pom.models import AuditEvent
    from workspaces.models import Update

    share(world.account_map, side="vendor", actor=admin_user, levels={(world.customers.pk, "customer"): "overlap"})
    event = AuditEvent.objects.for_org(world.org).filter(verb="vendor sharing changed").get()
    assert json.dumps(event.changes).count("overlap") == 1
    feed = client_for(world.partner_editor).get(reverse("workspaces:detail", args=[world.ws]))
    assert "Vendor side changed what it shares." in feed.content.decode()
    assert Update.objects.for_org(world.org).filter(kind="mapping").count() >= 3  # two opt-ins and the change
