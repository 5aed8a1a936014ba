"""The joint pipeline, deal registration and the partner-credit ledger."""

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from attribution.currencies import iso_currency_validator
from pom.models import OrgOwned, Region

MONEY = {"max_digits": 14, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"), "Must be zero or more.")]


class InfluenceType(OrgOwned):
    """A kind of partner contribution (co-sell call, intel shared…), configurable per organization."""

    name = models.CharField(max_length=80)
    slug = models.SlugField(max_length=80)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "slug"], name="influencetype_unique_slug")]
        ordering = ["order", "name"]

    def __str__(self) -> str:
        return self.name


class Account(OrgOwned):
    """A customer or prospect company in the vendor's CRM."""

    class Type(models.TextChoices):
        CUSTOMER = "customer", _("Customer")
        PROSPECT = "prospect", _("Prospect")

    name = models.CharField(max_length=200)
    name_key = models.CharField(max_length=200, blank=True, editable=False, help_text=_("Normalised company name"))
    domain = models.CharField(max_length=253, blank=True, help_text=_("Normalised web domain, e.g. acme.com"))
    industry = models.CharField(max_length=80, blank=True)
    region = models.CharField(max_length=8, choices=Region.choices, blank=True)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.PROSPECT)
    crm_id = models.CharField(_("CRM id"), max_length=64, blank=True)
    # Account-mapping keys, written at ingest (attribution.normalize): the registrable domain as an
    # integer, and registration numbers in one spelling, so overlaps are exact joins.
    domain_key = models.BigIntegerField(null=True, blank=True, editable=False)
    duns = models.CharField(_("D-U-N-S number"), max_length=9, blank=True)
    vat = models.CharField(_("VAT number"), max_length=15, blank=True)
    siret = models.CharField(_("SIRET"), max_length=14, blank=True)
    # Account status over time and the integrations in place: what the customer metrics of partner unit
    # economics (retention, churn, lifetime value, ARR by number of integrations) are computed from.
    customer_since = models.DateField(null=True, blank=True, help_text=_("When the account became a customer"))
    churned_on = models.DateField(null=True, blank=True, help_text=_("When the customer left, if it did"))
    integrations_count = models.PositiveSmallIntegerField(
        _("integrations in place"),
        default=0,
        help_text=_("How many integrations with other products the customer runs"),
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "crm_id"], condition=~Q(crm_id=""), name="account_unique_crm_id"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "domain"]),
            models.Index(fields=["organization", "name_key"]),
            models.Index(fields=["organization", "domain_key", "id"], name="account_domain_key"),
        ]
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.customer_since and self.churned_on and self.churned_on < self.customer_since:
            raise ValidationError({"churned_on": "A customer cannot churn before it became one."})


class Opportunity(OrgOwned):
    """A deal in the vendor's pipeline; partners are attached through OpportunityPartner."""

    class Stage(models.TextChoices):
        PROSPECTING = "prospecting", _("Prospecting")
        QUALIFICATION = "qualification", _("Qualification")
        SOLUTION = "solution", _("Solution design")
        PROPOSAL = "proposal", _("Proposal")
        NEGOTIATION = "negotiation", _("Negotiation")
        CLOSED = "closed", _("Closed")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        WON = "won", _("Won")
        LOST = "lost", _("Lost")

    class Type(models.TextChoices):
        NEW = "new", "New business"
        RENEWAL = "renewal", "Renewal"
        EXPANSION = "expansion", "Expansion"

    # RESTRICT: an account with deals cannot be deleted alone, but goes with its organization.
    account = models.ForeignKey(Account, on_delete=models.RESTRICT, related_name="opportunities")
    name = models.CharField(max_length=200)
    amount = models.DecimalField(**MONEY, validators=NON_NEGATIVE)
    currency = models.CharField(max_length=3, default="EUR", validators=[iso_currency_validator])
    stage = models.CharField(max_length=16, choices=Stage.choices, default=Stage.PROSPECTING)
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    type = models.CharField(max_length=10, choices=Type.choices, default=Type.NEW)
    created_on = models.DateField(help_text=_("When the deal was created in the CRM"))
    expected_close = models.DateField(null=True, blank=True)
    closed_on = models.DateField(null=True, blank=True)
    products = models.JSONField(default=list, blank=True, help_text=_("Product codes or names"))
    joint_solution = models.CharField(max_length=120, blank=True)
    campaign_code = models.CharField(
        max_length=40, blank=True, help_text=_("Marketing campaign that produced it, e.g. the code of an MDF request")
    )
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    crm_id = models.CharField(_("CRM id"), max_length=64, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "crm_id"], condition=~Q(crm_id=""), name="opportunity_unique_crm_id"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "status", "stage"]),
            models.Index(fields=["organization", "expected_close"]),
            models.Index(fields=["organization", "account"]),
            models.Index(fields=["organization", "campaign_code"]),
        ]
        ordering = ["-created_on", "-id"]
        verbose_name_plural = "opportunities"

    def __str__(self) -> str:
        return self.name

    @property
    def close_date(self):
        return self.closed_on or self.expected_close


class OpportunityPartner(OrgOwned):
    """A partnership involved in an opportunity, with its role."""

    class Role(models.TextChoices):
        SOURCED = "sourced", _("Sourced")
        INFLUENCED = "influenced", _("Influenced")
        FULFILMENT = "fulfilment", _("Fulfilment")
        TECHNICAL = "technical", _("Technical")
        REFERRAL = "referral", _("Referral")

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="partners")
    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="opportunity_links")
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.INFLUENCED)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    ae_confirmed = models.BooleanField(_("confirmed by the account executive"), default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "opportunity", "partnership"], name="opportunitypartner_unique"
            ),
        ]
        indexes = [models.Index(fields=["organization", "partnership", "role"])]
        ordering = ["opportunity", "id"]

    def __str__(self) -> str:
        return f"{self.partnership_id} {self.role} on {self.opportunity_id}"


class Touchpoint(OrgOwned):
    """A dated partner contribution on an opportunity or an account, with its evidence."""

    class Phase(models.TextChoices):
        PRE_SALE = "pre_sale", _("Pre-sale")
        POINT_OF_SALE = "point_of_sale", _("Point of sale")
        POST_SALE = "post_sale", _("Post-sale")

    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.CASCADE, null=True, blank=True, related_name="touchpoints"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, null=True, blank=True, related_name="touchpoints")
    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="touchpoints")
    influence_type = models.ForeignKey(InfluenceType, on_delete=models.RESTRICT, related_name="touchpoints")
    phase = models.CharField(max_length=14, choices=Phase.choices, default=Phase.PRE_SALE)
    occurred_at = models.DateTimeField()
    note = models.TextField(_("evidence note"), blank=True)
    link = models.URLField(_("evidence link"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(opportunity__isnull=False) | Q(account__isnull=False), name="touchpoint_has_target"
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "opportunity", "occurred_at"]),
            models.Index(fields=["organization", "account", "occurred_at"]),
        ]
        ordering = ["occurred_at", "id"]

    def __str__(self) -> str:
        return f"Touchpoint {self.pk}"


class DealRegistration(OrgOwned):
    """A deal a partnership claims; conflicts are computed at submission and stored on the row."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        INFO_REQUESTED = "info_requested", _("Information requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        EXPIRED = "expired", _("Expired")

    class Via(models.TextChoices):
        PARTNER = "partner", _("Partner")
        VENDOR = "vendor", _("Vendor")

    PENDING = (Status.SUBMITTED, Status.INFO_REQUESTED)

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="registrations")
    customer_name = models.CharField(max_length=200)
    customer_name_key = models.CharField(max_length=200, blank=True, editable=False)
    customer_domain = models.CharField(max_length=253, blank=True)
    value = models.DecimalField(**MONEY, validators=NON_NEGATIVE)
    currency = models.CharField(max_length=3, default="EUR", validators=[iso_currency_validator])
    products = models.JSONField(default=list, blank=True)
    expected_close = models.DateField(null=True, blank=True)
    notes = models.TextField(blank=True)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.SUBMITTED)
    via = models.CharField(max_length=8, choices=Via.choices, default=Via.PARTNER)
    submitted_at = models.DateTimeField()
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_reason = models.TextField(blank=True)
    protection_until = models.DateField(null=True, blank=True)
    opportunity = models.ForeignKey(
        Opportunity, on_delete=models.SET_NULL, null=True, blank=True, related_name="registrations"
    )
    conflicts = models.JSONField(default=list, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "status", "submitted_at"]),
            models.Index(fields=["organization", "customer_domain"]),
            models.Index(fields=["organization", "partnership", "status"]),
        ]
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.customer_name} ({self.get_status_display()})"

    @property
    def is_pending(self) -> bool:
        return self.status in self.PENDING


class RegistrationEvent(OrgOwned):
    """One step of a registration's trail; partner-visible steps are flagged."""

    registration = models.ForeignKey(DealRegistration, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor_label = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=30)
    message = models.TextField(blank=True)
    visible_to_partner = models.BooleanField(default=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "registration", "at"])]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.registration_id}"

    @property
    def kind_label(self) -> str:
        return self.kind.replace("_", " ").capitalize()


class AttributionModel(models.TextChoices):
    SOURCED_INFLUENCED = "sourced_influenced", _("Sourced / influenced")
    FIRST_TOUCH = "first_touch", _("First touch")
    LAST_TOUCH = "last_touch", _("Last touch")
    LINEAR = "linear", _("Linear")
    TIME_DECAY = "time_decay", _("Time decay")
    POSITION_BASED = "position_based", _("Position based")
    RULE_SPLIT = "rule_split", _("Rule split")
    MATERIALITY = "materiality", _("Materiality")
    SHAPLEY = "shapley", _("Shapley value")


def default_models() -> list[str]:
    return [m.value for m in AttributionModel]


class AttributionConfig(OrgOwned):
    """One per organization: which models run and their parameters."""

    models_enabled = models.JSONField(default=default_models)
    primary_model = models.CharField(
        max_length=20, choices=AttributionModel.choices, default=AttributionModel.SOURCED_INFLUENCED
    )
    sourced_weight = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("60"))
    influenced_weight = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("40"))
    half_life_days = models.PositiveIntegerField(default=30, validators=[MinValueValidator(1)])
    position_first = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("40"))
    position_middle = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("20"))
    position_last = models.DecimalField(max_digits=5, decimal_places=2, default=Decimal("40"))
    protection_days = models.PositiveIntegerField(default=90, validators=[MinValueValidator(1)])
    own_domains = models.JSONField(default=list, blank=True, help_text=_("The vendor's own domains"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="attributionconfig_one_per_org")]

    def __str__(self) -> str:
        return f"Attribution settings of {self.organization_id}"


class SplitRule(OrgOwned):
    """A pre-allocated split for a joint solution or product; its shares live in versions."""

    class MatchOn(models.TextChoices):
        JOINT_SOLUTION = "joint_solution", _("Joint solution")
        PRODUCT = "product", _("Product")

    name = models.CharField(max_length=120)
    match_on = models.CharField(max_length=16, choices=MatchOn.choices, default=MatchOn.JOINT_SOLUTION)
    match_value = models.CharField(max_length=120)
    priority = models.PositiveSmallIntegerField(default=100, help_text=_("Lower wins when several rules match"))
    is_active = models.BooleanField(default=True)
    current_version = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="splitrule_unique_name")]
        ordering = ["priority", "name"]

    def __str__(self) -> str:
        return self.name


class SplitRuleVersion(OrgOwned):
    """An immutable set of shares: [{"partnership_id": int, "percent": "30.00"}], total at most 100."""

    rule = models.ForeignKey(SplitRule, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    shares = models.JSONField(default=list)
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "rule", "version"], name="splitruleversion_unique"),
        ]
        ordering = ["rule", "-version"]

    def __str__(self) -> str:
        return f"{self.rule_id} v{self.version}"

    @property
    def total_percent(self) -> Decimal:
        return sum((Decimal(str(s["percent"])) for s in self.shares), Decimal("0"))


SCORE = [MinValueValidator(0, "Scores go from 0 to 5."), MaxValueValidator(5, "Scores go from 0 to 5.")]


class MaterialityScore(OrgOwned):
    """How much a partnership mattered on a deal: 0–5 on sales motion, value proposition and delivery."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="materiality_scores")
    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="+")
    sales_motion = models.PositiveSmallIntegerField(default=0, validators=SCORE)
    value_proposition = models.PositiveSmallIntegerField(default=0, validators=SCORE)
    delivery = models.PositiveSmallIntegerField(default=0, validators=SCORE)
    scored_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "opportunity", "partnership"], name="materiality_unique"),
        ]
        ordering = ["opportunity", "id"]

    @property
    def total(self) -> int:
        return self.sales_motion + self.value_proposition + self.delivery


class AttributionRun(OrgOwned):
    """One recomputation of the ledger; pages poll its status and progress."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    status = models.CharField(max_length=8, choices=Status.choices, default=Status.QUEUED)
    trigger = models.CharField(max_length=20, default="manual")
    progress = models.PositiveSmallIntegerField(default=0)
    opportunities_count = models.PositiveIntegerField(default=0)
    allocations_count = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # The lease of the attempt running it (see attribution.runs): a worker that dies stops extending it,
    # and the run is claimed again by the redelivered task or by `attribution_runs_reclaim` (beat).
    attempts = models.PositiveSmallIntegerField(default=0)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    message = models.CharField(max_length=300, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "status", "-created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Attribution run {self.pk} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)


class CreditAllocation(OrgOwned):
    """The ledger: one row per opportunity, partnership (None = unattributed) and model.

    Derived data, rebuilt by every run (attribution.runs). On PostgreSQL the table is partitioned by
    organization: a run fills a fresh table, builds its indexes and swaps it in as the organization's
    partition in one short transaction. The foreign keys are therefore not enforced by the database
    (`db_constraint=False`); Django still cascades deletions, and a run drops rows of partnerships
    deleted while it ran before the swap.
    """

    organization = models.ForeignKey(
        "pom.Organization", on_delete=models.CASCADE, related_name="+", db_constraint=False
    )
    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="credits", db_constraint=False)
    partnership = models.ForeignKey(
        "partners.Partnership",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="credits",
        db_constraint=False,
    )
    model = models.CharField(max_length=20, choices=AttributionModel.choices)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, default="EUR")
    share = models.DecimalField(max_digits=9, decimal_places=6, default=Decimal("0"))
    rule_version = models.CharField(max_length=160, blank=True)  # "<split rule name (120)> v<version>"
    explanation = models.TextField(blank=True)
    run = models.ForeignKey(
        AttributionRun, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_constraint=False
    )

    class Meta:
        indexes = [
            models.Index(fields=["organization", "model", "partnership"]),
            models.Index(fields=["organization", "opportunity", "model"]),
        ]
        ordering = ["opportunity", "model", "-amount"]

    def __str__(self) -> str:
        return f"{self.model}: {self.amount} to {self.partnership_id or 'unattributed'}"

    @property
    def percent(self) -> Decimal:
        return self.share * 100


# Account mapping and co-sell, incentives, market development funds and joint solutions live in their own
# modules; imported here so migrations and the app see them.
from attribution.mapping_models import (  # noqa: E402, F401
    AccountMap,
    AccountMatch,
    CoSellRequest,
    CoSellSettings,
    MatchDecision,
    PartnerAccount,
    PartnerAccountList,
    Population,
    SharingRule,
)
from attribution.models_incentives import Accrual, CommissionRule, Statement  # noqa: E402, F401
from attribution.models_mdf import MdfBudget, MdfClaim, MdfEvent, MdfProof, MdfRequest  # noqa: E402, F401
from attribution.models_solutions import (  # noqa: E402, F401
    JointSolution,
    SolutionPartner,
    SolutionStep,
    SolutionTemplate,
    SolutionTemplateStep,
)
