from django.urls import path

from partners import views, views_assessments, views_programs

app_name = "partners"

# Action routes served by a page view take only POST (the page's GET failed on their kwargs).
POST = ["post"]

urlpatterns = [
    path("", views.PartnerListView.as_view(), name="list"),
    path("export.csv", views.PartnerExportView.as_view(), name="export"),
    path("new/", views.PartnerCreateView.as_view(), name="create"),
    path("<int:pk>/", views.PartnerDetailView.as_view(), name="detail"),
    path("<int:pk>/tab/<slug:tab>/", views.PartnerDetailView.as_view(), name="tab"),
    path("<int:pk>/edit/", views.PartnerEditView.as_view(), name="edit"),
    path("<int:pk>/logo/", views.PartnerLogoView.as_view(), name="logo"),
    path("<int:pk>/delete/", views.PartnerDeleteView.as_view(), name="delete"),
    path("<int:pk>/inline/", views.PartnerInlineView.as_view(), name="inline"),
    path("<int:pk>/contacts/new/", views.ContactCreateView.as_view(), name="contact_create"),
    path("<int:pk>/partnerships/new/", views.PartnershipCreateView.as_view(), name="partnership_create"),
    path("<int:pk>/certifications/new/", views.CertificationCreateView.as_view(), name="certification_create"),
    path("contacts/<int:pk>/edit/", views.ContactEditView.as_view(), name="contact_edit"),
    path("contacts/<int:pk>/delete/", views.ContactDeleteView.as_view(), name="contact_delete"),
    path("partnerships/<int:pk>/edit/", views.PartnershipEditView.as_view(), name="partnership_edit"),
    path("partnerships/<int:pk>/tier/", views.PartnershipTierView.as_view(), name="partnership_tier"),
    path("partnerships/<int:pk>/stage/", views.PartnershipStageView.as_view(), name="partnership_stage"),
    path(
        "partnerships/<int:pk>/steps/<int:step_pk>/",
        views.StepToggleView.as_view(http_method_names=POST),
        name="step_toggle",
    ),
    path("partnerships/<int:pk>/delete/", views.PartnershipDeleteView.as_view(), name="partnership_delete"),
    path("certifications/", views.CertificationListView.as_view(), name="certifications"),
    path("certifications/<int:pk>/delete/", views.CertificationDeleteView.as_view(), name="certification_delete"),
    path("programs/", views.ProgramListView.as_view(), name="program_list"),
    path("programs/new/", views.ProgramFormView.as_view(), name="program_create"),
    path("programs/<int:pk>/", views.ProgramDetailView.as_view(), name="program_detail"),
    path("programs/<int:pk>/edit/", views.ProgramFormView.as_view(), name="program_edit"),
    path("programs/<int:pk>/delete/", views.ProgramDeleteView.as_view(), name="program_delete"),
    path("programs/<int:pk>/tiers/new/", views.TierCreateView.as_view(), name="tier_create"),
    path("tiers/<int:pk>/edit/", views.TierEditView.as_view(), name="tier_edit"),
    path("tiers/<int:pk>/delete/", views.TierDeleteView.as_view(), name="tier_delete"),
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
    path("settings/taxonomy/", views.TaxonomyView.as_view(), name="taxonomy"),
    path("settings/taxonomy/<slug:kind>/<int:pk>/", views.TaxonomyTermView.as_view(), name="taxonomy_term"),
    path("settings/journey/", views.JourneyEditView.as_view(), name="journey_edit"),
    path("import/", views.ImportView.as_view(), name="import"),
    path("import/template.<str:fmt>", views.ImportTemplateView.as_view(), name="import_template"),
    path("import/<int:pk>/", views.ImportRunView.as_view(), name="import_run"),
    path("import/<int:pk>/commit/", views.ImportCommitView.as_view(), name="import_commit"),
    path("import/<int:pk>/errors.csv", views.ImportErrorsView.as_view(), name="import_errors"),
]
