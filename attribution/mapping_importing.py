"""Partner account lists: read a CSV or XLSX, map its columns, validate every row, then commit.

The same rules as the partner import (`partners.importing`): preview first, every bad row and field
named, all or nothing. A list needs a name or a domain column; each row needs a name or a usable
domain; the same company twice (same domain, or same name without a domain) is an error naming both
rows; files past LIMITS (size, unpacked size, rows, cell length) or in an unreadable encoding are
refused with the reason (see `pom.validation`).
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from attribution.importing import REGISTRATION_NUMBERS
from attribution.mapping_models import PartnerAccount, PartnerPopulation
from attribution.normalize import match_name
from pom import validation
from pom.domains import domain_key, normalize_domain, registrable_domain

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
MAX_ROWS = 1_000_000
LIMITS = validation.Limits(max_bytes=MAX_UPLOAD_BYTES, max_rows=MAX_ROWS, max_uncompressed_bytes=160 * 1024 * 1024)
ALLOWED_TYPES = {".csv": "csv", ".xlsx": "xlsx"}

# (key, label, aliases) in template order; a list needs `name` or `domain`.
FIELDS: list[tuple[str, str, tuple[str, ...]]] = [
    (
        "name",
        "Name",
        ("company", "company name", "account", "account name", "customer", "organisation", "organization"),
    ),
    ("domain", "Domain", ("website", "web site", "url", "web domain", "domain name", "email domain")),
    ("population", "Population", ("status", "type", "relationship", "account type", "stage", "kind")),
    ("external_id", "Your id", ("id", "crm id", "account id", "record id", "external id")),
    ("industry", "Industry", ("sector", "vertical")),
    ("country", "Country", ("country code",)),
    ("owner_name", "Account owner", ("owner", "account manager", "rep", "sales rep")),
    ("duns", "D-U-N-S", ("duns", "duns number", "d u n s")),
    ("vat", "VAT number", ("vat", "vat id", "tax id")),
    ("siret", "SIRET", ("siret number",)),
]
FIELD_KEYS = [key for key, _label, _aliases in FIELDS]
FIELD_LABELS = {key: label for key, label, _aliases in FIELDS}

POPULATION_WORDS = {
    PartnerPopulation.CUSTOMER: ("customer", "customers", "client", "clients", "active", "won", "current"),
    PartnerPopulation.PROSPECT: ("prospect", "prospects", "lead", "leads", "target", "targets"),
    PartnerPopulation.OPPORTUNITY: (
        "opportunity",
        "opportunities",
        "open opportunity",
        "open opportunities",
        "open",
        "pipeline",
        "deal",
    ),
}


def _norm_header(value: str) -> str:
    return re.sub(r"[^a-z0-9]", "", str(value).lower())


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """Target field -> header, from keys, labels and common aliases (case and punctuation ignored)."""
    by_norm = {_norm_header(h): h for h in headers}
    mapping: dict[str, str] = {}
    for key, label, aliases in FIELDS:
        for candidate in (key, label, *aliases):
            header = by_norm.get(_norm_header(candidate))
            if header is not None and header not in mapping.values():
                mapping[key] = header
                break
    return mapping


def check_upload(*, name: str, size: int) -> str:
    """The file type ("csv" or "xlsx") of an acceptable upload, or a ValidationError naming the problem."""
    suffix = Path(name or "").suffix.lower()
    if suffix not in ALLOWED_TYPES:
        raise ValidationError({"file": _("“%(name)s” is not a CSV or Excel (.xlsx) file.") % {"name": name}})
    if size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            {
                "file": _("The file is %(size).1f MB; the limit is %(limit)d MB. Split the list or drop columns.")
                % {"size": size / (1024 * 1024), "limit": MAX_UPLOAD_BYTES // (1024 * 1024)}
            }
        )
    if size == 0:
        raise ValidationError({"file": _("The file is empty.")})
    return ALLOWED_TYPES[suffix]


def read_table(content: bytes, file_type: str) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """Headers and (row number, cells) of a CSV or XLSX file, numbered as a spreadsheet shows them
    (the header is row 1); blank rows are dropped but keep the numbering. Within LIMITS and the
    encodings of `pom.validation` (UTF-8 with or without BOM, UTF-16 with BOM, Latin-1)."""
    table = validation.read_table(content, file_type, LIMITS)
    return table.headers, table.rows


def _population(value: str, default: str) -> str | None:
    text = value.strip().lower()
    if not text:
        return default
    for population, words in POPULATION_WORDS.items():
        if text in words or text == population:
            return population
    return None


def validate_rows(
    *, headers: list[str], rows: list[tuple[int, list[str]]], mapping: dict[str, str], default_population: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Clean rows and every error as {row, field, label, message}; rows are numbered as a spreadsheet
    shows them (the header is row 1). Nothing is written."""
    errors: list[dict[str, Any]] = []
    if "name" not in mapping and "domain" not in mapping:
        return [], [
            {
                "row": 1,
                "field": "name",
                "label": FIELD_LABELS["name"],
                "message": _("The list needs a column with the company name or its web domain."),
            }
        ]
    if len(rows) > MAX_ROWS:
        return [], [{"row": 1, "field": "file", "label": "", "message": _("At most 1,000,000 rows per list.")}]
    position = {h: i for i, h in enumerate(headers)}
    columns = {key: position[header] for key, header in mapping.items() if header in position}
    seen_domains: dict[int, int] = {}
    seen_names: dict[str, int] = {}
    cleaned = []
    for number, raw in rows:
        row = {key: (raw[index] if index < len(raw) else "") for key, index in columns.items()}

        def err(field: str, message: str, number=number) -> None:
            errors.append({"row": number, "field": field, "label": FIELD_LABELS.get(field, field), "message": message})

        row, problems = validation.clean_cells(row)
        for field, problem in problems.items():
            err(field, problem)

        name = row.get("name", "")
        domain = registrable_domain(row.get("domain", ""))
        if row.get("domain") and not domain:
            err("domain", _("“%(value)s” is not a web domain (e.g. acme.com).") % {"value": row["domain"][:80]})
        if not name and not domain:
            err("name", _("Give the company name or its web domain."))
        key = domain_key(domain) if domain else None
        if key is not None:
            if key in seen_domains:
                err(
                    "domain",
                    _("The same company as row %(row)d (domain %(domain)s).")
                    % {"row": seen_domains[key], "domain": domain},
                )
            else:
                seen_domains[key] = number
        elif name:
            folded = match_name(name)
            if folded in seen_names:
                err(
                    "name",
                    _("The same company as row %(row)d (“%(name)s”).") % {"row": seen_names[folded], "name": name[:80]},
                )
            else:
                seen_names[folded] = number
        population = _population(row.get("population", ""), default_population)
        if population is None:
            err(
                "population",
                _("“%(value)s” is not a population: use customer, prospect or opportunity.")
                % {"value": row["population"][:40]},
            )
        country = row.get("country", "").upper()
        country_error = validation.country_problem(country)
        if country_error:
            err("country", country_error)
        # The model's limits, so the commit's rows are the rows the preview accepted; never truncated.
        for field, problem in validation.model_text_problems(
            PartnerAccount, {k: row[k] for k in ("name", "external_id", "industry", "owner_name") if k in row}
        ).items():
            err(field, problem)
        numbers = {}
        for field, (normalise, message) in REGISTRATION_NUMBERS.items():
            value = row.get(field, "")
            numbers[field] = normalise(value)
            if value and not numbers[field]:
                err(field, message)
        cleaned.append(
            {
                "row_number": number,
                "name": (name or domain)[:200],
                "name_key": match_name(name or domain.split(".")[0])[:200],
                "domain": domain or normalize_domain(row.get("domain", ""))[:253],
                "domain_key": key,
                "population": population or default_population,
                "external_id": row.get("external_id", ""),
                "industry": row.get("industry", ""),
                "country": "" if country_error else country,
                "owner_name": row.get("owner_name", ""),
                **numbers,
            }
        )
    return cleaned, errors


def stored_path(relative: str) -> Path:
    return Path(settings.MEDIA_ROOT) / relative


def template_csv() -> bytes:
    """A CSV template with every column and two example rows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([label for _key, label, _a in FIELDS])
    writer.writerow(
        ["Globex Corporation", "globex.com", "customer", "0017", "Manufacturing", "DE", "Jana Weber", "", "", ""]
    )
    writer.writerow(["Initech GmbH", "", "opportunity", "0018", "Software", "AT", "", "", "ATU12345678", ""])
    return buffer.getvalue().encode("utf-8")
