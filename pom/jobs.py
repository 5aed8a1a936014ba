"""Background jobs with a row people can watch: request, claim, progress, finish, reclaim.

Every long computation, import or export of POM runs as a Celery task over one `pom.models.Job`
row, so a page (or an integrator) polls one place for status, progress, errors and the result.

    # the service asks for the work once the caller's transaction commits
    job = jobs.job_request(org=org, kind="tacam.score", task=heavy_tacam_score, actor=user,
                           label=_("Score every partnership"))

    # the task is a thin wrapper: (organization_id, job_id) and the body to run
    @shared_task
    def heavy_tacam_score(organization_id: int, job_id: int) -> None:
        jobs.job_execute(organization_id=organization_id, job_id=job_id, body=services.tacam_score_all)

    # the body gets the job and a progress reporter; what it returns is stored as `job.result`
    def tacam_score_all(*, job: Job, progress: jobs.Progress) -> dict:
        for done, chunk in enumerate(chunks, 1):
            ...
            progress.update(done=done, total=len(chunks), message=_("Scored %(n)s") % {"n": done})
        return {"partnerships": n}

Guarantees:
1. One queued and one running job per (organization, kind, key): `job_request` returns the queued
   job when there is one (repeated requests are debounced into it); a second worker cannot claim a
   job while another of the same kind and key runs (the unique constraint refuses the claim; the
   waiting job is started when the running one ends).
2. A claim is a conditional update (queued -> running, or running with an expired lease -> running
   again), so a redelivered message or a duplicate enqueue does nothing.
3. `Progress.update` is a heartbeat: it extends the lease. A worker killed mid-job leaves an expired
   lease; `jobs_reclaim` (every minute, by beat) puts the job back in the queue, up to
   `max_attempts`, then marks it failed saying so. Bodies must therefore be safe to run again from
   the start: write results in one transaction at the end, or replace what an earlier attempt wrote.
4. Only the attempt that holds the job may report progress or finish it: a worker whose lease was
   reclaimed (or whose job was cancelled) gets `JobLost` at its next report and stops.
   `Progress.hold()` locks the row and checks ownership, for bodies that want their final write and
   the "done" mark to be one transaction.
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pom.audit import Actor
from pom.common import actor_user
from pom.models import Job, Organization

logger = logging.getLogger(__name__)

STALE_QUEUED_AFTER = datetime.timedelta(minutes=10)


class JobLost(Exception):
    """This attempt no longer holds the job (cancelled, or reclaimed after its lease ran out)."""


class _Busy(Exception):
    """Another job of the same organization, kind and key is running."""


_user = actor_user  # pom.common


def _enqueue(job: Job, countdown: int | None = None) -> None:
    from pom.celery import app

    task = app.tasks[job.task_name]
    task.apply_async(args=(job.organization_id, job.id), countdown=countdown)


def job_request(
    *,
    org: Organization,
    kind: str,
    task,
    actor: Actor = None,
    key: str = "",
    scope: str = "",
    label: str = "",
    params: dict | None = None,
    lease_seconds: int = 300,
    max_attempts: int = 3,
    countdown: int | None = None,
) -> Job:
    """The queued job of this kind and key, or a new one enqueued once the transaction commits.

    `task` is the Celery task that runs it, called as `task(organization_id, job_id)`. `countdown`
    delays the start (debounce: changes made meanwhile join the same job). `params` are stored on
    the job for the body to read; a request that joins a queued job keeps the first params.
    """
    existing = Job.objects.for_org(org).filter(kind=kind, key=key, status=Job.Status.QUEUED).first()
    if existing is not None:
        return existing
    job = Job(
        organization=org,
        kind=kind,
        key=key,
        scope=scope,
        label=str(label)[:200],
        task_name=task.name,
        params=params or {},
        requested_by=_user(actor),
        lease_seconds=lease_seconds,
        max_attempts=max_attempts,
    )
    try:
        with transaction.atomic():
            job.save()
    except IntegrityError:  # another request queued the same job between our read and our insert
        return Job.objects.for_org(org).get(kind=kind, key=key, status=Job.Status.QUEUED)
    transaction.on_commit(lambda: _enqueue(job, countdown))
    return job


def _claim(*, organization_id: int, job_id: int) -> Job | None:
    """Take the job for this attempt, or None when there is nothing to do (done, held elsewhere)."""
    now = timezone.now()
    claimable = (
        Job.objects.for_org(organization_id)
        .filter(pk=job_id)
        .filter(Q(status=Job.Status.QUEUED) | Q(status=Job.Status.RUNNING, lease_expires_at__lt=now))
    )
    job = claimable.first()
    if job is None:
        return None
    try:
        with transaction.atomic():
            claimed = claimable.filter(attempts=job.attempts).update(
                status=Job.Status.RUNNING,
                attempts=job.attempts + 1,
                started_at=now,
                lease_expires_at=now + datetime.timedelta(seconds=job.lease_seconds),
                error="",
            )
    except IntegrityError:  # another job of the same kind and key is running: try again later
        raise _Busy() from None
    if not claimed:
        return None
    job.refresh_from_db()
    return job


@dataclass
class Progress:
    """Reports one attempt's progress; every report extends the lease (a heartbeat)."""

    job: Job
    _last: dict = field(default_factory=dict)

    def _held(self):
        return Job.objects.for_org(self.job.organization_id).filter(
            pk=self.job.pk, status=Job.Status.RUNNING, attempts=self.job.attempts
        )

    def update(self, *, done: int | None = None, total: int | None = None, message: str | None = None) -> None:
        """Record how far the job is; raises `JobLost` when this attempt no longer holds it."""
        fields: dict = {
            "lease_expires_at": timezone.now() + datetime.timedelta(seconds=self.job.lease_seconds),
        }
        if total is not None:
            fields["total_count"] = total
            self.job.total_count = total
        if done is not None:
            fields["done_count"] = done
            self.job.done_count = done
        if self.job.total_count:
            fields["progress"] = min(99, self.job.done_count * 100 // self.job.total_count)
        if message is not None:
            fields["message"] = str(message)[:300]
        if not self._held().update(**fields):
            raise JobLost(self.job.pk)
        for name, value in fields.items():
            setattr(self.job, name, value)

    def hold(self) -> Job:
        """Lock the job row inside the caller's transaction; raises `JobLost` if no longer held."""
        job = self._held().select_for_update().first()
        if job is None:
            raise JobLost(self.job.pk)
        return job

    def attach(self, *, filename: str, content: bytes) -> None:
        """Store a file as the job's result (an export, an error report), served by a checked view."""
        self.job.result_file.save(filename, ContentFile(content), save=False)
        self._held().update(result_file=self.job.result_file.name)


def job_execute(*, organization_id: int, job_id: int, body: Callable[..., dict | None]) -> Job | None:
    """Run `body(job=, progress=)` for one attempt of the job: claim, run, finish or fail.

    Called by the job's Celery task. Returns the job as left, or None when there was nothing to
    claim. An exception in the body marks the job failed with its message and is re-raised for
    Celery's logs; `JobLost` ends the attempt quietly (someone else holds the job now).
    """
    try:
        job = _claim(organization_id=organization_id, job_id=job_id)
    except _Busy:  # it stays queued; the running one starts it when it ends (see _start_next)
        return None
    if job is None:
        return None
    progress = Progress(job)
    try:
        result = body(job=job, progress=progress)
    except JobLost:
        logger.info("Job %s: attempt %s lost its claim", job.pk, job.attempts)
        _start_next(job)
        return None
    except Exception as exc:
        progress._held().update(
            status=Job.Status.FAILED,
            error=f"{type(exc).__name__}: {exc}"[:2000],
            finished_at=timezone.now(),
            lease_expires_at=None,
        )
        _start_next(job)
        raise
    progress._held().update(
        status=Job.Status.DONE,
        progress=100,
        result=result or {},
        finished_at=timezone.now(),
        lease_expires_at=None,
    )
    _start_next(job)
    job.refresh_from_db()
    return job


def _start_next(job: Job) -> None:
    """Enqueue the job of the same kind and key that was requested while this one ran."""
    waiting = Job.objects.for_org(job.organization_id).filter(kind=job.kind, key=job.key, status=Job.Status.QUEUED)
    for queued in waiting.exclude(pk=job.pk):
        transaction.on_commit(lambda queued=queued: _enqueue(queued))


def job_cancel(*, org: Organization, job: Job) -> Job:
    """Stop a queued or running job; a running body stops at its next progress report."""
    Job.objects.for_org(org).filter(pk=job.pk, status__in=Job.ACTIVE).update(
        status=Job.Status.CANCELLED, finished_at=timezone.now(), lease_expires_at=None
    )
    job.refresh_from_db()
    return job


def jobs_reclaim(*, now: datetime.datetime | None = None) -> int:
    """Restart jobs whose worker died (expired lease) or whose message was lost; returns how many.

    Cross-tenant by design: it runs from beat for every organization and touches only `Job` rows.
    1. A running job with an expired lease goes back to queued (or to failed after `max_attempts`).
    2. It, and any job queued for longer than STALE_QUEUED_AFTER, is enqueued again; the claim's
       conditional update makes a duplicate delivery harmless.
    """
    now = now or timezone.now()
    restarted = 0
    expired = Job.objects.filter(status=Job.Status.RUNNING, lease_expires_at__lt=now)
    for job in expired:
        if job.attempts >= job.max_attempts:
            Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=job.attempts).update(
                status=Job.Status.FAILED,
                error=_("The worker stopped during attempt %(n)s of %(max)s; POM gave up.")
                % {"n": job.attempts, "max": job.max_attempts},
                finished_at=now,
                lease_expires_at=None,
            )
            continue
        try:
            with transaction.atomic():
                moved = Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=job.attempts).update(
                    status=Job.Status.QUEUED,
                    lease_expires_at=None,
                    message=_("The worker stopped; restarting (attempt %(n)s of %(max)s).")
                    % {"n": job.attempts + 1, "max": job.max_attempts},
                )
        except IntegrityError:  # a newer request of the same kind and key is already queued
            Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, attempts=job.attempts).update(
                status=Job.Status.CANCELLED,
                finished_at=now,
                lease_expires_at=None,
                error=_("The worker stopped; a newer request of the same job replaces it."),
            )
            continue
        if moved:
            transaction.on_commit(lambda job=job: _enqueue(job))
            restarted += 1
    for job in Job.objects.filter(status=Job.Status.QUEUED, created_at__lt=now - STALE_QUEUED_AFTER):
        transaction.on_commit(lambda job=job: _enqueue(job))
        restarted += 1
    return restarted


# Reads ------------------------------------------------------------------------------------------


def job_list(*, org: Organization, kind: str | None = None, status: str | None = None):
    """The organization's jobs, newest first, optionally narrowed by kind and status."""
    jobs = Job.objects.for_org(org).select_related("requested_by")
    if kind:
        jobs = jobs.filter(kind=kind)
    if status:
        jobs = jobs.filter(status=status)
    return jobs


def job_latest(*, org: Organization, kind: str, key: str = "") -> Job | None:
    """The newest job of a kind and key: what a page shows as "last computed" or "running now"."""
    return Job.objects.for_org(org).filter(kind=kind, key=key).order_by("-created_at", "-id").first()
