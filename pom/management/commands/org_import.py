"""`manage.py org_import <archive.tar.gz>`: write an exported organization into this database."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pom import dataport


class Command(BaseCommand):
    help = "Import an organization archive made by org_export into a database (same POM version) without it."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)

    def handle(self, archive, **options):
        if not archive.exists():
            raise CommandError(f"{archive} does not exist.")
        try:
            org = dataport.organization_import(data=archive.read_bytes())
        except dataport.ArchiveError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"Imported {org.name} ({org.slug}).")
