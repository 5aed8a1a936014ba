"""Admin for digests and next best actions (workspaces.digest_models).

Digests, their outbox, action links and suggestions are read-only here: their writes (approve, send,
accept, dismiss) check the person's side and role in the workspace, so they go through the pages and the
API. Digest settings are changed through `digest_services.settings_update` (validated and audited).
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from workspaces import digest_services
from workspaces.models import ActionLink, Digest, DigestMail, DigestMute, DigestSettings, Suggestion


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class DigestSettingsForm(forms.ModelForm):
    class Meta:
        model = DigestSettings
        fields = ["organization", "mode", "llm_enabled", "disabled_kinds", "disabled_rules"]

    def clean(self):
        data = super().clean()
        try:
            digest_services.settings_check(data)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                self.add_error(field, messages)
        return data


@admin.register(DigestSettings)
class DigestSettingsAdmin(admin.ModelAdmin):
    form = DigestSettingsForm
    list_display = ["organization", "mode", "llm_enabled"]
    fields = ["organization", "mode", "llm_enabled", "disabled_kinds", "disabled_rules"]

    def get_readonly_fields(self, request, obj=None):
        return ["organization"] if obj else []

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        data = {name: getattr(obj, name) for name in ("mode", "llm_enabled", "disabled_kinds", "disabled_rules")}
        digest_services.settings_update(org=obj.organization, actor=request.user, data=data)


class DigestMailInline(admin.TabularInline):
    model = DigestMail
    fields = ["user", "email", "status", "message_id", "claimed_at", "sent_at", "note"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Digest)
class DigestAdmin(ReadOnlyAdmin):
    list_display = ["subject", "workspace", "kind", "period", "status", "writer", "organization"]
    list_filter = ["status", "kind", "writer"]
    search_fields = ["subject", "workspace__name"]
    readonly_fields = [f.name for f in Digest._meta.fields]
    inlines = [DigestMailInline]


@admin.register(DigestMail)
class DigestMailAdmin(ReadOnlyAdmin):
    list_display = ["digest", "email", "status", "sent_at", "organization"]
    list_filter = ["status"]
    search_fields = ["email", "message_id"]
    readonly_fields = [f.name for f in DigestMail._meta.fields]


@admin.register(ActionLink)
class ActionLinkAdmin(ReadOnlyAdmin):
    list_display = ["action", "user", "workspace", "expires_at", "used_at", "organization"]
    list_filter = ["action"]
    readonly_fields = [f.name for f in ActionLink._meta.fields]


@admin.register(DigestMute)
class DigestMuteAdmin(ReadOnlyAdmin):
    list_display = ["user", "workspace", "organization"]
    readonly_fields = ["user", "workspace", "organization"]


@admin.register(Suggestion)
class SuggestionAdmin(ReadOnlyAdmin):
    list_display = ["title", "rule", "partnership", "side", "priority", "status", "organization"]
    list_filter = ["status", "rule", "side"]
    search_fields = ["title", "partnership__partner__name"]
    readonly_fields = [f.name for f in Suggestion._meta.fields]
