from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from attribution.currencies import ISO_4217
from attribution.models import (
    Account,
    AttributionConfig,
    AttributionModel,
    AttributionRun,
    CreditAllocation,
    DealRegistration,
    InfluenceType,
    MaterialityScore,
    Opportunity,
    OpportunityPartner,
    RegistrationEvent,
    SplitRule,
    SplitRuleVersion,
    Touchpoint,
)
from partners.models import Partnership
from pom.api.base import OrgScopedPK

MONEY = {"max_digits": 14, "decimal_places": 2, "min_value": 0}


class CurrencyField(serializers.CharField):
    def to_internal_value(self, data):
        value = super().to_internal_value(data).upper()
        if value not in ISO_4217:
            raise serializers.ValidationError(
                _("“%(value)s” is not an ISO 4217 currency code (e.g. EUR).") % {"value": value}
            )
        return value


class PartnershipRefSerializer(serializers.ModelSerializer):
    partner = serializers.CharField(source="partner.name")
    program = serializers.CharField(source="program.name")

    class Meta:
        model = Partnership
        fields = ["id", "partner", "program"]


class AccountInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    domain = serializers.CharField(max_length=253, required=False, allow_blank=True)
    industry = serializers.CharField(max_length=80, required=False, allow_blank=True)
    region = serializers.ChoiceField(
        choices=Account._meta.get_field("region").choices, required=False, allow_blank=True
    )
    type = serializers.ChoiceField(choices=Account.Type.choices, required=False)
    crm_id = serializers.CharField(max_length=64, required=False, allow_blank=True)
    duns = serializers.CharField(max_length=20, required=False, allow_blank=True)
    vat = serializers.CharField(max_length=20, required=False, allow_blank=True)
    siret = serializers.CharField(max_length=20, required=False, allow_blank=True)
    customer_since = serializers.DateField(required=False, allow_null=True)
    churned_on = serializers.DateField(required=False, allow_null=True)
    integrations_count = serializers.IntegerField(required=False, min_value=0, max_value=32767)


class AccountOutputSerializer(serializers.ModelSerializer):
    open_count = serializers.IntegerField(read_only=True, default=None)

    class Meta:
        model = Account
        fields = [
            "id", "name", "domain", "industry", "region", "type", "crm_id", "duns", "vat", "siret", "open_count",
            "customer_since", "churned_on", "integrations_count", "created_at",
        ]  # fmt: skip


class OpportunityInputSerializer(serializers.Serializer):
    account = OrgScopedPK(queryset=Account.objects)
    name = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(**MONEY)
    currency = CurrencyField(max_length=3)
    stage = serializers.ChoiceField(choices=Opportunity.Stage.choices, required=False)
    status = serializers.ChoiceField(choices=Opportunity.Status.choices, required=False)
    type = serializers.ChoiceField(choices=Opportunity.Type.choices, required=False)
    created_on = serializers.DateField(required=False)
    expected_close = serializers.DateField(required=False, allow_null=True)
    closed_on = serializers.DateField(required=False, allow_null=True)
    products = serializers.ListField(child=serializers.CharField(max_length=80), required=False)
    joint_solution = serializers.CharField(max_length=120, required=False, allow_blank=True)
    campaign_code = serializers.CharField(max_length=40, required=False, allow_blank=True)
    crm_id = serializers.CharField(max_length=64, required=False, allow_blank=True)


class OpportunityPartnerOutputSerializer(serializers.ModelSerializer):
    partnership = PartnershipRefSerializer(read_only=True)

    class Meta:
        model = OpportunityPartner
        fields = ["id", "opportunity", "partnership", "role", "ae_confirmed", "added_by", "created_at"]


class OpportunityOutputSerializer(serializers.ModelSerializer):
    account = serializers.PrimaryKeyRelatedField(read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    partners = OpportunityPartnerOutputSerializer(many=True, read_only=True)

    class Meta:
        model = Opportunity
        fields = [
            "id",
            "account",
            "account_name",
            "name",
            "amount",
            "currency",
            "stage",
            "status",
            "type",
            "created_on",
            "expected_close",
            "closed_on",
            "products",
            "joint_solution",
            "campaign_code",
            "crm_id",
            "partners",
        ]


class OpportunityPartnerInputSerializer(serializers.Serializer):
    opportunity = OrgScopedPK(queryset=Opportunity.objects)
    partnership = OrgScopedPK(queryset=Partnership.objects)
    role = serializers.ChoiceField(choices=OpportunityPartner.Role.choices)
    ae_confirmed = serializers.BooleanField(required=False, default=False)


class TouchpointInputSerializer(serializers.Serializer):
    opportunity = OrgScopedPK(queryset=Opportunity.objects, required=False, allow_null=True)
    account = OrgScopedPK(queryset=Account.objects, required=False, allow_null=True)
    partnership = OrgScopedPK(queryset=Partnership.objects)
    influence_type = OrgScopedPK(queryset=InfluenceType.objects)
    phase = serializers.ChoiceField(choices=Touchpoint.Phase.choices, required=False)
    occurred_at = serializers.DateTimeField()
    note = serializers.CharField(required=False, allow_blank=True)
    link = serializers.URLField(required=False, allow_blank=True)


class TouchpointOutputSerializer(serializers.ModelSerializer):
    influence_type = serializers.CharField(source="influence_type.name")
    partnership = PartnershipRefSerializer(read_only=True)

    class Meta:
        model = Touchpoint
        fields = [
            "id",
            "opportunity",
            "account",
            "partnership",
            "influence_type",
            "phase",
            "occurred_at",
            "note",
            "link",
            "recorded_by",
            "confirmed_by",
        ]


class InfluenceTypeOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = InfluenceType
        fields = ["id", "name", "slug", "order", "is_active"]


class RegistrationInputSerializer(serializers.Serializer):
    partnership = OrgScopedPK(queryset=Partnership.objects)
    customer_name = serializers.CharField(max_length=200)
    customer_domain = serializers.CharField(max_length=253, required=False, allow_blank=True, default="")
    value = serializers.DecimalField(**MONEY)
    currency = CurrencyField(max_length=3)
    products = serializers.ListField(child=serializers.CharField(max_length=80), required=False, default=list)
    expected_close = serializers.DateField(required=False, allow_null=True, default=None)
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class RegistrationOutputSerializer(serializers.ModelSerializer):
    partnership = PartnershipRefSerializer(read_only=True)

    class Meta:
        model = DealRegistration
        fields = [
            "id",
            "partnership",
            "customer_name",
            "customer_domain",
            "value",
            "currency",
            "products",
            "expected_close",
            "notes",
            "status",
            "via",
            "submitted_at",
            "submitted_by",
            "decided_at",
            "decided_by",
            "decision_reason",
            "protection_until",
            "opportunity",
            "conflicts",
        ]


class RegistrationApproveSerializer(serializers.Serializer):
    opportunity = OrgScopedPK(queryset=Opportunity.objects, required=False, allow_null=True)
    override_reason = serializers.CharField(required=False, allow_blank=True, default="")


class RegistrationReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(allow_blank=True)


class RegistrationMessageSerializer(serializers.Serializer):
    message = serializers.CharField(allow_blank=True)


class RegistrationEventOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = RegistrationEvent
        fields = ["id", "at", "actor_label", "kind", "message", "visible_to_partner"]


class ShareSerializer(serializers.Serializer):
    partnership_id = serializers.IntegerField()
    percent = serializers.DecimalField(max_digits=5, decimal_places=2)


class SplitRuleInputSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    match_on = serializers.ChoiceField(choices=SplitRule.MatchOn.choices)
    match_value = serializers.CharField(max_length=120)
    priority = serializers.IntegerField(min_value=0, max_value=32767, required=False, default=100)
    shares = ShareSerializer(many=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SplitRuleUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    match_on = serializers.ChoiceField(choices=SplitRule.MatchOn.choices, required=False)
    match_value = serializers.CharField(max_length=120, required=False)
    priority = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    is_active = serializers.BooleanField(required=False)


class SplitRuleReviseSerializer(serializers.Serializer):
    shares = ShareSerializer(many=True)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class SplitRuleVersionOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = SplitRuleVersion
        fields = ["version", "shares", "note", "created_by", "created_at"]


class SplitRuleOutputSerializer(serializers.ModelSerializer):
    versions = SplitRuleVersionOutputSerializer(many=True, read_only=True)

    class Meta:
        model = SplitRule
        fields = ["id", "name", "match_on", "match_value", "priority", "is_active", "current_version", "versions"]


class MaterialityInputSerializer(serializers.Serializer):
    opportunity = OrgScopedPK(queryset=Opportunity.objects)
    partnership = OrgScopedPK(queryset=Partnership.objects)
    sales_motion = serializers.IntegerField(min_value=0, max_value=5)
    value_proposition = serializers.IntegerField(min_value=0, max_value=5)
    delivery = serializers.IntegerField(min_value=0, max_value=5)


class MaterialityOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = MaterialityScore
        fields = ["id", "opportunity", "partnership", "sales_motion", "value_proposition", "delivery", "scored_by"]


class CreditOutputSerializer(serializers.ModelSerializer):
    partnership = PartnershipRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = CreditAllocation
        fields = [
            "id",
            "opportunity",
            "partnership",
            "model",
            "amount",
            "currency",
            "share",
            "rule_version",
            "explanation",
            "run",
        ]


class RunOutputSerializer(serializers.ModelSerializer):
    class Meta:
        model = AttributionRun
        fields = [
            "id",
            "status",
            "trigger",
            "progress",
            "opportunities_count",
            "allocations_count",
            "error",
            "started_at",
            "finished_at",
            "created_at",
        ]


class ConfigSerializer(serializers.ModelSerializer):
    models_enabled = serializers.ListField(child=serializers.ChoiceField(choices=AttributionModel.choices))
    own_domains = serializers.ListField(child=serializers.CharField(max_length=253), required=False)

    class Meta:
        model = AttributionConfig
        fields = [
            "models_enabled",
            "primary_model",
            "sourced_weight",
            "influenced_weight",
            "half_life_days",
            "position_first",
            "position_middle",
            "position_last",
            "protection_days",
            "own_domains",
        ]


class BulkSerializer(serializers.Serializer):
    items = serializers.ListField(child=serializers.DictField(), allow_empty=False, max_length=5000)


class BulkResultSerializer(serializers.Serializer):
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
