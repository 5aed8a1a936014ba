"""Account-mapping and co-sell API of the vendor, under /api/o/<org>/.

Reads go through `mapping_selectors` (what the partner shares), writes through the services; consent
and sharing are given by people (an admin's session), so API keys get 403 there.
"""

from __future__ import annotations

from django.http import Http404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from attribution import cosell, mapping_services
from attribution import mapping_selectors as selectors
from attribution.api import mapping_serializers as s
from attribution.mapping_models import (
    AccountMap,
    AccountMatch,
    CoSellRequest,
    MappingSide,
    MatchDecision,
    PartnerPopulation,
    Population,
)
from partners.models import Partnership
from pom.api.base import ServiceViewSet, ServiceWriteViewSet
from pom.models import Role


def matrix_payload(view: selectors.MapView) -> dict:
    matrix = selectors.matrix(view)
    return {
        "side": view.side,
        "computed_at": view.account_map.computed_at,
        "is_stale": view.account_map.is_stale,
        "rows": [{**row, "key": str(row["key"])} for row in matrix["rows"]],
        "columns": [{**column, "key": str(column["key"])} for column in matrix["columns"]],
        "explanation": selectors.overlap_explanation(),
    }


CELL_PARAMETERS = [
    OpenApiParameter("v", OpenApiTypes.INT, description="Vendor population id", required=True),
    OpenApiParameter(
        "p", OpenApiTypes.STR, enum=PartnerPopulation.values, description="Partner population", required=True
    ),
    OpenApiParameter("q", OpenApiTypes.STR, description="Search the names you may see"),
]
THEIR_PARAMETERS = [
    OpenApiParameter(
        "key", OpenApiTypes.STR, description="Their population (a kind, or a population id)", required=True
    ),
    OpenApiParameter("unmatched", OpenApiTypes.BOOL, description="Only accounts you do not have"),
]


def overlap_page(viewset, view: selectors.MapView):
    params = viewset.request.query_params
    population, kind = view.population(params.get("v")), params.get("p", "")
    if population is None or kind not in PartnerPopulation.values or not view.can_list(population.pk, kind):
        raise Http404(_("Not shared with you"))
    rows = selectors.overlap_rows(view, population_id=population.pk, kind=kind, q=params.get("q", "").strip())
    page = viewset.paginate_queryset(rows)
    payloads = [selectors.row_payload(view, m) for m in page]
    return viewset.get_paginated_response(s.OverlapRowSerializer(payloads, many=True).data)


def their_page(viewset, view: selectors.MapView, key):
    """A population of the other side shared whole; 404 when it is not."""
    if key is None or key not in view.fully_shared():
        raise Http404(_("Not shared with you"))
    unmatched = viewset.request.query_params.get("unmatched") in ("1", "true")
    page = viewset.paginate_queryset(selectors.their_rows(view, key=key, unmatched_only=unmatched))
    payloads = [selectors.their_payload(view, r) for r in page]
    return viewset.get_paginated_response(s.TheirRowSerializer(payloads, many=True).data)


class AccountMapViewSet(ServiceViewSet):
    """One map per partnership: consents, the matrix, the overlaps the partner shares, sharing settings."""

    model = AccountMap
    input_serializer_class = s.AccountMapInputSerializer
    output_serializer_class = s.AccountMapOutputSerializer
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER, "PUT": Role.ADMIN}
    filterset_fields = ["partnership", "source"]
    ordering = ["id"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).select_related("partnership__partner")

    def view(self) -> selectors.MapView:
        return selectors.map_view(account_map=self.get_object(), side=MappingSide.VENDOR)

    def create_object(self, data):
        """The partnership's map (created with nothing shared when missing)."""
        partnership = Partnership.objects.for_org(self.org).filter(pk=data["partnership"]).first()
        if partnership is None:
            raise ApiValidationError({"partnership": [_("Unknown in this organization.")]})
        return mapping_services.account_map_ensure(org=self.org, partnership=partnership)

    @extend_schema(responses=s.MatrixSerializer)
    @action(detail=True, methods=["get"])
    def matrix(self, request, *args, **kwargs):
        """Accounts in common per population pair, as far as the partner shares them."""
        return Response(s.MatrixSerializer(matrix_payload(self.view())).data)

    @extend_schema(parameters=CELL_PARAMETERS, responses=s.OverlapRowSerializer(many=True))
    @action(detail=True, methods=["get"])
    def overlaps(self, request, *args, **kwargs):
        """The accounts in common of one cell; 404 unless the partner shares at least the overlap."""
        return overlap_page(self, self.view())

    @extend_schema(parameters=THEIR_PARAMETERS, responses=s.TheirRowSerializer(many=True))
    @action(detail=True, methods=["get"], url_path="their-accounts")
    def their_accounts(self, request, *args, **kwargs):
        """A partner population shared whole (`key`: customer, prospect or opportunity)."""
        key = request.query_params.get("key")
        return their_page(self, self.view(), key if key in PartnerPopulation.values else None)

    def _consent(self, verb):
        account_map = self.get_object()
        verb(org=self.org, actor=self.actor, account_map=account_map, side=MappingSide.VENDOR)
        return self.answer(account_map)

    @extend_schema(request=None, responses=s.AccountMapOutputSerializer)
    @action(detail=True, methods=["post"], url_path="opt-in")
    def opt_in(self, request, *args, **kwargs):
        """The vendor's consent (an admin or owner, signed in: API keys cannot consent)."""
        return self._consent(mapping_services.mapping_opt_in)

    @extend_schema(request=None, responses=s.AccountMapOutputSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        """Withdraw the vendor's consent: overlaps are deleted at once."""
        return self._consent(mapping_services.mapping_withdraw)

    @extend_schema(request=s.SharingSerializer, responses=s.AccountMapOutputSerializer)
    @action(detail=True, methods=["get", "put"])
    def sharing(self, request, *args, **kwargs):
        """What the vendor lets the partner see, per population pair (GET reads it, PUT changes it)."""
        account_map = self.get_object()
        if request.method == "PUT":
            checked = self.validated(s.SharingSerializer)
            levels = {(r["vendor_population"], r["partner_population"]): r["level"] for r in checked["levels"]}
            mapping_services.sharing_set(
                org=self.org,
                actor=self.actor,
                account_map=account_map,
                side=MappingSide.VENDOR,
                levels=levels,
                fields=checked.get("fields"),
            )
            account_map.refresh_from_db()
        view = selectors.map_view(account_map=account_map, side=MappingSide.VENDOR)
        return Response(
            {
                "levels": [
                    {"vendor_population": p.pk, "partner_population": kind, "level": view.my_level(p.pk, kind)}
                    for p in view.populations
                    for kind, _l in view.kinds
                ],
                "fields": account_map.vendor_fields,
            }
        )

    @extend_schema(request=None, responses=s.JobRefSerializer)
    @action(detail=True, methods=["post"])
    def recompute(self, request, *args, **kwargs):
        """Queue a recomputation (a background job: poll /jobs/<id>/)."""
        account_map = self.get_object()
        if not account_map.both_opted_in:
            raise ApiValidationError(_("Both sides must agree before the lists are compared."))
        job = mapping_services.account_map_recompute_request(org=self.org, actor=self.actor, account_map=account_map)
        return Response({"job": job.pk, "status": job.status}, status=status.HTTP_202_ACCEPTED)


class PopulationViewSet(ServiceViewSet):
    """The vendor's populations; admins add custom ones (filters: type, region, industry,
    has_open_opportunity, min_open_amount), rename or switch them off."""

    model = Population
    input_serializer_class = s.PopulationInputSerializer
    output_serializer_class = s.PopulationOutputSerializer
    allow_put = False
    required_roles = {"GET": Role.VIEWER, "POST": Role.ADMIN, "PATCH": Role.ADMIN, "DELETE": Role.ADMIN}
    http_method_names = ["get", "post", "patch", "delete", "head", "options"]
    ordering = ["order", "name"]

    def create_object(self, data):
        return mapping_services.population_create(
            org=self.org, actor=self.actor, name=data.get("name", ""), filters=data.get("filters", {})
        )

    def update_object(self, population, data):
        return mapping_services.population_update(org=self.org, actor=self.actor, population=population, data=data)

    def delete_object(self, population):
        mapping_services.population_delete(org=self.org, actor=self.actor, population=population)


class CoSellRequestViewSet(ServiceViewSet):
    """Co-sell requests to partners on accounts in common; an accepted one becomes a touchpoint."""

    model = CoSellRequest
    input_serializer_class = s.CoSellRequestInputSerializer
    output_serializer_class = s.CoSellRequestOutputSerializer
    required_roles = {"GET": Role.VIEWER, "POST": Role.MANAGER}
    filterset_fields = ["status", "partnership", "account", "kind"]
    ordering = ["-created_at", "-id"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset).select_related("partnership__partner")

    def create_object(self, data):
        return cosell.cosell_request_create(org=self.org, actor=self.actor, **data)

    @extend_schema(request=None, responses=s.CoSellRequestOutputSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, *args, **kwargs):
        return self.answer(cosell.cosell_request_withdraw(org=self.org, actor=self.actor, request=self.get_object()))


class MatchDecisionViewSet(ServiceWriteViewSet):
    """Confirm or reject a name match the partner shares with you (remembered across re-uploads)."""

    model = MatchDecision
    input_serializer_class = s.MatchDecisionInputSerializer
    output_serializer_class = s.MatchDecisionOutputSerializer
    required_roles = {"POST": Role.MANAGER}
    http_method_names = ["post", "options"]

    def create_object(self, data):
        match = AccountMatch.objects.for_org(self.org).filter(pk=data["match"]).select_related("account_map").first()
        view = selectors.map_view(account_map=match.account_map, side=MappingSide.VENDOR) if match else None
        if view is None or not selectors.fuzzy_matches(view).filter(pk=match.pk).exists():
            raise Http404(_("No such name match"))
        return mapping_services.match_decide(
            org=self.org, actor=self.actor, match=match, verdict=data["verdict"], side=MappingSide.VENDOR
        )
