from rest_framework.routers import SimpleRouter

app_name = "attribution-api"

router = SimpleRouter()

urlpatterns = [*router.urls]
