"""Audit trail: every service write on tenant data records who, what, when and which fields.

Services call `audit_create`, `audit_update` (after `snapshot` before the change),
`audit_delete` or `audit_action` inside their transaction. `actor` is a `User`, an
`ApiKey`, or None for system work (tasks, imports run by the platform).
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from django.db import models
from django.db.models.fields.files import FieldFile

from pom.models import ApiKey, AuditEvent, Organization, User

Actor = User | ApiKey | None


def _jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, FieldFile):  # `.url` of an empty file raises, so test the type
        return value.name or ""
    return value


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """Concrete field values of `instance`, JSON-ready, keyed by attribute name."""
    data = {}
    for field in instance._meta.concrete_fields:
        if field.name in ("created_at", "updated_at"):
            continue
        if fields is not None and field.name not in fields:
            continue
        data[field.name] = _jsonable(getattr(instance, field.attname))
    return data


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Changed fields as {field: [old, new]}."""
    return {key: [before.get(key), value] for key, value in after.items() if before.get(key) != value}


def actor_label(actor: Actor) -> str:
    if actor is None:
        return "POM"
    if isinstance(actor, ApiKey):
        return f"API key {actor.name} ({actor.prefix}…)"
    return actor.display_name


def _record(
    *,
    org: Organization,
    actor: Actor,
    action: str,
    obj: models.Model,
    changes: dict,
    verb: str = "",
) -> AuditEvent:
    return AuditEvent.objects.create(
        organization=org,
        actor_user=actor if isinstance(actor, User) else None,
        actor_api_key=actor if isinstance(actor, ApiKey) else None,
        actor_label=actor_label(actor)[:200],
        action=action,
        verb=verb or action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        changes=changes,
    )


def audit_create(*, org: Organization, actor: Actor, obj: models.Model, exclude: tuple[str, ...] = ()) -> AuditEvent:
    """Record a new row's fields; `exclude` leaves some out (encrypted secrets have no place in a trail)."""
    fields = {k: [None, v] for k, v in snapshot(obj).items() if v not in (None, "", [], {}) and k not in exclude}
    return _record(org=org, actor=actor, action=AuditEvent.Action.CREATE, obj=obj, changes=fields)


def audit_create_many(*, org: Organization, rows: list[tuple[Actor, models.Model]]) -> None:
    """`audit_create` for rows written with one bulk insert (imports, demo history): one insert too."""
    AuditEvent.objects.bulk_create(
        AuditEvent(
            organization=org,
            actor_user=actor if isinstance(actor, User) else None,
            actor_api_key=actor if isinstance(actor, ApiKey) else None,
            actor_label=actor_label(actor)[:200],
            action=AuditEvent.Action.CREATE,
            verb=AuditEvent.Action.CREATE,
            object_type=obj._meta.label_lower,
            object_id=str(obj.pk),
            object_repr=str(obj)[:200],
            changes={k: [None, v] for k, v in snapshot(obj).items() if v not in (None, "", [], {})},
        )
        for actor, obj in rows
    )


def audit_update(*, org: Organization, actor: Actor, obj: models.Model, before: dict[str, Any]) -> AuditEvent | None:
    """Record the fields that changed since `before` (a `snapshot`); nothing if none did."""
    changes = diff(before, snapshot(obj, list(before)))
    if not changes:
        return None
    return _record(org=org, actor=actor, action=AuditEvent.Action.UPDATE, obj=obj, changes=changes)


def audit_delete(*, org: Organization, actor: Actor, obj: models.Model) -> AuditEvent:
    return _record(org=org, actor=actor, action=AuditEvent.Action.DELETE, obj=obj, changes={})


def audit_action(
    *, org: Organization, actor: Actor, obj: models.Model, verb: str, changes: dict | None = None
) -> AuditEvent:
    """A named operation that is not plain CRUD (stage moved, key revoked, plan validated…)."""
    return _record(
        org=org,
        actor=actor,
        action=AuditEvent.Action.ACTION,
        obj=obj,
        changes=_jsonable(changes or {}),
        verb=verb,
    )


def update_fields(*, org: Organization, actor: Actor, instance: models.Model, data: dict[str, Any]) -> models.Model:
    """Set `data` on `instance`, validate, save and audit the changed fields.

    The shared body of `<entity>_update` services; call it inside the service's transaction.
    """
    before = snapshot(instance, list({instance._meta.get_field(k).name for k in data}))
    for key, value in data.items():
        setattr(instance, key, value)
    instance.full_clean()
    instance.save()
    audit_update(org=org, actor=actor, obj=instance, before=before)
    return instance


def create_instance(*, org: Organization, actor: Actor, instance: models.Model) -> models.Model:
    """Validate, save and audit a new tenant row; the shared body of `<entity>_create`."""
    instance.full_clean()
    instance.save()
    audit_create(org=org, actor=actor, obj=instance)
    return instance


def delete_instance(*, org: Organization, actor: Actor, instance: models.Model) -> None:
    """Audit then delete a tenant row; the shared body of `<entity>_delete`."""
    audit_delete(org=org, actor=actor, obj=instance)
    instance.delete()
