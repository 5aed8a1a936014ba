from rest_framework.routers import SimpleRouter

from partners.api import programs, views

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

urlpatterns = [*router.urls]
