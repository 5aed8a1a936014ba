"""Admin for TACAM scores. Models and targets are written through reports.services (versioning, audit)."""

from django.contrib import admin

from reports import services
from reports.models import ScoreSharing, ScoreSnapshot, ScoreTarget, ScoringModel


@admin.register(ScoringModel)
class ScoringModelAdmin(admin.ModelAdmin):
    """Versions are never edited: saving a changed model writes the next version through the service."""

    list_display = ("organization", "version", "note", "created_by", "created_at")
    list_filter = ("organization",)
    readonly_fields = ("version", "created_by", "created_at")

    def save_model(self, request, obj, form, change):
        saved = services.model_save(
            org=obj.organization,
            actor=request.user,
            weights=obj.weights,
            element_weights=obj.element_weights,
            thresholds=obj.thresholds,
            note=obj.note,
        )
        obj.pk, obj.version = saved.pk, saved.version

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ScoreSnapshot)
class ScoreSnapshotAdmin(admin.ModelAdmin):
    list_display = (
        "partnership",
        "as_of",
        "overall",
        "trust",
        "analysis",
        "commitment",
        "accountability",
        "measurement",
        "is_latest",
    )
    list_filter = ("organization", "is_latest", "as_of")
    raw_id_fields = ("partnership", "model", "program", "tier")
    date_hierarchy = "as_of"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(ScoreTarget)
class ScoreTargetAdmin(admin.ModelAdmin):
    list_display = ("partnership", "element", "value", "set_by", "updated_at")
    list_filter = ("organization", "element")
    raw_id_fields = ("partnership", "set_by")

    def save_model(self, request, obj, form, change):
        saved = services.target_set(
            org=obj.organization, actor=request.user, partnership=obj.partnership, element=obj.element, value=obj.value
        )
        if saved is not None:
            obj.pk = saved.pk


@admin.register(ScoreSharing)
class ScoreSharingAdmin(admin.ModelAdmin):
    list_display = ("organization", "shared_elements", "share_overall")


from reports import benchmark_admin  # noqa: E402, F401  (benchmarks, issue 10)
