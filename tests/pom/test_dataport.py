"""Organization export and import: every table round-trips with equal row counts and checksums,
files included; archives from another version, changed ones or a non-empty target are refused."""

import datetime
import io
import json
import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from pom import dataport
from pom.models import Organization
from tests.factories import (
    CheckInFactory,
    MembershipFactory,
    OrganizationFactory,
    PartnerFactory,
    PartnerTypeFactory,
    WorkspaceMemberFactory,
)


def wipe_database():
    """Empty every table (the schema stays), as a fresh database after `migrate` would be.

    Inside the test's transaction PostgreSQL refuses TRUNCATE while deferred foreign-key checks
    are pending, so they are run first, and deferred again for the import.
    """
    from django.db import connection

    postgres = connection.vendor == "postgresql"
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, inhibit_post_migrate=True, verbosity=0)
    if postgres:
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def assert_round_trip(org: Organization, tmp_path) -> dict:
    """Export, empty the database, import, export again: every table's count and checksum match."""
    archive = tmp_path / f"{org.slug}.tar.gz"
    call_command("org_export", org.slug, str(archive), stdout=io.StringIO())
    before = dataport.archive_tables(archive.read_bytes())
    files_before = dataport.read_archive(archive.read_bytes())[0]["files"]
    wipe_database()
    for name in files_before:
        default_storage.delete(name)
    assert not Organization.objects.exists()
    call_command("org_import", str(archive), stdout=io.StringIO())
    again = dataport.organization_export(org=Organization.objects.get(slug=org.slug))
    after = dataport.archive_tables(again)
    assert after == before
    assert dataport.read_archive(again)[0]["files"] == files_before
    return before


@pytest.mark.django_db
def test_every_table_and_file_round_trips(tmp_path):
    org = OrganizationFactory(slug="nimbus")
    member = MembershipFactory(organization=org, role="owner").user
    stamp = datetime.datetime(2026, 3, 4, 5, 6, 7, 456, tzinfo=datetime.UTC)  # under a millisecond
    partner = PartnerFactory(organization=org, owner=member, created_at=stamp)
    partner.types.add(PartnerTypeFactory(organization=org), through_defaults={"organization": org})
    partner.logo.save("acme.png", ContentFile(b"\x89PNG fake logo"), save=True)
    CheckInFactory(organization=org, key_result__objective__plan__partnership__partner=partner)
    from workspaces.models import Workspace

    workspace = Workspace.objects.create(organization=org, name="Acme")
    WorkspaceMemberFactory(workspace=workspace, side="partner")
    other = PartnerFactory(organization=OrganizationFactory(slug="rival"))  # another tenant: not exported

    tables = assert_round_trip(org, tmp_path)
    assert tables["partners.partner"]["rows"] == 1 and tables["partners.partnertypelink"]["rows"] == 1
    assert tables["pom.user"]["rows"] >= 2  # the owner and the partner person
    assert "plans.checkin" in tables and tables["plans.checkin"]["rows"] == 1
    assert not Organization.objects.filter(slug="rival").exists() and other.pk
    imported = Organization.objects.get(slug="nimbus")
    from partners.models import Partner

    restored = Partner.objects.for_org(imported).get()
    assert restored.logo.read() == b"\x89PNG fake logo"
    assert restored.created_at == stamp  # stored values come back exactly, microseconds included


def test_tenant_tables_are_discovered_from_the_models():
    labels = {m._meta.label_lower for m in dataport.tenant_models()}
    assert {"pom.membership", "pom.auditevent", "partners.partner", "plans.plan", "workspaces.workspace"} <= labels
    assert {"attribution.opportunity", "pom.webhookendpoint"} <= labels


@pytest.mark.django_db
def test_changed_foreign_or_other_version_archives_are_refused(tmp_path, settings):
    org = OrganizationFactory(slug="nimbus")
    PartnerFactory(organization=org, name="Acme")
    data = dataport.organization_export(org=org)

    tampered = _rewrite(data, "data/partners.partner.jsonl", lambda b: b.replace(b"Acme", b"Evil"))
    with pytest.raises(dataport.ArchiveError, match="do not match the manifest"):
        dataport.read_archive(tampered)
    forged = _rewrite(data, "manifest.json", lambda b: b.replace(b'"nimbus"', b'"nimbus2"'))
    with pytest.raises(dataport.ArchiveError, match="signature does not match"):
        dataport.read_archive(forged)
    with pytest.raises(dataport.ArchiveError, match="not a POM organization archive"):
        dataport.read_archive(b"not an archive")

    older = _resign(data, lambda m: m["migrations"].__setitem__("pom", m["migrations"]["pom"][:-1]))
    org.delete()
    with pytest.raises(dataport.ArchiveError, match="another version of POM"):
        dataport.organization_import(data=older)
    assert not Organization.objects.filter(slug="nimbus").exists()

    settings.SECRET_KEY = "another-deployment"
    with pytest.raises(dataport.ArchiveError, match="another DJANGO_SECRET_KEY"):
        dataport.read_archive(data)


@pytest.mark.django_db
def test_import_into_a_database_holding_the_organization_writes_nothing(tmp_path):
    org = OrganizationFactory(slug="nimbus")
    PartnerFactory(organization=org)
    archive = tmp_path / "nimbus.tar.gz"
    archive.write_bytes(dataport.organization_export(org=org))
    with pytest.raises(CommandError, match="already exists here"):
        call_command("org_import", str(archive))
    with pytest.raises(CommandError, match="No organization"):
        call_command("org_export", "nope", str(archive))


def _members(data: bytes) -> dict[str, bytes]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}


def _pack(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def _rewrite(data: bytes, name: str, change) -> bytes:
    members = _members(data)
    members[name] = change(members[name])
    return _pack(members)


def _resign(data: bytes, change) -> bytes:
    """An archive whose manifest was changed and signed again (as a genuine other version would be)."""
    import hashlib
    import hmac

    members = _members(data)
    manifest = json.loads(members["manifest.json"])
    change(manifest)
    body = json.dumps(manifest, sort_keys=True, indent=1).encode()
    members["manifest.json"] = body
    members["manifest.sig"] = hmac.new(dataport._signing_key(), body, hashlib.sha256).hexdigest().encode()
    return _pack(members)
