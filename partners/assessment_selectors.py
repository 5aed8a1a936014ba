"""Reads for the assessment pages and API: campaigns with response rates, a round's results per side and
per respondent (the formula behind every number), a partner's rounds, SWOTs and survey scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count, Prefetch, Q, QuerySet

from partners.assessment_facts import _decimal, _mean, health_points, trust_fraction, trust_normalised
from partners.assessment_models import (
    AssessmentCampaign,
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentRound,
    AssessmentSide,
    HealthAnswer,
    HealthQuestion,
    SatisfactionScore,
    Swot,
)


def response_rate(answered: int, invited: int) -> Decimal | None:
    """Answered ÷ invited in percent, one decimal; None when nobody was invited."""
    if not invited:
        return None
    return (Decimal(answered) * 100 / Decimal(invited)).quantize(Decimal("0.1"))


def campaign_list(*, org, status: str = "", q: str = "", kind: str = "") -> QuerySet[AssessmentCampaign]:
    """Campaigns newest first, each with `n_rounds`, `n_invited`, `n_answered` (three counts in one query)."""
    qs = AssessmentCampaign.objects.for_org(org).select_related("created_by")
    if status:
        qs = qs.filter(status=status)
    if kind:
        qs = qs.filter(kind=kind)
    if q:
        qs = qs.filter(name__icontains=q)
    return qs.annotate(
        n_rounds=Count("rounds", distinct=True),
        n_invited=Count("rounds__invitations", distinct=True),
        n_answered=Count(
            "rounds__invitations", filter=Q(rounds__invitations__answered_at__isnull=False), distinct=True
        ),
    ).order_by("-created_at", "-id")


def round_list(*, org, campaign=None, partnership_ids=None) -> QuerySet[AssessmentRound]:
    """Rounds with `n_invited` and `n_answered`, newest first."""
    qs = AssessmentRound.objects.for_org(org).select_related("campaign", "partnership__partner", "partnership__program")
    if campaign is not None:
        qs = qs.filter(campaign=campaign)
    if partnership_ids is not None:
        qs = qs.filter(partnership_id__in=list(partnership_ids))
    return qs.annotate(
        n_invited=Count("invitations", distinct=True),
        n_answered=Count("invitations", filter=Q(invitations__answered_at__isnull=False), distinct=True),
    ).order_by("-created_at", "-id")


@dataclass
class RespondentRow:
    response: AssessmentResponse
    trust: Decimal | None
    formula: str
    health: list[HealthAnswer] = field(default_factory=list)
    health_score: Decimal | None = None


@dataclass
class SideResult:
    side: str
    label: str
    rates: str  # whom this side rates
    rows: list[RespondentRow]
    trust: Decimal | None
    trust_normalised: Decimal | None
    trust_formula: str
    health_score: Decimal | None
    invited: int


@dataclass
class RoundResult:
    round: AssessmentRound
    sides: list[SideResult]
    invitations: list[AssessmentInvitation]
    answered: int
    invited: int

    @property
    def rate(self):
        return response_rate(self.answered, self.invited)


def round_results(*, org, round: AssessmentRound) -> RoundResult:
    """Everything a round says, side by side: each respondent's ratings and trust with its formula, each
    side's mean trust (and the mean written out), its 0–100 value and its health score. Three queries."""
    responses = list(
        AssessmentResponse.objects.for_org(org)
        .filter(round=round)
        .prefetch_related(Prefetch("health_answers", queryset=HealthAnswer.objects.for_org(org).order_by("id")))
        .order_by("side", "submitted_at", "id")
    )
    invitations = list(AssessmentInvitation.objects.for_org(org).filter(round=round).order_by("side", "email"))
    partner_name = round.partnership.partner.name
    sides = []
    for side, label, rates in (
        (AssessmentSide.PARTNER, partner_name, org.name),
        (AssessmentSide.VENDOR, org.name, partner_name),
    ):
        rows, fractions, points = [], [], []
        for r in (r for r in responses if r.side == side):
            trust = formula = None
            if r.has_trust:
                frac = trust_fraction(r.reliability, r.credibility, r.intimacy, r.self_orientation)
                fractions.append(frac)
                trust = _decimal(frac)
                formula = f"({r.reliability} + {r.credibility} + {r.intimacy}) / {r.self_orientation} = {trust}"
            answers = list(r.health_answers.all())
            points.extend(health_points(a.value) for a in answers)
            rows.append(
                RespondentRow(
                    response=r,
                    trust=trust,
                    formula=formula or "",
                    health=answers,
                    health_score=_mean([health_points(a.value) for a in answers]),
                )
            )
        mean = _mean(fractions)
        trust_formula = ""
        if mean is not None:
            trust_formula = f"({' + '.join(str(_decimal(f)) for f in fractions)}) / {len(fractions)} = {mean}"
        sides.append(
            SideResult(
                side=side,
                label=label,
                rates=rates,
                rows=rows,
                trust=mean,
                trust_normalised=trust_normalised(mean) if mean is not None else None,
                trust_formula=trust_formula,
                health_score=_mean(points),
                invited=sum(1 for i in invitations if i.side == side),
            )
        )
    return RoundResult(
        round=round,
        sides=sides,
        invitations=invitations,
        answered=sum(1 for i in invitations if i.answered_at is not None),
        invited=len(invitations),
    )


def health_question_list(*, org) -> QuerySet[HealthQuestion]:
    return HealthQuestion.objects.for_org(org).order_by("order", "id")


def swot_list(*, org, partnership_ids=None) -> QuerySet[Swot]:
    qs = Swot.objects.for_org(org).select_related("updated_by", "partnership__partner", "partnership__program")
    if partnership_ids is not None:
        qs = qs.filter(partnership_id__in=list(partnership_ids))
    return qs.order_by("partnership_id", "-year")


def satisfaction_list(*, org, partnership_ids=None) -> QuerySet[SatisfactionScore]:
    qs = SatisfactionScore.objects.for_org(org).select_related(
        "entered_by", "partnership__partner", "partnership__program"
    )
    if partnership_ids is not None:
        qs = qs.filter(partnership_id__in=list(partnership_ids))
    return qs.order_by("-measured_on", "-id")


def trust_by_round(*, org, round_ids) -> dict[int, dict[str, Decimal]]:
    """{round_id: {"vendor": mean trust, "partner": mean trust}} for a page of rounds. One query."""
    buckets: dict[int, dict[str, list]] = {}
    rows = (
        AssessmentResponse.objects.for_org(org)
        .filter(round_id__in=list(round_ids), self_orientation__isnull=False)
        .values_list("round_id", "side", "reliability", "credibility", "intimacy", "self_orientation")
    )
    for round_id, side, r, c, i, s in rows:
        buckets.setdefault(round_id, {}).setdefault(side, []).append(trust_fraction(r, c, i, s))
    return {rid: {side: _mean(values) for side, values in sides.items()} for rid, sides in buckets.items()}
