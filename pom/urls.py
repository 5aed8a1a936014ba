from csp.decorators import csp_update
from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from partners.views_assessments import AssessmentLinkView
from pom import privacy_views, security_views, views, webhook_views

handler403 = "pom.views.permission_denied"
api_docs = csp_update({"style-src": ["'unsafe-inline'"], "font-src": ["data:"]})

org_pages = [
    path("", views.DashboardView.as_view(), name="dashboard"),
    path("settings/", views.OrgSettingsView.as_view(), name="org_settings"),
    path("settings/members/", views.MembersView.as_view(), name="org_members"),
    path("settings/members/<int:pk>/", views.MemberUpdateView.as_view(), name="org_member_update"),
    path(
        "settings/invitations/<int:pk>/revoke/",
        views.InvitationRevokeView.as_view(),
        name="org_invitation_revoke",
    ),
    path("settings/api-keys/", views.ApiKeysView.as_view(), name="org_api_keys"),
    path("settings/api-keys/<int:pk>/rotate/", views.ApiKeyRotateView.as_view(), name="org_api_key_rotate"),
    path(
        "settings/api-keys/<int:pk>/revoke/",
        views.ApiKeyRevokeView.as_view(),
        name="org_api_key_revoke",
    ),
    path("settings/audit/", views.AuditView.as_view(), name="org_audit"),
    path("settings/jobs/", views.JobListView.as_view(), name="org_jobs"),
    path("settings/security/", security_views.SecuritySettingsView.as_view(), name="org_security"),
    path("settings/data/", privacy_views.DataSettingsView.as_view(), name="org_data"),
    path("settings/webhooks/", webhook_views.WebhooksView.as_view(), name="org_webhooks"),
    path("settings/webhooks/<int:pk>/", webhook_views.WebhookView.as_view(), name="org_webhook"),
    path(
        "settings/webhooks/<int:pk>/<slug:action>/",
        webhook_views.WebhookActionView.as_view(),
        name="org_webhook_action",
    ),
    path(
        "settings/webhook-deliveries/<int:pk>/",
        webhook_views.WebhookDeliveryView.as_view(),
        name="org_webhook_delivery",
    ),
    path("jobs/<int:pk>/", views.JobView.as_view(), name="org_job"),
    path("jobs/<int:pk>/cancel/", views.JobCancelView.as_view(), name="org_job_cancel"),
    path("jobs/<int:pk>/file/", views.JobFileView.as_view(), name="org_job_file"),
    path("partners/", include("partners.urls")),
    path("plans/", include("plans.urls")),
    path("pipeline/", include("attribution.urls")),
    path("workspaces/", include("workspaces.org_urls")),
    path("reports/", include("reports.urls")),
]

org_api = [
    path("", include("pom.api.urls")),
    path("", include("partners.api.urls")),
    path("", include("plans.api.urls")),
    path("", include("attribution.api.urls")),
    path("", include("workspaces.api.urls")),
    path("", include("reports.api.urls")),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("admin/", admin.site.urls),
    path("assets/plotly.css", views.plotly_stylesheet, name="plotly_css"),
    path("accounts/sso/", security_views.SsoStartView.as_view(), name="account_sso"),
    path("accounts/sessions/", security_views.SessionsView.as_view(), name="account_sessions"),
    path("accounts/privacy/", privacy_views.PrivacyView.as_view(), name="account_privacy"),
    path("accounts/", include("allauth.urls")),
    path("accounts/profile/", views.ProfileView.as_view(), name="profile"),
    path("language/", views.LanguageSetView.as_view(), name="language_set"),
    path("orgs/", views.OrgListView.as_view(), name="org_list"),
    path("orgs/new/", views.OrgCreateView.as_view(), name="org_create"),
    path(
        "invitations/<str:token>/",
        views.InvitationAcceptView.as_view(),
        name="org_invitation_accept",
    ),
    path("assessments/<str:token>/", AssessmentLinkView.as_view(), name="assessment_link"),
    path("o/<slug:org_slug>/", include(org_pages)),
    path("w/", include("workspaces.urls")),
    path("w/", include("reports.workspace_urls")),
    path("api/o/<slug:org_slug>/", include(org_api)),
    path("api/w/", include("workspaces.api.guest_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The API documentation pages style themselves with inline <style> (their scripts are files):
    # the one relaxation of the Content-Security-Policy, for these two pages only.
    path("api/docs/", api_docs(SpectacularSwaggerSplitView.as_view(url_name="schema")), name="swagger-ui"),
    path("api/redoc/", api_docs(SpectacularRedocView.as_view(url_name="schema")), name="redoc"),
]

if settings.DEBUG:
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
