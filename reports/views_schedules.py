"""Scheduled reports pages: list, create, edit, pause/resume, delete (owner or admin)."""

from __future__ import annotations

import json

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.utils.translation import gettext_lazy as _

from partners.models import Partnership
from pom import picker
from pom.models import Role, User
from pom.pages import OrgPage, add_errors, error_text
from pom.web import paginate, query_without_page
from reports import report_kinds, schedules
from reports.packs_models import ReportSubscription


class SubscriptionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Report"))
    partnership = picker.PickerChoiceField(
        kind="partnerships", label=_("Partnership"), queryset=Partnership.objects.none(), required=False,
        help_text=_("For QBR packs and Partner Wrapped"),
    )  # fmt: skip
    params = forms.CharField(
        label=_("Filters (JSON)"), required=False, widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_('Other filters, e.g. {"program": "3"}'),
    )  # fmt: skip
    frequency = forms.ChoiceField(label=_("Frequency"), choices=ReportSubscription.Frequency.choices)
    recipients = forms.ModelMultipleChoiceField(label=_("Recipients"), queryset=User.objects.none())

    def __init__(self, *args, org, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k.key, k.title) for k in report_kinds.all_kinds()]
        picker.bind(self.fields["partnership"], org=org)
        self.fields["recipients"].queryset = User.objects.filter(memberships__organization=org).order_by("email")

    def clean_params(self):
        raw = self.cleaned_data.get("params") or ""
        if not raw.strip():
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            raise forms.ValidationError(_("Enter a JSON object.")) from None
        if not isinstance(value, dict):
            raise forms.ValidationError(_("Enter a JSON object."))
        return value

    def report_params(self) -> dict:
        params = dict(self.cleaned_data["params"])
        if self.cleaned_data.get("partnership"):
            params["partnership"] = self.cleaned_data["partnership"].pk
        return params


def _initial(subscription: ReportSubscription) -> dict:
    params = dict(subscription.params)
    partnership = params.pop("partnership", None)
    return {
        "kind": subscription.kind,
        "partnership": partnership,
        "params": json.dumps(params) if params else "",
        "frequency": subscription.frequency,
        "recipients": list(subscription.recipients.all()),
    }


class SubscriptionListView(OrgPage):
    """Your scheduled reports (admins: everyone's), and a form to add one."""

    required_roles = {"GET": Role.VIEWER, "POST": Role.VIEWER}
    template_name = "reports/packs/schedules.html"

    def get(self, request, org_slug, form=None, status=200):
        subs = schedules.subscription_list(org=self.org, user=request.user)
        kinds = {k.key: k.title for k in report_kinds.all_kinds()}
        page = paginate(request, subs, per_page=25)
        for sub in page:
            sub.title = kinds.get(sub.kind, sub.kind)
        form = form or SubscriptionForm(org=self.org, initial={"recipients": [request.user]})
        context = self.ctx(page=page, query=query_without_page(request), form=form)
        return self.show(request, context, status=status)

    def post(self, request, org_slug):
        form = SubscriptionForm(request.POST, org=self.org)
        if not form.is_valid():
            return self.get(request, org_slug, form=form, status=400)
        try:
            schedules.subscription_create(
                org=self.org, actor=request.user, kind=form.cleaned_data["kind"], params=form.report_params(),
                frequency=form.cleaned_data["frequency"], recipients=list(form.cleaned_data["recipients"]),
            )  # fmt: skip
        except ValidationError as exc:
            add_errors(form, exc)
            return self.get(request, org_slug, form=form, status=400)
        messages.success(request, _("Scheduled. The first report leaves on the next slot."))
        return redirect("reports:schedules", org_slug=self.org.slug)


class SubscriptionView(OrgPage):
    """Edit one subscription (owner or admin); `action=pause|resume|delete` for the buttons."""

    required_roles = {"GET": Role.VIEWER, "POST": Role.VIEWER}
    template_name = "reports/packs/schedule_edit.html"

    def subscription(self, pk) -> ReportSubscription:
        subscription = schedules.subscription_get(org=self.org, user=self.request.user, pk=pk)
        if subscription is None:
            raise Http404("No such subscription")
        if subscription.owner_id != self.request.user.pk and self.role not in (Role.OWNER, Role.ADMIN):
            raise PermissionDenied("Only the owner or an admin can change this subscription.")
        return subscription

    def get(self, request, org_slug, pk, form=None, status=200):
        subscription = self.subscription(pk)
        form = form or SubscriptionForm(org=self.org, initial=_initial(subscription))
        form.fields["kind"].disabled = True
        return self.show(request, self.ctx(subscription=subscription, form=form), status=status)

    def post(self, request, org_slug, pk):
        subscription = self.subscription(pk)
        action = request.POST.get("action", "save")
        try:
            if action == "delete":
                schedules.subscription_delete(org=self.org, actor=request.user, subscription=subscription)
                messages.success(request, _("Subscription deleted."))
                return redirect("reports:schedules", org_slug=self.org.slug)
            if action in ("pause", "resume"):
                schedules.subscription_update(
                    org=self.org, actor=request.user, subscription=subscription, active=action == "resume"
                )
                messages.success(
                    request, _("Subscription paused.") if action == "pause" else _("Subscription resumed.")
                )
                return redirect("reports:schedules", org_slug=self.org.slug)
            data = request.POST.copy()
            data["kind"] = subscription.kind
            form = SubscriptionForm(data, org=self.org)
            if not form.is_valid():
                return self.get(request, org_slug, pk, form=form, status=400)
            schedules.subscription_update(
                org=self.org, actor=request.user, subscription=subscription, params=form.report_params(),
                frequency=form.cleaned_data["frequency"], recipients=list(form.cleaned_data["recipients"]),
            )  # fmt: skip
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("reports:schedule", org_slug=self.org.slug, pk=subscription.pk)
        messages.success(request, _("Subscription saved."))
        return redirect("reports:schedules", org_slug=self.org.slug)
