from django.contrib import admin

from plans.models import (
    Activity,
    CheckIn,
    KeyResult,
    Meeting,
    MeetingPartnerAttendee,
    MeetingVendorAttendee,
    Objective,
    Plan,
    PlanTemplate,
    PlanVersion,
)


@admin.register(Plan)
class PlanAdmin(admin.ModelAdmin):
    list_display = ["name", "partnership", "status", "period_start", "period_end", "organization"]
    list_filter = ["status", "kind"]
    search_fields = ["name", "partnership__partner__name"]
    raw_id_fields = ["partnership", "owner", "vendor_approved_by", "partner_approved_by", "template"]


@admin.register(PlanVersion)
class PlanVersionAdmin(admin.ModelAdmin):
    list_display = ["plan", "number", "validated_at", "organization"]
    raw_id_fields = ["plan"]


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "weight", "responsible_side", "organization"]
    raw_id_fields = ["plan"]


@admin.register(KeyResult)
class KeyResultAdmin(admin.ModelAdmin):
    list_display = ["name", "plan", "unit", "baseline", "target", "current_value", "organization"]
    list_filter = ["unit", "update_frequency"]
    raw_id_fields = ["plan", "objective", "responsible"]


@admin.register(CheckIn)
class CheckInAdmin(admin.ModelAdmin):
    list_display = ["key_result", "value", "created_by_label", "created_at", "organization"]
    raw_id_fields = ["plan", "key_result", "created_by"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "plan", "status", "owner_side", "due_date", "organization"]
    list_filter = ["status", "type", "owner_side"]
    raw_id_fields = ["plan", "objective", "key_result", "assignee", "meeting"]


@admin.register(PlanTemplate)
class PlanTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "is_default", "organization"]


class _AttendeeInline(admin.TabularInline):
    """Attendees are set through the meeting service (it writes the organization); the admin shows them."""

    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class MeetingVendorAttendeeInline(_AttendeeInline):
    model = MeetingVendorAttendee
    fields = readonly_fields = ["user"]


class MeetingPartnerAttendeeInline(_AttendeeInline):
    model = MeetingPartnerAttendee
    fields = readonly_fields = ["contact"]


@admin.register(Meeting)
class MeetingAdmin(admin.ModelAdmin):
    list_display = ["__str__", "partnership", "kind", "date", "organization"]
    list_filter = ["kind"]
    raw_id_fields = ["partnership", "plan", "created_by"]
    inlines = [MeetingVendorAttendeeInline, MeetingPartnerAttendeeInline]
