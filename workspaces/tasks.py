"""Celery tasks: thin, idempotent wrappers over workspace services."""

from __future__ import annotations

from celery import shared_task

DIGEST_BATCH = 100


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def notification_email_send(notification_id: int) -> None:
    """E-mail one notification (immediate mode). Safe to run twice: the row is claimed first."""
    from workspaces import notification_services

    notification_services.notification_email_send(notification_id=notification_id)


@shared_task
def notification_digest_daily() -> int:
    """Beat entry point (daily): fan out one task per batch of people due a summary."""
    from workspaces import selectors

    ids = list(selectors.users_due_daily_digest().values_list("pk", flat=True))
    for start in range(0, len(ids), DIGEST_BATCH):
        notification_digest_batch.delay(ids[start : start + DIGEST_BATCH])
    return len(ids)


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def notification_digest_batch(user_ids: list[int]) -> int:
    """Send the daily summary to each person in the batch. Safe to run twice: rows are claimed."""
    from workspaces import notification_services

    return sum(notification_services.notification_digest_send(user_id=user_id) for user_id in user_ids)


# Digests and next best actions (workspaces.digest_services, workspaces.nba_services) ----------------


@shared_task
def digests_schedule() -> int:
    """Beat (daily): request each organization's digest runs due today (one job per organization and kind)."""
    from workspaces import digest_services

    return digest_services.schedule_due()


@shared_task
def heavy_digest_run(organization_id: int, job_id: int) -> None:
    """One organization's digest run (pom.jobs): write the digests chunk by chunk, then send the outbox."""
    from pom import jobs
    from workspaces import digest_services

    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=digest_services.run_body)


@shared_task
def digest_send(organization_id: int, job_id: int) -> None:
    """Send the queued outbox rows of one approved digest (pom.jobs; the job's key is the digest id)."""
    from pom import jobs
    from workspaces import digest_services

    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=digest_services.send_body)


@shared_task
def nba_refresh_schedule() -> int:
    """Beat (daily): one next-best-action refresh job per organization with workspaces."""
    from workspaces import nba_services

    return nba_services.schedule_refresh()


@shared_task
def heavy_nba_refresh(organization_id: int, job_id: int) -> None:
    """Refresh one organization's next best actions from the rules (pom.jobs)."""
    from pom import jobs
    from workspaces import nba_services

    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=nba_services.refresh_body)
