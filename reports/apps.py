from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # QBR packs, scheduled reports and Partner Wrapped (issue 12): their Celery tasks, and the two
        # report kinds they register (reports.report_kinds).
        from reports import dashboard_reports, packs_kinds, packs_tasks  # noqa: F401

        dashboard_reports.register_all()  # the dashboards as subscribable report kinds (issue 12)
