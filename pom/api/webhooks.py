"""Webhook endpoints, the delivery log and the event catalogue over the API (owners and admins; no keys)."""

from __future__ import annotations

import django_filters
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from pom import webhooks
from pom.api.base import OrgViewSet, ServiceViewSet
from pom.models import Role
from pom.models_webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from pom.webhook_events import event_types

ADMIN_ONLY = dict.fromkeys(("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"), Role.ADMIN)


class WebhookEndpointInputSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500)
    description = serializers.CharField(max_length=200, required=False, allow_blank=True)
    event_types = serializers.ListField(child=serializers.CharField(max_length=80), allow_empty=False)
    is_active = serializers.BooleanField(required=False)


class WebhookEndpointOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "url",
            "description",
            "event_types",
            "is_active",
            "consecutive_failures",
            "disabled_at",
            "disabled_reason",
            "previous_secret_expires_at",
            "created_at",
        ]


class WebhookEndpointSecretOutputSerializer(WebhookEndpointOutputSerializer):
    secret = serializers.SerializerMethodField()

    class Meta(WebhookEndpointOutputSerializer.Meta):
        fields = [*WebhookEndpointOutputSerializer.Meta.fields, "secret"]

    def get_secret(self, obj) -> str:
        """The signing secret: returned only when the endpoint is created or its secret rotated."""
        return self.context["secret"]


class WebhookAttemptOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookAttempt
        fields = ["number", "created_at", "status_code", "duration_ms", "error", "response_excerpt"]


class WebhookDeliveryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "status",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "last_duration_ms",
            "last_error",
            "delivered_at",
            "redelivery_of",
            "created_at",
        ]


class WebhookDeliveryDetailOutputSerializer(WebhookDeliveryOutputSerializer):
    attempt_log = WebhookAttemptOutputSerializer(many=True, read_only=True)

    class Meta(WebhookDeliveryOutputSerializer.Meta):
        fields = [*WebhookDeliveryOutputSerializer.Meta.fields, "payload", "attempt_log"]


class WebhookEndpointViewSet(ServiceViewSet):
    """Endpoints that receive signed event POSTs. The secret is returned on create and rotate only."""

    model = WebhookEndpoint
    input_serializer_class = WebhookEndpointInputSerializer
    output_serializer_class = WebhookEndpointOutputSerializer
    allow_put = False
    required_roles = ADMIN_ONLY
    filterset_fields = ["is_active"]
    ordering = ["-created_at", "-id"]

    create_output_serializer_class = WebhookEndpointSecretOutputSerializer

    def create_object(self, data):
        fields = {k: v for k, v in data.items() if k != "is_active"}
        endpoint, secret = webhooks.endpoint_create(org=self.org, actor=self.actor, **fields)
        self.answer_context = {"secret": secret}
        return endpoint

    def update_object(self, endpoint, data):
        return webhooks.endpoint_update(org=self.org, actor=self.actor, endpoint=endpoint, data=data)

    def delete_object(self, endpoint):
        webhooks.endpoint_delete(org=self.org, actor=self.actor, endpoint=endpoint)

    @extend_schema(request=None, responses=WebhookEndpointSecretOutputSerializer)
    @action(detail=True, methods=["post"], url_path="rotate-secret")
    def rotate_secret(self, request, org_slug, pk):
        """A new signing secret; the previous one keeps signing during the overlap period."""
        endpoint = self.get_object()
        secret = webhooks.endpoint_rotate_secret(org=self.org, actor=self.actor, endpoint=endpoint)
        return self.answer(endpoint, serializer_class=WebhookEndpointSecretOutputSerializer, context={"secret": secret})

    @extend_schema(request=None, responses={202: WebhookDeliveryOutputSerializer})
    @action(detail=True, methods=["post"], url_path="test")
    def send_test(self, request, org_slug, pk):
        """Queue a `webhook.ping` event to this endpoint."""
        delivery = webhooks.endpoint_send_test(org=self.org, actor=self.actor, endpoint=self.get_object())
        return Response(WebhookDeliveryOutputSerializer(delivery).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(
        responses={
            200: inline_serializer(
                "WebhookEventType", {"name": serializers.CharField(), "description": serializers.CharField()}, many=True
            )
        }
    )
    @action(detail=False, methods=["get"], url_path="event-types", pagination_class=None, filter_backends=[])
    def event_types(self, request, org_slug):
        """Every event type an endpoint can subscribe to."""
        return Response([{"name": n, "description": str(d)} for n, d in event_types().items()])


class WebhookDeliveryFilter(django_filters.FilterSet):
    endpoint = django_filters.NumberFilter(field_name="endpoint_id")

    class Meta:
        model = WebhookDelivery
        fields = ["endpoint", "status", "event_type", "event_id"]


class WebhookDeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """The delivery log: every event sent, its attempts with status codes and response times."""

    model = WebhookDelivery
    serializer_class = WebhookDeliveryOutputSerializer
    required_roles = ADMIN_ONLY
    filterset_class = WebhookDeliveryFilter
    ordering = ["-created_at", "-id"]

    def get_serializer_class(self):
        return WebhookDeliveryDetailOutputSerializer if self.action == "retrieve" else WebhookDeliveryOutputSerializer

    @extend_schema(request=None, responses={202: WebhookDeliveryOutputSerializer})
    @action(detail=True, methods=["post"])
    def redeliver(self, request, org_slug, pk):
        """Send the delivery's event again, as a new delivery with the same event id."""
        copy = webhooks.delivery_redeliver(org=self.org, actor=self.actor, delivery=self.get_object())
        return Response(WebhookDeliveryOutputSerializer(copy).data, status=status.HTTP_202_ACCEPTED)
