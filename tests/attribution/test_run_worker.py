"""Issue 19, fault 7 with a real Celery worker killed by SIGKILL mid-run: the main process (then beat's
reclaim restarts the run) and only the prefork pool's child (then Celery delivers the task again). After
either, the same run completes exactly once, and the previous ledger stayed fully visible throughout.

The kill is deterministic, never a race: the test holds the ledger's swap lock (so the run cannot
finish) and, once the progress row shows the run mid-way, the run's row lock (so it stops at its next
heartbeat), then kills."""

import datetime
import os
import signal
import time
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.utils import timezone

from attribution import runs, selectors
from attribution.models import AttributionRun, CreditAllocation, Opportunity, OpportunityPartner, Touchpoint
from tests.factories import AccountFactory, InfluenceTypeFactory, OrganizationFactory, PartnershipFactory

pytestmark = pytest.mark.worker  # PostgreSQL: the kill is staged with its locks


@pytest.fixture(autouse=True)
def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("the kill is staged with PostgreSQL's advisory and row locks")  # CI runs on PostgreSQL


DEALS = 240
CHUNK = 20  # a heartbeat (and progress) every 20 deals: 12 of them
LEASE = 2


@pytest.fixture
def short_lease(monkeypatch, settings):
    """Before the worker starts: small chunks and a short lease, in the worker and in this process."""
    monkeypatch.setenv("POM_ATTRIBUTION_RUN_CHUNK", str(CHUNK))
    monkeypatch.setenv("POM_ATTRIBUTION_RUN_LEASE_SECONDS", str(LEASE))
    settings.ATTRIBUTION_RUN_CHUNK = CHUNK
    settings.ATTRIBUTION_RUN_LEASE_SECONDS = LEASE


def _pipeline(org):
    account = AccountFactory(organization=org)
    kind = InfluenceTypeFactory(organization=org)
    partnerships = [PartnershipFactory(organization=org, partner__organization=org) for _ in range(3)]
    today = datetime.date(2026, 6, 1)
    opps = Opportunity.objects.bulk_create(
        Opportunity(
            organization=org,
            account=account,
            name=f"Deal {i}",
            amount=Decimal("1000.00") + i,
            created_on=today,
            expected_close=today,
        )
        for i in range(DEALS)
    )
    OpportunityPartner.objects.bulk_create(
        OpportunityPartner(organization=org, opportunity=o, partnership=p, role="sourced" if k == 0 else "influenced")
        for i, o in enumerate(opps)
        for k, p in enumerate(partnerships[: 1 + i % 3])
    )
    Touchpoint.objects.bulk_create(
        Touchpoint(
            organization=org,
            opportunity=o,
            account=account,
            partnership=p,
            influence_type=kind,
            occurred_at=timezone.now() - datetime.timedelta(days=k + i % 7),
        )
        for i, o in enumerate(opps)
        for k, p in enumerate(partnerships[: 1 + i % 3])
    )


def _ledger(org):
    """The ledger as readers see it: run ids and whether every deal and model adds up to the amount."""
    totals, run_ids = {}, set()
    for opp_id, model, amount, run_id in selectors.credit_list(org=org).values_list(
        "opportunity_id", "model", "amount", "run_id"
    ):
        totals[(opp_id, model)] = totals.get((opp_id, model), 0) + amount
        run_ids.add(run_id)
    amounts = dict(Opportunity.objects.for_org(org).values_list("id", "amount"))
    complete = len({opp for opp, _ in totals}) == DEALS and all(t == amounts[o] for (o, _), t in totals.items())
    return run_ids, complete


def _wait(predicate, what, worker, timeout=60):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    pytest.fail(f"Timed out waiting for {what}; worker log:\n{worker.log_file.read_text()[-3000:]}")


def _progress(run):
    run.refresh_from_db()
    return run.status == "running" and 30 <= run.progress < 100 and run


def _start_frozen(org, worker):
    """The previous run done; a new one requested and frozen mid-way in the worker. Returns (previous, run)."""
    previous = runs.attribution_run_execute(org=org, run=AttributionRun.objects.create(organization=org))
    assert previous.status == "done" and _ledger(org) == ({previous.id}, True)
    with connection.cursor() as cursor:  # the swap lock, held by this session until released
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", [runs.LOCK_NAMESPACE, org.id])
    with transaction.atomic():
        run = runs.attribution_run_start(org=org, actor=None)
    return previous, run


def _kill_mid_way(org, run, previous, worker, kill):
    """Once the run shows >= 30 %, stop it at its next heartbeat (row lock), check readers, then kill."""
    _wait(lambda: _progress(run), "the run to be mid-way", worker)
    with transaction.atomic():
        AttributionRun.objects.select_for_update().get(pk=run.pk)
        run.refresh_from_db()
        assert 30 <= run.progress < 100 and run.status == "running" and run.attempts == 1
        assert _ledger(org) == ({previous.id}, True)  # the previous ledger, complete, while the run writes
        kill()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [runs.LOCK_NAMESPACE, org.id])


def _completed_once(org, run, previous, worker):
    _wait(lambda: AttributionRun.objects.get(pk=run.pk).status == "done", "the run to complete", worker)
    run.refresh_from_db()
    assert run.attempts == 2 and "restarted (attempt 2 of 3)" in run.message
    assert _ledger(org) == ({run.id}, True)
    assert CreditAllocation.objects.for_org(org).count() == run.allocations_count
    assert runs._ledger_tables(org.id) == ([runs._stage_name(org.id, run.id, 2)], [])  # nothing left behind
    assert AttributionRun.objects.for_org(org).filter(status__in=["queued", "running", "failed"]).count() == 0


def test_sigkill_of_the_main_process_mid_run_then_reclaim_completes_the_run_once(short_lease, celery_worker_process):
    org = OrganizationFactory(slug="crash-main")
    _pipeline(org)
    previous, run = _start_frozen(org, celery_worker_process)

    def kill():
        celery_worker_process.process.send_signal(signal.SIGKILL)
        celery_worker_process.process.wait(timeout=10)

    _kill_mid_way(org, run, previous, celery_worker_process, kill)
    assert _ledger(org) == ({previous.id}, True)
    # the supervisor starts a fresh worker (the old one is dead already: only the restart happens); the
    # message died with the old one (redelivered only after the broker's visibility timeout), and beat's
    # reclaim restarts the run once its lease has run out
    celery_worker_process.kill_and_restart()
    _wait(
        lambda: AttributionRun.objects.get(pk=run.pk).lease_expires_at < timezone.now(),
        "the lease",
        celery_worker_process,
    )
    with transaction.atomic():
        assert runs.attribution_runs_reclaim() >= 1
    _completed_once(org, run, previous, celery_worker_process)


def test_sigkill_of_the_pool_child_only_then_redelivery_completes_the_run_once(
    short_lease, celery_prefork_worker_process
):
    worker = celery_prefork_worker_process
    org = OrganizationFactory(slug="crash-child")
    _pipeline(org)
    previous, run = _start_frozen(org, worker)
    child = worker.pool_child_pid()

    def kill():
        os.kill(child, signal.SIGKILL)

    _kill_mid_way(org, run, previous, worker, kill)
    # the main process lives on: Celery delivers the task again (acks late, reject on worker lost), which
    # waits for the dead attempt's lease to run out and takes the run over; no reclaim needed
    _completed_once(org, run, previous, worker)
    assert worker.process.poll() is None
