"""Writes on plans: every function validates, writes in one transaction and records an audit event."""

from __future__ import annotations

import copy
import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Contact, Partnership
from plans import rules
from plans.models import Activity, CheckIn, KeyResult, Meeting, Objective, Plan, PlanTemplate, PlanVersion
from pom import hooks
from pom.audit import (
    Actor,
    actor_label,
    audit_action,
    audit_create_many,
    audit_update,
    create_instance,
    delete_instance,
    snapshot,
    update_fields,
)
from pom.common import actor_user, same_org
from pom.models import Membership, Organization, User

PLAN_FIELDS = {"name", "kind", "description", "period_start", "period_end", "phases", "owner"}
OBJECTIVE_FIELDS = {"title", "description", "phase", "weight", "responsible_side", "tags", "order"}
KEY_RESULT_FIELDS = {
    "objective",
    "name",
    "unit",
    "direction",
    "baseline",
    "target",
    "weight",
    "responsible_side",
    "responsible",
    "start_date",
    "due_date",
    "update_frequency",
    "order",
}
ACTIVITY_FIELDS = {
    "objective",
    "key_result",
    "title",
    "description",
    "type",
    "owner_side",
    "assignee",
    "due_date",
    "status",
    "progress",
    "order",
}
TEMPLATE_FIELDS = {"name", "description", "kind", "duration_days", "phases", "content"}
CLOSED_PARTNERSHIP_STATUSES = (Partnership.Status.ENDED, Partnership.Status.SUSPENDED)


# --- helpers -------------------------------------------------------------------------------------


def _unknown_fields(data: dict, allowed: set[str]) -> None:
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "This field cannot be changed here."))


def _require_open(plan: Plan, field: str = "plan") -> None:
    if plan.is_closed:
        raise ValidationError(
            {field: _("The plan “%(name)s” is closed: it can no longer be changed.") % {"name": plan.name}}
        )


def _is_member(org: Organization, user: User) -> bool:
    return Membership.objects.for_org(org).filter(user=user).exists()


def _check_person(*, org: Organization, plan: Plan, user: User | None, field: str) -> None:
    """People given work on a plan are members of the org or partner guests of its partnership."""
    if user is None or _is_member(org, user):
        return
    if user.pk in hooks.partnership_guest_user_ids(org=org, partnership=plan.partnership):
        return
    raise ValidationError(
        {
            field: _("%(display_name)s is neither a member of %(name)s nor of this partnership's workspace.")
            % {"display_name": user.display_name, "name": org.name}
        }
    )


def _check_in_period(plan: Plan, day: datetime.date | None, field: str) -> None:
    if day is None:
        return
    if not plan.period_start <= day <= plan.period_end:
        period = f"{plan.period_start:%d %b %Y} – {plan.period_end:%d %b %Y}"
        raise ValidationError(
            {
                field: _("%(day)s is outside the plan period (%(period)s).")
                % {"day": format(day, "%d %b %Y"), "period": period}
            }
        )


def _validate_key_result(kr: KeyResult) -> None:
    plan = kr.plan
    if kr.objective_id and kr.objective.plan_id != plan.pk:
        raise ValidationError({"objective": _("This objective belongs to another plan.")})
    if kr.unit == KeyResult.Unit.BOOLEAN:
        kr.baseline, kr.target, kr.direction = Decimal(0), Decimal(1), KeyResult.Direction.INCREASE
        return
    if kr.target is not None:
        if kr.target == kr.baseline:
            raise ValidationError({"target": _("The target equals the baseline: there would be nothing to achieve.")})
        if kr.target < 0:
            raise ValidationError(
                {
                    "target": _("A %(get_unit_display)s target cannot be negative.")
                    % {"get_unit_display": kr.get_unit_display().lower()}
                }
            )
        if kr.unit == KeyResult.Unit.PERCENT and kr.target > 100:
            raise ValidationError({"target": _("A percentage target cannot exceed 100.")})
        if kr.direction == KeyResult.Direction.INCREASE and kr.target < kr.baseline:
            raise ValidationError(
                {"target": _("For an increasing metric the target must be above the baseline (or choose “Decrease”).")}
            )
        if kr.direction == KeyResult.Direction.DECREASE and kr.target > kr.baseline:
            raise ValidationError(
                {"target": _("For a decreasing metric the target must be below the baseline (or choose “Increase”).")}
            )
    if kr.baseline < 0:
        raise ValidationError({"baseline": _("The baseline cannot be negative.")})
    _check_in_period(plan, kr.start_date, "start_date")
    _check_in_period(plan, kr.due_date, "due_date")
    if kr.start_date and kr.due_date and kr.start_date >= kr.due_date:
        raise ValidationError({"due_date": _("The due date must come after the start date.")})


def _validate_activity(*, org: Organization, activity: Activity) -> None:
    plan = activity.plan
    if activity.objective_id and activity.objective.plan_id != plan.pk:
        raise ValidationError({"objective": _("This objective belongs to another plan.")})
    if activity.key_result_id and activity.key_result.plan_id != plan.pk:
        raise ValidationError({"key_result": _("This key result belongs to another plan.")})
    _check_in_period(plan, activity.due_date, "due_date")
    _check_person(org=org, plan=plan, user=activity.assignee, field="assignee")


_same_org = same_org  # pom.common


_actor_user = actor_user  # pom.common


# --- plans ---------------------------------------------------------------------------------------


def period_bounds(*, org: Organization, period: str, day: datetime.date) -> tuple[datetime.date, datetime.date]:
    """Start and end of the fiscal "quarter" or "fiscal_year" containing `day`, in the org's fiscal calendar."""
    if period == "quarter":
        return rules.quarter_bounds(day=day, start_month=org.fiscal_year_start_month)
    if period == "fiscal_year":
        return rules.fiscal_year_bounds(day=day, start_month=org.fiscal_year_start_month)
    raise ValidationError({"period": _("Choose quarter or fiscal_year.")})


def _resolve_period(
    *,
    org: Organization,
    period: str | None,
    period_start: datetime.date | None,
    period_end: datetime.date | None,
    duration_days: int = 90,
) -> tuple[datetime.date, datetime.date]:
    if period:
        return period_bounds(org=org, period=period, day=period_start or timezone.localdate())
    if period_start is None:
        raise ValidationError({"period_start": _("Give a start date or choose a quarter or fiscal year.")})
    if period_end is None:
        period_end = period_start + datetime.timedelta(days=duration_days - 1)
    if period_end <= period_start:
        raise ValidationError({"period_end": _("The plan must end after it starts.")})
    return period_start, period_end


@transaction.atomic
def plan_create(
    *,
    org: Organization,
    actor: Actor,
    partnership: Partnership,
    name: str,
    kind: str = Plan.Kind.CUSTOM,
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    period: str | None = None,
    owner: User | None = None,
    description: str = "",
    phases: list[str] | None = None,
) -> Plan:
    """Create a draft plan on a partnership. `period` "quarter" / "fiscal_year" takes the fiscal period
    containing `period_start` (today if empty). Audited."""
    _same_org(org, partnership, "partnership")
    if partnership.status in CLOSED_PARTNERSHIP_STATUSES:
        raise ValidationError(
            {
                "partnership": _("%(partnership)s is %(get_status_display)s.")
                % {"partnership": partnership, "get_status_display": partnership.get_status_display().lower()}
            }
        )
    start, end = _resolve_period(org=org, period=period, period_start=period_start, period_end=period_end)
    if owner is not None and not _is_member(org, owner):
        raise ValidationError(
            {
                "owner": _("%(display_name)s is not a member of %(name)s.")
                % {"display_name": owner.display_name, "name": org.name}
            }
        )
    plan = Plan(
        organization=org,
        partnership=partnership,
        name=name,
        kind=kind,
        description=description,
        period_start=start,
        period_end=end,
        phases=list(phases or []),
        owner=owner or _actor_user(actor),
    )
    if plan.owner is not None and not _is_member(org, plan.owner):
        plan.owner = None
    return create_instance(org=org, actor=actor, instance=plan)


@transaction.atomic
def plan_update(*, org: Organization, actor: Actor, plan: Plan, data: dict) -> Plan:
    """Change a plan's header (name, kind, period, phases, owner). Closed plans refuse. Audited.

    A validated plan stays validated; the plan page shows what changed since the validated version.
    """
    _unknown_fields(data, PLAN_FIELDS)
    _require_open(plan)
    owner = data.get("owner")
    if owner is not None and not _is_member(org, owner):
        raise ValidationError(
            {
                "owner": _("%(display_name)s is not a member of %(name)s.")
                % {"display_name": owner.display_name, "name": org.name}
            }
        )
    start = data.get("period_start", plan.period_start)
    end = data.get("period_end", plan.period_end)
    if end <= start:
        raise ValidationError({"period_end": _("The plan must end after it starts.")})
    return update_fields(org=org, actor=actor, instance=plan, data=data)


@transaction.atomic
def plan_propose(*, org: Organization, actor: Actor, plan: Plan) -> Plan:
    """Submit a draft (or a changed validated plan) for approval by both sides; approvals start afresh."""
    _require_open(plan)
    if not plan.key_results.exists():
        raise ValidationError({"plan": _("Add at least one key result before proposing the plan.")})
    plan.status = Plan.Status.PROPOSED
    plan.vendor_approved_at = plan.partner_approved_at = None
    plan.vendor_approved_by = plan.partner_approved_by = None
    plan.partner_approval_note = ""
    plan.full_clean()
    plan.save()
    audit_action(org=org, actor=actor, obj=plan, verb="proposed")
    return plan


@transaction.atomic
def plan_approve(*, org: Organization, actor: Actor, plan: Plan, side: str, note: str = "") -> Plan:
    """Record one side's approval. The vendor side needs a member of the org. The partner side is a
    partner person of the partnership's workspace, or a vendor member recording it with a note.

    When both sides have approved the plan becomes validated and a frozen version is stored;
    emits "plan.validated". Audited.
    """
    _require_open(plan)
    user = _actor_user(actor)
    if plan.status not in (Plan.Status.DRAFT, Plan.Status.PROPOSED):
        raise ValidationError({"status": _("Only a draft or proposed plan can be approved; propose it again first.")})
    now = timezone.now()
    if side == "vendor":
        if user is None or not _is_member(org, user):
            raise ValidationError({"side": _("The vendor side is approved by a member of the organization.")})
        plan.vendor_approved_at, plan.vendor_approved_by = now, user
    elif side == "partner":
        if user is None:
            raise ValidationError({"side": _("The partner side is approved by a person.")})
        is_guest = user.pk in hooks.partnership_guest_user_ids(org=org, partnership=plan.partnership)
        if not is_guest:
            if not _is_member(org, user):
                raise ValidationError({"side": _("Only the partner's people or a vendor member can record this.")})
            if not note.strip():
                raise ValidationError({"note": _("Say how the partner approved (who, when, how) when recording it.")})
        plan.partner_approved_at, plan.partner_approved_by = now, user
        plan.partner_approval_note = note.strip()[:500]
    else:
        raise ValidationError({"side": _("Choose vendor or partner.")})
    if plan.status == Plan.Status.DRAFT:
        plan.status = Plan.Status.PROPOSED
    validated = plan.vendor_approved_at is not None and plan.partner_approved_at is not None
    if validated:
        plan.status = Plan.Status.VALIDATED
        plan.validated_at = now
    plan.full_clean()
    plan.save()
    audit_action(org=org, actor=actor, obj=plan, verb=f"approved ({side})", changes={"note": note} if note else None)
    if validated:
        from plans.selectors import plan_snapshot

        number = (plan.versions.order_by("-number").values_list("number", flat=True).first() or 0) + 1
        version = PlanVersion(
            organization=org, plan=plan, number=number, snapshot=plan_snapshot(plan=plan), validated_at=now
        )
        version.full_clean()
        version.save()
        audit_action(org=org, actor=actor, obj=plan, verb="validated", changes={"version": number})
        hooks.emit("plan.validated", org=org, actor=actor, plan=plan)
    return plan


@transaction.atomic
def plan_close(*, org: Organization, actor: Actor, plan: Plan) -> Plan:
    """Close a plan: it becomes read-only and stops accepting check-ins. Audited."""
    _require_open(plan)
    plan.status = Plan.Status.CLOSED
    plan.closed_at = timezone.now()
    plan.save(update_fields=["status", "closed_at", "updated_at"])
    audit_action(org=org, actor=actor, obj=plan, verb="closed")
    return plan


@transaction.atomic
def plan_delete(*, org: Organization, actor: Actor, plan: Plan) -> None:
    """Delete a draft plan with everything in it. Validated plans are closed, not deleted."""
    if plan.status not in (Plan.Status.DRAFT, Plan.Status.PROPOSED):
        raise ValidationError({"status": _("Only draft or proposed plans can be deleted; close the others.")})
    delete_instance(org=org, actor=actor, instance=plan)


# --- objectives, key results, activities ---------------------------------------------------------


@transaction.atomic
def objective_create(*, org: Organization, actor: Actor, plan: Plan, title: str, **fields) -> Objective:
    """Add an objective to an open plan. Audited."""
    _unknown_fields(fields, OBJECTIVE_FIELDS)
    _require_open(plan)
    if "order" not in fields:
        fields["order"] = plan.objectives.count() + 1
    objective = Objective(organization=org, plan=plan, title=title, **fields)
    if objective.phase and plan.phases and objective.phase not in plan.phases:
        raise ValidationError(
            {"phase": _("Choose one of the plan's phases: %(join)s.") % {"join": ", ".join(plan.phases)}}
        )
    return create_instance(org=org, actor=actor, instance=objective)


@transaction.atomic
def objective_update(*, org: Organization, actor: Actor, objective: Objective, data: dict) -> Objective:
    """Change an objective of an open plan. Audited."""
    _unknown_fields(data, OBJECTIVE_FIELDS)
    _require_open(objective.plan)
    phase = data.get("phase")
    if phase and objective.plan.phases and phase not in objective.plan.phases:
        raise ValidationError(
            {"phase": _("Choose one of the plan's phases: %(join)s.") % {"join": ", ".join(objective.plan.phases)}}
        )
    return update_fields(org=org, actor=actor, instance=objective, data=data)


@transaction.atomic
def objective_delete(*, org: Organization, actor: Actor, objective: Objective) -> None:
    """Delete an objective and its key results (activities stay, unlinked). Audited."""
    _require_open(objective.plan)
    delete_instance(org=org, actor=actor, instance=objective)


@transaction.atomic
def key_result_create(
    *, org: Organization, actor: Actor, objective: Objective, name: str, target: Decimal | None = None, **fields
) -> KeyResult:
    """Add a key result under an objective. Rejects a target equal to the baseline, negative targets,
    a direction that contradicts the target, dates outside the plan period and people outside the
    org and the partnership's workspace. Audited."""
    _unknown_fields(fields, KEY_RESULT_FIELDS - {"objective"})
    plan = objective.plan
    _require_open(plan)
    if "order" not in fields:
        fields["order"] = objective.key_results.count() + 1
    kr = KeyResult(organization=org, plan=plan, objective=objective, name=name, target=target, **fields)
    _validate_key_result(kr)
    _check_person(org=org, plan=plan, user=kr.responsible, field="responsible")
    return create_instance(org=org, actor=actor, instance=kr)


@transaction.atomic
def key_result_update(*, org: Organization, actor: Actor, key_result: KeyResult, data: dict) -> KeyResult:
    """Change a key result's definition (not its value: that is a check-in). Same checks as creation."""
    _unknown_fields(data, KEY_RESULT_FIELDS)
    _require_open(key_result.plan)
    before = snapshot(key_result, [*data, "baseline", "target", "direction"])
    for key, value in data.items():
        setattr(key_result, key, value)
    _validate_key_result(key_result)
    _check_person(org=org, plan=key_result.plan, user=key_result.responsible, field="responsible")
    key_result.full_clean()
    key_result.save()
    audit_update(org=org, actor=actor, obj=key_result, before=before)
    return key_result


@transaction.atomic
def key_result_delete(*, org: Organization, actor: Actor, key_result: KeyResult) -> None:
    """Delete a key result and its check-ins. Audited."""
    _require_open(key_result.plan)
    delete_instance(org=org, actor=actor, instance=key_result)


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
    _same_org(org, key_result, "key_result")
    _require_open(plan, "key_result")
    value = _checkin_value(key_result, value)
    when = at or timezone.now()
    user = _actor_user(actor)
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
    _same_org(org, key_result, "key_result")
    plan = key_result.plan
    _require_open(plan, "key_result")
    entries = sorted(entries, key=lambda entry: entry[1])
    *history, (last_actor, last_at, last_value, last_note) = entries
    rows = []
    for actor, at, value, note in history:
        user = _actor_user(actor)
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


def _apply_activity_status(activity: Activity, previous_status: str | None) -> None:
    if activity.status == Activity.Status.DONE:
        activity.progress = 100
        if previous_status != Activity.Status.DONE or activity.completed_at is None:
            activity.completed_at = timezone.now()
    else:
        activity.completed_at = None
        if previous_status == Activity.Status.DONE and activity.progress == 100:
            activity.progress = 90


@transaction.atomic
def activity_create(*, org: Organization, actor: Actor, plan: Plan, title: str, **fields) -> Activity:
    """Add an activity to an open plan, optionally linked to an objective or key result. The assignee
    must be a member of the org or of the partnership's workspace; the due date inside the plan period."""
    _unknown_fields(fields, ACTIVITY_FIELDS | {"meeting"})
    _require_open(plan)
    activity = Activity(organization=org, plan=plan, title=title, **fields)
    _validate_activity(org=org, activity=activity)
    _apply_activity_status(activity, None)
    create_instance(org=org, actor=actor, instance=activity)
    if activity.status == Activity.Status.DONE:
        hooks.emit("plan.activity_done", org=org, actor=actor, plan=plan, activity=activity)
    return activity


@transaction.atomic
def activity_update(*, org: Organization, actor: Actor, activity: Activity, data: dict) -> Activity:
    """Change an activity (status, progress, due date, assignee…). Marking it done sets progress to
    100 % and stamps its completion; emits "plan.activity_done" when it becomes done. Audited."""
    _unknown_fields(data, ACTIVITY_FIELDS)
    _require_open(activity.plan)
    previous = activity.status
    before = snapshot(activity, [*data, "status", "progress", "completed_at"])
    for key, value in data.items():
        setattr(activity, key, value)
    status_changed = activity.status != previous
    if not status_changed and "progress" in data and activity.progress == 100:
        activity.status = Activity.Status.DONE  # reaching 100 % is finishing it
    _validate_activity(org=org, activity=activity)
    _apply_activity_status(activity, previous)
    activity.full_clean()
    activity.save()
    audit_update(org=org, actor=actor, obj=activity, before=before)
    if activity.status == Activity.Status.DONE and previous != Activity.Status.DONE:
        hooks.emit("plan.activity_done", org=org, actor=actor, plan=activity.plan, activity=activity)
    return activity


@transaction.atomic
def activity_delete(*, org: Organization, actor: Actor, activity: Activity) -> None:
    """Delete an activity. Audited."""
    _require_open(activity.plan)
    delete_instance(org=org, actor=actor, instance=activity)


# --- meetings ------------------------------------------------------------------------------------


@transaction.atomic
def meeting_create(
    *,
    org: Organization,
    actor: Actor,
    partnership: Partnership,
    kind: str,
    date: datetime.date,
    plan: Plan | None = None,
    title: str = "",
    vendor_attendees: list[User] | None = None,
    partner_attendees: list[Contact] | None = None,
    other_attendees: str = "",
    agenda: str = "",
    notes: str = "",
    decisions: str = "",
    follow_ups: list[dict] | None = None,
) -> Meeting:
    """Record a governance meeting; each follow-up ({title, owner_side, assignee, due_date, type}) becomes
    an activity in the plan, linked to the meeting. All or nothing. Audited."""
    _same_org(org, partnership, "partnership")
    if plan is not None and plan.partnership_id != partnership.pk:
        raise ValidationError({"plan": _("This plan belongs to another partnership.")})
    if follow_ups and plan is None:
        raise ValidationError({"follow_ups": _("Choose the plan the follow-up activities go into.")})
    for user in vendor_attendees or []:
        if not _is_member(org, user):
            raise ValidationError(
                {
                    "vendor_attendees": _("%(display_name)s is not a member of %(name)s.")
                    % {"display_name": user.display_name, "name": org.name}
                }
            )
    for contact in partner_attendees or []:
        if contact.organization_id != org.pk or contact.partner_id != partnership.partner_id:
            raise ValidationError(
                {
                    "partner_attendees": _("%(contact)s is not a contact of %(partner)s.")
                    % {"contact": contact, "partner": partnership.partner}
                }
            )
    meeting = Meeting(
        organization=org,
        partnership=partnership,
        plan=plan,
        kind=kind,
        title=title,
        date=date,
        other_attendees=other_attendees,
        agenda=agenda,
        notes=notes,
        decisions=decisions,
        created_by=_actor_user(actor),
    )
    create_instance(org=org, actor=actor, instance=meeting)
    meeting.vendor_attendees.set(vendor_attendees or [], through_defaults={"organization": org})
    meeting.partner_attendees.set(partner_attendees or [], through_defaults={"organization": org})
    for index, follow_up in enumerate(follow_ups or [], 1):
        item = {k: v for k, v in follow_up.items() if v not in (None, "")}
        title_text = item.pop("title", "").strip()
        if not title_text:
            raise ValidationError({"follow_ups": _("Follow-up %(index)s needs a title.") % {"index": index}})
        try:
            activity_create(org=org, actor=actor, plan=plan, title=title_text, meeting=meeting, **item)
        except ValidationError as error:
            messages = error.message_dict if hasattr(error, "error_dict") else {"": error.messages}
            text = "; ".join(f"{k}: {' '.join(v)}" if k else " ".join(v) for k, v in messages.items())
            raise ValidationError(
                {
                    "follow_ups": _("Follow-up %(index)s (%(title_text)s): %(text)s")
                    % {"index": index, "title_text": title_text, "text": text}
                }
            ) from None
    return meeting


# --- templates -----------------------------------------------------------------------------------


def _validate_template_content(content: Any) -> None:
    if not isinstance(content, dict):
        raise ValidationError({"content": _("The outline must be an object with an “objectives” list.")})
    objectives = content.get("objectives", [])
    if not isinstance(objectives, list):
        raise ValidationError({"content": _("“objectives” must be a list.")})
    for index, objective in enumerate(objectives, 1):
        if not isinstance(objective, dict) or not str(objective.get("title", "")).strip():
            raise ValidationError({"content": _("Objective %(index)s needs a title.") % {"index": index}})
        for kr_index, kr in enumerate(objective.get("key_results", []), 1):
            if not isinstance(kr, dict) or not str(kr.get("name", "")).strip():
                raise ValidationError(
                    {
                        "content": _("Objective %(index)s, key result %(kr_index)s needs a name.")
                        % {"index": index, "kr_index": kr_index}
                    }
                )
            if kr.get("unit", "count") not in KeyResult.Unit.values:
                raise ValidationError(
                    {
                        "content": _("Objective %(index)s, key result %(kr_index)s: unknown unit.")
                        % {"index": index, "kr_index": kr_index}
                    }
                )
        for act_index, act in enumerate(objective.get("activities", []), 1):
            if not isinstance(act, dict) or not str(act.get("title", "")).strip():
                raise ValidationError(
                    {
                        "content": _("Objective %(index)s, activity %(act_index)s needs a title.")
                        % {"index": index, "act_index": act_index}
                    }
                )


@transaction.atomic
def template_create(
    *,
    org: Organization,
    actor: Actor,
    name: str,
    kind: str = Plan.Kind.CUSTOM,
    description: str = "",
    duration_days: int = 90,
    phases: list[str] | None = None,
    content: dict | None = None,
    is_default: bool = False,
) -> PlanTemplate:
    """Add a plan template to the organization's library. Audited."""
    content = content or {"objectives": []}
    _validate_template_content(content)
    if PlanTemplate.objects.for_org(org).filter(name=name).exists():
        raise ValidationError({"name": _("A template named “%(name)s” already exists.") % {"name": name}})
    template = PlanTemplate(
        organization=org,
        name=name,
        kind=kind,
        description=description,
        duration_days=duration_days,
        phases=list(phases or []),
        content=content,
        is_default=is_default,
    )
    return create_instance(org=org, actor=actor, instance=template)


@transaction.atomic
def template_update(*, org: Organization, actor: Actor, template: PlanTemplate, data: dict) -> PlanTemplate:
    """Edit a template (name, description, kind, duration, phases, outline). Audited."""
    _unknown_fields(data, TEMPLATE_FIELDS)
    if "content" in data:
        _validate_template_content(data["content"])
    name = data.get("name")
    if name and PlanTemplate.objects.for_org(org).filter(name=name).exclude(pk=template.pk).exists():
        raise ValidationError({"name": _("A template named “%(name)s” already exists.") % {"name": name}})
    return update_fields(org=org, actor=actor, instance=template, data=data)


@transaction.atomic
def template_clone(*, org: Organization, actor: Actor, template: PlanTemplate, name: str = "") -> PlanTemplate:
    """Copy a template (e.g. a default one) under a new name so it can be adapted. Audited."""
    _same_org(org, template, "template")
    if not name:
        name, n = f"{template.name} (copy)", 2
        while PlanTemplate.objects.for_org(org).filter(name=name).exists():
            name, n = f"{template.name} (copy {n})", n + 1
    return template_create(
        org=org,
        actor=actor,
        name=name,
        kind=template.kind,
        description=template.description,
        duration_days=template.duration_days,
        phases=list(template.phases),
        content=copy.deepcopy(template.content),
    )


def _due(start: datetime.date, end: datetime.date, offset: Any) -> datetime.date | None:
    if offset in (None, ""):
        return None
    return min(end, start + datetime.timedelta(days=int(offset)))


def _build_from_template(*, org: Organization, actor: Actor, plan: Plan, template: PlanTemplate) -> None:
    content = template.content or {}
    for o_index, spec in enumerate(content.get("objectives", []), 1):
        objective = objective_create(
            org=org,
            actor=actor,
            plan=plan,
            title=spec["title"],
            description=spec.get("description", ""),
            phase=spec.get("phase", "") if spec.get("phase", "") in plan.phases else "",
            weight=Decimal(str(spec.get("weight", 1))),
            responsible_side=spec.get("responsible_side", "both"),
            order=o_index,
        )
        for k_index, kr in enumerate(spec.get("key_results", []), 1):
            target = kr.get("target")
            key_result_create(
                org=org,
                actor=actor,
                objective=objective,
                name=kr["name"],
                unit=kr.get("unit", "count"),
                direction=kr.get("direction", "increase"),
                baseline=Decimal(str(kr.get("baseline", 0))),
                target=None if target in (None, "") else Decimal(str(target)),
                update_frequency=kr.get("update_frequency", "monthly"),
                responsible_side=kr.get("responsible_side", "both"),
                due_date=_due(plan.period_start, plan.period_end, kr.get("due_offset_days")),
                order=k_index,
            )
        _activities_from_outline(org=org, actor=actor, plan=plan, objective=objective, specs=spec.get("activities", []))
    _activities_from_outline(org=org, actor=actor, plan=plan, objective=None, specs=content.get("activities", []))


@transaction.atomic
def plan_create_from_template(
    *,
    org: Organization,
    actor: Actor,
    template: PlanTemplate,
    partnerships: list[Partnership],
    period_start: datetime.date | None = None,
    period_end: datetime.date | None = None,
    period: str | None = None,
    owner: User | None = None,
    name: str = "",
) -> list[Plan]:
    """Create one plan per partnership from a template, in ONE transaction: if any partnership is
    refused (ended, suspended, already has a plan of that name, another org's) nothing is created and
    the error names the partnership. Audited per row."""
    _same_org(org, template, "template")
    if not partnerships:
        raise ValidationError({"partnerships": _("Choose at least one partnership.")})
    start, end = _resolve_period(
        org=org,
        period=period,
        period_start=period_start or (None if period else timezone.localdate()),
        period_end=period_end,
        duration_days=template.duration_days,
    )
    plan_name = name or template.name
    created = []
    for partnership in partnerships:
        try:
            _same_org(org, partnership, "partnership")
            if Plan.objects.for_org(org).filter(partnership=partnership, name=plan_name).exists():
                raise ValidationError(
                    {"name": _("it already has a plan named “%(plan_name)s”") % {"plan_name": plan_name}}
                )
            plan = plan_create(
                org=org,
                actor=actor,
                partnership=partnership,
                name=plan_name,
                kind=template.kind,
                period_start=start,
                period_end=end,
                owner=owner,
                description=template.description,
                phases=list(template.phases),
            )
            plan.template = template
            plan.save(update_fields=["template", "updated_at"])
            _build_from_template(org=org, actor=actor, plan=plan, template=template)
        except ValidationError as error:
            text = " ".join(error.messages)
            raise ValidationError(
                {
                    "partnerships": _("%(partnership)s: %(rstrip)s. Nothing was created.")
                    % {"partnership": partnership, "rstrip": text.rstrip(".")}
                }
            ) from None
        created.append(plan)
    return created


def _activities_from_outline(*, org, actor, plan: Plan, objective: Objective | None, specs: list[dict]) -> None:
    """Create a template outline's activities on `plan` (quick actions when `objective` is None)."""
    for a_index, act in enumerate(specs, 1):
        activity_create(
            org=org,
            actor=actor,
            plan=plan,
            objective=objective,
            title=act["title"],
            type=act.get("type", "other"),
            owner_side=act.get("owner_side", "vendor"),
            due_date=_due(plan.period_start, plan.period_end, act.get("due_offset_days")),
            order=a_index,
        )
