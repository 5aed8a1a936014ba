from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from pom.api.base import HasOrgRole, OrgMixin
from reports import selectors

_pairs = serializers.ListField(child=serializers.ListField())


class PortfolioSummaryView(OrgMixin, APIView):
    """Partner counts by status and journey stage, and partnerships by program."""

    permission_classes = [permissions.IsAuthenticated, HasOrgRole]

    @extend_schema(
        responses=inline_serializer(
            "PortfolioSummary",
            {"by_status": _pairs, "by_stage": _pairs, "by_program": _pairs, "total": serializers.IntegerField()},
        )
    )
    def get(self, request, org_slug):
        return Response(selectors.portfolio_summary(org=self.org))
