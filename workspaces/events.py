"""Reactions to events emitted by lower apps through `pom.hooks.emit` (inside their transaction).

- "partnership.created": open the partnership's workspace;
- plan events (check-in posted, activity done, plan validated): a feed line in each workspace of the
  plan's partnership and notifications for its members (not the person who acted);
- registration events: a feed line and notifications (vendor side on submission, partner side on decision).
Cheap by design: rows and on-commit task enqueues only, never mail inline.
"""

from __future__ import annotations

from pom.audit import actor_label
from workspaces import selectors, services
from workspaces.models import Notification, Update


def handle(event: str, **payload) -> None:
    handler = HANDLERS.get(event)
    if handler is not None:
        handler(**payload)


def _partnership_created(*, org, actor, partnership, **_):
    services.workspace_ensure_for_partnership(org=org, actor=actor, partnership=partnership)


def _fan_out(*, org, actor, partnership, kind, notification_kind, text, anchor="", include_partner=True, at=None):
    for workspace in selectors.workspaces_for_partnership(org=org, partnership=partnership):
        url = services.workspace_url(workspace) + anchor
        services.update_post(workspace=workspace, kind=kind, actor=actor, text=text, url=url, at=at)
        recipients = selectors.workspace_recipients(
            workspace=workspace, include_partner=include_partner, exclude_user=actor
        )
        services.notify(workspace=workspace, users=recipients, kind=notification_kind, text=text, url=url)


def _fmt(value) -> str:
    text = f"{value:,.2f}"
    return text[:-3] if text.endswith(".00") else text


def _checkin_posted(*, org, actor, plan, key_result, checkin, **_):
    who = actor_label(actor)
    text = f"{who} checked in on “{key_result.name}”: {_fmt(checkin.value)}"
    if key_result.target is not None:
        text += f" of {_fmt(key_result.target)}"
    if checkin.note:
        text += f" — {checkin.note[:200]}"
    _fan_out(
        org=org,
        actor=actor,
        partnership=plan.partnership,
        kind=Update.Kind.CHECKIN,
        notification_kind=Notification.Kind.CHECKIN,
        text=text,
        anchor=f"#kr-{key_result.pk}",
        at=checkin.created_at,
    )


def _activity_done(*, org, actor, plan, activity, **_):
    _fan_out(
        org=org,
        actor=actor,
        partnership=plan.partnership,
        kind=Update.Kind.ACTIVITY_DONE,
        notification_kind=Notification.Kind.ACTIVITY,
        text=f"{actor_label(actor)} completed “{activity.title}” ({plan.name}).",
        anchor=f"#activity-{activity.pk}",
    )


def _plan_validated(*, org, actor, plan, **_):
    _fan_out(
        org=org,
        actor=actor,
        partnership=plan.partnership,
        kind=Update.Kind.PLAN_VALIDATED,
        notification_kind=Notification.Kind.PLAN,
        text=f"“{plan.name}” is validated by both sides.",
        anchor=f"#plan-{plan.pk}",
    )


def _registration_submitted(*, org, actor, registration, **_):
    # The vendor side decides: partner members do not need a notification for their own submission.
    _fan_out(
        org=org,
        actor=actor,
        partnership=registration.partnership,
        kind=Update.Kind.REGISTRATION,
        notification_kind=Notification.Kind.REGISTRATION,
        text=f"{actor_label(actor)} registered a deal: {registration.customer_name}.",
        include_partner=False,
    )


def _registration_decided(*, org, actor, registration, **_):
    _fan_out(
        org=org,
        actor=actor,
        partnership=registration.partnership,
        kind=Update.Kind.REGISTRATION,
        notification_kind=Notification.Kind.REGISTRATION,
        text=f"Deal registration for {registration.customer_name}: {registration.get_status_display().lower()}.",
    )


HANDLERS = {
    "partnership.created": _partnership_created,
    "plan.checkin_posted": _checkin_posted,
    "plan.activity_done": _activity_done,
    "plan.validated": _plan_validated,
    "registration.submitted": _registration_submitted,
    "registration.decided": _registration_decided,
}
