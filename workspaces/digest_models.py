"""Digests, their outbox, e-mailed action links and next best actions (imported by `workspaces.models`).

- `DigestSettings`: per organization, review-first or auto-send, the optional LLM writer, rules switched off.
- `Digest`: one per (workspace, kind, period), the unique row that makes a run exactly-once; it keeps the
  facts it was written from, so every figure can link back to its row and the LLM text can be checked.
- `DigestMail`: the outbox, one row per recipient. The row is claimed (queued -> sending) before the mail
  leaves and marked sent after; see docs/digests.md for why a crash never sends twice.
- `ActionLink`: a random token (only its SHA-256 is stored) for one recipient and one action, expiring,
  single use for writes.
- `DigestMute`: a person's "no digests from this workspace".
- `Suggestion`: a next best action produced by a rule of `workspaces.nba_rules`, with its evidence fingerprint.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pom.models import OrgOwned


class DigestSettings(OrgOwned):
    """How an organization's digests go out. Created with defaults on first use."""

    class Mode(models.TextChoices):
        REVIEW_FIRST = "review_first", _("Review first: a person approves every digest")
        AUTO_SEND = "auto_send", _("Send automatically")

    mode = models.CharField(max_length=12, choices=Mode.choices, default=Mode.REVIEW_FIRST)
    llm_enabled = models.BooleanField(
        _("use the language model writer"),
        default=False,
        help_text=_("Only when POM_DIGEST_LLM_URL is set; its text must pass the grounding check."),
    )
    disabled_rules = models.JSONField(default=list, blank=True, help_text=_("Codes of next-best-action rules off"))
    disabled_kinds = models.JSONField(default=list, blank=True, help_text=_("Digest kinds not generated"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="digest_settings_one_per_org")]

    def __str__(self) -> str:
        return f"Digest settings of {self.organization_id}"


class DigestKind(models.TextChoices):
    WEEKLY = "weekly", _("Weekly partnership digest")
    OKR_REMINDER = "okr_reminder", _("Upcoming OKR update")
    OPPORTUNITY = "opportunity", _("Opportunity digest")


class Digest(OrgOwned):
    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        EDITED = "edited", _("Edited")
        APPROVED = "approved", _("Approved")
        SENT = "sent", _("Sent")

    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="digests")
    kind = models.CharField(max_length=16, choices=DigestKind.choices)
    period = models.CharField(max_length=20, help_text=_("e.g. 2026-W49"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text=_("The text without greeting and links; the figures follow it"))
    facts = models.JSONField(default=dict, blank=True)
    writer = models.CharField(max_length=10, default="template", help_text=_("template or llm"))
    writer_note = models.CharField(max_length=300, blank=True, help_text=_("Why the LLM text was not used"))
    job = models.ForeignKey("pom.Job", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    edited_at = models.DateTimeField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "workspace", "kind", "period"], name="digest_one_per_workspace_kind_period"
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-created_at"]),
            models.Index(fields=["organization", "workspace", "-created_at"]),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.subject


class DigestMail(OrgOwned):
    """The outbox: one e-mail of one digest to one person."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending (delivery not confirmed)")
        SENT = "sent", _("Sent")
        SKIPPED = "skipped", _("Skipped")

    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, related_name="mails")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    email = models.CharField(max_length=254, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    message_id = models.CharField(max_length=200, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "digest", "user"], name="digest_mail_one_per_recipient")
        ]
        indexes = [models.Index(fields=["organization", "status"])]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.digest_id} → {self.email or self.user_id} ({self.status})"


class ActionLink(OrgOwned):
    class Action(models.TextChoices):
        CHECKIN = "checkin", _("Check in on a key result")
        ACTIVITY_DONE = "activity_done", _("Mark an activity done")
        PLAN_APPROVE = "plan_approve", _("Approve a plan")
        OPEN = "open", _("Open the workspace")
        MUTE = "mute", _("Stop the digests of this workspace")

    token_hash = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    digest = models.ForeignKey(Digest, on_delete=models.CASCADE, null=True, blank=True, related_name="links")
    action = models.CharField(max_length=16, choices=Action.choices)
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "digest"])]

    def __str__(self) -> str:
        return f"{self.action} link for {self.user_id}"

    @property
    def is_write(self) -> bool:
        return self.action != self.Action.OPEN


class DigestMute(OrgOwned):
    workspace = models.ForeignKey("workspaces.Workspace", on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "workspace", "user"], name="digest_mute_unique")]

    def __str__(self) -> str:
        return f"{self.user_id} mutes {self.workspace_id}"


class Suggestion(OrgOwned):
    """A next best action: what a rule suggests, for whom, why, and what people did with it."""

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        SNOOZED = "snoozed", _("Snoozed")
        ACCEPTED = "accepted", _("Accepted")
        DISMISSED = "dismissed", _("Dismissed")
        RESOLVED = "resolved", _("Resolved (its evidence went away)")

    class Target(models.TextChoices):
        PARTNERSHIP = "partnership", _("Partnership")
        PLAN = "plan", _("Plan")
        KEY_RESULT = "key_result", _("Key result")
        OPPORTUNITY = "opportunity", _("Opportunity")
        REGISTRATION = "registration", _("Deal registration")
        CERTIFICATION = "certification", _("Certification")

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey("plans.Plan", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    rule = models.CharField(max_length=60)
    target_type = models.CharField(max_length=14, choices=Target.choices)
    target_id = models.PositiveBigIntegerField()
    side = models.CharField(max_length=8, default="vendor", help_text=_("vendor, partner or both"))
    priority = models.PositiveSmallIntegerField(default=50, help_text=_("0-100, higher first"))
    title = models.CharField(max_length=300)
    detail = models.CharField(max_length=500, blank=True)
    evidence = models.JSONField(default=list, blank=True, help_text=_("[{label, url}] the rows behind it"))
    fingerprint = models.CharField(max_length=64)
    activity_title = models.CharField(max_length=200, blank=True)
    owner_side = models.CharField(max_length=8, default="vendor")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    snoozed_until = models.DateField(null=True, blank=True)
    dismiss_reason = models.CharField(max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    activity = models.ForeignKey("plans.Activity", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "rule", "target_type", "target_id"],
                condition=Q(status__in=["open", "snoozed"]),
                name="suggestion_one_open_per_rule_target",
            )
        ]
        indexes = [
            models.Index(fields=["organization", "status", "-priority"]),
            models.Index(fields=["organization", "partnership", "status"]),
            models.Index(fields=["organization", "rule", "status"]),
        ]
        ordering = ["-priority", "-created_at", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def rationale(self) -> str:
        """Why the rule suggests it: the rule's docstring (workspaces.nba_rules)."""
        from workspaces.nba_rules import rationale_for

        return rationale_for(self.rule)
