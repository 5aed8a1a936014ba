"""Celery wrappers of the benchmarks (issue 10): the per-organization job (heavy queue) and the
nightly fan-out. Imported by `reports.tasks` so the worker registers them."""

from celery import shared_task

from pom.models import Organization

JOB_KIND = "reports.benchmarks"


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_benchmarks_run(organization_id: int, job_id: int) -> None:
    """Compute one organization's benchmarks (a `pom.jobs` job). Safe twice: a day's rows are replaced."""
    from pom import jobs
    from reports.benchmarks.compute import run_benchmarks

    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=run_benchmarks)


def benchmarks_request(*, org: Organization, actor=None):
    """Queue (or join) the organization's benchmark job after commit."""
    from django.utils.translation import gettext

    from pom import jobs

    return jobs.job_request(
        org=org, kind=JOB_KIND, task=heavy_benchmarks_run, actor=actor, label=gettext("Benchmarks"), lease_seconds=900
    )


@shared_task
def benchmarks_nightly() -> int:
    """Fan out (beat, nightly): one benchmark job per organization with partnerships.

    Cross-tenant on purpose: it reads only which organizations have partnerships, to skip the others.
    """
    from django.db import transaction

    from partners.models import Partnership

    org_ids = sorted(set(Partnership.objects.values_list("organization_id", flat=True)))
    for org in Organization.objects.filter(pk__in=org_ids).order_by("id"):
        with transaction.atomic():
            benchmarks_request(org=org)
    return len(org_ids)
