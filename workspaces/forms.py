from django import forms

from workspaces.models import NotificationPreference, Side, WorkspaceRole


class InvitationForm(forms.Form):
    email = forms.EmailField(label="E-mail")
    role = forms.ChoiceField(choices=WorkspaceRole.choices, initial=WorkspaceRole.EDITOR)
    side = forms.ChoiceField(
        choices=Side.choices,
        initial=Side.PARTNER,
        help_text="Partner people work at the partner; vendor colleagues already see the workspace through their role.",
    )


class MemberRoleForm(forms.Form):
    role = forms.ChoiceField(choices=WorkspaceRole.choices)


class CommentForm(forms.Form):
    body = forms.CharField(
        label="Comment",
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3, "placeholder": "Write an update… mention people with @name"}),
    )
    internal = forms.BooleanField(required=False, label="Internal note (vendor side only)")


class CheckinForm(forms.Form):
    value = forms.DecimalField(max_digits=16, decimal_places=2, label="New value")
    note = forms.CharField(required=False, max_length=1000, label="Note")


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
    note = forms.CharField(required=False, max_length=500, label="Note")


class FileForm(forms.Form):
    file = forms.FileField(label="File")


class PreferenceForm(forms.Form):
    mode = forms.ChoiceField(
        choices=NotificationPreference.Mode.choices,
        widget=forms.RadioSelect,
        label="E-mail me about workspace activity",
    )


class RegistrationForm(forms.Form):
    partnership = forms.TypedChoiceField(coerce=int, label="Partnership")
    customer_name = forms.CharField(max_length=200, label="Customer")
    customer_domain = forms.CharField(max_length=253, label="Customer web domain", help_text="e.g. acme.com")
    value = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, label="Deal value")
    currency = forms.CharField(max_length=3, initial="EUR")
    products = forms.CharField(max_length=300, required=False, help_text="Comma-separated")
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
        queryset=None, widget=forms.CheckboxSelectMultiple, help_text="The partners working this deal with you."
    )
    opportunity = forms.ModelChoiceField(queryset=None, required=False, empty_label="No opportunity")

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
