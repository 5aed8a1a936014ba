"""The partner list filters, shared by the list page, its CSV export and the API."""

from __future__ import annotations

import django_filters
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from partners.models import Contact, Partner, Partnership, PartnerTypeLink
from pom.domains import normalize_domain
from pom.models import Region

SORTS = {
    "name": ("name", "pk"),
    "-name": ("-name", "-pk"),
    "status": ("status", "name"),
    # Partners without a stage sort last either way (PostgreSQL puts NULL first when descending).
    "stage": (F("journey_stage__order").asc(nulls_last=True), "name"),
    "-stage": (F("journey_stage__order").desc(nulls_last=True), "name"),
    "created": ("created_at", "pk"),
    "-created": ("-created_at", "-pk"),
    "partnerships": ("partnership_count", "name"),
    "-partnerships": ("-partnership_count", "name"),
}


def _same_partner(model):
    """The outer partner's rows of `model`, correlated on organization too (the door, and the index)."""
    return model.objects.filter(organization=OuterRef("organization"), partner=OuterRef("pk"))


class PartnerFilter(django_filters.FilterSet):
    """Every filter narrows an already org-scoped queryset, so ids from another organization match nothing."""

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    type = django_filters.CharFilter(method="filter_type", label=_("Type"))
    program = django_filters.NumberFilter(method="filter_program", label=_("Program"))
    tier = django_filters.NumberFilter(method="filter_tier", label=_("Tier"))
    status = django_filters.ChoiceFilter(choices=Partner.Status.choices)
    stage = django_filters.NumberFilter(field_name="journey_stage", label=_("Journey stage"))
    owner = django_filters.NumberFilter(field_name="owner", label=_("Owner"))
    region = django_filters.ChoiceFilter(choices=Region.choices)
    segment = django_filters.NumberFilter(field_name="segment", label=_("Segment"))
    archetype = django_filters.NumberFilter(field_name="archetype", label=_("Archetype"))
    focus = django_filters.BooleanFilter(field_name="is_focus", label=_("Focus"))
    domain = django_filters.CharFilter(method="filter_domain", label=_("Domain"))

    class Meta:
        model = Partner
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        return queryset.filter(
            Q(name__icontains=value)
            | Q(domain__icontains=value)
            | Q(industry__icontains=value)
            | Exists(_same_partner(Contact).filter(Q(name__icontains=value) | Q(email__icontains=value)))
        )

    def filter_type(self, queryset, name, value):
        # A type is given by id or by slug (CRM integrations know the slug).
        if value.isdigit():
            return queryset.filter(Exists(_same_partner(PartnerTypeLink).filter(partner_type_id=value)))
        return queryset.filter(Exists(_same_partner(PartnerTypeLink).filter(partner_type__slug=value)))

    def filter_program(self, queryset, name, value):
        return queryset.filter(Exists(_same_partner(Partnership).filter(program_id=value)))

    def filter_tier(self, queryset, name, value):
        return queryset.filter(Exists(_same_partner(Partnership).filter(tier_id=value)))

    def filter_domain(self, queryset, name, value):
        return queryset.filter(domain=normalize_domain(value))
