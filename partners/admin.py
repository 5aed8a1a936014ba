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
    PartnerTypeLink,
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


class PartnerTypeLinkInline(admin.TabularInline):
    """Types are set through the partner service (it writes the organization); the admin shows them."""

    model = PartnerTypeLink
    fields = readonly_fields = ["partner_type"]
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Partner)
class PartnerAdmin(admin.ModelAdmin):
    list_display = ["name", "domain", "status", "journey_stage", "is_focus", "region", "owner", "organization"]
    list_filter = ["status", "is_focus", "region", "relationship_maturity"]
    list_select_related = ["journey_stage", "owner", "organization"]
    search_fields = ["name", "domain"]
    raw_id_fields = ["owner", "journey_stage", "archetype", "segment", "linked_organization"]
    inlines = [ContactInline, PartnerTypeLinkInline]


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


# Assessments ------------------------------------------------------------------------------------
# Answers are immutable and campaigns are sent by the service (e-mails, links), so the admin shows them
# read-only; questions, SWOTs and survey scores are edited through their services (validated, audited).

from partners import assessment_services  # noqa: E402
from partners.models import (  # noqa: E402
    AssessmentCampaign,
    AssessmentInvitation,
    AssessmentResponse,
    AssessmentRound,
    HealthAnswer,
    HealthQuestion,
    SatisfactionScore,
    Swot,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(HealthQuestion)
class HealthQuestionAdmin(admin.ModelAdmin):
    list_display = ["text", "order", "is_active", "organization"]
    list_filter = ["organization", "is_active"]
    search_fields = ["text"]

    def save_model(self, request, obj, form, change):
        if change:
            data = {
                f: form.cleaned_data[f] for f in form.changed_data if f in ("text", "help_text", "order", "is_active")
            }
            assessment_services.health_question_update(
                org=obj.organization, actor=request.user, question=obj, data=data
            )
        else:
            created = assessment_services.health_question_create(
                org=obj.organization, actor=request.user, text=obj.text, help_text=obj.help_text, order=obj.order
            )
            obj.pk = created.pk


@admin.action(description="Close the selected campaigns")
def close_campaigns(modeladmin, request, queryset):
    for campaign in queryset:
        assessment_services.campaign_close(org=campaign.organization, actor=request.user, campaign=campaign)


@admin.register(AssessmentCampaign)
class AssessmentCampaignAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "status", "closes_at", "organization"]
    list_filter = ["organization", "status", "kind"]
    search_fields = ["name"]
    actions = [close_campaigns]


@admin.register(AssessmentRound)
class AssessmentRoundAdmin(ReadOnlyAdmin):
    list_display = ["campaign", "partnership", "created_at", "organization"]
    list_filter = ["organization"]
    raw_id_fields = ["campaign", "partnership"]


@admin.register(AssessmentInvitation)
class AssessmentInvitationAdmin(ReadOnlyAdmin):
    list_display = ["email", "side", "round", "answered_at", "reminders_sent", "organization"]
    list_filter = ["organization", "side"]
    search_fields = ["email"]
    exclude = ["token_hash", "link_salt"]


class HealthAnswerInline(admin.TabularInline):
    model = HealthAnswer
    extra = 0
    fields = ["question_text", "value", "comment"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(AssessmentResponse)
class AssessmentResponseAdmin(ReadOnlyAdmin):
    list_display = ["respondent_email", "side", "partnership", "submitted_at", "trust", "organization"]
    list_filter = ["organization", "side"]
    search_fields = ["respondent_email"]
    inlines = [HealthAnswerInline]


@admin.register(Swot)
class SwotAdmin(admin.ModelAdmin):
    list_display = ["partnership", "year", "updated_at", "organization"]
    list_filter = ["organization", "year"]
    raw_id_fields = ["partnership"]
    readonly_fields = ["updated_by"]

    def save_model(self, request, obj, form, change):
        data = {f: form.cleaned_data[f] for f in ("strengths", "weaknesses", "opportunities", "threats")}
        saved = assessment_services.swot_save(
            org=obj.organization, actor=request.user, partnership=obj.partnership, year=obj.year, data=data
        )
        obj.pk = saved.pk


@admin.register(SatisfactionScore)
class SatisfactionScoreAdmin(admin.ModelAdmin):
    list_display = ["partnership", "scale", "score", "source", "measured_on", "organization"]
    list_filter = ["organization", "scale"]
    raw_id_fields = ["partnership"]
    readonly_fields = ["entered_by"]

    def has_change_permission(self, request, obj=None):
        return obj is None  # a survey result is recorded, not edited: delete and record again

    def save_model(self, request, obj, form, change):
        created = assessment_services.satisfaction_create(
            org=obj.organization, actor=request.user, partnership=obj.partnership, data=form.cleaned_data
        )
        obj.pk = created.pk
