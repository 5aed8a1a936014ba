from django.urls import path

from attribution import views, views_programs

app_name = "attribution"

# Action routes served by a page view take only POST (the page's GET failed on their kwargs).
POST = ["post"]

urlpatterns = [
    path("", views.PipelineListView.as_view(), name="list"),
    path("opportunities/new/", views.OpportunityCreateView.as_view(), name="opportunity_create"),
    path("opportunities/<int:pk>/", views.OpportunityDetailView.as_view(), name="opportunity"),
    path(
        "opportunities/<int:pk>/partners/<int:link_pk>/remove/",
        views.OpportunityActionView.as_view(),
        {"what": "remove-partner"},
        name="opportunity_partner_remove",
    ),
    path(
        "opportunities/<int:pk>/touchpoints/<int:link_pk>/confirm/",
        views.OpportunityActionView.as_view(),
        {"what": "confirm-touchpoint"},
        name="touchpoint_confirm",
    ),
    path("opportunities/<int:pk>/<slug:what>/", views.OpportunityActionView.as_view(), name="opportunity_action"),
    path("registrations/", views.RegistrationInboxView.as_view(), name="registrations"),
    path("registrations/new/", views.RegistrationCreateView.as_view(), name="registration_create"),
    path("registrations/<int:pk>/", views.RegistrationDetailView.as_view(), name="registration"),
    path(
        "registrations/<int:pk>/<slug:decision>/",
        views.RegistrationDecideView.as_view(),
        name="registration_decide",
    ),
    path("settings/", views.SettingsView.as_view(), name="settings"),
    path("settings/rules/", views.SplitRuleCreateView.as_view(), name="rule_create"),
    path("settings/rules/<int:pk>/revise/", views.SplitRuleReviseView.as_view(), name="rule_revise"),
    path("settings/influence-types/", views.InfluenceTypeView.as_view(), name="influence_type_create"),
    path(
        "settings/influence-types/<int:pk>/toggle/",
        views.InfluenceTypeView.as_view(http_method_names=POST),
        name="influence_type_toggle",
    ),
    path("runs/", views.RunView.as_view(), name="run_start"),
    path("runs/<int:pk>/", views.RunView.as_view(), name="run"),
    path("metrics/", views.MetricsView.as_view(), name="metrics"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("partner-tab/<int:partner_pk>/", views.PartnerTabView.as_view(), name="partner_tab"),
    # Incentives, market development funds and joint solutions (programs in motion).
    path("incentives/", views_programs.IncentivesView.as_view(), name="incentives"),
    path("incentives/statements/<int:pk>/", views_programs.StatementView.as_view(), name="statement"),
    path("mdf/", views_programs.MdfView.as_view(), name="mdf"),
    path("mdf/requests/<int:pk>/", views_programs.MdfRequestView.as_view(), name="mdf_request"),
    path("mdf/proofs/<uuid:proof_id>/", views_programs.MdfProofView.as_view(), name="mdf_proof"),
    path("solutions/", views_programs.SolutionListView.as_view(), name="solutions"),
    path("solutions/<int:pk>/", views_programs.SolutionView.as_view(), name="solution"),
]

# Account mapping and co-sell (attribution.views_mapping).
from attribution.urls_mapping import urlpatterns as mapping_urlpatterns  # noqa: E402

urlpatterns += mapping_urlpatterns
