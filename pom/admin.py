from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from pom.models import ApiKey, AuditEvent, Job, Membership, Organization, OrgInvitation, User
from pom.models_security import LoginThrottle, OrgSecurity
from pom.models_webhooks import WebhookAttempt, WebhookDelivery, WebhookEndpoint


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "name", "time_zone", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "name"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("name", "time_zone", "language")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "size_band", "region", "industry", "currency", "created_at"]
    list_filter = ["size_band", "region", "industry"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "organization", "role", "created_at"]
    list_filter = ["role"]
    search_fields = ["user__email", "organization__name"]
    raw_id_fields = ["user", "organization"]


@admin.register(OrgInvitation)
class OrgInvitationAdmin(admin.ModelAdmin):
    list_display = ["email", "organization", "role", "expires_at", "accepted_at", "revoked_at"]
    search_fields = ["email"]
    exclude = ["token_hash"]


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "prefix",
        "organization",
        "scope",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    list_filter = ["scope"]
    search_fields = ["name", "prefix"]
    readonly_fields = ["prefix", "key_hash", "last_used_at"]


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "organization",
        "actor_label",
        "action",
        "verb",
        "object_type",
        "object_id",
    ]
    list_filter = ["action", "object_type"]
    search_fields = ["object_repr", "actor_label", "object_id"]
    readonly_fields = [f.name for f in AuditEvent._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Job)
class JobAdmin(admin.ModelAdmin):
    """Operators watch and restart jobs here; a job's own state changes only through `pom.jobs`."""

    list_display = ["created_at", "organization", "kind", "key", "status", "progress", "attempts", "finished_at"]
    list_filter = ["status", "kind"]
    search_fields = ["kind", "key", "label", "organization__name"]
    list_select_related = ["organization"]
    readonly_fields = [f.name for f in Job._meta.fields]

    def has_add_permission(self, request):
        return False


class ReadOnlyAdmin(admin.ModelAdmin):
    """Operators look; changes go through the services (the organization's own pages and API)."""

    def get_readonly_fields(self, request, obj=None):
        hidden = set(self.exclude or ())
        return [f.name for f in self.model._meta.fields if f.name not in hidden]

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LoginThrottle)
class LoginThrottleAdmin(admin.ModelAdmin):
    """Sign-in lockouts (pom.security): "Unlock" lifts an account's lock, audited like a password reset."""

    list_display = ["key", "failures", "window_started_at", "locked_until"]
    search_fields = ["key"]
    readonly_fields = ["key", "failures", "window_started_at", "locked_until"]
    actions = ["unlock"]

    def has_add_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Unlock the selected accounts and addresses"))
    def unlock(self, request, queryset):
        from pom import security

        count = 0
        for throttle in queryset:
            email = throttle.key.removeprefix("account:")
            user = User.objects.filter(email__iexact=email).first() if throttle.key.startswith("account:") else None
            if user is not None:
                count += security.account_unlock(user=user, actor=request.user, reason="operator (admin)")
            else:
                count += bool(LoginThrottle.objects.filter(pk=throttle.pk).delete()[0])
        messages.success(request, _("%(n)s unlocked.") % {"n": count})


@admin.register(OrgSecurity)
class OrgSecurityAdmin(ReadOnlyAdmin):
    list_display = ["organization", "require_mfa", "sso_enabled", "sso_protocol", "require_sso", "updated_at"]
    list_filter = ["require_mfa", "sso_enabled", "sso_protocol", "require_sso"]
    search_fields = ["organization__name", "organization__slug"]
    exclude = ["sso_client_secret_encrypted"]


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    extra = 0
    can_delete = False
    fields = ["number", "status_code", "duration_ms", "error", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(ReadOnlyAdmin):
    list_display = ["url", "organization", "is_active", "consecutive_failures", "disabled_at", "created_at"]
    list_filter = ["is_active"]
    search_fields = ["url", "organization__slug"]
    exclude = ["secret_encrypted", "previous_secret_encrypted"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["event_type", "endpoint", "status", "attempts", "last_status_code", "created_at"]
    list_filter = ["status", "event_type"]
    search_fields = ["event_id", "endpoint__url"]
    inlines = [WebhookAttemptInline]
