"""The credit ledger's recomputation: debounced requests and the set-based run.

Attribution is derived data: every run recomputes the whole ledger of an organization from the
pipeline with the pure models of `attribution.engine`, and readers switch to a finished run at once.
"""

from __future__ import annotations

import datetime
import itertools
import logging
from decimal import Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django.utils.translation import gettext as _

from attribution import ledger, selectors
from attribution.ledger_events import credited_events
from attribution.models import (
    AttributionConfig,
    AttributionModel,
    AttributionRun,
    CreditAllocation,
    MaterialityScore,
    Opportunity,
    OpportunityPartner,
    Touchpoint,
)
from pom import hooks
from pom.audit import Actor, audit_action
from pom.common import actor_user
from pom.models import Organization
from pom.webhooks import webhooks_on_events

logger = logging.getLogger(__name__)


_user = actor_user  # pom.common


# Recomputation ------------------------------------------------------------------------------------


def attribution_recompute_request(*, org: Organization, actor: Actor = None, trigger: str = "change") -> AttributionRun:
    """Ask for a ledger recomputation once the current transaction commits.

    Debounced per organization: while a run is still queued, further changes join it instead of
    queueing another one. Side effect: enqueues `heavy_attribution_run` on commit. Never makes the
    caller's committed write fail: a run that cannot be enqueued stays queued (beat enqueues it
    again), and a run executed inline (no broker) records its own failure instead of raising.
    """
    queued = AttributionRun.objects.for_org(org).filter(status=AttributionRun.Status.QUEUED).first()
    if queued is not None:
        return queued
    run = AttributionRun.objects.create(organization=org, trigger=trigger, requested_by=_user(actor))
    transaction.on_commit(lambda: _enqueue(org.id, run.id))
    return run


def _enqueue(organization_id: int, run_id: int, countdown: int | None = None) -> None:
    from attribution.tasks import heavy_attribution_run

    try:
        heavy_attribution_run.apply_async(args=(organization_id, run_id), countdown=countdown)
    except Exception:  # noqa: BLE001 - the write that asked has committed; `attribution_runs_reclaim` retries
        logger.exception("Attribution run %s could not be enqueued; beat will enqueue it again", run_id)


# The attribution run ----------------------------------------------------------------------------


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


RUN_CHUNK = 2000  # opportunities computed per batch; bounds memory, not the query count per row
MAX_ATTEMPTS = 3
STALE_QUEUED_AFTER = datetime.timedelta(minutes=10)
# The ledger's storage lives in attribution.ledger; these names stay importable from here.
LEDGER_TABLE, LEDGER_COLUMNS, LOCK_NAMESPACE = ledger.LEDGER_TABLE, ledger.LEDGER_COLUMNS, ledger.LOCK_NAMESPACE
ledger_lock = ledger.ledger_lock
_partitioned, _ledger_tables, _stage_name = ledger.partitioned, ledger.ledger_tables, ledger.stage_name
_stage_create, _stage_index = ledger.stage_create, ledger.stage_seal


class RunLost(Exception):
    """This attempt no longer holds the run (its lease ran out and another attempt claimed it)."""


class _Stream:
    """One query's rows, ordered by opportunity id, handed out a chunk of opportunities at a time."""

    def __init__(self, rows):
        self._rows = iter(rows)
        self._head = next(self._rows, None)

    def until(self, last_id: int) -> list:
        """The rows of opportunities up to `last_id` (inclusive) not taken yet."""
        taken, head, rows = [], self._head, self._rows
        while head is not None and head[0] <= last_id:
            taken.append(head)
            head = next(rows, None)
        self._head = head
        return taken


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


def engine_rules(org: Organization, partnership_ids: set[int] | None = None) -> list:
    """The current split rules as the engine applies them. A share naming a partnership that no longer
    exists (deleted before deletions were checked) is left out, so its percent stays unattributed."""
    from attribution import engine

    rules = []
    for v in selectors.split_rule_versions_current(org=org):
        shares = tuple((int(s["partnership_id"]), Decimal(str(s["percent"]))) for s in v.shares)
        if partnership_ids is not None:
            shares = tuple(share for share in shares if share[0] in partnership_ids)
        rules.append(
            engine.Rule(
                rule_id=v.rule_id,
                name=v.rule.name,
                version=v.version,
                match_on=v.rule.match_on,
                match_value=v.rule.match_value,
                shares=shares,
            )
        )
    return rules


def _runs(org) -> object:
    return AttributionRun.objects.for_org(org)


def _claim(*, org: Organization, run: AttributionRun) -> AttributionRun | None:
    """Take the run for this attempt: queued, or running with an expired lease (its worker died).

    One conditional update, so a redelivered message or a duplicate enqueue does nothing while the
    holder is alive. After MAX_ATTEMPTS crashed attempts the run is marked failed, saying so.
    """
    now = timezone.now()
    claimable = (
        _runs(org)
        .filter(pk=run.pk)
        .filter(
            Q(status=AttributionRun.Status.QUEUED) | Q(status=AttributionRun.Status.RUNNING, lease_expires_at__lt=now)
        )
    )
    claimed = claimable.filter(attempts__lt=MAX_ATTEMPTS).update(
        status=AttributionRun.Status.RUNNING,
        attempts=F("attempts") + 1,
        started_at=now,
        progress=0,
        lease_expires_at=now + datetime.timedelta(seconds=_setting("ATTRIBUTION_RUN_LEASE_SECONDS", 120)),
    )
    if not claimed:
        claimable.filter(status=AttributionRun.Status.RUNNING).update(
            status=AttributionRun.Status.FAILED,
            error=_("The worker stopped during attempt %(n)s of %(max)s; POM gave up.")
            % {"n": MAX_ATTEMPTS, "max": MAX_ATTEMPTS},
            finished_at=now,
            lease_expires_at=None,
        )
        return None
    current = _runs(org).get(pk=run.pk)
    if current.attempts > 1:
        current.message = _("The worker stopped during attempt %(n)s; restarted (attempt %(next)s of %(max)s).") % {
            "n": current.attempts - 1,
            "next": current.attempts,
            "max": MAX_ATTEMPTS,
        }
        _runs(org).filter(pk=run.pk, attempts=current.attempts).update(message=current.message)
    return current


class _Lease:
    """Progress reports of one attempt; each extends its lease (a heartbeat) and checks it still holds the run."""

    def __init__(self, org, run):
        self.org, self.run = org, run
        self.seconds = _setting("ATTRIBUTION_RUN_LEASE_SECONDS", 120)

    def held(self):
        return _runs(self.org).filter(pk=self.run.pk, status=AttributionRun.Status.RUNNING, attempts=self.run.attempts)

    def beat(self, **fields) -> None:
        fields["lease_expires_at"] = timezone.now() + datetime.timedelta(seconds=self.seconds)
        if not self.held().update(**fields):
            raise RunLost(self.run.pk)


def attribution_run_execute(*, org: Organization, run: AttributionRun) -> AttributionRun:
    """Recompute the whole credit ledger of an organization, set-based; completes exactly once.

    1. Claim the run for one attempt (queued -> running, or running with an expired lease -> running
       again); a run held by a live attempt, or finished, is left alone.
    2. Stream opportunities, partner links, touchpoints and scores, each as ONE query ordered by
       opportunity id, and merge them in Python; account-level touchpoints come from one more query.
    3. Compute every enabled model per opportunity (pure functions in attribution.engine) and write
       the rows chunk by chunk, extending the lease with the progress between chunks. On PostgreSQL
       they go by COPY into a fresh table of this attempt (no index, no foreign key), whose indexes
       are built once at the end; elsewhere into the ledger, tagged with the run.
    4. In one short transaction (holding the ledger lock), drop rows of partnerships deleted
       meanwhile, swap the table in as the organization's partition (the old one is detached and
       dropped), and mark the run done: readers switch from the old ledger to the new one at once
       and never see a partial one.
    On error the attempt's rows are dropped and the run is marked failed with the message; the error
    is logged, not raised, so the write that asked for the run never fails because of it. A crashed
    attempt's table is dropped by the next attempt or by `attribution_runs_reclaim`.
    """
    claimed = _claim(org=org, run=run)
    if claimed is None:
        run.refresh_from_db()
        return run
    run = claimed
    lease = _Lease(org, run)
    partitioned = _partitioned()
    stage = _stage_name(org.id, run.id, run.attempts) if partitioned else LEDGER_TABLE
    try:
        if partitioned:
            _stage_create(org.id, run.id, run.attempts)  # and drops the tables of earlier, crashed attempts
        else:
            CreditAllocation.objects.for_org(org).filter(run_id=run.id).delete()  # a crashed attempt's rows
        done, written, partnership_ids = _compute(org=org, run=run, lease=lease, table=stage)
        if partitioned:
            _stage_index(org.id, run.id, run.attempts)
        with transaction.atomic():
            # Take the ledger lock, lock our run row (still ours?) and see whether a newer run finished first:
            # readers use the rows of the newest finished run, and a slower, older run never overwrites a newer one.
            rows = _swap_lock(org=org, run=run)
            if run.pk not in rows:
                raise RunLost(run.pk)
            newer = len(rows) > 1
            written, changed = _swap(
                org=org, run=run, stage=stage, newer=newer, written=written, read_ids=partnership_ids
            )
            finished = {
                "status": AttributionRun.Status.DONE,
                "progress": 100,
                "opportunities_count": done,
                "allocations_count": written,
                "finished_at": timezone.now(),
                "lease_expires_at": None,
            }
            _runs(org).filter(pk=run.pk).update(**finished)
            for name, value in finished.items():
                setattr(run, name, value)
            if written:
                hooks.emit("attribution.credited", org=org, actor=None, run=run)
                if changed:
                    webhooks_on_events("opportunity.credited", org=org, actor=None, items=changed)
            return run
    except RunLost:
        logger.info("Attribution run %s: attempt %s lost its lease", run.pk, run.attempts)
        if partitioned and stage not in _ledger_tables(org.id)[0]:
            ledger.stage_drop([stage])
    except Exception as exc:  # noqa: BLE001 - the run row says why it failed; never the caller's error
        logger.exception("Attribution run %s failed", run.pk)
        if partitioned:
            if stage not in _ledger_tables(org.id)[0]:
                ledger.stage_drop([stage])
        else:
            CreditAllocation.objects.for_org(org).filter(run_id=run.id).delete()
        lease.held().update(
            status=AttributionRun.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
            lease_expires_at=None,
        )
    run.refresh_from_db()
    return run


def _swap_lock(*, org, run) -> list[int]:
    """In the swap transaction: the ledger lock, then the ids of our run (if this attempt still holds it)
    and of newer finished runs, rows locked. One statement on PostgreSQL."""
    mine = Q(pk=run.pk, status=AttributionRun.Status.RUNNING, attempts=run.attempts)
    newer = Q(status=AttributionRun.Status.DONE, id__gt=run.id)
    if connection.vendor != "postgresql":
        return list(_runs(org).filter(mine | newer).values_list("id", flat=True))
    table = connection.ops.quote_name(AttributionRun._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT r.id FROM {table} r, pg_advisory_xact_lock(%s, %s) AS l
                WHERE r.organization_id = %s AND ((r.id = %s AND r.status = %s AND r.attempts = %s)
                   OR (r.status = %s AND r.id > %s))
                FOR UPDATE OF r""",
            [LOCK_NAMESPACE, org.id, org.id, run.id, AttributionRun.Status.RUNNING, run.attempts,
             AttributionRun.Status.DONE, run.id],
        )  # fmt: skip
        return [row[0] for row in cursor.fetchall()]


def _swap(*, org, run, stage: str, newer: bool, written: int, read_ids: set[int]) -> tuple[int, list[dict]]:
    """Make the attempt's rows the organization's ledger (inside the swap transaction); returns how many,
    and the `opportunity.credited` payloads of the deals whose credit changed (compared before the swap)."""
    from partners.models import Partnership

    deleted = read_ids - set(Partnership.objects.for_org(org).filter(pk__in=read_ids).values_list("pk", flat=True))
    if connection.vendor != "postgresql" or stage == LEDGER_TABLE:
        if newer:
            CreditAllocation.objects.for_org(org).filter(run_id=run.id).delete()
            return 0, []
        if deleted:
            # Django's cascade may already have taken some of them with the partnership: count what is left.
            CreditAllocation.objects.for_org(org).filter(run_id=run.id, partnership_id__in=deleted).delete()
            written = CreditAllocation.objects.for_org(org).filter(run_id=run.id).count()
        changed = credited_events(org=org, run=run, stage=LEDGER_TABLE)
        CreditAllocation.objects.for_org(org).filter(Q(run_id__lt=run.id) | Q(run_id__isnull=True)).delete()
        return written, changed
    quote = connection.ops.quote_name
    if newer:
        ledger.stage_drop([stage])
        return 0, []
    with connection.cursor() as cursor:
        if deleted:
            cursor.execute(f"DELETE FROM {quote(stage)} WHERE partnership_id = ANY(%s)", [sorted(deleted)])
            written -= cursor.rowcount
    changed = credited_events(org=org, run=run, stage=stage)
    # Detach and drop the organization's current partition, clear its rows from the default partition,
    # attach the attempt's table (pom_ledger_stage_swap, migration 0011).
    ledger.stage_swap(org.id, run.id, run.attempts)
    return written, changed


def run_inputs(org) -> dict:
    """The run's input queries, each ordered by opportunity id (account-level touchpoints by account):
    what `_compute` streams, and what the bench's floor reads once each. A touch's instant comes as
    integer microseconds since 1970 (UTC), the only form the models need."""
    instant = RawSQL(
        f"(EXTRACT(EPOCH FROM {connection.ops.quote_name(Touchpoint._meta.db_table)}.occurred_at) * 1000000)::bigint"
        if connection.vendor == "postgresql"
        else f"CAST(ROUND((julianday({Touchpoint._meta.db_table}.occurred_at) - 2440587.5) * 86400000000) AS INTEGER)",
        (),
    )
    touch_fields = ("partnership_id", "at_us", "influence_type__name", "phase", "note", "id")
    touches = Touchpoint.objects.for_org(org).annotate(at_us=instant)
    return {
        "opportunities": Opportunity.objects.for_org(org)
        .order_by("id")
        .values_list(
            "id", "account_id", "amount", "currency", "status", "closed_on", "expected_close", "products",
            "joint_solution",
        ),
        "links": OpportunityPartner.objects.for_org(org)
        .order_by("opportunity_id", "id")
        .values_list("opportunity_id", "partnership_id", "role"),
        "touches": touches.filter(opportunity__isnull=False)
        .order_by("opportunity_id", "occurred_at", "id")
        .values_list("opportunity_id", *touch_fields),
        "scores": MaterialityScore.objects.for_org(org)
        .order_by("opportunity_id", "id")
        .values_list("opportunity_id", "partnership_id", "sales_motion", "value_proposition", "delivery"),
        "account_touches": touches.filter(opportunity__isnull=True)
        .order_by("account_id", "occurred_at", "id")
        .values_list("account_id", *touch_fields),
    }  # fmt: skip


DAY_US = 86_400_000_000


def _cents_text(cents: int) -> str:
    if cents >= 0:
        return f"{cents // 100}.{cents % 100:02d}"
    return "-" + _cents_text(-cents)


def _compute(*, org, run, lease: _Lease, table: str) -> tuple[int, int, set[int]]:
    """Compute every model on every opportunity and write the rows into `table`; (deals, rows, partnerships).

    Chunk by chunk: the chunk's rows of each input stream become numpy columns, every model runs on the
    whole chunk (attribution.engine_vector, equal to the reference engine), and its ledger rows are
    formatted and written in one batch.
    """
    from attribution import engine_vector
    from partners.models import Partnership

    chunk = _setting("ATTRIBUTION_RUN_CHUNK", RUN_CHUNK)
    config = selectors.attribution_config(org=org)
    today = timezone.localdate()
    params = engine_params(config, today)
    partnership_ids = set(Partnership.objects.for_org(org).values_list("pk", flat=True))
    rules = engine_rules(org, partnership_ids)
    model_names = [m for m in AttributionModel.values if m in config.models_enabled]
    total = Opportunity.objects.for_org(org).count()
    inputs = run_inputs(org)
    opportunities = inputs["opportunities"].iterator(chunk_size=chunk)
    links = _Stream(inputs["links"].iterator(chunk_size=chunk * 3))
    touches = _Stream(inputs["touches"].iterator(chunk_size=chunk * 10))
    scores = _Stream(inputs["scores"].iterator(chunk_size=chunk))
    account_touches: dict[int, list] = {}
    for row in inputs["account_touches"]:
        account_touches.setdefault(row[0], []).append(row)

    writer = ledger.LedgerWriter(table)
    ctx = engine_vector.Context(params, rules, escape=ledger.copy_text if writer.copy else str)
    stamp = timezone.now()
    # COPY text lines: the constant columns formatted once for the run, not per row
    head, tail = f"{int(org.id)}\t", f"\t{int(run.id)}\t{stamp.isoformat()}\t{stamp.isoformat()}\n"
    fixed = {"model_names": model_names, "ctx": ctx, "copy": writer.copy, "head": head, "tail": tail, "run": run}
    done, lines = 0, []
    try:
        while True:
            batch = list(itertools.islice(opportunities, chunk))  # reads: the previous chunk's COPY is done
            inputs = _chunk_inputs(batch, links, touches, scores, account_touches) if batch else None
            writer.start(lines)  # the previous chunk's rows go in while this chunk is computed
            if not batch:
                break
            lines = _chunk_rows(batch, *inputs, org=org, **fixed)
            writer.wait()
            done += len(batch)
            if len(batch) == chunk:  # more may follow: extend the lease, report the progress
                lease.beat(progress=min(99, done * 100 // max(total, 1)), opportunities_count=done)
    finally:
        writer.wait()
    return done, writer.written, partnership_ids


def _chunk_inputs(batch, links, touches, scores, account_touches) -> tuple:
    """One chunk's rows of every input stream (the reads), as `engine_vector.chunk_from_rows` takes them."""
    from attribution import engine_vector

    ids = [opp[0] for opp in batch]
    deals, extra = [], []
    for opp_id, account_id, amount, _currency, status, closed_on, expected_close, products, joint in batch:
        close = closed_on or expected_close
        lost = status == "lost"
        deals.append((0 if lost else int(amount * 100), lost, close, tuple(products or ()), joint or ""))
        if account_id in account_touches:
            limit = None if close is None else engine_vector.day_number(close)
            extra += [(opp_id, *r[1:]) for r in account_touches[account_id] if limit is None or r[2] // DAY_US <= limit]
    touch_rows = touches.until(ids[-1])
    return ids, deals, links.until(ids[-1]), touch_rows + extra if extra else touch_rows, scores.until(ids[-1])


def _chunk_rows(batch, ids, deals, links, touches, scores, *, model_names, ctx, copy, head, tail, org, run) -> list:
    """One chunk's ledger rows (no database access): columns, every model, rows formatted for the writer."""
    from attribution import engine_vector
    from attribution.engine_vector_models import credit_chunk

    rows = credit_chunk(engine_vector.chunk_from_rows(ids, deals, links, touches, scores), model_names, ctx)
    columns = (rows.deal, rows.model, rows.pid, rows.cents, rows.share, rows.explanation, rows.rule_version)
    if copy:
        null, copy_text = "\\N", ledger.copy_text
        deal_head = [f"{head}{opp_id}\t" for opp_id in ids]
        money = [f"\t{copy_text(opp[3])}\t" for opp in batch]
        if min(rows.cents, default=0) < 0:
            amounts = [_cents_text(c) for c in rows.cents]
        else:
            amounts = [f"{c // 100}.{c % 100:02d}" for c in rows.cents]
        return [
            f"{deal_head[d]}{null if pid is None else pid}\t{model}\t{amount}{money[d]}"
            f"{share // 1_000_000}.{share % 1_000_000:06d}\t{rule_version}\t{explanation}{tail}"
            for (d, model, pid, _, share, explanation, rule_version), amount in zip(
                zip(*columns, strict=True), amounts, strict=True
            )
        ]
    stamp = timezone.now()
    return [
        (
            org.id, ids[d], pid, model, Decimal(cents).scaleb(-2), batch[d][3], Decimal(share).scaleb(-6),
            rule_version, explanation, run.id, stamp, stamp,
        )
        for d, model, pid, cents, share, explanation, rule_version in zip(*columns, strict=True)
    ]  # fmt: skip


def attribution_runs_reclaim(*, now: datetime.datetime | None = None) -> int:
    """Restart runs whose worker died (expired lease) or whose message was lost; returns how many.

    Cross-tenant by design: it runs from beat (every minute) and touches only run rows and the
    staging tables of runs no attempt holds. The claim's conditional update makes a duplicate
    delivery harmless.
    """
    now = now or timezone.now()
    due = AttributionRun.objects.filter(
        Q(status=AttributionRun.Status.RUNNING, lease_expires_at__lt=now)
        | Q(status=AttributionRun.Status.QUEUED, created_at__lt=now - STALE_QUEUED_AFTER)
    ).values_list("organization_id", "id")
    restarted = 0
    for organization_id, run_id in due:
        transaction.on_commit(lambda o=organization_id, r=run_id: _enqueue(o, r))
        restarted += 1
    if _partitioned():
        live = {
            _stage_name(o, r, a)
            for o, r, a in AttributionRun.objects.filter(
                status=AttributionRun.Status.RUNNING, lease_expires_at__gte=now
            ).values_list("organization_id", "id", "attempts")
        }
        ledger.stage_drop([name for name in _ledger_tables(None)[1] if name not in live])
    return restarted


@transaction.atomic
def attribution_run_start(*, org: Organization, actor: Actor, trigger: str = "manual") -> AttributionRun:
    """Queue a full recomputation now (the page's and the API's "Recompute" button)."""
    run = attribution_recompute_request(org=org, actor=actor, trigger=trigger)
    audit_action(org=org, actor=actor, obj=run, verb="attribution.run_requested")
    return run
