"""Isolation of every mapping page and endpoint, with real objects of another tenant and of another
partnership: other tenants' members, outsiders, partner guests of other workspaces, API keys."""

import pytest
from django.urls import reverse

from tests.factories import AccountFactory, MembershipFactory
from tests.mapping.conftest import make_scene, opt_in_both, partner_rows, recompute, share


@pytest.fixture
def two(org, other_org, admin_user):
    """Our scene (shared overlap) and a second partnership of ours, plus another tenant's scene."""
    ours = make_scene(org)
    AccountFactory(organization=org, name="Globex Corporation", domain="globex.com", type="customer")
    account_map = opt_in_both(ours, admin_user)
    partner_rows(account_map, [{"name": "Globex Partner Spelling", "domain": "globex.com"}])
    ours.account_map = recompute(account_map)
    share(ours.account_map, side="partner", actor=ours.partner_owner,
          levels={(ours.population("customers").pk, "customer"): "full"})  # fmt: skip
    sibling = make_scene(org)  # another partner of the same vendor
    theirs = make_scene(other_org)
    theirs.admin = MembershipFactory(organization=other_org, role="admin").user
    return ours, sibling, theirs


def _workspace_urls(scene):
    ws = scene.ws
    cell = f"?v={scene.population('customers').pk}&p=customer"
    return [
        reverse("workspaces:mapping", args=[ws]),
        reverse("workspaces:mapping_accounts", args=[ws]) + cell,
        reverse("workspaces:mapping_matches", args=[ws]),
        reverse("workspaces:cosell", args=[ws]),
        reverse("workspaces:mapping_template", args=[ws]),
        reverse("workspaces-guest-api:mapping-matrix", args=[ws]),
        reverse("workspaces-guest-api:mapping-overlaps", args=[ws]) + cell,
        reverse("workspaces-guest-api:cosell-list", args=[ws]),
    ]


def test_partner_people_of_another_partnership_or_tenant_get_404(two, client_for, other_member, outsider):
    ours, sibling, theirs = two
    for user in (sibling.partner_owner, theirs.partner_owner, other_member, outsider):
        for url in _workspace_urls(ours):
            assert client_for(user).get(url).status_code == 404, (url, user.email)
        post = client_for(user).post(reverse("workspaces:mapping_action", args=[ours.ws, "opt-in"]))
        assert post.status_code == 404


def test_vendor_pages_and_api_refuse_another_tenants_objects(two, member, client_for, api_client_for):
    ours, _sibling, theirs = two
    client, api, slug = client_for(member), api_client_for(member), ours.org.slug
    foreign_partnership = theirs.partnership.pk
    foreign_account = AccountFactory(organization=theirs.org).pk
    for url in (
        reverse("attribution:mapping_detail", args=[slug, foreign_partnership]),
        reverse("attribution:mapping_cell", args=[slug, foreign_partnership]),
        reverse("attribution:mapping_white_space", args=[slug, foreign_partnership]),
        reverse("attribution:mapping_matches", args=[slug, foreign_partnership]),
        reverse("attribution:mapping_account", args=[slug, foreign_account]),
    ):
        assert client.get(url).status_code == 404, url
    from attribution.mapping_models import AccountMap

    foreign_map = AccountMap.objects.for_org(theirs.org).get().pk
    for name in ("account-map-detail", "account-map-matrix", "account-map-overlaps"):
        assert api.get(reverse(f"attribution-api:{name}", args=[slug, foreign_map])).status_code == 404
    created = api.post(reverse("attribution-api:account-map-list", args=[slug]), {"partnership": foreign_partnership})
    assert created.status_code == 400
    response = api.post(
        reverse("attribution-api:cosell-request-list", args=[slug]),
        {"account_map": foreign_map, "account": foreign_account, "kind": "introduction"},
    )
    assert response.status_code == 400 and set(response.json()["errors"]) == {"account_map", "account"}


def test_roles_and_key_scopes(two, member, viewer, client_for, api_key_client):
    ours, _s, _t = two
    slug, pk = ours.org.slug, ours.partnership.pk
    assert client_for(viewer).get(reverse("attribution:mapping_detail", args=[slug, pk])).status_code == 200
    assert (
        client_for(viewer).post(reverse("attribution:mapping_action", args=[slug, pk, "recompute"])).status_code == 403
    )
    assert client_for(member).post(reverse("attribution:mapping_action", args=[slug, pk, "sharing"])).status_code == 403
    read, write = api_key_client("read"), api_key_client("write")
    map_pk = ours.account_map.pk
    assert read.get(reverse("attribution-api:account-map-matrix", args=[slug, map_pk])).status_code == 200
    assert read.post(reverse("attribution-api:account-map-recompute", args=[slug, map_pk])).status_code == 403
    assert write.post(reverse("attribution-api:account-map-recompute", args=[slug, map_pk])).status_code == 202
    sharing = reverse("attribution-api:account-map-sharing", args=[slug, map_pk])
    assert write.put(sharing, {"levels": []}, format="json").status_code == 403  # admin-only, and people only
    other_key = api_key_client("read", for_org=_t.org)
    assert other_key.get(reverse("attribution-api:account-map-matrix", args=[slug, map_pk])).status_code == 404


def test_partner_viewers_read_but_do_not_change(two, client_for):
    ours, _s, _t = two
    viewer = client_for(ours.partner_viewer)
    assert viewer.get(reverse("workspaces:mapping", args=[ours.ws])).status_code == 200
    for action in ("opt-in", "withdraw", "sharing", "delete-list"):
        assert viewer.post(reverse("workspaces:mapping_action", args=[ours.ws, action])).status_code == 403
    editor = client_for(ours.partner_editor)
    assert editor.post(reverse("workspaces:mapping_action", args=[ours.ws, "sharing"])).status_code == 403


def test_vendor_users_in_the_workspace_are_sent_to_their_own_page(two, member, client_for):
    ours, _s, _t = two
    response = client_for(member).get(reverse("workspaces:mapping", args=[ours.ws]))
    assert response.status_code == 302
    assert response["Location"] == reverse("attribution:mapping_detail", args=[ours.org.slug, ours.partnership.pk])


def test_a_deal_room_has_no_map(two, client_for, org):
    from tests.factories import WorkspaceMemberFactory, WorkspacePartnershipFactory

    ours, sibling, _t = two
    room = WorkspacePartnershipFactory(partnership=ours.partnership, workspace__organization=org).workspace
    WorkspacePartnershipFactory(partnership=sibling.partnership, workspace=room)
    guest = WorkspaceMemberFactory(workspace=room, side="partner", role="owner").user
    assert client_for(guest).get(reverse("workspaces:mapping", args=[room.public_id])).status_code == 404
