"""TACAM scores: the versioned scoring model, snapshots per partnership and day, targets, sharing.

See docs/tacam.md. Scores are written only by `reports.scoring_run` (a `pom.jobs` job); models,
targets and the sharing setting only through `reports.services`.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from pom.models import OrgOwned

SCORE = {"max_digits": 5, "decimal_places": 1, "null": True, "blank": True}


class Element(models.TextChoices):
    TRUST = "trust", _("Trust")
    ANALYSIS = "analysis", _("Analysis")
    COMMITMENT = "commitment", _("Commitment")
    ACCOUNTABILITY = "accountability", _("Accountability")
    MEASUREMENT = "measurement", _("Measurement")


ELEMENTS = [value for value, _label in Element.choices]


class ScoringModel(OrgOwned):
    """One version of an organization's scoring model: signal weights per element, element weights for
    the overall score, thresholds. Never edited: a change writes the next version (scores keep theirs)."""

    version = models.PositiveIntegerField()
    weights = models.JSONField(default=dict, help_text=_("{element: {signal: weight}}; each element adds up to 100"))
    element_weights = models.JSONField(
        default=dict, help_text=_("{element: weight} for the overall score; adds up to 100")
    )
    thresholds = models.JSONField(default=dict, help_text=_("{name: number} (days, counts) the signals use"))
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "version"], name="scoringmodel_unique_version")]
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Scoring model v{self.version}"


class ScoreSnapshot(OrgOwned):
    """The TACAM scores of one partnership on one day (the latest run of that day), with every signal's
    value, weight and contribution and the 6Cs scorecard. The latest per partnership has `is_latest`."""

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="score_snapshots")
    model = models.ForeignKey(ScoringModel, on_delete=models.PROTECT, related_name="snapshots")
    as_of = models.DateField()
    computed_at = models.DateTimeField()
    is_latest = models.BooleanField(default=True)
    # Denormalised at compute time: peer groups and filters read them without joins, history keeps them.
    program = models.ForeignKey("partners.Program", on_delete=models.SET_NULL, null=True, related_name="+")
    tier = models.ForeignKey("partners.Tier", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    overall = models.DecimalField(**SCORE)
    trust = models.DecimalField(**SCORE)
    analysis = models.DecimalField(**SCORE)
    commitment = models.DecimalField(**SCORE)
    accountability = models.DecimalField(**SCORE)
    measurement = models.DecimalField(**SCORE)
    signals = models.JSONField(
        default=dict, help_text=_("{element: {signal: {value, weight, share, contribution, ...}}}")
    )
    sixcs = models.JSONField(default=dict, help_text=_("{c: {value, detail}}"))
    weight_basis = models.DecimalField(
        max_digits=16, decimal_places=2, default=0, help_text=_("Credited won revenue, last 12 months (roll-up weight)")
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "partnership", "as_of"], name="scoresnapshot_unique_day")
        ]
        indexes = [
            models.Index(fields=["organization", "is_latest", "program", "tier"]),
            models.Index(fields=["organization", "partnership", "-as_of"]),
        ]
        ordering = ["-as_of", "partnership_id"]

    def __str__(self) -> str:
        return f"{self.partnership_id} {self.as_of}: {self.overall}"

    def element(self, name: str):
        return getattr(self, name)


class ScoreTarget(OrgOwned):
    """The score a manager aims for on one element (or overall) of one partnership."""

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="score_targets")
    element = models.CharField(max_length=16, choices=[*Element.choices, ("overall", _("Overall"))])
    value = models.DecimalField(
        max_digits=5, decimal_places=1, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "partnership", "element"], name="scoretarget_unique")
        ]
        ordering = ["partnership_id", "element"]

    def __str__(self) -> str:
        return f"{self.partnership_id} {self.element} → {self.value}"


class ScoreSharing(OrgOwned):
    """Which scores partner people see in their workspace (one row per organization; none = nothing shared)."""

    shared_elements = models.JSONField(default=list, blank=True, help_text=_("Elements partner people see"))
    share_overall = models.BooleanField(default=False)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization"], name="scoresharing_one_per_org")]

    def __str__(self) -> str:
        return f"Score sharing of {self.organization_id}"


# Benchmarks (issue 10) live in their own module.
from reports.benchmark_models import (  # noqa: E402, F401
    BenchmarkContribution,
    BenchmarkGoal,
    BenchmarkMetric,
    CrossTenantDistribution,
    MetricValue,
    PeerDistribution,
    PeerPercentile,
    ReferenceFigure,
)

# QBR packs, scheduled reports and Partner Wrapped (issue 12, part 2) live in their own module.
from reports.packs_models import (  # noqa: E402, F401
    QbrPack,
    ReportRecipient,
    ReportSubscription,
    ThankYouNote,
    WrappedYear,
)
from reports.summary_models import (  # noqa: E402, F401  (dashboards' summary tables, issue 12)
    AccountSummary,
    DealSummary,
    PartnershipMonth,
    PartnershipSummary,
    PlanSummary,
    StageFact,
)
