"""Bringing partners in from a spreadsheet (CSV/XLSX) or a CRM sync (API bulk upsert).

One row is one partner, with optionally one contact and one program membership. Rows are
validated all together first (every error names its row and field); only a clean batch is
written, in one transaction. Existing partners are matched on normalised domain, then on
name (case-insensitive), so importing the same file twice updates instead of duplicating.
Blank cells leave existing values as they are.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_email
from django.db import transaction
from django.db.models import Q
from django.db.models.functions import Lower

from partners import services
from partners.models import (
    Archetype,
    Contact,
    Partner,
    Partnership,
    PartnerType,
    Program,
    Segment,
    Tier,
)
from pom import validation
from pom.audit import Actor
from pom.domains import domain_error, normalize_domain
from pom.models import Organization, Region, SizeBand, User

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
