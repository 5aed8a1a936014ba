"""The whole story through the real pages: both sides agree, the partner uploads its list, sharing opens
up, the vendor sees the customers in common, asks for an introduction, the partner accepts, and the
next attribution run credits the partner on the deal."""

from django.urls import reverse

from attribution.mapping_models import AccountMap, AccountMatch, CoSellRequest, PartnerAccountList
from attribution.models import CreditAllocation, OpportunityPartner, Touchpoint
from tests.mapping.conftest import agree, upload_list
from workspaces.models import Notification


def test_partner_and_vendor_map_share_and_cosell_into_credit(
    scene, vendor_accounts, admin_user, member, client_for, django_capture_on_commit_callbacks, mailoutbox
):
    org = scene.org
    with django_capture_on_commit_callbacks(execute=True):
        agree(client_for, admin_user, scene)
        editor = client_for(scene.partner_editor)
        response = upload_list(editor, scene)
    assert response.status_code == 302, getattr(response, "context", {}) and response.context.get("errors")
    account_list = PartnerAccountList.objects.for_org(org).get(status="current")
    assert account_list.row_count == 5 and account_list.uploaded_by == scene.partner_editor

    account_map = AccountMap.objects.for_org(org).get(partnership=scene.partnership)
    assert account_map.computed_at is not None
    methods = dict(
        AccountMatch.objects.for_org(org).filter(account_map=account_map).values_list("account__name", "method")
    )
    assert methods == {
        "Globex Corporation": "domain",
        "Initech": "domain",  # shop.initech.de is initech.de
        "Umbrella Health": "domain",
        "Hooli Logistics GmbH": "name",  # no domain: "Hooli Logistic" matched on the name
    }

    vendor = client_for(member)
    detail = vendor.get(reverse("attribution:mapping_detail", args=[org.slug, scene.partnership.pk]))
    assert detail.status_code == 200
    customers = scene.population("customers")
    cell = next(
        c
        for row in detail.context["matrix"]["rows"]
        if row["key"] == customers.pk
        for c in row["cells"]
        if c["p"] == "customer"
    )
    assert cell["count"] == 2 and not cell["can_list"]  # counts only by default
    cell_url = reverse("attribution:mapping_cell", args=[org.slug, scene.partnership.pk])
    assert vendor.get(cell_url, {"v": customers.pk, "p": "customer"}).status_code == 404

    owner = client_for(scene.partner_owner)
    prospects = scene.population("prospects")
    opps = scene.population("open_opportunities")
    owner.post(
        reverse("workspaces:mapping_action", args=[scene.ws, "sharing"]),
        {
            f"level_{customers.pk}_customer": "overlap",
            f"level_{prospects.pk}_customer": "overlap",
            f"level_{opps.pk}_opportunity": "overlap",
            "fields": ["country"],
        },
    )
    rows = vendor.get(cell_url, {"v": customers.pk, "p": "customer"})
    assert rows.status_code == 200
    names = {p["theirs"]["name"] for p in rows.context["payloads"]}
    assert names == {"Globex Corp", "Hooli Logistic"}
    assert all(set(p["theirs"]) == {"name", "country"} for p in rows.context["payloads"])

    white = vendor.get(reverse("attribution:mapping_white_space", args=[org.slug, scene.partnership.pk]))
    assert [p["theirs"]["name"] for p in white.context["prospects"]] == ["INITECH GmbH"]
    assert white.context["unknown"] is None  # Soylent: the partner did not share its whole customer list

    umbrella, deal = vendor_accounts["umbrella"], vendor_accounts["deal"]
    with django_capture_on_commit_callbacks(execute=True):
        response = vendor.post(
            reverse("attribution:mapping_account", args=[org.slug, umbrella.pk]),
            {
                "account_map": account_map.pk,
                "kind": "economic_buyer",
                "opportunity": deal.pk,
                "message": "Could you introduce us to their CFO?",
            },
        )
    assert response.status_code == 302
    request = CoSellRequest.objects.for_org(org).get()
    assert request.partner_account_name == "Umbrella Health Inc"
    note = Notification.objects.get(user=scene.partner_editor, kind="cosell")
    assert "Umbrella Health Inc" in note.text and "CFO" in note.text
    assert any("Umbrella Health Inc" in m.subject for m in mailoutbox if scene.partner_editor.email in m.to)

    with django_capture_on_commit_callbacks(execute=True):
        response = editor.post(
            reverse("workspaces:cosell_answer", args=[scene.ws, request.pk]),
            {"decision": "accept", "note": "Intro to Dana (CFO) on Tuesday"},
        )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "accepted" and request.reaches_economic_buyer
    touchpoint = Touchpoint.objects.for_org(org).get(pk=request.touchpoint_id)
    assert touchpoint.opportunity == deal and touchpoint.partnership == scene.partnership
    assert OpportunityPartner.objects.for_org(org).filter(opportunity=deal, partnership=scene.partnership).exists()
    credited = CreditAllocation.objects.for_org(org).filter(opportunity=deal, partnership=scene.partnership)
    assert credited.exists() and all(c.amount > 0 for c in credited)

    page = vendor.get(reverse("attribution:opportunity", args=[org.slug, deal.pk]))
    assert page.context["cosell"]["score"] >= 40  # a partner in the account and the economic buyer
