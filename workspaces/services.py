"""Writes on workspaces: creation, members, share links, comments, files, and the partner-side
wrappers around plan and deal-registration services.

Every service is keyword-only, runs in one transaction, validates before saving and is audited. Callers
pass the `WorkspaceAccess` they resolved (pages and API do it once per request); services re-check the
rule they enforce so no entry point can skip it.
"""

from __future__ import annotations

import secrets
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext as _

from attribution import registrations as attribution_registrations
from plans import checkin_services
from plans import services as plan_services
from pom.audit import Actor, actor_label, audit_action, create_instance, delete_instance, update_fields
from pom.common import hash_secret
from pom.models import Organization, User
from workspaces import selectors
from workspaces.filetypes import CONTENT_TYPES, check_upload, extension
from workspaces.mentions import resolve_mentions
from workspaces.models import (
    Comment,
    CommentMention,
    Notification,
    Update,
    Workspace,
    WorkspaceFile,
    WorkspaceMember,
    WorkspacePartnership,
    WorkspaceRole,
)
from workspaces.notification_services import notify
from workspaces.selectors import WorkspaceAccess

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
