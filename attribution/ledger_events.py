"""`opportunity.credited` webhook payloads of a run: the deals whose credit the run changes."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import connection

from attribution.models import AttributionRun, CreditAllocation, Opportunity
from pom.models import Organization
from pom.webhooks import webhook_subscribed

CREDITED_ROWS_PER_EVENT = 50  # credit lines per opportunity in an `opportunity.credited` payload


def credited_events(*, org: Organization, run: AttributionRun, stage: str) -> list[dict]:
    """One `opportunity.credited` payload per opportunity whose credit this run changes.

    Set-based: one query compares the run's rows (in its `stage` table, not swapped in yet; the
    ledger itself on SQLite) with the live ones (rows only in one of the two, in either direction),
    two more read the opportunities and both sides' lines. Nothing is read when no endpoint
    subscribes. A payload carries the opportunity, the run, and its new and previous credit lines
    (at most `CREDITED_ROWS_PER_EVENT` each, `truncated` says so).
    """
    from partners.models import Partner, Partnership

    if not webhook_subscribed(org=org, event="opportunity.credited"):
        return []
    quote = connection.ops.quote_name
    table, staged = quote(CreditAllocation._meta.db_table), quote(stage)
    columns = "opportunity_id, partnership_id, model, amount, share"
    new = f"SELECT {columns} FROM {staged} WHERE organization_id = %s AND run_id = %s"
    old = f"SELECT {columns} FROM {table} WHERE organization_id = %s AND (run_id < %s OR run_id IS NULL)"
    # Each EXCEPT in its own subquery: SQLite takes no parenthesised compound selects.
    sql = (
        f"SELECT DISTINCT opportunity_id FROM (SELECT * FROM ({new} EXCEPT {old}) AS added "
        f"UNION SELECT * FROM ({old} EXCEPT {new}) AS removed) AS changed ORDER BY opportunity_id LIMIT %s"
    )
    cap = settings.POM_WEBHOOK_CREDITED_MAX_EVENTS
    with connection.cursor() as cursor:
        cursor.execute(sql, [org.id, run.id, org.id, run.id, org.id, run.id, org.id, run.id, cap])
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    lines: dict[tuple[int, bool], list] = {}
    marks = ", ".join(["%s"] * len(ids))
    line_columns = "id, opportunity_id, run_id, partnership_id, model, amount, share"
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT c.opportunity_id, c.run_id, c.partnership_id, pr.name, c.model, c.amount, c.share
                FROM (SELECT {line_columns} FROM {staged} WHERE organization_id = %s AND run_id = %s
                      AND opportunity_id IN ({marks})
                      UNION ALL
                      SELECT {line_columns} FROM {table} WHERE organization_id = %s
                      AND (run_id < %s OR run_id IS NULL) AND opportunity_id IN ({marks})) AS c
                LEFT JOIN {quote(Partnership._meta.db_table)} ps ON ps.id = c.partnership_id
                LEFT JOIN {quote(Partner._meta.db_table)} pr ON pr.id = ps.partner_id
                ORDER BY c.opportunity_id, c.model, c.amount DESC, c.id""",
            [org.id, run.id, *ids, org.id, run.id, *ids],
        )
        rows = cursor.fetchall()

    def fixed(value, places: int) -> str:  # as the ORM reads it: Decimal with the field's places
        return str(Decimal(str(value)).quantize(Decimal(1).scaleb(-places)))

    for opportunity_id, run_id, partnership_id, partner, model, amount, share in rows:
        side = lines.setdefault((opportunity_id, run_id == run.id), [])
        side.append(
            {
                "partnership": partnership_id,
                "partner": partner or "",
                "model": model,
                "amount": fixed(amount, 2),
                "share": fixed(share, 6),
            }
        )
    items = []
    for opp in (
        Opportunity.objects.for_org(org)
        .filter(id__in=ids)
        .order_by("id")
        .values("id", "crm_id", "name", "amount", "currency", "status", "stage", "closed_on")
    ):
        now, before = lines.get((opp["id"], True), []), lines.get((opp["id"], False), [])
        items.append(
            {
                "opportunity": {
                    **opp,
                    "amount": str(opp["amount"]),
                    "closed_on": opp["closed_on"].isoformat() if opp["closed_on"] else None,
                },
                "run": run.id,
                "credits": now[:CREDITED_ROWS_PER_EVENT],
                "previous_credits": before[:CREDITED_ROWS_PER_EVENT],
                "truncated": max(len(now), len(before)) > CREDITED_ROWS_PER_EVENT,
            }
        )
    return items
