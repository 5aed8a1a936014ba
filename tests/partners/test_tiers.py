"""Tier reviews: requirement-by-requirement proposals, applying them, grace before a downgrade."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from attribution.models import AttributionRun, CreditAllocation
from partners import program_services, tiers
from partners.models import PointEntry, TierMove
from pom.models import AuditEvent
from tests.factories import (
    CertificationFactory,
    OpportunityFactory,
    PartnershipFactory,
    ProgramFactory,
    TierFactory,
)

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 30)


@pytest.fixture
def program(org):
    program = ProgramFactory(organization=org, currency="EUR", downgrade_grace_days=60)
    TierFactory(program=program, name="Registered", rank=1)
    TierFactory(program=program, name="Silver", rank=2, required_points=500, required_certifications=1)
    TierFactory(
        program=program,
        name="Gold",
        rank=3,
        required_points=1000,
        required_certifications=2,
        required_revenue=Decimal("100000"),
        required_references=1,
    )
    return program


def _tier(program, name):
    return program.tiers.get(name=name)


def _give_points(org, partnership, amount, on=TODAY):
    PointEntry.objects.create(
        organization=org,
        partnership=partnership,
        kind="award",
        status="approved",
        points=amount,
        occurred_on=on,
        source_key=f"test:{amount}:{on}",
    )


def _credit(org, partnership, amount, currency="EUR", closed_on=TODAY):
    run = AttributionRun.objects.for_org(org).filter(status="done").first() or AttributionRun.objects.create(
        organization=org, status="done"
    )
    opp = OpportunityFactory(organization=org, status="won", closed_on=closed_on, amount=amount, currency=currency)
    CreditAllocation.objects.create(
        organization=org,
        opportunity=opp,
        partnership=partnership,
        model="sourced_influenced",
        amount=amount,
        currency=currency,
        run=run,
    )


def test_review_proposes_an_upgrade_with_every_requirement(org, program):
    partnership = PartnershipFactory(organization=org, program=program, tier=_tier(program, "Registered"))
    _give_points(org, partnership, 1200)
    CertificationFactory(partner=partnership.partner, organization=org, issued_on=TODAY - datetime.timedelta(30))
    counts = tiers.tier_evaluation(org=org, today=TODAY)
    assert counts["proposed"] == 1
    move = TierMove.objects.for_org(org).get()
    assert (move.direction, move.to_tier.name, move.status) == ("upgrade", "Silver", "proposed")
    reasons = {r["label"]: r for r in move.reasons}
    assert reasons["Silver: Points"]["met"] and reasons["Silver: Points"]["why"] == "1200 of 500 points"
    # Gold is the next tier: its unmet requirements say what is missing.
    assert not reasons["Gold: Certifications"]["met"] and reasons["Gold: Certifications"]["actual"] == "1"
    assert "0.00 of 100,000.00 EUR" in reasons["Gold: Revenue"]["why"]
    # Running the review again does not duplicate the proposal.
    assert tiers.tier_evaluation(org=org, today=TODAY)["proposed"] == 0
    assert TierMove.objects.for_org(org).count() == 1


def test_revenue_counts_credit_in_the_program_currency_and_period(org, program):
    partnership = PartnershipFactory(
        organization=org, program=program, tier=_tier(program, "Silver"), customer_references=1
    )
    _give_points(org, partnership, 1500)
    for _ in range(2):
        CertificationFactory(partner=partnership.partner, organization=org, issued_on=TODAY - datetime.timedelta(10))
    _credit(org, partnership, Decimal("60000"))
    _credit(org, partnership, Decimal("50000"), currency="USD")  # not counted: no currency conversion
    _credit(org, partnership, Decimal("90000"), closed_on=TODAY - datetime.timedelta(days=400))  # too old
    tiers.tier_evaluation(org=org, today=TODAY)
    assert not TierMove.objects.for_org(org).exists()
    _credit(org, partnership, Decimal("40000"))
    tiers.tier_evaluation(org=org, today=TODAY)
    move = TierMove.objects.for_org(org).get()
    assert move.to_tier.name == "Gold"
    revenue = next(r for r in move.reasons if r["label"] == "Gold: Revenue")
    assert revenue["actual"] == "100000.00" and "50,000.00 USD" in revenue["why"]


def test_applying_moves_the_partnership_audits_and_cannot_apply_twice(org, member, program):
    partnership = PartnershipFactory(organization=org, program=program, tier=_tier(program, "Registered"))
    _give_points(org, partnership, 600)
    CertificationFactory(partner=partnership.partner, organization=org, issued_on=TODAY)
    tiers.tier_evaluation(org=org, today=TODAY)
    move = TierMove.objects.for_org(org).get()
    tiers.tier_move_apply(org=org, actor=member, move=move, effective_on=TODAY)
    partnership.refresh_from_db()
    assert partnership.tier.name == "Silver" and partnership.tier_since == TODAY
    assert AuditEvent.objects.filter(organization=org, verb="tier changed", object_id=str(partnership.pk)).exists()
    with pytest.raises(ValidationError):
        tiers.tier_move_apply(org=org, actor=member, move=move)


def test_downgrade_waits_for_the_grace_period_and_recovery_dismisses_it(org, member, program):
    partnership = PartnershipFactory(organization=org, program=program, tier=_tier(program, "Silver"))
    _give_points(org, partnership, 100)
    tiers.tier_evaluation(org=org, today=TODAY)
    move = TierMove.objects.for_org(org).get()
    assert move.direction == "downgrade" and move.to_tier.name == "Registered"
    assert move.grace_until == TODAY + datetime.timedelta(days=60)
    with pytest.raises(ValidationError) as exc:
        tiers.tier_move_apply(org=org, actor=member, move=move, effective_on=TODAY)
    assert "grace period" in str(exc.value)
    # The partner earns its way back within the grace period: the downgrade is dismissed.
    _give_points(org, partnership, 500)
    CertificationFactory(partner=partnership.partner, organization=org, issued_on=TODAY)
    assert tiers.tier_evaluation(org=org, today=TODAY + datetime.timedelta(days=20))["dismissed"] == 1
    move.refresh_from_db()
    assert move.status == "dismissed" and "Back within" in move.note
    partnership.refresh_from_db()
    assert partnership.tier.name == "Silver"


def test_program_that_applies_itself_downgrades_only_after_grace(org, program):
    program.tier_auto_apply = True
    program.save()
    up = PartnershipFactory(organization=org, program=program, tier=_tier(program, "Registered"))
    _give_points(org, up, 700)
    CertificationFactory(partner=up.partner, organization=org, issued_on=TODAY)
    down = PartnershipFactory(organization=org, program=program, tier=_tier(program, "Silver"))
    tiers.tier_evaluation(org=org, today=TODAY)
    up.refresh_from_db()
    down.refresh_from_db()
    assert up.tier.name == "Silver" and down.tier.name == "Silver"
    tiers.tier_evaluation(org=org, today=TODAY + datetime.timedelta(days=61))
    down.refresh_from_db()
    assert down.tier.name == "Registered"


def test_fee_requirement_and_next_tier_progress(org, program):
    gold = _tier(program, "Gold")
    gold.annual_fee = Decimal("1500")
    gold.save()
    partnership = PartnershipFactory(organization=org, program=program, tier=_tier(program, "Silver"))
    _give_points(org, partnership, 750)
    progress = tiers.next_tier_progress(org=org, partnership=partnership, today=TODAY)
    assert progress["next"] == gold and progress["points"] == 750
    checks = {c.key: c for c in progress["checks"]}
    assert checks["points"].progress == 75 and not checks["points"].met
    assert checks["fee"].actual == "not paid"


def test_overlapping_tier_thresholds_are_refused(org, member, program):
    with pytest.raises(ValidationError) as exc:
        program_services.tier_create(
            org=org,
            actor=member,
            program=program,
            name="Platinum",
            rank=4,
            required_points=800,
            required_certifications=2,
            required_revenue=Decimal("100000"),
            required_references=1,
        )
    assert exc.value.message_dict["required_points"] == [
        "Platinum (rank 4) would ask fewer points than Gold (rank 3); thresholds of higher tiers cannot be lower."
    ]
    with pytest.raises(ValidationError) as exc:
        program_services.tier_update(
            org=org, actor=member, tier=_tier(program, "Silver"), data={"required_points": 1200}
        )
    assert "Gold (rank 3) would ask fewer points than Silver" in exc.value.message_dict["required_points"][0]
    assert _tier(program, "Silver").required_points == 500  # nothing saved
    program_services.tier_create(
        org=org,
        actor=member,
        program=program,
        name="Platinum",
        rank=4,
        required_points=2000,
        required_certifications=2,
        required_revenue=Decimal("100000"),
        required_references=1,
    )
