"""Page forms. Foreign keys are looked up inside the request's organization (`org=`)."""

from __future__ import annotations

import datetime
import json

from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import Contact, Partnership
from plans import selectors
from plans.models import Activity, KeyResult, Meeting, Objective, Plan, PlanTemplate, Side
from pom import picker
from pom.selectors import member_users

PERIOD_CHOICES = [
    ("quarter", "Fiscal quarter containing the start date"),
    ("fiscal_year", "Fiscal year containing the start date"),
    ("custom", "Custom dates"),
]
DATE = forms.DateInput(attrs={"type": "date"})


class OrgForm(forms.Form):
    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.org = org


class PlanCreateForm(OrgForm):
    partnership = picker.PickerChoiceField(kind="partnerships", queryset=Partnership.objects.none())
    template = forms.ModelChoiceField(
        queryset=PlanTemplate.objects.none(),
        required=False,
        empty_label=_("Blank plan"),
        help_text=_("Start from a template: its objectives, key results and activities are copied in"),
    )
    name = forms.CharField(max_length=150, required=False, help_text=_("Defaults to the template's name"))
    kind = forms.ChoiceField(choices=Plan.Kind.choices, initial=Plan.Kind.JOINT_BUSINESS)
    period = forms.ChoiceField(choices=PERIOD_CHOICES, initial="quarter")
    period_start = forms.DateField(widget=DATE, required=False, help_text=_("Today if empty"))
    period_end = forms.DateField(widget=DATE, required=False, help_text=_("Only for custom dates"))
    owner = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        picker.bind(self.fields["partnership"], org=self.org, queryset=selectors.partnership_choices(org=self.org))
        self.fields["template"].queryset = selectors.template_list(org=self.org)
        self.fields["owner"].queryset = member_users(org=self.org)

    def clean(self):
        data = super().clean()
        if not data.get("template") and not data.get("name"):
            self.add_error("name", "Name the plan, or start from a template.")
        return data


class PlanEditForm(OrgForm):
    name = forms.CharField(max_length=150)
    kind = forms.ChoiceField(choices=Plan.Kind.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    period_start = forms.DateField(widget=DATE)
    period_end = forms.DateField(widget=DATE)
    phases = forms.CharField(required=False, help_text=_("Comma-separated, in order"))
    owner = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = member_users(org=self.org)

    def clean_phases(self):
        return [p.strip() for p in self.cleaned_data["phases"].split(",") if p.strip()]


class ObjectiveForm(OrgForm):
    title = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    phase = forms.CharField(max_length=80, required=False)
    weight = forms.DecimalField(min_value=0, max_digits=6, decimal_places=2, initial=1)
    responsible_side = forms.ChoiceField(choices=Side.choices, initial=Side.BOTH)


class KeyResultForm(OrgForm):
    objective = forms.ModelChoiceField(queryset=Objective.objects.none())
    name = forms.CharField(max_length=200)
    unit = forms.ChoiceField(choices=KeyResult.Unit.choices)
    direction = forms.ChoiceField(choices=KeyResult.Direction.choices)
    baseline = forms.DecimalField(max_digits=16, decimal_places=2, initial=0)
    target = forms.DecimalField(max_digits=16, decimal_places=2, required=False, help_text=_("Empty: not defined yet"))
    responsible_side = forms.ChoiceField(choices=Side.choices, initial=Side.BOTH)
    responsible = forms.ModelChoiceField(queryset=None, required=False)
    due_date = forms.DateField(widget=DATE, required=False)
    update_frequency = forms.ChoiceField(choices=KeyResult.Frequency.choices, initial=KeyResult.Frequency.MONTHLY)

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = Objective.objects.for_org(self.org).filter(plan=plan)
        self.fields["responsible"].queryset = member_users(org=self.org)


class ActivityForm(OrgForm):
    title = forms.CharField(max_length=200)
    objective = forms.ModelChoiceField(queryset=Objective.objects.none(), required=False, empty_label=_("Quick action"))
    type = forms.ChoiceField(choices=Activity.Type.choices, initial=Activity.Type.OTHER)
    owner_side = forms.ChoiceField(choices=Side.choices, initial=Side.VENDOR)
    assignee = forms.ModelChoiceField(queryset=None, required=False)
    due_date = forms.DateField(widget=DATE, required=False)

    def __init__(self, *args, plan: Plan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["objective"].queryset = Objective.objects.for_org(self.org).filter(plan=plan)
        self.fields["assignee"].queryset = member_users(org=self.org)


class CheckInForm(forms.Form):
    value = forms.DecimalField(max_digits=16, decimal_places=2)
    note = forms.CharField(max_length=1000, required=False)


class ActivityUpdateForm(forms.Form):
    status = forms.ChoiceField(choices=Activity.Status.choices, required=False)
    progress = forms.IntegerField(min_value=0, max_value=100, required=False)
    due_date = forms.DateField(required=False, widget=DATE)


class TemplateForm(OrgForm):
    name = forms.CharField(max_length=150)
    kind = forms.ChoiceField(choices=Plan.Kind.choices)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False)
    duration_days = forms.IntegerField(min_value=1, max_value=1000)
    phases = forms.CharField(required=False, help_text=_("Comma-separated, in order"))
    content = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 18, "class": "code"}),
        help_text=_("The outline as JSON: objectives with key_results and activities (due_offset_days from the start)"),
    )

    def clean_phases(self):
        return [p.strip() for p in self.cleaned_data["phases"].split(",") if p.strip()]

    def clean_content(self):
        try:
            return json.loads(self.cleaned_data["content"])
        except json.JSONDecodeError as error:
            raise forms.ValidationError(
                _("This is not valid JSON (line %(lineno)s: %(msg)s).") % {"lineno": error.lineno, "msg": error.msg}
            ) from None


class TemplateApplyForm(OrgForm):
    partnerships = forms.ModelMultipleChoiceField(
        queryset=Partnership.objects.none(), widget=forms.CheckboxSelectMultiple
    )
    name = forms.CharField(max_length=150, required=False, help_text=_("Defaults to the template's name"))
    period = forms.ChoiceField(choices=PERIOD_CHOICES, initial="quarter")
    period_start = forms.DateField(widget=DATE, required=False, help_text=_("Today if empty"))
    period_end = forms.DateField(widget=DATE, required=False, help_text=_("Only for custom dates"))
    owner = forms.ModelChoiceField(queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnerships"].queryset = selectors.partnership_choices(org=self.org)
        self.fields["owner"].queryset = member_users(org=self.org)


class MeetingForm(OrgForm):
    kind = forms.ChoiceField(choices=Meeting.Kind.choices)
    date = forms.DateField(widget=DATE, initial=datetime.date.today)
    title = forms.CharField(max_length=200, required=False)
    plan = forms.ModelChoiceField(queryset=Plan.objects.none(), required=False)
    vendor_attendees = forms.ModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple
    )
    partner_attendees = forms.ModelMultipleChoiceField(
        queryset=Contact.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )
    other_attendees = forms.CharField(max_length=500, required=False, help_text=_("Other names or e-mails"))
    agenda = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    decisions = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text=_("One per line"))
    follow_ups = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("One per line: title | due date (YYYY-MM-DD) | vendor, partner or both. Created in the plan."),
    )

    def __init__(self, *args, partnership: Partnership, **kwargs):
        super().__init__(*args, **kwargs)
        plans = Plan.objects.for_org(self.org).filter(partnership=partnership).order_by("-period_start")
        self.fields["plan"].queryset = plans
        current = plans.exclude(status=Plan.Status.CLOSED).first()
        if current is not None and not self.is_bound:
            self.initial.setdefault("plan", current.pk)
        self.fields["vendor_attendees"].queryset = member_users(org=self.org)
        self.fields["partner_attendees"].queryset = Contact.objects.for_org(self.org).filter(
            partner_id=partnership.partner_id
        )

    def clean_follow_ups(self):
        items = []
        for number, line in enumerate(self.cleaned_data["follow_ups"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            item = {"title": parts[0]}
            if len(parts) > 1 and parts[1]:
                try:
                    item["due_date"] = datetime.date.fromisoformat(parts[1])
                except ValueError:
                    raise forms.ValidationError(
                        _("Line %(number)s: “%(parts)s” is not a date like 2026-12-31.")
                        % {"number": number, "parts": parts[1]}
                    ) from None
            if len(parts) > 2 and parts[2]:
                if parts[2].lower() not in Side.values:
                    raise forms.ValidationError(
                        _("Line %(number)s: the side is vendor, partner or both.") % {"number": number}
                    )
                item["owner_side"] = parts[2].lower()
            items.append(item)
        return items


def period_args(data: dict) -> dict:
    """A plan form's cleaned data as service arguments: a named period (a quarter, a year) replaces the
    end date; "custom" keeps the dates as typed."""
    period = data.pop("period", None)
    if period and period != "custom":
        data["period"] = period
        data.pop("period_end", None)
    return data
