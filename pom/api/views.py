import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.response import Response

from pom import selectors
from pom.api.base import OrgViewSet
from pom.api.serializers import (
    ApiKeyOutputSerializer,
    AuditEventOutputSerializer,
    JobOutputSerializer,
    MemberOutputSerializer,
    OrganizationOutputSerializer,
)
from pom.models import ApiKey, AuditEvent, Job, Membership, Role


class OrganizationViewSet(OrgViewSet):
    """The organization named in the URL."""

    model = ApiKey  # unused: this view set only serves the organization itself
    serializer_class = OrganizationOutputSerializer
    pagination_class = None
    filter_backends: list = []

    @extend_schema(responses=OrganizationOutputSerializer)
    def retrieve(self, request, org_slug):
        """One object, the organization (not a list)."""
        return Response(OrganizationOutputSerializer(self.org).data)


class MemberViewSet(mixins.ListModelMixin, OrgViewSet):
    model = Membership
    serializer_class = MemberOutputSerializer
    required_roles = {"GET": Role.VIEWER}
    # People's e-mail addresses and roles are for people: integrators name owners by e-mail in
    # their writes (`owner_email`) and never need the staff list (README, docs/api.md).
    api_keys_allowed = False
    filterset_fields = ["role"]
    search_fields = ["user__email", "user__name"]

    def get_queryset(self):  # Membership is not OrgOwned: it joins user and organization
        if getattr(self, "swagger_fake_view", False):
            return Membership.objects.none()
        return selectors.member_list(org=self.org)


class ApiKeyViewSet(mixins.ListModelMixin, OrgViewSet):
    """API keys are managed by owners and admins in the browser; this lists them for audits."""

    model = ApiKey
    serializer_class = ApiKeyOutputSerializer
    required_roles = {"GET": Role.ADMIN}


class AuditEventFilter(django_filters.FilterSet):
    since = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")

    class Meta:
        model = AuditEvent
        fields = ["object_type", "object_id", "action", "since"]


class AuditEventViewSet(mixins.ListModelMixin, OrgViewSet):
    """The audit trail of the organization, or of one object with `object_type` and `object_id`."""

    model = AuditEvent
    serializer_class = AuditEventOutputSerializer
    required_roles = {"GET": Role.ADMIN}
    filterset_class = AuditEventFilter
    ordering = ["-created_at", "-id"]

    @extend_schema(responses={200: {"type": "array", "items": {"type": "string"}}})
    @action(detail=False, methods=["get"], url_path="types", pagination_class=None, filter_backends=[])
    def types(self, request, org_slug):
        types = self.get_queryset().order_by().values_list("object_type", flat=True).distinct()
        return Response(sorted(types))


class JobViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Background jobs (imports, exports, computations): poll one until its status is done or failed."""

    model = Job
    serializer_class = JobOutputSerializer
    required_roles = {"GET": Role.VIEWER}
    filterset_fields = ["kind", "status"]
    ordering = ["-created_at", "-id"]
