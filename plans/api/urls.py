from rest_framework.routers import SimpleRouter

app_name = "plans-api"

router = SimpleRouter()

urlpatterns = [*router.urls]
