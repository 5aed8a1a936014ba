"""`manage.py org_export <slug> <archive.tar.gz>`: one organization, every table and file (pom.dataport)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pom import dataport, rls
from pom.models import Organization


class Command(BaseCommand):
    help = "Export one organization completely (rows of every table, files) to a signed .tar.gz archive."

    def add_arguments(self, parser):
        parser.add_argument("slug")
        parser.add_argument("archive", type=Path)
        parser.add_argument(
            "--without-credentials",
            action="store_true",
            help="Leave password hashes and second factors out (people reset their password after import).",
        )

    def handle(self, slug, archive, without_credentials, **options):
        org = Organization.objects.filter(slug=slug).first()
        if org is None:
            raise CommandError(f"No organization with the slug {slug!r}.")
        with rls.scope(org_ids=[org.pk]):  # this organization's rows only (row-level security, pom/rls.py)
            data = dataport.organization_export(org=org, credentials=not without_credentials)
        archive.write_bytes(data)
        tables = dataport.archive_tables(data)
        rows = sum(t["rows"] for t in tables.values())
        self.stdout.write(
            f"Exported {org.name}: {rows} rows in {len(tables)} tables to {archive} ({len(data):,} bytes)."
        )
