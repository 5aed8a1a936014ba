from rest_framework.routers import SimpleRouter

app_name = "reports-api"

router = SimpleRouter()

urlpatterns = [*router.urls]
