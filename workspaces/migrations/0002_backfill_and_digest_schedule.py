"""Open a workspace for every partnership that exists already, and schedule the daily digest in beat."""

import uuid

from django.db import migrations
from django.utils import timezone


def backfill(apps, schema_editor):
    Partnership = apps.get_model("partners", "Partnership")
    Workspace = apps.get_model("workspaces", "Workspace")
    WorkspacePartnership = apps.get_model("workspaces", "WorkspacePartnership")
    covered = set(
        WorkspacePartnership.objects.filter(workspace__is_default=True).values_list("partnership_id", flat=True)
    )
    for partnership in Partnership.objects.select_related("partner", "organization").exclude(pk__in=covered):
        workspace = Workspace.objects.create(
            organization_id=partnership.organization_id,
            public_id=uuid.uuid4(),
            name=f"{partnership.partner.name} × {partnership.organization.name}"[:200],
            is_default=True,
            last_activity_at=timezone.now(),
        )
        WorkspacePartnership.objects.create(
            organization_id=partnership.organization_id, workspace=workspace, partnership=partnership
        )


def schedule_digest(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute="0", hour="7", day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.update_or_create(
        name="workspaces: daily notification summaries",
        defaults={"task": "workspaces.tasks.notification_digest_daily", "crontab": crontab, "enabled": True},
    )


def unschedule_digest(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(
        name="workspaces: daily notification summaries"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("workspaces", "0001_initial"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(schedule_digest, unschedule_digest),
    ]
