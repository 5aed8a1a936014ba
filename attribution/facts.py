"""Facts attribution gives lower apps through `pom.hooks` (partners' tier reviews read revenue here)."""

from __future__ import annotations

from decimal import Decimal

from django.db.models import Sum

from attribution import selectors
from attribution.models import Opportunity


def partnership_revenue(*, org, partnership_ids, start, end) -> dict[int, dict[str, Decimal]]:
    """Credit of the primary attribution model on won deals closed in [start, end], per partnership
    and currency: the revenue a tier review counts (one query)."""
    model = selectors.attribution_config(org=org).primary_model
    rows = (
        selectors.credit_list(org=org, model=model)
        .filter(
            partnership_id__in=list(partnership_ids),
            opportunity__status=Opportunity.Status.WON,
            opportunity__closed_on__gte=start,
            opportunity__closed_on__lte=end,
        )
        .order_by()
        .values("partnership_id", "currency")
        .annotate(total=Sum("amount"))
    )
    result: dict[int, dict[str, Decimal]] = {}
    for row in rows:
        result.setdefault(row["partnership_id"], {})[row["currency"]] = row["total"] or Decimal("0")
    return result
