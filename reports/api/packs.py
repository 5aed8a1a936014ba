"""QBR packs and scheduled reports for integrators: packs (read, and a generate request answered 202
with the job), subscriptions (their owner or an admin writes; people see theirs, admins everyone's)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.models import Partnership
from pom.api.base import OrgScopedPK, OrgViewSet
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


class QbrPackViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Frozen QBR packs, newest first (`?partnership=`); the detail carries the snapshot.
    `POST …/generate/` queues a new pack from live data (managers) and answers the job to poll."""

    model = QbrPack
    serializer_class = QbrPackOutputSerializer

    def get_serializer_class(self):
        return QbrPackDetailOutputSerializer if self.action == "retrieve" else QbrPackOutputSerializer

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        value = self.request.query_params.get("partnership")
        if value:
            if not value.isdigit():
                raise serializers.ValidationError({"partnership": "Enter a whole number."})
            queryset = queryset.filter(partnership_id=int(value))
        if self.action == "list":
            queryset = queryset.defer("snapshot")
        return queryset.order_by("-generated_at", "-id")

    @extend_schema(request=QbrPackRequestSerializer, responses={202: JobOutputSerializer})
    @action(detail=False, methods=["post"])
    def generate(self, request, *args, **kwargs):
        checked = self.validated(QbrPackRequestSerializer)
        start, end, label = packs.parse_quarter(checked["period"])
        job = packs.pack_request(
            org=self.org, actor=self.actor, partnership=checked["partnership"], period_start=start,
            period_end=end, label=label,
        )  # fmt: skip
        return Response(JobOutputSerializer(job, context=self.get_serializer_context()).data, status=202)


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


def _as_drf(exc: DjangoValidationError) -> serializers.ValidationError:
    return serializers.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)


class ReportSubscriptionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Scheduled reports. Anyone in the organization subscribes members to a report they may see; only
    the owner or an admin changes or deletes it. Subscriptions belong to people, not API keys."""

    model = ReportSubscription
    serializer_class = SubscriptionOutputSerializer
    required_roles = {"POST": Role.VIEWER, "PATCH": Role.VIEWER, "DELETE": Role.VIEWER}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]

    def _person(self) -> User:
        if not isinstance(self.actor, User):
            raise exceptions.PermissionDenied("Scheduled reports belong to a person; use a signed-in session.")
        return self.actor

    def filter_queryset(self, queryset):
        if not isinstance(self.actor, User):
            return super().filter_queryset(queryset).prefetch_related("recipients").order_by("kind", "id")
        visible = schedules.subscription_list(org=self.org, user=self.actor).values("pk")
        return super().filter_queryset(queryset).filter(pk__in=visible).prefetch_related("recipients").order_by("id")

    @extend_schema(request=SubscriptionInputSerializer, responses=SubscriptionOutputSerializer)
    def create(self, request, *args, **kwargs):
        user = self._person()
        checked = self.validated(SubscriptionInputSerializer)
        try:
            sub = schedules.subscription_create(org=self.org, actor=user, **checked)
        except DjangoValidationError as exc:
            raise _as_drf(exc) from None
        return Response(SubscriptionOutputSerializer(sub).data, status=status.HTTP_201_CREATED)

    def _own(self) -> ReportSubscription:
        sub = self.get_object()
        if sub.owner_id != self.actor.pk and self.org_role not in (Role.OWNER, Role.ADMIN):
            raise exceptions.PermissionDenied("Only the owner or an admin can change this subscription.")
        return sub

    @extend_schema(request=SubscriptionUpdateSerializer, responses=SubscriptionOutputSerializer)
    def partial_update(self, request, *args, **kwargs):
        user = self._person()
        sub = self._own()
        checked = self.validated(SubscriptionUpdateSerializer, partial=True)
        try:
            sub = schedules.subscription_update(org=self.org, actor=user, subscription=sub, **checked)
        except DjangoValidationError as exc:
            raise _as_drf(exc) from None
        return Response(SubscriptionOutputSerializer(sub).data)

    def destroy(self, request, *args, **kwargs):
        user = self._person()
        schedules.subscription_delete(org=self.org, actor=user, subscription=self._own())
        return Response(status=status.HTTP_204_NO_CONTENT)
