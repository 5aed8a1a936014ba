from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from pom.models import OrgOwned


class Side(models.TextChoices):
    VENDOR = "vendor", _("Vendor")
    PARTNER = "partner", _("Partner")
    BOTH = "both", _("Both")


class Plan(OrgOwned):
    """A mutual success plan on one partnership: objectives, key results and activities for a period."""

    class Kind(models.TextChoices):
        ONBOARDING = "onboarding", _("Onboarding")
        JOINT_BUSINESS = "joint_business", _("Joint business plan")
        TECHNOLOGY_LAUNCH = "technology_launch", _("Technology launch")
        CUSTOM = "custom", _("Custom")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PROPOSED = "proposed", _("Proposed")
        VALIDATED = "validated", _("Validated")
        CLOSED = "closed", _("Closed")

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="plans")
    template = models.ForeignKey(
        "plans.PlanTemplate", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    name = models.CharField(max_length=150)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.CUSTOM)
    description = models.TextField(blank=True)
    period_start = models.DateField()
    period_end = models.DateField()
    phases = models.JSONField(default=list, blank=True, help_text=_("Ordered phase names, e.g. Discovery, Launch"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    vendor_approved_at = models.DateTimeField(null=True, blank=True)
    vendor_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    partner_approved_at = models.DateTimeField(null=True, blank=True)
    partner_approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("A partner person approving in the workspace, or the vendor user who recorded it"),
    )
    partner_approval_note = models.CharField(max_length=500, blank=True)
    validated_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "status"]),
            models.Index(fields=["organization", "partnership"]),
        ]
        ordering = ["-period_start", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.status == self.Status.CLOSED


class PlanVersion(OrgOwned):
    """A frozen snapshot of a plan as both sides validated it."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    snapshot = models.JSONField(default=dict)
    validated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "plan", "number"], name="planversion_unique_number")
        ]
        ordering = ["plan", "-number"]

    def __str__(self) -> str:
        return f"{self.plan_id} v{self.number}"


class Objective(OrgOwned):
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="objectives")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    phase = models.CharField(max_length=80, blank=True)
    weight = models.DecimalField(
        max_digits=6, decimal_places=2, default=1, validators=[MinValueValidator(0)], help_text=_("Relative weight")
    )
    responsible_side = models.CharField(max_length=8, choices=Side.choices, default=Side.BOTH)
    tags = models.JSONField(default=list, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organization", "plan", "order"])]
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.title


class KeyResult(OrgOwned):
    """A lagging indicator measured by check-ins: progress runs from baseline to target."""

    class Unit(models.TextChoices):
        CURRENCY = "currency", _("Amount")
        COUNT = "count", _("Count")
        PERCENT = "percent", _("Percent")
        BOOLEAN = "boolean", _("Yes / no")

    class Direction(models.TextChoices):
        INCREASE = "increase", _("Increase")
        DECREASE = "decrease", _("Decrease")

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="key_results")
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.COUNT)
    direction = models.CharField(max_length=8, choices=Direction.choices, default=Direction.INCREASE)
    baseline = models.DecimalField(max_digits=16, decimal_places=2, default=0)
    target = models.DecimalField(max_digits=16, decimal_places=2, null=True, blank=True)
    current_value = models.DecimalField(
        max_digits=16, decimal_places=2, null=True, blank=True, help_text=_("Last checked-in value; empty before any")
    )
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=1, validators=[MinValueValidator(0)])
    responsible_side = models.CharField(max_length=8, choices=Side.choices, default=Side.BOTH)
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    start_date = models.DateField(null=True, blank=True, help_text=_("Defaults to the plan's start"))
    due_date = models.DateField(null=True, blank=True, help_text=_("Defaults to the plan's end"))
    update_frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    last_checkin_at = models.DateTimeField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organization", "plan", "order"])]
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.name


class CheckIn(OrgOwned):
    """A new value for a key result, with a note; the history is kept and charted."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="checkins")
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="checkins")
    value = models.DecimalField(max_digits=16, decimal_places=2)
    note = models.TextField(blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_by_label = models.CharField(max_length=200, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "key_result", "created_at"])]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.key_result_id}: {self.value}"


class Activity(OrgOwned):
    """A leading indicator: a piece of work one side commits to do."""

    class Type(models.TextChoices):
        MEETING = "meeting", _("Meeting")
        TRAINING = "training", _("Training")
        JOINT_CALL = "joint_call", _("Joint call")
        EVENT = "event", _("Event")
        CAMPAIGN = "campaign", _("Campaign")
        CONTENT = "content", _("Content")
        TECHNICAL = "technical", _("Technical")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        BLOCKED = "blocked", _("Blocked")
        CANCELLED = "cancelled", _("Cancelled")

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="activities")
    objective = models.ForeignKey(
        Objective, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    key_result = models.ForeignKey(
        KeyResult, on_delete=models.SET_NULL, null=True, blank=True, related_name="activities"
    )
    meeting = models.ForeignKey(
        "plans.Meeting", on_delete=models.SET_NULL, null=True, blank=True, related_name="follow_ups"
    )
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    type = models.CharField(max_length=12, choices=Type.choices, default=Type.OTHER)
    owner_side = models.CharField(max_length=8, choices=Side.choices, default=Side.VENDOR)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(default=0, validators=[MinValueValidator(0), MaxValueValidator(100)])
    completed_at = models.DateTimeField(null=True, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "plan", "status"]),
            models.Index(fields=["organization", "due_date"]),
        ]
        ordering = ["due_date", "order", "id"]
        verbose_name_plural = "activities"

    def __str__(self) -> str:
        return self.title


class PlanTemplate(OrgOwned):
    """A reusable plan outline. `content` holds objectives with key results and activities:

    {"objectives": [{"title", "description", "phase", "weight", "responsible_side",
                     "key_results": [{"name", "unit", "direction", "baseline", "target", "update_frequency",
                                      "responsible_side"}],
                     "activities": [{"title", "type", "owner_side", "due_offset_days"}]}],
     "activities": [...]}  # activities not tied to an objective
    """

    name = models.CharField(max_length=150)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=20, choices=Plan.Kind.choices, default=Plan.Kind.CUSTOM)
    duration_days = models.PositiveSmallIntegerField(default=90, validators=[MinValueValidator(1)])
    phases = models.JSONField(default=list, blank=True)
    content = models.JSONField(default=dict, blank=True)
    is_default = models.BooleanField(default=False, help_text=_("Seeded by POM; clone it to adapt it"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="plantemplate_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Meeting(OrgOwned):
    """A governance meeting on a partnership: who came, what was decided, what follows."""

    class Kind(models.TextChoices):
        KICK_OFF = "kick_off", _("Kick-off")
        MONTHLY_REVIEW = "monthly_review", _("Monthly review")
        QBR = "qbr", _("Quarterly business review")
        STEERING = "steering", _("Steering committee")

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="plan_meetings")
    plan = models.ForeignKey(Plan, on_delete=models.SET_NULL, null=True, blank=True, related_name="meetings")
    kind = models.CharField(max_length=16, choices=Kind.choices, default=Kind.MONTHLY_REVIEW)
    title = models.CharField(max_length=200, blank=True)
    date = models.DateField()
    vendor_attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="MeetingVendorAttendee", blank=True, related_name="+"
    )
    partner_attendees = models.ManyToManyField(
        "partners.Contact", through="MeetingPartnerAttendee", blank=True, related_name="+"
    )
    other_attendees = models.CharField(
        max_length=500,
        blank=True,
        help_text=_("Names or e-mails of partner attendees not in the contacts, comma-separated"),
    )
    agenda = models.TextField(blank=True)
    notes = models.TextField(blank=True)
    decisions = models.TextField(blank=True, help_text=_("One decision per line"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["organization", "partnership", "date"])]
        ordering = ["-date", "-id"]

    def __str__(self) -> str:
        return self.title or f"{self.get_kind_display()} {self.date:%Y-%m-%d}"

    @property
    def decision_list(self) -> list[str]:
        return [line.strip(" -•\t") for line in self.decisions.splitlines() if line.strip(" -•\t")]


class MeetingVendorAttendee(OrgOwned):
    """A vendor user at a meeting: the through-row carries the organization like every tenant row."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="vendor_attendee_links")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "meeting", "user"], name="meeting_vendor_attendee_unique"),
        ]

    def __str__(self) -> str:
        return f"user {self.user_id} at {self.meeting_id}"


class MeetingPartnerAttendee(OrgOwned):
    """A partner contact at a meeting: the through-row carries the organization like every tenant row."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="partner_attendee_links")
    contact = models.ForeignKey("partners.Contact", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "meeting", "contact"], name="meeting_partner_attendee_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"contact {self.contact_id} at {self.meeting_id}"
