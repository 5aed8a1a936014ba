"""Celery tasks of the core app: outgoing e-mail and the restart of background jobs whose worker died.

Every e-mail POM sends (invitations, allauth's verification and reset mails, later apps'
notifications) goes through `send_email`, queued by `pom.services.email_send` once the
surrounding transaction commits, so a rolled-back invitation never mails anyone and a slow
SMTP server never holds a web request.
"""

from __future__ import annotations

import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives


@shared_task(
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=True,
    retry_backoff_max=600,
    max_retries=5,
)
def send_email(
    *,
    to: list[str],
    subject: str,
    body: str,
    html: str | None = None,
    from_email: str | None = None,
    reply_to: list[str] | None = None,
) -> None:
    """Send one e-mail through Django's configured backend.

    Idempotent enough: the only side effect is the message itself, so the one risk of a retry
    or of a redelivery after a worker crash (acks_late) is that the recipient gets it twice;
    nothing in the database changes. SMTP and connection errors are retried with backoff.
    """
    message = EmailMultiAlternatives(
        subject=subject,
        body=body,
        from_email=from_email or None,
        to=to,
        reply_to=reply_to or None,
    )
    if html:
        message.attach_alternative(html, "text/html")
    message.send()


@shared_task
def jobs_reclaim() -> int:
    """Every minute (beat): put jobs whose worker died back in the queue; see `pom.jobs.jobs_reclaim`."""
    from pom import jobs

    return jobs.jobs_reclaim()


@shared_task
def webhook_deliver(organization_id: int, delivery_id: int) -> None:
    """One attempt of a webhook delivery, if it is due (a duplicate message finds nothing to claim)."""
    from pom import webhooks

    webhooks.delivery_attempt(organization_id=organization_id, delivery_id=delivery_id)


@shared_task
def webhooks_retry_due() -> int:
    """Every minute (beat): enqueue due webhook retries and deliveries whose message or worker was lost."""
    from pom import webhooks

    return webhooks.webhooks_retry_due()


@shared_task
def heavy_org_export(organization_id: int, job_id: int) -> None:
    """The organization's complete archive as a job file (Settings → Data; the final export)."""
    from pom import jobs, privacy

    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=privacy.org_export_body)


@shared_task
def org_deletions_due() -> int:
    """Daily (beat): one deletion task per organization whose grace period is over."""
    from pom import privacy

    due = privacy.org_deletions_due()
    for organization_id in due:
        org_delete.delay(organization_id)
    return len(due)


@shared_task
def org_delete(organization_id: int) -> bool:
    """Delete one organization whose scheduled deletion is due; does nothing when it is not (safe twice)."""
    from pom import privacy

    return privacy.org_delete_now(organization_id=organization_id)
