"""Where row-level security meets Django and Celery: policies after `migrate`, a task's scope."""

from __future__ import annotations

import contextlib
import inspect
import threading

from django.conf import settings


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """After every `migrate` on PostgreSQL: RLS forced with the tenant policy on every tenant table."""
    from django.db import connections

    from pom import rls

    rls.install(connections[using], app_role=settings.POM_DB_APP_ROLE or None)


def _organization_id(task, args, kwargs):
    """The task's `organization_id` argument (house style: tasks take it first), or None."""
    if "organization_id" in (kwargs or {}):
        return kwargs["organization_id"]
    try:
        params = list(inspect.signature(task.run).parameters)
    except (TypeError, ValueError):
        return None
    if "organization_id" in params and args:
        index = params.index("organization_id")
        if index < len(args):
            return args[index]
    return None


# Tasks with no organization of their own: each reads across organizations for the reason given
# (and fans out per-organization tasks, which get their own organization's scope).
CROSS_TENANT_TASKS: dict[str, str] = {
    "attribution.tasks.account_maps_nightly": "fan-out: opted-in account maps of every organization",
    "attribution.tasks.attribution_nightly": "fan-out: one run per organization",
    "attribution.tasks.attribution_runs_reclaim": "sweep: runs whose worker died, any organization",
    "attribution.tasks.commissions_nightly": "fan-out: organizations with active commission rules",
    "attribution.tasks.registration_expiry": "sweep: registrations past their window, any organization",
    "partners.tasks.assessment_reminders_daily": "fan-out: open assessment campaigns",
    "partners.tasks.points_expiry": "sweep: expired points, any organization",
    "partners.tasks.tier_evaluation_nightly": "fan-out: one evaluation per organization",
    "pom.tasks.jobs_reclaim": "sweep: jobs whose lease expired, any organization",
    "pom.tasks.org_deletions_due": "sweep: organization deletions that are due",
    "pom.tasks.webhooks_retry_due": "sweep: webhook deliveries due for a retry",
    "reports.benchmark_tasks.benchmarks_nightly": "the cross-tenant benchmark pools (opted-in organizations)",
    "reports.packs_tasks.report_subscriptions_due": "fan-out: due report subscriptions of every organization",
    "reports.packs_tasks.wrapped_yearly": "fan-out: a year in review per organization",
    "reports.tasks.summary_nightly": "fan-out: one dashboard summary refresh per organization",
    "reports.tasks.tacam_nightly": "fan-out: one scoring per organization",
    "workspaces.tasks.digests_schedule": "fan-out: organizations with workspaces",
    "workspaces.tasks.nba_refresh_schedule": "fan-out: organizations with workspaces",
    "workspaces.tasks.notification_digest_batch": "a user's own notifications, across organizations",
    "workspaces.tasks.notification_digest_daily": "fan-out: users with unread notifications",
    "workspaces.tasks.notification_email_send": "a user's own notification, found by id",
}

_scopes: dict[str, contextlib.ExitStack] = {}
# The scope of the task a worker is running now, for the connections it opens: (organization ids, all orgs).
_running = threading.local()


def _task_prerun(sender=None, task_id=None, task=None, args=None, kwargs=None, **extra) -> None:
    """A task for one organization sees that organization only; a task without one sees no tenant rows.

    In a worker, Celery's Django fixup closes the database connection before every task, after this
    handler (its own `task_prerun` receiver, connected later): a scope set on the connection now would
    be gone when the task runs. So the scope is remembered for the task's duration and set on every
    connection opened meanwhile (`_scope_new_connection`), besides the current one (inline tasks keep
    theirs, and restore the caller's scope afterwards).
    """
    from pom import rls

    organization_id = _organization_id(task, args or (), kwargs or {})
    org_ids = [organization_id] if organization_id is not None else []
    reason = CROSS_TENANT_TASKS.get(getattr(task, "name", ""))
    all_orgs = reason is not None and organization_id is None
    if not getattr(getattr(task, "request", None), "is_eager", False):
        _running.scope = (rls._ids(org_ids), "on" if all_orgs else "")
    stack = contextlib.ExitStack()
    stack.enter_context(rls.scope(org_ids=org_ids))
    if all_orgs:
        stack.enter_context(rls.all_organizations(reason))
    _scopes[task_id] = stack


def _scope_new_connection(sender=None, connection=None, **kwargs) -> None:
    """A connection opened while a worker runs a task gets that task's scope (session-wide: the fixup
    closes the connection again after the task)."""
    from pom import rls

    scope = getattr(_running, "scope", None)
    if scope is not None and connection.vendor == "postgresql":
        org_ids, all_orgs = scope
        rls._write(connection, org_ids, "", all_orgs)


def _task_postrun(sender=None, task_id=None, **extra) -> None:
    from django.db import DatabaseError

    _running.scope = None
    stack = _scopes.pop(task_id, None)
    if stack is not None:
        # An aborted transaction cannot be asked to restore; its rollback undoes the local scope anyway.
        with contextlib.suppress(DatabaseError):
            stack.close()


def connect_task_scope() -> None:
    from celery.signals import task_postrun, task_prerun
    from django.db.backends.signals import connection_created

    task_prerun.connect(_task_prerun, dispatch_uid="pom-rls-task-prerun", weak=False)
    task_postrun.connect(_task_postrun, dispatch_uid="pom-rls-task-postrun", weak=False)
    connection_created.connect(_scope_new_connection, dispatch_uid="pom-rls-task-connection", weak=False)
