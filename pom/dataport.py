"""Export one organization completely to an archive, and import such an archive into a database.

What is exported is discovered from the models, so tables other apps add later come along:
- the `Organization` row and every row of every model with an `organization` foreign key to it
  (every `OrgOwned` table, `Membership`, and third-party ones that have such a key);
- the rows of auto-created many-to-many tables whose source row is exported;
- the users those rows point at (members, authors, assignees, partner people), with their e-mail
  addresses (allauth) and, unless `credentials=False`, their password hashes and second factors;
- the bytes of every file a `FileField` of an exported row names.

The archive (`.tar.gz`) holds `manifest.json` (format version, POM's applied migrations, and for
each table its row count and SHA-256), `data/<app.model>.jsonl` (one row per line, by primary key)
and `files/<storage name>`. The manifest is signed with HMAC-SHA256 under a key derived from
`SECRET_KEY`, the same key that decrypts the encrypted secrets inside, so an archive from another
deployment, another version, or one changed after export is refused with a message saying which.

Import (`organization_import`) needs a database at the same migrations that holds none of the
archive's rows: it writes every row with its original primary key in one transaction, resets the
sequences, and stores the files; on any problem nothing is written.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import io
import json
import tarfile
from collections.abc import Iterable
from dataclasses import dataclass

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management.color import no_style
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

from pom import rls
from pom.models import Organization

FORMAT = "pom-organization-export"
IMPORT_BATCH = 500
VERSION = 1


class ArchiveError(ValueError):
    """The archive cannot be imported here; the message says why."""


@dataclass
class Table:
    model: type[models.Model]
    rows: list[dict]

    @property
    def label(self) -> str:
        return self.model._meta.label_lower


def _signing_key() -> bytes:
    return hashlib.sha256(b"pom-organization-export:" + settings.SECRET_KEY.encode()).digest()


def _user_model():
    return apps.get_model(settings.AUTH_USER_MODEL)


def tenant_models() -> list[type[models.Model]]:
    """Every concrete model with an `organization` foreign key to Organization, in app order."""
    found = []
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        field = next((f for f in model._meta.concrete_fields if f.name == "organization"), None)
        if field is not None and field.is_relation and field.related_model is Organization:
            found.append(model)
    return found


def _user_fk_fields(model) -> list[models.Field]:
    user_model = _user_model()
    return [f for f in model._meta.concrete_fields if f.is_relation and f.related_model is user_model]


def _m2m_through_tables(model) -> list[tuple[type[models.Model], str]]:
    """Auto-created many-to-many tables whose rows belong to `model`'s rows: (through, source column)."""
    tables = []
    for field in model._meta.local_many_to_many:
        through = field.remote_field.through
        if through._meta.auto_created:
            tables.append((through, field.m2m_field_name()))
    return tables


def _account_models() -> list[tuple[type[models.Model], bool]]:
    """Per-user tables of allauth carried with the users: (model, holds credentials)."""
    found = []
    for label, secret in (("account.EmailAddress", False), ("mfa.Authenticator", True)):
        try:
            found.append((apps.get_model(label), secret))
        except LookupError:
            continue
    return found


def _serialize(queryset) -> list[dict]:
    return serializers.serialize("python", queryset.order_by("pk"))


class _Encoder(DjangoJSONEncoder):
    """Django's encoder, but datetimes and times keep their microseconds (Django's rounds to ms)."""

    def default(self, o):
        if isinstance(o, datetime.datetime | datetime.time):
            return o.isoformat()
        return super().default(o)


def _line(row: dict) -> str:
    return json.dumps(row, cls=_Encoder, sort_keys=True, ensure_ascii=False)


def table_checksum(rows: Iterable[dict]) -> str:
    """SHA-256 of the table's canonical JSON lines, in primary-key order."""
    digest = hashlib.sha256()
    for row in rows:
        digest.update(_line(row).encode())
        digest.update(b"\n")
    return digest.hexdigest()


def collect(*, org: Organization, credentials: bool = True) -> list[Table]:
    """Every row of the organization, table by table (one query per table)."""
    tables = [Table(Organization, _serialize(Organization.objects.filter(pk=org.pk)))]
    user_ids: set[int] = set()
    for model in tenant_models():
        queryset = model._default_manager.filter(organization=org)
        rows = _serialize(queryset)
        tables.append(Table(model, rows))
        for field in _user_fk_fields(model):
            user_ids |= {r["fields"][field.name] for r in rows if r["fields"].get(field.name)}
        for through, source in _m2m_through_tables(model):
            through_rows = _serialize(through._default_manager.filter(**{f"{source}__organization": org}))
            tables.append(Table(through, through_rows))
            for field in _user_fk_fields(through):
                user_ids |= {r["fields"][field.name] for r in through_rows}
        # M2M fields to users declared on the model are serialised inline as id lists.
        for field in model._meta.many_to_many:
            if field.related_model is _user_model():
                for r in rows:
                    user_ids |= set(r["fields"].get(field.name) or [])
    users = _serialize(_user_model()._default_manager.filter(pk__in=user_ids))
    for row in users:
        row["fields"]["groups"], row["fields"]["user_permissions"] = [], []
        if not credentials:
            row["fields"]["password"] = "!"  # unusable: people reset their password after a restore
    tables.insert(0, Table(_user_model(), users))
    for model, secret in _account_models():
        if secret and not credentials:
            continue
        tables.append(Table(model, _serialize(model._default_manager.filter(user_id__in=user_ids))))
    # Tenant rows are exported with the M2M fields they declare inline; auto-created through tables
    # are written separately above, so drop the inline copies to avoid writing them twice.
    for table in tables:
        for field in table.model._meta.many_to_many:
            if field.remote_field.through._meta.auto_created:
                for row in table.rows:
                    row["fields"].pop(field.name, None)
    return tables


def _file_names(tables: list[Table]) -> list[str]:
    names = []
    for table in tables:
        for field in table.model._meta.concrete_fields:
            if isinstance(field, models.FileField):
                names += [r["fields"][field.name] for r in table.rows if r["fields"].get(field.name)]
    return sorted(set(names))


def applied_migrations() -> dict[str, list[str]]:
    recorder = MigrationRecorder(connection)
    state: dict[str, list[str]] = {}
    for app, name in sorted(recorder.applied_migrations()):
        state.setdefault(app, []).append(name)
    return state


def organization_export(*, org: Organization, credentials: bool = True) -> bytes:
    """The organization as a signed `.tar.gz` archive (see the module docstring)."""
    tables = collect(org=org, credentials=credentials)
    files = _file_names(tables)
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created_at": timezone.now().isoformat(),
        "organization": {"id": org.pk, "slug": org.slug, "name": org.name},
        "credentials": credentials,
        "migrations": applied_migrations(),
        "tables": {t.label: {"rows": len(t.rows), "sha256": table_checksum(t.rows)} for t in tables},
        "files": {},
    }
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for table in tables:
            _add(archive, f"data/{table.label}.jsonl", "".join(_line(r) + "\n" for r in table.rows).encode())
        for name in files:
            if not default_storage.exists(name):
                continue
            with default_storage.open(name, "rb") as handle:
                content = handle.read()
            manifest["files"][name] = hashlib.sha256(content).hexdigest()
            _add(archive, f"files/{name}", content)
        body = json.dumps(manifest, sort_keys=True, indent=1).encode()
        _add(archive, "manifest.json", body)
        _add(archive, "manifest.sig", hmac.new(_signing_key(), body, hashlib.sha256).hexdigest().encode())
    return buffer.getvalue()


def _add(archive: tarfile.TarFile, name: str, content: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(content)
    info.mtime = int(timezone.now().timestamp())
    archive.addfile(info, io.BytesIO(content))


def read_archive(data: bytes) -> tuple[dict, dict[str, list[dict]], dict[str, bytes]]:
    """Open and verify an archive: (manifest, rows by table, files); raises ArchiveError."""
    try:
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            contents = {m.name: archive.extractfile(m).read() for m in archive.getmembers() if m.isfile()}
        body = contents["manifest.json"]
        signature = contents["manifest.sig"].decode().strip()
    except (tarfile.TarError, KeyError, OSError, EOFError) as exc:
        raise ArchiveError(f"This is not a POM organization archive ({exc}).") from None
    expected = hmac.new(_signing_key(), body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, signature):
        raise ArchiveError(
            "The archive's signature does not match: it was changed after export, or it comes from a "
            "deployment with another DJANGO_SECRET_KEY."
        )
    manifest = json.loads(body)
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise ArchiveError(f"Unknown archive format {manifest.get('format')} v{manifest.get('version')}.")
    tables: dict[str, list[dict]] = {}
    for label, meta in manifest["tables"].items():
        content = contents.get(f"data/{label}.jsonl")
        if content is None:
            raise ArchiveError(f"The archive lacks the rows of {label}.")
        rows = [json.loads(line) for line in content.decode().splitlines() if line]
        if len(rows) != meta["rows"] or table_checksum(rows) != meta["sha256"]:
            raise ArchiveError(f"The rows of {label} do not match the manifest: the archive was changed or damaged.")
        tables[label] = rows
    files = {}
    for name, digest in manifest["files"].items():
        content = contents.get(f"files/{name}")
        if content is None or hashlib.sha256(content).hexdigest() != digest:
            raise ArchiveError(f"The file {name} does not match the manifest: the archive was changed or damaged.")
        files[name] = content
    return manifest, tables, files


def _check_target(manifest: dict, tables: dict[str, list[dict]]) -> None:
    here = applied_migrations()
    theirs = manifest["migrations"]
    for app in sorted({label.split(".")[0] for label in tables} | {"pom"}):
        if here.get(app, []) != theirs.get(app, []):
            mine, other = (here.get(app) or ["none"])[-1], (theirs.get(app) or ["none"])[-1]
            raise ArchiveError(
                f"This archive was made by another version of POM ({app} at {other}, this database at {mine}); "
                "import it into a POM at the same version."
            )
    slug = manifest["organization"]["slug"]
    if Organization.objects.filter(slug=slug).exists():
        raise ArchiveError(f"An organization {slug!r} already exists here: import into a database without it.")
    for label, rows in tables.items():
        model = apps.get_model(label)
        pks = [r["pk"] for r in rows]
        if model is _user_model():
            emails = [r["fields"]["email"] for r in rows]
            clash = model._default_manager.filter(email__in=emails).values_list("email", flat=True).first()
            if clash:
                raise ArchiveError(f"A user {clash} already exists here: import into an empty database.")
        if pks and model._default_manager.filter(pk__in=pks).exists():
            raise ArchiveError(f"Rows of {label} with the archive's ids already exist: import into an empty database.")


def organization_import(*, data: bytes) -> Organization:
    """Write an archive's organization into this database (see the module docstring)."""
    manifest, tables, files = read_archive(data)
    # Row-level security (pom/rls.py): an id clash may be with any organization's rows, so the check
    # reads across them; the writes are scoped to the archive's organization, so a row of another
    # organization smuggled into an archive is refused by the database.
    with rls.all_organizations("an import checks every organization's rows for the archive's ids"):
        _check_target(manifest, tables)
    written_files: list[str] = []
    try:
        with rls.scope(org_ids=[manifest["organization"]["id"]]), transaction.atomic():
            for label, rows in tables.items():
                model = apps.get_model(label)
                objects = [d.object for d in serializers.deserialize("python", rows)]
                fields = [f for f in model._meta.local_concrete_fields if f.column]
                # A raw insert keeps every stored value, `updated_at` included (loaddata's `raw=True`
                # saves, in batches): Django's insert compiler skips `pre_save` for raw queries.
                for start in range(0, len(objects), IMPORT_BATCH):
                    model._base_manager._insert(objects[start : start + IMPORT_BATCH], fields=fields, raw=True)
            sequences = connection.ops.sequence_reset_sql(no_style(), [apps.get_model(label) for label in tables])
            with connection.cursor() as cursor:
                for sql in sequences:
                    cursor.execute(sql)
            if "partners.partner" in tables:
                from partners import partnership_count

                partnership_count.recount_org(connection, manifest["organization"]["id"])
            for name, content in files.items():
                if default_storage.exists(name):
                    raise ArchiveError(f"A file {name} already exists in the storage: import into empty storage.")
                written_files.append(default_storage.save(name, ContentFile(content)))
    except Exception:
        for name in written_files:
            default_storage.delete(name)
        raise
    return Organization.objects.get(pk=manifest["organization"]["id"])


def archive_tables(data: bytes) -> dict[str, dict]:
    """{table: {rows, sha256}} of an archive, from its verified manifest."""
    return read_archive(data)[0]["tables"]
