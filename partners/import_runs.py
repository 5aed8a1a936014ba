"""The partner import page's runs: an upload is stored and checked, previewed with a column mapping
(a dry run), then imported by a background job that validates again and writes every row or none.
Also the downloadable CSV/Excel templates. Rows are read, validated and written by `partners.importing`."""

from __future__ import annotations

import io
import secrets
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners.importing import (
    ALLOWED_TYPES,
    DATE_HELP,
    EXAMPLE_ROW,
    FIELD_KEYS,
    FIELDS,
    MAX_UPLOAD_BYTES,
    CleanRow,
    _apply_row,
    _codes,
    apply_mapping,
    errors_of,
    guess_mapping,
    read_file,
    validate_rows,
)
from partners.models import Contact, ImportRun, Partner, Partnership
from pom import jobs, validation
from pom.audit import audit_action
from pom.models import Job, Organization, Region, SizeBand, User


def _storage_dir(org: Organization) -> Path:
    return Path(settings.MEDIA_ROOT) / "imports" / str(org.id)


def import_file_check(*, name: str, size: int) -> str:
    """The file type ("csv" or "xlsx") of an acceptable upload; ValidationError naming the problem otherwise."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in ALLOWED_TYPES:
        raise ValidationError(
            {
                "file": _("“%(name)s” is not a CSV or Excel (.xlsx) file. Upload a .csv or .xlsx file.")
                % {"name": validation.quoted(name)}
            }
        )
    if size > MAX_UPLOAD_BYTES:
        megabytes = size / (1024 * 1024)
        raise ValidationError(
            {
                "file": _("The file is %(megabytes)s MB; the limit is 10 MB. Split it into parts.")
                % {"megabytes": format(megabytes, ".1f")}
            }
        )
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    return ALLOWED_TYPES[suffix]


def _read_run(run: ImportRun) -> validation.Table:
    path = Path(settings.MEDIA_ROOT) / run.file_path
    if not path.is_file():
        raise ValidationError({"file": _("The uploaded file is no longer available; upload it again.")})
    return read_file(path.read_bytes(), run.file_type)


def import_run_create(*, org: Organization, actor: User, upload) -> ImportRun:
    """Store an uploaded CSV/XLSX under MEDIA_ROOT/imports/<org id>/ and guess the column mapping.

    Side effects: writes the file, creates an ImportRun (status uploaded). Rejects other file
    types, files past the limits (size, unpacked size, rows, cell length), unreadable encodings,
    duplicate headers and files without rows, naming the reason. A refused file is not kept.
    """
    file_type = import_file_check(name=upload.name, size=upload.size)
    content = b"".join(upload.chunks())
    table = read_file(content, file_type)
    if not table.rows:
        raise ValidationError({"file": _("The file has a header row but no partner rows.")})
    directory = _storage_dir(org)
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / f"{secrets.token_hex(16)}.{file_type}"
    stored.write_bytes(content)
    run = ImportRun(
        organization=org,
        created_by=actor,
        original_name=validation.quoted(Path(upload.name).name, 255),
        file_path=str(stored.relative_to(Path(settings.MEDIA_ROOT))),
        file_type=file_type,
        headers=table.headers,
        mapping=guess_mapping(table.headers),
        row_count=len(table.rows),
    )
    try:
        with transaction.atomic():
            run.full_clean()
            run.save()
    except BaseException:
        stored.unlink(missing_ok=True)  # no run row, no file left behind
        raise
    return run


def _mapped_rows(run: ImportRun, table: validation.Table | None = None) -> list[CleanRow]:
    table = table or _read_run(run)
    numbers, rows = validation.row_dicts(table)
    mapped = apply_mapping(rows, run.mapping)
    # Row numbers as a spreadsheet shows them: the header is row 1, blank rows keep their number.
    return validate_rows(org=run.organization, rows=mapped, numbers=numbers)


@transaction.atomic
def import_run_preview(*, org: Organization, run: ImportRun, mapping: dict[str, str]) -> list[CleanRow]:
    """Save the column mapping and dry-run the file: every row is validated, nothing is imported.

    The commit runs exactly this validation again, so a clean preview is a clean commit unless the
    data changed in between. Side effects: stores mapping, error list and counts on the run.
    """
    if _in_progress_or_done(org, run):
        raise ValidationError({"file": "This file is being or has been imported; upload it again to re-import."})
    unknown = {h for h in mapping.values() if h and h not in run.headers}
    if unknown:
        raise ValidationError(
            {"mapping": _("No such column in the file: %(join)s.") % {"join": ", ".join(sorted(unknown))}}
        )
    mapping = {k: v for k, v in mapping.items() if k in FIELD_KEYS and v}
    if "name" not in mapping:
        raise ValidationError({"mapping": _("Choose the column that holds the partner name.")})
    run.mapping = mapping
    rows = _mapped_rows(run)
    run.errors = errors_of(rows)
    run.row_count = len(rows)
    run.created_count = sum(1 for r in rows if r.action == "create")
    run.updated_count = sum(1 for r in rows if r.action == "update")
    run.status = ImportRun.Status.PREVIEWED
    run.save()
    return rows


ImportRejected = validation.ImportRejected


def _in_progress_or_done(org: Organization, run: ImportRun) -> bool:
    """Imported, or importing with a job still queued or running (a job that died lets it be retried)."""
    if run.status == ImportRun.Status.IMPORTED:
        return True
    if run.status != ImportRun.Status.IMPORTING:
        return False
    job = jobs.job_latest(org=org, kind=JOB_KIND, key=str(run.pk))
    return job is not None and job.status in Job.ACTIVE


JOB_KIND = "partners.import"


@transaction.atomic
def import_run_commit(*, org: Organization, actor: User, run: ImportRun) -> Job:
    """Queue the import of a previewed file as a background job; returns the job the page polls.

    Refuses a run that has errors, is importing or was imported. Side effects: the run's status
    becomes importing; the job is enqueued once the transaction commits (see `import_run_execute`).
    """
    from partners.tasks import heavy_partner_import

    run = ImportRun.objects.for_org(org).select_for_update().get(pk=run.pk)
    if _in_progress_or_done(org, run):
        raise ValidationError({"file": "This file is being or has been imported; upload it again to re-import."})
    if run.status not in (ImportRun.Status.PREVIEWED, ImportRun.Status.IMPORTING) or run.errors:
        raise ValidationError({"file": "Check the file first (dry run): it has problems to fix."})
    run.status = ImportRun.Status.IMPORTING
    run.save(update_fields=["status", "updated_at"])
    audit_action(org=org, actor=actor, obj=run, verb="partner import requested")
    return jobs.job_request(
        org=org,
        kind=JOB_KIND,
        key=str(run.pk),
        task=heavy_partner_import,
        actor=actor,
        label=f"Import of {run.original_name}",
        params={"import_run_id": run.pk},
        lease_seconds=1800,
        max_attempts=2,
    )


def import_run_execute(*, job: Job, progress: jobs.Progress) -> dict:
    """The import job's body: validate the file again, then write every row or none.

    1. Read and validate the whole file in chunks, reporting progress (nothing written yet).
    2. Any error (the data changed since the preview): the run is marked failed with its errors, the
       error report is attached to the job as a CSV, and `ImportRejected` ends the job as failed.
    3. In one transaction: write every row (progress is a heartbeat here; a page sees it at the end),
       mark the run imported, audit. Safe to run again: re-validation turns creates into updates.
    """
    run = (
        ImportRun.objects.for_org(job.organization_id)
        .select_related("organization")
        .filter(pk=job.params.get("import_run_id"))
        .first()
    )
    if run is None:
        return {"skipped": "deleted"}
    org = run.organization
    actor = job.requested_by or run.created_by
    progress.update(done=0, total=run.row_count * 2 or 1, message="Checking the rows")
    try:
        table = _read_run(run)
        rows = _mapped_rows(run, table)
    except ValidationError as exc:
        rows, file_errors = [], [{"row": 1, "field": "file", "label": "File", "message": m} for m in exc.messages]
    else:
        file_errors = []
    errors = file_errors + errors_of(rows)
    total = len(rows) * 2 or 1
    progress.update(done=len(rows), total=total, message=f"Checked {len(rows)} rows")
    if errors:
        ImportRun.objects.for_org(org).filter(pk=run.pk).update(
            status=ImportRun.Status.FAILED, errors=errors, finished_at=timezone.now()
        )
        progress.attach(filename=f"import-{run.pk}-errors.csv", content=validation.errors_csv(errors))
        raise ImportRejected(f"{len(errors)} problem(s) found; nothing was imported. Download the error report.")
    counts = {"created": 0, "updated": 0}
    with transaction.atomic():
        progress.hold()
        for done, row in enumerate(rows, 1):
            counts[_apply_row(org=org, actor=actor, row=row)] += 1
            if done % 200 == 0:
                progress.update(done=len(rows) + done, message=f"Writing row {done} of {len(rows)}")
        ImportRun.objects.for_org(org).filter(pk=run.pk).update(
            status=ImportRun.Status.IMPORTED,
            errors=[],
            created_count=counts["created"],
            updated_count=counts["updated"],
            finished_at=timezone.now(),
        )
        audit_action(org=org, actor=actor, obj=run, verb="partners imported", changes=counts)
    progress.update(done=total, message=f"{counts['created']} partner(s) created, {counts['updated']} updated")
    return counts


def template_csv() -> bytes:
    """A CSV template with every column and one example row."""
    import csv

    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _key, label, _a in FIELDS])
    writer.writerow([EXAMPLE_ROW[key] for key in FIELD_KEYS])
    return buffer.getvalue().encode("utf-8")


def template_xlsx() -> bytes:
    """An Excel template with every column, one example row, and a sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    book = Workbook()
    sheet = book.active
    sheet.title = "Partners"
    sheet.append([label for _key, label, _a in FIELDS])
    sheet.append([EXAMPLE_ROW[key] for key in FIELD_KEYS])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    help_sheet = book.create_sheet("Help")
    help_sheet.append(["Column", "What to put in it"])
    notes = {
        "name": "Required. Existing partners are matched on domain, then on name.",
        "domain": "Web domain, e.g. acme.com (https://, www. and paths are removed). Unique per partner.",
        "types": "Partner type names separated by ;",
        "is_focus": "yes for a focus partner, no for long tail",
        "region": _codes(Region.choices),
        "size_band": _codes(SizeBand.choices),
        "status": _codes(Partner.Status.choices),
        "relationship_maturity": _codes(Partner.Maturity.choices),
        "owner_email": "E-mail of a member of your organization",
        "contact_role": _codes(Contact.Role.choices),
        "program": "Name of an existing program",
        "tier": "Name of a tier of that program",
        "partnership_status": _codes(Partnership.Status.choices),
        "start_date": DATE_HELP,
        "renewal_date": DATE_HELP,
        "agreement_signed_on": DATE_HELP,
    }
    for key, label, _aliases in FIELDS:
        help_sheet.append([label, notes.get(key, "")])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()
