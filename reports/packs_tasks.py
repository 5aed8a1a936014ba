"""Celery wrappers for QBR packs, scheduled reports and Partner Wrapped (thin: the work is in the services)."""

from celery import shared_task


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_qbr_pack(organization_id: int, job_id: int) -> None:
    """Generate one QBR pack (a `pom.jobs` job of kind `reports.qbr_pack`); claimed once, so safe to redeliver."""
    from pom import jobs
    from reports import packs

    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=packs.pack_generate_body)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_wrapped(organization_id: int, job_id: int) -> None:
    """Generate Partner Wrapped for one partnership or all of an organization's (job `reports.wrapped`)."""
    from pom import jobs
    from reports import wrapped

    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=wrapped.wrapped_generate_body)


@shared_task
def wrapped_yearly() -> int:
    """Beat (1st and 15th of December and January): queue each organization's Wrapped for the year in
    review (December: this year so far; January: last year, final). Cross-tenant on purpose: it reads
    only which organizations have partnerships."""
    from django.db import transaction

    from partners.models import Partnership
    from pom.models import Organization
    from reports import wrapped

    year = wrapped.review_year()
    org_ids = sorted(set(Partnership.objects.values_list("organization_id", flat=True)))
    for org in Organization.objects.filter(pk__in=org_ids).order_by("id"):
        with transaction.atomic():
            wrapped.wrapped_request(org=org, actor=None, year=year)
    return len(org_ids)


@shared_task
def report_subscriptions_due() -> int:
    """Beat (every 15 minutes): one task per due subscription. Cross-tenant on purpose (ids only)."""
    from reports import schedules

    due = schedules.subscriptions_due()
    for organization_id, subscription_id in due:
        report_subscription_run.delay(organization_id, subscription_id)
    return len(due)


@shared_task(autoretry_for=(ConnectionError, TimeoutError), retry_backoff=True, max_retries=5)
def report_subscription_run(organization_id: int, subscription_id: int) -> None:
    """Render and mail one subscription if it is still due (the claim moves next_run_at first)."""
    from reports import schedules

    schedules.subscription_run(organization_id=organization_id, subscription_id=subscription_id)
