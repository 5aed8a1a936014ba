"""Forms of the account-mapping and co-sell pages (vendor side and workspace side)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from attribution.mapping_importing import FIELDS
from attribution.mapping_models import CoSellRequest, PartnerPopulation, ShareLevel
from attribution.models import Account
from pom.models import Region

BAND_ROWS = 5


class PopulationForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    type = forms.ChoiceField(label=_("Type"), choices=[("", _("Any"))] + list(Account.Type.choices), required=False)
    region = forms.ChoiceField(label=_("Region"), choices=[("", _("Any"))] + list(Region.choices), required=False)
    industry = forms.CharField(label=_("Industry"), max_length=80, required=False)
    has_open_opportunity = forms.BooleanField(label=_("Has an open opportunity"), required=False)
    min_open_amount = forms.DecimalField(
        label=_("Open opportunity of at least"), required=False, min_value=0, max_digits=14, decimal_places=2
    )

    def filters(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("type", "region", "industry", "has_open_opportunity", "min_open_amount")}


class CoSellRequestForm(forms.Form):
    account_map = forms.TypedChoiceField(label=_("Partner"), coerce=int)
    kind = forms.ChoiceField(label=_("What you ask for"), choices=CoSellRequest.Kind.choices)
    opportunity = forms.TypedChoiceField(label=_("Opportunity"), coerce=int, required=False, empty_value=None)
    message = forms.CharField(label=_("Message to the partner"), widget=forms.Textarea, max_length=2000, required=False)

    def __init__(self, *args, partners=(), opportunities=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account_map"].choices = [(p["account_map_id"], p["partnership"].partner.name) for p in partners]
        self.fields["opportunity"].choices = [("", _("The account, no deal yet"))] + [
            (o.pk, f"{o.name} · {o.amount} {o.currency}") for o in opportunities
        ]


class CoSellAnswerForm(forms.Form):
    decision = forms.ChoiceField(choices=[("accept", _("Accept")), ("decline", _("Decline"))])
    note = forms.CharField(label=_("Note"), widget=forms.Textarea, max_length=2000, required=False)
    economic_buyer = forms.BooleanField(label=_("We can reach the economic buyer"), required=False)


class UploadForm(forms.Form):
    file = forms.FileField(label=_("Your account list (CSV or Excel .xlsx)"))


class ColumnMappingForm(forms.Form):
    """One select per target field, listing the file's headers; plus the default population."""

    default_population = forms.ChoiceField(
        label=_("Population of rows without one"), choices=PartnerPopulation.choices, initial="customer"
    )

    def __init__(self, *args, headers=(), initial_mapping=None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— not in the file —"))] + [(h, h) for h in headers if h]
        for key, label, _aliases in FIELDS:
            self.fields[f"col_{key}"] = forms.ChoiceField(
                label=label, choices=choices, required=False, initial=(initial_mapping or {}).get(key, "")
            )

    def mapping(self) -> dict[str, str]:
        return {key: self.cleaned_data.get(f"col_{key}") or "" for key, _l, _a in FIELDS}


class BandsForm(forms.Form):
    """The attachment model: up to five bands (amount above which, partners needed)."""

    def __init__(self, *args, bands=(), **kwargs):
        super().__init__(*args, **kwargs)
        for i in range(BAND_ROWS):
            band = bands[i] if i < len(bands) else {}
            self.fields[f"above_{i}"] = forms.DecimalField(
                label=_("Deals above"), required=False, min_value=0, initial=band.get("above")
            )
            self.fields[f"partners_{i}"] = forms.IntegerField(
                label=_("need partners"), required=False, min_value=0, max_value=50, initial=band.get("partners")
            )

    def bands(self) -> list[dict]:
        rows = []
        for i in range(BAND_ROWS):
            above, partners = self.cleaned_data.get(f"above_{i}"), self.cleaned_data.get(f"partners_{i}")
            if above is not None and partners is not None:
                rows.append({"above": str(above), "partners": partners})
        return rows


def sharing_levels_from_post(data, populations, kinds) -> dict:
    """{(population id, kind): level} from `level_<population id>_<kind>` fields of a POST."""
    levels = {}
    for population in populations:
        for kind, _label in kinds:
            value = data.get(f"level_{population.pk}_{kind}")
            if value:
                levels[(population.pk, kind)] = value if value in ShareLevel.values else "invalid"
    return levels
