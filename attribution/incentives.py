"""Incentives: commission rules, accruals computed from won deals and their credit, statements, clawbacks.

The arithmetic is a set of pure functions (one per rule kind, each with the docstring shown under
"How is this computed?"); `commission_accruals` reads every won deal and credit row it needs in a fixed
number of queries, computes what each rule owes each partnership, and reconciles that with the stored
accruals: lines not yet on an approved statement are replaced; lines already approved or paid are never
changed, a difference (a cancelled deal, a smaller amount) becomes a clawback line on the next statement.
Money stays in the deal's currency (fixed fees in the rule's currency), as `Decimal`.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from attribution import selectors
from attribution.commissions import (
    HUNDRED,
    Line,
    commission_fixed_fee,
    commission_percent,
    commission_threshold,
    qualification,
    reconcile,
    schedule,
)
from attribution.models import Accrual, CommissionRule, Opportunity, OpportunityPartner, Statement
from partners.models import Program
from pom import exports, hooks
from pom.audit import Actor, audit_action, create_instance, update_fields
from pom.models import Organization, User

# Validation of rules ---------------------------------------------------------------------------


def _check_rule(rule: CommissionRule) -> None:
    if rule.rate is None or rule.rate < 0:
        raise ValidationError({"rate": _("The rate cannot be negative.")})
    percent_kinds = (CommissionRule.Kind.PERCENT, CommissionRule.Kind.THRESHOLD)
    if rule.kind in percent_kinds and rule.rate > HUNDRED:
        raise ValidationError({"rate": _("A commission cannot be more than 100 %% (got %(r)s %%).") % {"r": rule.rate}})
    if rule.kind == CommissionRule.Kind.THRESHOLD:
        if rule.threshold is None or rule.threshold <= 0:
            raise ValidationError({"threshold": _("A threshold rule needs a yearly threshold above zero.")})
        if rule.rate_above is None:
            raise ValidationError({"rate_above": _("Give the rate that applies above the threshold.")})
        if not 0 <= rule.rate_above <= HUNDRED:
            raise ValidationError({"rate_above": _("A commission cannot be more than 100 %.")})
    elif rule.threshold is not None or rule.rate_above is not None:
        raise ValidationError({"threshold": _("Only threshold rules take a threshold and a rate above it.")})
    if rule.tier_id and rule.tier.program_id != rule.program_id:
        raise ValidationError({"tier": _("This tier belongs to another program.")})


RULE_FIELDS = (
    "name",
    "kind",
    "basis",
    "scope",
    "rate",
    "threshold",
    "rate_above",
    "fee_currency",
    "requires_involvement",
    "recurring_periods",
    "is_active",
    "tier",
)


@transaction.atomic
def commission_rule_create(*, org: Organization, actor: Actor, program: Program, data: dict) -> CommissionRule:
    """Add a commission rule to a program (optionally one tier); accruals are recomputed. Audited."""
    if program.organization_id != org.id:
        raise ValidationError({"program": _("Unknown program.")})
    data = {k: v for k, v in data.items() if k in RULE_FIELDS}
    tier = data.get("tier")
    if tier is not None and tier.organization_id != org.id:
        raise ValidationError({"tier": _("Unknown tier.")})
    rule = CommissionRule(organization=org, program=program, **data)
    rule.name = (rule.name or "").strip()
    if CommissionRule.objects.for_org(org).filter(program=program, name__iexact=rule.name).exists():
        raise ValidationError({"name": _("This program already has a rule with that name.")})
    _check_rule(rule)
    rule = create_instance(org=org, actor=actor, instance=rule)
    commission_accruals_request(org=org, actor=actor)
    return rule


@transaction.atomic
def commission_rule_update(*, org: Organization, actor: Actor, rule: CommissionRule, data: dict) -> CommissionRule:
    """Change a rule; lines already approved stay as paid, the rest follow. Audited."""
    data = {k: v for k, v in data.items() if k in RULE_FIELDS}
    proposed = CommissionRule(**{f.attname: getattr(rule, f.attname) for f in rule._meta.concrete_fields})
    for key, value in data.items():
        setattr(proposed, key, value)
    _check_rule(proposed)
    rule = update_fields(org=org, actor=actor, instance=rule, data=data)
    commission_accruals_request(org=org, actor=actor)
    return rule


# Accruals ---------------------------------------------------------------------------------------


def commission_accruals_request(*, org: Organization, actor: Actor = None):
    """Queue the accrual job (debounced: changes made while one is queued join it)."""
    from attribution.tasks import heavy_commission_accruals
    from pom import jobs

    return jobs.job_request(
        org=org,
        kind="attribution.commissions",
        task=heavy_commission_accruals,
        actor=actor,
        label=_("Compute commissions"),
        countdown=5,
    )


def _desired(org: Organization, today: datetime.date) -> dict[tuple, dict]:
    """Every line the rules owe today: {(opportunity, partnership, rule, sequence): {...}} in a few queries."""
    rules = list(CommissionRule.objects.for_org(org).filter(is_active=True).select_related("tier"))
    if not rules:
        return {}
    rules_by_program = defaultdict(list)
    for rule in rules:
        rules_by_program[rule.program_id].append(rule)
    links = list(
        OpportunityPartner.objects.for_org(org)
        .filter(opportunity__status=Opportunity.Status.WON, partnership__program_id__in=list(rules_by_program))
        .select_related("opportunity", "partnership")
        .order_by("opportunity__closed_on", "opportunity_id", "id")
    )
    model = selectors.attribution_config(org=org).primary_model
    credit = {
        (row["opportunity_id"], row["partnership_id"]): row["total"]
        for row in selectors.credit_list(org=org, model=model)
        .filter(opportunity__status=Opportunity.Status.WON, partnership__isnull=False)
        .order_by()
        .values("opportunity_id", "partnership_id")
        .annotate(total=Sum("amount"))
    }
    first_win = _first_wins(org)
    volume: dict[tuple, Decimal] = defaultdict(Decimal)  # (partnership, rule, year, currency) -> won so far
    desired: dict[tuple, dict] = {}
    for link in links:
        opp, partnership = link.opportunity, link.partnership
        closed_on = opp.closed_on or opp.expected_close or today
        is_upsell = first_win.get(opp.account_id, (closed_on, opp.id)) < (closed_on, opp.id)
        for rule in rules_by_program[partnership.program_id]:
            basis_source = _("whole deal")
            basis = opp.amount
            if rule.basis == CommissionRule.Basis.CREDIT:
                basis = credit.get((opp.id, partnership.id), Decimal("0"))
                basis_source = _("credit of the %(model)s model") % {"model": model.replace("_", " ")}
            steps = [
                _("Deal “%(deal)s” won on %(date)s: %(amount)s %(cur)s; basis: %(source)s = %(basis)s")
                % {
                    "deal": opp.name,
                    "date": closed_on.isoformat(),
                    "amount": f"{opp.amount:,.2f}",
                    "cur": opp.currency,
                    "source": basis_source,
                    "basis": f"{basis:,.2f}",
                }
            ]
            why_not = qualification(
                rule=rule, partnership=partnership, role=link.role, ae_confirmed=link.ae_confirmed, is_upsell=is_upsell
            )
            if why_not:
                line = Line(Decimal("0.00"), rule.fee_currency or opp.currency, basis, [_("Not qualified: ") + why_not])
            elif rule.kind == CommissionRule.Kind.PERCENT:
                line = commission_percent(rule=rule, basis=basis, currency=opp.currency)
            elif rule.kind == CommissionRule.Kind.FIXED_FEE:
                line = commission_fixed_fee(rule=rule, basis=basis, currency=opp.currency, role=link.role)
            else:
                key = (partnership.id, rule.id, closed_on.year, opp.currency)
                line = commission_threshold(rule=rule, basis=basis, currency=opp.currency, volume_before=volume[key])
                volume[key] += basis
            for sequence, period in schedule(rule=rule, closed_on=closed_on):
                extra = (
                    [_("Payment %(k)s of %(n)s") % {"k": sequence, "n": rule.recurring_periods}]
                    if rule.recurring_periods > 1
                    else []
                )
                desired[(opp.id, partnership.id, rule.id, sequence)] = {
                    "period": period,
                    "amount": line.amount,
                    "currency": line.currency,
                    "basis": line.basis,
                    "explanation": steps + line.steps + extra,
                }
    return desired


def _first_wins(org: Organization) -> dict[int, tuple]:
    first: dict[int, tuple] = {}
    for row in (
        Opportunity.objects.for_org(org)
        .filter(status=Opportunity.Status.WON, closed_on__isnull=False)
        .values("account_id", "closed_on", "id")
    ):
        key = (row["closed_on"], row["id"])
        if row["account_id"] not in first or key < first[row["account_id"]]:
            first[row["account_id"]] = key
    return first


def commission_accruals(*, org: Organization, job=None, progress=None, today: datetime.date | None = None) -> dict:
    """Recompute every accrual of the organization (the body of the `attribution.commissions` job).

    1. Read rules, won deals with their partnerships, credit and first wins per account (fixed queries).
    2. Compute the lines owed (`_desired`), compare with the stored ones (`reconcile`).
    3. In one transaction: delete replaced lines, insert the new ones, refresh draft statement totals.
    Running it again with nothing changed writes nothing.
    """
    today = today or timezone.localdate()
    desired = _desired(org, today)
    if progress is not None:
        progress.update(done=0, total=len(desired), message=_("Computing %(n)s commission lines") % {"n": len(desired)})
    with transaction.atomic():
        existing = list(Accrual.objects.for_org(org).select_related("statement").select_for_update(of=("self",)))
        delete, write = reconcile(desired=desired, existing=existing)
        Accrual.objects.for_org(org).filter(pk__in=delete).delete()
        Accrual.objects.bulk_create(
            [
                Accrual(
                    organization=org,
                    opportunity_id=w["key"][0],
                    partnership_id=w["key"][1],
                    rule_id=w["key"][2],
                    sequence=w["key"][3],
                    kind=w["kind"],
                    revision=w["revision"],
                    period=w["period"],
                    basis_amount=w["basis"],
                    amount=w["amount"],
                    currency=w["currency"],
                    explanation=w["steps"],
                    statement_id=w["statement_id"],
                )
                for w in write
            ]
        )
        _refresh_totals(org, Statement.objects.for_org(org).filter(status=Statement.Status.DRAFT))
    return {"lines": len(desired), "written": len(write), "deleted": len(delete)}


def _refresh_totals(org: Organization, statements: QuerySet[Statement]) -> None:
    totals = dict(
        Accrual.objects.for_org(org)
        .filter(statement__in=statements)
        .order_by()
        .values("statement_id")
        .annotate(t=Sum("amount"))
        .values_list("statement_id", "t")
    )
    for statement in statements:
        total = totals.get(statement.pk) or Decimal("0")
        if statement.total != total:
            Statement.objects.for_org(org).filter(pk=statement.pk).update(total=total)


# Statements -------------------------------------------------------------------------------------


def statements_generate(
    *, org: Organization, actor: Actor, period_start: datetime.date, period_end: datetime.date
) -> dict:
    """Group every accrual of a period not yet on a statement into draft statements (one per partnership
    and currency); lines of earlier periods that arrived late (clawbacks) join too. A period already
    closed (an approved or paid statement covers part of it) is refused. Returns counts."""
    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    closed = (
        Statement.objects.for_org(org)
        .exclude(status=Statement.Status.DRAFT)
        .filter(period_start__lte=period_end, period_end__gte=period_start)
        .first()
    )
    if closed is not None:
        raise ValidationError(
            {
                "period_start": _(
                    "The period %(s)s – %(e)s is closed: a statement covering %(cs)s – %(ce)s is already %(status)s."
                )
                % {
                    "s": period_start.isoformat(),
                    "e": period_end.isoformat(),
                    "cs": closed.period_start.isoformat(),
                    "ce": closed.period_end.isoformat(),
                    "status": closed.get_status_display().lower(),
                }
            }
        )
    with transaction.atomic():
        lines = list(
            Accrual.objects.for_org(org)
            .select_for_update(of=("self",))
            .filter(Q(statement__isnull=True) | Q(statement__status=Statement.Status.DRAFT), period__lte=period_end)
            .exclude(amount=0)  # lines that only explain why nothing is owed stay off statements
            .select_related("partnership__program")
        )
        groups: dict[tuple, list[Accrual]] = defaultdict(list)
        for line in lines:
            groups[(line.partnership_id, line.currency)].append(line)
        created = 0
        touched = []
        for (partnership_id, currency), group in groups.items():
            terms = group[0].partnership.program.payment_terms_days
            statement, was_created = Statement.objects.get_or_create(
                organization=org,
                partnership_id=partnership_id,
                period_start=period_start,
                period_end=period_end,
                currency=currency,
                defaults={"expected_pay_on": period_end + datetime.timedelta(days=terms)},
            )
            created += int(was_created)
            touched.append(statement.pk)
            Accrual.objects.for_org(org).filter(pk__in=[a.pk for a in group]).update(statement=statement)
        # Lines may have moved from another draft (a longer period prepared after a shorter one): refresh every
        # draft's total and drop the drafts left empty.
        drafts = Statement.objects.for_org(org).filter(status=Statement.Status.DRAFT)
        drafts.exclude(pk__in=touched).filter(accruals__isnull=True).delete()
        _refresh_totals(org, drafts)
        audit_action(
            org=org,
            actor=actor,
            obj=org,
            verb="commission statements generated",
            changes={"period": [period_start, period_end], "statements": len(touched)},
        )
    return {"statements": len(touched), "created": created, "lines": len(lines)}


def statements_generate_request(
    *, org: Organization, actor: Actor, period_start: datetime.date, period_end: datetime.date
):
    """Check the period now (a clear error at once), then queue the generation as a job."""
    from attribution.tasks import heavy_commission_statements
    from pom import jobs

    if period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    closed = (
        Statement.objects.for_org(org)
        .exclude(status=Statement.Status.DRAFT)
        .filter(period_start__lte=period_end, period_end__gte=period_start)
        .exists()
    )
    if closed:
        raise ValidationError(
            {"period_start": _("This period is closed: a statement covering it is already approved or paid.")}
        )
    return jobs.job_request(
        org=org,
        kind="attribution.statements",
        task=heavy_commission_statements,
        actor=actor,
        key=f"{period_start.isoformat()}:{period_end.isoformat()}",
        label=_("Commission statements %(s)s – %(e)s") % {"s": period_start.isoformat(), "e": period_end.isoformat()},
        params={"period_start": period_start.isoformat(), "period_end": period_end.isoformat()},
    )


@transaction.atomic
def statement_approve(*, org: Organization, actor: Actor, statement: Statement) -> Statement:
    """Approve a draft statement: its lines are frozen from now on (later changes become clawbacks)."""
    statement = Statement.objects.for_org(org).select_for_update().get(pk=statement.pk)
    if statement.status != Statement.Status.DRAFT:
        raise ValidationError({"status": _("Only a draft statement can be approved.")})
    if not isinstance(actor, User):
        raise ValidationError({"approved_by": _("A person approves statements.")})
    statement = update_fields(
        org=org,
        actor=actor,
        instance=statement,
        data={"status": Statement.Status.APPROVED, "approved_by": actor, "approved_at": timezone.now()},
    )
    hooks.emit("commission.statement_approved", org=org, actor=actor, statement=statement)
    return statement


@transaction.atomic
def statement_pay(
    *,
    org: Organization,
    actor: Actor,
    statement: Statement,
    payment_reference: str,
    paid_on: datetime.date | None = None,
) -> Statement:
    """Mark an approved statement paid, with the payment reference finance gave it."""
    statement = Statement.objects.for_org(org).select_for_update().get(pk=statement.pk)
    if statement.status != Statement.Status.APPROVED:
        raise ValidationError({"status": _("Only an approved statement can be paid.")})
    reference = (payment_reference or "").strip()
    if not reference:
        raise ValidationError({"payment_reference": _("Give the payment reference.")})
    statement = update_fields(
        org=org,
        actor=actor,
        instance=statement,
        data={
            "status": Statement.Status.PAID,
            "payment_reference": reference,
            "paid_on": paid_on or timezone.localdate(),
        },
    )
    hooks.emit("commission.statement_paid", org=org, actor=actor, statement=statement)
    return statement


# Reads ------------------------------------------------------------------------------------------


def commission_rule_list(*, org: Organization) -> QuerySet[CommissionRule]:
    return CommissionRule.objects.for_org(org).select_related("program", "tier")


def accrual_list(*, org: Organization, partnership_ids=None, statement: Statement | None = None) -> QuerySet[Accrual]:
    qs = Accrual.objects.for_org(org).select_related(
        "opportunity", "rule", "statement", "partnership__partner", "partnership__program"
    )
    if partnership_ids is not None:
        qs = qs.filter(partnership_id__in=list(partnership_ids))
    if statement is not None:
        qs = qs.filter(statement=statement)
    return qs


def statement_list(*, org: Organization, partnership_ids=None, status: str | None = None) -> QuerySet[Statement]:
    qs = Statement.objects.for_org(org).select_related("partnership__partner", "partnership__program", "approved_by")
    if partnership_ids is not None:
        qs = qs.filter(partnership_id__in=list(partnership_ids))
    if status:
        qs = qs.filter(status=status)
    return qs


def earnings_summary(*, org: Organization, partnership_ids) -> list[dict]:
    """Per currency: expected (not yet on an approved statement), approved (waiting for payment) and paid."""
    rows = (
        Accrual.objects.for_org(org)
        .filter(partnership_id__in=list(partnership_ids))
        .order_by()
        .values("currency", "statement__status")
        .annotate(total=Sum("amount"))
    )
    summary: dict[str, dict] = {}
    for row in rows:
        bucket = summary.setdefault(
            row["currency"],
            {"currency": row["currency"], "expected": Decimal("0"), "approved": Decimal("0"), "paid": Decimal("0")},
        )
        status = row["statement__status"]
        key = (
            "paid"
            if status == Statement.Status.PAID
            else "approved"
            if status == Statement.Status.APPROVED
            else "expected"
        )
        bucket[key] += row["total"] or Decimal("0")
    return sorted(summary.values(), key=lambda b: b["currency"])


# Export for finance ------------------------------------------------------------------------------

# Cells are neutralised by the one export writer (pom.exports); kept importable here for callers.
neutralise = exports.neutralise


EXPORT_HEADERS = [
    "statement",
    "partner",
    "program",
    "period_start",
    "period_end",
    "status",
    "payment_reference",
    "deal",
    "rule",
    "kind",
    "period",
    "basis",
    "amount",
    "currency",
    "explanation",
]


def statement_rows(*, org: Organization, statements: QuerySet[Statement]) -> list[list]:
    """One row per accrual line of the statements, for finance (money as plain decimal text)."""
    rows = []
    for line in accrual_list(org=org).filter(statement__in=statements).order_by("statement_id", "period", "id"):
        st = line.statement
        rows.append(
            [
                st.pk,
                line.partnership.partner.name,
                line.partnership.program.name,
                st.period_start.isoformat(),
                st.period_end.isoformat(),
                st.status,
                st.payment_reference,
                line.opportunity.name,
                line.rule.name,
                line.kind,
                line.period.isoformat(),
                f"{line.basis_amount:.2f}",
                f"{line.amount:.2f}",
                line.currency,
                " / ".join(line.explanation),
            ]
        )
    return rows


def statements_export(*, org: Organization, statements: QuerySet[Statement], fmt: str) -> tuple[bytes, str]:
    """The statements' lines as CSV or XLSX bytes and a file name; every text cell is neutralised."""
    rows = statement_rows(org=org, statements=statements)
    stem = f"commissions-{org.slug}"
    content = exports.file_bytes(header=EXPORT_HEADERS, rows=rows, fmt=fmt, title="Commissions")
    return content, exports.filename_for(stem, "xlsx" if fmt == "xlsx" else "csv")


def statements_export_request(*, org: Organization, actor: Actor, fmt: str, status: str = ""):
    from attribution.tasks import heavy_commission_export
    from pom import jobs

    if fmt not in ("csv", "xlsx"):
        raise ValidationError({"format": _("Choose csv or xlsx.")})
    return jobs.job_request(
        org=org,
        kind="attribution.commission_export",
        task=heavy_commission_export,
        actor=actor,
        key=f"{fmt}:{status}",
        label=_("Export commission statements (%(fmt)s)") % {"fmt": fmt},
        params={"format": fmt, "status": status},
    )
