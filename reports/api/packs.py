"""QBR packs and scheduled reports for integrators: packs (read, and a generate request answered 202
with the job), subscriptions (their owner or an admin writes; people see theirs, admins everyone's)."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.decorators import action

from partners.models import Partnership
from pom.api.base import OrgScopedPK, ServiceViewSet
from pom.api.serializers import JobOutputSerializer
from pom.models import Role, User
from reports import packs, report_kinds, schedules
from reports.packs_models import QbrPack, ReportSubscription


class QbrPackOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = QbrPack
        fields = ["id", "partnership", "period_start", "period_end", "period_label", "generated_at",
                  "generated_by", "generated_side"]  # fmt: skip
        read_only_fields = fields


class QbrPackDetailOutputSerializer(QbrPackOutputSerializer):
    snapshot = serializers.JSONField(read_only=True, help_text="Every section as frozen (see docs/qbr.md)")

    class Meta(QbrPackOutputSerializer.Meta):
        fields = [*QbrPackOutputSerializer.Meta.fields, "snapshot"]
        read_only_fields = fields


class QbrPackRequestSerializer(serializers.Serializer):
    partnership = OrgScopedPK(queryset=Partnership.objects.all())
    period = serializers.CharField(help_text='A calendar quarter, e.g. "2026-Q3"')

    def validate_period(self, value):
        if packs.parse_quarter(value) is None:
            raise serializers.ValidationError('Enter a quarter such as "2026-Q3".')
        return value


class QbrPackViewSet(ServiceViewSet):
    """Frozen QBR packs, newest first (`?partnership=`); the detail carries the snapshot.
    `POST …/generate/` queues a new pack from live data (managers) and answers the job to poll."""

    model = QbrPack
    output_serializer_class = QbrPackOutputSerializer

    def get_serializer_class(self):
        return QbrPackDetailOutputSerializer if self.action == "retrieve" else QbrPackOutputSerializer

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if self.action == "list":
            queryset = queryset.defer("snapshot")
        return queryset.order_by("-generated_at", "-id")

    def filter_request(self, queryset):
        value = self.request.query_params.get("partnership")
        if value:
            if not value.isdigit():
                raise serializers.ValidationError({"partnership": "Enter a whole number."})
            queryset = queryset.filter(partnership_id=int(value))
        return queryset

    @extend_schema(request=QbrPackRequestSerializer, responses={202: JobOutputSerializer})
    @action(detail=False, methods=["post"])
    def generate(self, request, *args, **kwargs):
        checked = self.validated(QbrPackRequestSerializer)
        start, end, label = packs.parse_quarter(checked["period"])
        job = packs.pack_request(
            org=self.org, actor=self.actor, partnership=checked["partnership"], period_start=start,
            period_end=end, label=label,
        )  # fmt: skip
        return self.answer_job(job)


class SubscriptionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportSubscription
        fields = ["id", "kind", "params", "frequency", "recipients", "owner", "next_run_at", "last_run_at",
                  "active", "stopped_reason", "runs"]  # fmt: skip
        read_only_fields = fields


class MemberPK(serializers.PrimaryKeyRelatedField):
    def get_queryset(self):
        return User.objects.filter(memberships__organization=self.context["org"])


class SubscriptionInputSerializer(serializers.Serializer):
    kind = serializers.CharField(help_text="A report kind key (see reports/report_kinds.py)")
    params = serializers.JSONField(required=False, default=dict)
    frequency = serializers.ChoiceField(choices=ReportSubscription.Frequency.choices)
    recipients = MemberPK(many=True)

    def validate_kind(self, value):
        if report_kinds.get(value) is None:
            raise serializers.ValidationError("Unknown report kind.")
        return value


class SubscriptionUpdateSerializer(serializers.Serializer):
    params = serializers.JSONField(required=False)
    frequency = serializers.ChoiceField(choices=ReportSubscription.Frequency.choices, required=False)
    recipients = MemberPK(many=True, required=False)
    active = serializers.BooleanField(required=False)


class PeopleOwnSubscriptions(permissions.BasePermission):
    """Subscriptions belong to people (API keys only read them); only the owner or an admin changes one."""

    def has_permission(self, request, view) -> bool:
        self.message = "Scheduled reports belong to a person; use a signed-in session."
        return request.method in permissions.SAFE_METHODS or isinstance(view.actor, User)

    def has_object_permission(self, request, view, sub) -> bool:
        self.message = "Only the owner or an admin can change this subscription."
        return (
            request.method in permissions.SAFE_METHODS
            or sub.owner_id == view.actor.pk
            or view.org_role in (Role.OWNER, Role.ADMIN)
        )


class ReportSubscriptionViewSet(ServiceViewSet):
    """Scheduled reports. Anyone in the organization subscribes members to a report they may see; only
    the owner or an admin changes or deletes it. Subscriptions belong to people, not API keys."""

    model = ReportSubscription
    input_serializer_class = SubscriptionInputSerializer
    update_serializer_class = SubscriptionUpdateSerializer
    output_serializer_class = SubscriptionOutputSerializer
    allow_put = False
    permission_classes = [*ServiceViewSet.permission_classes, PeopleOwnSubscriptions]
    required_roles = {"POST": Role.VIEWER, "PATCH": Role.VIEWER, "DELETE": Role.VIEWER}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def filter_queryset(self, queryset):
        if not isinstance(self.actor, User):
            return super().filter_queryset(queryset).prefetch_related("recipients").order_by("kind", "id")
        visible = schedules.subscription_list(org=self.org, user=self.actor).values("pk")
        return super().filter_queryset(queryset).filter(pk__in=visible).prefetch_related("recipients").order_by("id")

    def create_object(self, data):
        return schedules.subscription_create(org=self.org, actor=self.actor, **data)

    def update_object(self, sub, data):
        return schedules.subscription_update(org=self.org, actor=self.actor, subscription=sub, **data)

    def delete_object(self, sub):
        schedules.subscription_delete(org=self.org, actor=self.actor, subscription=sub)
