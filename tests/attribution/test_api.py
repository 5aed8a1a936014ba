import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from attribution import registrations, runs
from attribution.models import Account, AttributionRun, DealRegistration, Opportunity, SplitRule, Touchpoint
from tests.factories import (
    AccountFactory,
    DealRegistrationFactory,
    InfluenceTypeFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    PartnershipFactory,
    TouchpointFactory,
)

LIST_ROUTES = [
    "account-list",
    "opportunity-list",
    "opportunity-partner-list",
    "touchpoint-list",
    "influence-type-list",
    "registration-list",
    "split-rule-list",
    "materiality-score-list",
    "credit-allocation-list",
    "attribution-run-list",
    "config",
]


def url(name, org, *args):
    return reverse(f"attribution-api:{name}", args=[org.slug, *args])


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_endpoints_hide_the_org_from_others(route, org, other_member, outsider, guest, api_client_for):
    for user in (other_member, outsider, guest):
        assert api_client_for(user).get(url(route, org)).status_code == 404
    assert api_client_for(None).get(url(route, org)).status_code in (401, 403)


@pytest.mark.parametrize("route", LIST_ROUTES)
def test_endpoints_readable_by_viewer(route, org, viewer, api_client_for):
    assert api_client_for(viewer).get(url(route, org)).status_code == 200


@pytest.mark.parametrize(
    "route",
    ["account-list", "opportunity-list", "registration-list", "attribution-run-list", "touchpoint-list"],
)
def test_writes_refused_to_viewer(route, org, viewer, api_client_for):
    assert api_client_for(viewer).post(url(route, org), {}, format="json").status_code == 403


def test_split_rules_and_config_need_admin(org, member, api_client):
    assert api_client.post(url("split-rule-list", org), {}, format="json").status_code == 403
    assert api_client.patch(url("config", org), {"protection_days": 30}, format="json").status_code == 403


def test_detail_of_another_org_is_404(org, other_org, api_client):
    foreign_opp = OpportunityFactory(organization=other_org)
    foreign_reg = DealRegistrationFactory(organization=other_org)
    assert api_client.get(url("opportunity-detail", org, foreign_opp.pk)).status_code == 404
    assert api_client.post(url("registration-approve", org, foreign_reg.pk), {}).status_code == 404
    assert api_client.get(url("opportunity-credits", org, foreign_opp.pk)).status_code == 404


def test_opportunity_create_and_filter(org, api_client):
    account = AccountFactory(organization=org)
    body = {
        "account": account.pk,
        "name": "Vault rollout",
        "amount": "1200.50",
        "currency": "usd",
        "products": ["Vault"],
    }
    response = api_client.post(url("opportunity-list", org), body, format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["currency"] == "USD"
    partnership = PartnershipFactory(partner__organization=org)
    OpportunityPartnerFactory(
        organization=org, opportunity_id=response.json()["id"], partnership=partnership, role="sourced"
    )
    OpportunityFactory(organization=org)
    found = api_client.get(url("opportunity-list", org), {"partnership": partnership.pk, "role": "sourced"}).json()
    assert [o["name"] for o in found["results"]] == ["Vault rollout"]
    assert (
        api_client.get(url("opportunity-list", org), {"partnership": partnership.pk, "role": "technical"}).json()[
            "count"
        ]
        == 0
    )


@pytest.mark.parametrize(
    ("field", "value"),
    [("amount", "-5"), ("currency", "EUO"), ("account", "other-org")],
)
def test_opportunity_bad_input_names_the_field(org, other_org, api_client, field, value):
    body = {"account": AccountFactory(organization=org).pk, "name": "X", "amount": "10", "currency": "EUR"}
    body[field] = AccountFactory(organization=other_org).pk if value == "other-org" else value
    response = api_client.post(url("opportunity-list", org), body, format="json")
    assert response.status_code == 400
    assert field in response.json()["errors"]
    assert not Opportunity.objects.exists()


def test_opportunity_list_query_count_is_bounded(org, api_client, django_assert_max_num_queries):
    partnerships = [PartnershipFactory(partner__organization=org) for _ in range(3)]
    for size in (3, 30):
        while Opportunity.objects.count() < size:
            opp = OpportunityFactory(organization=org)
            for p in partnerships:
                OpportunityPartnerFactory(organization=org, opportunity=opp, partnership=p)
        with django_assert_max_num_queries(8):
            response = api_client.get(url("opportunity-list", org))
        assert response.json()["count"] == size


def test_touchpoint_in_the_future_is_refused(org, api_client):
    opp = OpportunityFactory(organization=org)
    body = {
        "opportunity": opp.pk,
        "partnership": PartnershipFactory(partner__organization=org).pk,
        "influence_type": InfluenceTypeFactory(organization=org).pk,
        "occurred_at": (timezone.now() + datetime.timedelta(days=2)).isoformat(),
    }
    response = api_client.post(url("touchpoint-list", org), body, format="json")
    assert response.status_code == 400 and "occurred_at" in response.json()["errors"]
    assert not Touchpoint.objects.exists()


def test_touchpoint_with_partnership_of_another_org_is_refused(org, other_org, api_client):
    body = {
        "opportunity": OpportunityFactory(organization=org).pk,
        "partnership": PartnershipFactory(partner__organization=other_org).pk,
        "influence_type": InfluenceTypeFactory(organization=org).pk,
        "occurred_at": timezone.now().isoformat(),
    }
    response = api_client.post(url("touchpoint-list", org), body, format="json")
    assert response.status_code == 400 and "partnership" in response.json()["errors"]


def test_materiality_score_out_of_range_is_refused(org, api_client):
    body = {
        "opportunity": OpportunityFactory(organization=org).pk,
        "partnership": PartnershipFactory(partner__organization=org).pk,
        "sales_motion": 6,
        "value_proposition": 1,
        "delivery": 1,
    }
    response = api_client.post(url("materiality-score-list", org), body, format="json")
    assert response.status_code == 400 and "sales_motion" in response.json()["errors"]


def test_split_rule_over_100_percent_is_refused(org, admin_user, api_client_for):
    a, b = PartnershipFactory(partner__organization=org), PartnershipFactory(partner__organization=org)
    body = {
        "name": "Joint SIEM",
        "match_on": "joint_solution",
        "match_value": "Joint SIEM",
        "shares": [{"partnership_id": a.pk, "percent": "60"}, {"partnership_id": b.pk, "percent": "50"}],
    }
    response = api_client_for(admin_user).post(url("split-rule-list", org), body, format="json")
    assert response.status_code == 400 and "shares" in response.json()["errors"]
    assert "110" in response.json()["detail"]
    assert not SplitRule.objects.exists()


def test_split_rule_revise_keeps_versions(org, admin_user, api_client_for):
    a = PartnershipFactory(partner__organization=org)
    client = api_client_for(admin_user)
    body = {
        "name": "Vault",
        "match_on": "product",
        "match_value": "Vault",
        "shares": [{"partnership_id": a.pk, "percent": "30"}],
    }
    rule = client.post(url("split-rule-list", org), body, format="json").json()
    revised = client.post(
        url("split-rule-revise", org, rule["id"]),
        {"shares": [{"partnership_id": a.pk, "percent": "40"}]},
        format="json",
    ).json()
    assert revised["current_version"] == 2
    assert [v["version"] for v in revised["versions"]] == [2, 1]


def test_registration_create_returns_conflicts_at_once(org, member, api_client):
    alpha = PartnershipFactory(partner__organization=org)
    beta = PartnershipFactory(partner__organization=org)
    registrations.registration_submit(
        org=org, actor=member, partnership=alpha, customer_name="Globex", customer_domain="globex.com",
        value=Decimal("10"), currency="EUR", products=[], expected_close=None, notes="", via="partner",
    )  # fmt: skip
    body = {
        "partnership": beta.pk,
        "customer_name": "Globex Inc",
        "customer_domain": "globex.com",
        "value": "500",
        "currency": "EUR",
    }
    response = api_client.post(url("registration-list", org), body, format="json")
    assert response.status_code == 201
    assert response.json()["via"] == "vendor"
    assert response.json()["conflicts"][0]["match"] == "domain"


def test_registration_review_actions(org, api_client):
    reg = DealRegistrationFactory(organization=org)
    response = api_client.post(url("registration-request-info", org, reg.pk), {"message": "Sponsor?"}, format="json")
    assert response.json()["status"] == "info_requested"
    response = api_client.post(url("registration-respond-info", org, reg.pk), {"message": "CFO"}, format="json")
    assert response.json()["status"] == "submitted"
    response = api_client.post(url("registration-reject", org, reg.pk), {"reason": ""}, format="json")
    assert response.status_code == 400 and "reason" in response.json()["errors"]
    response = api_client.post(url("registration-approve", org, reg.pk), {}, format="json")
    assert response.json()["status"] == "approved"
    kinds = [e["kind"] for e in api_client.get(url("registration-trail", org, reg.pk)).json()]
    assert kinds == ["info_requested", "info_provided", "approved"]


def test_account_bulk_upsert_creates_then_updates_by_crm_id(org, api_client):
    items = [{"crm_id": "A1", "name": "Globex", "domain": "https://globex.com"}, {"crm_id": "A2", "name": "Hooli"}]
    assert api_client.post(url("account-bulk-upsert", org), items, format="json").json() == {"created": 2, "updated": 0}
    items[0]["name"] = "Globex Corp"
    assert api_client.post(url("account-bulk-upsert", org), {"items": items}, format="json").json() == {
        "created": 0,
        "updated": 2,
    }
    assert Account.objects.get(crm_id="A1").name == "Globex Corp"
    assert Account.objects.get(crm_id="A1").domain == "globex.com"


def test_opportunity_bulk_upsert_all_or_nothing_with_errors_per_index(org, api_client):
    AccountFactory(organization=org, crm_id="A1")
    items = [
        {"crm_id": "O1", "account_crm_id": "A1", "name": "Good", "amount": "100", "currency": "EUR"},
        {"crm_id": "O2", "account_crm_id": "A9", "name": "Bad", "amount": "-1", "currency": "EUO"},
    ]
    response = api_client.post(url("opportunity-bulk-upsert", org), items, format="json")
    assert response.status_code == 400
    assert set(response.json()["errors"]["1"]) == {"account_crm_id", "amount", "currency"}
    assert not Opportunity.objects.exists()
    response = api_client.post(url("opportunity-bulk-upsert", org), items[:1], format="json")
    assert response.json() == {"created": 1, "updated": 0}


def test_run_create_queues_and_completes(org, api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = api_client.post(url("attribution-run-list", org))
    assert response.status_code == 202
    assert AttributionRun.objects.get(pk=response.json()["id"]).status == "done"


def test_config_patch_validates_positions(org, admin_user, api_client_for):
    client = api_client_for(admin_user)
    response = client.patch(url("config", org), {"position_first": "50"}, format="json")
    assert response.status_code == 400 and "position_first" in response.json()["errors"]
    response = client.patch(
        url("config", org), {"protection_days": 30, "own_domains": ["https://nimbus.example"]}, format="json"
    )
    assert response.status_code == 200
    assert response.json()["own_domains"] == ["nimbus.example"]


def test_credits_endpoint_explains_the_ledger(org, api_client):
    opp = OpportunityFactory(organization=org)
    link = OpportunityPartnerFactory(organization=org, opportunity=opp, role="sourced")
    TouchpointFactory(organization=org, opportunity=opp, partnership=link.partnership)
    runs.attribution_run_execute(org=org, run=AttributionRun.objects.create(organization=org))
    rows = api_client.get(url("opportunity-credits", org, opp.pk)).json()
    assert {r["model"] for r in rows} >= {"sourced_influenced", "first_touch", "shapley"}
    assert all(r["explanation"] for r in rows)
    listed = api_client.get(url("credit-allocation-list", org), {"opportunity": opp.pk, "model": "linear"}).json()
    assert listed["count"] == 1 and Decimal(listed["results"][0]["amount"]) == opp.amount


def test_api_key_read_scope_cannot_write(org, api_key_client):
    client = api_key_client("read")
    assert client.get(url("registration-list", org)).status_code == 200
    assert client.post(url("attribution-run-list", org)).status_code == 403


def test_registrations_filter_by_status(org, api_client):
    DealRegistrationFactory(organization=org)
    DealRegistrationFactory(
        organization=org, partnership__partner__organization=org, status=DealRegistration.Status.REJECTED
    )
    assert api_client.get(url("registration-list", org), {"status": "rejected"}).json()["count"] == 1


def test_credit_allocation_list_query_count_is_bounded(org, api_client, django_assert_max_num_queries):
    for size in (2, 20):
        while Opportunity.objects.count() < size:
            OpportunityPartnerFactory(organization=org, role="sourced")
        runs.attribution_run_execute(org=org, run=AttributionRun.objects.create(organization=org))
        with django_assert_max_num_queries(8):
            response = api_client.get(url("credit-allocation-list", org))
        assert response.json()["count"] >= size


def test_touchpoint_confirm_records_the_caller(org, member, api_client, viewer, api_client_for):
    touch = TouchpointFactory(organization=org)
    assert api_client_for(viewer).post(url("touchpoint-confirm", org, touch.pk)).status_code == 403
    response = api_client.post(url("touchpoint-confirm", org, touch.pk))
    assert response.status_code == 200 and response.json()["confirmed_by"] == member.pk


def test_account_create_answers_its_result_whatever_the_list_filters_in_the_url(org, api_client):
    """The output re-read ignores the request's filters: `?type=customer` does not hide a new prospect."""
    response = api_client.post(
        url("account-list", org) + "?type=customer&search=zzz", {"name": "Globex", "type": "prospect"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Globex" and response.json()["type"] == "prospect"
    assert Account.objects.for_org(org).get().name == "Globex"


def test_registration_action_answers_its_result_when_it_leaves_the_filtered_set(org, api_client):
    reg = DealRegistrationFactory(organization=org)
    response = api_client.post(url("registration-approve", org, reg.pk) + f"?status={reg.status}", {}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
