"""Pipeline, registration and attribution API: reads through scoped querysets, writes through services."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.decorators import action
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
from pom.api.base import OrgMixin, OrgViewSet, ServiceViewSet
from pom.models import Role

PARTNERSHIP = ("partnership__partner", "partnership__program")


class AccountViewSet(ServiceViewSet):
    """Customer and prospect accounts. `bulk-upsert` syncs from the CRM keyed by crm_id."""

    model = Account
    input_serializer_class = s.AccountInputSerializer
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

    def create_object(self, data):
        return services.account_create(org=self.org, actor=self.actor, data=data)

    def update_object(self, obj, data):
        return services.account_update(org=self.org, actor=self.actor, account=obj, data=data)

    @extend_schema(request=s.BulkSerializer, responses=s.BulkResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-upsert")
    def bulk_upsert(self, request, org_slug):
        """Create or update up to 5,000 accounts keyed by crm_id; all valid or nothing saved (errors per index)."""
        return self.run_bulk(importing.account_bulk_upsert, serializer_class=s.BulkSerializer, key="items")


class OpportunityViewSet(ServiceViewSet):
    """The pipeline. Filters: stage, status, partner, program, partnership, role, amount_min/max,
    close_from/to, q, crm_id. `credits` shows the ledger with explanations."""

    model = Opportunity
    input_serializer_class = s.OpportunityInputSerializer
    output_serializer_class = s.OpportunityOutputSerializer
    filterset_class = OpportunityFilter
    search_fields = ["name", "account__name", "crm_id"]
    ordering_fields = ["created_on", "amount", "expected_close", "closed_on", "name"]
    ordering = ["-created_on", "-id"]

    def filter_queryset(self, queryset):
        links = OpportunityPartner.objects.for_org(self.org).select_related(*PARTNERSHIP)
        queryset = queryset.select_related("account").prefetch_related(Prefetch("partners", queryset=links))
        return super().filter_queryset(queryset)

    def create_object(self, data):
        return services.opportunity_create(org=self.org, actor=self.actor, data=data)

    def update_object(self, obj, data):
        return services.opportunity_update(org=self.org, actor=self.actor, opportunity=obj, data=data)

    @extend_schema(request=s.BulkSerializer, responses=s.BulkResultSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-upsert")
    def bulk_upsert(self, request, org_slug):
        """Create or update up to 5,000 opportunities keyed by crm_id (account by account_crm_id)."""
        return self.run_bulk(importing.opportunity_bulk_upsert, serializer_class=s.BulkSerializer, key="items")

    @extend_schema(responses=s.CreditOutputSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def credits(self, request, org_slug, pk):
        """The deal's current credit per model and partnership, with explanations."""
        opportunity = self.get_object()
        rows = selectors.credit_list(org=self.org, opportunity=opportunity)
        return Response(s.CreditOutputSerializer(rows, many=True).data)


class OpportunityPartnerViewSet(ServiceViewSet):
    """Partnerships attached to deals, with their role. POST again to change the role."""

    model = OpportunityPartner
    input_serializer_class = s.OpportunityPartnerInputSerializer
    output_serializer_class = s.OpportunityPartnerOutputSerializer
    filterset_fields = ["opportunity", "partnership", "role", "ae_confirmed"]
    ordering = ["-id"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.select_related(*PARTNERSHIP))

    def create_object(self, data):
        return services.opportunity_partner_add(org=self.org, actor=self.actor, **data)

    def delete_object(self, obj):
        services.opportunity_partner_remove(org=self.org, actor=self.actor, link=obj)


class TouchpointViewSet(ServiceViewSet):
    """Dated partner contributions on deals or accounts; dates in the future are refused."""

    model = Touchpoint
    input_serializer_class = s.TouchpointInputSerializer
    output_serializer_class = s.TouchpointOutputSerializer
    filterset_fields = ["opportunity", "account", "partnership", "phase", "influence_type"]
    ordering_fields = ["occurred_at"]
    ordering = ["-occurred_at", "-id"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.select_related("influence_type", *PARTNERSHIP))

    def create_object(self, data):
        return services.touchpoint_create(org=self.org, actor=self.actor, **data)

    @extend_schema(request=None, responses=s.TouchpointOutputSerializer)
    @action(detail=True, methods=["post"])
    def confirm(self, request, org_slug, pk):
        """Confirm the touchpoint as the calling user (the account executive vouches for it)."""
        return self.answer(services.touchpoint_confirm(org=self.org, actor=self.actor, touchpoint=self.get_object()))


class InfluenceTypeViewSet(ServiceViewSet):
    """The organization's influence types (touchpoint kinds)."""

    model = InfluenceType
    output_serializer_class = s.InfluenceTypeOutputSerializer
    pagination_class = None
    ordering = ["order", "name"]


class RegistrationViewSet(ServiceViewSet):
    """Deal registrations. POST registers on a partner's behalf (via vendor) and returns the conflicts at
    once. Actions: approve (override_reason when it conflicts with an earlier claim), reject (reason),
    request-info (message), respond-info (message), trail."""

    model = DealRegistration
    input_serializer_class = s.RegistrationInputSerializer
    output_serializer_class = s.RegistrationOutputSerializer
    filterset_class = RegistrationFilter
    search_fields = ["customer_name", "customer_domain"]
    ordering_fields = ["submitted_at", "value"]
    ordering = ["-submitted_at", "-id"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.select_related(*PARTNERSHIP))

    def create_object(self, data):
        return registrations.registration_submit(org=self.org, actor=self.actor, via="vendor", **data)

    @extend_schema(request=s.RegistrationApproveSerializer, responses=s.RegistrationOutputSerializer)
    @action(detail=True, methods=["post"])
    def approve(self, request, org_slug, pk):
        registration = self.get_object()  # 404 for another tenant's id before the body is read
        data = self.validated(s.RegistrationApproveSerializer)
        registration = registrations.registration_approve(
            org=self.org, actor=self.actor, registration=registration, **data
        )
        return self.answer(registration)

    @extend_schema(request=s.RegistrationReasonSerializer, responses=s.RegistrationOutputSerializer)
    @action(detail=True, methods=["post"])
    def reject(self, request, org_slug, pk):
        registration = self.get_object()  # 404 for another tenant's id before the body is read
        data = self.validated(s.RegistrationReasonSerializer)
        registration = registrations.registration_reject(
            org=self.org, actor=self.actor, registration=registration, reason=data["reason"]
        )
        return self.answer(registration)

    @extend_schema(request=s.RegistrationMessageSerializer, responses=s.RegistrationOutputSerializer)
    @action(detail=True, methods=["post"], url_path="request-info")
    def request_info(self, request, org_slug, pk):
        registration = self.get_object()  # 404 for another tenant's id before the body is read
        data = self.validated(s.RegistrationMessageSerializer)
        registration = registrations.registration_request_info(
            org=self.org, actor=self.actor, registration=registration, message=data["message"]
        )
        return self.answer(registration)

    @extend_schema(request=s.RegistrationMessageSerializer, responses=s.RegistrationOutputSerializer)
    @action(detail=True, methods=["post"], url_path="respond-info")
    def respond_info(self, request, org_slug, pk):
        registration = self.get_object()  # 404 for another tenant's id before the body is read
        data = self.validated(s.RegistrationMessageSerializer)
        registration = registrations.registration_respond_info(
            org=self.org, actor=self.actor, registration=registration, message=data["message"]
        )
        return self.answer(registration)

    @extend_schema(responses=s.RegistrationEventOutputSerializer(many=True))
    @action(detail=True, methods=["get"], pagination_class=None, filter_backends=[])
    def trail(self, request, org_slug, pk):
        events = selectors.registration_trail(org=self.org, registration=self.get_object(), partner_view=False)
        return Response(s.RegistrationEventOutputSerializer(events, many=True).data)


class SplitRuleViewSet(ServiceViewSet):
    """The split-rule library. `revise` adds a version of the shares (total at most 100 %)."""

    model = SplitRule
    input_serializer_class = s.SplitRuleInputSerializer
    update_serializer_class = s.SplitRuleUpdateSerializer
    output_serializer_class = s.SplitRuleOutputSerializer
    put_partial = True  # PUT changes only what it names, as PATCH
    filterset_fields = ["match_on", "is_active"]
    ordering = ["priority", "name"]
    required_roles = {"POST": Role.ADMIN, "PATCH": Role.ADMIN, "PUT": Role.ADMIN}

    def filter_queryset(self, queryset):
        versions = SplitRuleVersion.objects.for_org(self.org).order_by("-version")
        return super().filter_queryset(queryset.prefetch_related(Prefetch("versions", queryset=versions)))

    def create_object(self, data):
        return services.split_rule_create(org=self.org, actor=self.actor, **data)

    def update_object(self, obj, data):
        return services.split_rule_update(org=self.org, actor=self.actor, rule=obj, data=data)

    @extend_schema(request=s.SplitRuleReviseSerializer, responses=s.SplitRuleOutputSerializer)
    @action(detail=True, methods=["post"])
    def revise(self, request, org_slug, pk):
        rule = self.get_object()
        services.split_rule_revise(
            org=self.org, actor=self.actor, rule=rule, **self.validated(s.SplitRuleReviseSerializer)
        )
        return self.answer(rule)


class MaterialityScoreViewSet(ServiceViewSet):
    """Materiality scores (0–5 on sales motion, value proposition, delivery). POST replaces a pair's score."""

    model = MaterialityScore
    input_serializer_class = s.MaterialityInputSerializer
    output_serializer_class = s.MaterialityOutputSerializer
    filterset_fields = ["opportunity", "partnership"]
    ordering = ["-id"]

    def create_object(self, data):
        return services.materiality_score_set(org=self.org, actor=self.actor, **data)


class CreditAllocationViewSet(ServiceViewSet):
    """The current credit ledger (rows of the last finished run). Filters: opportunity, partnership, model."""

    model = CreditAllocation
    output_serializer_class = s.CreditOutputSerializer
    filterset_class = CreditFilter
    ordering = ["opportunity_id", "model", "id"]

    def filter_queryset(self, queryset):
        queryset = queryset.filter(run_id=selectors.latest_done_run_id(org=self.org)).select_related(*PARTNERSHIP)
        return super().filter_queryset(queryset)


class AttributionRunViewSet(ServiceViewSet):
    """Attribution runs: POST queues a full recomputation; GET shows status and progress."""

    model = AttributionRun
    output_serializer_class = s.RunOutputSerializer
    create_status = status.HTTP_202_ACCEPTED
    filterset_fields = ["status"]
    ordering = ["-created_at", "-id"]

    def create_object(self, data):
        return runs.attribution_run_start(org=self.org, actor=self.actor, trigger="api")


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
        checked = self.validated(s.ConfigSerializer, partial=True, instance=self._current())
        config = services.attribution_config_update(org=self.org, actor=self.actor, data=dict(checked))
        return Response(s.ConfigSerializer(config).data)
