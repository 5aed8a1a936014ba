"""Market development funds: budgets per program and period, partners' requests, claims with proof, the trail.

The lifecycle (see `attribution.mdf`): a partner files a request against a budget -> an approver approves
(possibly a lower amount) or rejects it -> the partner runs the activity and claims with proof of
performance -> the claim is approved up to the approved amount -> reimbursed with a payment reference
-> the compliance check closes it. A budget is never committed beyond its amount (row lock on the budget).
"""

import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from attribution.currencies import iso_currency_validator
from pom.models import OrgOwned

MONEY = {"max_digits": 14, "decimal_places": 2}
NON_NEGATIVE = [MinValueValidator(Decimal("0"), _("Must be zero or more."))]


class MdfBudget(OrgOwned):
    """Funds of one program for one period, first come first served or allocated per partnership."""

    class Allocation(models.TextChoices):
        FIRST_COME = "first_come", _("First come, first served")
        PER_PARTNERSHIP = "per_partnership", _("Allocated per partnership")

    program = models.ForeignKey("partners.Program", on_delete=models.CASCADE, related_name="mdf_budgets")
    name = models.CharField(max_length=120)
    period_start = models.DateField()
    period_end = models.DateField()
    amount = models.DecimalField(**MONEY, validators=NON_NEGATIVE)
    currency = models.CharField(max_length=3, validators=[iso_currency_validator])
    allocation = models.CharField(max_length=16, choices=Allocation.choices, default=Allocation.FIRST_COME)
    allocations = models.JSONField(
        default=dict, blank=True, help_text=_("Per-partnership allocation: {partnership_id: amount}")
    )
    approvers = models.JSONField(
        default=list, blank=True, help_text=_("Ids of the users who decide requests; empty: any manager")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "program", "name"], name="mdfbudget_unique_name"),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="mdfbudget_period"),
            models.CheckConstraint(condition=Q(amount__gte=0), name="mdfbudget_amount_non_negative"),
        ]
        ordering = ["-period_start", "name"]

    def __str__(self) -> str:
        return self.name


class MdfRequest(OrgOwned):
    """A partner's request for funds for one activity, and where it stands."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")
        CLAIMED = "claimed", _("Claim submitted")
        REIMBURSED = "reimbursed", _("Reimbursed")
        CLOSED = "closed", _("Closed")

    # Statuses whose amount is held against the budget (a rejected or withdrawn request releases it).
    HOLDING = (Status.SUBMITTED, Status.APPROVED, Status.CLAIMED, Status.REIMBURSED, Status.CLOSED)

    budget = models.ForeignKey(MdfBudget, on_delete=models.RESTRICT, related_name="requests")
    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="mdf_requests")
    activity = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    start_date = models.DateField()
    end_date = models.DateField()
    amount_requested = models.DecimalField(**MONEY, validators=NON_NEGATIVE)
    expected_outcome = models.TextField(blank=True)
    expected_leads = models.PositiveIntegerField(default=0)
    campaign_code = models.CharField(max_length=40)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.SUBMITTED)
    amount_approved = models.DecimalField(**MONEY, null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_comment = models.TextField(blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "campaign_code"], name="mdfrequest_unique_campaign"),
            models.CheckConstraint(condition=Q(end_date__gte=models.F("start_date")), name="mdfrequest_dates"),
        ]
        indexes = [
            models.Index(fields=["organization", "budget", "status"]),
            models.Index(fields=["organization", "partnership", "status"]),
        ]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.activity} ({self.campaign_code})"

    @property
    def held_amount(self) -> Decimal:
        """What this request holds of its budget: nothing once released, the approved amount once decided."""
        if self.status not in self.HOLDING:
            return Decimal("0")
        if self.status in (self.Status.REIMBURSED, self.Status.CLOSED):
            claim = getattr(self, "claim", None)
            if claim is not None and claim.reimbursed_amount is not None:
                return claim.reimbursed_amount
        return self.amount_approved if self.amount_approved is not None else self.amount_requested


class MdfClaim(OrgOwned):
    """The partner's claim for reimbursement of an approved request, with proof of performance."""

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")
        PAID = "paid", _("Paid")

    class Compliance(models.TextChoices):
        PENDING = "pending", _("Not checked yet")
        PASSED = "passed", _("Passed")
        FAILED = "failed", _("Failed")

    request = models.OneToOneField(MdfRequest, on_delete=models.CASCADE, related_name="claim")
    amount_claimed = models.DecimalField(**MONEY, validators=NON_NEGATIVE)
    leads_generated = models.PositiveIntegerField(default=0)
    results = models.TextField(blank=True, help_text=_("What the activity achieved"))
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    amount_approved = models.DecimalField(**MONEY, null=True, blank=True)
    reimbursed_amount = models.DecimalField(**MONEY, null=True, blank=True)
    reimbursed_on = models.DateField(null=True, blank=True)
    payment_reference = models.CharField(max_length=120, blank=True)
    compliance = models.CharField(max_length=8, choices=Compliance.choices, default=Compliance.PENDING)
    compliance_note = models.TextField(blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decision_comment = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "status"])]
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"Claim on {self.request_id}"


class MdfProof(OrgOwned):
    """One proof-of-performance file of a claim (checked like workspace files)."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    claim = models.ForeignKey(MdfClaim, on_delete=models.CASCADE, related_name="proofs")
    file = models.FileField(upload_to="mdf-proofs/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=120)
    size = models.PositiveIntegerField()
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["organization", "claim"])]
        ordering = ["created_at"]

    def __str__(self) -> str:
        return self.original_name


class MdfEvent(OrgOwned):
    """One step of a request's trail, visible to both sides."""

    request = models.ForeignKey(MdfRequest, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    actor_label = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=30)
    message = models.TextField(blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "request", "at"])]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.kind} on {self.request_id}"
