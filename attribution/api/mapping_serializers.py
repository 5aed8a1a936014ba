"""Serializers of the account-mapping and co-sell API (vendor side and workspace side).

Overlap rows are serialized from `mapping_selectors.row_payload` dicts, never from the models, so a
response holds exactly what the page would show.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from attribution.mapping_models import (
    AccountMap,
    CoSellRequest,
    PartnerAccountList,
    PartnerPopulation,
    Population,
    ShareLevel,
)
from attribution.models import Account, Opportunity
from pom.api.base import OrgScopedPK


class AccountMapOutputSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partnership.partner.name", read_only=True)
    both_opted_in = serializers.BooleanField(read_only=True)
    is_stale = serializers.BooleanField(read_only=True)

    class Meta:
        model = AccountMap
        fields = [
            "id",
            "partnership",
            "partner_name",
            "vendor_opt_in_at",
            "partner_opt_in_at",
            "both_opted_in",
            "source",
            "vendor_fields",
            "partner_fields",
            "computed_at",
            "changed_at",
            "is_stale",
        ]


class AccountMapInputSerializer(serializers.Serializer):
    partnership = serializers.IntegerField()


class MatrixCellSerializer(serializers.Serializer):
    count = serializers.IntegerField(allow_null=True, help_text=_("None when the other side does not share the count"))
    level = serializers.ChoiceField(choices=ShareLevel.choices)
    can_list = serializers.BooleanField()
    v = serializers.IntegerField(help_text=_("Vendor population id"))
    p = serializers.ChoiceField(choices=PartnerPopulation.choices, help_text=_("Partner population"))


class MatrixRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    key = serializers.CharField()
    total = serializers.IntegerField(allow_null=True)
    cells = MatrixCellSerializer(many=True)


class MatrixColumnSerializer(serializers.Serializer):
    label = serializers.CharField()
    key = serializers.CharField()
    total = serializers.IntegerField(allow_null=True)


class MatrixSerializer(serializers.Serializer):
    side = serializers.CharField()
    computed_at = serializers.DateTimeField(allow_null=True)
    is_stale = serializers.BooleanField()
    rows = MatrixRowSerializer(many=True)
    columns = MatrixColumnSerializer(many=True)
    explanation = serializers.CharField()


class AccountSideSerializer(serializers.Serializer):
    """One side's account: `name` always; other keys only when shared (or when it is your own)."""

    name = serializers.CharField()
    id = serializers.IntegerField(required=False)
    domain = serializers.CharField(required=False)
    industry = serializers.CharField(required=False)
    region = serializers.CharField(required=False)
    country = serializers.CharField(required=False)
    owner_name = serializers.CharField(required=False)
    type = serializers.CharField(required=False)
    population = serializers.CharField(required=False)
    open_opportunities = serializers.IntegerField(required=False, allow_null=True)


class OverlapRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    ours = AccountSideSerializer()
    theirs = AccountSideSerializer()
    method = serializers.CharField()
    confidence = serializers.FloatField()


class TheirRowSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    theirs = AccountSideSerializer()


class SharingLevelSerializer(serializers.Serializer):
    vendor_population = serializers.IntegerField()
    partner_population = serializers.ChoiceField(choices=PartnerPopulation.choices)
    level = serializers.ChoiceField(choices=ShareLevel.choices)


class SharingSerializer(serializers.Serializer):
    levels = SharingLevelSerializer(many=True)
    fields = serializers.ListField(child=serializers.CharField(), required=False)


class PopulationOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = Population
        fields = ["id", "name", "slug", "kind", "filters", "is_active", "order"]


class PopulationInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=80, required=False)
    filters = serializers.DictField(required=False)
    is_active = serializers.BooleanField(required=False)


class CoSellRequestOutputSerializer(serializers.ModelSerializer):
    partner_name = serializers.CharField(source="partnership.partner.name", read_only=True)

    class Meta:
        model = CoSellRequest
        fields = [
            "id",
            "account_map",
            "partnership",
            "partner_name",
            "account",
            "partner_account_name",
            "opportunity",
            "kind",
            "message",
            "status",
            "requested_by",
            "answered_by",
            "answered_at",
            "answer_note",
            "reaches_economic_buyer",
            "touchpoint",
            "created_at",
        ]


class GuestCoSellRequestOutputSerializer(serializers.ModelSerializer):
    """What partner people see of a request: the account as THEY know it, never the vendor's record."""

    class Meta:
        model = CoSellRequest
        fields = [
            "id",
            "partner_account_name",
            "kind",
            "message",
            "status",
            "answered_at",
            "answer_note",
            "reaches_economic_buyer",
            "created_at",
        ]


class CoSellRequestInputSerializer(serializers.Serializer):
    account_map = OrgScopedPK(queryset=AccountMap.objects)
    account = OrgScopedPK(queryset=Account.objects)
    opportunity = OrgScopedPK(queryset=Opportunity.objects, required=False, allow_null=True)
    kind = serializers.ChoiceField(choices=CoSellRequest.Kind.choices, default=CoSellRequest.Kind.INTRODUCTION)
    message = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class CoSellAnswerInputSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    economic_buyer = serializers.BooleanField(required=False, default=False)


class MatchDecisionInputSerializer(serializers.Serializer):
    match = serializers.IntegerField()
    verdict = serializers.ChoiceField(choices=[("confirmed", _("confirmed")), ("rejected", _("rejected"))])


class MatchDecisionOutputSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    verdict = serializers.CharField()
    side = serializers.CharField()


class PartnerListOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = PartnerAccountList
        fields = [
            "id",
            "status",
            "original_name",
            "row_count",
            "population_counts",
            "column_mapping",
            "errors",
            "committed_at",
            "created_at",
        ]


class PartnerListInputSerializer(serializers.Serializer):
    file = serializers.FileField()
    default_population = serializers.ChoiceField(choices=PartnerPopulation.choices, default="customer")
    commit = serializers.BooleanField(default=True, help_text=_("Import at once when every row is valid"))


class JobRefSerializer(serializers.Serializer):
    job = serializers.IntegerField(allow_null=True)
    status = serializers.CharField()
