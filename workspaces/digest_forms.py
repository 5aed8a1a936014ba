from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from workspaces.forms import PreferenceForm
from workspaces.models import DigestKind, DigestSettings, NotificationPreference


class DigestPreferenceForm(PreferenceForm):
    """The notification preferences, extended with partnership digests: one page for both."""

    digest_frequency = forms.ChoiceField(
        choices=NotificationPreference.DigestFrequency.choices,
        widget=forms.RadioSelect,
        label=_("Partnership digests"),
        required=False,  # a form that only sends `mode` (older pages, scripts) leaves digest choices as they are
    )
    digest_kinds = forms.MultipleChoiceField(
        choices=DigestKind.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label=_("Digest kinds I want"),
        help_text=_("None ticked means all kinds."),
    )
    language = forms.ChoiceField(
        choices=[("", _("Site default"))] + list(settings.LANGUAGES), required=False, label=_("Language of my digests")
    )


class DigestEditForm(forms.Form):
    subject = forms.CharField(max_length=200, label=_("Subject"))
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 10}), max_length=8000, label=_("Text"))


class DigestSettingsForm(forms.Form):
    mode = forms.ChoiceField(choices=DigestSettings.Mode.choices, widget=forms.RadioSelect, label=_("Sending"))
    llm_enabled = forms.BooleanField(
        required=False,
        label=_("Write with the language model (needs POM_DIGEST_LLM_URL; falls back to the template text)"),
    )
    enabled_kinds = forms.MultipleChoiceField(
        choices=DigestKind.choices, widget=forms.CheckboxSelectMultiple, required=False, label=_("Digest kinds")
    )
    enabled_rules = forms.MultipleChoiceField(
        choices=[], widget=forms.CheckboxSelectMultiple, required=False, label=_("Next-best-action rules on")
    )

    def __init__(self, *args, rules=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enabled_rules"].choices = [(fn.code, fn.title) for fn in rules]


class CheckinLinkForm(forms.Form):
    value = forms.CharField(max_length=40, label=_("New value"))
    note = forms.CharField(max_length=2000, required=False, label=_("Note (optional)"))


class DismissForm(forms.Form):
    reason = forms.CharField(max_length=300, label=_("Why dismiss it?"))


class SnoozeForm(forms.Form):
    until = forms.DateField(label=_("Snooze until"), widget=forms.DateInput(attrs={"type": "date"}))
