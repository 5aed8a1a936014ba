"""The assessment facts on hand-computed examples (the contract the scores read)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone

from partners import assessment_facts as facts
from partners.models import (
    AssessmentCampaign,
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentRound,
    HealthAnswer,
    SatisfactionScore,
    Swot,
)
from tests.factories import PartnershipFactory

NOW = timezone.now()


def _round(org, partnership, *, days_ago=0, kind="both"):
    campaign = AssessmentCampaign.objects.create(
        organization=org, name=f"Round {days_ago}", kind=kind, closes_at=NOW + datetime.timedelta(days=10)
    )
    rnd = AssessmentRound.objects.create(organization=org, campaign=campaign, partnership=partnership)
    AssessmentRound.objects.filter(pk=rnd.pk).update(created_at=NOW - datetime.timedelta(days=days_ago))
    rnd.refresh_from_db()
    return rnd


def _answer(rnd, *, email, side="partner", rci=(7, 7, 7), s=3, days_ago=0, health=()):
    inv = AssessmentInvitation.objects.create(
        organization=rnd.organization,
        round=rnd,
        side=side,
        email=email,
        token_hash=f"{rnd.pk}-{email}".ljust(64, "x")[:64],
        expires_at=NOW + datetime.timedelta(days=10),
    )
    AssessmentInvitation.objects.filter(pk=inv.pk).update(created_at=NOW - datetime.timedelta(days=days_ago))
    r, c, i = rci if rci else (None, None, None)
    response = AssessmentResponse.objects.create(
        organization=rnd.organization,
        round=rnd,
        partnership=rnd.partnership,
        invitation=inv,
        side=side,
        respondent_email=email,
        submitted_at=NOW - datetime.timedelta(days=days_ago),
        reliability=r,
        credibility=c,
        intimacy=i,
        self_orientation=s if rci else None,
    )
    for n, value in enumerate(health):
        HealthAnswer.objects.create(
            organization=rnd.organization, response=response, question_text=f"Q{n}", value=value
        )
    return response


def test_trust_value_extremes():
    assert facts.trust_value(10, 10, 10, 1) == Decimal("30")
    assert facts.trust_value(1, 1, 1, 10) == Decimal("0.3")
    assert facts.trust_value(7, 8, 6, 4) == Decimal("5.25")
    assert facts.trust_value(1, 1, 1, 9) == Decimal("0.33")  # 3/9 rounded half up


def test_trust_normalised_is_logarithmic_between_the_extremes():
    assert facts.trust_normalised(Decimal("30")) == Decimal("100")
    assert facts.trust_normalised(Decimal("0.3")) == Decimal("0")
    assert facts.trust_normalised(Decimal("3")) == Decimal("50")
    assert facts.trust_normalised(Decimal("6")) == Decimal("65.05")  # 50 × log10(20)
    assert facts.trust_normalised(Decimal("0.1")) == Decimal("0")  # clamped


def test_trust_by_partnership_per_side_latest_round_and_history(org, django_assert_num_queries):
    p1 = PartnershipFactory(organization=org)
    p2 = PartnershipFactory(organization=org)
    old = _round(org, p1, days_ago=40)
    _answer(old, email="a@partner.example", rci=(1, 1, 1), s=10, days_ago=39)
    new = _round(org, p1, days_ago=5)
    top = _answer(new, email="a@partner.example", rci=(10, 10, 10), s=1, days_ago=4)
    low = _answer(new, email="b@partner.example", rci=(1, 1, 1), s=10, days_ago=3)
    vendor = _answer(new, email="v@vendor.example", side="vendor", rci=(7, 8, 6), s=4, days_ago=2)
    AssessmentInvitation.objects.create(
        organization=org,
        round=new,
        side="partner",
        email="c@partner.example",
        token_hash="c" * 64,
        expires_at=NOW,
    )
    empty = _round(org, p2, days_ago=1)  # sent, nobody answered: no data for p2

    with django_assert_num_queries(2):
        result = facts.trust_by_partnership(org=org)

    assert set(result) == {p1.pk}
    t = result[p1.pk]
    # Partner side: (30 + 0.3) / 2 = 15.15; vendor side: 21 / 4 = 5.25.
    assert t.partner_side == Decimal("15.15")
    assert t.vendor_side == Decimal("5.25")
    assert t.partner_normalised == facts.trust_normalised(Decimal("15.15"))
    assert t.vendor_normalised == Decimal("62.15")  # 50 × log10(17.5) = 50 × 1.2430
    assert (t.respondents, t.invited, t.round_id) == (3, 4, new.pk)
    assert t.response_ids == tuple(sorted([top.pk, low.pk, vendor.pk]))
    assert t.answered_at == vendor.submitted_at
    assert empty.pk not in {f.round_id for f in result.values()}

    # What was known 20 days ago: only the old round, partner side 0.3, no vendor side.
    past = facts.trust_by_partnership(org=org, as_of=(NOW - datetime.timedelta(days=20)).date())
    assert past[p1.pk].partner_side == Decimal("0.3")
    assert past[p1.pk].vendor_side is None and past[p1.pk].vendor_normalised is None
    assert (past[p1.pk].respondents, past[p1.pk].invited) == (1, 1)
    assert facts.trust_by_partnership(org=org, partnership_ids=[p2.pk]) == {}


def test_trust_facts_query_count_does_not_grow(org, other_org, django_assert_num_queries):
    for _ in range(6):
        p = PartnershipFactory(organization=org)
        _answer(_round(org, p), email="x@partner.example")
    foreign = PartnershipFactory(organization=other_org)
    _answer(_round(other_org, foreign), email="x@partner.example", rci=(1, 1, 1), s=10)
    with django_assert_num_queries(2):
        result = facts.trust_by_partnership(org=org)
    assert len(result) == 6 and foreign.pk not in result
    assert all(f.partner_side == Decimal("7") for f in result.values())


def test_health_by_partnership_mean_of_answers(org, django_assert_num_queries):
    p = PartnershipFactory(organization=org)
    old = _round(org, p, days_ago=30, kind="health")
    _answer(old, email="a@partner.example", rci=None, health=(1, 1), days_ago=30)
    rnd = _round(org, p, days_ago=2, kind="health")
    a = _answer(rnd, email="a@partner.example", rci=None, health=(5, 4, 3))  # 100, 75, 50
    b = _answer(rnd, email="v@vendor.example", side="vendor", rci=None, health=(2,))  # 25
    with django_assert_num_queries(1):
        result = facts.health_by_partnership(org=org)
    h = result[p.pk]
    assert h.score == Decimal("62.50")  # (100 + 75 + 50 + 25) / 4
    assert (h.answers, h.round_id, h.response_ids) == (4, rnd.pk, tuple(sorted([a.pk, b.pk])))
    past = facts.health_by_partnership(org=org, as_of=(NOW - datetime.timedelta(days=10)).date())
    assert past[p.pk].score == Decimal("0")


def test_swot_and_satisfaction(org, django_assert_num_queries):
    p = PartnershipFactory(organization=org)
    Swot.objects.create(organization=org, partnership=p, year=2025, strengths="x")
    latest = Swot.objects.create(organization=org, partnership=p, year=2026, strengths="y")
    with django_assert_num_queries(1):
        assert facts.swot_updated_at(org=org) == {p.pk: latest.updated_at}

    SatisfactionScore.objects.create(
        organization=org,
        partnership=p,
        scale="csat5",
        score=Decimal("4.2"),
        source="Old",
        measured_on=datetime.date(2026, 1, 10),
    )
    nps = SatisfactionScore.objects.create(
        organization=org,
        partnership=p,
        scale="nps",
        score=Decimal("-20"),
        source="Partner NPS Q3",
        measured_on=datetime.date(2026, 9, 30),
    )
    with django_assert_num_queries(1):
        now = facts.satisfaction_by_partnership(org=org)
    assert now[p.pk].record_id == nps.pk and now[p.pk].normalised == Decimal("40")  # (−20 + 100) / 2
    then = facts.satisfaction_by_partnership(org=org, as_of=datetime.date(2026, 6, 1))
    assert (then[p.pk].scale, then[p.pk].normalised) == ("csat5", Decimal("80"))  # (4.2 − 1) × 25


@pytest.mark.parametrize(
    "scale,score,expected", [("nps", 100, 100), ("nps", -100, 0), ("csat", 73, 73), ("csat5", 1, 0)]
)
def test_satisfaction_normalised(scale, score, expected):
    assert facts.satisfaction_normalised(scale=scale, score=Decimal(score)) == Decimal(expected)
