"""Settings → Webhooks: endpoints, their secrets, the delivery log and redelivery (owners and admins)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from pom import webhooks
from pom.forms import WebhookEndpointForm
from pom.models import Role
from pom.models_webhooks import WebhookDelivery
from pom.pages import OrgPage, add_errors, error_text
from pom.web import paginate, query_without_page
from pom.webhook_events import event_types


class WebhookBase(OrgPage):
    required_role = Role.ADMIN
    page_context = {"settings_tab": "webhooks"}

    def endpoint(self, pk):
        return get_object_or_404(webhooks.endpoint_list(org=self.org), pk=pk)


class WebhooksView(WebhookBase):
    template_name = "pom/settings_webhooks.html"

    def get(self, request, org_slug, form=None, status=200):
        context = self.ctx(
            endpoints=webhooks.endpoint_list(org=self.org),
            form=form or WebhookEndpointForm(),
            catalogue=event_types(),
        )
        return render(request, self.template_name, context, status=status)

    def post(self, request, org_slug):
        form = WebhookEndpointForm(request.POST)
        if form.is_valid():
            try:
                endpoint, secret = webhooks.endpoint_create(org=self.org, actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Endpoint added. Copy its signing secret now: it is shown only once."))
                return WebhookView.as_view()(request, org_slug=org_slug, pk=endpoint.pk, new_secret=secret)
        return self.get(request, org_slug, form=form, status=400)


class WebhookView(WebhookBase):
    """One endpoint: settings, secret rotation, test event, and its delivery log (filterable, paged)."""

    template_name = "pom/webhook.html"

    def get(self, request, org_slug, pk, form=None, status=200, new_secret=None):
        endpoint = self.endpoint(pk)
        status_filter = request.GET.get("status") or None
        if status_filter not in WebhookDelivery.Status.values:
            status_filter = None
        deliveries = webhooks.delivery_list(
            org=self.org, endpoint=endpoint, status=status_filter, event_type=request.GET.get("event_type") or None
        )
        initial = {"url": endpoint.url, "description": endpoint.description, "event_types": endpoint.event_types}
        context = self.ctx(
            endpoint=endpoint,
            form=form or WebhookEndpointForm(initial=initial),
            page=paginate(request, deliveries),
            query=query_without_page(request),
            filters=request.GET,
            statuses=WebhookDelivery.Status.choices,
            catalogue=event_types(),
            new_secret=new_secret,
        )
        return render(request, self.template_name, context, status=status)

    def post(self, request, org_slug, pk, new_secret=None):
        if new_secret is not None:  # rendered right after creation by WebhooksView
            return self.get(request, org_slug, pk, new_secret=new_secret)
        endpoint = self.endpoint(pk)
        form = WebhookEndpointForm(request.POST)
        if form.is_valid():
            try:
                webhooks.endpoint_update(org=self.org, actor=request.user, endpoint=endpoint, data=form.cleaned_data)
            except ValidationError as exc:
                add_errors(form, exc)
            else:
                messages.success(request, _("Endpoint saved."))
                return redirect("org_webhook", org_slug=self.org.slug, pk=endpoint.pk)
        return self.get(request, org_slug, pk, form=form, status=400)


class WebhookActionView(WebhookBase):
    """POST rotate / test / enable / disable / delete on one endpoint."""

    def post(self, request, org_slug, pk, action):
        endpoint = self.endpoint(pk)
        if action == "rotate":
            secret = webhooks.endpoint_rotate_secret(org=self.org, actor=request.user, endpoint=endpoint)
            messages.success(request, _("New signing secret created; the previous one keeps working for a while."))
            return WebhookView.as_view()(request, org_slug=org_slug, pk=endpoint.pk, new_secret=secret)
        if action == "test":
            webhooks.endpoint_send_test(org=self.org, actor=request.user, endpoint=endpoint)
            messages.success(request, _("Test event queued; its delivery appears below."))
        elif action in ("enable", "disable"):
            webhooks.endpoint_update(
                org=self.org, actor=request.user, endpoint=endpoint, data={"is_active": action == "enable"}
            )
            messages.success(request, _("Endpoint enabled.") if action == "enable" else _("Endpoint disabled."))
        elif action == "delete":
            webhooks.endpoint_delete(org=self.org, actor=request.user, endpoint=endpoint)
            messages.success(request, _("Endpoint deleted."))
            return redirect("org_webhooks", org_slug=self.org.slug)
        else:
            return render(request, "404.html", status=404)
        return redirect("org_webhook", org_slug=self.org.slug, pk=endpoint.pk)


class WebhookDeliveryView(WebhookBase):
    """One delivery: its payload, every attempt with status code and response time; redeliver."""

    template_name = "pom/webhook_delivery.html"

    def delivery(self, pk):
        return get_object_or_404(webhooks.delivery_list(org=self.org), pk=pk)

    def get(self, request, org_slug, pk):
        delivery = self.delivery(pk)
        context = self.ctx(
            delivery=delivery,
            endpoint=delivery.endpoint,
            attempts=webhooks.attempt_list(org=self.org, delivery=delivery),
        )
        return render(request, self.template_name, context)

    def post(self, request, org_slug, pk):
        delivery = self.delivery(pk)
        try:
            copy = webhooks.delivery_redeliver(org=self.org, actor=request.user, delivery=delivery)
        except ValidationError as exc:
            messages.error(request, error_text(exc))
            return redirect("org_webhook_delivery", org_slug=self.org.slug, pk=delivery.pk)
        messages.success(request, _("Redelivery queued."))
        return redirect("org_webhook_delivery", org_slug=self.org.slug, pk=copy.pk)
