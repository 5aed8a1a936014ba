"""The dashboards' numbers as pure functions: each docstring is what "How is this computed?" shows.

Inputs are the sums read from the summary tables (reports.summary_models); a ratio with nothing to
divide by is None (shown as "—"), never zero.
"""

from __future__ import annotations

import statistics
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)


def _q(value: Decimal | None, places: str = "0.1") -> Decimal | None:
    return None if value is None else value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def share(part, whole) -> Decimal | None:
    """part ÷ whole in percent, one decimal; None when whole is zero."""
    if not whole:
        return None
    return _q(Decimal(part) * HUNDRED / Decimal(whole))


def lead_conversion(*, created: int, won: int) -> Decimal | None:
    """Lead conversion: of the deals created in the period, the share that is won by now (in percent)."""
    return share(won, created)


def win_rate(*, won: int, lost: int) -> Decimal | None:
    """Win rate: won ÷ (won + lost) among the deals that closed in the period (in percent)."""
    return share(won, won + lost)


def deal_size(*, won_amount: Decimal, won: int) -> Decimal | None:
    """Average deal size: the won amount ÷ the number of won deals closed in the period."""
    return _q(Decimal(won_amount) / won, "0.01") if won else None


def sales_cycle(*, cycle_days: int, won: int) -> Decimal | None:
    """Sales cycle: mean days from creation to close of the deals won in the period."""
    return _q(Decimal(cycle_days) / won) if won else None


def retention(*, base: int, churned: int) -> Decimal | None:
    """Retention: of the customers at the start of the last twelve months (customer since on or before it,
    not churned before it), the share that had not churned by the refresh day. Churn is 100 − retention."""
    return share(base - churned, base)


def churn(*, base: int, churned: int) -> Decimal | None:
    """Churn rate: of the customers at the start of the last twelve months, the share that churned since."""
    return share(churned, base)


def net_revenue_retention(*, arr: Decimal, arr_prior: Decimal) -> Decimal | None:
    """Net revenue retention: what the customers at the start of the window bought in the last twelve
    months (renewals, expansions, new deals; nothing for those who churned) ÷ what they bought in the
    twelve months before, in percent. Above 100: they buy more than they did."""
    return share(arr, arr_prior)


def expansion_rate(*, expansion: Decimal, arr_prior: Decimal) -> Decimal | None:
    """Expansion: won expansion deals of those customers in the last twelve months ÷ their revenue in the
    twelve months before, in percent."""
    return share(expansion, arr_prior)


def lifetime_value(*, lifetime_revenue: Decimal, customers: int) -> Decimal | None:
    """Customer lifetime value (realised): all won revenue of the customers to date ÷ the number of customers."""
    return _q(Decimal(lifetime_revenue) / customers, "0.01") if customers else None


def arr_per_customer(*, arr: Decimal, customers: int) -> Decimal | None:
    """ARR per customer: won revenue of the last twelve months ÷ customers with revenue in that window."""
    return _q(Decimal(arr) / customers, "0.01") if customers else None


def difference(attached: Decimal | None, direct: Decimal | None) -> Decimal | None:
    """Partner-attached against direct, in percent of direct: (attached − direct) ÷ direct."""
    if attached is None or direct is None or not direct:
        return None
    return _q((Decimal(attached) - Decimal(direct)) * HUNDRED / Decimal(direct))


def median_days(values: list[int]) -> Decimal | None:
    """Median time in a stage: the middle of the days each partnership spent in it before its next stage
    (partnerships still in the stage are left out)."""
    return _q(Decimal(str(statistics.median(values)))) if values else None


def health_band(score: Decimal | None) -> str:
    """Plan health band from the plan health score (plans.rules.plan_health): 70 and up healthy, 40 to 70
    needs attention, under 40 at risk, no score not measured yet."""
    if score is None:
        return "not_measured"
    if score >= 70:
        return "healthy"
    if score >= 40:
        return "attention"
    return "at_risk"


# Seed catalogue 4.9: published deltas "with partners" (Partnership Leaders webinar table), shown beside
# the vendor's own figures as reference, never mixed into them.
PUBLISHED_DELTAS = {
    "win_rate_sourced": ("46% higher", "GTM Partners' Revealed Customer Research"),
    "win_rate_influenced": ("99% higher", "GTM Partners' Revealed Customer Research"),
    "sales_cycle": ("11 to 50% shorter", "GTM Partners' Revealed Customer Research"),
    "lifetime_value": ("20 to 33% higher/longer", "Anaplan"),
    "arr_3_integrations": ("250% greater", "Anaplan"),
    "revenue": ("200% more revenue growth with partners", "Partnerstack / Monday.com"),
}
