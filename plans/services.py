"""Writes on plans: every function validates, writes in one transaction and records an audit event."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.models import Partnership
from plans import rules
from plans.models import Activity, KeyResult, Objective, Plan, PlanVersion
from pom import hooks
from pom.audit import (
    Actor,
    audit_action,
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
