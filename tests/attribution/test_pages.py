import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from attribution import runs
from attribution.models import AttributionRun, DealRegistration, Opportunity, OpportunityPartner, SplitRule, Touchpoint
from tests.factories import (
    AccountFactory,
    DealRegistrationFactory,
    InfluenceTypeFactory,
    OpportunityFactory,
    OpportunityPartnerFactory,
    PartnerFactory,
    PartnershipFactory,
    TouchpointFactory,
)


@pytest.fixture
def world(org, member):
    """A small pipeline: one deal with a sourced partner, a touchpoint, a registration and a computed ledger."""
    opp = OpportunityFactory(organization=org, name="Globex rollout", products=["Vault"])
    link = OpportunityPartnerFactory(organization=org, opportunity=opp, role="sourced")
    TouchpointFactory(organization=org, opportunity=opp, partnership=link.partnership, note="introduced the CFO")
    registration = DealRegistrationFactory(organization=org, partnership=link.partnership)
    run = AttributionRun.objects.create(organization=org)
    runs.attribution_run_execute(org=org, run=run)
    return {"opp": opp, "link": link, "registration": registration, "run": run, "partner": link.partnership.partner}


def page_urls(org, world):
    o = org.slug
    return [
        reverse("attribution:list", args=[o]),
        reverse("attribution:opportunity", args=[o, world["opp"].pk]),
        reverse("attribution:opportunity_create", args=[o]),
        reverse("attribution:registrations", args=[o]),
        reverse("attribution:registration", args=[o, world["registration"].pk]),
        reverse("attribution:registration_create", args=[o]),
        reverse("attribution:settings", args=[o]),
        reverse("attribution:metrics", args=[o]),
        reverse("attribution:import", args=[o]),
        reverse("attribution:run", args=[o, world["run"].pk]),
        reverse("attribution:partner_tab", args=[o, world["partner"].pk]),
    ]


def test_pages_render_for_a_viewer(org, world, viewer, client_for):
    client = client_for(viewer)
    for url in page_urls(org, world):
        if url.endswith("/new/") or url.endswith("/import/"):
            continue
        response = client.get(url)
        assert response.status_code == 200, url


def test_pages_hide_the_org_from_others_and_guests(org, world, other_member, outsider, guest, client_for):
    for user in (other_member, outsider, guest):
        client = client_for(user)
        for url in page_urls(org, world):
            assert client.get(url).status_code == 404, (user, url)


def test_pages_send_anonymous_to_login(org, world, client_for):
    for url in page_urls(org, world):
        response = client_for(None).get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_write_pages_refuse_a_viewer(org, world, viewer, client_for):
    client = client_for(viewer)
    o = org.slug
    for url in (
        reverse("attribution:opportunity_create", args=[o]),
        reverse("attribution:registration_create", args=[o]),
        reverse("attribution:import", args=[o]),
    ):
        assert client.post(url, {}).status_code == 403
    assert (
        client.post(
            reverse("attribution:registration_decide", args=[o, world["registration"].pk, "approve"])
        ).status_code
        == 403
    )
    assert client.post(reverse("attribution:run_start", args=[o])).status_code == 403


def test_settings_changes_need_admin(org, member_client):
    assert member_client.post(reverse("attribution:settings", args=[org.slug]), {}).status_code == 403
    assert member_client.post(reverse("attribution:rule_create", args=[org.slug]), {}).status_code == 403


def test_objects_of_another_org_are_404(org, other_org, member_client):
    foreign = OpportunityFactory(organization=other_org)
    foreign_reg = DealRegistrationFactory(organization=other_org)
    assert member_client.get(reverse("attribution:opportunity", args=[org.slug, foreign.pk])).status_code == 404
    assert member_client.get(reverse("attribution:registration", args=[org.slug, foreign_reg.pk])).status_code == 404
    partner = PartnerFactory(organization=other_org)
    assert member_client.get(reverse("attribution:partner_tab", args=[org.slug, partner.pk])).status_code == 404


def test_opportunity_page_shows_credit_with_explanations(org, world, member_client):
    body = member_client.get(reverse("attribution:opportunity", args=[org.slug, world["opp"].pk])).content.decode()
    assert "First touch" in body
    assert "introduced the CFO" in body
    assert world["partner"].name in body


def test_pipeline_list_filters_by_partner_and_role(org, world, member_client):
    OpportunityFactory(organization=org, name="Direct deal")
    url = reverse("attribution:list", args=[org.slug])
    body = member_client.get(url, {"partner": world["partner"].pk, "role": "sourced"}).content.decode()
    assert "Globex rollout" in body and "Direct deal" not in body
    body = member_client.get(url, {"partner": world["partner"].pk, "role": "technical"}).content.decode()
    assert "Globex rollout" not in body


def test_pipeline_list_htmx_returns_the_rows_fragment(org, world, member_client):
    response = member_client.get(reverse("attribution:list", args=[org.slug]), HTTP_HX_REQUEST="true")
    assert b"<html" not in response.content and b"Globex rollout" in response.content


def test_pipeline_list_query_count_is_bounded(org, member_client, django_assert_max_num_queries):
    partnerships = [PartnershipFactory(partner__organization=org) for _ in range(3)]
    url = reverse("attribution:list", args=[org.slug])
    for size in (2, 25):
        while Opportunity.objects.count() < size:
            opp = OpportunityFactory(organization=org)
            for p in partnerships:
                OpportunityPartnerFactory(organization=org, opportunity=opp, partnership=p)
        with django_assert_max_num_queries(14):
            assert member_client.get(url).status_code == 200


def test_add_partner_touchpoint_and_score_from_the_opportunity_page(
    org, member_client, django_capture_on_commit_callbacks
):
    opp = OpportunityFactory(organization=org)
    partnership = PartnershipFactory(partner__organization=org)
    kind = InfluenceTypeFactory(organization=org)
    base = reverse("attribution:opportunity_action", args=[org.slug, opp.pk, "partners"]).rsplit("partners/", 1)[0]
    with django_capture_on_commit_callbacks(execute=True):
        r = member_client.post(base + "partners/", {"partnership": partnership.pk, "role": "sourced"})
    assert r.status_code == 302
    r = member_client.post(
        base + "touchpoints/",
        {
            "partnership": partnership.pk,
            "influence_type": kind.pk,
            "phase": "pre_sale",
            "occurred_at": "2026-01-05T10:00",
        },
    )
    assert r.status_code == 302 and Touchpoint.objects.filter(opportunity=opp).exists()
    r = member_client.post(
        base + "scores/", {"partnership": partnership.pk, "sales_motion": 4, "value_proposition": 3, "delivery": 2}
    )
    assert r.status_code == 302
    assert OpportunityPartner.objects.get(opportunity=opp).role == "sourced"


def test_future_touchpoint_from_the_page_shows_the_error_and_saves_nothing(org, member_client):
    opp = OpportunityFactory(organization=org)
    future = (timezone.now() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    r = member_client.post(
        reverse("attribution:opportunity_action", args=[org.slug, opp.pk, "touchpoints"]),
        {
            "partnership": PartnershipFactory(partner__organization=org).pk,
            "influence_type": InfluenceTypeFactory(organization=org).pk,
            "phase": "pre_sale",
            "occurred_at": future,
        },
    )
    assert r.status_code == 400 and b"cannot be dated in the future" in r.content
    assert not Touchpoint.objects.exists()


def test_register_on_behalf_then_review_screen_shows_conflict_and_first_in_rule(org, member, member_client):
    first = PartnershipFactory(partner__organization=org, partner__name="Alpha")
    second = PartnershipFactory(partner__organization=org, partner__name="Beta")
    url = reverse("attribution:registration_create", args=[org.slug])
    data = {"customer_name": "Globex Corp", "customer_domain": "globex.com", "value": "1000", "currency": "EUR"}
    member_client.post(url, {**data, "partnership": first.pk})
    r = member_client.post(url, {**data, "partnership": second.pk}, follow=True)
    assert b"1 conflict" in r.content and b"Alpha registered" in r.content
    reg = DealRegistration.objects.get(partnership=second)
    decide = reverse("attribution:registration_decide", args=[org.slug, reg.pk, "approve"])
    r = member_client.post(decide, {"override_reason": ""})
    assert r.status_code == 400 and b"First in wins" in r.content
    r = member_client.post(decide, {"override_reason": "Beta runs the account"})
    assert r.status_code == 302
    reg.refresh_from_db()
    assert reg.status == "approved"


def test_reject_from_the_page_requires_a_reason(org, member_client):
    reg = DealRegistrationFactory(organization=org)
    url = reverse("attribution:registration_decide", args=[org.slug, reg.pk, "reject"])
    assert member_client.post(url, {"reason": ""}).status_code == 400
    assert member_client.post(url, {"reason": "Existing customer"}).status_code == 302
    reg.refresh_from_db()
    assert reg.status == "rejected"


def test_split_rule_over_100_percent_from_the_page_saves_nothing(org, admin_user, client_for):
    a, b = PartnershipFactory(partner__organization=org), PartnershipFactory(partner__organization=org)
    data = {"name": "Joint SIEM", "match_on": "joint_solution", "match_value": "Joint SIEM", "priority": 10,
            "partnership_0": a.pk, "percent_0": "70", "partnership_1": b.pk, "percent_1": "40"}  # fmt: skip
    r = client_for(admin_user).post(reverse("attribution:rule_create", args=[org.slug]), data)
    assert r.status_code == 400 and b"more than 100" in r.content
    assert not SplitRule.objects.exists()
    data["percent_1"] = "30"
    assert client_for(admin_user).post(reverse("attribution:rule_create", args=[org.slug]), data).status_code == 302
    rule = SplitRule.objects.get()
    revise = reverse("attribution:rule_revise", args=[org.slug, rule.pk])
    assert client_for(admin_user).get(revise).status_code == 200
    assert client_for(admin_user).post(revise, {"partnership_0": a.pk, "percent_0": "50"}).status_code == 302
    rule.refresh_from_db()
    assert rule.current_version == 2


def test_settings_page_saves_weights(org, admin_user, client_for):
    data = {"models_enabled": ["sourced_influenced", "linear"], "primary_model": "linear", "sourced_weight": "70",
            "influenced_weight": "30", "half_life_days": 14, "position_first": "40", "position_middle": "20",
            "position_last": "40", "protection_days": 60, "own_domains": "nimbus.example"}  # fmt: skip
    r = client_for(admin_user).post(reverse("attribution:settings", args=[org.slug]), data)
    assert r.status_code == 302
    from attribution.selectors import attribution_config

    config = attribution_config(org=org)
    assert (config.sourced_weight, config.protection_days, config.own_domains) == (
        Decimal("70"),
        60,
        ["nimbus.example"],
    )


CSV_ACCOUNTS = (
    "crm_id,name,domain,industry,region,type\nA1,Globex,globex.com,,EMEA,prospect\nA2,Hooli,hooli.com,,NAM,customer\n"
)


def test_csv_import_preview_then_commit(org, member_client, django_capture_on_commit_callbacks):
    url = reverse("attribution:import", args=[org.slug])
    r = member_client.post(url, {"kind": "accounts", "content": CSV_ACCOUNTS})
    assert r.status_code == 200 and b"2 rows ready" in r.content
    assert not AccountFactory._meta.model.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):  # the commit is a background job
        r = member_client.post(url, {"kind": "accounts", "content": CSV_ACCOUNTS, "commit": "1"})
    assert r.status_code == 302 and "/jobs/" in r.url
    assert AccountFactory._meta.model.objects.count() == 2
    assert b"2 created, 0 updated" in member_client.get(r.url).content


def test_csv_import_with_a_bad_row_saves_nothing(org, member_client):
    AccountFactory(organization=org, crm_id="A1")
    csv = "crm_id,account_crm_id,name,amount,currency\nO1,A1,Good,100,EUR\nO2,A1,Bad,-3,EUO\n"
    url = reverse("attribution:import", args=[org.slug])
    r = member_client.post(url, {"kind": "opportunities", "content": csv, "commit": "1"})
    assert r.status_code == 400 and b"Line 3" in r.content and b"Nothing was saved" in r.content
    assert not Opportunity.objects.exists()


def test_run_button_starts_a_run_and_the_status_fragment_polls(org, member_client):
    r = member_client.post(reverse("attribution:run_start", args=[org.slug]), HTTP_HX_REQUEST="true")
    assert r.status_code == 200 and b'hx-trigger="every 2s"' in r.content
    run = AttributionRun.objects.get()
    assert run.status == "queued"
    from attribution.tasks import heavy_attribution_run

    heavy_attribution_run(org.id, run.id)
    r = member_client.get(reverse("attribution:run", args=[org.slug, run.pk]), HTTP_HX_REQUEST="true")
    assert b"every 2s" not in r.content and b"Credit computed" in r.content


def test_metrics_page_renders_charts(org, world, member_client):
    won = OpportunityFactory(organization=org, status="won", closed_on=datetime.date.today(), amount=Decimal("500"))
    OpportunityPartnerFactory(organization=org, opportunity=won, partnership=world["link"].partnership, role="sourced")
    body = member_client.get(reverse("attribution:metrics", args=[org.slug])).content.decode()
    assert "plotly" in body and "Partner-attached" in body and world["partner"].name in body


def test_admin_adds_and_retires_influence_types(org, admin_user, member_client, client_for):
    from attribution.models import InfluenceType

    url = reverse("attribution:influence_type_create", args=[org.slug])
    assert member_client.post(url, {"name": "Marketplace listing"}).status_code == 403
    client = client_for(admin_user)
    assert client.post(url, {"name": "Marketplace listing"}).status_code == 302
    kind = InfluenceType.objects.get(organization=org, slug="marketplace-listing")
    client.post(reverse("attribution:influence_type_toggle", args=[org.slug, kind.pk]))
    kind.refresh_from_db()
    assert not kind.is_active
    response = client.post(url, {"name": "Marketplace listing"}, follow=True)
    assert b"already in the list" in response.content


def test_registration_inbox_query_count_is_bounded(org, member_client, django_assert_max_num_queries):
    url = reverse("attribution:registrations", args=[org.slug])
    for size in (2, 20):
        while DealRegistration.objects.count() < size:
            DealRegistrationFactory(organization=org)
        with django_assert_max_num_queries(12):
            response = member_client.get(url)
        assert response.status_code == 200
        assert response.content.count(b"/registrations/") >= size


def test_confirm_touchpoint_from_the_opportunity_page(org, member, member_client, other_org):
    touch = TouchpointFactory(organization=org)
    url = reverse("attribution:touchpoint_confirm", args=[org.slug, touch.opportunity_id, touch.pk])
    assert member_client.post(url).status_code == 302
    touch.refresh_from_db()
    assert touch.confirmed_by == member
    foreign = TouchpointFactory(organization=other_org)
    bad = reverse("attribution:touchpoint_confirm", args=[org.slug, touch.opportunity_id, foreign.pk])
    assert member_client.post(bad).status_code == 404
