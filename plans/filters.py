"""Filters shared by the portfolio page and the plans API."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from partners.models import Partner, Program
from plans.models import Plan
from plans.selectors import behind_plan_ids
from pom import picker
from pom.models import User
from pom.selectors import member_users


class PlanFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Plan.Status.choices, empty_label=_("Any status"))
    kind = django_filters.ChoiceFilter(choices=Plan.Kind.choices, empty_label=_("Any kind"))
    owner = django_filters.ModelChoiceFilter(queryset=User.objects.none(), empty_label=_("Any owner"))
    partner = picker.PickerFilter(field_name="partnership__partner", queryset=Partner.objects.none())
    program = django_filters.ModelChoiceFilter(
        field_name="partnership__program", queryset=Program.objects.none(), empty_label=_("Any program")
    )
    partnership = django_filters.NumberFilter(field_name="partnership_id")
    behind = django_filters.BooleanFilter(method="filter_behind", label=_("Behind only"))
    q = django_filters.CharFilter(field_name="name", lookup_expr="icontains", label=_("Name"))

    class Meta:
        model = Plan
        fields = ["status", "kind", "owner", "partner", "program", "partnership", "behind", "q"]

    def __init__(self, *args, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        if org is None:  # the API: the view set resolved the organization from the URL
            org = self.request.parser_context["view"].org
        self.org = org
        self.filters["owner"].queryset = member_users(org=org)
        self.filters["partner"].bind(org=org)
        self.filters["program"].queryset = Program.objects.for_org(org).order_by("name")

    def filter_behind(self, queryset, name, value):
        if not value:
            return queryset
        return queryset.filter(pk__in=behind_plan_ids(org=self.org))
