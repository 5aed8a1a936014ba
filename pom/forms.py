from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pom.models import PEER_PROFILE_FIELDS, TIMEZONE_CHOICES, ApiKeyScope, Organization, Role, User
from pom.models_security import SsoProtocol


class SignupExtraForm(forms.Form):
    name = forms.CharField(max_length=150, required=False, label=_("Your name"))
    time_zone = forms.ChoiceField(choices=TIMEZONE_CHOICES, initial="UTC", label=_("Time zone"))

    def signup(self, request, user):
        user.name = self.cleaned_data.get("name", "")
        user.time_zone = self.cleaned_data.get("time_zone") or "UTC"
        user.save(update_fields=["name", "time_zone"])


class OrganizationForm(forms.ModelForm):
    class Meta:
        model = Organization
        fields = ["name", "size_band", "region", "industry", "currency", "fiscal_year_start_month"]
        labels = {"fiscal_year_start_month": _("Fiscal year starts in month (1–12)")}
        help_texts = {"currency": _("Three-letter ISO 4217 code used for money figures, e.g. EUR or USD.")}

    def clean_currency(self) -> str:
        return self.cleaned_data["currency"].strip().upper()


class PeerProfileForm(forms.ModelForm):
    """The peer-group profile benchmarks compare by (issue 10). Every field may stay unanswered."""

    class Meta:
        model = Organization
        fields = [*PEER_PROFILE_FIELDS, "benchmark_opt_in"]


class ProfileForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["name", "time_zone", "language"]
        labels = {"name": _("Name"), "time_zone": _("Time zone"), "language": _("Language")}
        help_texts = {"language": _("Pages and e-mails to you are in this language.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["language"].choices = [("", _("Your browser's language")), *settings.LANGUAGES]


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(choices=Role.choices, initial=Role.VIEWER)


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=Role.choices)


class ApiKeyForm(forms.Form):
    name = forms.CharField(max_length=100, help_text=_("What uses this key, e.g. 'Salesforce sync'."))
    scope = forms.ChoiceField(choices=ApiKeyScope.choices, initial=ApiKeyScope.READ)
    expires_in_days = forms.TypedChoiceField(
        label=_("Expires"),
        choices=[("", _("Never")), ("30", _("In 30 days")), ("90", _("In 90 days")), ("365", _("In a year"))],
        coerce=int,
        empty_value=None,
        required=False,
        initial="90",
    )


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


class SsoForm(forms.Form):
    enabled = forms.BooleanField(label=_("Sign members in through our identity provider"), required=False)
    protocol = forms.ChoiceField(label=_("Protocol"), choices=SsoProtocol.choices, initial=SsoProtocol.OIDC)
    issuer = forms.URLField(
        label=_("Issuer URL"),
        required=False,
        assume_scheme="https",
        help_text=_("e.g. https://login.example.com/oauth2/default; POM reads its /.well-known/openid-configuration."),
    )
    client_id = forms.CharField(label=_("Client id"), max_length=200, required=False)
    client_secret = forms.CharField(
        label=_("Client secret"),
        required=False,
        widget=forms.PasswordInput(render_value=False),
        help_text=_("Stored encrypted and never shown again; leave empty to keep the current one."),
    )
    saml_metadata_url = forms.URLField(
        label=_("SAML metadata URL"),
        required=False,
        assume_scheme="https",
        max_length=500,
        help_text=_("SAML: POM reads the entity id, sign-in URL and certificate from it when you save."),
    )
    saml_entity_id = forms.CharField(label=_("SAML IdP entity id"), max_length=500, required=False)
    saml_sso_url = forms.URLField(label=_("SAML sign-in URL"), required=False, assume_scheme="https", max_length=500)
    saml_x509cert = forms.CharField(
        label=_("SAML signing certificate (PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    saml_email_attribute = forms.CharField(
        label=_("SAML attribute holding the e-mail address"),
        max_length=200,
        required=False,
        help_text=_("Leave empty for the usual ones (mail, email, emailaddress claim) or an e-mail NameID."),
    )
    email_domains = forms.CharField(
        label=_("E-mail domains"),
        required=False,
        help_text=_("Addresses at these domains sign in through the provider, e.g. nimbus.example."),
    )
    default_role = forms.ChoiceField(
        label=_("Role of people who join through it"),
        choices=[(Role.VIEWER, Role.VIEWER.label), (Role.MANAGER, Role.MANAGER.label)],
        initial=Role.VIEWER,
    )
    require_sso = forms.BooleanField(
        label=_("Require single sign-on for members (owners may still use their password)"), required=False
    )


class SsoStartForm(forms.Form):
    email = forms.EmailField(label=_("Work e-mail"))
