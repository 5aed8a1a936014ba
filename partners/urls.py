from django.urls import path

from partners import views, views_assessments, views_detail, views_import, views_picker, views_programs, views_setup

app_name = "partners"

# Action routes that only take a POST (a GET would reach the page view with the action's kwargs).
POST = ["post"]

urlpatterns = [
    path("", views.PartnerListView.as_view(), name="list"),
    path("pick/<slug:kind>/", views_picker.PickView.as_view(), name="pick"),
    path("export.csv", views.PartnerExportView.as_view(), name="export"),
    path("new/", views.PartnerCreateView.as_view(), name="create"),
    path("<int:pk>/", views_detail.PartnerDetailView.as_view(), name="detail"),
    path("<int:pk>/tab/<slug:tab>/", views_detail.PartnerDetailView.as_view(), name="tab"),
    path("<int:pk>/edit/", views.PartnerEditView.as_view(), name="edit"),
    path("<int:pk>/logo/", views.PartnerLogoView.as_view(), name="logo"),
    path("<int:pk>/delete/", views.PartnerDeleteView.as_view(), name="delete"),
    path("<int:pk>/inline/", views.PartnerInlineView.as_view(), name="inline"),
    path("<int:pk>/contacts/new/", views_detail.ContactCreateView.as_view(), name="contact_create"),
    path("<int:pk>/partnerships/new/", views_detail.PartnershipCreateView.as_view(), name="partnership_create"),
    path("<int:pk>/certifications/new/", views_detail.CertificationCreateView.as_view(), name="certification_create"),
    path("contacts/<int:pk>/edit/", views_detail.ContactEditView.as_view(), name="contact_edit"),
    path("contacts/<int:pk>/delete/", views_detail.ContactDeleteView.as_view(), name="contact_delete"),
    path("partnerships/<int:pk>/edit/", views_detail.PartnershipEditView.as_view(), name="partnership_edit"),
    path("partnerships/<int:pk>/tier/", views_detail.PartnershipTierView.as_view(), name="partnership_tier"),
    path("partnerships/<int:pk>/stage/", views_detail.PartnershipStageView.as_view(), name="partnership_stage"),
    path(
        "partnerships/<int:pk>/steps/<int:step_pk>/",
        views_detail.StepToggleView.as_view(http_method_names=POST),
        name="step_toggle",
    ),
    path("partnerships/<int:pk>/delete/", views_detail.PartnershipDeleteView.as_view(), name="partnership_delete"),
    path("certifications/", views_detail.CertificationListView.as_view(), name="certifications"),
    path(
        "certifications/<int:pk>/delete/", views_detail.CertificationDeleteView.as_view(), name="certification_delete"
    ),
    path("programs/", views_setup.ProgramListView.as_view(), name="program_list"),
    path("programs/new/", views_setup.ProgramFormView.as_view(), name="program_create"),
    path("programs/<int:pk>/", views_setup.ProgramDetailView.as_view(), name="program_detail"),
    path("programs/<int:pk>/edit/", views_setup.ProgramFormView.as_view(), name="program_edit"),
    path("programs/<int:pk>/delete/", views_setup.ProgramDeleteView.as_view(), name="program_delete"),
    path("programs/<int:pk>/tiers/new/", views_setup.TierCreateView.as_view(), name="tier_create"),
    path("tiers/<int:pk>/edit/", views_setup.TierEditView.as_view(), name="tier_edit"),
    path("tiers/<int:pk>/delete/", views_setup.TierDeleteView.as_view(), name="tier_delete"),
    # Points and tier reviews (programs in motion).
    path("points/", views_programs.PointsView.as_view(), name="points"),
    path("points/<int:pk>/<slug:decision>/", views_programs.PointDecideView.as_view(), name="point_decide"),
    path("tier-moves/", views_programs.TierMovesView.as_view(), name="tier_moves"),
    path("tier-moves/<int:pk>/<slug:action>/", views_programs.TierMoveActionView.as_view(), name="tier_move_action"),
    # Assessments: campaigns, rounds, the health questionnaire, SWOTs and survey scores.
    path("assessments/", views_assessments.CampaignListView.as_view(), name="assessments"),
    path("assessments/<int:pk>/", views_assessments.CampaignDetailView.as_view(), name="assessment_campaign"),
    path("assessments/<int:pk>/close/", views_assessments.CampaignCloseView.as_view(), name="assessment_close"),
    path("assessments/rounds/<int:pk>/", views_assessments.RoundDetailView.as_view(), name="assessment_round"),
    path("settings/health-questions/", views_assessments.HealthQuestionsView.as_view(), name="health_questions"),
    path("partnerships/<int:pk>/swot/", views_assessments.PartnerSwotView.as_view(), name="partnership_swot"),
    path("<int:pk>/satisfaction/", views_assessments.SatisfactionCreateView.as_view(), name="satisfaction_create"),
    path(
        "satisfaction/<int:pk>/delete/", views_assessments.SatisfactionDeleteView.as_view(), name="satisfaction_delete"
    ),
    path("settings/taxonomy/", views_setup.TaxonomyView.as_view(), name="taxonomy"),
    path("settings/taxonomy/<slug:kind>/<int:pk>/", views_setup.TaxonomyTermView.as_view(), name="taxonomy_term"),
    path("settings/journey/", views_setup.JourneyEditView.as_view(), name="journey_edit"),
    path("import/", views_import.ImportView.as_view(), name="import"),
    path("import/template.<str:fmt>", views_import.ImportTemplateView.as_view(), name="import_template"),
    path("import/<int:pk>/", views_import.ImportRunView.as_view(), name="import_run"),
    path("import/<int:pk>/commit/", views_import.ImportCommitView.as_view(), name="import_commit"),
    path("import/<int:pk>/errors.csv", views_import.ImportErrorsView.as_view(), name="import_errors"),
]
