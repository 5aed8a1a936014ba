"""Market development funds, the reads: what budgets hold (as SQL expressions, one query per page),
what is left to request, who may decide, the next step of a request, and the lists the pages show."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from attribution.models import MdfBudget, MdfClaim, MdfEvent, MdfProof, MdfRequest
from partners.models import Partnership, Program
from pom.models import Membership, Organization, Role, User, role_at_least

ZERO = Decimal("0")


MONEY_FIELD = DecimalField(max_digits=14, decimal_places=2)


def _held_expression():
    """What one request holds of its budget (see `MdfRequest.held_amount`), as a SQL expression."""
    done = Q(
        status__in=[MdfRequest.Status.REIMBURSED, MdfRequest.Status.CLOSED], claim__reimbursed_amount__isnull=False
    )
    return Case(
        When(~Q(status__in=MdfRequest.HOLDING), then=Value(ZERO)),
        When(done, then=F("claim__reimbursed_amount")),
        default=Coalesce(F("amount_approved"), F("amount_requested")),
        output_field=MONEY_FIELD,
    )


def budget_usage(*, org: Organization, budget_ids) -> dict[int, dict]:
    """Per budget: held (committed), approved, claimed, reimbursed and requests count, in one query."""
    rows = (
        MdfRequest.objects.for_org(org)
        .filter(budget_id__in=list(budget_ids))
        .order_by()
        .values("budget_id")
        .annotate(
            held=Coalesce(Sum(_held_expression()), Value(ZERO), output_field=MONEY_FIELD),
            approved=Coalesce(
                Sum(
                    "amount_approved", filter=Q(status__in=MdfRequest.HOLDING) & ~Q(status=MdfRequest.Status.SUBMITTED)
                ),
                Value(ZERO),
                output_field=MONEY_FIELD,
            ),
            claimed=Coalesce(Sum("claim__amount_claimed"), Value(ZERO), output_field=MONEY_FIELD),
            reimbursed=Coalesce(Sum("claim__reimbursed_amount"), Value(ZERO), output_field=MONEY_FIELD),
            requests=Count("id"),
        )
    )
    return {row.pop("budget_id"): row for row in rows}


def with_held_totals(*, org: Organization, budgets: QuerySet[MdfBudget]) -> QuerySet[MdfBudget]:
    """Budgets annotated with `held_total` (what their requests hold), as one subquery."""
    held = (
        MdfRequest.objects.for_org(org)
        .filter(budget_id=OuterRef("pk"))
        .order_by()
        .values("budget_id")
        .annotate(t=Sum(_held_expression()))
        .values("t")[:1]
    )
    return budgets.annotate(
        held_total=Coalesce(Subquery(held, output_field=MONEY_FIELD), Value(ZERO), output_field=MONEY_FIELD)
    )


def _held_by(org: Organization, budget: MdfBudget, partnership_id: int | None = None, exclude_pk=None) -> Decimal:
    qs = MdfRequest.objects.for_org(org).filter(budget=budget).exclude(pk=exclude_pk)
    if partnership_id is not None:
        qs = qs.filter(partnership_id=partnership_id)
    return qs.aggregate(t=Coalesce(Sum(_held_expression()), Value(ZERO), output_field=MONEY_FIELD))["t"]


def budget_remaining(*, org: Organization, budget: MdfBudget, partnership: Partnership | None = None) -> Decimal:
    """What is left to request: the budget (or the partnership's allocation) minus what requests hold."""
    if budget.allocation == MdfBudget.Allocation.PER_PARTNERSHIP and partnership is not None:
        allocated = Decimal(str(budget.allocations.get(str(partnership.pk), "0")))
        return allocated - _held_by(org, budget, partnership.pk)
    return budget.amount - _held_by(org, budget)


def can_decide(*, org: Organization, budget: MdfBudget, user) -> bool:
    """The budget's configured approvers decide; without any, every manager of the organization does."""
    if not isinstance(user, User):
        return False
    if budget.approvers:
        return user.pk in budget.approvers
    role = Membership.objects.for_org(org).filter(user=user).values_list("role", flat=True).first()
    return role is not None and role_at_least(role, Role.MANAGER)


def next_step(request: MdfRequest) -> tuple[str, str]:
    """What happens next and which side is accountable: (text, "vendor" | "partner" | "")."""
    claim = (
        getattr(request, "claim", None)
        if request.status in (MdfRequest.Status.CLAIMED, MdfRequest.Status.REIMBURSED, MdfRequest.Status.CLOSED)
        else None
    )
    steps = {
        MdfRequest.Status.SUBMITTED: (_("An approver decides on the request"), "vendor"),
        MdfRequest.Status.APPROVED: (_("Run the activity, then claim with proof of performance"), "partner"),
        MdfRequest.Status.REJECTED: (_("Nothing: the request was rejected"), ""),
        MdfRequest.Status.WITHDRAWN: (_("Nothing: the request was withdrawn"), ""),
        MdfRequest.Status.REIMBURSED: (_("Compliance check"), "vendor"),
        MdfRequest.Status.CLOSED: (_("Nothing: reimbursed and checked"), ""),
    }
    if request.status == MdfRequest.Status.CLAIMED and claim is not None:
        if claim.status == MdfClaim.Status.SUBMITTED:
            return _("An approver reviews the claim and its proof"), "vendor"
        if claim.status == MdfClaim.Status.APPROVED:
            return _("Finance pays the approved claim"), "vendor"
        if claim.status == MdfClaim.Status.REJECTED:
            return _("Claim again with the missing proof"), "partner"
    return steps.get(request.status, ("", ""))


def mdf_budget_list(*, org: Organization, program: Program | None = None) -> QuerySet[MdfBudget]:
    qs = MdfBudget.objects.for_org(org).select_related("program")
    return qs.filter(program=program) if program is not None else qs


def mdf_request_list(
    *,
    org: Organization,
    partnership_ids=None,
    status: str | None = None,
    budget: MdfBudget | None = None,
    with_trail: bool = False,
) -> QuerySet[MdfRequest]:
    """Requests with their budget, partnership and claim; `with_trail` prefetches the trail and proofs."""
    qs = MdfRequest.objects.for_org(org).select_related(
        "budget", "partnership__partner", "partnership__program", "claim", "submitted_by", "decided_by"
    )
    if with_trail:
        qs = qs.prefetch_related(
            Prefetch("events", queryset=MdfEvent.objects.for_org(org).order_by("at", "id")),
            Prefetch("claim__proofs", queryset=MdfProof.objects.for_org(org).order_by("created_at")),
        )
    if partnership_ids is not None:
        qs = qs.filter(partnership_id__in=list(partnership_ids))
    if status:
        qs = qs.filter(status=status)
    if budget is not None:
        qs = qs.filter(budget=budget)
    return qs


def mdf_trail(*, org: Organization, request: MdfRequest) -> QuerySet[MdfEvent]:
    return MdfEvent.objects.for_org(org).filter(request=request)
