from django.contrib import admin

from attribution.models import (
    Account,
    AccountMap,
    AttributionConfig,
    AttributionRun,
    CoSellRequest,
    CoSellSettings,
    CreditAllocation,
    DealRegistration,
    InfluenceType,
    MatchDecision,
    MaterialityScore,
    Opportunity,
    OpportunityPartner,
    PartnerAccountList,
    Population,
    RegistrationEvent,
    SharingRule,
    SplitRule,
    SplitRuleVersion,
    Touchpoint,
)


@admin.register(InfluenceType)
class InfluenceTypeAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "order", "is_active"]
    list_filter = ["organization"]


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "organization", "type", "crm_id"]
    list_filter = ["organization", "type"]
    search_fields = ["name", "domain", "crm_id"]


class OpportunityPartnerInline(admin.TabularInline):
    model = OpportunityPartner
    extra = 0
    raw_id_fields = ["partnership", "added_by"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ["name", "account", "organization", "amount", "currency", "stage", "status", "expected_close"]
    list_filter = ["organization", "status", "stage"]
    search_fields = ["name", "crm_id", "account__name"]
    raw_id_fields = ["account", "owner"]
    inlines = [OpportunityPartnerInline]


@admin.register(OpportunityPartner)
class OpportunityPartnerAdmin(admin.ModelAdmin):
    list_display = ["opportunity", "partnership", "role", "ae_confirmed", "organization"]
    list_filter = ["organization", "role"]
    raw_id_fields = ["opportunity", "partnership", "added_by"]


@admin.register(Touchpoint)
class TouchpointAdmin(admin.ModelAdmin):
    list_display = ["partnership", "influence_type", "phase", "occurred_at", "opportunity", "account", "organization"]
    list_filter = ["organization", "phase"]
    raw_id_fields = ["opportunity", "account", "partnership", "recorded_by", "confirmed_by"]


class RegistrationEventInline(admin.TabularInline):
    model = RegistrationEvent
    extra = 0
    readonly_fields = ["at", "actor_label", "kind", "message", "visible_to_partner"]


@admin.register(DealRegistration)
class DealRegistrationAdmin(admin.ModelAdmin):
    list_display = ["customer_name", "partnership", "status", "submitted_at", "protection_until", "organization"]
    list_filter = ["organization", "status", "via"]
    search_fields = ["customer_name", "customer_domain"]
    raw_id_fields = ["partnership", "submitted_by", "decided_by", "opportunity"]
    inlines = [RegistrationEventInline]


@admin.register(RegistrationEvent)
class RegistrationEventAdmin(admin.ModelAdmin):
    list_display = ["registration", "kind", "at", "actor_label", "visible_to_partner"]
    list_filter = ["organization", "kind"]
    raw_id_fields = ["registration"]


@admin.register(AttributionConfig)
class AttributionConfigAdmin(admin.ModelAdmin):
    list_display = ["organization", "primary_model", "sourced_weight", "influenced_weight", "protection_days"]


class SplitRuleVersionInline(admin.TabularInline):
    model = SplitRuleVersion
    extra = 0


@admin.register(SplitRule)
class SplitRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "match_on", "match_value", "priority", "current_version", "is_active", "organization"]
    list_filter = ["organization", "match_on", "is_active"]
    inlines = [SplitRuleVersionInline]


@admin.register(SplitRuleVersion)
class SplitRuleVersionAdmin(admin.ModelAdmin):
    list_display = ["rule", "version", "created_at", "organization"]


@admin.register(MaterialityScore)
class MaterialityScoreAdmin(admin.ModelAdmin):
    list_display = ["opportunity", "partnership", "sales_motion", "value_proposition", "delivery", "organization"]
    raw_id_fields = ["opportunity", "partnership", "scored_by"]


@admin.register(AttributionRun)
class AttributionRunAdmin(admin.ModelAdmin):
    list_display = ["id", "organization", "status", "trigger", "progress", "opportunities_count", "finished_at"]
    list_filter = ["organization", "status"]


@admin.register(CreditAllocation)
class CreditAllocationAdmin(admin.ModelAdmin):
    list_display = ["opportunity", "partnership", "model", "amount", "currency", "share", "run", "organization"]
    list_filter = ["organization", "model"]
    raw_id_fields = ["opportunity", "partnership", "run"]


# Account mapping (partner rows are not listed: they are the partner's data, shown only as it shares them)


@admin.register(Population)
class PopulationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organization", "is_active", "order"]
    list_filter = ["organization", "kind", "is_active"]
    search_fields = ["name", "slug"]


@admin.register(AccountMap)
class AccountMapAdmin(admin.ModelAdmin):
    list_display = ["partnership", "organization", "vendor_opt_in_at", "partner_opt_in_at", "source", "computed_at"]
    list_filter = ["organization", "source"]
    raw_id_fields = ["partnership", "vendor_opt_in_by", "partner_opt_in_by", "linked_consent_by"]
    readonly_fields = ["matrix", "computed_at", "changed_at"]


@admin.register(PartnerAccountList)
class PartnerAccountListAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "account_map",
        "organization",
        "source",
        "status",
        "row_count",
        "uploaded_by",
        "committed_at",
    ]
    list_filter = ["organization", "status", "source"]
    raw_id_fields = ["account_map", "uploaded_by"]
    readonly_fields = ["headers", "column_mapping", "errors", "population_counts", "file_path"]


@admin.register(MatchDecision)
class MatchDecisionAdmin(admin.ModelAdmin):
    list_display = ["account", "partner_name_key", "verdict", "side", "decided_by", "organization", "updated_at"]
    list_filter = ["organization", "verdict", "side"]
    raw_id_fields = ["account_map", "account", "decided_by"]


@admin.register(SharingRule)
class SharingRuleAdmin(admin.ModelAdmin):
    list_display = ["account_map", "side", "vendor_population", "partner_population", "level", "organization"]
    list_filter = ["organization", "side", "level"]
    raw_id_fields = ["account_map", "vendor_population", "changed_by"]


@admin.register(CoSellRequest)
class CoSellRequestAdmin(admin.ModelAdmin):
    list_display = ["partner_account_name", "partnership", "kind", "status", "organization", "created_at"]
    list_filter = ["organization", "status", "kind"]
    raw_id_fields = [
        "account_map",
        "partnership",
        "account",
        "partner_account",
        "opportunity",
        "requested_by",
        "answered_by",
        "touchpoint",
    ]


@admin.register(CoSellSettings)
class CoSellSettingsAdmin(admin.ModelAdmin):
    list_display = ["organization", "attachment_bands"]
