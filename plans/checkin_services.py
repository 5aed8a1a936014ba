"""Writes on key-result check-ins: one at a time or a past series at once, each validated and audited."""

from __future__ import annotations

import datetime
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from plans.models import CheckIn, KeyResult
from plans.services import _require_open
from pom import hooks
from pom.audit import Actor, actor_label, audit_create_many, create_instance
from pom.common import actor_user, same_org
from pom.models import Organization


@transaction.atomic
def checkin_create(
    *,
    org: Organization,
    actor: Actor,
    key_result: KeyResult,
    value: Decimal,
    note: str = "",
    at: datetime.datetime | None = None,
) -> CheckIn:
    """Record a new value for a key result and make it the current value. Refuses closed plans,
    negative amounts/counts/percentages and yes/no values other than 0 or 1.

    `at` backdates the check-in (imports, demo history); the current value only moves when the
    check-in is the latest. Emits "plan.checkin_posted". Audited.
    """
    plan = key_result.plan
    same_org(org, key_result, "key_result")
    _require_open(plan, "key_result")
    value = _checkin_value(key_result, value)
    when = at or timezone.now()
    user = actor_user(actor)
    checkin = CheckIn(
        organization=org,
        plan=plan,
        key_result=key_result,
        value=value,
        note=note,
        created_by=user,
        created_by_label=actor_label(actor)[:200],
        created_at=when,
    )
    create_instance(org=org, actor=actor, instance=checkin)
    if key_result.last_checkin_at is None or when >= key_result.last_checkin_at:
        key_result.current_value = value
        key_result.last_checkin_at = when
        key_result.save(update_fields=["current_value", "last_checkin_at", "updated_at"])
    hooks.emit("plan.checkin_posted", org=org, actor=actor, plan=plan, key_result=key_result, checkin=checkin)
    return checkin


def _checkin_value(key_result: KeyResult, value) -> Decimal:
    try:
        value = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise ValidationError({"value": "Enter a number."}) from None
    if key_result.unit == KeyResult.Unit.BOOLEAN and value not in (0, 1):
        raise ValidationError({"value": "A yes/no key result takes 1 (yes) or 0 (no)."})
    if value < 0:
        raise ValidationError({"value": f"A {key_result.get_unit_display().lower()} value cannot be negative."})
    return value


@transaction.atomic
def checkin_history_record(
    *,
    org: Organization,
    key_result: KeyResult,
    entries: list[tuple[Actor, datetime.datetime, Decimal, str]],
) -> list[CheckIn]:
    """Record a key result's past check-ins at once (imports, demo history): `entries` are
    (actor, at, value, note), each validated like `checkin_create`.

    All but the latest are written with one insert and audited with another; the latest goes through
    `checkin_create`, so it moves the current value, emits "plan.checkin_posted" (one feed line and one
    notification for the series, not one per row) and is audited like any check-in.
    """
    if not entries:
        return []
    same_org(org, key_result, "key_result")
    plan = key_result.plan
    _require_open(plan, "key_result")
    entries = sorted(entries, key=lambda entry: entry[1])
    *history, (last_actor, last_at, last_value, last_note) = entries
    rows = []
    for actor, at, value, note in history:
        user = actor_user(actor)
        rows.append(
            CheckIn(
                organization=org,
                plan=plan,
                key_result=key_result,
                value=_checkin_value(key_result, value),
                note=note,
                created_by=user,
                created_by_label=actor_label(actor)[:200],
                created_at=at,
            )
        )
    created = CheckIn.objects.bulk_create(rows)
    audit_create_many(org=org, rows=[(entry[0], row) for entry, row in zip(history, created, strict=True)])
    latest = checkin_create(
        org=org, actor=last_actor, key_result=key_result, value=last_value, note=last_note, at=last_at
    )
    return [*created, latest]
