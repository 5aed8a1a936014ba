"""Schedule the nightly jobs of programs in motion in beat; give existing organizations the default
joint-solution lifecycle template."""

from django.db import migrations

SCHEDULES = [
    # (name, task, hour, minute)
    ("partners: expire points", "partners.tasks.points_expiry", "0", "45"),
    ("partners: nightly tier review", "partners.tasks.tier_evaluation_nightly", "3", "15"),
    ("attribution: nightly commission accruals", "attribution.tasks.commissions_nightly", "3", "45"),
]
STEPS = [
    ("Build the integration or offer together", "build", "both", True, True),
    ("Approve the solution for market", "approve", "vendor", True, True),
    ("Certify the connector or solution", "certify", "vendor", True, False),
    ("Package and publish the marketplace listing", "publish", "partner", True, True),
    ("Launch with the first customers", "launch", "both", True, True),
    ("Sell jointly and recommend to customers", "joint_sell", "both", False, False),
]


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


def templates(apps, schema_editor):
    Organization = apps.get_model("pom", "Organization")
    Template = apps.get_model("attribution", "SolutionTemplate")
    Step = apps.get_model("attribution", "SolutionTemplateStep")
    for org in Organization.objects.all():
        if Template.objects.filter(organization=org, is_default=True).exists():
            continue
        template = Template.objects.create(
            organization=org,
            name="Co-development lifecycle",
            is_default=True,
            description="The same steps for every joint solution, with owners and approvals from both companies.",
        )
        Step.objects.bulk_create(
            [
                Step(
                    organization=org,
                    template=template,
                    order=i,
                    name=name,
                    phase=phase,
                    owner_side=side,
                    vendor_approval=vendor,
                    partner_approval=partner,
                )
                for i, (name, phase, side, vendor, partner) in enumerate(STEPS, 1)
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("attribution", "0004_programs_in_motion"),
        ("partners", "0005_programs_in_motion"),
        ("django_celery_beat", "0019_alter_periodictasks_options"),
    ]

    operations = [
        migrations.RunPython(schedule, unschedule),
        migrations.RunPython(templates, migrations.RunPython.noop),
    ]
