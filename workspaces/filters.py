import django_filters
from django import forms
from django.utils.translation import gettext_lazy as _

from partners.models import Partner
from pom import picker


class WorkspaceFilter(django_filters.FilterSet):
    """Filters of the vendor-side workspace list; the queryset comes from `selectors.workspace_list`."""

    q = django_filters.CharFilter(method="filter_q", label=_("Search"))
    partner = picker.PickerFilter(queryset=Partner.objects.none(), method="filter_partner", label=_("Partner"))
    partner_members = django_filters.ChoiceFilter(
        choices=[("yes", _("With partner people")), ("no", _("No partner people yet"))],
        method="filter_partner_members",
        label=_("Partner people"),
        empty_label=_("Any"),
    )

    def __init__(self, *args, org=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.filters["partner"].bind(org=org)
        for f in self.form.fields.values():
            if isinstance(f.widget, forms.TextInput):
                f.widget.attrs.setdefault("placeholder", "Workspace or partner")

    def filter_q(self, qs, name, value):
        from django.db.models import Q

        return qs.filter(Q(name__icontains=value) | Q(partnerships__partner__name__icontains=value)).distinct()

    def filter_partner(self, qs, name, value):
        return qs.filter(partnerships__partner=value).distinct()

    def filter_partner_members(self, qs, name, value):
        return qs.filter(partner_member_count__gt=0) if value == "yes" else qs.filter(partner_member_count=0)
