"""QBR packs, scheduled reports and Partner Wrapped (issue 12, part 2): frozen snapshots and subscriptions.

See docs/qbr.md. Rows are written only through reports.packs, reports.schedules and reports.wrapped.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pom.models import OrgOwned


class QbrPack(OrgOwned):
    """A Partner Business Review for one partnership and one period, frozen when generated: `snapshot`
    holds every figure, row and chart series the page, the PDF and the deck show, so a pack discussed
    on a date reopens exactly as it was whatever happened to the live data since."""

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="qbr_packs")
    period_start = models.DateField()
    period_end = models.DateField()
    period_label = models.CharField(max_length=40)
    snapshot = models.JSONField(default=dict)
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    generated_side = models.CharField(max_length=8, default="vendor", help_text=_("vendor or partner"))

    class Meta:
        indexes = [models.Index(fields=["organization", "partnership", "-generated_at"])]
        ordering = ["-generated_at", "-id"]

    def __str__(self) -> str:
        return f"QBR {self.period_label} · {self.partnership_id}"


class ReportSubscription(OrgOwned):
    """Someone asked for a report (a kind of reports.report_kinds) to be mailed on a schedule to members."""

    class Frequency(models.TextChoices):
        WEEKLY = "weekly", _("Weekly")
        MONTHLY = "monthly", _("Monthly")
        QUARTERLY = "quarterly", _("Quarterly")

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    recipients = models.ManyToManyField(
        settings.AUTH_USER_MODEL, through="reports.ReportRecipient", related_name="+", blank=True
    )
    kind = models.CharField(max_length=60)
    params = models.JSONField(default=dict, blank=True, help_text=_("Filters and parameters of the report"))
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.MONTHLY)
    next_run_at = models.DateTimeField()
    last_run_at = models.DateTimeField(null=True, blank=True)
    active = models.BooleanField(default=True)
    stopped_reason = models.CharField(max_length=300, blank=True)
    runs = models.PositiveIntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["active", "next_run_at"])]
        ordering = ["kind", "id"]

    def __str__(self) -> str:
        return f"{self.kind} {self.frequency} ({self.owner_id})"


class ReportRecipient(OrgOwned):
    """One member a subscription mails (the through-table carries its organization, as every tenant table)."""

    subscription = models.ForeignKey(ReportSubscription, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscription", "user"], name="report_recipient_unique")]


class WrappedYear(OrgOwned):
    """Partner Wrapped: one partnership's year in review, frozen when generated (regenerable on demand)."""

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="wrapped_years")
    year = models.PositiveSmallIntegerField()
    snapshot = models.JSONField(default=dict)
    generated_at = models.DateTimeField()
    generated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "partnership", "year"], name="wrappedyear_unique")
        ]
        indexes = [models.Index(fields=["organization", "year"])]
        ordering = ["-year", "partnership_id"]

    def __str__(self) -> str:
        return f"Wrapped {self.year} · {self.partnership_id}"


class ThankYouNote(OrgOwned):
    """A thank-you line one person involved in the partnership writes for its year in review."""

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="+")
    year = models.PositiveSmallIntegerField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    side = models.CharField(max_length=8, default="vendor")
    text = models.CharField(max_length=280)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "partnership", "year", "author"], name="thankyounote_one_per_author"
            )
        ]
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.text[:40]
