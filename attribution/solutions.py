"""Joint solutions: idea -> vetting -> steps from a template with approvals from both companies -> joint sell.

Steps run in order; a step is done when its owner side marks it done and every approval it needs
(vendor side, partner side) is given. The solution's partners and shares become one split rule of the
attribution library (`split_rule_create` / `split_rule_revise`, matched on the opportunity's
`joint_solution` = the solution's title), so a deal on the solution is credited by it.
"""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Prefetch, Q, QuerySet, Sum
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from attribution import services as attribution_services
from attribution.models import (
    JointSolution,
    Opportunity,
    SolutionPartner,
    SolutionStep,
    SolutionTemplate,
    SolutionTemplateStep,
    SplitRule,
)
from attribution.models_solutions import OwnerSide, Phase
from partners.models import Partnership
from pom import hooks
from pom.audit import Actor, audit_action, create_instance, update_fields
from pom.common import actor_user
from pom.models import Organization, User

DEFAULT_TEMPLATE = [
    # (name, phase, owner side, vendor approval, partner approval)
    ("Build the integration or offer together", Phase.BUILD, OwnerSide.BOTH, True, True),
    ("Approve the solution for market", Phase.APPROVE, OwnerSide.VENDOR, True, True),
    ("Certify the connector or solution", Phase.CERTIFY, OwnerSide.VENDOR, True, False),
    ("Package and publish the marketplace listing", Phase.PUBLISH, OwnerSide.PARTNER, True, True),
    ("Launch with the first customers", Phase.LAUNCH, OwnerSide.BOTH, True, True),
    ("Sell jointly and recommend to customers", Phase.JOINT_SELL, OwnerSide.BOTH, False, False),
]


def solution_template_default(*, org: Organization) -> SolutionTemplate:
    """The organization's default lifecycle (build, approve, certify, publish, launch, joint sell), created once."""
    template = SolutionTemplate.objects.for_org(org).filter(is_default=True).first()
    if template is not None:
        return template
    template = SolutionTemplate.objects.create(
        organization=org,
        name=_("Co-development lifecycle"),
        is_default=True,
        description=_("The same steps for every joint solution, with owners and approvals from both companies."),
    )
    SolutionTemplateStep.objects.bulk_create(
        [
            SolutionTemplateStep(
                organization=org,
                template=template,
                order=i,
                name=name,
                phase=phase,
                owner_side=side,
                vendor_approval=vendor,
                partner_approval=partner,
            )
            for i, (name, phase, side, vendor, partner) in enumerate(DEFAULT_TEMPLATE, 1)
        ]
    )
    return template


_user = actor_user  # pom.common


@transaction.atomic
def solution_idea_submit(
    *,
    org: Organization,
    actor: Actor,
    title: str,
    problem: str,
    target_customers: str = "",
    source: str = JointSolution.Source.FIELD,
    partnerships: list[Partnership] = (),
) -> JointSolution:
    """Record an idea (from the field or from a partner) with the partnerships it involves. Audited."""
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Give the idea a title.")})
    if not (problem or "").strip():
        raise ValidationError({"problem": _("Describe the customer problem it solves.")})
    if JointSolution.objects.for_org(org).filter(title__iexact=title).exists():
        raise ValidationError({"title": _("A joint solution called “%(t)s” exists already.") % {"t": title}})
    solution = create_instance(
        org=org,
        actor=actor,
        instance=JointSolution(
            organization=org,
            title=title,
            problem=problem.strip(),
            target_customers=target_customers,
            source=source,
            status=JointSolution.Status.VETTING,
            submitted_by=_user(actor),
        ),
    )
    for partnership in partnerships:
        if partnership.organization_id != org.id:
            raise ValidationError({"partnerships": _("Unknown partnership.")})
        create_instance(
            org=org, actor=actor, instance=SolutionPartner(organization=org, solution=solution, partnership=partnership)
        )
    hooks.emit("solution.idea_submitted", org=org, actor=actor, solution=solution)
    return solution


@transaction.atomic
def solution_vet(
    *,
    org: Organization,
    actor: Actor,
    solution: JointSolution,
    accept: bool,
    note: str = "",
    template: SolutionTemplate | None = None,
    owner: User | None = None,
) -> JointSolution:
    """Accept an idea (its steps are copied from the template) or decline it with a note. Audited."""
    solution = JointSolution.objects.for_org(org).select_for_update().get(pk=solution.pk)
    if solution.status not in (JointSolution.Status.IDEA, JointSolution.Status.VETTING):
        raise ValidationError({"status": _("This idea was already vetted.")})
    if not accept:
        if not (note or "").strip():
            raise ValidationError({"note": _("Say why the idea is not pursued.")})
        solution = update_fields(
            org=org,
            actor=actor,
            instance=solution,
            data={"status": JointSolution.Status.REJECTED, "vetting_note": note.strip()},
        )
    else:
        template = template or solution_template_default(org=org)
        if template.organization_id != org.id:
            raise ValidationError({"template": _("Unknown template.")})
        steps = list(SolutionTemplateStep.objects.for_org(org).filter(template=template))
        if not steps:
            raise ValidationError({"template": _("This template has no steps.")})
        SolutionStep.objects.bulk_create(
            [
                SolutionStep(
                    organization=org,
                    solution=solution,
                    order=s.order,
                    name=s.name,
                    phase=s.phase,
                    owner_side=s.owner_side,
                    vendor_approval=s.vendor_approval,
                    partner_approval=s.partner_approval,
                )
                for s in steps
            ]
        )
        solution = update_fields(
            org=org,
            actor=actor,
            instance=solution,
            data={
                "status": JointSolution.Status.ACTIVE,
                "template": template,
                "vetting_note": (note or "").strip(),
                "owner": owner or _user(actor),
            },
        )
    hooks.emit("solution.vetted", org=org, actor=actor, solution=solution)
    return solution


def _check_order(org: Organization, step: SolutionStep) -> None:
    earlier = (
        SolutionStep.objects.for_org(org)
        .filter(solution_id=step.solution_id, order__lt=step.order)
        .exclude(status=SolutionStep.Status.DONE)
        .order_by("order")
        .first()
    )
    if earlier is not None:
        raise ValidationError({"step": _("“%(s)s” comes first.") % {"s": earlier.name}})


def step_approvals_missing(step: SolutionStep) -> list[str]:
    """The sides whose approval the step still needs."""
    missing = []
    if step.vendor_approval and step.vendor_approved_at is None:
        missing.append("vendor")
    if step.partner_approval and step.partner_approved_at is None:
        missing.append("partner")
    return missing


def _finish_if_ready(org: Organization, actor: Actor, step: SolutionStep, done_requested: bool) -> SolutionStep:
    if step.status == SolutionStep.Status.DONE or not done_requested or step_approvals_missing(step):
        return step
    step = update_fields(
        org=org, actor=actor, instance=step, data={"status": SolutionStep.Status.DONE, "completed_at": timezone.now()}
    )
    solution = step.solution
    data = {}
    if step.phase == Phase.CERTIFY:
        data.update(certification=JointSolution.Certification.CERTIFIED, badge=True)
    if step.phase == Phase.PUBLISH and not solution.listed_on:
        data["listed_on"] = timezone.localdate()
    if step.phase == Phase.LAUNCH:
        data["status"] = JointSolution.Status.LAUNCHED
    if data:
        update_fields(org=org, actor=actor, instance=solution, data=data)
    return step


@transaction.atomic
def solution_step_approve(
    *, org: Organization, actor: Actor, step: SolutionStep, side: str, note: str = ""
) -> SolutionStep:
    """Approve a step for one side (`vendor` or `partner`: the caller decides which side the person is on).

    The step is done once its owner marked it done (`solution_step_complete`) and every approval it
    needs is in; an approval before that is kept. Audited; emits "solution.step_changed".
    """
    step = SolutionStep.objects.for_org(org).select_for_update().select_related("solution").get(pk=step.pk)
    if step.solution.status not in (JointSolution.Status.ACTIVE, JointSolution.Status.LAUNCHED):
        raise ValidationError({"step": _("The solution is not in its lifecycle.")})
    _check_order(org, step)
    field = {"vendor": "vendor", "partner": "partner"}.get(side)
    if field is None or not getattr(step, f"{field}_approval"):
        raise ValidationError({"side": _("This step needs no approval from that side.")})
    if getattr(step, f"{field}_approved_at") is not None:
        raise ValidationError({"side": _("This side already approved the step.")})
    data = {f"{field}_approved_by": _user(actor), f"{field}_approved_at": timezone.now()}
    if note:
        data["note"] = note[:300]
    step = update_fields(org=org, actor=actor, instance=step, data=data)
    step = _finish_if_ready(org, actor, step, done_requested=step.marked_done_at is not None)
    hooks.emit("solution.step_changed", org=org, actor=actor, solution=step.solution, step=step)
    return step


@transaction.atomic
def solution_step_complete(
    *, org: Organization, actor: Actor, step: SolutionStep, side: str, note: str = ""
) -> SolutionStep:
    """The owner side marks its step done; it is done once the approvals it needs are in too."""
    step = SolutionStep.objects.for_org(org).select_for_update().select_related("solution").get(pk=step.pk)
    if step.solution.status not in (JointSolution.Status.ACTIVE, JointSolution.Status.LAUNCHED):
        raise ValidationError({"step": _("The solution is not in its lifecycle.")})
    if step.status == SolutionStep.Status.DONE or step.marked_done_at is not None:
        raise ValidationError({"step": _("This step is marked done already.")})
    if step.owner_side != OwnerSide.BOTH and step.owner_side != side:
        raise ValidationError({"side": _("The %(side)s side owns this step.") % {"side": step.owner_side}})
    _check_order(org, step)
    data = {"marked_done_at": timezone.now(), "marked_done_by": _user(actor)}
    if note:
        data["note"] = note[:300]
    step = update_fields(org=org, actor=actor, instance=step, data=data)
    step = _finish_if_ready(org, actor, step, done_requested=True)
    hooks.emit("solution.step_changed", org=org, actor=actor, solution=step.solution, step=step)
    return step


@transaction.atomic
def solution_update(*, org: Organization, actor: Actor, solution: JointSolution, data: dict) -> JointSolution:
    """Change the description, certification, badge, marketplace listing or status. Audited."""
    allowed = (
        "problem",
        "target_customers",
        "certification",
        "badge",
        "marketplace_url",
        "listed_on",
        "owner",
        "status",
    )
    data = {k: v for k, v in data.items() if k in allowed}
    solution = JointSolution.objects.for_org(org).select_for_update().get(pk=solution.pk)  # not a stale copy
    if data.get("badge") and data.get("certification", solution.certification) != JointSolution.Certification.CERTIFIED:
        raise ValidationError({"badge": _("Only a certified solution shows the badge.")})
    return update_fields(org=org, actor=actor, instance=solution, data=data)


@transaction.atomic
def solution_split_set(
    *, org: Organization, actor: Actor, solution: JointSolution, shares: list[dict], note: str = ""
) -> JointSolution:
    """Set the partners' shares of the credit for deals on the solution, as a split rule of the library.

    `shares`: [{"partnership_id", "percent", "role"}]; the total is at most 100 % (the rest stays
    unattributed). The first call creates the rule (match on joint solution = the title); later calls add
    a version, so earlier credit keeps the version it was computed with. Audited.
    """
    rule_shares = [{"partnership_id": s.get("partnership_id"), "percent": s.get("percent")} for s in shares]
    solution = JointSolution.objects.for_org(org).select_for_update().get(pk=solution.pk)  # not a stale copy
    if solution.split_rule_id:
        rule = SplitRule.objects.for_org(org).get(pk=solution.split_rule_id)
        attribution_services.split_rule_revise(org=org, actor=actor, rule=rule, shares=rule_shares, note=note)
    else:
        # The ledger stores "<rule name> v<version>" (CreditAllocation.rule_version, 160 characters).
        suffix = f" (JS{solution.pk})"
        name = f"{solution.title[: 120 - len(suffix)].strip()}{suffix}"
        rule = attribution_services.split_rule_create(
            org=org,
            actor=actor,
            name=name,
            match_on=SplitRule.MatchOn.JOINT_SOLUTION,
            match_value=solution.title,
            shares=rule_shares,
            note=note,
        )
        solution = update_fields(org=org, actor=actor, instance=solution, data={"split_rule": rule})
    links = {link.partnership_id: link for link in SolutionPartner.objects.for_org(org).filter(solution=solution)}
    for share in shares:
        pid = int(share["partnership_id"])
        percent = Decimal(str(share["percent"])).quantize(Decimal("0.01"))
        if pid in links:
            update_fields(
                org=org,
                actor=actor,
                instance=links[pid],
                data={"share_percent": percent, "role": share.get("role", links[pid].role)},
            )
        else:
            create_instance(
                org=org,
                actor=actor,
                instance=SolutionPartner(
                    organization=org,
                    solution=solution,
                    partnership_id=pid,
                    share_percent=percent,
                    role=share.get("role", ""),
                ),
            )
    audit_action(org=org, actor=actor, obj=solution, verb="split set", changes={"shares": rule_shares})
    return solution


# Reads ------------------------------------------------------------------------------------------


def solution_list(*, org: Organization, partnership_ids=None, status: str | None = None) -> QuerySet[JointSolution]:
    links = SolutionPartner.objects.for_org(org).select_related("partnership__partner", "partnership__program")
    steps = SolutionStep.objects.for_org(org).select_related("owner", "vendor_approved_by", "partner_approved_by")
    qs = JointSolution.objects.for_org(org).prefetch_related(
        Prefetch("partner_links", queryset=links), Prefetch("steps", queryset=steps)
    )
    if partnership_ids is not None:
        qs = qs.filter(partner_links__partnership_id__in=list(partnership_ids)).distinct()
    if status:
        qs = qs.filter(status=status)
    return qs


def current_step(solution: JointSolution) -> SolutionStep | None:
    """The first step not done (uses the prefetched steps)."""
    return next((s for s in solution.steps.all() if s.status != SolutionStep.Status.DONE), None)


def solution_deals(*, org: Organization, solution: JointSolution) -> QuerySet[Opportunity]:
    """Deals whose `joint_solution` names this solution (case-insensitive, as the split rule matches)."""
    return (
        Opportunity.objects.for_org(org)
        .annotate(js=Lower("joint_solution"))
        .filter(js=solution.title.strip().lower())
        .select_related("account")
    )


def retention_effect(*, users_retained: int, users: int, others_retained: int, others: int) -> dict:
    """Retention of customers using the solution against the others: the share of customers with a won
    deal who won again later (renewal, upsell), for accounts with a won deal on the solution and for every
    other customer account. A difference in points, not a causal effect."""

    def share(a, b):
        return (Decimal(a) * 100 / b).quantize(Decimal("0.1")) if b else None

    with_solution, without = share(users_retained, users), share(others_retained, others)
    delta = with_solution - without if with_solution is not None and without is not None else None
    return {"with": with_solution, "without": without, "delta": delta, "users": users, "others": others}


def solution_impact(*, org: Organization, solution: JointSolution) -> dict:
    """Customers using the solution, their pipeline and revenue, and the retention comparison (3 queries)."""
    deals = solution_deals(org=org, solution=solution)
    totals = list(
        deals.order_by()
        .values("currency")
        .annotate(
            won=Sum("amount", filter=Q(status=Opportunity.Status.WON)),
            pipeline=Sum("amount", filter=Q(status=Opportunity.Status.OPEN)),
            count=Count("id"),
        )
    )
    user_accounts = set(deals.filter(status=Opportunity.Status.WON).values_list("account_id", flat=True))
    wins = (
        Opportunity.objects.for_org(org)
        .filter(status=Opportunity.Status.WON)
        .order_by()
        .values("account_id")
        .annotate(n=Count("id"))
    )
    users = users_retained = others = others_retained = 0
    for row in wins:
        repeat = row["n"] > 1
        if row["account_id"] in user_accounts:
            users, users_retained = users + 1, users_retained + int(repeat)
        else:
            others, others_retained = others + 1, others_retained + int(repeat)
    return {
        "totals": totals,
        "customers": len(user_accounts),
        "retention": retention_effect(
            users_retained=users_retained, users=users, others_retained=others_retained, others=others
        ),
        "how": " ".join(retention_effect.__doc__.split()),
    }
