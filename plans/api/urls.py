from rest_framework.routers import SimpleRouter

from plans.api import views

app_name = "plans-api"

router = SimpleRouter()
router.register("plans", views.PlanViewSet, basename="plan")
router.register("objectives", views.ObjectiveViewSet, basename="objective")
router.register("key-results", views.KeyResultViewSet, basename="keyresult")
router.register("check-ins", views.CheckInViewSet, basename="checkin")
router.register("activities", views.ActivityViewSet, basename="activity")
router.register("plan-templates", views.PlanTemplateViewSet, basename="template")
router.register("meetings", views.MeetingViewSet, basename="meeting")

urlpatterns = [*router.urls]
