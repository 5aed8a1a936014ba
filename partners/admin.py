from django.contrib import admin

from partners.models import (
    Archetype,
    Certification,
    Contact,
    ImportRun,
    JourneyStage,
    JourneyStep,
    JourneyTemplate,
    Partner,
    Partnership,
    PartnerType,
    Program,
    Segment,
    StageEntry,
    StepCompletion,
    Tier,
)


class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "order", "organization"]
    list_filter = ["organization"]
    search_fields = ["name", "slug"]


admin.site.register(PartnerType, TaxonomyAdmin)
admin.site.register(Archetype, TaxonomyAdmin)
admin.site.register(Segment, TaxonomyAdmin)


class JourneyStageInline(admin.TabularInline):
    model = JourneyStage
    extra = 0
    fields = ["order", "name", "description", "organization"]


@admin.register(JourneyTemplate)
class JourneyTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "is_default", "organization"]
    list_filter = ["is_default"]
    inlines = [JourneyStageInline]


class JourneyStepInline(admin.TabularInline):
    model = JourneyStep
    extra = 0
    fields = ["order", "name", "description", "organization"]


@admin.register(JourneyStage)
class JourneyStageAdmin(admin.ModelAdmin):
    list_display = ["name", "template", "order", "organization"]
    list_select_related = ["template", "organization"]
    inlines = [JourneyStepInline]


@admin.register(JourneyStep)
class JourneyStepAdmin(admin.ModelAdmin):
    list_display = ["name", "stage", "order", "organization"]
    list_select_related = ["stage", "organization"]


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0
    fields = ["name", "email", "title", "role", "organization"]


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "status", "journey_stage", "is_focus", "region", "owner", "organization"]
    list_filter = ["status", "is_focus", "region", "relationship_maturity"]
    list_select_related = ["journey_stage", "owner", "organization"]
    search_fields = ["name", "domain"]
    raw_id_fields = ["owner", "journey_stage", "archetype", "segment", "linked_organization"]
    filter_horizontal = ["types"]
    inlines = [ContactInline]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "role", "partner", "organization"]
    list_filter = ["role"]
    list_select_related = ["partner", "organization"]
    search_fields = ["name", "email", "partner__name"]
    raw_id_fields = ["partner"]


class TierInline(admin.TabularInline):
    model = Tier
    extra = 0
    fields = [
        "rank",
        "name",
        "required_revenue",
        "required_certifications",
        "required_points",
        "benefits",
        "organization",
    ]


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "compensation_model", "rate", "currency", "is_active", "organization"]
    list_filter = ["kind", "compensation_model", "is_active"]
    search_fields = ["name"]
    inlines = [TierInline]


@admin.register(Tier)
class TierAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "rank", "organization"]
    list_select_related = ["program", "organization"]
    raw_id_fields = ["program"]


@admin.register(Partnership)
class PartnershipAdmin(admin.ModelAdmin):
    list_display = ["partner", "program", "tier", "status", "current_stage", "renewal_date", "organization"]
    list_filter = ["status"]
    list_select_related = ["partner", "program", "tier", "current_stage", "organization"]
    search_fields = ["partner__name", "program__name"]
    raw_id_fields = ["partner", "program", "tier", "owner", "journey_template", "current_stage"]


@admin.register(StageEntry)
class StageEntryAdmin(admin.ModelAdmin):
    list_display = ["partnership", "stage", "entered_at", "entered_by", "organization"]
    raw_id_fields = ["partnership", "stage", "entered_by"]


@admin.register(StepCompletion)
class StepCompletionAdmin(admin.ModelAdmin):
    list_display = ["partnership", "step", "completed_at", "completed_by", "organization"]
    raw_id_fields = ["partnership", "step", "completed_by"]


@admin.register(Certification)
class CertificationAdmin(admin.ModelAdmin):
    list_display = ["name", "partner", "contact", "issued_on", "expires_on", "organization"]
    list_select_related = ["partner", "contact", "organization"]
    search_fields = ["name", "partner__name"]
    raw_id_fields = ["partner", "contact"]


@admin.register(ImportRun)
class ImportRunAdmin(admin.ModelAdmin):
    list_display = [
        "original_name",
        "status",
        "row_count",
        "created_count",
        "updated_count",
        "created_by",
        "created_at",
    ]
    list_filter = ["status", "file_type"]
    readonly_fields = ["errors", "mapping", "headers"]
    raw_id_fields = ["created_by"]


# Points and tier reviews -------------------------------------------------------------------------

from partners.models import PointEntry, PointRule, TierMove  # noqa: E402


@admin.register(PointRule)
class PointRuleAdmin(admin.ModelAdmin):
    list_display = ["name", "program", "activity", "points", "per_amount", "is_active", "organization"]
    list_filter = ["activity", "is_active", "organization"]
    list_select_related = ["program", "organization"]
    search_fields = ["name", "program__name"]
    raw_id_fields = ["program"]


@admin.register(PointEntry)
class PointEntryAdmin(admin.ModelAdmin):
    list_display = ["partnership", "kind", "status", "points", "occurred_on", "expires_on", "approved_label"]
    list_filter = ["kind", "status", "organization"]
    list_select_related = ["partnership__partner", "partnership__program"]
    search_fields = ["partnership__partner__name", "evidence", "reason", "source_key"]
    raw_id_fields = ["partnership", "rule", "expired_entry", "requested_by", "approved_by"]
    date_hierarchy = "occurred_on"


@admin.register(TierMove)
class TierMoveAdmin(admin.ModelAdmin):
    list_display = ["partnership", "direction", "from_tier", "to_tier", "status", "proposed_on", "grace_until"]
    list_filter = ["direction", "status", "organization"]
    list_select_related = ["partnership__partner", "partnership__program", "from_tier", "to_tier"]
    raw_id_fields = ["partnership", "from_tier", "to_tier", "decided_by"]
    readonly_fields = ["reasons"]
