"""Page forms. Every related-object choice is limited to the request's organization."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from partners import importing
from partners.models import (
    Archetype,
    Certification,
    Contact,
    Partner,
    Partnership,
    PartnerType,
    Program,
    Segment,
    Tier,
)
from pom import picker
from pom.selectors import member_users


class DateInput(forms.DateInput):
    input_type = "date"


class OrgForm(forms.Form):
    def __init__(self, *args, org, **kwargs):
        self.org = org
        super().__init__(*args, **kwargs)


class PartnerForm(forms.ModelForm):
    website = forms.URLField(required=False, assume_scheme="https")
    types = forms.ModelMultipleChoiceField(
        queryset=PartnerType.objects.none(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Partner
        fields = [
            "name",
            "domain",
            "website",
            "status",
            "owner",
            "types",
            "archetype",
            "segment",
            "is_focus",
            "relationship_maturity",
            "region",
            "country",
            "size_band",
            "industry",
            "description",
            "logo",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args, org, **kwargs):
        self.org = org
        super().__init__(*args, **kwargs)
        self.fields["types"].queryset = PartnerType.objects.for_org(org)
        self.fields["archetype"].queryset = Archetype.objects.for_org(org)
        self.fields["segment"].queryset = Segment.objects.for_org(org)
        self.fields["owner"].queryset = member_users(org=org)
        self.fields["owner"].label_from_instance = lambda user: user.display_name
        if self.instance.pk:
            self.initial["types"] = list(self.instance.types.values_list("pk", flat=True))

    def clean_country(self):
        return (self.cleaned_data.get("country") or "").upper()

    def _post_clean(self):
        # The service validates and saves (domain normalisation, uniqueness with a clear message);
        # skip ModelForm's own instance validation so errors are not reported twice.
        pass

    def service_data(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("types", None)
        return data


class ContactForm(forms.ModelForm):
    class Meta:
        model = Contact
        fields = ["name", "email", "title", "phone", "role"]

    def _post_clean(self):
        pass


class CertificationForm(forms.ModelForm):
    class Meta:
        model = Certification
        fields = ["name", "contact", "issued_on", "expires_on"]
        widgets = {"issued_on": DateInput(), "expires_on": DateInput()}

    def __init__(self, *args, org, partner, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = Contact.objects.for_org(org).filter(partner=partner)

    def _post_clean(self):
        pass


class PartnershipForm(forms.ModelForm):
    """Add a partner to a program; the tier must be one of that program's tiers (checked by the service)."""

    class Meta:
        model = Partnership
        fields = ["program", "tier", "status", "start_date", "renewal_date", "agreement_signed_on", "owner", "notes"]
        widgets = {
            "start_date": DateInput(),
            "renewal_date": DateInput(),
            "agreement_signed_on": DateInput(),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = Program.objects.for_org(org)
        self.fields["tier"].queryset = Tier.objects.for_org(org).select_related("program")
        self.fields["owner"].queryset = member_users(org=org)
        self.fields["owner"].label_from_instance = lambda user: user.display_name
        if self.instance.pk:
            del self.fields["program"]
            self.fields["tier"].queryset = self.fields["tier"].queryset.filter(program=self.instance.program)

    def _post_clean(self):
        pass


class ProgramForm(forms.ModelForm):
    class Meta:
        model = Program
        fields = ["name", "kind", "compensation_model", "rate", "currency", "is_active", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def _post_clean(self):
        pass


class TierForm(forms.ModelForm):
    benefits = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}), required=False, help_text=_("One benefit per line.")
    )

    class Meta:
        model = Tier
        fields = [
            "name",
            "rank",
            "required_revenue",
            "revenue_period_months",
            "required_certifications",
            "required_points",
            "benefits",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rank"].required = False
        if self.instance.pk:
            self.initial["benefits"] = "\n".join(self.instance.benefits or [])

    def clean_benefits(self):
        return [line.strip() for line in (self.cleaned_data.get("benefits") or "").splitlines() if line.strip()]

    def _post_clean(self):
        pass


class TaxonomyTermForm(forms.Form):
    kind = forms.ChoiceField(
        choices=[("type", _("Partner type")), ("archetype", _("Archetype")), ("segment", _("Segment"))]
    )
    name = forms.CharField(max_length=80)
    description = forms.CharField(max_length=300, required=False)


class ImportUploadForm(forms.Form):
    file = forms.FileField(help_text=_("CSV or Excel (.xlsx), up to 10 MB, one partner per row."))


class ImportMappingForm(forms.Form):
    """One select per target field, listing the file's column headers."""

    def __init__(self, *args, headers: list[str], initial_mapping: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", "— not imported —")] + [(h, h) for h in headers]
        for key, label, _aliases in importing.FIELDS:
            self.fields[key] = forms.ChoiceField(
                label=label, choices=choices, required=key == "name", initial=initial_mapping.get(key, "")
            )

    def mapping(self) -> dict[str, str]:
        return {k: v for k, v in self.cleaned_data.items() if v}


# Points and tier reviews -------------------------------------------------------------------------

from django.utils.translation import gettext_lazy as _  # noqa: E402

from partners.models import PointActivity  # noqa: E402


class PointRuleForm(forms.Form):
    program = forms.TypedChoiceField(coerce=int, label=_("Program"))
    activity = forms.ChoiceField(choices=PointActivity.choices, label=_("Activity"))
    name = forms.CharField(max_length=120, label=_("Name"))
    points = forms.IntegerField(min_value=1, label=_("Points"))
    per_amount = forms.DecimalField(
        required=False,
        max_digits=14,
        decimal_places=2,
        label=_("Per amount won"),
        help_text=_("Deal-won rules only: the points are given for every full amount of this size."),
    )

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [(p.pk, p.name) for p in programs]


class ManualPointsForm(forms.Form):
    partnership = picker.PickerChoiceField(kind="partnerships", queryset=None, label=_("Partnership"))
    points = forms.IntegerField(label=_("Points"), help_text=_("Negative for a correction."))
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), label=_("Reason"), required=False)
    evidence = forms.CharField(max_length=500, required=False, label=_("Evidence (link or note)"))

    def __init__(self, *args, org, partnerships, **kwargs):
        super().__init__(*args, **kwargs)
        picker.bind(self.fields["partnership"], org=org, queryset=partnerships)

    def clean_partnership(self):
        return self.cleaned_data["partnership"].pk


class TierApplyForm(forms.Form):
    effective_on = forms.DateField(
        required=False, label=_("Effective on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(required=False, max_length=300, label=_("Note"))
