"""Benchmark tables (issue 10). Imported from `reports.models`; see docs/benchmarks.md.

Tenant tables (`OrgOwned`, read through `for_org`): metric values, within-tenant percentiles and
distributions (one row per day: the history), each organization's own contribution, goals.
Shared tables without any organization id: the metric catalogue, published cross-tenant
distributions (quantiles only) and published reference figures.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from pom.models import OrgOwned, TimeStamped

VALUE = {"max_digits": 20, "decimal_places": 4}
QUANTILE = {"max_digits": 20, "decimal_places": 4, "null": True, "blank": True}


class MetricScope(models.TextChoices):
    PARTNERSHIP = "partnership", _("Per partnership")
    ORGANIZATION = "organization", _("Per organization")


class Direction(models.TextChoices):
    HIGHER = "higher", _("Higher is better")
    LOWER = "lower", _("Lower is better")


class PeerDimension(models.TextChoices):
    ALL = "all", _("All partnerships")
    PROGRAM = "program", _("Same program")
    TIER = "tier", _("Same tier")
    PARTNER_TYPE = "partner_type", _("Same partner type")
    REGION = "region", _("Same region")


class BenchmarkMetric(TimeStamped):
    """The catalogue row of one metric: rows mirror `reports.benchmarks.catalogue.METRICS` (code,
    unit, direction, how it is computed); admins may reword the label and description or switch a
    metric off."""

    code = models.SlugField(max_length=40, unique=True)
    label = models.CharField(max_length=120)
    scope = models.CharField(max_length=12, choices=MetricScope.choices)
    unit = models.CharField(max_length=20)
    direction = models.CharField(max_length=6, choices=Direction.choices, default=Direction.HIGHER)
    description = models.TextField(blank=True)
    is_active = models.BooleanField(default=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return self.label


class MetricValue(OrgOwned):
    """One metric's value for one partnership (or the organization when `partnership` is empty) on
    one day. No row means "no data" (never 0). `detail` holds the inputs, to explain the number."""

    as_of = models.DateField()
    metric = models.SlugField(max_length=40)
    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, null=True, related_name="+")
    value = models.DecimalField(**VALUE)
    detail = models.JSONField(default=dict, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "as_of", "metric"])]


class PeerPercentile(OrgOwned):
    """A partnership's percentile rank for one metric among one peer group, on one day."""

    as_of = models.DateField()
    metric = models.SlugField(max_length=40)
    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="+")
    dimension = models.CharField(max_length=12, choices=PeerDimension.choices)
    group_key = models.CharField(max_length=40)
    value = models.DecimalField(**VALUE)
    rank = models.DecimalField(max_digits=5, decimal_places=1, null=True, blank=True)
    band = models.CharField(max_length=6, blank=True)
    peers = models.PositiveIntegerField()

    class Meta:
        indexes = [
            models.Index(fields=["organization", "as_of", "metric", "dimension"]),
            models.Index(fields=["organization", "partnership", "as_of"]),
        ]


class PeerDistribution(OrgOwned):
    """Quantiles of one metric within one peer group of the organization, on one day."""

    as_of = models.DateField()
    metric = models.SlugField(max_length=40)
    dimension = models.CharField(max_length=12, choices=PeerDimension.choices)
    group_key = models.CharField(max_length=40)
    group_label = models.CharField(max_length=200, blank=True)
    members = models.PositiveIntegerField()
    p10 = models.DecimalField(**QUANTILE)
    p25 = models.DecimalField(**QUANTILE)
    p50 = models.DecimalField(**QUANTILE)
    p75 = models.DecimalField(**QUANTILE)
    p90 = models.DecimalField(**QUANTILE)

    class Meta:
        indexes = [models.Index(fields=["organization", "as_of", "metric", "dimension"])]


class BenchmarkContribution(OrgOwned):
    """What an opted-in organization contributes to cross-tenant benchmarks: one value per metric
    (its median over partnerships, or the organization-level value). Only the cross-tenant step
    reads other organizations' rows (`benchmarks.compute.contributions_all`); opting out deletes
    them at the next run."""

    metric = models.SlugField(max_length=40)
    value = models.DecimalField(**VALUE)
    as_of = models.DateField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "metric"], name="benchmark_contribution_once")]


class CrossTenantDistribution(TimeStamped):
    """A published anonymised distribution: quantiles only, NO organization id.

    `level` names the profile dimensions matched (e.g. `size_band+industry`, or `all`), `group_key`
    their values. `contributors_digest` holds keyed hashes (HMAC with the secret key) of the
    contributing organizations, only to compare contributor sets between runs; it is never shown.
    One row per group and day; `is_current` marks the one pages show.
    """

    metric = models.SlugField(max_length=40)
    level = models.CharField(max_length=80)
    group_key = models.CharField(max_length=200)
    as_of = models.DateField()
    contributors = models.PositiveIntegerField()
    p10 = models.DecimalField(**QUANTILE)
    p25 = models.DecimalField(**QUANTILE)
    p50 = models.DecimalField(**QUANTILE)
    p75 = models.DecimalField(**QUANTILE)
    p90 = models.DecimalField(**QUANTILE)
    contributors_digest = models.JSONField(default=list, blank=True)
    is_current = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["metric", "level", "group_key", "as_of"], name="cross_tenant_once_a_day")
        ]
        indexes = [models.Index(fields=["metric", "is_current"])]


class ReferenceFigure(TimeStamped):
    """A published survey or study figure, with its source, year, sample and what was asked."""

    code = models.SlugField(max_length=60, unique=True)
    metric = models.SlugField(max_length=40, blank=True, help_text=_("Catalogue metric it measures, if any"))
    topic = models.CharField(max_length=120)
    label = models.CharField(max_length=200)
    segment = models.CharField(max_length=120, blank=True, help_text=_("e.g. company size 0–50"))
    segment_field = models.CharField(max_length=40, blank=True, help_text=_("Organization field the segment matches"))
    segment_value = models.CharField(max_length=40, blank=True)
    value = models.DecimalField(max_digits=12, decimal_places=2)
    unit = models.CharField(max_length=20)
    source = models.CharField(max_length=200)
    year = models.PositiveSmallIntegerField(null=True, blank=True, help_text=_("Empty when the source gives none"))
    sample = models.CharField(max_length=120, blank=True)
    question = models.CharField(max_length=300, blank=True, help_text=_("What respondents were asked, paraphrased"))
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "code"]

    def __str__(self) -> str:
        return f"{self.label} ({self.segment or 'all'}): {self.value} {self.unit}"


class BenchmarkGoal(OrgOwned):
    """A target the organization set for a metric from the comparison page ("set as goal")."""

    metric = models.SlugField(max_length=40)
    target = models.DecimalField(**VALUE)
    basis = models.CharField(max_length=200, blank=True, help_text=_("What the target was taken from"))
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "metric"], name="benchmark_goal_once")]
