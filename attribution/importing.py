"""Bringing accounts and opportunities in from the CRM: CSV import and API bulk upserts, keyed by CRM id.

Rows are validated all together first (every error names its row and field); only a clean batch is
written, in one transaction, with one query per table (bulk create and bulk update), so a sync of
thousands of deals stays fast. Importing the same file twice updates instead of duplicating.
"""

from __future__ import annotations

import csv
import datetime
import io
import secrets
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from attribution.models import Account, Opportunity
from attribution.normalize import normalise_duns, normalise_name, normalise_siret, normalise_vat
from pom import jobs, validation
from pom.audit import Actor, actor_label
from pom.domains import domain_key, normalize_domain
from pom.models import ApiKey, AuditEvent, Organization, Region, User

MAX_ROWS = 5000
LIMITS = validation.Limits(max_bytes=5 * 1024 * 1024, max_rows=MAX_ROWS, max_uncompressed_bytes=5 * 1024 * 1024)
JOB_KIND = "attribution.import"
ACCOUNT_COLUMNS = ["crm_id", "name", "domain", "industry", "region", "type", "duns", "vat", "siret"]
# Optional columns: a file without them keeps what POM holds (an update leaves the fields as they are).
ACCOUNT_OPTIONAL = ["customer_since", "churned_on", "integrations_count"]
OPPORTUNITY_OPTIONAL = ["type"]
REGISTRATION_NUMBERS = {
    "duns": (normalise_duns, "A D-U-N-S number has 9 digits, e.g. 15-048-3782."),
    "vat": (normalise_vat, "A VAT number starts with its country code, e.g. BE0123456789."),
    "siret": (normalise_siret, "A SIRET has 14 digits."),
}


def registration_numbers(item: dict, err: dict) -> dict[str, str]:
    """The D-U-N-S, VAT and SIRET numbers of a row in their one spelling; a malformed one is an error."""
    numbers = {}
    for field, (normalise, message) in REGISTRATION_NUMBERS.items():
        raw = _text(item.get(field))
        numbers[field] = normalise(raw)
        if raw and not numbers[field]:
            err[field] = message
    return numbers


OPPORTUNITY_COLUMNS = [
    "crm_id",
    "account_crm_id",
    "name",
    "amount",
    "currency",
    "stage",
    "status",
    "created_on",
    "expected_close",
    "closed_on",
    "products",
    "joint_solution",
    "campaign_code",
]
COLUMNS = {"accounts": ACCOUNT_COLUMNS + ACCOUNT_OPTIONAL, "opportunities": OPPORTUNITY_COLUMNS + OPPORTUNITY_OPTIONAL}
PRODUCT_MAX_LENGTH = 80  # one product name in Opportunity.products (a JSON list)


def _text(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _date(value: Any) -> datetime.date | None:
    if isinstance(value, datetime.date):
        return value
    text = _text(value)
    if not text:
        return None
    return datetime.date.fromisoformat(text)


def read_csv(content: str | bytes) -> tuple[list[int], list[dict[str, str]]]:
    """Line numbers and rows of a CSV (text or bytes) as dicts keyed by lower-case header.

    Within LIMITS (size, rows, cell length) and the encodings `pom.validation.decode` reads;
    ValidationError({"file": ...}) naming the problem otherwise.
    """
    raw = content.encode("utf-8") if isinstance(content, str) else content
    table = validation.read_table(raw, "csv", LIMITS)
    table.headers = [h.lower() for h in table.headers]
    return validation.row_dicts(table)


def _item_problems(item: dict, err: dict) -> dict:
    """The item with control-character values blanked; each such value is an error of its field."""
    cleaned, problems = validation.clean_cells(item)
    for key, problem in problems.items():
        err.setdefault(key, problem)
    return cleaned


def validate_accounts(*, org: Organization, items: list[dict]) -> tuple[list[dict], dict[int, dict[str, str]]]:
    """Clean account rows; errors as {row index: {field: message}}. One query for the lookups."""
    errors: dict[int, dict[str, str]] = {}
    cleaned: list[dict] = []
    seen: set[str] = set()
    if len(items) > MAX_ROWS:
        return [], {0: {"rows": f"At most {MAX_ROWS} rows per batch."}}
    for index, item in enumerate(items):
        err = errors.setdefault(index, {})
        if not isinstance(item, dict):
            err["row"] = "Each row must be an object."
            continue
        item = _item_problems(item, err)
        crm_id = _text(item.get("crm_id"))
        if not crm_id and "crm_id" not in err:
            err["crm_id"] = "The CRM id is required: rows are matched on it."
        elif crm_id in seen:
            err["crm_id"] = f"CRM id {validation.quoted(crm_id)} appears twice in this batch."
        seen.add(crm_id)
        name = _text(item.get("name"))
        if not name and "name" not in err:
            err["name"] = "The account name is required."
        region = _text(item.get("region")).upper()
        if region and region not in Region.values:
            err["region"] = f"Use one of {', '.join(Region.values)}."
        kind = _text(item.get("type")).lower() or Account.Type.PROSPECT
        if kind not in Account.Type.values:
            err["type"] = "Use customer or prospect."
        domain = normalize_domain(_text(item.get("domain")))
        problem = validation.domain_problem(domain)
        if problem:
            err.setdefault("domain", problem)
        row = {
            "crm_id": crm_id,
            "name": name,
            "name_key": normalise_name(name)[:200],
            "domain": domain,
            "domain_key": domain_key(domain),
            "industry": _text(item.get("industry")),
            "region": region,
            "type": kind,
            **registration_numbers(item, err),
            **_account_status(item, err),
        }
        # Over-long values are errors (the commit's full_clean would refuse them), never truncated.
        for key, problem in validation.model_text_problems(
            Account, {k: row[k] for k in ("crm_id", "name", "domain", "industry")}
        ).items():
            err.setdefault(key, problem)
        cleaned.append(row)
    return cleaned, {i: e for i, e in errors.items() if e}


def _account_status(item: dict, err: dict) -> dict:
    """The optional status columns present in the row: customer since, churned on, integrations in place."""
    values: dict = {}
    for field in ("customer_since", "churned_on"):
        if field in item:
            try:
                values[field] = _date(item.get(field))
            except ValueError:
                err[field] = "Use the ISO format YYYY-MM-DD, e.g. 2026-03-31."
    if values.get("customer_since") and values.get("churned_on") and values["churned_on"] < values["customer_since"]:
        err["churned_on"] = "A customer cannot churn before it became one."
    if "integrations_count" in item:
        text = _text(item.get("integrations_count")) or "0"
        if text.isdigit() and int(text) <= 32767:
            values["integrations_count"] = int(text)
        else:
            err["integrations_count"] = "Enter a whole number of integrations, e.g. 3."
    return values


def validate_opportunities(*, org: Organization, items: list[dict]) -> tuple[list[dict], dict[int, dict[str, str]]]:
    """Clean opportunity rows: account by CRM id in this organization, amounts, ISO currencies, dates."""
    errors: dict[int, dict[str, str]] = {}
    cleaned: list[dict] = []
    if len(items) > MAX_ROWS:
        return [], {0: {"rows": f"At most {MAX_ROWS} rows per batch."}}
    wanted = {_text(i.get("account_crm_id")) for i in items if isinstance(i, dict)}
    accounts = dict(
        Account.objects.for_org(org).filter(crm_id__in=[w for w in wanted if w]).values_list("crm_id", "id")
    )
    seen: set[str] = set()
    for index, item in enumerate(items):
        err = errors.setdefault(index, {})
        if not isinstance(item, dict):
            err["row"] = "Each row must be an object."
            continue
        item = _item_problems(item, err)
        crm_id = _text(item.get("crm_id"))
        if not crm_id and "crm_id" not in err:
            err["crm_id"] = "The CRM id is required: rows are matched on it."
        elif crm_id in seen:
            err["crm_id"] = f"CRM id {validation.quoted(crm_id)} appears twice in this batch."
        seen.add(crm_id)
        account_crm_id = _text(item.get("account_crm_id"))
        if account_crm_id not in accounts:
            err.setdefault(
                "account_crm_id",
                f"No account with CRM id “{validation.quoted(account_crm_id)}” in this organization.",
            )
        name = _text(item.get("name"))
        if not name and "name" not in err:
            err["name"] = "The opportunity name is required."
        amount, problem = validation.decimal_value(item.get("amount"), model=Opportunity, field="amount")
        if problem:
            err.setdefault("amount", problem)
        currency = _text(item.get("currency")).upper() or org.currency
        problem = validation.currency_problem(currency)
        if problem:
            err.setdefault("currency", problem)
        stage = _text(item.get("stage")).lower() or Opportunity.Stage.PROSPECTING
        if stage not in Opportunity.Stage.values:
            err["stage"] = f"Use one of {', '.join(Opportunity.Stage.values)}."
        status = _text(item.get("status")).lower() or Opportunity.Status.OPEN
        if status not in Opportunity.Status.values:
            err["status"] = "Use open, won or lost."
        dates = {}
        for field in ("created_on", "expected_close", "closed_on"):
            try:
                dates[field] = _date(item.get(field))
            except ValueError:
                err[field] = "Use the ISO format YYYY-MM-DD, e.g. 2026-03-31."
        if status in ("won", "lost") and not dates.get("closed_on") and "closed_on" not in err:
            err["closed_on"] = "A won or lost opportunity needs its close date."
        for later in ("expected_close", "closed_on"):
            problem = validation.date_order_problem(
                dates.get("created_on"), dates.get(later), earlier_label="creation date"
            )
            if problem:
                err.setdefault(later, problem)
        optional = {}
        if "type" in item:
            optional["type"] = _text(item.get("type")).lower() or Opportunity.Type.NEW
            if optional["type"] not in Opportunity.Type.values:
                err["type"] = f"Use one of {', '.join(Opportunity.Type.values)}."
        products = item.get("products") or []
        if isinstance(products, str):
            products = [p.strip() for p in products.replace(";", ",").split(",") if p.strip()]
        if not isinstance(products, list | tuple):
            products = [products]
        products = [_text(p) for p in products]
        for product in products:
            problem = validation.text_problem(product, max_length=PRODUCT_MAX_LENGTH)
            if problem:
                err.setdefault("products", f"“{validation.quoted(product, 30)}”: {problem}")
        row = {
            "crm_id": crm_id,
            "account_id": accounts.get(account_crm_id),
            "name": name,
            "amount": amount,
            "currency": currency,
            "stage": Opportunity.Stage.CLOSED if status in ("won", "lost") else stage,
            "status": status,
            "created_on": dates.get("created_on") or timezone.localdate(),
            "expected_close": dates.get("expected_close"),
            "closed_on": dates.get("closed_on"),
            "products": products,
            "joint_solution": _text(item.get("joint_solution")),
            "campaign_code": _text(item.get("campaign_code")).upper(),
            **optional,
        }
        for key, problem in validation.model_text_problems(
            Opportunity, {k: row[k] for k in ("crm_id", "name", "joint_solution", "campaign_code")}
        ).items():
            err.setdefault(key, problem)
        cleaned.append(row)
    return cleaned, {i: e for i, e in errors.items() if e}


def _audit_bulk(org: Organization, actor: Actor, model, rows: list, created_ids: set[int]) -> None:
    """One audit event per row, written in one statement."""
    AuditEvent.objects.bulk_create(
        [
            AuditEvent(
                organization=org,
                actor_user=actor if isinstance(actor, User) else None,
                actor_api_key=actor if isinstance(actor, ApiKey) else None,
                actor_label=actor_label(actor)[:200],
                action=AuditEvent.Action.CREATE if row.pk in created_ids else AuditEvent.Action.UPDATE,
                verb="crm_sync",
                object_type=model._meta.label_lower,
                object_id=str(row.pk),
                object_repr=str(row)[:200],
                changes={"crm_id": [None, row.crm_id]},
            )
            for row in rows
        ],
        batch_size=500,
    )


def _upsert(org: Organization, actor: Actor, model, rows: list[dict], fields: list[str]) -> dict[str, int]:
    existing = {obj.crm_id: obj for obj in model.objects.for_org(org).filter(crm_id__in=[r["crm_id"] for r in rows])}
    to_create, to_update = [], []
    for row in rows:
        obj = existing.get(row["crm_id"])
        if obj is None:
            to_create.append(model(organization=org, **row))
        else:
            for key in fields:
                if key in row:  # optional columns absent from the row keep their value
                    setattr(obj, key, row[key])
            to_update.append(obj)
    for obj in to_create + to_update:
        obj.full_clean(exclude=["account", "organization"], validate_unique=False, validate_constraints=False)
    created = model.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        model.objects.bulk_update(to_update, fields + ["updated_at"], batch_size=500)
    _audit_bulk(org, actor, model, created + to_update, {o.pk for o in created})
    return {"created": len(created), "updated": len(to_update)}


@transaction.atomic
def account_bulk_upsert(*, org: Organization, actor: Actor, items: list[dict]) -> dict[str, Any]:
    """Create or update accounts keyed by CRM id; all valid or nothing saved.

    Returns {"created", "updated", "errors"}; errors are {row index: {field: message}}.
    """
    rows, errors = validate_accounts(org=org, items=items)
    if errors:
        return {"created": 0, "updated": 0, "errors": errors}
    now = timezone.now()
    for row in rows:
        row["updated_at"] = now
    fields = ["name", "name_key", "domain", "domain_key", "industry", "region", "type", "duns", "vat", "siret"]
    fields += [f for f in ACCOUNT_OPTIONAL if any(f in row for row in rows)]
    result = _upsert(org, actor, Account, rows, fields)
    from attribution.mapping_services import account_maps_inputs_changed

    account_maps_inputs_changed(org=org, actor=actor)
    return {**result, "errors": {}}


@transaction.atomic
def opportunity_bulk_upsert(*, org: Organization, actor: Actor, items: list[dict]) -> dict[str, Any]:
    """Create or update opportunities keyed by CRM id; all valid or nothing saved; credit recomputed."""
    from attribution.services import attribution_recompute_request, opportunities_won_emit

    rows, errors = validate_opportunities(org=org, items=items)
    if errors:
        return {"created": 0, "updated": 0, "errors": errors}
    fields = [
        "account_id",
        "name",
        "amount",
        "currency",
        "stage",
        "status",
        "created_on",
        "expected_close",
        "closed_on",
        "products",
        "joint_solution",
        "campaign_code",
    ]
    fields += [f for f in OPPORTUNITY_OPTIONAL if any(f in row for row in rows)]
    crm_ids = [r["crm_id"] for r in rows]
    won = Opportunity.Status.WON
    were_won = set(
        Opportunity.objects.for_org(org).filter(crm_id__in=crm_ids, status=won).values_list("crm_id", flat=True)
    )
    result = _upsert(org, actor, Opportunity, rows, fields)
    turned_won = [r["crm_id"] for r in rows if r["status"] == won and r["crm_id"] not in were_won]
    if turned_won:  # points and incentives react to each deal that turns won, as on a single edit
        opportunities = list(Opportunity.objects.for_org(org).filter(crm_id__in=turned_won).order_by("pk"))
        opportunities_won_emit(org=org, actor=actor, opportunities=opportunities)
    attribution_recompute_request(org=org, actor=actor, trigger="crm_sync")
    from attribution.mapping_services import account_maps_inputs_changed

    account_maps_inputs_changed(org=org, actor=actor)  # open opportunities are a population
    return {**result, "errors": {}}


def import_preview(*, org: Organization, kind: str, content: str | bytes) -> dict[str, Any]:
    """Validate a CSV without saving: {"rows", "errors" (per line), "creates", "updates"}.

    Exactly the validation the commit (and the bulk API) runs. A file past the limits or in an
    unreadable encoding gives one error on line 1 naming the problem.
    """
    try:
        numbers, items = read_csv(content)
    except ValidationError as exc:
        return {"rows": [], "errors": {1: {"file": " ".join(exc.messages)}}, "creates": 0, "updates": 0}
    if not items:
        return {"rows": [], "errors": {1: {"file": "The file has no rows under its header line."}}, "creates": 0}
    validate = validate_accounts if kind == "accounts" else validate_opportunities
    model = Account if kind == "accounts" else Opportunity
    rows, errors = validate(org=org, items=items)
    if not rows and errors:  # the batch as a whole is refused (too many rows)
        return {"rows": [], "errors": {1: errors[0]}, "creates": 0, "updates": 0}
    known = set(
        model.objects.for_org(org).filter(crm_id__in=[r["crm_id"] for r in rows]).values_list("crm_id", flat=True)
    )
    return {
        "rows": [{**row, "line": numbers[i], "exists": row["crm_id"] in known} for i, row in enumerate(rows)],
        "errors": {numbers[index]: fields for index, fields in errors.items()},
        "creates": sum(1 for r in rows if r["crm_id"] not in known),
        "updates": sum(1 for r in rows if r["crm_id"] in known),
    }


def import_commit(*, org: Organization, actor: Actor, kind: str, content: str | bytes) -> dict[str, Any]:
    """Validate again and write the CSV's rows in one transaction; nothing is saved on any error."""
    try:
        numbers, items = read_csv(content)
    except ValidationError as exc:
        return {"created": 0, "updated": 0, "errors": {1: {"file": " ".join(exc.messages)}}}
    upsert = account_bulk_upsert if kind == "accounts" else opportunity_bulk_upsert
    result = upsert(org=org, actor=actor, items=items)
    result["errors"] = {
        (numbers[index] if index < len(numbers) else 1): fields for index, fields in result["errors"].items()
    }
    return result


def import_request(*, org: Organization, actor: Actor, kind: str, content: str | bytes) -> jobs.Job:
    """Queue the write of a previewed CSV as a background job; returns the job a page polls.

    Side effects: stores the file under MEDIA_ROOT/imports/<org id>/ for the job (which deletes
    it when done) and enqueues the job once the caller's transaction commits.
    """
    from attribution.tasks import heavy_pipeline_import

    raw = content.encode("utf-8") if isinstance(content, str) else content
    directory = Path(settings.MEDIA_ROOT) / "imports" / str(org.id)
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / f"pipeline-{secrets.token_hex(16)}.csv"
    stored.write_bytes(raw)
    return jobs.job_request(
        org=org,
        kind=JOB_KIND,
        key=stored.stem,
        task=heavy_pipeline_import,
        actor=actor,
        label=f"Import of {kind}",
        params={"kind": kind, "file": str(stored.relative_to(Path(settings.MEDIA_ROOT)))},
        lease_seconds=900,
        max_attempts=2,
    )


def import_execute(*, job: jobs.Job, progress: jobs.Progress) -> dict:
    """The pipeline import job's body: validate again and write every row or none (one transaction).

    Problems found now (the data changed since the preview) mark the job failed with a CSV error
    report attached (`ImportRejected`); the stored file is removed once the rows are written.
    """
    path = Path(settings.MEDIA_ROOT) / job.params.get("file", "")
    kind = job.params.get("kind", "accounts")
    if not path.is_file():
        return {"skipped": "file gone"}
    org = Organization.objects.get(pk=job.organization_id)
    progress.update(done=0, total=2, message=f"Checking and writing {kind}")
    result = import_commit(org=org, actor=job.requested_by, kind=kind, content=path.read_bytes())
    if result["errors"]:
        errors = [
            {"row": line, "field": field, "message": message}
            for line, fields in sorted(result["errors"].items())
            for field, message in fields.items()
        ]
        progress.attach(filename=f"{kind}-import-errors.csv", content=validation.errors_csv(errors))
        raise validation.ImportRejected(
            f"{len(errors)} problem(s) found; nothing was imported. Download the error report."
        )
    path.unlink(missing_ok=True)
    progress.update(done=2, message=f"{result['created']} created, {result['updated']} updated")
    return {"created": result["created"], "updated": result["updated"]}


def template_csv(kind: str) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS[kind])
    if kind == "accounts":
        writer.writerow(
            ["001A", "Globex Corporation", "globex.com", "Manufacturing", "EMEA", "customer", "", "", "", "2024-03-01",
             "", "2"]
        )  # fmt: skip
    else:
        writer.writerow(
            ["006A", "001A", "Globex data platform", "48000", "EUR", "proposal", "open", "2026-01-15", "2026-06-30", "",
             "Vault;Edge", "Joint SIEM", "", "new"]
        )  # fmt: skip
    return buffer.getvalue()
