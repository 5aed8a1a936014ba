"""Demo of programs in motion, run at the end of the workspace demo (partner people exist by then).

Point rules and ledgers earned from the demo's certifications and won deals, a pending manual award, a
tier review with a pending upgrade, commission rules with statements (one paid), an MDF budget with
requests at every stage filed and claimed by partner people in their workspaces, and joint solutions in
different phases with their split in the rule library.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from attribution import incentives, mdf, runs, solutions
from attribution.models import AttributionRun, JointSolution, MdfBudget, Opportunity, OpportunityPartner
from partners import points, tiers
from partners.models import Certification, Partnership, PointActivity, Program
from pom.models import Role
from workspaces import programs, selectors
from workspaces.models import Side

RULES = [
    # (activity, name, points, per amount)
    (PointActivity.CERTIFICATION, "Certification earned", 150, None),
    (PointActivity.TRAINING, "Training completed", 50, None),
    (PointActivity.DEAL_WON, "Deal won: 10 points per 10,000", 10, Decimal("10000")),
    (PointActivity.CO_MARKETING, "Co-marketing event held", 100, None),
    (PointActivity.PLAN_VALIDATED, "Joint plan validated", 200, None),
    (PointActivity.CASE_STUDY, "Case study published", 250, None),
]


def _partner_workspaces(org):
    """(workspace, partnership, first partner-side editor) of the demo's shared workspaces."""
    found = []
    for link in (
        Partnership.objects.for_org(org).filter(workspace_links__workspace__is_default=True).select_related("program")
    ):
        workspace = selectors.workspace_for_partnership(org=org, partnership=link)
        member = (
            workspace.members.filter(side=Side.PARTNER, role__in=["editor", "owner"]).select_related("user").first()
        )
        if member is not None:
            found.append((workspace, link, member.user))
    return found


def _points(ctx, manager, admin) -> None:
    org = ctx.org
    for program in Program.objects.for_org(org).filter(name__in=["Reseller", "Referral", "Services"]):
        for activity, name, value, per in RULES:
            points.point_rule_create(
                org=org, actor=admin, program=program, activity=activity, name=name, points=value, per_amount=per
            )
    # The demo's history, as the events would have awarded it.
    for cert in Certification.objects.for_org(org).select_related("partner"):
        partnerships = Partnership.objects.for_org(org).filter(partner=cert.partner).select_related("program")
        points.points_award_for_event(
            org=org,
            partnerships=partnerships,
            activity=PointActivity.CERTIFICATION,
            source_key=f"certification:{cert.pk}",
            occurred_on=cert.issued_on,
            evidence=f"Certification “{cert.name}”",
        )
    links = (
        OpportunityPartner.objects.for_org(org)
        .filter(opportunity__status="won")
        .select_related("opportunity", "partnership__program")
    )
    for link in links:
        opp = link.opportunity
        points.points_award_for_event(
            org=org,
            partnerships=[link.partnership],
            activity=PointActivity.DEAL_WON,
            source_key=f"opportunity:{opp.pk}",
            occurred_on=opp.closed_on,
            evidence=f"Deal “{opp.name}” won",
            amount=opp.amount,
        )
    points.points_expire(org=org)
    referral = (
        Partnership.objects.for_org(org)
        .filter(program__name="Referral", tier__rank=1)
        .select_related("program")
        .order_by("partner__name")
        .first()
    )
    if referral is not None:  # enough for Advocate once approved: the review proposes the upgrade
        entry = points.point_manual_request(
            org=org,
            actor=manager,
            partnership=referral,
            points=520,
            reason="Keynote and three customer introductions at the Nimbus summit",
            evidence="Summit agenda, session 4",
        )
        points.point_manual_decide(org=org, actor=admin, entry=entry, approve=True, note="Checked the agenda")
    other = Partnership.objects.for_org(org).filter(program__name="Reseller").order_by("partner__name").first()
    if other is not None:  # a second manual line waits for its approver
        points.point_manual_request(
            org=org,
            actor=manager,
            partnership=other,
            points=100,
            reason="Co-hosted the partner webinar of March",
            evidence="Webinar recording",
        )
    tiers.tier_evaluation(org=org)
    # The launch year's tiers were set by hand: the team kept most partnerships where they are and left
    # two downgrades open, in their grace period.
    downgrades = tiers.tier_move_list(org=org, status="proposed").filter(direction="downgrade").order_by("id")
    for move in list(downgrades)[2:]:
        tiers.tier_move_dismiss(org=org, actor=manager, move=move, note="Kept during the program's first year")


def _commissions(ctx, manager, admin) -> None:
    org = ctx.org
    by_name = {p.name: p for p in Program.objects.for_org(org)}
    if "Reseller" in by_name:
        incentives.commission_rule_create(
            org=org,
            actor=admin,
            program=by_name["Reseller"],
            data={"name": "Resale: 20 % of product value", "kind": "percent", "basis": "credit", "rate": Decimal("20")},
        )
        gold = by_name["Reseller"].tiers.filter(name="Gold").first()
        if gold is not None:
            incentives.commission_rule_create(
                org=org,
                actor=admin,
                program=by_name["Reseller"],
                data={
                    "name": "Gold recurring: 5 % for two years",
                    "kind": "percent",
                    "basis": "credit",
                    "tier": gold,
                    "rate": Decimal("5"),
                    "recurring_periods": 2,
                },
            )
    if "Referral" in by_name:
        incentives.commission_rule_create(
            org=org,
            actor=admin,
            program=by_name["Referral"],
            data={
                "name": "Referral: 1,000 per converted lead",
                "kind": "fixed_fee",
                "rate": Decimal("1000"),
                "fee_currency": org.currency,
                "requires_involvement": False,
            },
        )
    if "Services" in by_name:
        incentives.commission_rule_create(
            org=org,
            actor=admin,
            program=by_name["Services"],
            data={
                "name": "First-year revenue: 20 % below 50,000 a year, 40 % above",
                "kind": "threshold",
                "basis": "credit",
                "rate": Decimal("20"),
                "threshold": Decimal("50000"),
                "rate_above": Decimal("40"),
            },
        )
    incentives.commission_accruals(org=org)
    today = timezone.localdate()
    quarter_start = datetime.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    last_end = quarter_start - datetime.timedelta(days=1)
    last_start = datetime.date(last_end.year, 3 * ((last_end.month - 1) // 3) + 1, 1)
    earlier = datetime.date(2000, 1, 1)
    incentives.statements_generate(
        org=org, actor=manager, period_start=earlier, period_end=last_start - datetime.timedelta(days=1)
    )
    for statement in incentives.statement_list(org=org, status="draft"):
        incentives.statement_approve(org=org, actor=admin, statement=statement)
        incentives.statement_pay(
            org=org,
            actor=admin,
            statement=statement,
            payment_reference=f"SEPA-{statement.period_end:%Y}-{statement.pk:04d}",
        )
    incentives.statements_generate(org=org, actor=manager, period_start=last_start, period_end=last_end)
    drafts = list(incentives.statement_list(org=org, status="draft").order_by("-total"))
    for statement in drafts[: len(drafts) // 2]:
        incentives.statement_approve(org=org, actor=admin, statement=statement)


def _proof(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"Attendee list and photos of the event\n", content_type="text/plain")


def _funds(ctx, manager, spaces) -> None:
    org = ctx.org
    today = timezone.localdate()
    start = datetime.date(today.year, 1 if today.month <= 6 else 7, 1)
    end = datetime.date(today.year, 6, 30) if today.month <= 6 else datetime.date(today.year, 12, 31)
    stages = ["submitted", "approved", "rejected", "claimed", "reimbursed", "closed"]
    budgets: dict[int, MdfBudget] = {}
    for index, stage in enumerate(stages):
        workspace, partnership, person = spaces[index % len(spaces)]
        budget = budgets.get(partnership.program_id)
        if budget is None:
            budget = budgets[partnership.program_id] = mdf.mdf_budget_create(
                org=org,
                actor=manager,
                program=partnership.program,
                data={
                    "name": f"{partnership.program.name} co-marketing fund H{1 if start.month == 1 else 2}",
                    "period_start": start,
                    "period_end": end,
                    "amount": Decimal("40000"),
                    "currency": org.currency,
                },
            )
        access = selectors.workspace_access(user=person, workspace=workspace)
        partnerships = programs.program_partnerships(access=access)
        day = max(start, min(today, end))
        request = programs.fund_request_file(
            access=access,
            actor=person,
            partnerships=partnerships,
            data={
                "partnership": partnership.pk,
                "budget": budget.pk,
                "activity": [
                    "Customer roadshow",
                    "Webinar series",
                    "Trade fair booth",
                    "Joint e-mail campaign",
                    "Executive dinner",
                    "Hands-on workshop",
                ][index],
                "description": "Co-marketing with Nimbus",
                "start_date": day,
                "end_date": day,
                "amount_requested": Decimal(str(2000 + 1500 * index)),
                "expected_outcome": "Qualified leads",
                "expected_leads": 20 + 5 * index,
                "campaign_code": f"DEMO-MDF-{index + 1}",
            },
        )
        if stage == "submitted":
            continue
        if stage == "rejected":
            mdf.mdf_request_decide(
                org=org,
                actor=manager,
                request=request,
                approve=False,
                comment="Outside this half-year's focus segments",
            )
            continue
        mdf.mdf_request_decide(org=org, actor=manager, request=request, approve=True, comment="Go ahead")
        if stage == "approved":
            continue
        programs.fund_claim_file(
            access=access,
            actor=person,
            pk=request.pk,
            files=[_proof("attendees.txt")],
            data={
                "amount_claimed": request.amount_requested - Decimal("250"),
                "leads_generated": 18 + index,
                "results": "Leads handed over to the Nimbus account executives",
            },
        )
        if stage == "claimed":
            continue
        claim = request.claim
        claim = mdf.mdf_claim_decide(org=org, actor=manager, claim=claim, approve=True)
        mdf.mdf_reimburse(
            org=org,
            actor=manager,
            claim=claim,
            amount=claim.amount_approved,
            payment_reference=f"MDF-PAY-{index + 1:03d}",
        )
        if stage == "closed":
            mdf.mdf_compliance_check(org=org, actor=manager, claim=claim, passed=True)
        # What the campaign produced: tag a few of the partnership's deals with its code.
        deals = Opportunity.objects.for_org(org).filter(partners__partnership=partnership).order_by("id")[:3]
        Opportunity.objects.for_org(org).filter(pk__in=[d.pk for d in deals]).update(
            campaign_code=request.campaign_code
        )


def _solutions(ctx, manager, spaces) -> None:
    org = ctx.org
    (ws_a, isv, person_a) = spaces[0]
    (_ws_b, si, _person_b) = spaces[1 % len(spaces)]
    # A partner's idea, vetted and past its first approvals: now in certification.
    access = selectors.workspace_access(user=person_a, workspace=ws_a)
    connector = programs.idea_submit(
        access=access,
        actor=person_a,
        partnerships=[isv],
        data={
            "title": "Nimbus Insight connector",
            "problem": "Finance teams re-key usage data from Nimbus into their ERP.",
            "target_customers": "Mid-market finance teams on SAP",
        },
    )
    connector = solutions.solution_vet(
        org=org,
        actor=manager,
        solution=connector,
        accept=True,
        note="Strong demand from the field; 40 accounts asked for it",
    )
    for step in list(connector.steps.order_by("order"))[:2]:
        if step.owner_side in ("partner", "both"):
            programs.step_act(access=access, actor=person_a, pk=step.pk, action="complete")
        else:
            solutions.solution_step_complete(org=org, actor=manager, step=step, side="vendor")
        solutions.solution_step_approve(org=org, actor=manager, step=step, side="vendor")
        programs.step_act(access=access, actor=person_a, pk=step.pk, action="approve")
    solutions.solution_split_set(
        org=org, actor=manager, solution=connector, shares=[{"partnership_id": isv.pk, "percent": "60", "role": "ISV"}]
    )
    # A field idea already launched and sold jointly by an ISV and an integrator.
    bundle = solutions.solution_idea_submit(
        org=org,
        actor=manager,
        title="Managed security bundle",
        problem="Customers want one contract for platform, SOC and rollout.",
        source=JointSolution.Source.FIELD,
        partnerships=[isv, si],
    )
    bundle = solutions.solution_vet(org=org, actor=manager, solution=bundle, accept=True)
    for step in bundle.steps.order_by("order"):
        if step.phase == "joint_sell":
            break
        solutions.solution_step_complete(
            org=org, actor=manager, step=step, side="vendor" if step.owner_side != "partner" else "partner"
        )
        if step.vendor_approval:
            solutions.solution_step_approve(org=org, actor=manager, step=step, side="vendor")
        if step.partner_approval:
            solutions.solution_step_approve(org=org, actor=person_a, step=step, side="partner")
    solutions.solution_update(
        org=org,
        actor=manager,
        solution=bundle,
        data={"marketplace_url": "https://marketplace.nimbus.example/managed-security"},
    )
    if isv.pk != si.pk:
        solutions.solution_split_set(
            org=org,
            actor=manager,
            solution=bundle,
            shares=[
                {"partnership_id": isv.pk, "percent": "40", "role": "ISV"},
                {"partnership_id": si.pk, "percent": "40", "role": "SI"},
            ],
        )
    deals = Opportunity.objects.for_org(org).filter(status="won").order_by("-closed_on")[:4]
    Opportunity.objects.for_org(org).filter(pk__in=[d.pk for d in deals]).update(joint_solution=bundle.title)
    # A third idea waits for vetting.
    solutions.solution_idea_submit(
        org=org,
        actor=manager,
        title="Usage-based billing starter",
        problem="Partners ask for a packaged billing setup for small customers.",
    )


def seed(ctx) -> None:
    manager = ctx.users.get(Role.MANAGER) or ctx.users[Role.OWNER]
    admin = ctx.users.get(Role.ADMIN) or ctx.users[Role.OWNER]
    spaces = _partner_workspaces(ctx.org)
    _points(ctx, manager, admin)
    if spaces:
        _funds(ctx, manager, spaces)
        _solutions(ctx, manager, spaces)
    # Credit again (joint-solution splits now apply), then commissions on it.
    run = AttributionRun.objects.create(organization=ctx.org, trigger="demo", requested_by=manager)
    runs.attribution_run_execute(org=ctx.org, run=run)
    _commissions(ctx, manager, admin)
