import pytest
from django.core.exceptions import ValidationError

from partners import program_services, selectors, services, setup_services
from partners.defaults import org_defaults
from partners.models import (
    Archetype,
    JourneyStage,
    JourneyStep,
    JourneyTemplate,
    Partner,
    PartnerType,
    Segment,
    StageEntry,
)
from pom.models import AuditEvent
from tests.factories import PartnerFactory, PartnershipFactory, ProgramFactory, TierFactory

pytestmark = pytest.mark.django_db


def test_org_defaults_seed_taxonomy_and_six_stage_journey_idempotently(org):
    org_defaults(org=org)
    org_defaults(org=org)
    assert PartnerType.objects.for_org(org).count() == 10
    assert Archetype.objects.for_org(org).count() == 4
    assert Segment.objects.for_org(org).count() == 2
    template = JourneyTemplate.objects.for_org(org).get(is_default=True)
    assert [s.name for s in template.stages.order_by("order")] == [
        "Onboard",
        "Develop",
        "Win",
        "Deliver",
        "Expand",
        "Retain",
    ]
    assert JourneyStep.objects.for_org(org).count() == 21  # PRODUCT.md lists 21 step names


def test_partner_create_normalises_domain_sets_types_and_audits(defaults, member):
    types = list(PartnerType.objects.for_org(defaults).filter(slug__in=["reseller", "msp"]))
    partner = services.partner_create(
        org=defaults, actor=member, name=" Acme ", domain="https://www.Acme.com/about", types=types, owner=member
    )
    assert partner.name == "Acme"
    assert partner.domain == "acme.com"
    assert set(partner.types.values_list("slug", flat=True)) == {"reseller", "msp"}
    event = AuditEvent.objects.for_org(defaults).get(object_type="partners.partner", object_id=str(partner.pk))
    assert event.action == "create" and event.actor_user == member


def test_partner_create_rejects_duplicate_domain_with_a_clear_message(org, member):
    PartnerFactory(organization=org, name="Acme", domain="acme.com")
    with pytest.raises(ValidationError) as excinfo:
        services.partner_create(org=org, actor=member, name="Acme again", domain="http://www.ACME.com")
    assert "already used by the partner “Acme”" in excinfo.value.message_dict["domain"][0]
    assert Partner.objects.for_org(org).count() == 1


def test_partner_same_domain_in_another_org_is_allowed(org, other_org, member):
    PartnerFactory(organization=other_org, domain="acme.com")
    partner = services.partner_create(org=org, actor=member, name="Acme", domain="acme.com")
    assert partner.pk


def test_partner_create_rejects_owner_who_is_not_a_member(org, member, other_member):
    with pytest.raises(ValidationError) as excinfo:
        services.partner_create(org=org, actor=member, name="Acme", owner=other_member)
    assert "owner" in excinfo.value.message_dict


def test_partner_update_audits_changed_fields_only(org, member):
    partner = PartnerFactory(organization=org, status="prospect")
    services.partner_update(org=org, actor=member, partner=partner, data={"status": "active", "name": partner.name})
    event = AuditEvent.objects.for_org(org).filter(object_type="partners.partner", action="update").get()
    assert event.changes == {"status": ["prospect", "active"]}


def test_partner_update_rejects_domain_of_another_partner(org, member):
    PartnerFactory(organization=org, domain="taken.com")
    partner = PartnerFactory(organization=org, domain="mine.com")
    with pytest.raises(ValidationError):
        services.partner_update(org=org, actor=member, partner=partner, data={"domain": "www.taken.com"})
    partner.refresh_from_db()
    assert partner.domain == "mine.com"


def test_partnership_create_starts_on_first_stage_and_emits_hook(journey, member, monkeypatch):
    org = journey.organization
    events = []
    real_emit = services.hooks.emit

    def spy(event, **payload):  # records the call and lets the real hook run (workspaces react to it)
        events.append((event, payload))
        real_emit(event, **payload)

    monkeypatch.setattr(services.hooks, "emit", spy)
    partner = PartnerFactory(organization=org)
    program = ProgramFactory(organization=org)
    partnership = services.partnership_create(org=org, actor=member, partner=partner, program=program)
    assert partnership.journey_template == journey
    assert partnership.current_stage.name == "Onboard"
    assert StageEntry.objects.for_org(org).filter(partnership=partnership).count() == 1
    partner.refresh_from_db()
    assert partner.journey_stage.name == "Onboard"
    assert events[0][0] == "partnership.created" and events[0][1]["partnership"] == partnership


def test_partnership_create_rejects_tier_from_another_program(org, member):
    program, other_program = ProgramFactory(organization=org), ProgramFactory(organization=org)
    tier = TierFactory(program=other_program, name="Gold")
    with pytest.raises(ValidationError) as excinfo:
        services.partnership_create(
            org=org, actor=member, partner=PartnerFactory(organization=org), program=program, tier=tier
        )
    assert "not a tier of the program" in excinfo.value.message_dict["tier"][0]


def test_partnership_create_rejects_second_membership_of_same_program(journey, member):
    org = journey.organization
    partnership = PartnershipFactory(organization=org, partner__organization=org)
    with pytest.raises(ValidationError):
        services.partnership_create(org=org, actor=member, partner=partnership.partner, program=partnership.program)


def test_partnership_set_tier_changes_tier_and_audits(org, member):
    program = ProgramFactory(organization=org)
    silver, gold = TierFactory(program=program, name="Silver"), TierFactory(program=program, name="Gold")
    partnership = PartnershipFactory(partner__organization=org, program=program, tier=silver)
    services.partnership_set_tier(org=org, actor=member, partnership=partnership, tier=gold)
    partnership.refresh_from_db()
    assert partnership.tier == gold
    event = AuditEvent.objects.for_org(org).get(verb="tier changed")
    assert event.changes == {"tier": ["Silver", "Gold"]}


def test_partnership_set_tier_rejects_tier_of_another_program(org, member):
    partnership = PartnershipFactory(partner__organization=org)
    foreign_tier = TierFactory(program=ProgramFactory(organization=org))
    with pytest.raises(ValidationError):
        services.partnership_set_tier(org=org, actor=member, partnership=partnership, tier=foreign_tier)


def _partnership(journey, member, **kwargs):
    org = journey.organization
    return services.partnership_create(
        org=org,
        actor=member,
        partner=kwargs.pop("partner", None) or PartnerFactory(organization=org),
        program=ProgramFactory(organization=org),
        **kwargs,
    )


def test_move_stage_keeps_history_audits_and_sets_partner_to_furthest_stage(journey, member):
    org = journey.organization
    stages = {s.name: s for s in JourneyStage.objects.for_org(org)}
    first = _partnership(journey, member)
    second = _partnership(journey, member, partner=first.partner)
    services.partnership_move_stage(org=org, actor=member, partnership=first, stage=stages["Win"])
    services.partnership_move_stage(org=org, actor=member, partnership=second, stage=stages["Develop"])
    first.partner.refresh_from_db()
    assert first.partner.journey_stage == stages["Win"]
    assert list(first.stage_entries.values_list("stage__name", flat=True)) == ["Onboard", "Win"]
    assert AuditEvent.objects.for_org(org).filter(verb="stage moved").count() == 2
    services.partnership_move_stage(org=org, actor=member, partnership=first, stage=stages["Onboard"])
    first.partner.refresh_from_db()
    assert first.partner.journey_stage == stages["Develop"]


def test_move_stage_rejects_stage_of_another_template(journey, member):
    org = journey.organization
    partnership = _partnership(journey, member)
    other = JourneyTemplate.objects.create(organization=org, name="Other")
    stage = JourneyStage.objects.create(organization=org, template=other, name="Elsewhere", order=1)
    with pytest.raises(ValidationError):
        services.partnership_move_stage(org=org, actor=member, partnership=partnership, stage=stage)


def test_step_complete_records_who_and_when_and_uncomplete_reopens(journey, member):
    org = journey.organization
    partnership = _partnership(journey, member)
    step = JourneyStep.objects.for_org(org).get(name="Kickoff")
    services.step_complete(org=org, actor=member, partnership=partnership, step=step)
    services.step_complete(org=org, actor=member, partnership=partnership, step=step)  # twice: no change
    progress = selectors.journey_progress(partnership=partnership)
    onboard = progress["stages"][0]
    assert onboard["state"] == "current"
    assert onboard["steps"][0]["done"] and onboard["steps"][0]["completed_by"] == member
    assert progress["done"] == 1 and progress["total"] == 21
    services.step_uncomplete(org=org, actor=member, partnership=partnership, step=step)
    assert selectors.journey_progress(partnership=partnership)["done"] == 0
    verbs = list(AuditEvent.objects.for_org(org).filter(action="action").values_list("verb", flat=True))
    assert sorted(verbs) == ["step completed", "step reopened"]


def test_certification_expiry_selectors(org, member):
    import datetime

    today = datetime.date.today()
    partner = PartnerFactory(organization=org)
    expired = services.certification_create(
        org=org,
        actor=member,
        partner=partner,
        name="Old",
        issued_on=today.replace(year=today.year - 2),
        expires_on=today - datetime.timedelta(days=1),
    )
    soon = services.certification_create(
        org=org,
        actor=member,
        partner=partner,
        name="Soon",
        issued_on=today - datetime.timedelta(days=300),
        expires_on=today + datetime.timedelta(days=30),
    )
    services.certification_create(
        org=org,
        actor=member,
        partner=partner,
        name="Later",
        issued_on=today,
        expires_on=today + datetime.timedelta(days=200),
    )
    assert list(selectors.certifications_expired(org=org)) == [expired]
    assert list(selectors.certifications_expiring(org=org)) == [soon]
    states = {c.name: c.state for c in selectors.certification_list(org=org, partner=partner)}
    assert states == {"Old": "expired", "Soon": "expiring", "Later": "valid"}


def test_certification_rejects_expiry_before_issue(org, member):
    import datetime

    with pytest.raises(ValidationError) as excinfo:
        services.certification_create(
            org=org,
            actor=member,
            partner=PartnerFactory(organization=org),
            name="X",
            issued_on=datetime.date(2026, 5, 1),
            expires_on=datetime.date(2026, 4, 1),
        )
    assert "expires_on" in excinfo.value.message_dict


def test_program_percent_rate_must_be_within_0_and_100(org, member):
    with pytest.raises(ValidationError) as excinfo:
        program_services.program_create(
            org=org, actor=member, name="Resell", kind="reseller", compensation_model="percent", rate=120
        )
    assert "rate" in excinfo.value.message_dict


def test_tier_create_ranks_after_highest_and_rejects_duplicate_name(org, member):
    program = program_services.program_create(org=org, actor=member, name="Resell", kind="reseller")
    bronze = program_services.tier_create(
        org=org, actor=member, program=program, name="Bronze", benefits="Logo\n\nLeads"
    )
    silver = program_services.tier_create(org=org, actor=member, program=program, name="Silver")
    assert (bronze.rank, silver.rank) == (1, 2)
    assert bronze.benefits == ["Logo", "Leads"]
    with pytest.raises(ValidationError):
        program_services.tier_create(org=org, actor=member, program=program, name="silver")


def test_program_delete_refused_while_partnerships_exist(org, member):
    partnership = PartnershipFactory(partner__organization=org)
    with pytest.raises(ValidationError):
        program_services.program_delete(org=org, actor=member, program=partnership.program)


def test_taxonomy_term_create_and_duplicate(org, admin_user):
    term = setup_services.taxonomy_term_create(org=org, actor=admin_user, kind="type", name="OEM")
    assert term.slug == "oem"
    with pytest.raises(ValidationError):
        setup_services.taxonomy_term_create(org=org, actor=admin_user, kind="type", name="oem")


def test_new_organization_gets_partner_defaults_through_the_hook(member):
    from pom import services as pom_services

    org = pom_services.organization_create(user=member, name="Fresh Vendor")
    assert PartnerType.objects.for_org(org).filter(slug="cloud-marketplace").exists()
    assert JourneyTemplate.objects.for_org(org).get(is_default=True).stages.count() == 6


def test_program_update_audits_the_fields_that_changed(org, member):
    program = ProgramFactory(organization=org, name="Resell", rate=20, description="")
    program.refresh_from_db()
    program_services.program_update(
        org=org, actor=member, program=program, data={"name": "Resell EMEA", "rate": 25, "description": "EMEA"}
    )
    event = AuditEvent.objects.for_org(org).get(object_type="partners.program", action="update")
    assert event.changes == {
        "name": ["Resell", "Resell EMEA"],
        "rate": ["20.00", "25"],
        "description": ["", "EMEA"],
    }
    assert event.actor_user == member


def test_program_update_refused_leaves_the_program_unchanged(org, member):
    program = ProgramFactory(organization=org, compensation_model="percent", rate=20)
    with pytest.raises(ValidationError):
        program_services.program_update(org=org, actor=member, program=program, data={"rate": 120})
    program.refresh_from_db()
    assert program.rate == 20
    assert not AuditEvent.objects.for_org(org).filter(object_type="partners.program", action="update").exists()
