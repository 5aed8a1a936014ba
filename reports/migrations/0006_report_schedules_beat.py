"""Schedule in beat: due report subscriptions every 15 minutes; Partner Wrapped on the 1st and 15th of
December and January (04:10 UTC)."""

from django.db import migrations

SCHEDULES = [
    # name, task, minute, hour, day of month, month of year
    ("reports: scheduled reports due", "reports.packs_tasks.report_subscriptions_due", "*/15", "*", "*", "*"),
    ("reports: Partner Wrapped at year end", "reports.packs_tasks.wrapped_yearly", "10", "4", "1,15", "1,12"),
]


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, minute, hour, day, month in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month=day, month_of_year=month, timezone="UTC"
        )
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "crontab": crontab, "enabled": True})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0005_qbr_packs_schedules_wrapped"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [migrations.RunPython(schedule, unschedule)]
