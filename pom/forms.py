from django import forms
from django.utils.translation import gettext_lazy as _

from pom.models import TIMEZONE_CHOICES, ApiKeyScope, Organization, Role, User


class SignupExtraForm(forms.Form):
    name = forms.CharField(max_length=150, required=False, label="Your name")
    time_zone = forms.ChoiceField(choices=TIMEZONE_CHOICES, initial="UTC", label="Time zone")

    def signup(self, request, user):
        user.name = self.cleaned_data.get("name", "")
        user.time_zone = self.cleaned_data.get("time_zone") or "UTC"
        user.save(update_fields=["name", "time_zone"])


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "size_band", "region", "industry", "currency", "fiscal_year_start_month"]
        labels = {"fiscal_year_start_month": "Fiscal year starts in month (1–12)"}
        help_texts = {"currency": "Three-letter ISO 4217 code used for money figures, e.g. EUR or USD."}

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "time_zone"]


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses this key, e.g. 'Salesforce sync'.")
    scope = forms.ChoiceField(choices=ApiKeyScope.choices, initial=ApiKeyScope.READ)


class WebhookEndpointForm(forms.Form):
    url = forms.URLField(
        label=_("Endpoint URL"),
        max_length=500,
        assume_scheme="https",
        help_text=_("An https:// address on the public internet; POM POSTs signed JSON to it."),
    )
    description = forms.CharField(label=_("Description"), max_length=200, required=False)
    event_types = forms.MultipleChoiceField(label=_("Events to send"), widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args, **kwargs):
        from pom.webhook_events import event_types

        super().__init__(*args, **kwargs)
        self.fields["event_types"].choices = [(name, f"{name} — {label}") for name, label in event_types().items()]
