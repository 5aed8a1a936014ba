from django.conf import settings
from django.db import models
from django.db.models import Q

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
        PROSPECT = "prospect", "Prospect"
        VETTING = "vetting", "Vetting"
        ONBOARDING = "onboarding", "Onboarding"
        ACTIVE = "active", "Active"
        AT_RISK = "at_risk", "At risk"
        INACTIVE = "inactive", "Inactive"

    class Maturity(models.TextChoices):
        SALES = "sales", "Sales"
        ADVISOR = "advisor", "Advisor"
        CONSULTANT = "consultant", "Consultant"
        BUSINESS_PARTNER = "business_partner", "Business partner"

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, help_text="Web domain, e.g. acme.com")
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    logo = models.ImageField(upload_to="partner-logos/", blank=True)
    types = models.ManyToManyField(PartnerType, blank=True, related_name="partners")
    archetype = models.ForeignKey(Archetype, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    segment = models.ForeignKey(Segment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    is_focus = models.BooleanField("focus partner", default=False, help_text="Focus partner, not long tail")
    region = models.CharField(max_length=8, choices=Region.choices, blank=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166 alpha-2, e.g. DE")
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
        help_text="Furthest stage reached across the partner's partnerships",
    )
    relationship_maturity = models.CharField(max_length=20, choices=Maturity.choices, default=Maturity.SALES)
    linked_organization = models.ForeignKey(
        "pom.Organization",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text="The partner's own organization, when it is on POM too",
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "domain"],
                condition=~Q(domain=""),
                name="partner_unique_domain",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "name"]),
            models.Index(fields=["organization", "status"]),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Contact(OrgOwned):
    class Role(models.TextChoices):
        EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"
        PARTNER_MANAGER = "partner_manager", "Partner manager"
        SALES = "sales", "Sales"
        TECHNICAL = "technical", "Technical"
        MARKETING = "marketing", "Marketing"

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
        RESELLER = "reseller", "Reseller"
        REFERRAL = "referral", "Referral"
        TECHNOLOGY = "technology", "Technology"
        SERVICES = "services", "Services"
        MARKETPLACE = "marketplace", "Marketplace"
        ALLIANCE = "alliance", "Alliance"

    class Compensation(models.TextChoices):
        PERCENT = "percent", "Percentage of deal value"
        FIXED_FEE = "fixed_fee", "Fixed fee per converted lead"
        NONE = "none", "None"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=12, choices=Kind.choices)
    description = models.TextField(blank=True)
    compensation_model = models.CharField(max_length=10, choices=Compensation.choices, default=Compensation.NONE)
    rate = models.DecimalField(
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Percent for percentage programs, amount per converted lead for fixed-fee programs",
    )
    currency = models.CharField(max_length=3, default="EUR", validators=[currency_validator])
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="program_unique_name")]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Tier(OrgOwned):
    program = models.ForeignKey(Program, on_delete=models.CASCADE, related_name="tiers")
    name = models.CharField(max_length=80)
    rank = models.PositiveSmallIntegerField(help_text="1 is the entry tier; higher ranks are higher tiers")
    required_revenue = models.DecimalField(max_digits=14, decimal_places=2, null=True, blank=True)
    revenue_period_months = models.PositiveSmallIntegerField(default=12)
    required_certifications = models.PositiveSmallIntegerField(default=0)
    required_points = models.PositiveIntegerField(default=0)
    benefits = models.JSONField(default=list, blank=True, help_text="List of benefit texts")

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
        APPLIED = "applied", "Applied"
        ONBOARDING = "onboarding", "Onboarding"
        ACTIVE = "active", "Active"
        SUSPENDED = "suspended", "Suspended"
        ENDED = "ended", "Ended"

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
        UPLOADED = "uploaded", "Uploaded"
        PREVIEWED = "previewed", "Previewed"
        IMPORTED = "imported", "Imported"
        FAILED = "failed", "Failed"

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    original_name = models.CharField(max_length=255)
    file_path = models.CharField(max_length=500, help_text="Path of the stored upload, relative to MEDIA_ROOT")
    file_type = models.CharField(max_length=4, choices=[("csv", "CSV"), ("xlsx", "Excel")])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    headers = models.JSONField(default=list, blank=True)
    mapping = models.JSONField(default=dict, blank=True, help_text="Target field -> column header")
    row_count = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True, help_text="[{row, field, message}]")
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Import of {self.original_name}"
