from django.apps import AppConfig


class PomConfig(AppConfig):
    name = "pom"
    verbose_name = "POM core"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from pom.api import schema  # registers the drf-spectacular extensions

        schema.install_enum_name_overrides()
