"""The commission arithmetic: pure functions, one per rule kind, each with the docstring shown under
"How is this computed?", plus who qualifies, when it is paid, and how stored lines are reconciled
(clawbacks). `attribution.incentives` reads the rows and writes the results; nothing here queries.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from attribution.models import Accrual, CommissionRule, OpportunityPartner, Statement
from partners.models import Partnership

CENT = Decimal("0.01")
HUNDRED = Decimal("100")
LEAD_ROLES = (OpportunityPartner.Role.SOURCED, OpportunityPartner.Role.REFERRAL)


def money(value) -> Decimal:
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_years(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


# The arithmetic, one pure function per rule kind ------------------------------------------------


@dataclass
class Line:
    """What one rule owes one partnership for one deal, and the steps that led there."""

    amount: Decimal
    currency: str
    basis: Decimal
    steps: list[str] = field(default_factory=list)


def commission_percent(*, rule: CommissionRule, basis: Decimal, currency: str) -> Line:
    """Percentage of product value: basis × rate ÷ 100, rounded to the cent (half up).
    Reseller example: 20 % of a 12,500.00 deal = 2,500.00."""
    amount = money(basis * rule.rate / HUNDRED)
    return Line(amount, currency, basis, [f"{basis:,.2f} {currency} × {rule.rate} % = {amount:,.2f} {currency}"])


def commission_fixed_fee(*, rule: CommissionRule, basis: Decimal, currency: str, role: str) -> Line:
    """Fixed fee per converted lead: the fee once per won deal the partnership sourced or referred
    (the lead it converted), in the rule's currency; nothing for a deal it only influenced."""
    fee_currency = rule.fee_currency or currency
    if role not in LEAD_ROLES:
        return Line(
            Decimal("0.00"),
            fee_currency,
            basis,
            [_("No fee: the partnership did not bring this lead (role: %(role)s).") % {"role": role}],
        )
    amount = money(rule.rate)
    return Line(
        amount,
        fee_currency,
        basis,
        [_("Converted lead: fixed fee %(fee)s %(cur)s") % {"fee": f"{amount:,.2f}", "cur": fee_currency}],
    )


def commission_threshold(*, rule: CommissionRule, basis: Decimal, currency: str, volume_before: Decimal) -> Line:
    """Rate that rises above a yearly threshold: the part of the deal that keeps the partnership's won
    volume of the calendar year below the threshold earns `rate`, the part above it earns `rate_above`
    (like tax brackets). Example, 20 % below 50,000 and 40 % above, a 30,000 deal after 40,000 already
    won this year: 10,000 × 20 % + 20,000 × 40 % = 2,000 + 8,000 = 10,000."""
    room = max(Decimal("0"), rule.threshold - volume_before)
    below = min(basis, room)
    above = basis - below
    low = money(below * rule.rate / HUNDRED)
    high = money(above * (rule.rate_above or Decimal("0")) / HUNDRED)
    steps = [
        _("Won this year before this deal: %(v)s %(c)s; threshold %(t)s %(c)s")
        % {"v": f"{volume_before:,.2f}", "t": f"{rule.threshold:,.2f}", "c": currency},
        f"{below:,.2f} × {rule.rate} % = {low:,.2f}",
    ]
    if above:
        steps.append(f"{above:,.2f} × {rule.rate_above} % = {high:,.2f}")
    steps.append(_("Total %(a)s %(c)s") % {"a": f"{low + high:,.2f}", "c": currency})
    return Line(low + high, currency, basis, steps)


def how_computed() -> list[dict]:
    """Docstrings of the rule kinds and of the qualification, for "How is this computed?"."""
    docs = [
        (_("Percentage of product value"), commission_percent.__doc__),
        (_("Fixed fee per converted lead"), commission_fixed_fee.__doc__),
        (_("Threshold"), commission_threshold.__doc__),
        (_("Who qualifies"), qualification.__doc__),
        (_("Recurring"), schedule.__doc__),
        (_("Clawbacks"), reconcile.__doc__),
    ]
    return [{"label": label, "doc": " ".join(doc.split())} for label, doc in docs]


def qualification(
    *, rule: CommissionRule, partnership: Partnership, role: str, ae_confirmed: bool, is_upsell: bool
) -> str | None:
    """Why a partnership does not qualify, or None. A rule pays partnerships of its program (and of its
    tier, when it names one, judged on the partnership's current tier); new-customer rules skip deals on
    accounts that already had a won deal, upsell rules pay only those; with `requires_involvement`, a
    partnership that did not source the deal qualifies only when the account executive confirmed its
    involvement."""
    if rule.tier_id and partnership.tier_id != rule.tier_id:
        return _("Not on the tier this rule pays.")
    if rule.scope == CommissionRule.Scope.NEW and is_upsell:
        return _("The customer already bought before: this rule pays new customers only.")
    if rule.scope == CommissionRule.Scope.UPSELL and not is_upsell:
        return _("A first deal with this customer: this rule pays upsell and cross-sell only.")
    if rule.requires_involvement and role != OpportunityPartner.Role.SOURCED and not ae_confirmed:
        return _("Did not source the deal and its involvement is not confirmed by the account executive.")
    return None


def schedule(*, rule: CommissionRule, closed_on: datetime.date) -> list[tuple[int, datetime.date]]:
    """When a commission is paid: once, in the month the deal closed; a recurring rule repeats it on
    each yearly renewal, `recurring_periods` times in all (period k = close month + k − 1 years)."""
    return [(k, month_start(add_years(closed_on, k - 1))) for k in range(1, max(1, rule.recurring_periods) + 1)]


def reconcile(*, desired: dict[tuple, dict], existing: list[Accrual]) -> tuple[list[int], list[dict]]:
    """What to delete and write so the stored lines match what is owed. Lines on a draft statement or on
    none are simply replaced. Lines on an approved or paid statement are never touched: when what is owed
    differs from what they hold (a deal cancelled after payment, a smaller amount), a clawback line
    (negative) or a top-up line for the difference goes onto the next statement."""
    locked: dict[tuple, list[Accrual]] = defaultdict(list)
    open_lines: dict[tuple, list[Accrual]] = defaultdict(list)
    for accrual in existing:
        key = (accrual.opportunity_id, accrual.partnership_id, accrual.rule_id, accrual.sequence)
        is_locked = accrual.statement_id and accrual.statement.status != Statement.Status.DRAFT
        (locked if is_locked else open_lines)[key].append(accrual)
    delete: list[int] = []
    write: list[dict] = []
    for key in set(desired) | set(locked) | set(open_lines):
        want = desired.get(key)
        held = sum((a.amount for a in locked.get(key, [])), Decimal("0"))
        target = want["amount"] if want else Decimal("0")
        difference = target - held
        current = open_lines.get(key, [])
        revision = max([a.revision for a in locked.get(key, [])] + [-1]) + 1
        if locked.get(key):
            if difference == 0:
                delete += [a.pk for a in current]
                continue
            kind = Accrual.Kind.CLAWBACK if difference < 0 else Accrual.Kind.ACCRUAL
            steps = (want["explanation"] if want else [_("The deal is no longer won.")]) + [
                _("Already approved for payment: %(held)s; difference %(diff)s")
                % {"held": f"{held:,.2f}", "diff": f"{difference:,.2f}"}
            ]
            line = {
                "kind": kind,
                "revision": revision,
                "amount": difference,
                "steps": steps,
                "period": month_start(timezone.localdate()),
                "currency": locked[key][0].currency,
                "basis": want["basis"] if want else Decimal("0"),
            }
        elif want:
            line = {
                "kind": Accrual.Kind.ACCRUAL,
                "revision": 0,
                "amount": target,
                "steps": want["explanation"],
                "period": want["period"],
                "currency": want["currency"],
                "basis": want["basis"],
            }
        else:
            delete += [a.pk for a in current]
            continue
        same = (
            len(current) == 1
            and all(getattr(current[0], f) == line[f] for f in ("kind", "revision", "amount", "period", "currency"))
            and current[0].explanation == line["steps"]
        )
        if same:
            continue
        delete += [a.pk for a in current]
        write.append({"key": key, **line, "statement_id": current[0].statement_id if current else None})
    return delete, write
