"""Seed influence types and settings for organizations that exist already; schedule the nightly jobs in beat."""

from django.db import migrations
from django.utils.text import slugify

INFLUENCE_TYPES = [
    "Co-sell call",
    "Integration in place",
    "Intel shared",
    "RFP support",
    "Recommendation",
    "Introduced a decision maker",
    "Discovery help",
    "Proof of concept or demo",
    "Customer warning on renewal",
    "Other",
]
SCHEDULES = [
    # (name, task, hour, minute): the nightly recomputation fans out one run per organization.
    ("attribution: nightly credit recomputation", "attribution.tasks.attribution_nightly", "2", "30"),
    ("attribution: expire registration windows", "attribution.tasks.registration_expiry", "1", "15"),
]


def backfill(apps, schema_editor):
    Organization = apps.get_model("pom", "Organization")
    InfluenceType = apps.get_model("attribution", "InfluenceType")
    AttributionConfig = apps.get_model("attribution", "AttributionConfig")
    for org in Organization.objects.all():
        existing = set(InfluenceType.objects.filter(organization=org).values_list("slug", flat=True))
        InfluenceType.objects.bulk_create(
            [
                InfluenceType(organization=org, name=name, slug=slugify(name), order=i)
                for i, name in enumerate(INFLUENCE_TYPES)
                if slugify(name) not in existing
            ]
        )
        AttributionConfig.objects.get_or_create(organization=org)


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, hour, minute in SCHEDULES:
        crontab, _ = CrontabSchedule.objects.get_or_create(
            minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
        )
        PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "crontab": crontab, "enabled": True})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name__in=[s[0] for s in SCHEDULES]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("attribution", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(schedule, unschedule),
    ]
