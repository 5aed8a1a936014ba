"""Commission rules, the accruals they produce per won deal, and the statements that pay them.

Rules belong to a program (and optionally one of its tiers). The accrual job (`attribution.incentives`)
turns won opportunities and their attribution credit into one accrual per deal, partnership and rule;
statements group a partnership's accruals of a period and go draft -> approved -> paid.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from attribution.currencies import iso_currency_validator
from pom.models import OrgOwned

MONEY = {"max_digits": 14, "decimal_places": 2}
RATE = {"max_digits": 7, "decimal_places": 2}


class CommissionRule(OrgOwned):
    """How a program (or one tier of it) pays partners for won deals."""

    class Kind(models.TextChoices):
        PERCENT = "percent", _("Percentage of product value")
        FIXED_FEE = "fixed_fee", _("Fixed fee per converted lead")
        THRESHOLD = "threshold", _("Percentage that rises above a yearly threshold")

    class Basis(models.TextChoices):
        CREDIT = "credit", _("The partnership's attribution credit")
        DEAL = "deal", _("The whole deal amount")

    class Scope(models.TextChoices):
        ALL = "all", _("Every won deal")
        NEW = "new", _("New customers only")
        UPSELL = "upsell", _("Upsell and cross-sell to existing customers")

    program = models.ForeignKey("partners.Program", on_delete=models.CASCADE, related_name="commission_rules")
    tier = models.ForeignKey(
        "partners.Tier",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="commission_rules",
        help_text=_("Only partnerships on this tier; empty for every tier of the program"),
    )
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.PERCENT)
    basis = models.CharField(max_length=8, choices=Basis.choices, default=Basis.CREDIT)
    scope = models.CharField(max_length=8, choices=Scope.choices, default=Scope.ALL)
    rate = models.DecimalField(
        **RATE, validators=[MinValueValidator(Decimal("0"))], help_text=_("Percent, or the fee for fixed-fee rules")
    )
    threshold = models.DecimalField(
        **MONEY,
        null=True,
        blank=True,
        help_text=_("Threshold rules: yearly won volume from which `rate_above` applies"),
    )
    rate_above = models.DecimalField(**RATE, null=True, blank=True)
    fee_currency = models.CharField(max_length=3, blank=True, validators=[iso_currency_validator])
    requires_involvement = models.BooleanField(
        default=True,
        help_text=_("A partner that did not source the deal qualifies only when its involvement is confirmed"),
    )
    recurring_periods = models.PositiveSmallIntegerField(
        default=1, help_text=_("Pay the commission this many times (months), e.g. 12 for a recurring commission")
    )
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "program", "name"], name="commissionrule_unique_name"),
        ]
        ordering = ["program", "name"]

    def __str__(self) -> str:
        return self.name


class Statement(OrgOwned):
    """A partnership's commissions for one period and currency: draft -> approved -> paid."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        PAID = "paid", _("Paid")

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="statements")
    period_start = models.DateField()
    period_end = models.DateField()
    currency = models.CharField(max_length=3, validators=[iso_currency_validator])
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    total = models.DecimalField(**MONEY, default=Decimal("0"))
    expected_pay_on = models.DateField(null=True, blank=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)
    paid_on = models.DateField(null=True, blank=True)
    payment_reference = models.CharField(max_length=120, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "period_start", "period_end", "currency"],
                name="statement_unique_period",
            ),
            models.CheckConstraint(condition=Q(period_end__gte=models.F("period_start")), name="statement_period"),
        ]
        indexes = [models.Index(fields=["organization", "status", "period_end"])]
        ordering = ["-period_end", "partnership"]

    def __str__(self) -> str:
        return f"Statement {self.pk} ({self.period_start:%Y-%m-%d} – {self.period_end:%Y-%m-%d})"


class Accrual(OrgOwned):
    """What one rule owes one partnership for one won deal (or takes back when the deal is cancelled)."""

    class Kind(models.TextChoices):
        ACCRUAL = "accrual", _("Commission")
        CLAWBACK = "clawback", _("Clawback")

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="accruals")
    opportunity = models.ForeignKey("attribution.Opportunity", on_delete=models.CASCADE, related_name="accruals")
    rule = models.ForeignKey(CommissionRule, on_delete=models.CASCADE, related_name="accruals")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.ACCRUAL)
    sequence = models.PositiveSmallIntegerField(default=1, help_text=_("Which payment of a recurring commission"))
    revision = models.PositiveSmallIntegerField(default=0, help_text=_("Clawbacks: one per correction of a paid line"))
    period = models.DateField(help_text=_("First day of the month the commission belongs to"))
    basis_amount = models.DecimalField(**MONEY)
    amount = models.DecimalField(**MONEY)
    currency = models.CharField(max_length=3, validators=[iso_currency_validator])
    explanation = models.JSONField(default=list, blank=True, help_text=_("The computation, line by line"))
    statement = models.ForeignKey(Statement, on_delete=models.SET_NULL, null=True, blank=True, related_name="accruals")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "opportunity", "partnership", "rule", "kind", "sequence", "revision"],
                name="accrual_unique_line",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "partnership", "period"]),
            models.Index(fields=["organization", "statement"]),
        ]
        ordering = ["period", "opportunity", "sequence", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.amount} {self.currency}"
