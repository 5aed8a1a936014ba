"""Co-sell beyond the happy path, the attachment model and the propensity score, and the partner's digest."""

from decimal import Decimal

import pytest
from django.urls import reverse

from attribution import cosell
from attribution.mapping_models import CoSellRequest
from attribution.models import Touchpoint
from tests.factories import AccountFactory, OpportunityFactory, OpportunityPartnerFactory, PartnershipFactory
from tests.mapping.conftest import make_scene, opt_in_both, partner_rows, recompute, share
from workspaces import notification_services


@pytest.fixture
def shared(org, admin_user):
    scene = make_scene(org)
    scene.account = AccountFactory(organization=org, name="Globex Corporation", domain="globex.com", type="prospect")
    scene.deal = OpportunityFactory(organization=org, account=scene.account, status="open", amount=Decimal("300000"))
    account_map = opt_in_both(scene, admin_user)
    partner_rows(account_map, [{"name": "Globex Partner Spelling", "domain": "globex.com"}])
    scene.account_map = recompute(account_map)
    return scene


def _request(client, scene, **extra):
    return client.post(
        reverse("attribution:mapping_account", args=[scene.org.slug, scene.account.pk]),
        {"account_map": scene.account_map.pk, "kind": "introduction", **extra},
    )


def test_no_request_on_an_account_the_partner_does_not_share(shared, member, client_for):
    response = _request(client_for(member), shared)  # counts only: the vendor may not know which account
    assert response.status_code == 400 and not CoSellRequest.objects.for_org(shared.org).exists()


def test_a_declined_request_records_no_touchpoint_and_viewers_cannot_answer(
    shared, member, client_for, api_client_for, django_capture_on_commit_callbacks
):
    prospects = shared.population("prospects")
    share(
        shared.account_map, side="partner", actor=shared.partner_owner, levels={(prospects.pk, "customer"): "overlap"}
    )
    response = api_client_for(member).post(
        reverse("attribution-api:cosell-request-list", args=[shared.org.slug]),
        {"account_map": shared.account_map.pk, "account": shared.account.pk, "opportunity": shared.deal.pk,
         "kind": "co_sell", "message": "Joint demo?"},
        format="json",
    )  # fmt: skip
    assert response.status_code == 201, response.json()
    request_id = response.json()["id"]
    answer = reverse("workspaces-guest-api:cosell-answer", args=[shared.ws, request_id])
    assert api_client_for(shared.partner_viewer).post(answer, {"accept": True}, format="json").status_code == 403
    listed = api_client_for(shared.partner_editor).get(reverse("workspaces-guest-api:cosell-list", args=[shared.ws]))
    assert listed.json()["results"][0]["partner_account_name"] == "Globex Partner Spelling"
    assert "account" not in listed.json()["results"][0]  # never the vendor's own record
    response = api_client_for(shared.partner_editor).post(
        answer, {"accept": False, "note": "Not our contact"}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "declined"
    assert not Touchpoint.objects.for_org(shared.org).exists()
    again = api_client_for(shared.partner_editor).post(answer, {"accept": True}, format="json")
    assert again.status_code == 400


def test_the_partners_digest_names_the_account_as_the_partner_knows_it(
    shared, member, client_for, mailoutbox, django_capture_on_commit_callbacks
):
    from workspaces.models import NotificationPreference

    NotificationPreference.objects.create(user=shared.partner_editor, mode="daily")
    prospects = shared.population("prospects")
    share(
        shared.account_map, side="partner", actor=shared.partner_owner, levels={(prospects.pk, "customer"): "overlap"}
    )
    with django_capture_on_commit_callbacks(execute=True):
        assert _request(client_for(member), shared, message="Intro please").status_code == 302
    mailoutbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_services.notification_digest_send(user_id=shared.partner_editor.pk) == 1
    body = mailoutbox[0].body
    assert "Globex Partner Spelling" in body and "Intro please" in body
    assert "Globex Corporation" not in body  # the vendor's own record is not shared (counts only)


def test_attachment_model_flags_deals_below_the_minimum(shared, member, client_for):
    OpportunityPartnerFactory(organization=shared.org, opportunity=shared.deal)
    small = OpportunityFactory(organization=shared.org, status="open", amount=Decimal("50000"))
    page = client_for(member).get(reverse("attribution:cosell_attachment", args=[shared.org.slug]))
    rows = {o.pk: o for o in page.context["rows"]}
    assert shared.deal.pk in rows and small.pk not in rows
    assert (rows[shared.deal.pk].required_partners, rows[shared.deal.pk].engaged_partners) == (3, 1)


def test_attachment_bands_and_propensity_are_explained_pure_functions():
    bands = cosell.clean_bands([{"above": "250000", "partners": 3}, {"above": "100000", "partners": 1}])
    assert [cosell.attachment_required(Decimal(a), bands) for a in ("100000", "100001", "250001", "9e6")] == [
        0,
        1,
        3,
        3,
    ]
    score, signals = cosell.propensity(partners_in_account=2, economic_buyer=True, intel=False, integration=False)
    assert score == 15 * 2 + 10 + 25 and [s.key for s in signals if s.present] == [
        "partners_in_account", "several_partners", "economic_buyer"
    ]  # fmt: skip
    assert cosell.propensity(partners_in_account=9, economic_buyer=True, intel=True, integration=True)[0] == 100
    with pytest.raises(Exception, match="same amount"):
        cosell.clean_bands([{"above": "1", "partners": 1}, {"above": "1.00", "partners": 2}])


def test_bands_are_changed_by_admins(shared, admin_user, member, client_for):
    url = reverse("attribution:cosell_attachment", args=[shared.org.slug])
    data = {"above_0": "1000", "partners_0": "2"}
    assert client_for(member).post(url, data).status_code == 403
    assert client_for(admin_user).post(url, data).status_code == 302
    assert cosell.cosell_settings(org=shared.org).attachment_bands == [{"above": "1000.00", "partners": 2}]


def test_a_technology_partner_with_the_account_as_customer_raises_the_score(shared, member, client_for):
    from attribution.cosell_selectors import opportunity_cosell

    shared.partnership.program.kind = "technology"
    shared.partnership.program.save()
    prospects = shared.population("prospects")
    share(
        shared.account_map, side="partner", actor=shared.partner_owner, levels={(prospects.pk, "customer"): "overlap"}
    )
    panel = opportunity_cosell(org=shared.org, opportunity=shared.deal)
    assert panel["score"] == 15 + 15 and len(panel["partners"]) == 1
    PartnershipFactory(organization=shared.org)  # a partnership without a map changes nothing
    assert opportunity_cosell(org=shared.org, opportunity=shared.deal)["score"] == 30
