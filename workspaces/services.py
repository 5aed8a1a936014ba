"""Writes on workspaces: creation, members, invitations, share links, comments, files, notifications,
and the partner-side wrappers around plan and deal-registration services.

Every service is keyword-only, runs in one transaction, validates before saving and is audited. Callers
pass the `WorkspaceAccess` they resolved (pages and API do it once per request); services re-check the
rule they enforce so no entry point can skip it.
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext as _

from attribution import registrations as attribution_registrations
from plans import checkin_services
from plans import services as plan_services
from pom import rls
from pom import services as pom_services
from pom.audit import Actor, actor_label, audit_action, audit_create, create_instance, delete_instance, update_fields
from pom.common import hash_secret
from pom.l10n import in_language_of
from pom.models import Membership, Organization, User
from workspaces import selectors
from workspaces.filetypes import CONTENT_TYPES, check_upload, extension
from workspaces.mentions import resolve_mentions
from workspaces.models import (
    Comment,
    CommentMention,
    Notification,
    NotificationPreference,
    Side,
    Update,
    Workspace,
    WorkspaceFile,
    WorkspaceInvitation,
    WorkspaceMember,
    WorkspacePartnership,
    WorkspaceRole,
)
from workspaces.selectors import WorkspaceAccess

INVITATION_DAYS = getattr(settings, "POM_WORKSPACE_INVITATION_DAYS", 14)


hash_token = hash_secret  # one hash for every secret (pom.common)


def _user_or_none(actor: Actor) -> User | None:
    return actor if isinstance(actor, User) else None


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def workspace_url(workspace: Workspace, name: str = "workspaces:detail", *args) -> str:
    return reverse(name, args=[workspace.public_id, *args])


# Workspaces ---------------------------------------------------------------------------------------


@transaction.atomic
def workspace_ensure_for_partnership(*, org: Organization, actor: Actor, partnership) -> Workspace:
    """The partnership's default workspace, created when missing. Safe to call twice."""
    existing = selectors.workspace_for_partnership(org=org, partnership=partnership)
    if existing is not None:
        return existing
    workspace = Workspace(
        organization=org, name=f"{partnership.partner.name} · {partnership.program.name}"[:200], is_default=True
    )
    create_instance(org=org, actor=actor, instance=workspace)
    WorkspacePartnership.objects.create(organization=org, workspace=workspace, partnership=partnership)
    Update.objects.create(
        organization=org,
        workspace=workspace,
        kind=Update.Kind.WORKSPACE,
        actor=_user_or_none(actor),
        actor_label=actor_label(actor),
        text=f"Workspace opened for {partnership}.",
    )
    return workspace


@transaction.atomic
def workspace_backfill(*, org: Organization, actor: Actor = None) -> int:
    """Create the missing default workspace of every partnership in `org`; returns how many were made."""
    from partners.models import Partnership

    made = 0
    covered = set(
        WorkspacePartnership.objects.for_org(org)
        .filter(workspace__is_default=True)
        .values_list("partnership_id", flat=True)
    )
    for partnership in Partnership.objects.for_org(org).select_related("partner").exclude(pk__in=covered):
        workspace_ensure_for_partnership(org=org, actor=actor, partnership=partnership)
        made += 1
    return made


@transaction.atomic
def workspace_create(
    *, org: Organization, actor: Actor, name: str, partnerships: list, description: str = "", opportunity=None
) -> Workspace:
    """A workspace around several partnerships, e.g. one opportunity worked by two partners (a deal room)."""
    if not partnerships:
        raise ValidationError({"partnerships": gettext("Choose at least one partnership.")})
    if any(p.organization_id != org.id for p in partnerships):
        raise ValidationError({"partnerships": gettext("Unknown partnership.")})
    if opportunity is not None and opportunity.organization_id != org.id:
        raise ValidationError({"opportunity": gettext("Unknown opportunity.")})
    workspace = Workspace(organization=org, name=name.strip(), description=description, opportunity=opportunity)
    create_instance(org=org, actor=actor, instance=workspace)
    for partnership in partnerships:
        WorkspacePartnership.objects.create(organization=org, workspace=workspace, partnership=partnership)
    return workspace


def _touch(workspace: Workspace, at=None) -> None:
    at = at or timezone.now()
    # Never move the last activity back in time when a backdated event arrives.
    Workspace.objects.for_org(workspace.organization_id).filter(pk=workspace.pk, last_activity_at__lt=at).update(
        last_activity_at=at
    )


def update_post(
    *,
    workspace: Workspace,
    kind: str,
    actor: Actor,
    text: str,
    url: str = "",
    internal: bool = False,
    comment=None,
    at=None,
) -> Update:
    """Add one line to the feed and mark the workspace active. Called inside the caller's transaction.

    `at` dates the line when the event itself is backdated (imported or historical check-ins).
    """
    update = Update(
        created_at=at or timezone.now(),
        organization_id=workspace.organization_id,
        workspace=workspace,
        kind=kind,
        actor=_user_or_none(actor),
        actor_label=actor_label(actor)[:200],
        text=text[:500],
        url=url[:300],
        internal=internal,
        comment=comment,
    )
    update.full_clean()
    update.save()
    _touch(workspace, update.created_at)
    return update


# Share link ---------------------------------------------------------------------------------------


@transaction.atomic
def share_link_enable(*, access: WorkspaceAccess, actor: Actor) -> str:
    """Turn on a new view-only link; any previous link dies. Returns the raw token (shown to the owner)."""
    _require(access.can_manage, _("Only workspace owners manage the share link."))
    workspace = access.workspace
    raw = secrets.token_urlsafe(32)
    workspace.share_token_hash = hash_token(raw)
    workspace.share_enabled = True
    workspace.share_created_at = timezone.now()
    workspace.share_revoked_at = None
    workspace.full_clean()
    workspace.save()
    audit_action(org=workspace.organization, actor=actor, obj=workspace, verb="share link enabled")
    return raw


@transaction.atomic
def share_link_revoke(*, access: WorkspaceAccess, actor: Actor) -> Workspace:
    """Turn the view-only link off for good: visiting it afterwards is a 404."""
    _require(access.can_manage, _("Only workspace owners manage the share link."))
    workspace = access.workspace
    if not workspace.share_enabled:
        raise ValidationError(gettext("The share link is already off."))
    workspace.share_enabled = False
    workspace.share_token_hash = None
    workspace.share_revoked_at = timezone.now()
    workspace.save()
    audit_action(org=workspace.organization, actor=actor, obj=workspace, verb="share link revoked")
    return workspace


# Invitations --------------------------------------------------------------------------------------


def _invitation_context(invitation: WorkspaceInvitation, raw: str) -> dict:
    workspace = invitation.workspace
    return {
        "invitation": invitation,
        "workspace": workspace,
        "org": workspace.organization,
        "inviter": invitation.invited_by,
        "url": settings.SITE_URL + reverse("workspaces:invitation_accept", args=[raw]),
        "waiting": selectors.workspace_waiting_summary(workspace=workspace),
    }


def _send_invitation(invitation: WorkspaceInvitation, raw: str) -> None:
    context = _invitation_context(invitation, raw)
    inviter = invitation.invited_by.display_name if invitation.invited_by else invitation.workspace.organization.name
    with in_language_of(invitation.email):
        subject = _("%(inviter)s invited you to the %(workspace)s workspace") % {
            "inviter": inviter,
            "workspace": invitation.workspace.name,
        }
        body = render_to_string("workspaces/email/invitation.txt", context)
    pom_services.email_send(to=[invitation.email], subject=subject, body=body)


@transaction.atomic
def invitation_create(
    *, access: WorkspaceAccess, actor: Actor, email: str, role: str, side: str = Side.PARTNER, send: bool = True
) -> tuple[WorkspaceInvitation, str]:
    """Invite `email` into the workspace with `role` on `side`; e-mails the link after commit (unless
    `send` is False: demo data and imports that accept at once).

    A pending invitation to the same address is revoked so only the newest link works.
    """
    _require(access.can_manage, _("Only workspace owners invite people."))
    workspace = access.workspace
    org = workspace.organization
    email = (email or "").strip().lower()
    if role not in WorkspaceRole.values:
        raise ValidationError(
            {"role": gettext("Unknown role %(role)s: choose owner, editor or viewer.") % {"role": repr(role)}}
        )
    if side not in Side.values:
        raise ValidationError(
            {"side": gettext("Unknown side %(side)s: choose vendor or partner.") % {"side": repr(side)}}
        )
    if not email:
        raise ValidationError({"email": gettext("Enter an e-mail address.")})
    if selectors.member_list(workspace=workspace).filter(user__email__iexact=email).exists():
        raise ValidationError({"email": gettext("%(email)s is already a member of this workspace.") % {"email": email}})
    is_org_member = Membership.objects.for_org(org).filter(user__email__iexact=email).exists()
    if side == Side.PARTNER and is_org_member:
        raise ValidationError(
            {
                "email": gettext("%(email)s works at %(name)s: they already have access through their role.")
                % {"email": email, "name": org.name}
            }
        )
    if side == Side.VENDOR and not is_org_member:
        raise ValidationError(
            {
                "side": gettext("%(email)s is not a member of %(name)s; invite them on the partner side.")
                % {"email": email, "name": org.name}
            }
        )
    WorkspaceInvitation.objects.for_org(org).filter(
        workspace=workspace, email__iexact=email, accepted_at__isnull=True, revoked_at__isnull=True
    ).update(revoked_at=timezone.now())
    raw = secrets.token_urlsafe(32)
    invitation = WorkspaceInvitation(
        organization=org,
        workspace=workspace,
        email=email,
        role=role,
        side=side,
        token_hash=hash_token(raw),
        invited_by=_user_or_none(actor),
        expires_at=timezone.now() + timedelta(days=INVITATION_DAYS),
    )
    create_instance(org=org, actor=actor, instance=invitation)
    if send:
        _send_invitation(invitation, raw)
    return invitation, raw


def _pending_or_error(invitation: WorkspaceInvitation) -> None:
    if invitation.state != "pending":
        raise ValidationError(gettext("This invitation is %(state)s.") % {"state": invitation.state})


@transaction.atomic
def invitation_resend(*, access: WorkspaceAccess, actor: Actor, invitation: WorkspaceInvitation) -> str:
    """Send a fresh link with a new expiry; the previous link stops working at once."""
    _require(access.can_manage, _("Only workspace owners manage invitations."))
    invitation = WorkspaceInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at or invitation.revoked_at:
        raise ValidationError(
            gettext("This invitation is %(state)s; it cannot be resent.") % {"state": invitation.state}
        )
    raw = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation.token_hash = hash_token(raw)
    invitation.resent_at = now
    invitation.expires_at = now + timedelta(days=INVITATION_DAYS)
    invitation.save(update_fields=["token_hash", "resent_at", "expires_at", "updated_at"])
    audit_action(org=invitation.workspace.organization, actor=actor, obj=invitation, verb="resent")
    _send_invitation(invitation, raw)
    return raw


@transaction.atomic
def invitation_revoke(*, access: WorkspaceAccess, actor: Actor, invitation: WorkspaceInvitation) -> None:
    """Kill a pending invitation's link."""
    _require(access.can_manage, _("Only workspace owners manage invitations."))
    _pending_or_error(invitation)
    invitation.revoked_at = timezone.now()
    invitation.save(update_fields=["revoked_at", "updated_at"])
    audit_action(org=invitation.workspace.organization, actor=actor, obj=invitation, verb="revoked")


@transaction.atomic
def invitation_accept(*, raw_token: str, user: User) -> WorkspaceMember | None:
    """Turn a pending invitation into a workspace member row for `user` (whose e-mail must match).

    Posts "member joined" to the feed and notifies the inviter. A vendor-side invitation for someone
    whose organization role already gives them as much access creates no row and returns None.
    """
    with rls.all_organizations("accepting locks the invitation found by its token's hash"):
        invitation = (
            WorkspaceInvitation.objects.select_for_update(of=("self",))
            .select_related("workspace", "organization", "invited_by")
            .filter(token_hash=hash_token(raw_token))
            .first()
        )
    rls.admit(invitation)
    if invitation is None:
        raise ValidationError(gettext("This invitation link is not valid (it may have been replaced by a newer one)."))
    if invitation.state != "pending":
        raise ValidationError(
            gettext("This invitation has been %(state)s. Ask the person who invited you for a new one.")
            % {"state": invitation.state}
        )
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(
            gettext("This invitation is for %(email)s; you are signed in as %(email2)s.")
            % {"email": invitation.email, "email2": user.email}
        )
    workspace, org = invitation.workspace, invitation.organization
    is_org_member = Membership.objects.for_org(org).filter(user=user).exists()
    if invitation.side == Side.PARTNER and is_org_member:
        raise ValidationError(
            gettext("You are a member of %(name)s: open the workspace from your organization.") % {"name": org.name}
        )
    member, created = WorkspaceMember.objects.get_or_create(
        organization=org,
        workspace=workspace,
        user=user,
        defaults={"side": invitation.side, "role": invitation.role},
    )
    invitation.accepted_at = timezone.now()
    invitation.accepted_by = user
    invitation.save(update_fields=["accepted_at", "accepted_by", "updated_at"])
    audit_action(org=org, actor=user, obj=invitation, verb="accepted")
    if created:
        audit_create(org=org, actor=user, obj=member)
        side = "partner" if member.side == Side.PARTNER else "vendor"
        update_post(
            workspace=workspace,
            kind=Update.Kind.MEMBER_JOINED,
            actor=user,
            text=f"{user.display_name} joined the workspace ({side} {member.get_role_display().lower()}).",
        )
        if invitation.invited_by_id and invitation.invited_by_id != user.pk:
            notify(
                workspace=workspace,
                users=[invitation.invited_by],
                kind=Notification.Kind.MEMBER,
                text=f"{user.display_name} accepted your invitation to {workspace.name}.",
                url=workspace_url(workspace, "workspaces:members"),
            )
    return member


# Members ------------------------------------------------------------------------------------------


@transaction.atomic
def member_set_role(*, access: WorkspaceAccess, actor: Actor, member: WorkspaceMember, role: str) -> WorkspaceMember:
    """Change an explicit member's workspace role."""
    _require(access.can_manage, _("Only workspace owners change roles."))
    if role not in WorkspaceRole.values:
        raise ValidationError(
            {"role": gettext("Unknown role %(role)s: choose owner, editor or viewer.") % {"role": repr(role)}}
        )
    return update_fields(org=access.workspace.organization, actor=actor, instance=member, data={"role": role})


@transaction.atomic
def member_remove(*, access: WorkspaceAccess, actor: Actor, member: WorkspaceMember) -> None:
    """Remove an explicit member; a partner person loses access at once."""
    _require(access.can_manage, _("Only workspace owners remove members."))
    delete_instance(org=access.workspace.organization, actor=actor, instance=member)


# Comments -----------------------------------------------------------------------------------------


@transaction.atomic
def comment_create(*, access: WorkspaceAccess, actor: User, body: str, internal: bool = False) -> Comment:
    """Post a comment (or a vendor-only internal note) and notify everyone it @mentions.

    Every mention must name someone who can read it; otherwise nothing is saved.
    """
    _require(access.can_edit, _("Viewers cannot post in this workspace."))
    if internal and not access.sees_internal:
        raise PermissionDenied(gettext("Only the vendor side writes internal notes."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": gettext("Write something first.")})
    if len(body) > 5000:
        raise ValidationError({"body": gettext("Keep it under 5,000 characters.")})
    workspace = access.workspace
    candidates = selectors.mentionable_users(workspace=workspace, vendor_only=internal)
    mentioned, unknown, ambiguous = resolve_mentions(body, candidates)
    if unknown:
        who = ", ".join(f"@{t}" for t in unknown)
        where = "on the vendor side of this workspace" if internal else "in this workspace"
        raise ValidationError(
            {
                "body": gettext("%(who)s: no such person %(where)s. Mention members by name or e-mail.")
                % {"who": who, "where": where}
            }
        )
    if ambiguous:
        who = ", ".join(f"@{t}" for t in ambiguous)
        raise ValidationError(
            {
                "body": gettext("%(who)s matches several people: use their e-mail, e.g. @name@example.com.")
                % {"who": who}
            }
        )
    org = workspace.organization
    comment = Comment(
        organization=org,
        workspace=workspace,
        author=actor,
        author_label=actor.display_name,
        body=body,
        internal=internal,
    )
    create_instance(org=org, actor=actor, instance=comment)
    CommentMention.objects.bulk_create([CommentMention(organization=org, comment=comment, user=u) for u in mentioned])
    kind = Update.Kind.NOTE if internal else Update.Kind.COMMENT
    label = "added an internal note" if internal else "commented"
    update_post(
        workspace=workspace,
        kind=kind,
        actor=actor,
        text=f"{actor.display_name} {label}.",
        internal=internal,
        comment=comment,
    )
    others = [u for u in mentioned if u.pk != actor.pk]
    if others:
        excerpt = body if len(body) <= 140 else body[:137] + "…"
        notify(
            workspace=workspace,
            users=others,
            kind=Notification.Kind.MENTION,
            text=f"{actor.display_name} mentioned you in {workspace.name}: “{excerpt}”",
            url=workspace_url(workspace) + f"#comment-{comment.pk}",
        )
    return comment


@transaction.atomic
def comment_delete(*, access: WorkspaceAccess, actor: User, comment: Comment) -> None:
    """Delete a comment: its author or a workspace owner."""
    _require(access.can_manage or comment.author_id == actor.pk, _("Only the author or an owner deletes a comment."))
    delete_instance(org=access.workspace.organization, actor=actor, instance=comment)


# Files --------------------------------------------------------------------------------------------


@transaction.atomic
def file_upload(*, access: WorkspaceAccess, actor: Actor, uploaded) -> WorkspaceFile:
    """Store an uploaded file after checking its size, extension and content; posts to the feed."""
    _require(access.can_edit, _("Viewers cannot upload files."))
    if uploaded is None:
        raise ValidationError({"file": gettext("Choose a file to upload.")})
    name = uploaded.name.replace("\\", "/").split("/")[-1][:255] or "file"
    reason = check_upload(name, uploaded.size, uploaded)
    if reason:
        raise ValidationError({"file": reason})
    workspace = access.workspace
    org = workspace.organization
    record = WorkspaceFile(
        organization=org,
        workspace=workspace,
        original_name=name,
        size=uploaded.size,
        content_type=CONTENT_TYPES[extension(name)],
        uploaded_by=_user_or_none(actor),
    )
    record.file.save(name, uploaded, save=False)
    # If the row cannot be written after the bytes hit the disk, do not leave an orphan behind.
    stored_name = record.file.name
    try:
        create_instance(org=org, actor=actor, instance=record)
        update_post(
            workspace=workspace,
            kind=Update.Kind.FILE,
            actor=actor,
            text=f"{actor_label(actor)} shared {name}.",
            url=workspace_url(workspace, "workspaces:files"),
        )
    except Exception:
        record.file.storage.delete(stored_name)
        raise
    return record


@transaction.atomic
def file_delete(*, access: WorkspaceAccess, actor: Actor, record: WorkspaceFile) -> None:
    """Delete a file (row and bytes): its uploader or a workspace owner."""
    uploader = isinstance(actor, User) and record.uploaded_by_id == actor.pk
    _require(access.can_manage or (uploader and access.can_edit), _("Only the uploader or an owner deletes a file."))
    storage, name = record.file.storage, record.file.name
    delete_instance(org=access.workspace.organization, actor=actor, instance=record)
    transaction.on_commit(lambda: storage.delete(name))


# Notifications ------------------------------------------------------------------------------------


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


# Partner-side work on plans and deals ------------------------------------------------------------


def _plan_in_workspace(access: WorkspaceAccess, plan) -> None:
    if plan.organization_id != access.workspace.organization_id or plan.partnership_id not in set(
        selectors.workspace_partnership_ids(workspace=access.workspace)
    ):
        raise PermissionDenied(gettext("This plan is not part of this workspace."))


def checkin_post(*, access: WorkspaceAccess, actor: User, key_result, value: Decimal, note: str = ""):
    """Post a check-in on a key result of this workspace's plan. A partner editor may only check in
    on key results the partner side owns (partner or both)."""
    _plan_in_workspace(access, key_result.plan)
    _require(access.can_edit, _("Viewers cannot post check-ins."))
    if not access.can_edit_side(key_result.responsible_side):
        raise PermissionDenied(gettext("This key result is owned by the vendor side: only they can check in on it."))
    return checkin_services.checkin_create(
        org=access.workspace.organization, actor=actor, key_result=key_result, value=value, note=note
    )


def activity_update(*, access: WorkspaceAccess, actor: User, activity, data: dict):
    """Update an activity of this workspace's plan; a partner editor only on partner-owned activities."""
    _plan_in_workspace(access, activity.plan)
    _require(access.can_edit, _("Viewers cannot update activities."))
    if not access.can_edit_side(activity.owner_side):
        raise PermissionDenied(gettext("This activity is owned by the vendor side: only they can update it."))
    return plan_services.activity_update(org=access.workspace.organization, actor=actor, activity=activity, data=data)


def plan_approve(*, access: WorkspaceAccess, actor: User, plan, note: str = ""):
    """Approve the plan for the caller's side (a partner editor approves for the partner side)."""
    _plan_in_workspace(access, plan)
    _require(access.can_edit, _("Viewers cannot approve the plan."))
    side = "vendor" if access.is_vendor else "partner"
    return plan_services.plan_approve(org=access.workspace.organization, actor=actor, plan=plan, side=side, note=note)


def registration_submit(*, access: WorkspaceAccess, actor: User, partnership, **fields):
    """Register a deal for this workspace's partnership; conflicts are computed at once by attribution."""
    _require(access.can_edit, _("Viewers cannot register deals."))
    if partnership.pk not in set(selectors.workspace_partnership_ids(workspace=access.workspace)):
        raise ValidationError({"partnership": gettext("This partnership is not part of this workspace.")})
    via = "vendor" if access.is_vendor else "partner"
    return attribution_registrations.registration_submit(
        org=access.workspace.organization, actor=actor, partnership=partnership, via=via, **fields
    )
