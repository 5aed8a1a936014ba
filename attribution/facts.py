"""Facts attribution gives lower apps through `pom.hooks` (partners' tier reviews read revenue here)."""

from __future__ import annotations

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext as _

from attribution import selectors
from attribution.models import CreditAllocation, Opportunity


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


def partnerships_deleting(*, org, partnership_ids) -> None:
    """Refuse deleting partnerships an active split rule gives a share (naming the rule); otherwise lock the
    ledger against a run swapping in rows of them, and ask for a recomputation if they have credit.

    The rule must be revised first: a silent revision would change finance's split without anyone
    deciding it.
    """
    from attribution import runs

    wanted = set(partnership_ids)
    naming = [
        version
        for version in selectors.split_rule_versions_current(org=org)
        if wanted & {int(share["partnership_id"]) for share in version.shares}
    ]
    if naming:
        names = ", ".join(f"“{v.rule.name}” (v{v.version})" for v in naming)
        raise ValidationError(
            _("The split rule %(rules)s gives this partnership a share: revise the rule before deleting it.")
            % {"rules": names}
        )
    runs.ledger_lock(org.id)
    if CreditAllocation.objects.for_org(org).filter(partnership_id__in=wanted).exists():
        runs.attribution_recompute_request(org=org, trigger="partner deleted")
