"""Reactions to events emitted by lower apps through `pom.hooks.emit` (inside their transaction).

- "partnership.created": open the partnership's workspace;
- plan events (check-in posted, activity done, plan validated): a feed line in each workspace of the
  plan's partnership and notifications for its members (not the person who acted);
- registration events: a feed line and notifications (vendor side on submission, partner side on decision).
Cheap by design: rows and on-commit task enqueues only, never mail inline.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from pom.audit import actor_label
from workspaces import selectors, services
from workspaces.models import Notification, Update

# Co-sell events reach the vendor's webhooks (pom.webhook_events); "mapping.changed" does not: its
# payload (the map) holds counts the partner may not share.
WEBHOOK_EVENTS = {
    "cosell.requested": gettext_lazy("A co-sell request was sent to a partner"),
    "cosell.answered": gettext_lazy("A partner accepted or declined a co-sell request"),
}


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


def _mapping_workspaces(org, partnership):
    return [w for w in selectors.workspaces_for_partnership(org=org, partnership=partnership) if w.is_default]


def _mapping_changed(*, org, actor, account_map, text, **_):
    """Consent or sharing changed: a feed line both sides see, so the other side knows at once."""
    for workspace in _mapping_workspaces(org, account_map.partnership):
        url = services.workspace_url(workspace, "workspaces:mapping")
        services.update_post(workspace=workspace, kind=Update.Kind.MAPPING, actor=actor, text=str(text), url=url)


def _cosell_requested(*, org, actor, request, **_):
    """The partner's people hear about a co-sell request in the feed, in-app and by e-mail."""
    text = gettext("Co-sell request from %(org)s about %(account)s: %(kind)s") % {
        "org": org.name,
        "account": request.partner_account_name,
        "kind": request.get_kind_display(),
    }
    if request.message:
        text += f" — “{request.message[:300]}”"
    for workspace in _mapping_workspaces(org, request.partnership):
        url = services.workspace_url(workspace, "workspaces:cosell")
        services.update_post(workspace=workspace, kind=Update.Kind.COSELL, actor=actor, text=text, url=url)
        partner_people = [m.user for m in selectors.member_list(workspace=workspace) if m.side == "partner"]
        services.notify(workspace=workspace, users=partner_people, kind=Notification.Kind.COSELL, text=text, url=url)


def _cosell_answered(*, org, actor, request, **_):
    """The vendor side hears the answer: the requester and the partnership's owners."""
    template = (
        gettext("%(who)s accepted the co-sell request about %(account)s (%(kind)s)")
        if request.status == "accepted"
        else gettext("%(who)s declined the co-sell request about %(account)s (%(kind)s)")
    )
    # The feed is shared: name the account as the partner knows it, never by the vendor's own record.
    text = template % {
        "who": actor_label(actor),
        "account": request.partner_account_name,
        "kind": request.get_kind_display(),
    }
    if request.answer_note:
        text += f" — “{request.answer_note[:300]}”"
    for workspace in _mapping_workspaces(org, request.partnership):
        url = services.workspace_url(workspace, "workspaces:cosell")
        services.update_post(workspace=workspace, kind=Update.Kind.COSELL, actor=actor, text=text, url=url)
        vendor_people = selectors.workspace_recipients(workspace=workspace, include_partner=False, exclude_user=actor)
        if request.requested_by is not None and request.requested_by not in vendor_people:
            vendor_people.append(request.requested_by)
        services.notify(workspace=workspace, users=vendor_people, kind=Notification.Kind.COSELL, text=text, url=url)


HANDLERS = {
    "mapping.changed": _mapping_changed,
    "cosell.requested": _cosell_requested,
    "cosell.answered": _cosell_answered,
    "partnership.created": _partnership_created,
    "plan.checkin_posted": _checkin_posted,
    "plan.activity_done": _activity_done,
    "plan.validated": _plan_validated,
    "registration.submitted": _registration_submitted,
    "registration.decided": _registration_decided,
}
