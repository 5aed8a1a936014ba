"""Demo assessments (called by `workspaces.demo.seed` once partner people exist): three rounds of trust and
health over five months answered by both sides (partner people answer for themselves, through the same
service as the pages), a fourth round still open, SWOTs edited by both sides, and quarterly partner NPS.
The small demo (`seed_demo --size small`) assesses six partnerships."""

from __future__ import annotations

import datetime

from django.utils import timezone

from partners import assessment_answers, assessment_services
from partners.models import (
    AssessmentCampaign,
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentRound,
    HealthQuestion,
    Partnership,
)
from pom.models import Role
from workspaces.models import Side, WorkspaceMember

SMALL_PARTNERSHIPS = 6  # the small demo (seed_demo --size small) assesses this many partnerships
# (name, days ago sent, partner-side trust drift, vendor-side drift): the relationship warms up over time.
ROUNDS = [
    ("Spring relationship check", 150, -1, 0),
    ("Summer relationship check", 90, 0, 0),
    ("Autumn relationship check", 30, 1, 1),
]
SWOT = {
    "strengths": "Certified delivery team in the region\nStrong references in mid-market manufacturing",
    "weaknesses": "Thin pipeline outside two key accounts\nSlow to register deals",
    "opportunities": "Joint offer for the new analytics module\nPublic-sector framework renewal next year",
    "threats": "A competitor recruits the same integrators\nBudget freeze at two focus customers",
}


def _clamp(value: int) -> int:
    return max(1, min(10, value))


def _answer(ctx, invitation: AssessmentInvitation, drift: int, user):
    rng = ctx.rng
    data = {
        "reliability": _clamp(rng.randint(5, 8) + drift),
        "credibility": _clamp(rng.randint(6, 9) + drift),
        "intimacy": _clamp(rng.randint(4, 7) + drift),
        "self_orientation": _clamp(rng.randint(3, 6) - drift),
        "health": {
            str(q["id"]): {"value": max(1, min(5, rng.randint(2, 4) + (1 if drift > 0 else 0))), "comment": ""}
            for q in invitation.round.questions
        },
    }
    if invitation.round.questions:
        first = str(invitation.round.questions[0]["id"])
        data["health"][first]["comment"] = "Monthly reviews help; bad news still arrives late."
    return assessment_answers.response_submit(invitation=invitation, actor=user, data=data)


def seed(ctx) -> None:
    org = ctx.org
    manager = ctx.users.get(Role.MANAGER) or ctx.users[Role.OWNER]
    if AssessmentCampaign.objects.for_org(org).exists() or not HealthQuestion.objects.for_org(org).exists():
        return
    guest_partnership_ids = set(
        WorkspaceMember.objects.for_org(org)
        .filter(side=Side.PARTNER, workspace__is_default=True)
        .values_list("workspace__partnership_links__partnership_id", flat=True)
    )
    partnerships = list(
        Partnership.objects.for_org(org)
        .filter(pk__in=guest_partnership_ids)
        .select_related("partner", "owner")
        .order_by("id")[: SMALL_PARTNERSHIPS if ctx.small else None]
    )
    if not partnerships:
        return
    Partnership.objects.for_org(org).filter(pk__in=[p.pk for p in partnerships], owner__isnull=True).update(
        owner=manager
    )
    now = timezone.now()
    for name, days_ago, partner_drift, vendor_drift in ROUNDS:
        campaign = assessment_services.campaign_create(
            org=org,
            actor=manager,
            name=name,
            kind="both",
            partnerships=partnerships,
            closes_at=now + datetime.timedelta(days=14),
            send=False,
        )
        sent = now - datetime.timedelta(days=days_ago)
        for invitation in (
            AssessmentInvitation.objects.for_org(org)
            .filter(round__campaign=campaign)
            .select_related("round__campaign", "user")
        ):
            # Partner people answer for themselves; contacts without an account answered from their link.
            if invitation.side == "vendor" or invitation.user is not None or ctx.rng.random() < 0.5:
                drift = vendor_drift if invitation.side == "vendor" else partner_drift
                response = _answer(ctx, invitation, drift, invitation.user)
                answered = sent + datetime.timedelta(days=ctx.rng.randint(1, 9), hours=ctx.rng.randint(8, 17))
                AssessmentResponse.objects.for_org(org).filter(pk=response.pk).update(submitted_at=answered)
                AssessmentInvitation.objects.for_org(org).filter(pk=invitation.pk).update(answered_at=answered)
        # Back-date the round to when it ran: sent then, closed two weeks later.
        AssessmentRound.objects.for_org(org).filter(campaign=campaign).update(created_at=sent)
        AssessmentInvitation.objects.for_org(org).filter(round__campaign=campaign).update(
            created_at=sent, sent_at=sent, expires_at=sent + datetime.timedelta(days=14)
        )
        AssessmentCampaign.objects.for_org(org).filter(pk=campaign.pk).update(
            created_at=sent,
            sent_at=sent,
            closes_at=sent + datetime.timedelta(days=14),
            status=AssessmentCampaign.Status.CLOSED,
            closed_at=sent + datetime.timedelta(days=14),
        )
    # The current round: open, the vendor side and one partner person have answered so far.
    current = assessment_services.campaign_create(
        org=org,
        actor=manager,
        name="Winter trust pulse",
        kind="trust",
        partnerships=partnerships,
        closes_at=now + datetime.timedelta(days=10),
        message="Four questions, two minutes: how is the partnership going?",
        send=False,
    )
    first_partner_answered = False
    for invitation in (
        AssessmentInvitation.objects.for_org(org)
        .filter(round__campaign=current)
        .select_related("round__campaign", "user")
    ):
        if invitation.side == "vendor" or (invitation.user is not None and not first_partner_answered):
            first_partner_answered = first_partner_answered or invitation.side == "partner"
            _answer(ctx, invitation, 1, invitation.user)

    year = timezone.localdate().year
    for p in partnerships:
        assessment_services.swot_save(
            org=org, actor=manager, partnership=p, year=year - 1, data={k: v.split("\n")[0] for k, v in SWOT.items()}
        )
        assessment_services.swot_save(
            org=org, actor=manager, partnership=p, year=year, data={"strengths": SWOT["strengths"]}
        )
        guest = (
            WorkspaceMember.objects.for_org(org)
            .filter(side=Side.PARTNER, workspace__partnership_links__partnership=p)
            .select_related("user")
            .first()
        )
        if guest is not None:  # the partner person adds their view of the year
            assessment_services.swot_save(
                org=org,
                actor=guest.user,
                partnership=p,
                year=year,
                data={k: SWOT[k] for k in ("weaknesses", "opportunities", "threats")},
            )
        for quarter, (months_ago, base) in enumerate(((9, 10), (6, 20), (3, 30))):
            assessment_services.satisfaction_create(
                org=org,
                actor=manager,
                partnership=p,
                data={
                    "scale": "nps",
                    "score": base + ctx.rng.randint(-10, 15),
                    "source": f"Partner NPS survey, wave {quarter + 1}",
                    "measured_on": timezone.localdate() - datetime.timedelta(days=30 * months_ago),
                    "respondents": ctx.rng.randint(8, 40),
                },
            )
