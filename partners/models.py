from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pom.models import OrgOwned, Region, SizeBand, currency_validator


class TaxonomyTerm(OrgOwned):
    """A per-organization term (partner type, archetype, segment), seeded with defaults."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80)
    description = models.CharField(max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        abstract = True
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class PartnerType(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="partnertype_unique_slug")]


class Archetype(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="archetype_unique_slug")]


class Segment(TaxonomyTerm):
    class Meta(TaxonomyTerm.Meta):
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="segment_unique_slug")]


class JourneyTemplate(OrgOwned):
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    is_default = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="journeytemplate_unique_name"),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(is_default=True),
                name="journeytemplate_one_default",
            ),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class JourneyStage(OrgOwned):
    template = models.ForeignKey(JourneyTemplate, on_delete=models.CASCADE, related_name="stages")
    name = models.CharField(max_length=80)
    order = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "template", "order"], name="journeystage_unique_order")
        ]
        ordering = ["template", "order"]

    def __str__(self) -> str:
        return self.name


class JourneyStep(OrgOwned):
    stage = models.ForeignKey(JourneyStage, on_delete=models.CASCADE, related_name="steps")
    name = models.CharField(max_length=120)
    order = models.PositiveSmallIntegerField()
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "stage", "order"], name="journeystep_unique_order")
        ]
        ordering = ["stage__order", "order"]

    def __str__(self) -> str:
        return self.name


class Partner(OrgOwned):
    class Status(models.TextChoices):
        PROSPECT = "prospect", _("Prospect")
        VETTING = "vetting", _("Vetting")
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        AT_RISK = "at_risk", _("At risk")
        INACTIVE = "inactive", _("Inactive")

    class Maturity(models.TextChoices):
        SALES = "sales", _("Sales")
        ADVISOR = "advisor", _("Advisor")
        CONSULTANT = "consultant", _("Consultant")
        BUSINESS_PARTNER = "business_partner", _("Business partner")

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, help_text=_("Web domain, e.g. acme.com"))
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to="partner-logos/", blank=True)
    types = models.ManyToManyField(PartnerType, through="PartnerTypeLink", blank=True, related_name="partners")
    archetype = models.ForeignKey(Archetype, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    segment = models.ForeignKey(Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    is_focus = models.BooleanField(_("focus partner"), default=False, help_text=_("Focus partner, not long tail"))
    region = models.CharField(max_length=8, choices=Region.choices, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text=_("ISO 3166 alpha-2, e.g. DE"))
    size_band = models.CharField(max_length=10, choices=SizeBand.choices, blank=True)
    industry = models.CharField(max_length=80, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PROSPECT)
    journey_stage = models.ForeignKey(
        JourneyStage,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Furthest stage reached across the partner's partnerships"),
    )
    relationship_maturity = models.CharField(max_length=20, choices=Maturity.choices, default=Maturity.SALES)
    linked_organization = models.ForeignKey(
        "pom.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The partner's own organization, when it is on POM too"),
    )
    # Kept by database triggers on partners_partnership (partners/partnership_count.py), never by Python:
    # `save()` leaves it out, so a partner loaded before a partnership was added cannot write a stale count.
    partnership_count = models.PositiveIntegerField(_("partnerships"), default=0, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "domain"],
                condition=~Q(domain=""),
                name="partner_unique_domain",
            ),
        ]
        indexes = [
            # The list's default order (name, then id) read off the index alone: the API pages ids first.
            models.Index(fields=["organization", "name", "id"], name="partner_org_name_id"),
            models.Index(fields=["organization", "status"]),
            # The list's two partnership-count sorts (count, then name) read the page off an index.
            models.Index(fields=["organization", "partnership_count", "name"], name="partner_org_pcount_name"),
            models.Index(fields=["organization", "-partnership_count", "name"], name="partner_org_pcount_desc_name"),
        ]
        ordering = ["name"]

    def save(self, *args, **kwargs):
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [
                f.name for f in self._meta.concrete_fields if not f.primary_key and f.name != "partnership_count"
            ]
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.name


class PartnerTypeLink(OrgOwned):
    """A partner's type: the through-row carries the organization like every tenant row."""

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="type_links")
    partner_type = models.ForeignKey(PartnerType, on_delete=models.CASCADE, related_name="partner_links")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partner", "partner_type"], name="partner_type_link_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.partner_id} is {self.partner_type_id}"


class Contact(OrgOwned):
    class Role(models.TextChoices):
        EXECUTIVE_SPONSOR = "executive_sponsor", _("Executive sponsor")
        PARTNER_MANAGER = "partner_manager", _("Partner manager")
        SALES = "sales", _("Sales")
        TECHNICAL = "technical", _("Technical")
        MARKETING = "marketing", _("Marketing")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=150)
    email = models.EmailField(blank=True)
    title = models.CharField(max_length=150, blank=True)
    phone = models.CharField(max_length=40, blank=True)
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PARTNER_MANAGER)

    class Meta:
        indexes = [models.Index(fields=["organization", "email"])]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Program(OrgOwned):
    class Kind(models.TextChoices):
        RESELLER = "reseller", _("Reseller")
        REFERRAL = "referral", _("Referral")
        TECHNOLOGY = "technology", _("Technology")
        SERVICES = "services", _("Services")
        MARKETPLACE = "marketplace", _("Marketplace")
        ALLIANCE = "alliance", _("Alliance")

    class Compensation(models.TextChoices):
        PERCENT = "percent", _("Percentage of deal value")
        FIXED_FEE = "fixed_fee", _("Fixed fee per converted lead")
        NONE = "none", _("None")

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.TextField(blank=True)
    compensation_model = models.CharField(max_length=10, choices=Compensation.choices, default=Compensation.NONE)
    rate = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Percent for percentage programs, amount per converted lead for fixed-fee programs"),
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_validator])
    is_active = models.BooleanField(default=True)
    # Programs in motion (points, tier reviews, payouts): see partners/points.py and partners/tiers.py.
    points_expiry_months = models.PositiveSmallIntegerField(
        default=24, help_text=_("Points expire this many months after they were earned; 0 keeps them forever")
    )
    tier_auto_apply = models.BooleanField(
        default=False, help_text=_("Apply tier moves when the review proposes them, instead of waiting for a manager")
    )
    downgrade_grace_days = models.PositiveSmallIntegerField(
        default=90, help_text=_("Days a partnership keeps its tier after a review finds it below the requirements")
    )
    payment_terms_days = models.PositiveSmallIntegerField(
        default=30, help_text=_("Days after a statement period ends when its commissions are expected to be paid")
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="program_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tier(OrgOwned):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(max_length=80)
    rank = models.PositiveSmallIntegerField(help_text=_("1 is the entry tier; higher ranks are higher tiers"))
    required_revenue = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    revenue_period_months = models.PositiveSmallIntegerField(default=12)
    required_certifications = models.PositiveSmallIntegerField(default=0)
    required_points = models.PositiveIntegerField(default=0)
    required_references = models.PositiveSmallIntegerField(default=0, help_text=_("Customer references needed"))
    annual_fee = models.DecimalField(
        max_digits=12, decimal_places=2, null=True, blank=True, help_text=_("Annual fee that must be paid, if any")
    )
    benefits = models.JSONField(default=list, blank=True, help_text=_("List of benefit texts"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "program", "rank"], name="tier_unique_rank"),
            models.UniqueConstraint(fields=["organization", "program", "name"], name="tier_unique_name"),
        ]
        ordering = ["program", "rank"]

    def __str__(self) -> str:
        return f"{self.program.name} · {self.name}" if self.program_id else self.name


class Partnership(OrgOwned):
    """One partner in one program. Plans, credit and workspaces hang on this."""

    class Status(models.TextChoices):
        APPLIED = "applied", _("Applied")
        ONBOARDING = "onboarding", _("Onboarding")
        ACTIVE = "active", _("Active")
        SUSPENDED = "suspended", _("Suspended")
        ENDED = "ended", _("Ended")

    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="partnerships")
    program = models.ForeignKey(Program, on_delete=models.RESTRICT, related_name="partnerships")
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.ONBOARDING)
    tier = models.ForeignKey(Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="partnerships")
    start_date = models.DateField(null=True, blank=True)
    renewal_date = models.DateField(null=True, blank=True)
    agreement_signed_on = models.DateField(null=True, blank=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    notes = models.TextField(blank=True)
    journey_template = models.ForeignKey(
        JourneyTemplate, on_delete=models.RESTRICT, null=True, blank=True, related_name="+"
    )
    current_stage = models.ForeignKey(JourneyStage, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    stage_entered_at = models.DateTimeField(null=True, blank=True)
    customer_references = models.PositiveSmallIntegerField(
        default=0, help_text=_("Customers who agreed to be a reference")
    )
    fee_paid_until = models.DateField(null=True, blank=True, help_text=_("The program fee is paid up to this date"))
    tier_since = models.DateField(null=True, blank=True, help_text=_("When the partnership entered its current tier"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "partner", "program"], name="partnership_unique_pair"),
        ]
        indexes = [models.Index(fields=["organization", "program", "status"])]
        ordering = ["partner__name", "program__name"]

    def __str__(self) -> str:
        if self.partner_id and self.program_id:
            return f"{self.partner.name} · {self.program.name}"
        return f"Partnership {self.pk}"


class StageEntry(OrgOwned):
    """History of journey stages a partnership entered."""

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="stage_entries")
    stage = models.ForeignKey(JourneyStage, on_delete=models.CASCADE, related_name="+")
    entered_at = models.DateTimeField()
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["entered_at"]
        indexes = [models.Index(fields=["organization", "partnership", "entered_at"])]


class StepCompletion(OrgOwned):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="step_completions")
    step = models.ForeignKey(JourneyStep, on_delete=models.CASCADE, related_name="+")
    completed_at = models.DateTimeField()
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "partnership", "step"], name="stepcompletion_unique")
        ]


class Certification(OrgOwned):
    partner = models.ForeignKey(Partner, on_delete=models.CASCADE, related_name="certifications")
    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, related_name="certifications"
    )
    name = models.CharField(max_length=150)
    issued_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "expires_on"])]
        ordering = ["expires_on", "name"]

    def __str__(self) -> str:
        return self.name


class ImportRun(OrgOwned):
    """One spreadsheet import: the stored upload, the column mapping, and what the preview or commit found."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Uploaded")
        PREVIEWED = "previewed", _("Previewed")
        IMPORTING = "importing", _("Importing")
        IMPORTED = "imported", _("Imported")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    original_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500, help_text=_("Path of the stored upload, relative to MEDIA_ROOT"))
    file_type = models.CharField(max_length=4, choices=[("csv", _("CSV")), ("xlsx", _("Excel"))])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True, help_text=_("Target field -> column header"))
    row_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text=_("[{row, field, message}]"))
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.original_name}"


# Points and tier reviews ------------------------------------------------------------------------


class PointActivity(models.TextChoices):
    CERTIFICATION = "certification", _("Certification earned")
    TRAINING = "training", _("Training completed")
    DEAL_WON = "deal_won", _("Deal won (per amount)")
    CO_MARKETING = "co_marketing", _("Co-marketing event held")
    PLAN_VALIDATED = "plan_validated", _("Plan validated")
    CASE_STUDY = "case_study", _("Case study published")
    OTHER = "other", _("Other")


class PointRule(OrgOwned):
    """Points a program gives for one kind of activity; deal-won rules give `points` per `per_amount`."""

    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="point_rules")
    activity = models.CharField(max_length=16, choices=PointActivity.choices)
    name = models.CharField(max_length=120)
    points = models.PositiveIntegerField()
    per_amount = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("Deal-won rules: points for every full amount of this size (in the deal's currency)"),
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "program", "name"], name="pointrule_unique_name"),
        ]
        indexes = [models.Index(fields=["organization", "program", "activity"])]
        ordering = ["program", "activity", "name"]

    def __str__(self) -> str:
        return self.name


class PointEntry(OrgOwned):
    """One line of a partnership's points ledger: an award, a manual award or correction, or an expiry."""

    class Kind(models.TextChoices):
        AWARD = "award", _("Award")
        MANUAL = "manual", _("Manual award")
        CORRECTION = "correction", _("Correction")
        EXPIRY = "expiry", _("Expiry")

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="point_entries")
    rule = models.ForeignKey(PointRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="entries")
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.AWARD)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.APPROVED)
    points = models.IntegerField()
    occurred_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    evidence = models.CharField(max_length=500, blank=True)
    reason = models.TextField(blank=True)
    source_key = models.CharField(
        max_length=120, blank=True, help_text=_("What earned it (e.g. certification:12); one entry per source")
    )
    expired_entry = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="expiries")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    approved_label = models.CharField(
        max_length=200, blank=True, help_text=_("Who approved it (a person, a rule, a key)")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "source_key"],
                condition=~Q(source_key=""),
                name="pointentry_unique_source",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "partnership", "status", "occurred_on"]),
            models.Index(fields=["organization", "status", "expires_on"]),
        ]
        ordering = ["-occurred_on", "-id"]
        verbose_name_plural = "point entries"

    def __str__(self) -> str:
        return f"{self.points:+d} points ({self.get_kind_display()})"


class TierMove(OrgOwned):
    """A tier review's proposal for one partnership: up, down, or onto its first tier, with the reasons."""

    class Direction(models.TextChoices):
        UPGRADE = "upgrade", _("Upgrade")
        DOWNGRADE = "downgrade", _("Downgrade")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        APPLIED = "applied", _("Applied")
        DISMISSED = "dismissed", _("Dismissed")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="tier_moves")
    from_tier = models.ForeignKey(Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    to_tier = models.ForeignKey(Tier, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PROPOSED)
    reasons = models.JSONField(
        default=list, blank=True, help_text=_("Requirement by requirement: [{key, label, required, actual, met, why}]")
    )
    proposed_on = models.DateField()
    grace_until = models.DateField(null=True, blank=True, help_text=_("A downgrade cannot apply before this date"))
    effective_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership"],
                condition=Q(status="proposed"),
                name="tiermove_one_open_per_partnership",
            ),
        ]
        indexes = [models.Index(fields=["organization", "status", "-proposed_on"])]
        ordering = ["-proposed_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} of partnership {self.partnership_id}"


from partners.assessment_models import (  # noqa: E402, F401  (assessments live in their own module)
    AssessmentCampaign,
    AssessmentInvitation,
    AssessmentKind,
    AssessmentResponse,
    AssessmentRound,
    AssessmentSide,
    HealthAnswer,
    HealthQuestion,
    SatisfactionScale,
    SatisfactionScore,
    Swot,
)
