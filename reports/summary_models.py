"""Summary tables behind the dashboards: per-organization aggregates rebuilt by a task (reports.summary).

Derived data only: a refresh replaces an organization's rows in one transaction, so a page reads either
the previous or the new computation, never half of one. Dimension columns hold plain ids (no foreign
keys): the rows are rebuilt from the source tables and a deleted program or owner simply drops out at
the next refresh. Every composite index starts with `organization` (see ARCHITECTURE.md).
"""

from django.db import models

from pom.models import OrgOwned

MONEY = {"max_digits": 18, "decimal_places": 2}


class Attachment(models.TextChoices):
    SOURCED = "sourced", "Partner-sourced"
    INFLUENCED = "influenced", "Partner-influenced"
    DIRECT = "direct", "Direct"


class DealSummary(OrgOwned):
    """Deals counted once per month and dimension set.

    `basis=created`: every deal at the month it was created (pipeline, lead conversion).
    `basis=closed`: won and lost deals at the month they closed (revenue, win rate, deal size, cycle).
    The dimensions of a partner-attached deal are those of its lead partnership (the first sourcing
    partnership, else the first attached one).
    """

    class Basis(models.TextChoices):
        CREATED = "created", "Created"
        CLOSED = "closed", "Closed"

    basis = models.CharField(max_length=8, choices=Basis.choices)
    month = models.DateField()
    attachment = models.CharField(max_length=10, choices=Attachment.choices)
    program_id = models.IntegerField(null=True)
    tier_id = models.IntegerField(null=True)
    partner_type_id = models.IntegerField(null=True)
    owner_id = models.IntegerField(null=True)
    region = models.CharField(max_length=8, blank=True)
    deal_type = models.CharField(max_length=10)
    status = models.CharField(max_length=8)
    deals = models.PositiveIntegerField(default=0)
    won_deals = models.PositiveIntegerField(default=0)
    amount = models.DecimalField(**MONEY, default=0)
    cycle_days = models.BigIntegerField(default=0, help_text="Sum of days from creation to close (closed basis)")

    class Meta:
        indexes = [models.Index(fields=["organization", "basis", "month"])]


class PartnershipSummary(OrgOwned):
    """One row per partnership: its dimensions and the partner-level figures of the program view and movers."""

    partnership_id = models.IntegerField()
    partner_id = models.IntegerField()
    partner_name = models.CharField(max_length=200)
    program_id = models.IntegerField()
    tier_id = models.IntegerField(null=True)
    partner_type_id = models.IntegerField(null=True)
    owner_id = models.IntegerField(null=True)
    region = models.CharField(max_length=8, blank=True)
    status = models.CharField(max_length=12)
    has_plan = models.BooleanField(default=False, help_text="Has a plan that is not closed")
    certified = models.BooleanField(default=False, help_text="The partner holds a valid certification")
    tier_checks_met = models.PositiveSmallIntegerField(default=0)
    tier_checks_total = models.PositiveSmallIntegerField(default=0)
    tacam_now = models.DecimalField(max_digits=5, decimal_places=2, null=True)
    tacam_before = models.DecimalField(max_digits=5, decimal_places=2, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "partnership_id"], name="partnershipsummary_unique")
        ]


class PartnershipMonth(OrgOwned):
    """Won revenue per partnership and close month (any role): what the revenue movers compare."""

    partnership_id = models.IntegerField()
    month = models.DateField()
    won_amount = models.DecimalField(**MONEY, default=0)
    won_deals = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["organization", "month", "partnership_id"])]


class PlanSummary(OrgOwned):
    """A plan's progress and health as computed on a day; one row per plan and day, kept for the movers."""

    plan_id = models.IntegerField()
    as_of = models.DateField()
    name = models.CharField(max_length=150)
    partnership_id = models.IntegerField()
    status = models.CharField(max_length=10)
    period_start = models.DateField()
    period_end = models.DateField()
    progress = models.DecimalField(max_digits=7, decimal_places=1, null=True)
    health = models.DecimalField(max_digits=5, decimal_places=1, null=True)
    target_amount = models.DecimalField(**MONEY, default=0, help_text="Sum of the targets of amount key results")
    realised_amount = models.DecimalField(**MONEY, default=0, help_text="Sum of their current values")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "plan_id", "as_of"], name="plansummary_unique_day")
        ]
        indexes = [models.Index(fields=["organization", "as_of"])]


class StageFact(OrgOwned):
    """A partnership's entry into a stage of the default journey, with the days it stayed there."""

    partnership_id = models.IntegerField()
    stage_id = models.IntegerField()
    entered_at = models.DateTimeField()
    days_in_stage = models.IntegerField(null=True, help_text="Empty while the partnership is still in the stage")

    class Meta:
        indexes = [models.Index(fields=["organization", "stage_id"])]


class AccountSummary(OrgOwned):
    """A customer's revenue figures as of the refresh day, for the customer metrics of unit economics.

    `attached`: at least one won deal of the account had a partner attached. Windows are the twelve
    months up to the refresh day (`arr`, `expansion`) and the twelve before (`arr_prior`).
    """

    account_id = models.IntegerField()
    attached = models.BooleanField(default=False)
    region = models.CharField(max_length=8, blank=True)
    customer_since = models.DateField(null=True)
    churned_on = models.DateField(null=True)
    integrations_count = models.PositiveSmallIntegerField(default=0)
    arr = models.DecimalField(**MONEY, default=0)
    arr_prior = models.DecimalField(**MONEY, default=0)
    expansion = models.DecimalField(**MONEY, default=0)
    lifetime_revenue = models.DecimalField(**MONEY, default=0)

    class Meta:
        indexes = [models.Index(fields=["organization", "attached"])]
