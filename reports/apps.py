from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from reports import dashboard_reports

        dashboard_reports.register_all()  # the dashboards as subscribable report kinds (issue 12)
