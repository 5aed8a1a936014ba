from django import forms
from django.utils.translation import gettext_lazy as _

from workspaces.models import NotificationPreference, Side, WorkspaceRole


class InvitationForm(forms.Form):
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(choices=WorkspaceRole.choices, initial=WorkspaceRole.EDITOR)
    side = forms.ChoiceField(
        choices=Side.choices,
        initial=Side.PARTNER,
        help_text=_(
            "Partner people work at the partner; vendor colleagues already see the workspace through their role."
        ),
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=WorkspaceRole.choices)


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Comment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write an update… mention people with @name"}),
    )
    internal = forms.BooleanField(required=False, label=_("Internal note (vendor side only)"))


class CheckinForm(forms.Form):
    value = forms.DecimalField(max_digits=16, decimal_places=2, label=_("New value"))
    note = forms.CharField(required=False, max_length=1000, label=_("Note"))


class ActivityForm(forms.Form):
    STATUS_CHOICES = [
        ("not_started", "Not started"),
        ("in_progress", "In progress"),
        ("done", "Done"),
        ("blocked", "Blocked"),
        ("cancelled", "Cancelled"),
    ]
    status = forms.ChoiceField(choices=STATUS_CHOICES)
    progress = forms.IntegerField(min_value=0, max_value=100, required=False)


class ApproveForm(forms.Form):
    note = forms.CharField(required=False, max_length=500, label=_("Note"))


class FileForm(forms.Form):
    file = forms.FileField(label=_("File"))


class PreferenceForm(forms.Form):
    mode = forms.ChoiceField(
        choices=NotificationPreference.Mode.choices,
        widget=forms.RadioSelect,
        label=_("E-mail me about workspace activity"),
    )


class RegistrationForm(forms.Form):
    partnership = forms.TypedChoiceField(coerce=int, label=_("Partnership"))
    customer_name = forms.CharField(max_length=200, label=_("Customer"))
    customer_domain = forms.CharField(max_length=253, label=_("Customer web domain"), help_text=_("e.g. acme.com"))
    value = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, label=_("Deal value"))
    currency = forms.CharField(max_length=3, initial="EUR")
    products = forms.CharField(max_length=300, required=False, help_text=_("Comma-separated"))
    expected_close = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    notes = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, partnerships=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].choices = [(p.pk, str(p)) for p in partnerships]
        if len(self.fields["partnership"].choices) == 1:
            self.fields["partnership"].initial = self.fields["partnership"].choices[0][0]
            self.fields["partnership"].widget = forms.HiddenInput()


class DealRoomForm(forms.Form):
    """A workspace around several partnerships, optionally one open opportunity (a deal room)."""

    name = forms.CharField(max_length=200)
    description = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False)
    partnerships = forms.ModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, help_text=_("The partners working this deal with you.")
    )
    opportunity = forms.ModelChoiceField(queryset=None, required=False, empty_label=_("No opportunity"))

    def __init__(self, *args, org, **kwargs):
        from attribution.models import Opportunity
        from partners.selectors import partnership_list

        super().__init__(*args, **kwargs)
        self.fields["partnerships"].queryset = partnership_list(org=org).order_by("partner__name", "program__name")
        self.fields["opportunity"].queryset = (
            Opportunity.objects.for_org(org)
            .filter(status=Opportunity.Status.OPEN)
            .select_related("account")
            .order_by("name")
        )


# Programs in motion (fund requests, claims, joint-solution ideas) -------------------------------

from django.utils.translation import gettext_lazy as _  # noqa: E402


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (Django's documented pattern); each is checked by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class FundRequestForm(forms.Form):
    partnership = forms.TypedChoiceField(coerce=int, label=_("Partnership"))
    budget = forms.TypedChoiceField(coerce=int, label=_("Budget"))
    activity = forms.CharField(max_length=200, label=_("Activity"))
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Description"))
    start_date = forms.DateField(label=_("Starts"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(label=_("Ends"), widget=forms.DateInput(attrs={"type": "date"}))
    amount_requested = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, label=_("Amount"))
    expected_outcome = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Expected outcome")
    )
    expected_leads = forms.IntegerField(min_value=0, required=False, label=_("Expected leads"))
    campaign_code = forms.CharField(
        max_length=40,
        required=False,
        label=_("Campaign code"),
        help_text=_("Tag the leads and deals of this campaign with it; left empty, POM makes one."),
    )

    def __init__(self, *args, partnerships=(), budgets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["partnership"].choices = [(p.pk, str(p)) for p in partnerships]
        self.fields["budget"].choices = [(b.pk, f"{b.name} · {b.remaining:,.2f} {b.currency} left") for b in budgets]


class ClaimForm(forms.Form):
    amount_claimed = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, label=_("Amount claimed"))
    leads_generated = forms.IntegerField(min_value=0, required=False, label=_("Leads generated"))
    results = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Results"))
    proofs = MultipleFileField(
        label=_("Proof of performance"),
        required=False,
        help_text=_(
            "Invoices, photos, attendee or lead lists: PDF, PNG, JPG, DOCX, XLSX, PPTX, CSV or TXT, up to 20 MB each."
        ),
    )


class IdeaForm(forms.Form):
    title = forms.CharField(max_length=120, label=_("Title"))
    problem = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), label=_("Customer problem"))
    target_customers = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 2}), label=_("Target customers")
    )


class StepForm(forms.Form):
    note = forms.CharField(required=False, max_length=300, label=_("Note"))
