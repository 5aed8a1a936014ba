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
    list_display = [
        "name",
        "domain",
        "organization",
        "type",
        "customer_since",
        "churned_on",
        "integrations_count",
        "crm_id",
    ]
    list_filter = ["organization", "type"]
    search_fields = ["name", "domain", "crm_id"]


class OpportunityPartnerInline(admin.TabularInline):
    model = OpportunityPartner
    extra = 0
    raw_id_fields = ["partnership", "added_by"]


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "account",
        "organization",
        "amount",
        "currency",
        "type",
        "stage",
        "status",
        "expected_close",
    ]
    list_filter = ["organization", "status", "stage", "type"]
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


# Incentives, market development funds and joint solutions ----------------------------------------

from attribution.models import (  # noqa: E402
    Accrual,
    CommissionRule,
    JointSolution,
    MdfBudget,
    MdfClaim,
    MdfEvent,
    MdfProof,
    MdfRequest,
    SolutionPartner,
    SolutionStep,
    SolutionTemplate,
    SolutionTemplateStep,
    Statement,
)


@admin.register(CommissionRule)
class CommissionRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "tier", "kind", "rate", "threshold", "rate_above", "is_active"]
    list_filter = ["kind", "basis", "scope", "is_active", "organization"]
    list_select_related = ["program", "tier"]
    raw_id_fields = ["program", "tier"]


@admin.register(Accrual)
class AccrualAdmin(admin.ModelAdmin):
    list_display = ["opportunity", "partnership", "rule", "kind", "period", "amount", "currency", "statement"]
    list_filter = ["kind", "currency", "organization"]
    list_select_related = ["opportunity", "partnership__partner", "rule", "statement"]
    raw_id_fields = ["opportunity", "partnership", "rule", "statement"]
    readonly_fields = ["explanation"]


class AccrualInline(admin.TabularInline):
    model = Accrual
    extra = 0
    fields = ["opportunity", "rule", "kind", "period", "amount", "currency"]
    readonly_fields = fields
    can_delete = False


@admin.register(Statement)
class StatementAdmin(admin.ModelAdmin):
    list_display = ["partnership", "period_start", "period_end", "currency", "total", "status", "payment_reference"]
    list_filter = ["status", "currency", "organization"]
    list_select_related = ["partnership__partner", "partnership__program"]
    raw_id_fields = ["partnership", "approved_by"]
    inlines = [AccrualInline]


@admin.register(MdfBudget)
class MdfBudgetAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "period_start", "period_end", "amount", "currency", "allocation"]
    list_filter = ["allocation", "organization"]
    list_select_related = ["program"]
    raw_id_fields = ["program"]


class MdfEventInline(admin.TabularInline):
    model = MdfEvent
    extra = 0
    readonly_fields = ["at", "actor_label", "kind", "message"]


@admin.register(MdfRequest)
class MdfRequestAdmin(admin.ModelAdmin):
    list_display = ["activity", "campaign_code", "partnership", "amount_requested", "amount_approved", "status"]
    list_filter = ["status", "organization"]
    list_select_related = ["partnership__partner", "budget"]
    search_fields = ["activity", "campaign_code"]
    raw_id_fields = ["budget", "partnership", "submitted_by", "decided_by"]
    inlines = [MdfEventInline]


class MdfProofInline(admin.TabularInline):
    model = MdfProof
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "uploaded_by"]
    exclude = ["file"]


@admin.register(MdfClaim)
class MdfClaimAdmin(admin.ModelAdmin):
    list_display = ["request", "amount_claimed", "amount_approved", "reimbursed_amount", "status", "compliance"]
    list_filter = ["status", "compliance", "organization"]
    list_select_related = ["request"]
    raw_id_fields = ["request", "submitted_by", "decided_by"]
    inlines = [MdfProofInline]


class SolutionTemplateStepInline(admin.TabularInline):
    model = SolutionTemplateStep
    extra = 0


@admin.register(SolutionTemplate)
class SolutionTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "organization"]
    list_filter = ["organization"]
    inlines = [SolutionTemplateStepInline]


class SolutionPartnerInline(admin.TabularInline):
    model = SolutionPartner
    extra = 0
    raw_id_fields = ["partnership"]


class SolutionStepInline(admin.TabularInline):
    model = SolutionStep
    extra = 0
    raw_id_fields = ["owner", "vendor_approved_by", "partner_approved_by", "marked_done_by"]


@admin.register(JointSolution)
class JointSolutionAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "source", "certification", "badge", "listed_on", "organization"]
    list_filter = ["status", "source", "certification", "organization"]
    search_fields = ["title"]
    raw_id_fields = ["template", "split_rule", "submitted_by", "owner"]
    inlines = [SolutionPartnerInline, SolutionStepInline]


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
