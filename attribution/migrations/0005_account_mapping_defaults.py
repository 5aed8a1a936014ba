"""Standard account-mapping populations and account domain keys for what exists already; the nightly map refresh."""

from django.db import migrations

POPULATIONS = [("customers", "Customers", "customers", 10), ("prospects", "Prospects", "prospects", 20),
               ("open-opportunities", "Open opportunities", "open_opportunities", 30)]  # fmt: skip
SCHEDULE = ("attribution: nightly account-map refresh", "attribution.tasks.account_maps_nightly", "3", "10")


def backfill(apps, schema_editor):
    Organization = apps.get_model("pom", "Organization")
    Population = apps.get_model("attribution", "Population")
    for org in Organization.objects.all():
        existing = set(Population.objects.filter(organization=org).values_list("slug", flat=True))
        Population.objects.bulk_create(
            [
                Population(organization=org, slug=slug, name=name, kind=kind, order=order)
                for slug, name, kind, order in POPULATIONS
                if slug not in existing
            ]
        )


def account_keys(apps, schema_editor):
    """The integer domain key of every existing account (new ones get it at ingest)."""
    from pom.domains import domain_key

    Account = apps.get_model("attribution", "Account")
    batch = []
    for account in Account.objects.exclude(domain="").only("id", "domain").iterator(chunk_size=2000):
        account.domain_key = domain_key(account.domain)
        batch.append(account)
        if len(batch) >= 2000:
            Account.objects.bulk_update(batch, ["domain_key"])
            batch = []
    Account.objects.bulk_update(batch, ["domain_key"])


def schedule(apps, schema_editor):
    CrontabSchedule = apps.get_model("django_celery_beat", "CrontabSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    name, task, hour, minute = SCHEDULE
    crontab, _ = CrontabSchedule.objects.get_or_create(
        minute=minute, hour=hour, day_of_week="*", day_of_month="*", month_of_year="*", timezone="UTC"
    )
    PeriodicTask.objects.update_or_create(name=name, defaults={"task": task, "crontab": crontab, "enabled": True})


def unschedule(apps, schema_editor):
    apps.get_model("django_celery_beat", "PeriodicTask").objects.filter(name=SCHEDULE[0]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("attribution", "0004_account_mapping_and_cosell"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(backfill, migrations.RunPython.noop),
        migrations.RunPython(account_keys, migrations.RunPython.noop),
        migrations.RunPython(schedule, unschedule),
    ]
