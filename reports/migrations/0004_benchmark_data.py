"""Benchmarks: the metric catalogue rows, the published reference figures and the nightly schedule."""

from django.db import migrations

SCHEDULE = ("reports: benchmarks nightly", "reports.benchmark_tasks.benchmarks_nightly", "4", "30")


def load(apps, schema_editor):
    from reports.benchmarks import catalogue, reference

    BenchmarkMetric = apps.get_model("reports", "BenchmarkMetric")
    for order, m in enumerate(catalogue.METRICS):
        BenchmarkMetric.objects.update_or_create(
            code=m.code,
            defaults={
                "label": str(m.label),
                "scope": m.scope,
                "unit": m.unit,
                "direction": m.direction,
                "description": str(m.description),
                "order": order,
            },
        )
    ReferenceFigure = apps.get_model("reports", "ReferenceFigure")
    for row in reference.rows():
        ReferenceFigure.objects.update_or_create(code=row["code"], defaults={k: v for k, v in row.items() if k != "code"})
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    name, task, hour, minute = SCHEDULE
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "crontab": crontab, "enabled": True})


def unload(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE[0]).delete()
    apps.get_model("reports", "ReferenceFigure").objects.all().delete()
    apps.get_model("reports", "BenchmarkMetric").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_benchmarks"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(load, unload)]
