"""Celery wrappers for programs in motion: tier reviews (a `pom.jobs` job), nightly fan-outs, points expiry."""

from __future__ import annotations

import contextlib

from celery import shared_task

from pom.models import Organization


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_tier_evaluation(organization_id: int, job_id: int) -> None:
    """Review every partnership of one organization against its tiers (job kind `partners.tier_evaluation`)."""
    from partners import tiers
    from pom import jobs

    org = Organization.objects.filter(pk=organization_id).first()
    if org is None:
        return

    def body(*, job, progress):
        return tiers.tier_evaluation(org=org, progress=progress)

    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=body)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_partner_import(organization_id: int, job_id: int) -> None:
    """Import a previewed partner file (job kind `partners.import`): every row or none."""
    from partners import import_runs
    from pom import jobs

    # A rejected import is recorded on the job (failed, with its error report) and on the run.
    with contextlib.suppress(import_runs.ImportRejected):
        jobs.job_execute(organization_id=organization_id, job_id=job_id, body=import_runs.import_run_execute)


@shared_task
def tier_evaluation_nightly() -> int:
    """Fan out (beat): request one tier review per organization; returns how many were requested."""
    from django.db import transaction

    from partners import tiers

    count = 0
    for org in Organization.objects.order_by("id").iterator():
        with transaction.atomic():
            tiers.tier_evaluation_request(org=org, actor=None)
        count += 1
    return count


@shared_task
def points_expiry() -> int:
    """Fan out (beat, daily): expire points per organization that has some due; returns how many orgs."""
    from partners import points

    org_ids = points.org_ids_with_expiring_points()
    for org_id in org_ids:
        points_expiry_org.delay(org_id)
    return len(org_ids)


@shared_task
def points_expiry_org(organization_id: int) -> int:
    """Write the expiry lines of one organization. Safe to run twice (one expiry per award)."""
    from partners import points

    org = Organization.objects.filter(pk=organization_id).first()
    return points.points_expire(org=org) if org else 0


@shared_task
def assessment_reminders_daily() -> int:
    """Fan out (beat, daily): remind and close per organization with an open assessment campaign."""
    from partners import assessment_services

    org_ids = assessment_services.org_ids_with_open_campaigns()
    for org_id in org_ids:
        assessment_reminders_org.delay(org_id)
    return len(org_ids)


@shared_task
def assessment_reminders_org(organization_id: int) -> dict:
    """Send the due assessment reminders of one organization and close lapsed campaigns. Safe to run twice."""
    from partners import assessment_services

    org = Organization.objects.filter(pk=organization_id).first()
    return assessment_services.reminders_send(org=org) if org else {}
