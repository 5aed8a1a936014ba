"""Partner portfolio API: CRUD through services, filters matching the list page, journey actions, bulk upsert."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import mixins
from rest_framework.decorators import action
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from partners import importing, program_services, selectors, services
from partners.api import serializers as s
from partners.filters import PartnerFilter
from partners.models import (
    Certification,
    Contact,
    JourneyTemplate,
    Partner,
    Partnership,
    Program,
    Tier,
)
from pom.api.base import OrgViewSet, ServiceViewSet


class PartnerViewSet(ServiceViewSet):
    """Partners. Filters as on the list page: q, type (id or slug), program, tier, status, stage, owner,
    region, segment, archetype, focus, domain; `ordering` by name, status, created_at, partnership_count."""

    model = Partner
    input_serializer_class = s.PartnerInputSerializer
    output_serializer_class = s.PartnerOutputSerializer
    filterset_class = PartnerFilter
    search_fields = ["name", "domain"]
    ordering_fields = ["name", "status", "created_at", "updated_at", "partnership_count"]
    ordering = ["name", "pk"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(selectors.partner_rows(queryset))

    def list(self, request, *args, **kwargs):
        # `.values()` rows (docs/performance.md): the same filters, ordering, pages and output as the
        # output serializer, without model objects, joins in the count query or nested serializers.
        # The page's ids come off the (organization, name, id) index with the filters alone; only those
        # 50 rows are then read with their joined names (a deferred join: none for the skipped rows).
        rows = s.partner_list_rows()
        ordered = super().filter_queryset(self.get_queryset())
        ids = self.paginate_queryset(ordered.values_list("pk", flat=True))
        return self.get_paginated_response(rows.page(ids, org=self.org))

    def create_object(self, data):
        data = dict(data)
        return services.partner_create(
            org=self.org,
            actor=self.actor,
            name=data.pop("name"),
            domain=data.pop("domain", ""),
            types=data.pop("types", None),
            **data,
        )

    def update_object(self, obj, data):
        data = dict(data)
        return services.partner_update(
            org=self.org, actor=self.actor, partner=obj, data=data, types=data.pop("types", None)
        )

    def delete_object(self, obj):
        services.partner_delete(org=self.org, actor=self.actor, partner=obj)

    @extend_schema(request=s.PartnerBulkUpsertInputSerializer, responses=s.PartnerBulkUpsertOutputSerializer)
    @action(detail=False, methods=["post"], url_path="bulk-upsert")
    def bulk_upsert(self, request, org_slug):
        """Create or update up to 1,000 partners keyed by domain (then name). All valid or nothing saved.

        Body: a list of partner objects, or {"partners": [...]}. Each item takes the import columns
        (name, domain, types, archetype, segment, status, owner_email, contact_*, program, tier,
        partnership_status, start_date…). 400 lists errors per index.
        """
        return self.run_bulk(
            importing.partner_bulk_upsert, serializer_class=s.PartnerBulkUpsertInputSerializer, key="partners"
        )


class ContactFilter(django_filters.FilterSet):
    class Meta:
        model = Contact
        fields = ["partner", "role", "email"]


class ContactViewSet(ServiceViewSet):
    model = Contact
    input_serializer_class = s.ContactInputSerializer
    output_serializer_class = s.ContactOutputSerializer
    filterset_class = ContactFilter
    search_fields = ["name", "email", "title"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name", "pk"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.select_related("partner"))

    def create_object(self, data):
        data = dict(data)
        return services.contact_create(
            org=self.org, actor=self.actor, partner=data.pop("partner"), name=data.pop("name"), **data
        )

    def update_object(self, obj, data):
        data = dict(data)
        if "partner" in data and data["partner"] != obj.partner:
            raise ApiValidationError({"partner": "A contact cannot move to another partner; create a new one."})
        return services.contact_update(org=self.org, actor=self.actor, contact=obj, data=data)

    def delete_object(self, obj):
        services.contact_delete(org=self.org, actor=self.actor, contact=obj)


class ProgramViewSet(ServiceViewSet):
    model = Program
    input_serializer_class = s.ProgramInputSerializer
    output_serializer_class = s.ProgramOutputSerializer
    filterset_fields = ["kind", "is_active", "compensation_model"]
    search_fields = ["name"]
    ordering_fields = ["name", "created_at"]
    ordering = ["name"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.prefetch_related("tiers"))

    def create_object(self, data):
        data = dict(data)
        return program_services.program_create(
            org=self.org, actor=self.actor, name=data.pop("name"), kind=data.pop("kind"), **data
        )

    def update_object(self, obj, data):
        return program_services.program_update(org=self.org, actor=self.actor, program=obj, data=dict(data))

    def delete_object(self, obj):
        program_services.program_delete(org=self.org, actor=self.actor, program=obj)


class TierViewSet(ServiceViewSet):
    model = Tier
    input_serializer_class = s.TierInputSerializer
    output_serializer_class = s.TierOutputSerializer
    filterset_fields = ["program"]
    ordering_fields = ["rank", "name"]
    ordering = ["program__name", "rank"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.select_related("program"))

    def create_object(self, data):
        data = dict(data)
        return program_services.tier_create(
            org=self.org, actor=self.actor, program=data.pop("program"), name=data.pop("name"), **data
        )

    def update_object(self, obj, data):
        data = dict(data)
        if "program" in data and data["program"] != obj.program:
            raise ApiValidationError({"program": "A tier cannot move to another program."})
        return program_services.tier_update(org=self.org, actor=self.actor, tier=obj, data=data)

    def delete_object(self, obj):
        program_services.tier_delete(org=self.org, actor=self.actor, tier=obj)


class PartnershipFilter(django_filters.FilterSet):
    class Meta:
        model = Partnership
        fields = ["partner", "program", "tier", "status", "current_stage", "owner"]


class PartnershipViewSet(ServiceViewSet):
    """Partner-in-program rows, with journey actions: `journey` (GET), `move-stage`, `complete-step`."""

    model = Partnership
    input_serializer_class = s.PartnershipInputSerializer
    update_serializer_class = s.PartnershipUpdateInputSerializer
    output_serializer_class = s.PartnershipOutputSerializer
    filterset_class = PartnershipFilter
    search_fields = ["partner__name", "program__name"]
    ordering_fields = ["created_at", "start_date", "renewal_date"]
    ordering = ["partner__name", "program__name"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(
            queryset.select_related("partner", "program", "tier", "current_stage", "journey_template")
        )

    def create_object(self, data):
        data = dict(data)
        return services.partnership_create(
            org=self.org, actor=self.actor, partner=data.pop("partner"), program=data.pop("program"), **data
        )

    def update_object(self, obj, data):
        return services.partnership_update(org=self.org, actor=self.actor, partnership=obj, data=dict(data))

    def delete_object(self, obj):
        services.partnership_delete(org=self.org, actor=self.actor, partnership=obj)

    @extend_schema(request=None, responses=None)
    @action(detail=True, methods=["get"])
    def journey(self, request, org_slug, pk=None):
        """Stages and steps of this partnership's journey with done flags, who and when."""
        return Response(s.journey_progress_data(selectors.journey_progress(partnership=self.get_object())))

    @extend_schema(request=s.MoveStageInputSerializer, responses=None)
    @action(detail=True, methods=["post"], url_path="move-stage")
    def move_stage(self, request, org_slug, pk=None):
        """Move to a stage of this partnership's journey; returns the journey progress."""
        partnership = self.get_object()
        data = self.validated(s.MoveStageInputSerializer)
        services.partnership_move_stage(org=self.org, actor=self.actor, partnership=partnership, stage=data["stage"])
        return Response(s.journey_progress_data(selectors.journey_progress(partnership=partnership)))

    @extend_schema(request=s.StepInputSerializer, responses=None)
    @action(detail=True, methods=["post"], url_path="complete-step")
    def complete_step(self, request, org_slug, pk=None):
        """Tick a step (`done: false` unticks it); returns the journey progress."""
        partnership = self.get_object()
        data = self.validated(s.StepInputSerializer)
        if data["done"]:
            services.step_complete(
                org=self.org, actor=self.actor, partnership=partnership, step=data["step"], note=data["note"]
            )
        else:
            services.step_uncomplete(org=self.org, actor=self.actor, partnership=partnership, step=data["step"])
        return Response(s.journey_progress_data(selectors.journey_progress(partnership=partnership)))


class JourneyTemplateViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, OrgViewSet):
    """Journey templates with ordered stages and steps (read only)."""

    model = JourneyTemplate
    serializer_class = s.JourneyTemplateOutputSerializer
    ordering = ["-is_default", "name"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(queryset.prefetch_related("stages__steps"))


class CertificationFilter(django_filters.FilterSet):
    expires_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lte")
    expires_after = django_filters.DateFilter(field_name="expires_on", lookup_expr="gte")
    state = django_filters.ChoiceFilter(
        choices=[("expired", _("Expired")), ("expiring", _("Expiring soon")), ("valid", _("Valid"))]
    )

    class Meta:
        model = Certification
        fields = ["partner", "contact", "expires_before", "expires_after", "state"]


class CertificationViewSet(ServiceViewSet):
    """Certifications with `state` (expired, expiring within 60 days, valid)."""

    model = Certification
    input_serializer_class = s.CertificationInputSerializer
    output_serializer_class = s.CertificationOutputSerializer
    filterset_class = CertificationFilter
    search_fields = ["name", "partner__name"]
    ordering_fields = ["expires_on", "issued_on", "name"]
    ordering = ["expires_on", "name"]

    def filter_queryset(self, queryset):
        return super().filter_queryset(selectors.certification_rows(queryset))

    def create_object(self, data):
        data = dict(data)
        return services.certification_create(
            org=self.org,
            actor=self.actor,
            partner=data.pop("partner"),
            name=data.pop("name"),
            issued_on=data.pop("issued_on"),
            **data,
        )

    def update_object(self, obj, data):
        data = dict(data)
        if "partner" in data and data["partner"] != obj.partner:
            raise ApiValidationError({"partner": "A certification cannot move to another partner."})
        return services.certification_update(org=self.org, actor=self.actor, certification=obj, data=data)

    def delete_object(self, obj):
        services.certification_delete(org=self.org, actor=self.actor, certification=obj)
