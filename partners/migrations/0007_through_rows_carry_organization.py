"""Partner.types gets an explicit through-model with organization_id; every existing row is kept."""

import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partners", "0006_assessments"),
        ("pom", "0010_merge_saml_peer_profile"),
    ]

    operations = [
        migrations.CreateModel(
            name="PartnerTypeLink",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now, editable=False)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "organization",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="+", to="pom.organization"
                    ),
                ),
                (
                    "partner",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE, related_name="type_links", to="partners.partner"
                    ),
                ),
                (
                    "partner_type",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="partner_links",
                        to="partners.partnertype",
                    ),
                ),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("organization", "partner", "partner_type"), name="partner_type_link_unique"
                    )
                ],
            },
        ),
        # Copy every auto-created row, taking the organization from its partner (set-based, both databases).
        migrations.RunSQL(
            sql="""
                INSERT INTO partners_partnertypelink (organization_id, partner_id, partner_type_id, created_at, updated_at)
                SELECT p.organization_id, t.partner_id, t.partnertype_id, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP
                FROM partners_partner_types t JOIN partners_partner p ON p.id = t.partner_id
            """,
            reverse_sql="""
                INSERT INTO partners_partner_types (partner_id, partnertype_id)
                SELECT partner_id, partner_type_id FROM partners_partnertypelink
            """,
        ),
        migrations.SeparateDatabaseAndState(
            database_operations=[migrations.RemoveField(model_name="partner", name="types")],
            state_operations=[
                migrations.RemoveField(model_name="partner", name="types"),
                migrations.AddField(
                    model_name="partner",
                    name="types",
                    field=models.ManyToManyField(
                        blank=True,
                        related_name="partners",
                        through="partners.PartnerTypeLink",
                        to="partners.partnertype",
                    ),
                ),
            ],
        ),
    ]
