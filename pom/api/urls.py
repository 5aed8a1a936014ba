from django.urls import path
from rest_framework.routers import SimpleRouter

from pom.api import security, views, webhooks

app_name = "pom-api"

router = SimpleRouter()
router.register("members", views.MemberViewSet, basename="member")
router.register("api-keys", views.ApiKeyViewSet, basename="api-key")
router.register("audit-events", views.AuditEventViewSet, basename="audit-event")
router.register("jobs", views.JobViewSet, basename="job")
router.register("webhooks", webhooks.WebhookEndpointViewSet, basename="webhook")
router.register("webhook-deliveries", webhooks.WebhookDeliveryViewSet, basename="webhook-delivery")

urlpatterns = [
    path("", views.OrganizationViewSet.as_view({"get": "retrieve"}), name="organization"),
    path(
        "security/",
        security.SecurityPolicyViewSet.as_view({"get": "retrieve", "patch": "partial_update"}),
        name="security-policy",
    ),
    *router.urls,
]
