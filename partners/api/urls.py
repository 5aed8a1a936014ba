from rest_framework.routers import SimpleRouter

app_name = "partners-api"

router = SimpleRouter()

urlpatterns = [*router.urls]
