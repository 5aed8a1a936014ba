"""The credit ledger's recomputation: debounced requests and the set-based run.

Attribution is derived data: every run recomputes the whole ledger of an organization from the
pipeline with the pure models of `attribution.engine`, and readers switch to a finished run at once.
"""

from __future__ import annotations

import csv
import datetime
import io
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from attribution import selectors
from attribution.models import (
    AttributionConfig,
    AttributionModel,
    AttributionRun,
    MaterialityScore,
    Opportunity,
    OpportunityPartner,
    Touchpoint,
)
from pom import hooks
from pom.audit import Actor, audit_action
from pom.models import Organization, User
from pom.webhooks import webhook_subscribed, webhooks_on_events


def _user(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


# Recomputation ------------------------------------------------------------------------------------


def attribution_recompute_request(*, org: Organization, actor: Actor = None, trigger: str = "change") -> AttributionRun:
    """Ask for a ledger recomputation once the current transaction commits.

    Debounced per organization: while a run is still queued, further changes join it instead of
    queueing another one. Side effect: enqueues `heavy_attribution_run` on commit.
    """
    queued = AttributionRun.objects.for_org(org).filter(status=AttributionRun.Status.QUEUED).first()
    if queued is not None:
        return queued
    run = AttributionRun.objects.create(organization=org, trigger=trigger, requested_by=_user(actor))
    from attribution.tasks import heavy_attribution_run

    transaction.on_commit(lambda: heavy_attribution_run.delay(org.id, run.id))
    return run


# The attribution run ----------------------------------------------------------------------------

RUN_CHUNK = 2000  # opportunities computed and written per batch; bounds memory, not the query count per row
INSERT_BATCH = 2000


def _grouped(rows, key_index: int = 0):
    """Yield (opportunity_id, [rows]) from rows already ordered by opportunity id."""
    current, bucket = None, []
    for row in rows:
        if row[key_index] != current:
            if bucket:
                yield current, bucket
            current, bucket = row[key_index], []
        bucket.append(row)
    if bucket:
        yield current, bucket


class _Cursor:
    """Walks one ordered stream of per-opportunity groups alongside the opportunity stream."""

    def __init__(self, rows):
        self._groups = _grouped(rows)
        self._head = next(self._groups, None)

    def take(self, opportunity_id: int) -> list:
        while self._head is not None and self._head[0] < opportunity_id:
            self._head = next(self._groups, None)
        if self._head is not None and self._head[0] == opportunity_id:
            rows = self._head[1]
            self._head = next(self._groups, None)
            return rows
        return []


LEDGER_COLUMNS = (
    "organization_id", "opportunity_id", "partnership_id", "model", "amount", "currency", "share",
    "rule_version", "explanation", "run_id", "created_at", "updated_at",
)  # fmt: skip


def _ledger_insert(rows: list[tuple]) -> int:
    """Write ledger rows in bulk: COPY on PostgreSQL, executemany elsewhere. Returns how many.

    Model instances and per-row SQL would dominate a run over hundreds of thousands of deals; the rows
    are plain tuples in LEDGER_COLUMNS order, already validated by the engine (cents, never negative).
    """
    from attribution.models import CreditAllocation

    table = connection.ops.quote_name(CreditAllocation._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in LEDGER_COLUMNS)
    # One transaction per batch: in autocommit mode SQLite would commit (and sync) every single row.
    with transaction.atomic(), connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", None)
        if connection.vendor == "postgresql" and hasattr(raw, "copy_expert"):
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC).writerows(rows)
            buffer.seek(0)
            # QUOTE_NONNUMERIC writes None as a quoted "": FORCE_NULL reads it back as NULL ("unattributed").
            raw.copy_expert(
                f"COPY {table} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NULL (partnership_id))", buffer
            )
        else:
            placeholders = ", ".join(["%s"] * len(LEDGER_COLUMNS))
            for start in range(0, len(rows), INSERT_BATCH):
                cursor.executemany(
                    f"INSERT INTO {table} ({columns}) VALUES ({placeholders})", rows[start : start + INSERT_BATCH]
                )
    return len(rows)


def engine_params(config: AttributionConfig, as_of: datetime.date):
    from attribution import engine

    return engine.Params(
        sourced_weight=config.sourced_weight,
        influenced_weight=config.influenced_weight,
        half_life_days=config.half_life_days,
        position_first=config.position_first,
        position_middle=config.position_middle,
        position_last=config.position_last,
        as_of=as_of,
    )


def engine_rules(org: Organization) -> list:
    from attribution import engine

    return [
        engine.Rule(
            rule_id=v.rule_id,
            name=v.rule.name,
            version=v.version,
            match_on=v.rule.match_on,
            match_value=v.rule.match_value,
            shares=tuple((int(s["partnership_id"]), Decimal(str(s["percent"]))) for s in v.shares),
        )
        for v in selectors.split_rule_versions_current(org=org)
    ]


def attribution_run_execute(*, org: Organization, run: AttributionRun) -> AttributionRun:
    """Recompute the whole credit ledger of an organization, set-based.

    1. Claim the run (queued -> running); a run already claimed elsewhere is left alone.
    2. Stream opportunities, partner links, touchpoints and scores, each as ONE query ordered by
       opportunity id, and merge them in Python; account-level touchpoints come from one more query.
    3. Compute every enabled model per opportunity (pure functions in attribution.engine) and
       bulk-insert the rows tagged with this run, chunk by chunk, updating the progress between chunks.
    4. In one transaction, delete the rows of older runs and mark the run done: readers switch from
       the old ledger to the new one at once (they read the rows of the last finished run).
    On error the run's partial rows are deleted and the run is marked failed with the message.
    """
    from attribution import engine
    from attribution.models import CreditAllocation

    claimed = AttributionRun.objects.for_org(org).filter(pk=run.pk, status=AttributionRun.Status.QUEUED)
    if not claimed.update(status=AttributionRun.Status.RUNNING, started_at=timezone.now(), progress=0):
        run.refresh_from_db()
        return run
    run.refresh_from_db()
    try:
        config = selectors.attribution_config(org=org)
        today = timezone.localdate()
        params = engine_params(config, today)
        rules = engine_rules(org)
        model_names = [m for m in AttributionModel.values if m in config.models_enabled]
        total = Opportunity.objects.for_org(org).count()
        opportunities = (
            Opportunity.objects.for_org(org)
            .order_by("id")
            .values_list(
                "id",
                "account_id",
                "amount",
                "currency",
                "status",
                "closed_on",
                "expected_close",
                "products",
                "joint_solution",
            )
            .iterator(chunk_size=RUN_CHUNK)
        )
        links = _Cursor(
            OpportunityPartner.objects.for_org(org)
            .order_by("opportunity_id", "id")
            .values_list("opportunity_id", "partnership_id", "role")
            .iterator(chunk_size=RUN_CHUNK * 3)
        )
        touches = _Cursor(
            Touchpoint.objects.for_org(org)
            .filter(opportunity__isnull=False)
            .order_by("opportunity_id", "occurred_at", "id")
            .values_list(
                "opportunity_id", "partnership_id", "occurred_at", "influence_type__name", "phase", "note", "id"
            )
            .iterator(chunk_size=RUN_CHUNK * 10)
        )
        scores = _Cursor(
            MaterialityScore.objects.for_org(org)
            .order_by("opportunity_id", "id")
            .values_list("opportunity_id", "partnership_id", "sales_motion", "value_proposition", "delivery")
            .iterator(chunk_size=RUN_CHUNK)
        )
        account_touches: dict[int, list] = {}
        for row in (
            Touchpoint.objects.for_org(org)
            .filter(opportunity__isnull=True)
            .order_by("account_id", "occurred_at", "id")
            .values_list("account_id", "partnership_id", "occurred_at", "influence_type__name", "phase", "note", "id")
        ):
            account_touches.setdefault(row[0], []).append(row)

        done = 0
        written = 0
        batch: list[tuple] = []
        stamp = connection.ops.adapt_datetimefield_value(timezone.now())
        for opp in opportunities:
            opp_id, account_id, amount, currency, status, closed_on, expected_close, products, joint = opp
            close_date = closed_on or expected_close
            touch_rows = touches.take(opp_id) + [
                r for r in account_touches.get(account_id, ()) if close_date is None or r[2].date() <= close_date
            ]
            facts = engine.Facts(
                opportunity_id=opp_id,
                amount=amount,
                status=status,
                close_date=close_date,
                products=tuple(products or ()),
                joint_solution=joint or "",
                partners=[engine.Involvement(r[1], r[2]) for r in links.take(opp_id)],
                touches=[engine.Touch(r[1], r[2], r[3], r[4], r[5], r[6]) for r in touch_rows],
                scores=[engine.Score(r[1], r[2], r[3], r[4]) for r in scores.take(opp_id)],
            )
            for model in model_names:
                for share in engine.credit(model, facts, params, rules):
                    batch.append(
                        (
                            org.id, opp_id, share.partnership_id, model, share.amount, currency, share.share,
                            share.rule_version, share.explanation, run.id, stamp, stamp,
                        )
                    )  # fmt: skip
            done += 1
            if done % RUN_CHUNK == 0:
                written += _ledger_insert(batch)
                batch = []
                AttributionRun.objects.for_org(org).filter(pk=run.pk).update(
                    progress=min(99, done * 100 // max(total, 1)), opportunities_count=done
                )
        if batch:
            written += _ledger_insert(batch)
        with transaction.atomic():
            # Readers use the rows of the newest finished run; a slower, older run never overwrites a newer one.
            newer = AttributionRun.objects.for_org(org).filter(status=AttributionRun.Status.DONE, id__gt=run.id)
            changed: list[dict] = []
            if newer.exists():
                CreditAllocation.objects.for_org(org).filter(run_id=run.id).delete()
                written = 0
            else:
                older = Q(run_id__lt=run.id) | Q(run_id__isnull=True)
                changed = _credited_events(org=org, run=run)
                CreditAllocation.objects.for_org(org).filter(older).delete()
            AttributionRun.objects.for_org(org).filter(pk=run.pk).update(
                status=AttributionRun.Status.DONE,
                progress=100,
                opportunities_count=done,
                allocations_count=written,
                finished_at=timezone.now(),
            )
            if written:
                run.refresh_from_db()
                hooks.emit("attribution.credited", org=org, actor=None, run=run)
                if changed:
                    webhooks_on_events("opportunity.credited", org=org, actor=None, items=changed)
    except Exception as exc:  # noqa: BLE001 - the run row must say why it failed; the error is re-raised
        CreditAllocation.objects.for_org(org).filter(run_id=run.id).delete()
        AttributionRun.objects.for_org(org).filter(pk=run.pk).update(
            status=AttributionRun.Status.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000], finished_at=timezone.now()
        )
        raise
    run.refresh_from_db()
    return run


CREDITED_ROWS_PER_EVENT = 50  # credit lines per opportunity in an `opportunity.credited` payload


def _credited_events(*, org: Organization, run: AttributionRun) -> list[dict]:
    """One `opportunity.credited` payload per opportunity whose credit this run changes.

    Set-based: one query compares the run's ledger rows with the live ones (rows only in one of
    the two, in either direction), two more read the opportunities and both sides' lines. Nothing
    is read when no endpoint subscribes. A payload carries the opportunity, the run, and its new and
    previous credit lines (at most `CREDITED_ROWS_PER_EVENT` each, `truncated` says so).
    """
    from attribution.models import CreditAllocation

    if not webhook_subscribed(org=org, event="opportunity.credited"):
        return []
    table = connection.ops.quote_name(CreditAllocation._meta.db_table)
    columns = "opportunity_id, partnership_id, model, amount, share"
    new = f"SELECT {columns} FROM {table} WHERE organization_id = %s AND run_id = %s"
    old = f"SELECT {columns} FROM {table} WHERE organization_id = %s AND (run_id < %s OR run_id IS NULL)"
    sql = (
        f"SELECT DISTINCT opportunity_id FROM (({new} EXCEPT {old}) UNION ({old} EXCEPT {new})) AS changed "
        "ORDER BY opportunity_id LIMIT %s"
    )
    cap = settings.POM_WEBHOOK_CREDITED_MAX_EVENTS
    with connection.cursor() as cursor:
        cursor.execute(sql, [org.id, run.id, org.id, run.id, org.id, run.id, org.id, run.id, cap])
        ids = [row[0] for row in cursor.fetchall()]
    if not ids:
        return []
    lines: dict[tuple[int, bool], list] = {}
    for line in (
        CreditAllocation.objects.for_org(org)
        .filter(opportunity_id__in=ids)
        .order_by("opportunity_id", "model", "-amount", "id")
        .values("opportunity_id", "run_id", "partnership_id", "partnership__partner__name", "model", "amount", "share")
    ):
        side = lines.setdefault((line["opportunity_id"], line["run_id"] == run.id), [])
        side.append(
            {
                "partnership": line["partnership_id"],
                "partner": line["partnership__partner__name"] or "",
                "model": line["model"],
                "amount": str(line["amount"]),
                "share": str(line["share"]),
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


@transaction.atomic
def attribution_run_start(*, org: Organization, actor: Actor, trigger: str = "manual") -> AttributionRun:
    """Queue a full recomputation now (the page's and the API's "Recompute" button)."""
    run = attribution_recompute_request(org=org, actor=actor, trigger=trigger)
    audit_action(org=org, actor=actor, obj=run, verb="attribution.run_requested")
    return run
