"""Where row-level security meets Django and Celery: policies after `migrate`, a task's scope."""

from __future__ import annotations

import contextlib
import inspect

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


_scopes: dict[str, contextlib.ExitStack] = {}


def _task_prerun(sender=None, task_id=None, task=None, args=None, kwargs=None, **extra) -> None:
    """A task for one organization sees that organization only; a task without one sees no tenant rows."""
    from pom import rls

    organization_id = _organization_id(task, args or (), kwargs or {})
    stack = contextlib.ExitStack()
    stack.enter_context(rls.scope(org_ids=[organization_id] if organization_id is not None else []))
    _scopes[task_id] = stack


def _task_postrun(sender=None, task_id=None, **extra) -> None:
    stack = _scopes.pop(task_id, None)
    if stack is not None:
        stack.close()


def connect_task_scope() -> None:
    from celery.signals import task_postrun, task_prerun

    task_prerun.connect(_task_prerun, dispatch_uid="pom-rls-task-prerun", weak=False)
    task_postrun.connect(_task_postrun, dispatch_uid="pom-rls-task-postrun", weak=False)
