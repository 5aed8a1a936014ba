"""Benchmarks API (issue 10): the catalogue, metric values, percentiles, distributions (own and
anonymised peers) and the published reference figures; goals through the service."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import generics, mixins, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from pom.api.base import HasOrgRole, OrgMixin, OrgViewSet
from pom.api.pagination import Pagination
from pom.models import Role
from reports import benchmark_services
from reports.benchmark_models import (
    BenchmarkMetric,
    MetricValue,
    PeerDistribution,
    PeerPercentile,
    ReferenceFigure,
)
from reports.benchmarks import selectors


class MetricOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = BenchmarkMetric
        fields = ["code", "label", "scope", "unit", "direction", "description", "is_active"]


class MetricValueOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = MetricValue
        fields = ["id", "as_of", "metric", "partnership", "value", "detail"]


class PercentileOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PeerPercentile
        fields = ["id", "as_of", "metric", "partnership", "dimension", "group_key", "value", "rank", "band", "peers"]


class DistributionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PeerDistribution
        fields = [
            "id",
            "as_of",
            "metric",
            "dimension",
            "group_key",
            "group_label",
            "members",
            "p10",
            "p25",
            "p50",
            "p75",
            "p90",
        ]


class PeerOrganizationsOutputSerializer(serializers.Serializer):
    metric = serializers.CharField()
    group = serializers.CharField(help_text=_("Which profile group answered (fall-back to broader groups)"))
    contributors = serializers.IntegerField()
    as_of = serializers.DateField()
    p10 = serializers.DecimalField(max_digits=20, decimal_places=4)
    p25 = serializers.DecimalField(max_digits=20, decimal_places=4)
    p50 = serializers.DecimalField(max_digits=20, decimal_places=4)
    p75 = serializers.DecimalField(max_digits=20, decimal_places=4)
    p90 = serializers.DecimalField(max_digits=20, decimal_places=4)


class ReferenceOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReferenceFigure
        fields = [
            "code",
            "metric",
            "topic",
            "label",
            "segment",
            "value",
            "unit",
            "source",
            "year",
            "sample",
            "question",
        ]


class GoalInputSerializer(serializers.Serializer):
    metric = serializers.SlugField()
    target = serializers.DecimalField(max_digits=20, decimal_places=4, min_value=0)
    basis = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")


class GoalOutputSerializer(serializers.Serializer):
    metric = serializers.CharField()
    target = serializers.DecimalField(max_digits=20, decimal_places=4)
    basis = serializers.CharField()


class _LatestFilter(django_filters.FilterSet):
    """`as_of` defaults to the latest computed day."""

    metric = django_filters.CharFilter()
    as_of = django_filters.DateFilter()


class ValueFilter(_LatestFilter):
    partnership = django_filters.NumberFilter()

    class Meta:
        model = MetricValue
        fields = ["metric", "as_of", "partnership"]


class PercentileFilter(_LatestFilter):
    partnership = django_filters.NumberFilter()
    dimension = django_filters.CharFilter()
    band = django_filters.CharFilter()
    min_rank = django_filters.NumberFilter(field_name="rank", lookup_expr="gte")

    class Meta:
        model = PeerPercentile
        fields = ["metric", "as_of", "partnership", "dimension", "band"]


class DistributionFilter(_LatestFilter):
    dimension = django_filters.CharFilter()

    class Meta:
        model = PeerDistribution
        fields = ["metric", "as_of", "dimension"]


class _LatestDayMixin:
    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        if "as_of" not in self.request.query_params:
            queryset = queryset.filter(as_of=selectors.latest_as_of(org=self.org))
        return queryset.order_by("metric", "id")


class MetricValueViewSet(_LatestDayMixin, mixins.ListModelMixin, OrgViewSet):
    """Metric values per partnership (or the organization, `partnership` null) on one day."""

    model = MetricValue
    serializer_class = MetricValueOutputSerializer
    filterset_class = ValueFilter


class PercentileViewSet(_LatestDayMixin, mixins.ListModelMixin, OrgViewSet):
    """Percentile ranks and bands per partnership, metric and peer group, e.g.
    `?metric=win_rate&dimension=partner_type&min_rank=75` for the top quarter."""

    model = PeerPercentile
    serializer_class = PercentileOutputSerializer
    filterset_class = PercentileFilter


class DistributionViewSet(_LatestDayMixin, mixins.ListModelMixin, OrgViewSet):
    """p10 / p25 / median / p75 / p90 per metric and peer group of the organization's partnerships."""

    model = PeerDistribution
    serializer_class = DistributionOutputSerializer
    filterset_class = DistributionFilter


class MetricCatalogueView(OrgMixin, generics.ListAPIView):
    """The metric catalogue: code, unit, direction and how each metric is computed."""

    permission_classes = [permissions.IsAuthenticated, HasOrgRole]
    serializer_class = MetricOutputSerializer
    queryset = BenchmarkMetric.objects.order_by("order", "code")
    filter_backends: list = []  # HasOrgRole resolves the organization first: outsiders get 404


class ReferenceFigureView(MetricCatalogueView):
    """Published survey and study figures with source, year, sample and the question asked."""

    serializer_class = ReferenceOutputSerializer
    queryset = ReferenceFigure.objects.order_by("order", "code")


class PeerOrganizationsView(OrgMixin, generics.GenericAPIView):
    """Anonymised distributions of peer organizations (quantiles only), for organizations that share."""

    permission_classes = [permissions.IsAuthenticated, HasOrgRole]
    pagination_class = Pagination
    filter_backends: list = []
    serializer_class = PeerOrganizationsOutputSerializer

    @extend_schema(responses=PeerOrganizationsOutputSerializer(many=True))
    def get(self, request, org_slug):
        found = selectors.cross_tenant_for(org=self.org, metrics=list(selectors.active_metrics()))
        rows = [
            {
                "metric": metric,
                "group": label,
                "contributors": d.contributors,
                "as_of": d.as_of,
                **{q: getattr(d, q) for q in ("p10", "p25", "p50", "p75", "p90")},
            }
            for metric, (d, label) in sorted(found.items())
        ]
        page = self.paginate_queryset(rows)
        return self.get_paginated_response(PeerOrganizationsOutputSerializer(page, many=True).data)


class GoalView(OrgMixin, APIView):
    """Set the organization's target for one metric."""

    permission_classes = [permissions.IsAuthenticated, HasOrgRole]
    required_roles = {"POST": Role.MANAGER}

    @extend_schema(request=GoalInputSerializer, responses={201: GoalOutputSerializer})
    def post(self, request, org_slug):
        data = self.validated(GoalInputSerializer)
        goal = benchmark_services.benchmark_goal_set(org=self.org, actor=self.actor, **data)
        return Response(GoalOutputSerializer(goal).data, status=status.HTTP_201_CREATED)
