"""Celery tasks: thin, idempotent wrappers over workspace services."""

from __future__ import annotations

from celery import shared_task

DIGEST_BATCH = 100


@shared_task(autoretry_for=(ConnectionError, OSError), retry_backoff=True, max_retries=5)
def notification_email_send(notification_id: int) -> None:
    """E-mail one notification (immediate mode). Safe to run twice: the row is claimed first."""
    from workspaces import services

    services.notification_email_send(notification_id=notification_id)


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
    from workspaces import services

    return sum(services.notification_digest_send(user_id=user_id) for user_id in user_ids)
