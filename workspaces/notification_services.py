"""Workspace notifications: create them (e-mailing people who want them at once), mark them read,
the e-mail preference, and the immediate and daily-summary e-mails (claimed first, safe to run twice).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from pom import services as pom_services
from pom.l10n import in_language_of
from pom.models import User
from workspaces.models import Notification, NotificationPreference, Workspace


def notify(*, workspace: Workspace, users, kind: str, text: str, url: str = "") -> list[Notification]:
    """Create in-app notifications; people on "immediate" get an e-mail after commit.

    Called inside the caller's transaction; one query for preferences, one bulk insert.
    """
    users = [u for u in users if u is not None and u.is_active]
    if not users:
        return []
    rows = Notification.objects.bulk_create(
        [
            Notification(
                organization_id=workspace.organization_id,
                workspace=workspace,
                user=u,
                kind=kind,
                text=text[:500],
                url=url[:300],
            )
            for u in users
        ]
    )
    modes = dict(NotificationPreference.objects.filter(user__in=[u.pk for u in users]).values_list("user_id", "mode"))
    immediate = [
        n.pk for n in rows if n.pk and modes.get(n.user_id, NotificationPreference.Mode.IMMEDIATE) == "immediate"
    ]
    if immediate:
        from workspaces.tasks import notification_email_send as notification_email_send_task

        transaction.on_commit(lambda: [notification_email_send_task.delay(pk) for pk in immediate])
    return rows


@transaction.atomic
def notification_mark_read(*, user: User, notification: Notification) -> Notification:
    """Mark one of the user's notifications read."""
    if notification.user_id != user.pk:
        raise PermissionDenied(gettext("Not your notification."))
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at", "updated_at"])
    return notification


@transaction.atomic
def notifications_mark_all_read(*, user: User) -> int:
    """Mark every unread notification of the user read; returns how many."""
    return Notification.objects.filter(user=user, read_at__isnull=True).update(read_at=timezone.now())


@transaction.atomic
def preference_set(*, user: User, mode: str) -> NotificationPreference:
    """Choose how workspace notifications are e-mailed: immediately, as a daily summary, or never."""
    if mode not in NotificationPreference.Mode.values:
        raise ValidationError({"mode": gettext("Choose immediately, daily summary or never.")})
    pref, _ = NotificationPreference.objects.get_or_create(user=user)
    pref.mode = mode
    pref.full_clean()
    pref.save()
    return pref


def notification_email_send(*, notification_id: int) -> bool:
    """E-mail one notification if it is still unread and not yet e-mailed. Safe to run twice."""
    claimed = Notification.objects.filter(pk=notification_id, emailed_at__isnull=True, read_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return False
    notification = Notification.objects.select_related("user", "workspace").get(pk=notification_id)
    context = {
        "notification": notification,
        "url": settings.SITE_URL + (notification.url or reverse("workspaces:home")),
    }
    with in_language_of(notification.user):
        pom_services.email_send(
            to=[notification.user.email],
            subject=f"[{notification.workspace.name}] {notification.text[:80]}",
            body=render_to_string("workspaces/email/notification.txt", context),
        )
    return True


def notification_digest_send(*, user_id: int) -> int:
    """E-mail one person the summary of their unread, not yet e-mailed notifications. Safe to run twice.

    The rows are claimed by a conditional update first, so two workers never send the same lines.
    """
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return 0
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            Notification.objects.select_for_update()
            .filter(user=user, read_at__isnull=True, emailed_at__isnull=True)
            .values_list("pk", flat=True)
        )
        if not ids:
            return 0
        Notification.objects.filter(pk__in=ids, emailed_at__isnull=True).update(emailed_at=now)
        NotificationPreference.objects.filter(user=user).update(last_digest_at=now)
    rows = list(
        Notification.objects.filter(pk__in=ids).select_related("workspace").order_by("workspace__name", "-created_at")
    )
    context = {
        "user": user,
        "rows": rows,
        "site_url": settings.SITE_URL,
        "home_url": settings.SITE_URL + reverse("workspaces:home"),
    }
    with in_language_of(user):
        pom_services.email_send(
            to=[user.email],
            subject=ngettext("Your POM workspaces: %(n)s update", "Your POM workspaces: %(n)s updates", len(rows))
            % {"n": len(rows)},
            body=render_to_string("workspaces/email/digest.txt", context),
        )
    return len(rows)
