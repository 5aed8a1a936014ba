"""Account mapping and co-sell for partner people, under /api/w/<workspace_id>/ (the guest API).

The same access as the pages (`GuestWorkspaceMixin`), the same services (`workspaces.mapping_services`)
and the same sharing-aware selectors, with `side="partner"`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import parsers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from attribution import mapping_selectors as selectors
from attribution.api import mapping_serializers as s
from attribution.api.mapping_views import CELL_PARAMETERS, THEIR_PARAMETERS, matrix_payload, overlap_page, their_page
from attribution.mapping_models import AccountMap, CoSellRequest, MappingSide
from workspaces import mapping_services as services
from workspaces.api.views import WORKSPACE_ID, GuestWorkspaceMixin


class GuestMappingMixin(GuestWorkspaceMixin):
    schema_model = AccountMap

    def map_view(self) -> selectors.MapView:
        if services.mapping_partnership(access=self.access) is None:
            raise Http404(_("This workspace has no account map"))
        side = MappingSide.VENDOR if self.access.is_vendor else MappingSide.PARTNER
        return selectors.map_view(account_map=services.workspace_map(access=self.access), side=side)


@extend_schema(parameters=[WORKSPACE_ID])
class GuestMappingViewSet(GuestMappingMixin, viewsets.GenericViewSet):
    """The workspace's account map as the caller's side may see it; partner editors upload lists."""

    serializer_class = s.MatrixSerializer
    parser_classes = [parsers.MultiPartParser, parsers.FormParser, parsers.JSONParser]

    @extend_schema(responses=s.MatrixSerializer)
    def matrix(self, request, workspace_id):
        return Response(s.MatrixSerializer(matrix_payload(self.map_view())).data)

    @extend_schema(parameters=[WORKSPACE_ID, *CELL_PARAMETERS], responses=s.OverlapRowSerializer(many=True))
    def overlaps(self, request, workspace_id):
        return overlap_page(self, self.map_view())

    @extend_schema(parameters=[WORKSPACE_ID, *THEIR_PARAMETERS], responses=s.TheirRowSerializer(many=True))
    def their_accounts(self, request, workspace_id):
        view = self.map_view()
        key = request.query_params.get("key")
        population = view.population(key) if view.side == MappingSide.PARTNER else None
        return their_page(self, view, population.pk if population else key)

    @extend_schema(request=s.PartnerListInputSerializer, responses=s.PartnerListOutputSerializer)
    def upload(self, request, workspace_id):
        """Upload the partner's list: every row is checked; with `commit` (default) and no error, it
        replaces the previous list in a background job. Errors name their row and column (400)."""
        checked = self.validated(s.PartnerListInputSerializer)
        account_list = services.partner_list_upload(access=self.access, actor=request.user, upload=checked["file"])
        _rows, errors = services.partner_list_preview(
            access=self.access,
            account_list=account_list,
            mapping_=account_list.column_mapping,
            default_population=checked["default_population"],
        )
        if errors:
            raise ValidationError(
                {"file": [f"Row {e['row']}, {e['label'] or e['field']}: {e['message']}" for e in errors[:200]]}
            )
        account_list.refresh_from_db()
        if checked["commit"]:
            services.partner_list_commit(access=self.access, actor=request.user, account_list=account_list)
            account_list.refresh_from_db()
        return Response(s.PartnerListOutputSerializer(account_list).data, status=status.HTTP_201_CREATED)


@extend_schema(parameters=[WORKSPACE_ID])
class GuestCoSellViewSet(GuestMappingMixin, viewsets.GenericViewSet):
    """Co-sell requests the vendor sent this workspace's partnership; partner editors answer them."""

    schema_model = CoSellRequest
    serializer_class = s.GuestCoSellRequestOutputSerializer

    def requests(self):
        account_map = services.workspace_map(access=self.access)
        return (
            CoSellRequest.objects.for_org(self.workspace.organization)
            .filter(partnership_id=account_map.partnership_id)
            .order_by("-created_at", "-id")
        )

    def list(self, request, workspace_id):
        self.map_view()
        page = self.paginate_queryset(self.requests())
        return self.get_paginated_response(s.GuestCoSellRequestOutputSerializer(page, many=True).data)

    @extend_schema(request=s.CoSellAnswerInputSerializer, responses=s.GuestCoSellRequestOutputSerializer)
    @action(detail=True, methods=["post"])
    def answer(self, request, workspace_id, pk):
        self.map_view()
        found = self.requests().filter(pk=pk).first()
        if found is None:
            raise Http404(_("No such request"))
        checked = self.validated(s.CoSellAnswerInputSerializer)
        answered = services.partner_cosell_answer(
            access=self.access,
            actor=request.user,
            request=found,
            accept=checked["accept"],
            note=checked["note"],
            economic_buyer=checked["economic_buyer"],
        )
        return Response(s.GuestCoSellRequestOutputSerializer(answered).data)
