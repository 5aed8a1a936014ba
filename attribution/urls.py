app_name = "attribution"

urlpatterns: list = []
