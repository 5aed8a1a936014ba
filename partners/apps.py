from django.apps import AppConfig


class PartnersConfig(AppConfig):
    name = "partners"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models.signals import post_migrate

        from partners import partnership_count

        post_migrate.connect(
            partnership_count.install_after_migrate, sender=self, dispatch_uid="partners-partnership-count"
        )
