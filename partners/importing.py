"""Bringing partners in from a spreadsheet (CSV/XLSX) or a CRM sync (API bulk upsert).

One row is one partner, with optionally one contact and one program membership. Rows are
validated all together first (every error names its row and field); only a clean batch is
written, in one transaction. Existing partners are matched on normalised domain, then on
name (case-insensitive), so importing the same file twice updates instead of duplicating.
Blank cells leave existing values as they are.
"""

from __future__ import annotations

import datetime
import io
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from partners import services
from partners.models import (
    Archetype,
    Contact,
    ImportRun,
    Partner,
    Partnership,
    PartnerType,
    Program,
    Segment,
    Tier,
)
from pom import jobs, validation
from pom.audit import Actor, audit_action
from pom.domains import domain_error, normalize_domain
from pom.models import Job, Organization, Region, SizeBand, User

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_ROWS = 50_000
LIMITS = validation.Limits(max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_ROWS, max_uncompressed_bytes=64 * 1024 * 1024)
ALLOWED_TYPES = {".csv": "csv", ".xlsx": "xlsx"}
DATE_HELP = "use the ISO format YYYY-MM-DD, e.g. 2026-03-31"

# (key, label, aliases) in template column order; `name` is the only required column.
FIELDS: list[tuple[str, str, tuple[str, ...]]] = [
    ("name", "Name", ("partner", "partner name", "company", "company name", "account name")),
    ("domain", "Domain", ("web domain", "domain name")),
    ("website", "Website", ("url", "web site", "homepage")),
    ("description", "Description", ("about", "notes")),
    ("types", "Types", ("type", "partner type", "partner types")),
    ("archetype", "Archetype", ()),
    ("segment", "Segment", ()),
    ("is_focus", "Focus", ("focus partner", "is focus")),
    ("region", "Region", ()),
    ("country", "Country", ("country code",)),
    ("size_band", "Size band", ("size", "employees", "company size")),
    ("industry", "Industry", ()),
    ("status", "Status", ("partner status",)),
    ("relationship_maturity", "Relationship maturity", ("maturity",)),
    ("owner_email", "Owner e-mail", ("owner", "owner email", "partner manager email")),
    ("contact_name", "Contact name", ("contact",)),
    ("contact_email", "Contact e-mail", ("contact email", "email", "e-mail")),
    ("contact_title", "Contact title", ("title", "job title")),
    ("contact_phone", "Contact phone", ("phone",)),
    ("contact_role", "Contact role", ("role",)),
    ("program", "Program", ("program name",)),
    ("tier", "Tier", ("program tier", "level")),
    ("partnership_status", "Partnership status", ("program status", "membership status")),
    ("start_date", "Start date", ("partner since", "started")),
    ("renewal_date", "Renewal date", ("renewal",)),
    ("agreement_signed_on", "Agreement signed on", ("agreement signed", "signed on", "agreement date")),
]
FIELD_KEYS = [key for key, _label, _aliases in FIELDS]
FIELD_LABELS = {key: label for key, label, _aliases in FIELDS}

EXAMPLE_ROW = {
    "name": "Acme Integrations",
    "domain": "acme-integrations.example",
    "website": "https://acme-integrations.example",
    "description": "Salesforce and HubSpot integrator for mid-market SaaS",
    "types": "Systems integrator; Referral",
    "archetype": "Delivery champion",
    "segment": "Strategic",
    "is_focus": "yes",
    "region": "EMEA",
    "country": "DE",
    "size_band": "51-200",
    "industry": "Services",
    "status": "active",
    "relationship_maturity": "advisor",
    "owner_email": "",
    "contact_name": "Jana Weber",
    "contact_email": "jana.weber@acme-integrations.example",
    "contact_title": "Head of Alliances",
    "contact_phone": "",
    "contact_role": "executive_sponsor",
    "program": "Reseller",
    "tier": "Silver",
    "partnership_status": "active",
    "start_date": "2025-04-01",
    "renewal_date": "2026-03-31",
    "agreement_signed_on": "2025-03-20",
}

_TRUE = {"yes", "y", "true", "1", "x", "focus"}
_FALSE = {"no", "n", "false", "0", "long tail", "long-tail"}


def _norm_header(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(value).lower())


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Target field -> header, from exact keys, labels and common aliases (case and punctuation ignored)."""
    by_norm = {_norm_header(h): h for h in headers}
    mapping: dict[str, str] = {}
    for key, label, aliases in FIELDS:
        for candidate in (key, label, *aliases):
            header = by_norm.get(_norm_header(candidate))
            if header is not None and header not in mapping.values():
                mapping[key] = header
                break
    return mapping


# Reading files ----------------------------------------------------------------------------------


def read_file(content: bytes, file_type: str) -> validation.Table:
    """The file's headers and numbered rows, within the partner import's limits (see `pom.validation`)."""
    return validation.read_table(content, file_type, LIMITS)


def read_table(content: bytes, file_type: str) -> tuple[list[str], list[dict[str, str]]]:
    """Headers and rows (header -> text) of a CSV or XLSX file; dates in XLSX come back as ISO text."""
    table = read_file(content, file_type)
    _numbers, rows = validation.row_dicts(table)
    return table.headers, rows


def apply_mapping(rows: list[dict[str, str]], mapping: dict[str, str]) -> list[dict[str, str]]:
    """Rows keyed by target field instead of file header."""
    return [{key: row.get(header, "") for key, header in mapping.items() if header} for row in rows]


# Validation -------------------------------------------------------------------------------------


@dataclass
class CleanRow:
    number: int
    partner: Partner | None
    partner_fields: dict[str, Any]
    types: list[PartnerType] | None
    contact: dict[str, Any] | None = None
    partnership: dict[str, Any] | None = None
    action: str = "create"
    label: str = ""
    errors: list[dict] = field(default_factory=list)


class _Lookups:
    """Everything a batch is checked against, loaded once (a constant number of queries per batch)."""

    def __init__(self, org: Organization, *, domains: set[str], names: set[str]):
        self.types = {}
        for term in PartnerType.objects.for_org(org):
            self.types[term.slug] = term
            self.types[term.name.lower()] = term
        self.archetypes = {}
        for term in Archetype.objects.for_org(org):
            self.archetypes[term.slug] = term
            self.archetypes[term.name.lower()] = term
        self.segments = {}
        for term in Segment.objects.for_org(org):
            self.segments[term.slug] = term
            self.segments[term.name.lower()] = term
        self.programs = {p.name.lower(): p for p in Program.objects.for_org(org)}
        self.tiers = {(t.program_id, t.name.lower()): t for t in Tier.objects.for_org(org)}
        self.members = {u.email.lower(): u for u in User.objects.filter(memberships__organization=org)}
        # Only the partners the batch can match (by domain, or by name case-insensitively): a sync of
        # 10 rows must not load all 10,000 partners of the organization (it did: 0.9 s a call).
        partners = list(
            Partner.objects.for_org(org)
            .alias(lowered=Lower("name"))
            .filter(Q(domain__in=sorted(domains)) | Q(lowered__in=sorted(names)))
            .order_by("name", "pk")
        )
        self.by_domain = {p.domain: p for p in partners if p.domain}
        self.by_name: dict[str, Partner] = {}
        for p in partners:
            self.by_name.setdefault(p.name.lower(), p)


def _choice(value: str, choices) -> str | None:
    lowered = value.strip().lower()
    for stored, label in choices:
        if lowered in (str(stored).lower(), str(label).lower(), str(stored).lower().replace("_", " ")):
            return stored
    return None


def _date(value: str) -> datetime.date | None | str:
    try:
        return datetime.date.fromisoformat(value.strip())
    except ValueError:
        return "invalid"


def _match_keys(rows: list[dict[str, Any]]) -> dict[str, set[str]]:
    """The domains and lower-cased names of a batch, as validate_rows reads them (to load only those)."""
    domains, names = set(), set()
    for raw in rows:
        row, _problems = validation.clean_cells({k: ("" if v is None else v) for k, v in raw.items()})

        def text(key: str, row=row) -> str:
            value = row.get(key, "")
            return value.strip() if isinstance(value, str) else str(value)

        domain = normalize_domain(text("domain") or text("website"))
        if domain:
            domains.add(domain)
        if text("name"):
            names.add(text("name").lower())
    return {"domains": domains, "names": names}


def validate_rows(*, org: Organization, rows: list[dict[str, Any]], numbers: list[int]) -> list[CleanRow]:
    """Check every row against the organization's taxonomy, programs, tiers and members.

    Returns one `CleanRow` per input row; each carries its own list of {row, field, message}
    errors. Nothing is written.
    """
    lookups = _Lookups(org, **_match_keys(rows))
    seen_domains: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    result = []
    for number, raw in zip(numbers, rows, strict=True):
        row, cell_problems = validation.clean_cells({k: ("" if v is None else v) for k, v in raw.items()})
        errors: list[dict] = []

        def err(field_name: str, message: str, number=number, errors=errors) -> None:
            errors.append(
                {
                    "row": number,
                    "field": field_name,
                    "label": FIELD_LABELS.get(field_name, field_name),
                    "message": message,
                }
            )

        def text(key: str, row=row) -> str:
            value = row.get(key, "")
            return value.strip() if isinstance(value, str) else str(value)

        for key, problem in cell_problems.items():
            err(key, problem)
        fields: dict[str, Any] = {}
        name = text("name")
        if not name and "name" not in cell_problems:
            err("name", "A name is required.")
        # Without a domain column the website gives the domain, so re-imports still match on it.
        domain = normalize_domain(text("domain") or text("website"))
        if domain:
            problem = domain_error(domain)
            if problem:
                err("domain", problem)
            elif domain in seen_domains:
                err("domain", f"Duplicate domain in the file: {domain} is also on row {seen_domains[domain]}.")
            else:
                seen_domains[domain] = number
        elif name:
            if name.lower() in seen_names:
                err("name", f"Duplicate partner in the file: “{name}” is also on row {seen_names[name.lower()]}.")
            else:
                seen_names[name.lower()] = number
        partner = lookups.by_domain.get(domain) if domain else None
        if partner is None and name:
            partner = lookups.by_name.get(name.lower())
            if partner is not None and domain and partner.domain and partner.domain != domain:
                # Same name, different domain: a different company, not this partner.
                partner = None
        if domain and domain in lookups.by_domain and partner is not None and lookups.by_domain[domain] != partner:
            err("domain", f"The domain {domain} belongs to another partner, “{lookups.by_domain[domain].name}”.")
        if name:
            fields["name"] = name
        if domain:
            fields["domain"] = domain

        website = text("website")
        if website:
            if "://" not in website:
                website = f"https://{website}"
            try:
                URLValidator()(website)
                fields["website"] = website
            except ValidationError:
                err("website", f"“{text('website')}” is not a web address.")
        if text("description"):
            fields["description"] = text("description")

        types = None
        raw_types = row.get("types")
        if isinstance(raw_types, list | tuple):
            names = [str(t).strip() for t in raw_types if str(t).strip()]
        else:
            names = [t.strip() for t in re.split(r"[;,|]", text("types")) if t.strip()]
        if names:
            types = []
            for type_name in names:
                term = lookups.types.get(type_name.lower())
                if term is None:
                    err("types", f"Unknown partner type “{type_name}”. Known: {_known(lookups.types)}.")
                else:
                    types.append(term)
        for key, table in (("archetype", lookups.archetypes), ("segment", lookups.segments)):
            value = text(key)
            if value:
                term = table.get(value.lower())
                if term is None:
                    err(key, f"Unknown {key} “{value}”. Known: {_known(table)}.")
                else:
                    fields[key] = term
        focus = text("is_focus").lower()
        if focus:
            if focus in _TRUE:
                fields["is_focus"] = True
            elif focus in _FALSE:
                fields["is_focus"] = False
            else:
                err("is_focus", f"“{text('is_focus')}” is not yes or no.")
        for key, choices in (
            ("region", Region.choices),
            ("size_band", SizeBand.choices),
            ("status", Partner.Status.choices),
            ("relationship_maturity", Partner.Maturity.choices),
        ):
            value = text(key)
            if value:
                stored = _choice(value, choices)
                if stored is None:
                    err(key, f"Unknown {FIELD_LABELS[key].lower()} “{value}”. Use one of: {_codes(choices)}.")
                else:
                    fields[key] = stored
        country = text("country").upper()
        if country:
            problem = validation.country_problem(country)
            if problem:
                err("country", problem)
            else:
                fields["country"] = country
        if text("industry"):
            fields["industry"] = text("industry")
        owner_email = text("owner_email").lower()
        if owner_email:
            owner = lookups.members.get(owner_email)
            if owner is None:
                err("owner_email", f"{owner_email} is not a member of {org.name}.")
            else:
                fields["owner"] = owner

        contact = None
        contact_name, contact_email = text("contact_name"), text("contact_email").lower()
        if contact_name or contact_email:
            contact = {"name": contact_name or contact_email.split("@")[0], "email": contact_email}
            if contact_email:
                try:
                    validate_email(contact_email)
                except ValidationError:
                    err("contact_email", f"“{text('contact_email')}” is not an e-mail address.")
            for key in ("title", "phone"):
                if text(f"contact_{key}"):
                    contact[key] = text(f"contact_{key}")
            role = text("contact_role")
            if role:
                stored = _choice(role, Contact.Role.choices)
                if stored is None:
                    err("contact_role", f"Unknown contact role “{role}”. Use one of: {_codes(Contact.Role.choices)}.")
                else:
                    contact["role"] = stored
        elif text("contact_role") or text("contact_title"):
            err("contact_name", "A contact needs a name or an e-mail.")

        partnership = None
        program_name, tier_name = text("program"), text("tier")
        if program_name:
            program = lookups.programs.get(program_name.lower())
            if program is None:
                err("program", f"Unknown program “{program_name}”. Known: {_known(lookups.programs) or 'none yet'}.")
            else:
                partnership = {"program": program}
                if tier_name:
                    tier = lookups.tiers.get((program.id, tier_name.lower()))
                    if tier is None:
                        tiers = sorted(t.name for (pid, _n), t in lookups.tiers.items() if pid == program.id)
                        err(
                            "tier",
                            f"“{tier_name}” is not a tier of the program {program.name}"
                            f" (its tiers: {', '.join(tiers) or 'none'}).",
                        )
                    else:
                        partnership["tier"] = tier
                status = text("partnership_status")
                if status:
                    stored = _choice(status, Partnership.Status.choices)
                    if stored is None:
                        err(
                            "partnership_status",
                            f"Unknown partnership status “{status}”. Use one of: {_codes(Partnership.Status.choices)}.",
                        )
                    else:
                        partnership["status"] = stored
                for key in ("start_date", "renewal_date", "agreement_signed_on"):
                    value = row.get(key)
                    if isinstance(value, datetime.date):
                        partnership[key] = value
                    elif text(key):
                        parsed = _date(text(key))
                        if parsed == "invalid":
                            err(key, f"“{text(key)}” is not a date: {DATE_HELP}.")
                        else:
                            partnership[key] = parsed
                problem = validation.date_order_problem(
                    partnership.get("start_date"), partnership.get("renewal_date"), earlier_label="start date"
                )
                if problem:
                    err("renewal_date", problem)
        elif tier_name or text("partnership_status"):
            err("program", "A tier or partnership status needs a program.")

        # The limits the commit's full_clean() applies, checked here so the preview tells the truth.
        for key, problem in validation.model_text_problems(Partner, fields).items():
            err(key if key in FIELD_LABELS else "name", problem)
        for key, problem in validation.model_text_problems(Contact, contact or {}).items():
            err(f"contact_{key}", problem)

        clean = CleanRow(
            number=number,
            partner=partner,
            partner_fields=fields,
            types=types,
            contact=contact,
            partnership=partnership,
            action="update" if partner is not None else "create",
            label=name or domain,
            errors=errors,
        )
        result.append(clean)
    return result


def _known(table: dict) -> str:
    names = sorted({getattr(v, "name", str(v)) for v in table.values()})
    return ", ".join(names)


def _codes(choices) -> str:
    return ", ".join(str(value) for value, _label in choices)


def errors_of(rows: list[CleanRow]) -> list[dict]:
    return [error for row in rows for error in row.errors]


# Writing ----------------------------------------------------------------------------------------


def _apply_row(*, org: Organization, actor: Actor, row: CleanRow) -> str:
    fields = dict(row.partner_fields)
    if row.partner is None:
        partner = services.partner_create(
            org=org, actor=actor, name=fields.pop("name"), domain=fields.pop("domain", ""), types=row.types, **fields
        )
        outcome = "created"
    else:
        partner = services.partner_update(org=org, actor=actor, partner=row.partner, data=fields, types=row.types)
        outcome = "updated"
    if row.contact:
        contact_data = dict(row.contact)
        existing = None
        if contact_data.get("email"):
            existing = Contact.objects.for_org(org).filter(partner=partner, email__iexact=contact_data["email"]).first()
        if existing is None:
            existing = Contact.objects.for_org(org).filter(partner=partner, name__iexact=contact_data["name"]).first()
        if existing is None:
            services.contact_create(org=org, actor=actor, partner=partner, **contact_data)
        else:
            services.contact_update(
                org=org, actor=actor, contact=existing, data={k: v for k, v in contact_data.items() if v}
            )
    if row.partnership:
        data = dict(row.partnership)
        program = data.pop("program")
        existing = Partnership.objects.for_org(org).filter(partner=partner, program=program).first()
        if existing is None:
            services.partnership_create(org=org, actor=actor, partner=partner, program=program, **data)
        else:
            services.partnership_update(org=org, actor=actor, partnership=existing, data=data)
    return outcome


@transaction.atomic
def rows_write(*, org: Organization, actor: Actor, rows: list[CleanRow]) -> dict[str, int]:
    """Write validated rows in one transaction; returns {"created": n, "updated": n}.

    Raises ValidationError (and writes nothing) if any row carries errors.
    """
    errors = errors_of(rows)
    if errors:
        raise ValidationError({"rows": [f"Row {e['row']}, {e['field']}: {e['message']}" for e in errors]})
    counts = {"created": 0, "updated": 0}
    for row in rows:
        counts[_apply_row(org=org, actor=actor, row=row)] += 1
    return counts


def partner_bulk_upsert(*, org: Organization, actor: Actor, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Create or update partners keyed by domain (then name), for CRM sync.

    Validates every item first; returns {"created", "updated", "errors"} where errors is
    {index: {field: [messages]}} and nothing is written when there is any. Side effects: audited
    creates/updates in one transaction.
    """
    rows = validate_rows(org=org, rows=items, numbers=list(range(len(items))))
    errors: dict[int, dict[str, list[str]]] = {}
    for error in errors_of(rows):
        errors.setdefault(error["row"], {}).setdefault(error["field"], []).append(error["message"])
    if errors:
        return {"created": 0, "updated": 0, "errors": errors}
    counts = rows_write(org=org, actor=actor, rows=rows)
    return {**counts, "errors": {}}


# Import runs (the upload page) ------------------------------------------------------------------


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


# Templates --------------------------------------------------------------------------------------


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
