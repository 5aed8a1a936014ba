from rest_framework.routers import SimpleRouter

from partners.api import assessments, programs, views

app_name = "partners-api"

router = SimpleRouter()
router.register("partners", views.PartnerViewSet, basename="partner")
router.register("contacts", views.ContactViewSet, basename="contact")
router.register("programs", views.ProgramViewSet, basename="program")
router.register("tiers", views.TierViewSet, basename="tier")
router.register("partnerships", views.PartnershipViewSet, basename="partnership")
router.register("journey-templates", views.JourneyTemplateViewSet, basename="journey-template")
router.register("certifications", views.CertificationViewSet, basename="certification")
router.register("point-rules", programs.PointRuleViewSet, basename="point-rule")
router.register("point-entries", programs.PointEntryViewSet, basename="point-entry")
router.register("tier-moves", programs.TierMoveViewSet, basename="tier-move")

router.register("health-questions", assessments.HealthQuestionViewSet, basename="health-question")
router.register("assessment-campaigns", assessments.AssessmentCampaignViewSet, basename="assessment-campaign")
router.register("assessment-rounds", assessments.AssessmentRoundViewSet, basename="assessment-round")
router.register("assessment-responses", assessments.AssessmentResponseViewSet, basename="assessment-response")
router.register("swots", assessments.SwotViewSet, basename="swot")
router.register("satisfaction-scores", assessments.SatisfactionScoreViewSet, basename="satisfaction-score")

urlpatterns = [*router.urls]
