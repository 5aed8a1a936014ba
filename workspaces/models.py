"""Shared workspaces where vendor and partner people work on a partnership together.

Partner people reach a workspace only through a `WorkspaceMember` row; vendor users reach it through
their organization role (see `workspaces.selectors.workspace_access`). Every row carries its
organization, including the link and mention tables that Django would otherwise generate without one.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pom.models import OrgOwned


class Side(models.TextChoices):
    VENDOR = "vendor", _("Vendor")
    PARTNER = "partner", _("Partner")


class WorkspaceRole(models.TextChoices):
    OWNER = "owner", _("Owner")
    EDITOR = "editor", _("Editor")
    VIEWER = "viewer", _("Viewer")


WORKSPACE_ROLE_RANK = {WorkspaceRole.VIEWER: 1, WorkspaceRole.EDITOR: 2, WorkspaceRole.OWNER: 3}


def workspace_role_at_least(role: str | None, required: str) -> bool:
    return role is not None and WORKSPACE_ROLE_RANK[role] >= WORKSPACE_ROLE_RANK[required]


class Workspace(OrgOwned):
    """A shared space: usually one partnership's, sometimes several partnerships around one deal."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    partnerships = models.ManyToManyField(
        "partners.Partnership", through="WorkspacePartnership", related_name="workspaces", blank=True
    )
    # A deal room: several partnerships working one opportunity together.
    opportunity = models.ForeignKey(
        "attribution.Opportunity", on_delete=models.SET_NULL, null=True, blank=True, related_name="workspaces"
    )
    # The workspace created automatically for a partnership (one per partnership).
    is_default = models.BooleanField(default=False)
    share_token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    share_enabled = models.BooleanField(default=False)
    share_created_at = models.DateTimeField(null=True, blank=True)
    share_revoked_at = models.DateTimeField(null=True, blank=True)
    last_activity_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["organization", "-last_activity_at"])]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class WorkspacePartnership(OrgOwned):
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="partnership_links")
    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="workspace_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "workspace", "partnership"], name="workspace_partnership_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.workspace_id} ↔ {self.partnership_id}"


class WorkspaceMember(OrgOwned):
    """An explicit member: every partner person, and vendor users added beyond their org role."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workspace_memberships")
    side = models.CharField(max_length=8, choices=Side.choices, default=Side.PARTNER)
    role = models.CharField(max_length=8, choices=WorkspaceRole.choices, default=WorkspaceRole.EDITOR)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "workspace", "user"], name="workspace_member_unique"),
        ]
        indexes = [models.Index(fields=["organization", "user"])]
        ordering = ["side", "user__email"]

    def __str__(self) -> str:
        return f"{self.user} in {self.workspace} ({self.side} {self.role})"


class WorkspaceInvitation(OrgOwned):
    """An e-mail invitation into one workspace; only the SHA-256 of the token is stored."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=8, choices=WorkspaceRole.choices, default=WorkspaceRole.EDITOR)
    side = models.CharField(max_length=8, choices=Side.choices, default=Side.PARTNER)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    resent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "workspace", "email"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Invitation of {self.email} to {self.workspace_id}"

    @property
    def state(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class Comment(OrgOwned):
    """A comment, or an internal note (vendor side only) when `internal` is set."""

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    author_label = models.CharField(max_length=200, blank=True)
    body = models.TextField(max_length=5000)
    internal = models.BooleanField(default=False)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, through="CommentMention", related_name="+", blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "workspace", "-created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{'Note' if self.internal else 'Comment'} by {self.author_label}"


class CommentMention(OrgOwned):
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, related_name="mention_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "comment", "user"], name="comment_mention_unique"),
        ]

    def __str__(self) -> str:
        return f"@{self.user_id} in {self.comment_id}"


class Update(OrgOwned):
    """One line of the workspace feed, written by the platform when something happens."""

    class Kind(models.TextChoices):
        CHECKIN = "checkin", _("Check-in posted")
        ACTIVITY_DONE = "activity_done", _("Activity done")
        PLAN_VALIDATED = "plan_validated", _("Plan validated")
        PLAN_APPROVED = "plan_approved", _("Plan approved")
        MEMBER_JOINED = "member_joined", _("Member joined")
        COMMENT = "comment", _("Comment")
        NOTE = "note", _("Internal note")
        FILE = "file", _("File shared")
        REGISTRATION = "registration", _("Deal registration")
        WORKSPACE = "workspace", _("Workspace")
        PROGRAM = "program", _("Program")
        MAPPING = "mapping", _("Account mapping")
        COSELL = "cosell", _("Co-sell")

    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="updates")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, blank=True)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    comment = models.ForeignKey(Comment, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    internal = models.BooleanField(default=False)

    class Meta:
        indexes = [models.Index(fields=["organization", "workspace", "-created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text


def workspace_file_path(instance: "WorkspaceFile", filename: str) -> str:
    # Never reuse the uploaded name on disk: it is attacker-controlled.
    return f"workspace-files/{instance.organization_id}/{instance.public_id}"


class WorkspaceFile(OrgOwned):
    """A file shared in a workspace, stored under MEDIA_ROOT (not static) and served by a members-only view."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="files")
    file = models.FileField(upload_to=workspace_file_path, max_length=300)
    original_name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=120)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["organization", "workspace", "-created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.original_name


class Notification(OrgOwned):
    """An in-app notification for one person about one workspace; e-mailed per their preference."""

    class Kind(models.TextChoices):
        MENTION = "mention", _("Mention")
        CHECKIN = "checkin", _("Check-in")
        ACTIVITY = "activity", _("Activity")
        PLAN = "plan", _("Plan")
        MEMBER = "member", _("Member")
        REGISTRATION = "registration", _("Deal registration")
        FILE = "file", _("File")
        PROGRAM = "program", _("Program")
        COSELL = "cosell", _("Co-sell")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="workspace_notifications")
    workspace = models.ForeignKey(Workspace, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    text = models.CharField(max_length=500)
    url = models.CharField(max_length=300, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "user", "read_at"]),
            # The nav badge and the daily digest read one person's rows across vendors.
            models.Index(fields=["user", "read_at", "-created_at"]),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.text


class NotificationPreference(models.Model):
    """How one person wants workspace notifications e-mailed. A personal setting, across vendors,
    so it is not tenant-owned."""

    class Mode(models.TextChoices):
        IMMEDIATE = "immediate", _("Immediately")
        DAILY = "daily", _("Daily summary")
        OFF = "off", _("Never (in-app only)")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class DigestFrequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly (the first digest of each month)")
        OFF = "off", _("Never")

    mode = models.CharField(max_length=10, choices=Mode.choices, default=Mode.IMMEDIATE)
    # Partnership digests (workspaces.digest_models): how often, which kinds, in which language.
    digest_frequency = models.CharField(max_length=10, choices=DigestFrequency.choices, default=DigestFrequency.WEEKLY)
    digest_kinds = models.JSONField(default=list, blank=True, help_text=_("Digest kinds wanted; empty means all"))
    language = models.CharField(
        max_length=10, blank=True, help_text=_("A code of settings.LANGUAGES; empty: the site default")
    )
    last_digest_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.user_id}: {self.mode}"


from workspaces.digest_models import (  # noqa: E402, F401  (this app's digest models live in their own module)
    ActionLink,
    Digest,
    DigestKind,
    DigestMail,
    DigestMute,
    DigestSettings,
    Suggestion,
)
