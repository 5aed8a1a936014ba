"""API of points and tier reviews: point rules, the ledger (with a bulk sync for LMSs), tier proposals."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from partners import points, tiers
from partners.models import Partnership, PointEntry, PointRule, Program, TierMove
from pom.api.base import OrgScopedPK, OrgViewSet, ServiceViewSet
from pom.api.serializers import JobOutputSerializer
from pom.models import Role


class PointRuleOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointRule
        fields = ["id", "program", "activity", "name", "points", "per_amount", "is_active", "created_at"]


class PointRuleInputSerializer(serializers.Serializer):
    program = OrgScopedPK(queryset=Program.objects.all())
    activity = serializers.ChoiceField(choices=PointRule._meta.get_field("activity").choices)
    name = serializers.CharField(max_length=120)
    points = serializers.IntegerField(min_value=1)
    per_amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)
    is_active = serializers.BooleanField(default=True)


class PointEntryOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PointEntry
        fields = [
            "id",
            "partnership",
            "rule",
            "kind",
            "status",
            "points",
            "occurred_on",
            "expires_on",
            "evidence",
            "reason",
            "source_key",
            "requested_by",
            "approved_by",
            "approved_at",
            "approved_label",
            "created_at",
        ]


class PointManualInputSerializer(serializers.Serializer):
    partnership = OrgScopedPK(queryset=Partnership.objects.all())
    points = serializers.IntegerField()
    reason = serializers.CharField(allow_blank=True)
    evidence = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")
    occurred_on = serializers.DateField(required=False)
    rule = OrgScopedPK(queryset=PointRule.objects.all(), required=False, allow_null=True)


class PointDecisionInputSerializer(serializers.Serializer):
    note = serializers.CharField(required=False, allow_blank=True, default="")


class PointSyncItemSerializer(serializers.Serializer):
    partnership = OrgScopedPK(queryset=Partnership.objects.all())
    rule = OrgScopedPK(queryset=PointRule.objects.all())
    external_id = serializers.CharField(max_length=80)
    occurred_on = serializers.DateField()
    evidence = serializers.CharField(required=False, allow_blank=True, max_length=400, default="")
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, allow_null=True)


class PointSyncInputSerializer(serializers.Serializer):
    items = PointSyncItemSerializer(many=True, allow_empty=False, max_length=5000)


class PointSyncOutputSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    skipped = serializers.IntegerField()


class PointRuleViewSet(ServiceViewSet):
    """Point rules per program and activity (deal-won rules give points per amount)."""

    model = PointRule
    input_serializer_class = PointRuleInputSerializer
    output_serializer_class = PointRuleOutputSerializer
    allow_put = False
    filterset_fields = ["program", "activity", "is_active"]
    ordering = ["program", "activity", "name"]

    def create_object(self, data):
        return points.point_rule_create(org=self.org, actor=self.actor, **data)

    def update_object(self, rule, data):
        data = {k: v for k, v in data.items() if k != "program"}
        return points.point_rule_update(org=self.org, actor=self.actor, rule=rule, data=data)


class PointEntryViewSet(ServiceViewSet):
    """The points ledger. `POST` asks for a manual award or correction (pending until a second person
    approves it); `bulk` syncs awards from an LMS or another system, keyed by `external_id`."""

    model = PointEntry
    input_serializer_class = PointManualInputSerializer
    output_serializer_class = PointEntryOutputSerializer
    filterset_fields = ["partnership", "status", "kind", "rule"]
    ordering = ["-occurred_on", "-id"]

    def create_object(self, data):
        return points.point_manual_request(org=self.org, actor=self.actor, **data)

    def _decide(self, approve: bool):
        checked = self.validated(PointDecisionInputSerializer)
        entry = points.point_manual_decide(
            org=self.org,
            actor=self.actor,
            entry=self.get_object(),
            approve=approve,
            note=checked["note"],
        )
        return self.answer(entry)

    @extend_schema(request=PointDecisionInputSerializer, responses=PointEntryOutputSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, org_slug, pk):
        """Approve a pending manual line (a person other than the requester, manager or above)."""
        return self._decide(True)

    @extend_schema(request=PointDecisionInputSerializer, responses=PointEntryOutputSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, org_slug, pk):
        """Reject a pending manual line."""
        return self._decide(False)

    @extend_schema(request=PointSyncInputSerializer, responses=PointSyncOutputSerializer)
    @action(detail=False, methods=["post"])
    def bulk(self, request, org_slug):
        """Award up to 5,000 synced items at once, all valid or nothing saved (errors per index); an item
        already synced (same external_id) is skipped, so a sync can be replayed."""
        payload = request.data if isinstance(request.data, dict) else {"items": request.data}
        checked = self.validated(PointSyncInputSerializer, data=payload)
        result = points.points_bulk_award(org=self.org, actor=self.actor, items=checked["items"])
        if result["errors"]:
            raise ApiValidationError({str(index): fields for index, fields in result["errors"].items()})
        return Response({"created": result["created"], "skipped": result["skipped"]})


class TierMoveOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = TierMove
        fields = [
            "id",
            "partnership",
            "from_tier",
            "to_tier",
            "direction",
            "status",
            "reasons",
            "proposed_on",
            "grace_until",
            "effective_on",
            "decided_by",
            "decided_at",
            "note",
        ]


class TierMoveDecisionInputSerializer(serializers.Serializer):
    effective_on = serializers.DateField(required=False, allow_null=True)
    note = serializers.CharField(required=False, allow_blank=True, default="", max_length=300)


class TierMoveViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Tier proposals of the reviews, with their requirement-by-requirement reasons."""

    model = TierMove
    serializer_class = TierMoveOutputSerializer
    filterset_fields = ["partnership", "status", "direction"]
    ordering = ["-proposed_on", "-id"]
    required_roles = {"POST": Role.MANAGER}

    @extend_schema(request=TierMoveDecisionInputSerializer, responses=TierMoveOutputSerializer)
    @action(detail=True, methods=["post"])
    def apply(self, request, org_slug, pk):
        """Move the partnership to the proposed tier (a downgrade only after its grace period)."""
        checked = self.validated(TierMoveDecisionInputSerializer)
        move = tiers.tier_move_apply(
            org=self.org,
            actor=self.actor,
            move=self.get_object(),
            effective_on=checked.get("effective_on"),
        )
        return Response(TierMoveOutputSerializer(move).data)

    @extend_schema(request=TierMoveDecisionInputSerializer, responses=TierMoveOutputSerializer)
    @action(detail=True, methods=["post"])
    def dismiss(self, request, org_slug, pk):
        """Keep the partnership on its tier."""
        checked = self.validated(TierMoveDecisionInputSerializer)
        move = tiers.tier_move_dismiss(org=self.org, actor=self.actor, move=self.get_object(), note=checked["note"])
        return Response(TierMoveOutputSerializer(move).data)

    @extend_schema(request=None, responses={202: JobOutputSerializer})
    @action(detail=False, methods=["post"])
    def evaluate(self, request, org_slug):
        """Run a tier review of every partnership now, as a background job (poll it under /jobs/)."""
        job = tiers.tier_evaluation_request(org=self.org, actor=self.actor)
        return Response(
            JobOutputSerializer(job, context=self.get_serializer_context()).data, status=status.HTTP_202_ACCEPTED
        )
