"""Scheduled reports: people subscribe members to a report kind (reports.report_kinds) and beat mails
it weekly, monthly or quarterly, as a link and a PDF.

1. `report_subscriptions_due` (beat, every 15 minutes) lists active subscriptions whose `next_run_at`
   has passed and queues one `report_subscription_run` each.
2. `subscription_run` claims the run with a conditional update that moves `next_run_at` on (a duplicate
   delivery then finds nothing due), checks that the owner and every recipient may still see the report
   (`kind.can_view`), renders it per recipient (`kind.render_html`, PDF by WeasyPrint; identical HTML is
   rendered once) and mails each recipient a link and the PDF.
3. When someone can no longer see it, the subscription stops (`active=False`, `stopped_reason`) and its
   owner is told by e-mail; nothing is mailed.
"""

from __future__ import annotations

import datetime
import hashlib

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from pom.audit import audit_action, audit_update, create_instance, delete_instance, snapshot
from pom.models import Membership, Organization, Role, User, role_at_least
from pom.services import email_send
from reports import report_kinds
from reports.packs_models import ReportSubscription

RUN_HOUR = 6  # local morning, UTC: reports arrive before the working day in Europe

STEPS = {
    ReportSubscription.Frequency.WEEKLY: relativedelta(weeks=1),
    ReportSubscription.Frequency.MONTHLY: relativedelta(months=1),
    ReportSubscription.Frequency.QUARTERLY: relativedelta(months=3),
}


def next_run(*, frequency: str, after: datetime.datetime) -> datetime.datetime:
    """The next run after `after`: weekly on the next Monday, monthly on the 1st, quarterly on the 1st of
    the next quarter, each at 06:00 UTC."""
    day = after.astimezone(datetime.UTC).date()
    if frequency == ReportSubscription.Frequency.WEEKLY:
        target = day + datetime.timedelta(days=7 - day.weekday())
    elif frequency == ReportSubscription.Frequency.MONTHLY:
        target = day.replace(day=1) + relativedelta(months=1)
    else:
        first = day.replace(day=1, month=3 * ((day.month - 1) // 3) + 1)
        target = first + relativedelta(months=3)
    return datetime.datetime.combine(target, datetime.time(RUN_HOUR), tzinfo=datetime.UTC)


def _can_manage(*, org: Organization, actor: User, subscription: ReportSubscription) -> bool:
    role = Membership.objects.for_org(org).filter(user=actor).values_list("role", flat=True).first()
    return subscription.owner_id == actor.pk or (role is not None and role_at_least(role, Role.ADMIN))


def _validate(*, org: Organization, owner: User, kind: str, params: dict, recipients: list[User]) -> None:
    report = report_kinds.get(kind)
    if report is None:
        raise ValidationError({"kind": _("Unknown report.")})
    members = set(
        Membership.objects.for_org(org).filter(user__in=[u.pk for u in recipients]).values_list("user_id", flat=True)
    )
    if not recipients:
        raise ValidationError({"recipients": _("Choose at least one recipient.")})
    if any(u.pk not in members for u in recipients):
        raise ValidationError({"recipients": _("Recipients must be members of the organization.")})
    for user in [owner, *recipients]:
        if not report.can_view(org=org, user=user, params=params):
            raise ValidationError({"recipients": _("%(name)s cannot see this report.") % {"name": user.display_name}})


@transaction.atomic
def subscription_create(
    *,
    org: Organization,
    actor: User,
    kind: str,
    params: dict,
    frequency: str,
    recipients: list[User],
    now: datetime.datetime | None = None,
) -> ReportSubscription:
    """Subscribe members to a report; the first run is the next weekly, monthly or quarterly slot."""
    params = report_kinds.params_clean(params)
    _validate(org=org, owner=actor, kind=kind, params=params, recipients=recipients)
    subscription = ReportSubscription(
        organization=org,
        owner=actor,
        kind=kind,
        params=params,
        frequency=frequency,
        next_run_at=next_run(frequency=frequency, after=now or timezone.now()),
    )
    create_instance(org=org, actor=actor, instance=subscription)
    subscription.recipients.set(recipients, through_defaults={"organization": org})
    return subscription


@transaction.atomic
def subscription_update(
    *,
    org: Organization,
    actor: User,
    subscription: ReportSubscription,
    params: dict | None = None,
    frequency: str | None = None,
    recipients: list[User] | None = None,
    active: bool | None = None,
) -> ReportSubscription:
    """Change, pause or resume a subscription (its owner or an admin). Resuming checks access again and
    schedules the next slot."""
    if not _can_manage(org=org, actor=actor, subscription=subscription):
        raise ValidationError(_("Only the owner or an admin can change this subscription."))
    recipients = list(subscription.recipients.all()) if recipients is None else recipients
    params = subscription.params if params is None else report_kinds.params_clean(params)
    data: dict = {"params": params}
    if frequency is not None:
        data["frequency"] = frequency
    if active is not None:
        data["active"] = active
    if data.get("active", subscription.active):
        _validate(org=org, owner=subscription.owner, kind=subscription.kind, params=params, recipients=recipients)
        if active and not subscription.active or frequency and frequency != subscription.frequency:
            data["next_run_at"] = next_run(
                frequency=data.get("frequency", subscription.frequency), after=timezone.now()
            )
        data["stopped_reason"] = ""
    before = snapshot(subscription, list(data))
    for key, value in data.items():
        setattr(subscription, key, value)
    subscription.full_clean()
    subscription.save()
    audit_update(org=org, actor=actor, obj=subscription, before=before)
    subscription.recipients.set(recipients, through_defaults={"organization": org})
    return subscription


@transaction.atomic
def subscription_delete(*, org: Organization, actor: User, subscription: ReportSubscription) -> None:
    """Remove a subscription (its owner or an admin)."""
    if not _can_manage(org=org, actor=actor, subscription=subscription):
        raise ValidationError(_("Only the owner or an admin can delete this subscription."))
    delete_instance(org=org, actor=actor, instance=subscription)


# --- reads -----------------------------------------------------------------------------------------


def subscription_list(*, org: Organization, user: User) -> QuerySet[ReportSubscription]:
    """What a person sees: their own subscriptions and those they receive; admins see all."""
    role = Membership.objects.for_org(org).filter(user=user).values_list("role", flat=True).first()
    subs = ReportSubscription.objects.for_org(org).select_related("owner").prefetch_related("recipients")
    if role is None or not role_at_least(role, Role.ADMIN):
        subs = subs.filter(owner=user) | subs.filter(recipients=user)
    return subs.distinct().order_by("kind", "id")


def subscription_get(*, org: Organization, user: User, pk) -> ReportSubscription | None:
    return subscription_list(org=org, user=user).filter(pk=pk).first()


def subscriptions_due(*, now: datetime.datetime | None = None) -> list[tuple[int, int]]:
    """(organization_id, subscription_id) of active subscriptions due now. Cross-tenant (beat)."""
    now = now or timezone.now()
    return list(
        ReportSubscription.objects.filter(active=True, next_run_at__lte=now)
        .order_by("next_run_at")
        .values_list("organization_id", "id")[:1000]
    )


# --- the run ---------------------------------------------------------------------------------------


def _stop(*, org: Organization, subscription: ReportSubscription, reason: str) -> None:
    with transaction.atomic():
        ReportSubscription.objects.for_org(org).filter(pk=subscription.pk).update(
            active=False, stopped_reason=reason[:300]
        )
        audit_action(org=org, actor=None, obj=subscription, verb="subscription stopped", changes={"reason": reason})
        report = report_kinds.get(subscription.kind)
        title = str(report.title) if report else subscription.kind
        email_send(
            to=[subscription.owner.email],
            subject=_("[POM] Your scheduled report “%(title)s” stopped") % {"title": title},
            body=_("Your %(frequency)s report “%(title)s” was stopped: %(reason)s\n\nSee your schedules: %(url)s")
            % {
                "frequency": subscription.get_frequency_display().lower(),
                "title": title,
                "reason": reason,
                "url": settings.SITE_URL + f"/o/{org.slug}/reports/schedules/",
            },
        )


def subscription_run(*, organization_id: int, subscription_id: int, now: datetime.datetime | None = None) -> int:
    """Render and mail one due subscription; returns how many people were mailed (see the module doc)."""
    now = now or timezone.now()
    org = Organization.objects.filter(pk=organization_id).first()
    subscription = (
        ReportSubscription.objects.for_org(organization_id)
        .select_related("owner")
        .filter(pk=subscription_id, active=True, next_run_at__lte=now)
        .first()
    )
    if org is None or subscription is None:
        return 0
    # 1. Claim: move next_run_at on only if nobody did meanwhile.
    claimed = (
        ReportSubscription.objects.for_org(org)
        .filter(pk=subscription.pk, active=True, next_run_at=subscription.next_run_at)
        .update(
            next_run_at=next_run(frequency=subscription.frequency, after=max(now, subscription.next_run_at)),
            last_run_at=now,
        )
    )
    if not claimed:
        return 0
    report = report_kinds.get(subscription.kind)
    if report is None:
        _stop(org=org, subscription=subscription, reason=_("this report no longer exists."))
        return 0
    # 2. Everyone must still see it, else stop with a notice to the owner.
    recipients = list(subscription.recipients.all().order_by("id"))
    members = set(Membership.objects.for_org(org).values_list("user_id", flat=True))
    for user in [subscription.owner, *recipients]:
        if (
            user.pk not in members
            or not user.is_active
            or not report.can_view(org=org, user=user, params=subscription.params)
        ):
            _stop(
                org=org,
                subscription=subscription,
                reason=_("%(name)s can no longer see this report.") % {"name": user.display_name},
            )
            return 0
    # 3. Render per recipient (identical HTML renders once) and mail the link and the PDF.
    from reports.packs_render import html_to_pdf

    pdfs: dict[str, bytes] = {}
    link = settings.SITE_URL + report.url(org=org, params=subscription.params)
    title = str(report.title)
    filename = f"{slugify(title) or 'report'}-{now:%Y-%m-%d}.pdf"
    sent = 0
    for user in recipients:
        html = report.render_html(org=org, user=user, params=subscription.params)
        digest = hashlib.sha256(html.encode()).hexdigest()
        if digest not in pdfs:
            pdfs[digest] = html_to_pdf(html)
        message = EmailMultiAlternatives(
            subject=_("[POM] %(title)s") % {"title": title},
            body=_("Your %(frequency)s report “%(title)s” is attached as a PDF.\n\nOpen it in POM: %(link)s")
            % {"frequency": subscription.get_frequency_display().lower(), "title": title, "link": link},
            to=[user.email],
        )
        message.attach(filename, pdfs[digest], "application/pdf")
        message.send()
        sent += 1
    ReportSubscription.objects.for_org(org).filter(pk=subscription.pk).update(runs=subscription.runs + 1)
    return sent
