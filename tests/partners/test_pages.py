import csv
import io

import pytest
from django.urls import reverse

from partners import services
from partners.models import JourneyStage, JourneyStep, Partner, PartnerType, Program, StepCompletion
from pom.models import AuditEvent
from tests.factories import (
    CertificationFactory,
    ContactFactory,
    PartnerFactory,
    PartnershipFactory,
    ProgramFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db


def url(name, org, *args):
    return reverse(f"partners:{name}", args=[org.slug, *args])


def test_partner_list_shows_partners_with_programs_tiers_and_status_counts(member_client, org):
    program = ProgramFactory(organization=org, name="Reseller")
    gold = TierFactory(program=program, name="Gold")
    PartnershipFactory(partner__organization=org, partner__name="Acme", program=program, tier=gold)
    PartnerFactory(organization=org, name="Beta", status="prospect")
    response = member_client.get(url("list", org))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Acme" in body and "Beta" in body and "Reseller · <strong>Gold</strong>" in body
    counts = {c["value"]: c["count"] for c in response.context["status_counts"]}
    assert counts["active"] == 1 and counts["prospect"] == 1


def test_partner_list_filters_by_program_status_and_search(member_client, org):
    program = ProgramFactory(organization=org)
    PartnershipFactory(partner__organization=org, partner__name="InProgram", program=program)
    PartnerFactory(organization=org, name="Outside", status="prospect")
    names = lambda r: [p.name for p in r.context["page"].object_list]  # noqa: E731
    assert names(member_client.get(url("list", org), {"program": program.pk})) == ["InProgram"]
    assert names(member_client.get(url("list", org), {"status": "prospect"})) == ["Outside"]
    assert names(member_client.get(url("list", org), {"q": "outs"})) == ["Outside"]


def test_partner_list_htmx_request_returns_only_the_results_fragment(member_client, org):
    PartnerFactory(organization=org, name="Acme")
    response = member_client.get(url("list", org), HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert "Acme" in body and "<html" not in body and 'id="f-q"' not in body


def test_partner_list_csv_export_contains_every_filtered_partner(member_client, org):
    for n in range(30):
        PartnerFactory(organization=org, name=f"Active {n:02}", status="active")
    PartnerFactory(organization=org, name="Prospect", status="prospect")
    response = member_client.get(url("export", org), {"status": "active"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][0] == "name"
    assert len(rows) == 31 and "Prospect" not in {r[0] for r in rows}


@pytest.mark.parametrize("count", [5, 40])
def test_partner_list_query_count_is_bounded(member_client, org, django_assert_max_num_queries, count):
    program = ProgramFactory(organization=org)
    tier = TierFactory(program=program)
    ptype = PartnerType.objects.create(organization=org, name="Reseller", slug="reseller")
    for _ in range(count):
        partnership = PartnershipFactory(partner__organization=org, program=program, tier=tier)
        partnership.partner.types.add(ptype, through_defaults={"organization": org})
        ContactFactory(partner=partnership.partner)
    with django_assert_max_num_queries(16):
        response = member_client.get(url("list", org), {"per_page": 50})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == count


def test_partner_create_form_saves_and_normalises_domain(member_client, org, member):
    response = member_client.post(
        url("create", org),
        {"name": "Acme", "domain": "https://www.acme.com/x", "status": "prospect", "relationship_maturity": "sales"},
    )
    partner = Partner.objects.for_org(org).get()
    assert response.status_code == 302 and partner.domain == "acme.com"


def test_partner_create_form_shows_duplicate_domain_on_the_field(member_client, org):
    PartnerFactory(organization=org, name="Acme", domain="acme.com")
    response = member_client.post(
        url("create", org),
        {"name": "Other", "domain": "ACME.com", "status": "prospect", "relationship_maturity": "sales"},
    )
    assert response.status_code == 400
    assert "already used by the partner" in response.context["form"].errors["domain"][0]
    assert Partner.objects.for_org(org).count() == 1


def test_partner_edit_form_updates_types(member_client, org, defaults):
    partner = PartnerFactory(organization=org, name="Acme")
    msp = PartnerType.objects.for_org(org).get(slug="msp")
    response = member_client.post(
        url("edit", org, partner.pk),
        {"name": "Acme GmbH", "status": "active", "relationship_maturity": "advisor", "types": [msp.pk]},
    )
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.name == "Acme GmbH" and list(partner.types.all()) == [msp]


@pytest.mark.parametrize("tab", ["overview", "partnerships", "journey", "contacts", "certifications", "activity"])
def test_partner_detail_tabs_render(member_client, org, journey, member, tab):
    partner = PartnerFactory(organization=org, name="Acme")
    services.partnership_create(org=org, actor=member, partner=partner, program=ProgramFactory(organization=org))
    ContactFactory(partner=partner, name="Jana Weber")
    CertificationFactory(partner=partner, name="Cloud Architect")
    response = member_client.get(url("tab", org, partner.pk, tab))
    assert response.status_code == 200
    assert "Acme" in response.content.decode()
    htmx = member_client.get(url("tab", org, partner.pk, tab), HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200 and "<html" not in htmx.content.decode()


def test_partner_detail_unknown_tab_is_404(member_client, org):
    partner = PartnerFactory(organization=org)
    assert member_client.get(url("tab", org, partner.pk, "nope")).status_code == 404


def test_partner_detail_shows_tabs_contributed_by_higher_apps(member_client, org, monkeypatch):
    from pom import hooks

    extra = [{"slug": "plans-x", "label": "Plans X", "order": 10, "url_name": "partners:detail"}]
    monkeypatch.setattr(hooks, "partner_tabs", lambda: extra)
    partner = PartnerFactory(organization=org)
    response = member_client.get(url("tab", org, partner.pk, "plans-x"))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Plans X" in body and f'hx-get="{url("detail", org, partner.pk)}"' in body


def test_journey_step_tick_and_stage_move_from_the_journey_tab(member_client, org, journey, member):
    partner = PartnerFactory(organization=org)
    partnership = services.partnership_create(
        org=org, actor=member, partner=partner, program=ProgramFactory(organization=org)
    )
    step = JourneyStep.objects.for_org(org).get(name="Kickoff")
    response = member_client.post(
        url("step_toggle", org, partnership.pk, step.pk), {"done": "1"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and "Kickoff" in response.content.decode()
    assert StepCompletion.objects.for_org(org).filter(partnership=partnership, step=step).exists()
    win = JourneyStage.objects.for_org(org).get(name="Win")
    response = member_client.post(url("partnership_stage", org, partnership.pk), {"stage": win.pk})
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.journey_stage == win


def test_partnership_tier_inline_rejects_tier_of_another_program(member_client, org):
    partnership = PartnershipFactory(partner__organization=org)
    other_tier = TierFactory(program=ProgramFactory(organization=org), name="Gold")
    response = member_client.post(
        url("partnership_tier", org, partnership.pk), {"tier": other_tier.pk}, HTTP_HX_REQUEST="true"
    )
    assert "not a tier of the program" in response.content.decode()
    partnership.refresh_from_db()
    assert partnership.tier is None


def test_partnership_tier_inline_sets_tier(member_client, org):
    partnership = PartnershipFactory(partner__organization=org)
    gold = TierFactory(program=partnership.program, name="Gold")
    member_client.post(url("partnership_tier", org, partnership.pk), {"tier": gold.pk}, HTTP_HX_REQUEST="true")
    partnership.refresh_from_db()
    assert partnership.tier == gold


def test_inline_status_edit_returns_the_field_and_audits(member_client, org):
    partner = PartnerFactory(organization=org, status="prospect")
    response = member_client.post(
        url("inline", org, partner.pk), {"field": "status", "value": "at_risk"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 200 and 'value="at_risk" selected' in response.content.decode()
    partner.refresh_from_db()
    assert partner.status == "at_risk"
    assert AuditEvent.objects.for_org(org).filter(object_type="partners.partner", action="update").exists()


def test_add_contact_with_bad_email_shows_error_and_saves_nothing(member_client, org):
    partner = PartnerFactory(organization=org)
    response = member_client.post(
        url("contact_create", org, partner.pk), {"name": "Jo", "email": "not-an-email", "role": "sales"}
    )
    assert response.status_code == 400
    assert "Enter a valid email address" in response.content.decode()
    assert partner.contacts.count() == 0


def test_add_partnership_and_certification_from_tabs(member_client, org, journey):
    partner = PartnerFactory(organization=org)
    program = ProgramFactory(organization=org)
    tier = TierFactory(program=program)
    response = member_client.post(
        url("partnership_create", org, partner.pk), {"program": program.pk, "tier": tier.pk, "status": "active"}
    )
    assert response.status_code == 302
    assert partner.partnerships.get().tier == tier
    response = member_client.post(
        url("certification_create", org, partner.pk),
        {"name": "Architect", "issued_on": "2026-01-10", "expires_on": "2027-01-10"},
    )
    assert response.status_code == 302 and partner.certifications.get().name == "Architect"


def test_program_pages_show_tier_table_and_partnerships(member_client, org):
    program = ProgramFactory(organization=org, name="Reseller", rate=20)
    TierFactory(program=program, name="Gold", benefits=["Co-marketing funds"], required_points=500)
    PartnershipFactory(partner__organization=org, partner__name="Acme", program=program)
    assert "Reseller" in member_client.get(url("program_list", org)).content.decode()
    body = member_client.get(url("program_detail", org, program.pk)).content.decode()
    assert "Gold" in body and "Co-marketing funds" in body and "500 points" in body and "Acme" in body


def test_program_create_and_tier_create_through_pages(member_client, org):
    response = member_client.post(
        url("program_create", org),
        {
            "name": "Referral",
            "kind": "referral",
            "compensation_model": "fixed_fee",
            "rate": "1000",
            "currency": "EUR",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    program = Program.objects.for_org(org).get()
    response = member_client.post(
        url("tier_create", org, program.pk),
        {
            "name": "Silver",
            "benefits": "A\nB",
            "revenue_period_months": 12,
            "required_certifications": 0,
            "required_points": 0,
        },
    )
    assert response.status_code == 302
    assert program.tiers.get().benefits == ["A", "B"]


def test_taxonomy_page_lets_admin_add_a_type(client_for, org, admin_user, defaults):
    client = client_for(admin_user)
    assert client.get(url("taxonomy", org)).status_code == 200
    response = client.post(url("taxonomy", org), {"kind": "type", "name": "OEM"})
    assert response.status_code == 302
    assert PartnerType.objects.for_org(org).filter(slug="oem").exists()


def test_certifications_page_lists_expiring_and_expired(member_client, org):
    import datetime

    today = datetime.date.today()
    CertificationFactory(partner__organization=org, name="Soon", expires_on=today + datetime.timedelta(days=10))
    CertificationFactory(partner__organization=org, name="Gone", expires_on=today - datetime.timedelta(days=10))
    body = member_client.get(url("certifications", org)).content.decode()
    assert "Soon" in body and "Gone" in body


def test_partner_edit_form_uploads_a_logo(member_client, org):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    partner = PartnerFactory(organization=org, name="Acme")
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "purple").save(buffer, format="PNG")
    logo = SimpleUploadedFile("acme.png", buffer.getvalue(), content_type="image/png")
    data = {"name": "Acme", "status": "active", "relationship_maturity": "sales", "logo": logo}
    response = member_client.post(url("edit", org, partner.pk), data)
    assert response.status_code == 302
    partner.refresh_from_db()
    assert partner.logo.name.startswith("partner-logos/acme")
    event = AuditEvent.objects.for_org(org).filter(object_id=str(partner.pk), action="update").latest("created_at")
    assert event.changes["logo"][1].startswith("partner-logos/acme")
    assert 'class="partner-logo"' in member_client.get(url("detail", org, partner.pk)).content.decode()
    served = member_client.get(url("logo", org, partner.pk))
    assert served.status_code == 200 and b"".join(served.streaming_content) == buffer.getvalue()


@pytest.mark.parametrize("count", [2, 12])
def test_partner_detail_overview_query_count_does_not_grow_with_children(
    member_client, org, journey, member, django_assert_max_num_queries, count
):
    partner = PartnerFactory(organization=org)
    for _ in range(count):
        ContactFactory(partner=partner)
        CertificationFactory(partner=partner)
    for _ in range(2):
        services.partnership_create(org=org, actor=member, partner=partner, program=ProgramFactory(organization=org))
    with django_assert_max_num_queries(16):
        response = member_client.get(url("detail", org, partner.pk))
    assert response.status_code == 200


def test_admin_deletes_partner_with_its_children_and_the_trail_keeps_it(client_for, org, admin_user):
    partner = PartnerFactory(organization=org, name="Gone Ltd")
    ContactFactory(partner=partner)
    response = client_for(admin_user).post(url("delete", org, partner.pk))
    assert response.status_code == 302 and response.url == url("list", org)
    assert not Partner.objects.for_org(org).exists()
    assert AuditEvent.objects.for_org(org).filter(action="delete", object_repr="Gone Ltd").exists()


def test_partner_list_sorts_by_furthest_stage_with_unstarted_partners_last(member_client, org, journey):
    stages = {s.name: s for s in JourneyStage.objects.for_org(org)}
    PartnerFactory(organization=org, name="Nowhere")
    PartnerFactory(organization=org, name="Onboarding", journey_stage=stages["Onboard"])
    PartnerFactory(organization=org, name="Winning", journey_stage=stages["Win"])
    response = member_client.get(url("list", org), {"sort": "-stage"})
    assert [p.name for p in response.context["page"].object_list] == ["Winning", "Onboarding", "Nowhere"]


def test_admin_edits_the_journey_from_the_taxonomy_page(client_for, org, admin_user, journey, member):
    client = client_for(admin_user)
    win = JourneyStage.objects.for_org(org).get(name="Win")
    client.post(url("journey_edit", org), {"action": "stage_rename", "stage": win.pk, "name": "Win together"})
    client.post(url("journey_edit", org), {"action": "step_add", "stage": win.pk, "name": "Joint pitch"})
    client.post(url("journey_edit", org), {"action": "stage_add", "template": journey.pk, "name": "Renew"})
    win.refresh_from_db()
    assert win.name == "Win together"
    assert list(win.steps.order_by("order").values_list("name", flat=True))[-1] == "Joint pitch"
    assert journey.stages.order_by("order").last().name == "Renew"
    body = client.get(url("taxonomy", org)).content.decode()
    assert "Win together" in body and "Joint pitch" in body


def test_stage_with_partnerships_in_it_cannot_be_deleted(client_for, org, admin_user, journey, member):
    partnership = services.partnership_create(
        org=org, actor=member, partner=PartnerFactory(organization=org), program=ProgramFactory(organization=org)
    )
    client_for(admin_user).post(
        url("journey_edit", org), {"action": "stage_delete", "stage": partnership.current_stage_id}
    )
    assert JourneyStage.objects.for_org(org).filter(pk=partnership.current_stage_id).exists()
