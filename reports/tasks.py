"""Celery wrappers: the TACAM scoring job (heavy queue) and its nightly fan-out."""

from celery import shared_task

from pom.models import Organization


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_tacam_score(organization_id: int, job_id: int) -> None:
    """Score partnerships (a `pom.jobs` job of kind `reports.tacam`). Safe to run twice: a day's snapshot
    is an upsert, and the job is claimed once."""
    from pom import jobs
    from reports import services

    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=services.run_scores)


@shared_task
def tacam_nightly() -> int:
    """Fan out (beat, nightly): one scoring job per organization that has partnerships.

    Cross-tenant on purpose: it reads only which organizations have partnerships, to skip the others.
    """
    from django.db import transaction

    from partners.models import Partnership
    from reports import services

    org_ids = sorted(set(Partnership.objects.values_list("organization_id", flat=True)))
    for org in Organization.objects.filter(pk__in=org_ids).order_by("id"):
        with transaction.atomic():
            services.scores_request(org=org)
    return len(org_ids)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_summary_refresh(organization_id: int, job_id: int) -> None:
    """Rebuild the dashboards' summary tables (a `pom.jobs` job of kind `reports.summary`). Safe to run
    twice: a refresh replaces the organization's rows in one transaction."""
    from pom import jobs
    from reports import summary

    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=summary.run_summary)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_list_export(organization_id: int, job_id: int) -> None:
    """Write a list export past the row limit (a `pom.jobs` job of kind `reports.list_export`)."""
    from pom import jobs
    from reports import list_exports

    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=list_exports.run_export)


@shared_task
def summary_nightly() -> int:
    """Fan out (beat, nightly): one summary refresh per organization that has partners.

    Cross-tenant on purpose: it reads only which organizations have partners, to skip the others.
    """
    from django.db import transaction

    from partners.models import Partner
    from reports import summary

    org_ids = sorted(set(Partner.objects.values_list("organization_id", flat=True)))
    for org in Organization.objects.filter(pk__in=org_ids).order_by("id"):
        with transaction.atomic():
            summary.summary_request(org=org)
    return len(org_ids)


from reports import benchmark_tasks  # noqa: E402, F401  (benchmarks, issue 10)
