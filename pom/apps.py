from django.apps import AppConfig


class PomConfig(AppConfig):
    name = "pom"
    verbose_name = "POM core"
    default_auto_field = "django.db.models.BigAutoField"
