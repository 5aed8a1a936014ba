"""TACAM scores for integrators: latest scores and history, the signals behind them, scoring models
(read; admins write a new version), targets (managers), and a run request (202 with the job)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from partners.models import Partnership
from pom.api.base import OrgScopedPK, ServiceViewSet
from pom.api.serializers import JobOutputSerializer
from pom.models import Role
from reports import services
from reports.models import ELEMENTS, ScoreSnapshot, ScoreTarget, ScoringModel

_score = {"max_digits": 5, "decimal_places": 1, "allow_null": True, "read_only": True}


class ScoreOutputSerializer(serializers.ModelSerializer):
    model_version = serializers.IntegerField(source="model.version", read_only=True)
    overall = serializers.DecimalField(**_score)
    trust = serializers.DecimalField(**_score)
    analysis = serializers.DecimalField(**_score)
    commitment = serializers.DecimalField(**_score)
    accountability = serializers.DecimalField(**_score)
    measurement = serializers.DecimalField(**_score)

    class Meta:
        model = ScoreSnapshot
        fields = ["id", "partnership", "as_of", "computed_at", "is_latest", "model_version", "program", "tier",
                  "overall", *ELEMENTS]  # fmt: skip
        read_only_fields = fields


class ScoreDetailOutputSerializer(ScoreOutputSerializer):
    signals = serializers.JSONField(
        read_only=True, help_text=_("{element: {note, signals: {code: {value, weight, share, contribution, detail}}}}")
    )
    sixcs = serializers.JSONField(read_only=True)

    class Meta(ScoreOutputSerializer.Meta):
        fields = [*ScoreOutputSerializer.Meta.fields, "signals", "sixcs", "weight_basis"]
        read_only_fields = fields


class ScoreViewSet(ServiceViewSet):
    """Latest TACAM score per partnership (`?history=true` for every snapshot), filter by `partnership`,
    `program`, `tier`; the detail carries every signal's value, weight, share and contribution."""

    model = ScoreSnapshot
    output_serializer_class = ScoreOutputSerializer
    ordering = ["-as_of", "partnership_id"]

    def get_serializer_class(self):
        return ScoreDetailOutputSerializer if self.action == "retrieve" else ScoreOutputSerializer

    @extend_schema(
        parameters=[
            OpenApiParameter("partnership", int),
            OpenApiParameter("program", int),
            OpenApiParameter("tier", int),
            OpenApiParameter("history", bool, description="Every snapshot, not only the latest"),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).select_related("model").order_by("-as_of", "partnership_id")

    def filter_request(self, queryset):
        params = self.request.query_params
        if params.get("history") not in ("true", "1"):
            queryset = queryset.filter(is_latest=True)
        for name in ("partnership", "program", "tier"):
            value = params.get(name)
            if value:
                if not value.isdigit():
                    raise serializers.ValidationError({name: _("Enter a whole number.")})
                queryset = queryset.filter(**{f"{name}_id": int(value)})
        return queryset

    @extend_schema(request=None, responses={202: JobOutputSerializer})
    @action(detail=False, methods=["post"])
    def run(self, request, *args, **kwargs):
        return self.answer_job(services.scores_request(org=self.org, actor=self.actor))


class ScoringModelOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoringModel
        fields = ["id", "version", "weights", "element_weights", "thresholds", "note", "created_at"]
        read_only_fields = fields


class ScoringModelInputSerializer(serializers.Serializer):
    weights = serializers.JSONField(help_text=_("{element: {signal: weight}}; each element's signals add up to 100"))
    element_weights = serializers.JSONField(help_text=_("{element: weight}; add up to 100"))
    thresholds = serializers.JSONField(required=False, default=dict)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class ScoringModelViewSet(ServiceViewSet):
    """Versions of the scoring model, newest first. POST writes the next version (admins); `preview`
    returns what it would do to the portfolio without saving. Signals per element: docs/tacam.md."""

    model = ScoringModel
    input_serializer_class = ScoringModelInputSerializer
    output_serializer_class = ScoringModelOutputSerializer
    required_roles = {"POST": Role.ADMIN}
    ordering = ["-version"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).order_by("-version")

    def list(self, request, *args, **kwargs):
        services.model_current(org=self.org)
        return super().list(request, *args, **kwargs)

    def create_object(self, data):
        return services.model_save(org=self.org, actor=self.actor, **data)

    @extend_schema(request=ScoringModelInputSerializer, responses={200: dict})
    @action(detail=False, methods=["post"])
    def preview(self, request, *args, **kwargs):
        checked = self.validated(ScoringModelInputSerializer)
        v = checked
        result = services.preview(
            org=self.org, weights=v["weights"], element_weights=v["element_weights"], thresholds=v["thresholds"]
        )
        return Response(serializers.JSONField().to_representation(_jsonable(result)))


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, (str, int, bool)):
        return value
    return str(value)


class TargetOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ScoreTarget
        fields = ["id", "partnership", "element", "value", "updated_at"]
        read_only_fields = fields


class TargetInputSerializer(serializers.Serializer):
    partnership = OrgScopedPK(queryset=Partnership.objects)
    element = serializers.ChoiceField(choices=services.TARGET_ELEMENTS)
    value = serializers.CharField(allow_blank=True, help_text=_("0–100; empty clears the target"))


class ScoreTargetViewSet(ServiceViewSet):
    """Targets per partnership and element (0–100). POST sets one (managers); an empty value clears it."""

    model = ScoreTarget
    input_serializer_class = TargetInputSerializer
    output_serializer_class = TargetOutputSerializer
    create_responses = {status.HTTP_201_CREATED: TargetOutputSerializer, status.HTTP_204_NO_CONTENT: None}
    ordering = ["partnership_id", "element"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).order_by("partnership_id", "element")

    def filter_request(self, queryset):
        value = self.request.query_params.get("partnership")
        if value and value.isdigit():
            queryset = queryset.filter(partnership_id=int(value))
        return queryset

    def create_object(self, data):
        return services.target_set(org=self.org, actor=self.actor, **data)  # None: the target was cleared
