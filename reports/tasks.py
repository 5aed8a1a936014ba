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


from reports import benchmark_tasks  # noqa: E402, F401  (benchmarks, issue 10)
