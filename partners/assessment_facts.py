"""What the assessments say about each partnership: pure reads for scores, digests and pages.

Every function here takes keyword arguments only, reads a constant number of queries whatever the number
of partnerships (`partnership_ids=None` means all of the organization's), and leaves out partnerships
without data. `as_of` (a date) gives what was known at the end of that day (UTC), for score history.

The formulas (also in docs/assessments.md, shown on the assessment pages):

- Trust equation, per respondent rating the OTHER side 1–10:
  trust = (reliability + credibility + intimacy) / self-orientation, from 0.3 (all 1, self-orientation 10)
  to 30 (all 10, self-orientation 1). A side's trust is the mean of its respondents' trust in the round.
- Normalisation to 0–100 (`trust_normalised`): 50 × log10(trust / 0.3). The scale is logarithmic because the
  equation is a ratio: 0.3 → 0, 3 (every rating equal) → 50, 30 → 100; halving self-orientation adds the
  same 15 points wherever you start.
- Health: each answer 1–5 maps to (answer − 1) × 25 (1 → 0, 5 → 100); the score is the mean over every
  answer of the round (each person's answer to each question weighs the same).
- Rounds: the latest round of a partnership (by when it was sent) with at least one answer counts; a new
  round replaces it once someone answers, older rounds stay as history.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from django.db.models import Count, F, Max

from partners.assessment_models import (
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentSide,
    HealthAnswer,
    SatisfactionScore,
    Swot,
)

TRUST_MIN = Decimal("0.3")
TRUST_MAX = Decimal("30")
CENT = Decimal("0.01")


def _decimal(value: Fraction | Decimal) -> Decimal:
    """An exact fraction rounded half up to two decimals."""
    if isinstance(value, Fraction):
        value = Decimal(value.numerator) / Decimal(value.denominator)
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def trust_fraction(reliability: int, credibility: int, intimacy: int, self_orientation: int) -> Fraction:
    """(reliability + credibility + intimacy) / self-orientation, exactly."""
    return Fraction(reliability + credibility + intimacy, self_orientation)


def trust_value(reliability: int, credibility: int, intimacy: int, self_orientation: int) -> Decimal:
    """The trust equation for one respondent, rounded to two decimals: (R + C + I) / S."""
    return _decimal(trust_fraction(reliability, credibility, intimacy, self_orientation))


def trust_normalised(raw: Decimal) -> Decimal:
    """Raw trust (0.3–30) on 0–100 for charts: 50 × log10(raw / 0.3), clamped, two decimals.

    0.3 → 0, 3 → 50 (all four ratings equal), 30 → 100.
    """
    raw = Decimal(raw)
    if raw <= TRUST_MIN:
        return Decimal("0.00")
    if raw >= TRUST_MAX:
        return Decimal("100.00")
    return _decimal(Decimal(50) * (raw / TRUST_MIN).log10())


def health_points(value: int) -> Fraction:
    """One health answer (1–5) on 0–100: (value − 1) × 25."""
    return Fraction((value - 1) * 25)


def _cutoff(as_of: datetime.date | None) -> datetime.datetime | None:
    if as_of is None:
        return None
    return datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time.min, tzinfo=datetime.UTC)


def _scoped(qs, *, org, partnership_ids, field: str = "partnership_id"):
    qs = qs.for_org(org)
    if partnership_ids is not None:
        qs = qs.filter(**{f"{field}__in": list(partnership_ids)})
    return qs


def _latest_round(rows: list[dict]) -> dict[int, list[dict]]:
    """{partnership_id: rows of its latest round}; rows carry partnership_id, round_id, round_created_at."""
    best: dict[int, tuple] = {}
    for row in rows:
        key = (row["round_created_at"], row["round_id"])
        current = best.get(row["partnership_id"])
        if current is None or key > current:
            best[row["partnership_id"]] = key
    chosen: dict[int, list[dict]] = defaultdict(list)
    for row in rows:
        if best[row["partnership_id"]][1] == row["round_id"]:
            chosen[row["partnership_id"]].append(row)
    return chosen


def _invited(*, org, round_ids: set[int], cutoff) -> dict[int, int]:
    qs = AssessmentInvitation.objects.for_org(org).filter(round_id__in=round_ids)
    if cutoff is not None:
        qs = qs.filter(created_at__lt=cutoff)
    return dict(qs.values("round_id").annotate(n=Count("id")).values_list("round_id", "n"))


@dataclass(frozen=True)
class TrustFacts:
    vendor_side: Decimal | None  # mean raw trust (R+C+I)/S of vendor respondents rating the partner, latest round
    partner_side: Decimal | None  # same, partner respondents rating the vendor
    vendor_normalised: Decimal | None  # 0–100
    partner_normalised: Decimal | None
    respondents: int  # answers in the latest round (both sides)
    invited: int  # people invited in the latest round
    round_id: int | None
    answered_at: datetime.datetime | None  # latest submission in that round
    response_ids: tuple[int, ...]  # the rows behind it


def _mean(values: list[Fraction]) -> Decimal | None:
    return _decimal(sum(values, Fraction(0)) / len(values)) if values else None


def trust_by_partnership(*, org, partnership_ids=None, as_of: datetime.date | None = None) -> dict[int, TrustFacts]:
    """Trust equation of each partnership's latest answered trust round, per side. Two queries."""
    cutoff = _cutoff(as_of)
    qs = _scoped(AssessmentResponse.objects, org=org, partnership_ids=partnership_ids).filter(
        self_orientation__isnull=False
    )
    if cutoff is not None:
        qs = qs.filter(submitted_at__lt=cutoff)
    rows = list(
        qs.values(
            "id",
            "partnership_id",
            "round_id",
            "side",
            "submitted_at",
            "reliability",
            "credibility",
            "intimacy",
            "self_orientation",
            round_created_at=F("round__created_at"),
        )
    )
    chosen = _latest_round(rows)
    invited = _invited(org=org, round_ids={r[0]["round_id"] for r in chosen.values()}, cutoff=cutoff)
    result = {}
    for pid, answers in chosen.items():
        by_side: dict[str, list[Fraction]] = {AssessmentSide.VENDOR: [], AssessmentSide.PARTNER: []}
        for a in answers:
            by_side[a["side"]].append(
                trust_fraction(a["reliability"], a["credibility"], a["intimacy"], a["self_orientation"])
            )
        vendor, partner = _mean(by_side[AssessmentSide.VENDOR]), _mean(by_side[AssessmentSide.PARTNER])
        round_id = answers[0]["round_id"]
        result[pid] = TrustFacts(
            vendor_side=vendor,
            partner_side=partner,
            vendor_normalised=trust_normalised(vendor) if vendor is not None else None,
            partner_normalised=trust_normalised(partner) if partner is not None else None,
            respondents=len(answers),
            invited=invited.get(round_id, 0),
            round_id=round_id,
            answered_at=max(a["submitted_at"] for a in answers),
            response_ids=tuple(sorted(a["id"] for a in answers)),
        )
    return result


@dataclass(frozen=True)
class HealthFacts:
    score: Decimal | None  # 0–100, mean of every answer of the latest round
    answers: int
    round_id: int | None
    answered_at: datetime.datetime | None
    response_ids: tuple[int, ...]


def health_by_partnership(*, org, partnership_ids=None, as_of: datetime.date | None = None) -> dict[int, HealthFacts]:
    """Health score of each partnership's latest answered health round: mean of (answer − 1) × 25. One query."""
    cutoff = _cutoff(as_of)
    qs = _scoped(HealthAnswer.objects, org=org, partnership_ids=partnership_ids, field="response__partnership_id")
    if cutoff is not None:
        qs = qs.filter(response__submitted_at__lt=cutoff)
    rows = list(
        qs.values(
            "value",
            response_pk=F("response_id"),
            partnership_id=F("response__partnership_id"),
            round_id=F("response__round_id"),
            submitted_at=F("response__submitted_at"),
            round_created_at=F("response__round__created_at"),
        )
    )
    result = {}
    for pid, answers in _latest_round(rows).items():
        points = [health_points(a["value"]) for a in answers]
        result[pid] = HealthFacts(
            score=_mean(points),
            answers=len(answers),
            round_id=answers[0]["round_id"],
            answered_at=max(a["submitted_at"] for a in answers),
            response_ids=tuple(sorted({a["response_pk"] for a in answers})),
        )
    return result


def swot_updated_at(*, org, partnership_ids=None) -> dict[int, datetime.datetime]:
    """When each partnership's SWOT (any year) was last edited. One query."""
    qs = _scoped(Swot.objects, org=org, partnership_ids=partnership_ids)
    return dict(qs.values("partnership_id").annotate(at=Max("updated_at")).values_list("partnership_id", "at"))


def satisfaction_normalised(*, scale: str, score: Decimal) -> Decimal:
    """A survey score on 0–100: NPS (score + 100) / 2; CSAT in percent as is; CSAT 1–5 (score − 1) × 25."""
    score = Decimal(score)
    if scale == "nps":
        value = (score + 100) / 2
    elif scale == "csat5":
        value = (score - 1) * 25
    else:
        value = score
    return _decimal(min(max(value, Decimal(0)), Decimal(100)))


@dataclass(frozen=True)
class SatisfactionFacts:
    score: Decimal  # as entered
    scale: str  # "nps" (-100..100), "csat" (0..100) or "csat5" (1..5)
    normalised: Decimal  # 0–100
    source: str
    measured_on: datetime.date
    record_id: int


def satisfaction_by_partnership(
    *, org, partnership_ids=None, as_of: datetime.date | None = None
) -> dict[int, SatisfactionFacts]:
    """The latest survey score of each partnership (by measurement date, then entry). One query."""
    qs = _scoped(SatisfactionScore.objects, org=org, partnership_ids=partnership_ids)
    if as_of is not None:
        qs = qs.filter(measured_on__lte=as_of)
    result: dict[int, SatisfactionFacts] = {}
    for row in qs.order_by("partnership_id", "-measured_on", "-id").values(
        "id", "partnership_id", "scale", "score", "source", "measured_on"
    ):
        if row["partnership_id"] in result:
            continue
        result[row["partnership_id"]] = SatisfactionFacts(
            score=row["score"],
            scale=row["scale"],
            normalised=satisfaction_normalised(scale=row["scale"], score=row["score"]),
            source=row["source"],
            measured_on=row["measured_on"],
            record_id=row["id"],
        )
    return result
