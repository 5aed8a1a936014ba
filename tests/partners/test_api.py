import pytest
from django.urls import reverse

from partners.models import JourneyStage, JourneyStep, Partner, PartnerType
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


def api(name, org, *args):
    return reverse(f"partners-api:{name}", args=[org.slug, *args])


def test_partner_api_crud_through_services(api_client, org, defaults, member):
    reseller = PartnerType.objects.for_org(org).get(slug="reseller")
    response = api_client.post(
        api("partner-list", org),
        {"name": "Acme", "domain": "https://www.Acme.com/", "types": ["reseller"], "owner": member.pk},
        format="json",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["domain"] == "acme.com" and body["types"] == ["reseller"] and body["owner_email"] == member.email
    pk = body["id"]
    response = api_client.patch(api("partner-detail", org, pk), {"status": "at_risk"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "at_risk"
    assert api_client.get(api("partner-detail", org, pk)).json()["name"] == "Acme"
    assert list(Partner.objects.for_org(org).get(pk=pk).types.all()) == [reseller]
    assert api_client.delete(api("partner-detail", org, pk)).status_code == 204
    assert not Partner.objects.for_org(org).exists()
    actions = set(
        AuditEvent.objects.for_org(org).filter(object_type="partners.partner").values_list("action", flat=True)
    )
    assert actions == {"create", "update", "delete"}


def test_partner_api_duplicate_domain_is_400_naming_the_field(api_client, org):
    PartnerFactory(organization=org, name="Acme", domain="acme.com")
    response = api_client.post(api("partner-list", org), {"name": "X", "domain": "acme.com"}, format="json")
    assert response.status_code == 400
    assert "domain" in response.json()["errors"]


def test_partner_api_unknown_type_is_400(api_client, org, defaults):
    response = api_client.post(api("partner-list", org), {"name": "X", "types": ["astronaut"]}, format="json")
    assert response.status_code == 400 and "types" in response.json()["errors"]


def test_partner_api_filters_match_the_list_page(api_client, org):
    program = ProgramFactory(organization=org)
    tier = TierFactory(program=program)
    PartnershipFactory(partner__organization=org, partner__name="Gold one", program=program, tier=tier)
    PartnerFactory(organization=org, name="Prospect", status="prospect", region="NAM")
    names = lambda r: [p["name"] for p in r.json()["results"]]  # noqa: E731
    assert names(api_client.get(api("partner-list", org), {"tier": tier.pk})) == ["Gold one"]
    assert names(api_client.get(api("partner-list", org), {"program": program.pk})) == ["Gold one"]
    assert names(api_client.get(api("partner-list", org), {"status": "prospect", "region": "NAM"})) == ["Prospect"]
    assert names(api_client.get(api("partner-list", org), {"q": "gold"})) == ["Gold one"]
    assert names(api_client.get(api("partner-list", org), {"ordering": "-name"})) == ["Prospect", "Gold one"]
    assert api_client.get(api("partner-list", org), {"status": "bogus"}).status_code == 400


@pytest.mark.parametrize("count", [5, 40])
def test_partner_api_list_query_count_is_bounded(api_client, org, django_assert_max_num_queries, count):
    program = ProgramFactory(organization=org)
    tier = TierFactory(program=program)
    ptype = PartnerType.objects.create(organization=org, name="Reseller", slug="reseller")
    for _ in range(count):
        partnership = PartnershipFactory(partner__organization=org, program=program, tier=tier)
        partnership.partner.types.add(ptype, through_defaults={"organization": org})
    with django_assert_max_num_queries(8):
        response = api_client.get(api("partner-list", org), {"page_size": 100})
    assert response.status_code == 200 and response.json()["count"] == count


def test_partnership_api_rejects_tier_from_another_program(api_client, org):
    partner, program = PartnerFactory(organization=org), ProgramFactory(organization=org)
    foreign_tier = TierFactory(program=ProgramFactory(organization=org))
    response = api_client.post(
        api("partnership-list", org),
        {"partner": partner.pk, "program": program.pk, "tier": foreign_tier.pk},
        format="json",
    )
    assert response.status_code == 400 and "tier" in response.json()["errors"]


def test_partnership_api_rejects_partner_of_another_org(api_client, org, other_org):
    response = api_client.post(
        api("partnership-list", org),
        {"partner": PartnerFactory(organization=other_org).pk, "program": ProgramFactory(organization=org).pk},
        format="json",
    )
    assert response.status_code == 400 and "partner" in response.json()["errors"]


def test_partnership_api_journey_actions(api_client, org, journey):
    partner, program = PartnerFactory(organization=org), ProgramFactory(organization=org)
    tier = TierFactory(program=program, name="Silver")
    created = api_client.post(
        api("partnership-list", org), {"partner": partner.pk, "program": program.pk, "tier": tier.pk}, format="json"
    ).json()
    assert created["current_stage_name"] == "Onboard" and created["tier_name"] == "Silver"
    pk = created["id"]
    step = JourneyStep.objects.for_org(org).get(name="Kickoff")
    progress = api_client.post(api("partnership-complete-step", org, pk), {"step": step.pk}, format="json").json()
    assert progress["done"] == 1 and progress["stages"][0]["steps"][0]["done"] is True
    develop = JourneyStage.objects.for_org(org).get(name="Develop")
    progress = api_client.post(api("partnership-move-stage", org, pk), {"stage": develop.pk}, format="json").json()
    assert progress["current_stage_name"] == "Develop"
    assert [s["state"] for s in progress["stages"]][:3] == ["done", "current", "upcoming"]
    progress = api_client.post(
        api("partnership-complete-step", org, pk), {"step": step.pk, "done": False}, format="json"
    ).json()
    assert progress["done"] == 0
    assert api_client.get(api("partnership-journey", org, pk)).json()["total"] == 21
    gold = TierFactory(program=program, name="Gold")
    response = api_client.patch(api("partnership-detail", org, pk), {"tier": gold.pk}, format="json")
    assert response.status_code == 200 and response.json()["tier_name"] == "Gold"
    assert AuditEvent.objects.for_org(org).filter(verb="tier changed").exists()


def test_partnership_api_update_rejects_tier_of_another_program(api_client, org):
    partnership = PartnershipFactory(partner__organization=org)
    foreign_tier = TierFactory(program=ProgramFactory(organization=org))
    response = api_client.patch(
        api("partnership-detail", org, partnership.pk), {"tier": foreign_tier.pk}, format="json"
    )
    assert response.status_code == 400 and "tier" in response.json()["errors"]


def test_contact_program_tier_certification_api_crud(api_client, org):
    partner = PartnerFactory(organization=org)
    contact = api_client.post(
        api("contact-list", org), {"partner": partner.pk, "name": "Jana", "email": "JANA@acme.com"}, format="json"
    )
    assert contact.status_code == 201 and contact.json()["email"] == "jana@acme.com"
    bad = api_client.post(
        api("contact-list", org), {"partner": partner.pk, "name": "X", "email": "nope"}, format="json"
    )
    assert bad.status_code == 400 and "email" in bad.json()["errors"]
    program = api_client.post(
        api("program-list", org),
        {"name": "Referral", "kind": "referral", "compensation_model": "fixed_fee", "rate": "1000.00"},
        format="json",
    )
    assert program.status_code == 201
    tier = api_client.post(
        api("tier-list", org), {"program": program.json()["id"], "name": "Gold", "benefits": ["MDF"]}, format="json"
    )
    assert tier.status_code == 201 and tier.json()["rank"] == 1
    assert api_client.get(api("program-detail", org, program.json()["id"])).json()["tiers"][0]["name"] == "Gold"
    cert = api_client.post(
        api("certification-list", org),
        {"partner": partner.pk, "name": "Architect", "issued_on": "2026-01-01", "expires_on": "2026-01-02"},
        format="json",
    )
    assert cert.status_code == 201 and cert.json()["state"] == "expired"
    bad_date = api_client.post(
        api("certification-list", org), {"partner": partner.pk, "name": "X", "issued_on": "01/02/2026"}, format="json"
    )
    assert bad_date.status_code == 400 and "issued_on" in bad_date.json()["errors"]


def test_certification_api_filters_by_state(api_client, org):
    import datetime

    today = datetime.date.today()
    CertificationFactory(partner__organization=org, name="Old", expires_on=today - datetime.timedelta(days=3))
    CertificationFactory(partner__organization=org, name="Soon", expires_on=today + datetime.timedelta(days=3))
    response = api_client.get(api("certification-list", org), {"state": "expiring"})
    assert [c["name"] for c in response.json()["results"]] == ["Soon"]


def test_journey_templates_api_lists_stages_and_steps(api_client, org, journey):
    body = api_client.get(api("journey-template-list", org)).json()
    assert body["results"][0]["is_default"] is True
    assert [s["name"] for s in body["results"][0]["stages"]][0] == "Onboard"


def test_bulk_upsert_creates_and_updates_keyed_by_domain(api_client, org, defaults):
    PartnerFactory(organization=org, name="Acme old", domain="acme.com", status="prospect")
    items = [
        {"name": "Acme", "domain": "https://www.acme.com", "status": "active", "types": ["reseller"]},
        {"name": "Beta", "domain": "beta.io", "contact_name": "Bo", "contact_email": "bo@beta.io"},
    ]
    response = api_client.post(api("partner-bulk-upsert", org), items, format="json")
    assert response.status_code == 200, response.json()
    assert response.json() == {"created": 1, "updated": 1}
    acme = Partner.objects.for_org(org).get(domain="acme.com")
    assert acme.name == "Acme" and acme.status == "active"
    again = api_client.post(api("partner-bulk-upsert", org), {"partners": items}, format="json")
    assert again.json() == {"created": 0, "updated": 2}
    assert Partner.objects.for_org(org).count() == 2
    assert Partner.objects.for_org(org).get(domain="beta.io").contacts.count() == 1


def test_bulk_upsert_reports_errors_per_index_and_saves_nothing(api_client, org, defaults):
    items = [
        {"name": "Good", "domain": "good.com"},
        {"name": "Bad type", "domain": "bad.com", "types": ["astronaut"]},
        {"name": "Dup", "domain": "www.good.com"},
        {"name": "", "domain": "noname.com", "contact_email": "nope"},
    ]
    response = api_client.post(api("partner-bulk-upsert", org), items, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {"1", "2", "3"}
    assert "types" in errors["1"] and "domain" in errors["2"]
    assert {"name", "contact_email"} <= set(errors["3"])
    assert not Partner.objects.for_org(org).exists()


def test_contact_api_lists_only_the_orgs_contacts(api_client, org, other_org):
    ContactFactory(partner__organization=org, name="Mine")
    ContactFactory(partner__organization=other_org, name="Theirs")
    assert [c["name"] for c in api_client.get(api("contact-list", org)).json()["results"]] == ["Mine"]


def test_api_key_with_read_scope_cannot_write(api_key_client, org):
    client = api_key_client("read")
    assert client.get(api("partner-list", org)).status_code == 200
    assert client.post(api("partner-list", org), {"name": "X"}, format="json").status_code == 403


def test_api_key_with_write_scope_creates_partner_audited_as_key(api_key_client, org):
    response = api_key_client("write").post(api("partner-list", org), {"name": "Via key"}, format="json")
    assert response.status_code == 201
    event = AuditEvent.objects.for_org(org).get(object_type="partners.partner")
    assert event.actor_api_key is not None


def test_partner_create_answers_its_result_whatever_the_list_filters_in_the_url(api_client, org):
    """The output re-read ignores the request's filters: `?status=inactive` does not hide the new row."""
    response = api_client.post(
        api("partner-list", org) + "?status=inactive&q=zzz", {"name": "Acme", "status": "active"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["name"] == "Acme" and response.json()["status"] == "active"
    assert Partner.objects.for_org(org).get().name == "Acme"


def test_partner_update_answers_its_result_when_it_leaves_the_filtered_set(api_client, org):
    partner = PartnerFactory(organization=org, name="Acme", status="active")
    response = api_client.patch(
        api("partner-detail", org, partner.pk) + "?status=active", {"status": "inactive"}, format="json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "inactive"
