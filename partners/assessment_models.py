"""Relationship assessments (imported by `partners.models`): see docs/assessments.md.

- `HealthQuestion`: an organization's editable health questionnaire (default set in `partners.defaults`).
- `AssessmentCampaign`: one sending of an assessment (trust, health or both) to many partnerships, with a
  closing date and reminders.
- `AssessmentRound`: the campaign for one partnership. The latest round with an answer is the one that
  counts for scoring; older rounds stay as history.
- `AssessmentInvitation`: one person asked to answer one round, on the vendor or the partner side, with a
  personal link (only the SHA-256 of its token is stored;
  the token is an HMAC of a per-invitation salt, so reminders carry the same link)
  and expires when the campaign closes.
- `AssessmentResponse`: one submitted answer, immutable; one per person per round (unique constraints).
- `HealthAnswer`: one question of a health answer, with the question's text as it was asked.
- `Swot`: strengths, weaknesses, opportunities and threats of a partnership for one year, edited by both sides.
- `SatisfactionScore`: a survey score of a partnership (NPS, CSAT) with its source and date.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from pom.models import OrgOwned

RATING_MIN, RATING_MAX = 1, 10
HEALTH_MIN, HEALTH_MAX = 1, 5


class AssessmentSide(models.TextChoices):
    VENDOR = "vendor", _("Vendor")
    PARTNER = "partner", _("Partner")


class AssessmentKind(models.TextChoices):
    TRUST = "trust", _("Trust equation")
    HEALTH = "health", _("Health questionnaire")
    BOTH = "both", _("Trust equation and health questionnaire")


def _rating(verbose: str) -> models.PositiveSmallIntegerField:
    return models.PositiveSmallIntegerField(
        verbose,
        null=True,
        blank=True,
        validators=[MinValueValidator(RATING_MIN), MaxValueValidator(RATING_MAX)],
    )


class HealthQuestion(OrgOwned):
    """One question of the organization's health questionnaire, answered on a 1–5 scale."""

    text = models.CharField(_("question"), max_length=300)
    help_text = models.CharField(_("explanation"), max_length=300, blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_active = models.BooleanField(_("asked"), default=True, help_text=_("Only asked questions go into new rounds"))

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "text"], name="healthquestion_unique_text")]
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.text


class AssessmentCampaign(OrgOwned):
    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        CLOSED = "closed", _("Closed")

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("assessment"), max_length=8, choices=AssessmentKind.choices, default=AssessmentKind.TRUST)
    message = models.TextField(_("message"), blank=True, help_text=_("Added to the invitation e-mail"))
    closes_at = models.DateTimeField(_("closing date"))
    reminder_every_days = models.PositiveSmallIntegerField(
        _("remind every (days)"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
        help_text=_("People who have not answered get a reminder this often until the closing date"),
    )
    status = models.CharField(max_length=8, choices=Status.choices, default=Status.OPEN)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "-created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @property
    def asks_trust(self) -> bool:
        return self.kind in (AssessmentKind.TRUST, AssessmentKind.BOTH)

    @property
    def asks_health(self) -> bool:
        return self.kind in (AssessmentKind.HEALTH, AssessmentKind.BOTH)


class AssessmentRound(OrgOwned):
    """A campaign's questionnaire for one partnership; its health questions are frozen when it is sent."""

    campaign = models.ForeignKey(AssessmentCampaign, on_delete=models.CASCADE, related_name="rounds")
    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="assessment_rounds")
    questions = models.JSONField(default=list, blank=True, help_text=_("[{id, text}] of the health questions asked"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "campaign", "partnership"], name="assessmentround_unique"),
        ]
        indexes = [models.Index(fields=["organization", "partnership", "-created_at"])]
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.partnership_id}"


class AssessmentInvitation(OrgOwned):
    """One person asked to answer one round, with a personal link."""

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="invitations")
    side = models.CharField(max_length=8, choices=AssessmentSide.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    email = models.EmailField()
    name = models.CharField(max_length=150, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    link_salt = models.CharField(
        max_length=32, help_text=_("With SECRET_KEY, rebuilds the link for reminders; the link itself is not stored")
    )
    expires_at = models.DateTimeField()
    sent_at = models.DateTimeField(null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(default=0)
    last_reminded_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "round", "email"], name="assessmentinvitation_unique"),
        ]
        indexes = [models.Index(fields=["organization", "answered_at", "expires_at"])]
        ordering = ["side", "email"]

    def __str__(self) -> str:
        return f"{self.email} ({self.side})"


class AssessmentResponse(OrgOwned):
    """A submitted answer: immutable, one per person per round. The trust ratings are of the OTHER side."""

    round = models.ForeignKey(AssessmentRound, on_delete=models.CASCADE, related_name="responses")
    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="+")
    invitation = models.OneToOneField(
        AssessmentInvitation, on_delete=models.SET_NULL, null=True, blank=True, related_name="response"
    )
    side = models.CharField(max_length=8, choices=AssessmentSide.choices)
    respondent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    respondent_email = models.EmailField()
    respondent_name = models.CharField(max_length=150, blank=True)
    submitted_at = models.DateTimeField()
    reliability = _rating(_("reliability"))
    credibility = _rating(_("credibility"))
    intimacy = _rating(_("intimacy"))
    self_orientation = _rating(_("self-orientation"))
    comment = models.TextField(_("comment"), blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "round", "respondent_email"], name="assessmentresponse_one_per_person"
            ),
            models.CheckConstraint(
                condition=Q(self_orientation__isnull=True) | Q(self_orientation__gte=1),
                name="assessmentresponse_self_orientation_positive",
            ),
        ]
        indexes = [models.Index(fields=["organization", "partnership", "-submitted_at"])]
        ordering = ["-submitted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.respondent_email} · round {self.round_id}"

    @property
    def has_trust(self) -> bool:
        return self.self_orientation is not None

    @property
    def trust(self):
        """(reliability + credibility + intimacy) / self-orientation, see `partners.assessment_facts.trust_value`."""
        from partners.assessment_facts import trust_value

        if not self.has_trust:
            return None
        return trust_value(self.reliability, self.credibility, self.intimacy, self.self_orientation)


class HealthAnswer(OrgOwned):
    response = models.ForeignKey(AssessmentResponse, on_delete=models.CASCADE, related_name="health_answers")
    question = models.ForeignKey(HealthQuestion, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    question_text = models.CharField(max_length=300)
    value = models.PositiveSmallIntegerField(validators=[MinValueValidator(HEALTH_MIN), MaxValueValidator(HEALTH_MAX)])
    comment = models.CharField(max_length=1000, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "response", "question_text"], name="healthanswer_one_per_question"
            ),
        ]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.question_text}: {self.value}"


class Swot(OrgOwned):
    """The SWOT of a partnership for one year, edited by vendor members and partner people alike."""

    partnership = models.ForeignKey("partners.Partnership", on_delete=models.CASCADE, related_name="swots")
    year = models.PositiveSmallIntegerField(_("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)])
    strengths = models.TextField(_("strengths"), blank=True)
    weaknesses = models.TextField(_("weaknesses"), blank=True)
    opportunities = models.TextField(_("opportunities"), blank=True)
    threats = models.TextField(_("threats"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "partnership", "year"], name="swot_unique_year")]
        indexes = [models.Index(fields=["organization", "partnership", "-updated_at"])]
        ordering = ["-year"]

    def __str__(self) -> str:
        return f"SWOT {self.year} · {self.partnership_id}"


class SatisfactionScale(models.TextChoices):
    NPS = "nps", _("Net promoter score (−100 to 100)")
    CSAT = "csat", _("Satisfaction in percent (0 to 100)")
    CSAT5 = "csat5", _("Satisfaction on a 1 to 5 scale")


SATISFACTION_RANGES = {"nps": (-100, 100), "csat": (0, 100), "csat5": (1, 5)}


class SatisfactionScore(OrgOwned):
    """A survey result for a partnership (customer satisfaction or partner NPS), with its source and date."""

    partnership = models.ForeignKey(
        "partners.Partnership", on_delete=models.CASCADE, related_name="satisfaction_scores"
    )
    scale = models.CharField(_("scale"), max_length=6, choices=SatisfactionScale.choices, default=SatisfactionScale.NPS)
    score = models.DecimalField(_("score"), max_digits=6, decimal_places=2)
    source = models.CharField(_("source"), max_length=150, help_text=_("Which survey, e.g. 'Q3 customer survey'"))
    measured_on = models.DateField(_("measured on"))
    respondents = models.PositiveIntegerField(_("respondents"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        indexes = [models.Index(fields=["organization", "partnership", "-measured_on"])]
        ordering = ["-measured_on", "-id"]

    def __str__(self) -> str:
        return f"{self.get_scale_display()} {self.score} ({self.source})"

    def clean(self):
        low, high = SATISFACTION_RANGES.get(self.scale, (None, None))
        if low is not None and self.score is not None and not (low <= self.score <= high):
            raise ValidationError(
                {
                    "score": _("A %(scale)s score lies between %(low)s and %(high)s.")
                    % {"scale": self.get_scale_display(), "low": low, "high": high}
                }
            )
