"""Filters shared by the pipeline page and the opportunities endpoint."""

import django_filters
from django.utils.translation import gettext_lazy as _

from attribution import selectors
from attribution.models import CreditAllocation, DealRegistration, Opportunity, OpportunityPartner


class OpportunityFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(label=_("Search"))
    stage = django_filters.ChoiceFilter(choices=Opportunity.Stage.choices)
    status = django_filters.ChoiceFilter(choices=Opportunity.Status.choices)
    partner = django_filters.NumberFilter(label=_("Partner"))
    program = django_filters.NumberFilter(label=_("Program"))
    partnership = django_filters.NumberFilter(label=_("Partnership"))
    role = django_filters.ChoiceFilter(choices=OpportunityPartner.Role.choices)
    amount_min = django_filters.NumberFilter(label=_("Amount from"))
    amount_max = django_filters.NumberFilter(label=_("Amount to"))
    close_from = django_filters.DateFilter(label=_("Closing from"))
    close_to = django_filters.DateFilter(label=_("Closing until"))
    crm_id = django_filters.CharFilter()

    class Meta:
        model = Opportunity
        fields: list[str] = []

    def filter_queryset(self, queryset):
        data = dict(self.form.cleaned_data)
        if data.get("crm_id"):
            queryset = queryset.filter(crm_id=data["crm_id"])
        return selectors.opportunity_filter(queryset, filters=data)


class RegistrationFilter(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=DealRegistration.Status.choices)
    partnership = django_filters.NumberFilter(field_name="partnership_id")
    via = django_filters.ChoiceFilter(choices=DealRegistration.Via.choices)

    class Meta:
        model = DealRegistration
        fields: list[str] = []


class CreditFilter(django_filters.FilterSet):
    opportunity = django_filters.NumberFilter(field_name="opportunity_id")
    partnership = django_filters.NumberFilter(field_name="partnership_id")
    model = django_filters.ChoiceFilter(choices=CreditAllocation._meta.get_field("model").choices)

    class Meta:
        model = CreditAllocation
        fields: list[str] = []
