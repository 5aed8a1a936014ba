"""Reactions to events emitted by lower apps through `pom.hooks.emit` (inside their transaction).

- "partnership.created": open the partnership's workspace;
- plan events (check-in posted, activity done, plan validated): a feed line in each workspace of the
  plan's partnership and notifications for its members (not the person who acted);
- registration events: a feed line and notifications (vendor side on submission, partner side on decision);
- programs in motion (tier changed, points awarded, statements approved or paid, fund requests and claims,
  joint-solution ideas and steps): a feed line in the partnership's own workspace (never a deal room), and
  notifications for the side that has to act or to know.
Cheap by design: rows and on-commit task enqueues only, never mail inline.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy

from pom.audit import actor_label
from workspaces import notification_services, selectors, services
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
        notification_services.notify(workspace=workspace, users=recipients, kind=notification_kind, text=text, url=url)


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


def _program_fan_out(*, org, actor, partnership, text, page, notify=True):
    workspace = selectors.workspace_for_partnership(org=org, partnership=partnership)
    if workspace is None:
        return
    url = services.workspace_url(workspace, page)
    services.update_post(workspace=workspace, kind=Update.Kind.PROGRAM, actor=actor, text=text, url=url)
    if not notify:
        return
    recipients = selectors.workspace_recipients(workspace=workspace, exclude_user=actor)
    notification_services.notify(
        workspace=workspace, users=recipients, kind=Notification.Kind.PROGRAM, text=text, url=url
    )


def _tier_changed(*, org, actor, partnership, move, **_):
    tier = move.to_tier.name if move.to_tier else gettext("no tier")
    text = gettext("%(partner)s is now on %(tier)s in %(program)s (from %(date)s).") % {
        "partner": partnership.partner.name,
        "tier": tier,
        "program": partnership.program.name,
        "date": move.effective_on.isoformat(),
    }
    _program_fan_out(org=org, actor=actor, partnership=partnership, text=text, page="workspaces:program")


def _points_awarded(*, org, actor, partnership, entries, **_):
    total = sum(e.points for e in entries)
    text = gettext("%(points)s points earned: %(what)s") % {"points": total, "what": entries[0].evidence[:200]}
    _program_fan_out(org=org, actor=actor, partnership=partnership, text=text, page="workspaces:program", notify=False)


def _statement(*, org, actor, statement, **_):
    if statement.status == "paid":
        text = gettext("Commission statement %(s)s – %(e)s paid: %(total)s %(cur)s (reference %(ref)s).")
    else:
        text = gettext("Commission statement %(s)s – %(e)s approved: %(total)s %(cur)s, expected on %(pay)s.")
    text = text % {
        "s": statement.period_start.isoformat(),
        "e": statement.period_end.isoformat(),
        "total": f"{statement.total:,.2f}",
        "cur": statement.currency,
        "ref": statement.payment_reference,
        "pay": statement.expected_pay_on.isoformat() if statement.expected_pay_on else "—",
    }
    _program_fan_out(org=org, actor=actor, partnership=statement.partnership, text=text, page="workspaces:program")


def _mdf(label):
    def handler(*, org, actor, request, **_):
        text = f"{label} · {request.activity} ({request.campaign_code}): {request.get_status_display().lower()}"
        _program_fan_out(org=org, actor=actor, partnership=request.partnership, text=text, page="workspaces:funds")

    return handler


def _solution(*, org, actor, solution, step=None, **_):
    text = gettext("Joint solution “%(t)s”: %(status)s") % {
        "t": solution.title,
        "status": solution.get_status_display(),
    }
    if step is not None:
        text += f" · {step.name}: {step.get_status_display().lower()}"
    for link in solution.partner_links.select_related("partnership__partner", "partnership__program"):
        _program_fan_out(org=org, actor=actor, partnership=link.partnership, text=text, page="workspaces:solutions")


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
        notification_services.notify(
            workspace=workspace, users=partner_people, kind=Notification.Kind.COSELL, text=text, url=url
        )


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
        notification_services.notify(
            workspace=workspace, users=vendor_people, kind=Notification.Kind.COSELL, text=text, url=url
        )


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
    "tier.changed": _tier_changed,
    "points.awarded": _points_awarded,
    "commission.statement_approved": _statement,
    "commission.statement_paid": _statement,
    "mdf.request_submitted": _mdf(gettext("Fund request")),
    "mdf.request_decided": _mdf(gettext("Fund request")),
    "mdf.claim_submitted": _mdf(gettext("Fund claim")),
    "mdf.claim_decided": _mdf(gettext("Fund claim")),
    "mdf.reimbursed": _mdf(gettext("Fund claim")),
    "solution.idea_submitted": _solution,
    "solution.vetted": _solution,
    "solution.step_changed": _solution,
}
