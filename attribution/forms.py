"""Page forms; every related-row choice is limited to the organization (`org=` at construction)."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from attribution import selectors
from attribution.currencies import ISO_4217
from attribution.models import (
    Account,
    AttributionConfig,
    AttributionModel,
    Opportunity,
    OpportunityPartner,
    SplitRule,
    Touchpoint,
)
from pom import picker

CURRENCY_CHOICES = [(c, c) for c in sorted(ISO_4217)]


class _OrgForm(forms.Form):
    def __init__(self, *args, org, **kwargs):
        self.org = org
        super().__init__(*args, **kwargs)
        picker.bind_all(self, org=org)


class _PartnershipChoice(picker.PickerChoiceField):
    """One partnership, picked by typing (pom/picker.py): no <select> of every partnership."""

    def __init__(self, **kwargs):
        super().__init__(kind="partnerships", **kwargs)


class OpportunityForm(_OrgForm):
    account = forms.ModelChoiceField(queryset=Account.objects.none())
    name = forms.CharField(max_length=200)
    amount = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES)
    stage = forms.ChoiceField(choices=Opportunity.Stage.choices)
    status = forms.ChoiceField(choices=Opportunity.Status.choices)
    type = forms.ChoiceField(choices=Opportunity.Type.choices, initial=Opportunity.Type.NEW, label="Deal type")
    expected_close = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    closed_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    products = forms.CharField(required=False, help_text=_("Comma-separated, e.g. Vault, Edge"))
    joint_solution = forms.CharField(required=False, max_length=120)
    campaign_code = forms.CharField(required=False, max_length=40, help_text=_("Code of the MDF campaign it came from"))
    crm_id = forms.CharField(required=False, max_length=64, label=_("CRM id"))

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        self.fields["account"].queryset = Account.objects.for_org(org).order_by("name")
        self.fields["currency"].initial = org.currency


class OpportunityPartnerForm(_OrgForm):
    partnership = _PartnershipChoice(queryset=None)
    role = forms.ChoiceField(choices=OpportunityPartner.Role.choices)
    ae_confirmed = forms.BooleanField(required=False, label=_("Confirmed by the account executive"))

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        self.fields["partnership"].queryset = selectors.partnership_choices(org=org)


class TouchpointForm(_OrgForm):
    partnership = _PartnershipChoice(queryset=None)
    influence_type = forms.ModelChoiceField(queryset=None, label=_("Type"))
    phase = forms.ChoiceField(choices=Touchpoint.Phase.choices)
    occurred_at = forms.DateTimeField(
        label=_("When"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}), initial=timezone.now
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Evidence note"))
    link = forms.URLField(required=False, label=_("Evidence link"), assume_scheme="https")

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        self.fields["partnership"].queryset = selectors.partnership_choices(org=org)
        self.fields["influence_type"].queryset = selectors.influence_type_list(org=org)


class MaterialityForm(_OrgForm):
    partnership = _PartnershipChoice(queryset=None)
    sales_motion = forms.IntegerField(min_value=0, max_value=5)
    value_proposition = forms.IntegerField(min_value=0, max_value=5)
    delivery = forms.IntegerField(min_value=0, max_value=5)

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        self.fields["partnership"].queryset = selectors.partnership_choices(org=org)


class RegistrationForm(_OrgForm):
    partnership = _PartnershipChoice(queryset=None, help_text=_("The partner claiming the deal"))
    customer_name = forms.CharField(max_length=200)
    customer_domain = forms.CharField(max_length=253, required=False, help_text=_("e.g. globex.com"))
    value = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0)
    currency = forms.ChoiceField(choices=CURRENCY_CHOICES)
    products = forms.CharField(required=False, help_text=_("Comma-separated"))
    expected_close = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        self.fields["partnership"].queryset = selectors.partnership_choices(org=org)
        self.fields["currency"].initial = org.currency


class ApproveForm(_OrgForm):
    opportunity = forms.ModelChoiceField(
        queryset=None, required=False, help_text=_("Link an existing deal, or leave empty to create one")
    )
    override_reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), help_text=_("Required when it conflicts")
    )

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        self.fields["opportunity"].queryset = (
            Opportunity.objects.for_org(org).filter(status=Opportunity.Status.OPEN).select_related("account")
        )


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class MessageForm(forms.Form):
    message = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class ConfigForm(forms.ModelForm):
    models_enabled = forms.MultipleChoiceField(
        choices=AttributionModel.choices, widget=forms.CheckboxSelectMultiple, label=_("Models used")
    )
    own_domains = forms.CharField(
        required=False, help_text=_("Comma-separated; registrations for these domains are refused")
    )

    class Meta:
        model = AttributionConfig
        fields = [
            "models_enabled",
            "primary_model",
            "sourced_weight",
            "influenced_weight",
            "half_life_days",
            "position_first",
            "position_middle",
            "position_last",
            "protection_days",
            "own_domains",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["own_domains"] = ", ".join(self.instance.own_domains or [])

    def clean_own_domains(self):
        return [d.strip() for d in self.cleaned_data["own_domains"].split(",") if d.strip()]


SHARE_ROWS = 6


class SplitRuleForm(_OrgForm):
    """A rule's target and up to six partnership shares (blank rows ignored)."""

    name = forms.CharField(max_length=120)
    match_on = forms.ChoiceField(choices=SplitRule.MatchOn.choices)
    match_value = forms.CharField(max_length=120, help_text=_("The joint solution or product name"))
    priority = forms.IntegerField(min_value=0, max_value=32767, initial=100)
    note = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, org, with_rule_fields=True, **kwargs):
        super().__init__(*args, org=org, **kwargs)
        if not with_rule_fields:
            for name in ("name", "match_on", "match_value", "priority"):
                del self.fields[name]
        choices = selectors.partnership_choices(org=org)
        for i in range(SHARE_ROWS):
            self.fields[f"partnership_{i}"] = _PartnershipChoice(
                queryset=choices, required=False, label=_("Partnership"), org=org
            )
            self.fields[f"percent_{i}"] = forms.DecimalField(
                required=False, max_digits=5, decimal_places=2, min_value=0, max_value=100, label="%"
            )

    @property
    def share_rows(self):
        return [(self[f"partnership_{i}"], self[f"percent_{i}"]) for i in range(SHARE_ROWS)]

    def shares(self) -> list[dict]:
        rows = []
        for i in range(SHARE_ROWS):
            partnership = self.cleaned_data.get(f"partnership_{i}")
            percent = self.cleaned_data.get(f"percent_{i}")
            if partnership is None and percent is None:
                continue
            rows.append({"partnership_id": getattr(partnership, "pk", None), "percent": percent})
        return rows


class ImportForm(forms.Form):
    kind = forms.ChoiceField(choices=[("accounts", _("Accounts")), ("opportunities", _("Opportunities"))])
    file = forms.FileField(required=False, help_text=_("CSV, UTF-8, with a header line"))
    content = forms.CharField(required=False, widget=forms.HiddenInput)

    MAX_BYTES = 5 * 1024 * 1024

    def clean(self):
        data = super().clean()
        upload = data.get("file")
        if upload:
            if upload.size > self.MAX_BYTES:
                raise forms.ValidationError({"file": _("The file is larger than 5 MB.")})
            from pom.validation import decode

            try:
                data["content"], _encoding = decode(upload.read())  # UTF-8, UTF-16 with BOM, Latin-1
            except ValidationError as exc:
                raise forms.ValidationError({"file": exc.messages}) from None
        if not data.get("content"):
            raise forms.ValidationError({"file": _("Choose a CSV file.")})
        return data


# Incentives, MDF and joint solutions -------------------------------------------------------------

from django.utils.translation import gettext_lazy as _t  # noqa: E402

from attribution.models import CommissionRule, MdfBudget  # noqa: E402


class CommissionRuleForm(forms.Form):
    program = forms.TypedChoiceField(coerce=int, label=_t("Program"))
    tier = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label=_t("Tier (optional)"))
    name = forms.CharField(max_length=120, label=_t("Name"))
    kind = forms.ChoiceField(choices=CommissionRule.Kind.choices, label=_t("Kind"))
    basis = forms.ChoiceField(choices=CommissionRule.Basis.choices, label=_t("Basis"))
    scope = forms.ChoiceField(choices=CommissionRule.Scope.choices, label=_t("Deals"))
    rate = forms.DecimalField(max_digits=7, decimal_places=2, label=_t("Rate (%) or fee"))
    threshold = forms.DecimalField(max_digits=14, decimal_places=2, required=False, label=_t("Yearly threshold"))
    rate_above = forms.DecimalField(max_digits=7, decimal_places=2, required=False, label=_t("Rate above (%)"))
    fee_currency = forms.CharField(max_length=3, required=False, label=_t("Fee currency"))
    requires_involvement = forms.BooleanField(
        required=False, initial=True, label=_t("Non-sourcing partners need confirmed involvement")
    )
    recurring_periods = forms.IntegerField(min_value=1, max_value=10, initial=1, label=_t("Paid this many years"))

    def __init__(self, *args, programs=(), tiers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [(p.pk, p.name) for p in programs]
        self.fields["tier"].choices = [("", "—")] + [(t.pk, str(t)) for t in tiers]


class StatementPeriodForm(forms.Form):
    period_start = forms.DateField(label=_t("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_t("To"), widget=forms.DateInput(attrs={"type": "date"}))


class MdfBudgetForm(forms.Form):
    program = forms.TypedChoiceField(coerce=int, label=_t("Program"))
    name = forms.CharField(max_length=120, label=_t("Name"))
    period_start = forms.DateField(label=_t("From"), widget=forms.DateInput(attrs={"type": "date"}))
    period_end = forms.DateField(label=_t("To"), widget=forms.DateInput(attrs={"type": "date"}))
    amount = forms.DecimalField(max_digits=14, decimal_places=2, label=_t("Amount"))
    currency = forms.CharField(max_length=3, label=_t("Currency"))
    allocation = forms.ChoiceField(choices=MdfBudget.Allocation.choices, label=_t("Allocation"))

    def __init__(self, *args, programs=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].choices = [(p.pk, p.name) for p in programs]


class DecisionForm(forms.Form):
    amount = forms.DecimalField(max_digits=14, decimal_places=2, required=False, label=_t("Amount"))
    comment = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_t("Comment"))
    payment_reference = forms.CharField(required=False, max_length=120, label=_t("Payment reference"))


class SolutionIdeaForm(forms.Form):
    title = forms.CharField(max_length=120, label=_t("Title"))
    problem = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_t("Customer problem"))
    target_customers = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_t("Target customers")
    )
    partnerships = forms.TypedMultipleChoiceField(coerce=int, required=False, label=_t("Partnerships"))

    def __init__(self, *args, partnerships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnerships"].choices = [(p.pk, str(p)) for p in partnerships]
