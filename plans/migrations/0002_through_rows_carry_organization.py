"""The meeting attendee lists get explicit through-models with organization_id; every row is kept."""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0007_through_rows_carry_organization"),
        ("plans", "0001_initial"),
        ("pom", "0010_merge_saml_peer_profile"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="MeetingPartnerAttendee",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "contact",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="partners.contact"
                    ),
                ),
                (
                    "meeting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="partner_attendee_links",
                        to="plans.meeting",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="pom.organization"
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "meeting", "contact"), name="meeting_partner_attendee_unique"
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="MeetingVendorAttendee",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "meeting",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="vendor_attendee_links",
                        to="plans.meeting",
                    ),
                ),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="pom.organization"
                    ),
                ),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "meeting", "user"), name="meeting_vendor_attendee_unique"
                    )
                ],
            },
        ),
        migrations.RunSQL(
            sql="""
                INSERT INTO plans_meetingvendorattendee (organization_id, meeting_id, user_id, created_at, updated_at)
                SELECT m.organization_id, t.meeting_id, t.user_id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
                FROM plans_meeting_vendor_attendees t JOIN plans_meeting m ON m.id = t.meeting_id
            """,
            reverse_sql="""
                INSERT INTO plans_meeting_vendor_attendees (meeting_id, user_id) SELECT meeting_id, user_id FROM plans_meetingvendorattendee
            """,
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RemoveField(model_name="meeting", name="vendor_attendees")],
            state_operations=[
                migrations.RemoveField(model_name="meeting", name="vendor_attendees"),
                migrations.AddField(
                    model_name="meeting",
                    name="vendor_attendees",
                    field=models.ManyToManyField(
                        blank=True, related_name="+", through="plans.MeetingVendorAttendee", to=settings.AUTH_USER_MODEL
                    ),
                ),
            ],
        ),
        migrations.RunSQL(
            sql="""
                INSERT INTO plans_meetingpartnerattendee (organization_id, meeting_id, contact_id, created_at, updated_at)
                SELECT m.organization_id, t.meeting_id, t.contact_id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
                FROM plans_meeting_partner_attendees t JOIN plans_meeting m ON m.id = t.meeting_id
            """,
            reverse_sql="""
                INSERT INTO plans_meeting_partner_attendees (meeting_id, contact_id) SELECT meeting_id, contact_id FROM plans_meetingpartnerattendee
            """,
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RemoveField(model_name="meeting", name="partner_attendees")],
            state_operations=[
                migrations.RemoveField(model_name="meeting", name="partner_attendees"),
                migrations.AddField(
                    model_name="meeting",
                    name="partner_attendees",
                    field=models.ManyToManyField(
                        blank=True, related_name="+", through="plans.MeetingPartnerAttendee", to="partners.contact"
                    ),
                ),
            ],
        ),
    ]
