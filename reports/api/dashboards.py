"""Read endpoints for the dashboards' data: the same panels as the pages, from the summary tables."""

from django.http import Http404
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from pom.api.base import HasOrgRole, OrgMixin
from reports import dashboard_selectors as ds
from reports import summary


class PanelSerializer(serializers.Serializer):
    key = serializers.CharField()
    title = serializers.CharField()
    how = serializers.CharField()
    columns = serializers.ListField(child=serializers.CharField())
    rows = serializers.ListField(child=serializers.ListField())
    empty = serializers.BooleanField()


FILTER_PARAMETERS = [
    OpenApiParameter("months", OpenApiTypes.INT, description="Period: 3, 6, 12 (default) or 24 months"),
    OpenApiParameter("program", OpenApiTypes.INT),
    OpenApiParameter("tier", OpenApiTypes.INT),
    OpenApiParameter("owner", OpenApiTypes.INT, description="User id of the owner"),
    OpenApiParameter("region", OpenApiTypes.STR),
]


def _value(value):
    return str(value) if value is not None and not isinstance(value, str | int | bool) else value


class DashboardDataView(OrgMixin, APIView):
    """One dashboard's panels (`portfolio`, `unit-economics`, `programs`) with the filter bar's parameters.

    Amounts and ratios are strings (decimals); `computed_at` says when the summary tables were refreshed.
    """

    permission_classes = [permissions.IsAuthenticated, HasOrgRole]

    @extend_schema(
        parameters=FILTER_PARAMETERS,
        responses=inline_serializer(
            "Dashboard",
            {
                "dashboard": serializers.CharField(),
                "computed_at": serializers.DateTimeField(allow_null=True),
                "filters": serializers.DictField(),
                "panels": PanelSerializer(many=True),
            },
        ),
    )
    def get(self, request, org_slug, key):
        if key not in ds.DASHBOARDS:
            raise Http404("No such dashboard")
        filters = ds.filters_from(request.query_params, org=self.org, today=timezone.localdate())
        latest = summary.summary_done(org=self.org)
        panels = ds.dashboard_panels(org=self.org, key=key, filters=filters) if latest else []
        return Response(
            {
                "dashboard": key,
                "computed_at": latest.finished_at if latest else None,
                "filters": filters.params(),
                "panels": [
                    {
                        "key": p.key,
                        "title": str(p.title),
                        "how": str(p.how),
                        "columns": [str(c) for c in p.columns],
                        "rows": [[_value(v) for v in row] for row in p.rows],
                        "empty": p.empty,
                    }
                    for p in panels
                ],
            }
        )
