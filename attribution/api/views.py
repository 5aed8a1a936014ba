"""Pipeline, registration and attribution API: reads through scoped querysets, writes through services."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from attribution import importing, registrations, runs, selectors, services
from attribution.api import serializers as s
from attribution.filters import CreditFilter, OpportunityFilter, RegistrationFilter
from attribution.models import (
    Account,
    AttributionConfig,
    AttributionRun,
    CreditAllocation,
    DealRegistration,
    InfluenceType,
    MaterialityScore,
    Opportunity,
    OpportunityPartner,
    SplitRule,
    SplitRuleVersion,
    Touchpoint,
)
from pom.api.base import OrgMixin, OrgViewSet
from pom.models import Role

PARTNERSHIP = ("partnership__partner", "partnership__program")


class _ServiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """List/retrieve from the scoped queryset; writes call `create_object` / `update_object` (services)."""

    input_serializer_class: type[serializers.Serializer] | None = None
    update_serializer_class: type[serializers.Serializer] | None = None
    output_serializer_class: type[serializers.Serializer]

    def get_serializer_class(self):
        return self.output_serializer_class

    def _output(self, obj, code=status.HTTP_200_OK) -> Response:
        # Re-read with the endpoint's annotations but without the request's filter backends, so that
        # `POST …?status=inactive` answers the row it wrote instead of failing after the commit.
        self.filter_backends = []
        obj = self.filter_queryset(self.get_queryset()).get(pk=obj.pk)
        return Response(self.output_serializer_class(obj, context=self.get_serializer_context()).data, status=code)

    def _input(self, serializer_class, partial=False):
        serializer = serializer_class(data=self.request.data, partial=partial, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _bulk(self, upsert):
        payload = self.request.data if isinstance(self.request.data, list) else self.request.data.get("items")
        serializer = s.BulkSerializer(data={"items": payload})
        serializer.is_valid(raise_exception=True)
        result = upsert(org=self.org, actor=self.actor, items=serializer.validated_data["items"])
        if result["errors"]:
            raise ApiValidationError({str(index): fields for index, fields in result["errors"].items()})
        return Response({"created": result["created"], "updated": result["updated"]})


class AccountViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _ServiceViewSet):
    """Customer and prospect accounts. `bulk-upsert` syncs from the CRM keyed by crm_id."""

    model = Account
    output_serializer_class = s.AccountOutputSerializer
    filterset_fields = ["type", "region", "crm_id", "domain"]
    search_fields = ["name", "domain", "crm_id"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "id"]

    def filter_queryset(self, queryset):
        queryset = queryset.annotate(
            open_count=Count("opportunities", filter=Q(opportunities__status=Opportunity.Status.OPEN))
        )
        return super().filter_queryset(queryset)

    @extend_schema(request=s.AccountInputSerializer, responses=s.AccountOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = self._input(s.AccountInputSerializer)
        return self._output(services.account_create(org=self.org, actor=self.actor, data=data), status.HTTP_201_CREATED)

    @extend_schema(request=s.AccountInputSerializer, responses=s.AccountOutputSerializer)
    def update(self, request, *args, partial=False, **kwargs):
        account = self.get_object()
        data = self._input(s.AccountInputSerializer, partial=partial)
        return self._output(services.account_update(org=self.org, actor=self.actor, account=account, data=data))

    @extend_schema(request=s.BulkSerializer, responses=s.BulkResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-upsert")
    def bulk_upsert(self, request, org_slug):
        """Create or update up to 5,000 accounts keyed by crm_id; all valid or nothing saved (errors per index)."""
        return self._bulk(importing.account_bulk_upsert)


class OpportunityViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _ServiceViewSet):
    """The pipeline. Filters: stage, status, partner, program, partnership, role, amount_min/max,
    close_from/to, q, crm_id. `credits` shows the ledger with explanations."""

    model = Opportunity
    output_serializer_class = s.OpportunityOutputSerializer
    filterset_class = OpportunityFilter
    search_fields = ["name", "account__name", "crm_id"]
    ordering_fields = ["created_on", "amount", "expected_close", "closed_on", "name"]
    ordering = ["-created_on", "-id"]

    def filter_queryset(self, queryset):
        links = OpportunityPartner.objects.for_org(self.org).select_related(*PARTNERSHIP)
        queryset = queryset.select_related("account").prefetch_related(Prefetch("partners", queryset=links))
        return super().filter_queryset(queryset)

    @extend_schema(request=s.OpportunityInputSerializer, responses=s.OpportunityOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = self._input(s.OpportunityInputSerializer)
        opportunity = services.opportunity_create(org=self.org, actor=self.actor, data=data)
        return self._output(opportunity, status.HTTP_201_CREATED)

    @extend_schema(request=s.OpportunityInputSerializer, responses=s.OpportunityOutputSerializer)
    def update(self, request, *args, partial=False, **kwargs):
        opportunity = self.get_object()
        data = self._input(s.OpportunityInputSerializer, partial=partial)
        return self._output(
            services.opportunity_update(org=self.org, actor=self.actor, opportunity=opportunity, data=data)
        )

    @extend_schema(request=s.BulkSerializer, responses=s.BulkResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-upsert")
    def bulk_upsert(self, request, org_slug):
        """Create or update up to 5,000 opportunities keyed by crm_id (account by account_crm_id)."""
        return self._bulk(importing.opportunity_bulk_upsert)

    @extend_schema(responses=s.CreditOutputSerializer(many=True))
    @action(detail=True, methods=["get"])
    def credits(self, request, org_slug, pk):
        """The deal's current credit per model and partnership, with explanations."""
        opportunity = self.get_object()
        rows = selectors.credit_list(org=self.org, opportunity=opportunity)
        return Response(s.CreditOutputSerializer(rows, many=True).data)


class OpportunityPartnerViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, _ServiceViewSet):
    """Partnerships attached to deals, with their role. POST again to change the role."""

    model = OpportunityPartner
    output_serializer_class = s.OpportunityPartnerOutputSerializer
    filterset_fields = ["opportunity", "partnership", "role", "ae_confirmed"]
    ordering = ["-id"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.select_related(*PARTNERSHIP))

    @extend_schema(request=s.OpportunityPartnerInputSerializer, responses=s.OpportunityPartnerOutputSerializer)
    def create(self, request, *args, **kwargs):
        link = services.opportunity_partner_add(
            org=self.org, actor=self.actor, **self._input(s.OpportunityPartnerInputSerializer)
        )
        return self._output(link, status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.opportunity_partner_remove(org=self.org, actor=self.actor, link=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


class TouchpointViewSet(mixins.CreateModelMixin, _ServiceViewSet):
    """Dated partner contributions on deals or accounts; dates in the future are refused."""

    model = Touchpoint
    output_serializer_class = s.TouchpointOutputSerializer
    filterset_fields = ["opportunity", "account", "partnership", "phase", "influence_type"]
    ordering_fields = ["occurred_at"]
    ordering = ["-occurred_at", "-id"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.select_related("influence_type", *PARTNERSHIP))

    @extend_schema(request=s.TouchpointInputSerializer, responses=s.TouchpointOutputSerializer)
    def create(self, request, *args, **kwargs):
        touchpoint = services.touchpoint_create(
            org=self.org, actor=self.actor, **self._input(s.TouchpointInputSerializer)
        )
        return self._output(touchpoint, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=s.TouchpointOutputSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, org_slug, pk):
        """Confirm the touchpoint as the calling user (the account executive vouches for it)."""
        return self._output(services.touchpoint_confirm(org=self.org, actor=self.actor, touchpoint=self.get_object()))


class InfluenceTypeViewSet(_ServiceViewSet):
    """The organization's influence types (touchpoint kinds)."""

    model = InfluenceType
    output_serializer_class = s.InfluenceTypeOutputSerializer
    pagination_class = None
    ordering = ["order", "name"]


class RegistrationViewSet(mixins.CreateModelMixin, _ServiceViewSet):
    """Deal registrations. POST registers on a partner's behalf (via vendor) and returns the conflicts at
    once. Actions: approve (override_reason when it conflicts with an earlier claim), reject (reason),
    request-info (message), respond-info (message), trail."""

    model = DealRegistration
    output_serializer_class = s.RegistrationOutputSerializer
    filterset_class = RegistrationFilter
    search_fields = ["customer_name", "customer_domain"]
    ordering_fields = ["submitted_at", "value"]
    ordering = ["-submitted_at", "-id"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.select_related(*PARTNERSHIP))

    @extend_schema(request=s.RegistrationInputSerializer, responses=s.RegistrationOutputSerializer)
    def create(self, request, *args, **kwargs):
        data = self._input(s.RegistrationInputSerializer)
        registration = registrations.registration_submit(org=self.org, actor=self.actor, via="vendor", **data)
        return self._output(registration, status.HTTP_201_CREATED)

    @extend_schema(request=s.RegistrationApproveSerializer, responses=s.RegistrationOutputSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, org_slug, pk):
        data = self._input(s.RegistrationApproveSerializer)
        registration = registrations.registration_approve(
            org=self.org, actor=self.actor, registration=self.get_object(), **data
        )
        return self._output(registration)

    @extend_schema(request=s.RegistrationReasonSerializer, responses=s.RegistrationOutputSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, org_slug, pk):
        data = self._input(s.RegistrationReasonSerializer)
        registration = registrations.registration_reject(
            org=self.org, actor=self.actor, registration=self.get_object(), reason=data["reason"]
        )
        return self._output(registration)

    @extend_schema(request=s.RegistrationMessageSerializer, responses=s.RegistrationOutputSerializer)
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, org_slug, pk):
        data = self._input(s.RegistrationMessageSerializer)
        registration = registrations.registration_request_info(
            org=self.org, actor=self.actor, registration=self.get_object(), message=data["message"]
        )
        return self._output(registration)

    @extend_schema(request=s.RegistrationMessageSerializer, responses=s.RegistrationOutputSerializer)
    @action(detail=True, methods=["post"], url_path="respond-info")
    def respond_info(self, request, org_slug, pk):
        data = self._input(s.RegistrationMessageSerializer)
        registration = registrations.registration_respond_info(
            org=self.org, actor=self.actor, registration=self.get_object(), message=data["message"]
        )
        return self._output(registration)

    @extend_schema(responses=s.RegistrationEventOutputSerializer(many=True))
    @action(detail=True, methods=["get"])
    def trail(self, request, org_slug, pk):
        events = selectors.registration_trail(org=self.org, registration=self.get_object(), partner_view=False)
        return Response(s.RegistrationEventOutputSerializer(events, many=True).data)


class SplitRuleViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, _ServiceViewSet):
    """The split-rule library. `revise` adds a version of the shares (total at most 100 %)."""

    model = SplitRule
    output_serializer_class = s.SplitRuleOutputSerializer
    filterset_fields = ["match_on", "is_active"]
    ordering = ["priority", "name"]
    required_roles = {"POST": Role.ADMIN, "PATCH": Role.ADMIN, "PUT": Role.ADMIN}

    def filter_queryset(self, queryset):
        versions = SplitRuleVersion.objects.for_org(self.org).order_by("-version")
        return super().filter_queryset(queryset.prefetch_related(Prefetch("versions", queryset=versions)))

    @extend_schema(request=s.SplitRuleInputSerializer, responses=s.SplitRuleOutputSerializer)
    def create(self, request, *args, **kwargs):
        rule = services.split_rule_create(org=self.org, actor=self.actor, **self._input(s.SplitRuleInputSerializer))
        return self._output(rule, status.HTTP_201_CREATED)

    @extend_schema(request=s.SplitRuleUpdateSerializer, responses=s.SplitRuleOutputSerializer)
    def update(self, request, *args, partial=False, **kwargs):
        rule = self.get_object()
        data = self._input(s.SplitRuleUpdateSerializer, partial=True)
        return self._output(services.split_rule_update(org=self.org, actor=self.actor, rule=rule, data=data))

    @extend_schema(request=s.SplitRuleReviseSerializer, responses=s.SplitRuleOutputSerializer)
    @action(detail=True, methods=["post"])
    def revise(self, request, org_slug, pk):
        rule = self.get_object()
        services.split_rule_revise(
            org=self.org, actor=self.actor, rule=rule, **self._input(s.SplitRuleReviseSerializer)
        )
        return self._output(rule)


class MaterialityScoreViewSet(mixins.CreateModelMixin, _ServiceViewSet):
    """Materiality scores (0–5 on sales motion, value proposition, delivery). POST replaces a pair's score."""

    model = MaterialityScore
    output_serializer_class = s.MaterialityOutputSerializer
    filterset_fields = ["opportunity", "partnership"]
    ordering = ["-id"]

    @extend_schema(request=s.MaterialityInputSerializer, responses=s.MaterialityOutputSerializer)
    def create(self, request, *args, **kwargs):
        score = services.materiality_score_set(
            org=self.org, actor=self.actor, **self._input(s.MaterialityInputSerializer)
        )
        return self._output(score, status.HTTP_201_CREATED)


class CreditAllocationViewSet(_ServiceViewSet):
    """The current credit ledger (rows of the last finished run). Filters: opportunity, partnership, model."""

    model = CreditAllocation
    output_serializer_class = s.CreditOutputSerializer
    filterset_class = CreditFilter
    ordering = ["opportunity_id", "model", "id"]

    def filter_queryset(self, queryset):
        queryset = queryset.filter(run_id=selectors.latest_done_run_id(org=self.org)).select_related(*PARTNERSHIP)
        return super().filter_queryset(queryset)


class AttributionRunViewSet(mixins.CreateModelMixin, _ServiceViewSet):
    """Attribution runs: POST queues a full recomputation; GET shows status and progress."""

    model = AttributionRun
    output_serializer_class = s.RunOutputSerializer
    filterset_fields = ["status"]
    ordering = ["-created_at", "-id"]

    @extend_schema(request=None, responses=s.RunOutputSerializer)
    def create(self, request, *args, **kwargs):
        run = runs.attribution_run_start(org=self.org, actor=self.actor, trigger="api")
        return self._output(run, status.HTTP_202_ACCEPTED)


class AttributionConfigView(OrgMixin, APIView):
    """The organization's attribution settings: GET to read, PATCH (admin) to change."""

    permission_classes = OrgViewSet.permission_classes
    required_roles = {"PATCH": Role.ADMIN, "PUT": Role.ADMIN}
    serializer_class = s.ConfigSerializer

    def _current(self) -> AttributionConfig:
        return selectors.attribution_config(org=self.org)

    @extend_schema(responses=s.ConfigSerializer)
    def get(self, request, org_slug):
        return Response(s.ConfigSerializer(self._current()).data)

    @extend_schema(request=s.ConfigSerializer, responses=s.ConfigSerializer)
    def patch(self, request, org_slug):
        serializer = s.ConfigSerializer(self._current(), data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        config = services.attribution_config_update(
            org=self.org, actor=self.actor, data=dict(serializer.validated_data)
        )
        return Response(s.ConfigSerializer(config).data)
