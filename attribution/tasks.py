"""Celery wrappers: the attribution run (heavy queue), the nightly fan-out and registration expiry."""

import contextlib

from celery import shared_task

from attribution.models import AttributionRun
from pom.models import Organization


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_attribution_run(organization_id: int, run_id: int) -> None:
    """Recompute one organization's credit ledger. Safe to run twice: each attempt claims the run.

    A redelivered task (its pool child died) finds the run still "running" under the dead attempt's
    lease: it looks again once the lease has run out, and then takes the run over.
    """
    from django.conf import settings
    from django.utils import timezone

    from attribution import runs

    org = Organization.objects.filter(pk=organization_id).first()
    run = AttributionRun.objects.for_org(organization_id).filter(pk=run_id).first()
    if org is None or run is None:
        return
    run = runs.attribution_run_execute(org=org, run=run)
    if run.status == AttributionRun.Status.RUNNING and run.lease_expires_at and not settings.CELERY_TASK_ALWAYS_EAGER:
        wait = max(1, int((run.lease_expires_at - timezone.now()).total_seconds()) + 1)
        runs._enqueue(organization_id, run_id, countdown=wait)


@shared_task
def attribution_runs_reclaim() -> int:
    """Beat, every minute: restart attribution runs whose worker died or whose message was lost."""
    from django.db import transaction

    from attribution import runs

    with transaction.atomic():
        return runs.attribution_runs_reclaim()


@shared_task
def attribution_nightly() -> int:
    """Fan out: queue one recomputation per organization; returns how many were queued."""
    from django.db import transaction

    from attribution import runs

    count = 0
    for org in Organization.objects.order_by("id").iterator():
        with transaction.atomic():
            runs.attribution_recompute_request(org=org, trigger="nightly")
        count += 1
    return count


@shared_task
def registration_expiry() -> int:
    """Fan out: queue the expiry of ended protection windows per organization; returns how many."""
    org_ids = list(Organization.objects.order_by("id").values_list("id", flat=True))
    for org_id in org_ids:
        registration_expiry_org.delay(org_id)
    return len(org_ids)


@shared_task
def registration_expiry_org(organization_id: int) -> int:
    """Expire one organization's ended protection windows. Safe to run twice."""
    from attribution import registrations

    org = Organization.objects.filter(pk=organization_id).first()
    return registrations.registration_expire_due(org=org) if org else 0


# Incentives (issue 14): accruals, statements and exports run as `pom.jobs` jobs ------------------


def _job(organization_id: int, job_id: int, run) -> None:
    from pom import jobs

    org = Organization.objects.filter(pk=organization_id).first()
    if org is not None:
        jobs.job_execute(
            organization_id=organization_id, job_id=job_id, body=lambda *, job, progress: run(org, job, progress)
        )


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_commission_accruals(organization_id: int, job_id: int) -> None:
    """Recompute one organization's commission accruals (job kind `attribution.commissions`). Safe twice."""
    from attribution import incentives

    _job(
        organization_id,
        job_id,
        lambda org, job, progress: incentives.commission_accruals(org=org, job=job, progress=progress),
    )


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_commission_statements(organization_id: int, job_id: int) -> None:
    """Group a period's accruals into draft statements (job kind `attribution.statements`). Safe twice."""
    import datetime

    from attribution import incentives

    def run(org, job, progress):
        return incentives.statements_generate(
            org=org,
            actor=job.requested_by,
            period_start=datetime.date.fromisoformat(job.params["period_start"]),
            period_end=datetime.date.fromisoformat(job.params["period_end"]),
        )

    _job(organization_id, job_id, run)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_commission_export(organization_id: int, job_id: int) -> None:
    """Write the statements' lines for finance as CSV or XLSX, attached to the job."""
    from attribution import incentives

    def run(org, job, progress):
        statements = incentives.statement_list(org=org, status=job.params.get("status") or None)
        content, name = incentives.statements_export(org=org, statements=statements, fmt=job.params["format"])
        progress.attach(filename=name, content=content)
        return {"statements": statements.count(), "file": name}

    _job(organization_id, job_id, run)


@shared_task
def commissions_nightly() -> int:
    """Fan out (beat): request the commission recomputation of every organization with rules.

    Cross-tenant on purpose: it reads only which organizations have active rules, to skip the others.
    """
    from django.db import transaction

    from attribution import incentives
    from attribution.models import CommissionRule

    org_ids = sorted(set(CommissionRule.objects.filter(is_active=True).values_list("organization_id", flat=True)))
    for org in Organization.objects.filter(pk__in=org_ids).order_by("id"):
        with transaction.atomic():
            incentives.commission_accruals_request(org=org)
    return len(org_ids)


# Account mapping ----------------------------------------------------------------------------------


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_account_map_compute(organization_id: int, job_id: int) -> None:
    """Recompute one account map (a `pom.jobs` job). Safe to run twice: the job is claimed once."""
    from attribution import mapping_compute
    from pom import jobs

    jobs.job_execute(organization_id=organization_id, job_id=job_id, body=mapping_compute.account_map_compute)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_partner_list_import(organization_id: int, job_id: int) -> None:
    """Make a checked partner list the current one (a `pom.jobs` job): all rows or none."""
    from attribution import mapping_compute
    from pom import jobs, validation

    with contextlib.suppress(validation.ImportRejected):  # recorded on the job and the list, with a report
        jobs.job_execute(organization_id=organization_id, job_id=job_id, body=mapping_compute.partner_list_import)


@shared_task(autoretry_for=(ConnectionError,), retry_backoff=True, max_retries=5)
def heavy_pipeline_import(organization_id: int, job_id: int) -> None:
    """Write a previewed accounts or opportunities CSV (job kind `attribution.import`): all rows or none."""
    from attribution import importing
    from pom import jobs, validation

    # A rejected import is recorded on the job (failed, with its error report attached).
    with contextlib.suppress(validation.ImportRejected):
        jobs.job_execute(organization_id=organization_id, job_id=job_id, body=importing.import_execute)


@shared_task
def account_maps_nightly() -> int:
    """Fan out: one task per organization that has account maps both sides agreed to."""
    from attribution.mapping_models import AccountMap

    org_ids = sorted(
        set(
            AccountMap.objects.filter(vendor_opt_in_at__isnull=False, partner_opt_in_at__isnull=False).values_list(
                "organization_id", flat=True
            )
        )
    )
    for org_id in org_ids:
        account_maps_nightly_org.delay(org_id)
    return len(org_ids)


@shared_task
def account_maps_nightly_org(organization_id: int) -> int:
    """Recompute one organization's agreed maps (the partner's own POM accounts change without us)."""
    from django.db import transaction

    from attribution.mapping_services import account_maps_inputs_changed

    org = Organization.objects.filter(pk=organization_id).first()
    if org is None:
        return 0
    with transaction.atomic():
        return account_maps_inputs_changed(org=org)
