"""Forms of the assessment pages (vendor side, the e-mailed link and the workspace)."""

from __future__ import annotations

import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.assessment_models import (
    RATING_MAX,
    RATING_MIN,
    AssessmentKind,
    HealthQuestion,
    SatisfactionScale,
)

RATING_CHOICES = [(n, str(n)) for n in range(RATING_MIN, RATING_MAX + 1)]
HEALTH_CHOICES = [
    (1, _("1 · strongly disagree")),
    (2, _("2 · disagree")),
    (3, _("3 · neither")),
    (4, _("4 · agree")),
    (5, _("5 · strongly agree")),
]


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=150)
    kind = forms.ChoiceField(label=_("Assessment"), choices=AssessmentKind.choices, initial=AssessmentKind.BOTH)
    partnerships = forms.ModelMultipleChoiceField(
        label=_("Partnerships"), queryset=None, required=False, help_text=_("Or choose a whole program below")
    )
    program = forms.ModelChoiceField(label=_("Every active partnership of the program"), queryset=None, required=False)
    closes_on = forms.DateField(
        label=_("Closing date"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Answers close at midnight"),
    )
    reminder_every_days = forms.IntegerField(label=_("Remind every (days)"), min_value=1, max_value=30, initial=3)
    message = forms.CharField(
        label=_("Message in the e-mail"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, partnerships, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnerships"].queryset = partnerships
        self.fields["program"].queryset = programs
        self.fields["closes_on"].initial = timezone.localdate() + datetime.timedelta(days=14)

    def clean(self):
        data = super().clean()
        if not data.get("partnerships") and not data.get("program"):
            self.add_error("partnerships", _("Choose partnerships or a program."))
        return data


class HealthQuestionForm(forms.ModelForm):
    class Meta:
        model = HealthQuestion
        fields = ["text", "help_text", "order", "is_active"]


class SwotForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    strengths = forms.CharField(label=_("Strengths"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    weaknesses = forms.CharField(label=_("Weaknesses"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    opportunities = forms.CharField(label=_("Opportunities"), required=False, widget=forms.Textarea(attrs={"rows": 3}))
    threats = forms.CharField(label=_("Threats"), required=False, widget=forms.Textarea(attrs={"rows": 3}))


def swot_forms(partnerships, swots, year: int) -> list:
    """[(partnership, SwotForm)] each filled with that partnership's SWOT of `year`, so an edit keeps the rest."""
    current = {(s.partnership_id, s.year): s for s in swots}
    result = []
    for p in partnerships:
        s = current.get((p.pk, year))
        initial = {"year": year}
        if s is not None:
            initial.update({f: getattr(s, f) for f in ("strengths", "weaknesses", "opportunities", "threats")})
        result.append((p, SwotForm(initial=initial, prefix=f"swot-{p.pk}")))
    return result


class SatisfactionForm(forms.Form):
    partnership = forms.ModelChoiceField(label=_("Partnership"), queryset=None)
    scale = forms.ChoiceField(label=_("Scale"), choices=SatisfactionScale.choices)
    score = forms.DecimalField(label=_("Score"), max_digits=6, decimal_places=2)
    source = forms.CharField(label=_("Source"), max_length=150)
    measured_on = forms.DateField(label=_("Measured on"), widget=forms.DateInput(attrs={"type": "date"}))
    respondents = forms.IntegerField(label=_("Respondents"), min_value=0, required=False)

    def __init__(self, *args, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].queryset = partnerships


def answer_data(post, rnd) -> dict:
    """The service's `data` from a posted answer form: the four ratings, health answers and comments."""
    data = {f: post.get(f, "") for f in ("reliability", "credibility", "intimacy", "self_orientation", "comment")}
    data["health"] = {
        str(q["id"]): {"value": post.get(f"health_{q['id']}", ""), "comment": post.get(f"health_{q['id']}_comment", "")}
        for q in rnd.questions
    }
    return data
