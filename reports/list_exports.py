"""CSV and XLSX exports of every list page, with the page's current filters.

Each export names the list's own selector and filter (so an export holds exactly the rows the list
shows, every page of them), its columns, and a row function. Up to `pom.exports.row_limit()` rows the
file is sent in the request (CSV streamed); past it the export runs as a `pom.jobs` job on the heavy
queue whose page shows a progress bar and the download link.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.db.models import QuerySet
from django.http import QueryDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attribution import selectors as attribution_selectors
from attribution.filters import OpportunityFilter
from attribution.models import DealRegistration, Opportunity
from partners import selectors as partner_selectors
from plans import selectors as plan_selectors
from plans.filters import PlanFilter
from plans.models import Activity, KeyResult
from pom import exports, jobs
from pom.audit import Actor
from pom.models import Organization
from reports import score_selectors

CHUNK = 1000
JOB_KIND = "reports.list_export"


@dataclass(frozen=True)
class ListExport:
    key: str
    title: object
    columns: list[str]
    rows: Callable[[QuerySet], Iterable[list]]
    queryset: Callable[..., QuerySet]  # queryset(org=, params=) -> the filtered list


def _name(user) -> str:
    return (user.name or user.email) if user else ""


# partners -------------------------------------------------------------------------------------------

PARTNER_FILTERS = ["q", "type", "program", "tier", "status", "stage", "owner", "region", "segment", "focus", "sort"]


def _partners(*, org, params):
    filters = {k: params.get(k, "") for k in PARTNER_FILTERS}
    return partner_selectors.partner_list(org=org, filters=filters).prefetch_related(
        "types", "partnerships__program", "partnerships__tier"
    )


def _partner_rows(qs):
    for p in qs.iterator(chunk_size=CHUNK):
        partnerships = list(p.partnerships.all())
        yield [
            p.name,
            p.domain,
            p.get_status_display(),
            "; ".join(t.name for t in p.types.all()),
            p.region,
            p.country,
            _name(p.owner),
            "; ".join(ps.program.name for ps in partnerships),
            "; ".join(f"{ps.program.name}: {ps.tier.name}" for ps in partnerships if ps.tier),
        ]


# plans, key results, activities ---------------------------------------------------------------------


def _plans(*, org, params):
    return PlanFilter(params or None, queryset=plan_selectors.plan_list(org=org), org=org).qs


def _plan_rows(qs):
    for plan in qs.iterator(chunk_size=CHUNK):
        yield [
            plan.name,
            plan.partnership.partner.name,
            plan.partnership.program.name,
            plan.get_status_display(),
            plan.period_start,
            plan.period_end,
            _name(plan.owner),
            plan.kr_count,
        ]


def _key_results(*, org, params):
    qs = KeyResult.objects.for_org(org).select_related("plan__partnership__partner", "objective")
    if str(params.get("plan", "")).isdigit():
        qs = qs.filter(plan_id=int(params["plan"]))
    if str(params.get("partnership", "")).isdigit():
        qs = qs.filter(plan__partnership_id=int(params["partnership"]))
    return qs.order_by("plan_id", "objective_id", "id")


def _key_result_rows(qs):
    for kr in qs.iterator(chunk_size=CHUNK):
        yield [
            kr.plan.name,
            kr.plan.partnership.partner.name,
            kr.objective.title,
            kr.name,
            kr.get_unit_display(),
            kr.baseline,
            kr.target,
            kr.current_value,
            kr.due_date,
        ]


def _activities(*, org, params):
    qs = Activity.objects.for_org(org).select_related("plan__partnership__partner", "assignee")
    if str(params.get("plan", "")).isdigit():
        qs = qs.filter(plan_id=int(params["plan"]))
    if params.get("status") in Activity.Status.values:
        qs = qs.filter(status=params["status"])
    return qs.order_by("plan_id", "due_date", "id")


def _activity_rows(qs):
    for a in qs.iterator(chunk_size=CHUNK):
        yield [
            a.plan.name,
            a.plan.partnership.partner.name,
            a.title,
            a.get_type_display(),
            a.get_owner_side_display(),
            _name(a.assignee),
            a.due_date,
            a.get_status_display(),
            a.completed_at,
        ]


# pipeline ------------------------------------------------------------------------------------------------


def _opportunities(*, org, params):
    filterset = OpportunityFilter(params or None, queryset=Opportunity.objects.for_org(org))
    filters = filterset.form.cleaned_data if filterset.is_bound and filterset.is_valid() else {}
    return attribution_selectors.opportunity_list(org=org, filters=filters)


def _opportunity_rows(qs):
    for o in qs.iterator(chunk_size=CHUNK):
        yield [
            o.name,
            o.account.name,
            o.amount,
            o.currency,
            o.get_type_display(),
            o.get_stage_display(),
            o.get_status_display(),
            o.created_on,
            o.close_date,
            _name(o.owner),
            "; ".join(f"{link.partnership.partner.name} ({link.get_role_display()})" for link in o.partners.all()),
            o.crm_id,
        ]


def _registrations(*, org, params):
    status = params.get("status", "pending")
    statuses = list(DealRegistration.PENDING) if status == "pending" else ([status] if status else None)
    if status and status != "pending" and status not in DealRegistration.Status.values:
        statuses = None
    return attribution_selectors.registration_list(org=org, status=statuses)


def _registration_rows(qs):
    for r in qs.iterator(chunk_size=CHUNK):
        yield [
            r.customer_name,
            r.customer_domain,
            r.partnership.partner.name,
            r.partnership.program.name,
            r.value,
            r.currency,
            r.get_status_display(),
            r.submitted_at,
            r.expected_close,
            r.protection_until,
        ]


def _credits(*, org, params):
    model = params.get("model") or attribution_selectors.attribution_config(org=org).primary_model
    return attribution_selectors.credit_list(org=org, model=model)


def _credit_rows(qs):
    for c in qs.iterator(chunk_size=CHUNK):
        yield [
            c.opportunity.name,
            c.partnership.partner.name if c.partnership_id else _("Unattributed"),
            c.partnership.program.name if c.partnership_id else "",
            c.get_model_display(),
            c.amount,
            c.currency,
            c.percent,
            c.rule_version,
            c.explanation,
        ]


# scores ------------------------------------------------------------------------------------------------


def _scores(*, org, params):
    program, tier, owner = (
        params.get(k) if str(params.get(k) or "").isdigit() else None for k in ("program", "tier", "owner")
    )
    sort = str(params.get("sort", "overall"))
    return score_selectors.portfolio(
        org=org, program=program, tier=tier, owner=owner, sort=sort.lstrip("-"), descending=sort.startswith("-")
    )


def _score_rows(qs):
    for s in qs.iterator(chunk_size=CHUNK):
        yield [
            s.partnership.partner.name,
            s.partnership.program.name,
            s.partnership.tier.name if s.partnership.tier_id else "",
            s.as_of,
            s.overall,
            s.trust,
            s.analysis,
            s.commitment,
            s.accountability,
            s.measurement,
        ]


EXPORTS: dict[str, ListExport] = {
    e.key: e
    for e in [
        ListExport(
            "partners",
            gettext_lazy("Partners"),
            ["name", "domain", "status", "types", "region", "country", "owner", "programs", "tiers"],
            _partner_rows,
            _partners,
        ),
        ListExport(
            "plans",
            gettext_lazy("Plans"),
            ["plan", "partner", "program", "status", "period_start", "period_end", "owner", "key_results"],
            _plan_rows,
            _plans,
        ),
        ListExport(
            "key-results",
            gettext_lazy("Key results"),
            ["plan", "partner", "objective", "key_result", "unit", "baseline", "target", "current", "due"],
            _key_result_rows,
            _key_results,
        ),
        ListExport(
            "activities",
            gettext_lazy("Activities"),
            ["plan", "partner", "activity", "type", "side", "assignee", "due", "status", "completed_at"],
            _activity_rows,
            _activities,
        ),
        ListExport(
            "opportunities",
            gettext_lazy("Opportunities"),
            [
                "opportunity",
                "account",
                "amount",
                "currency",
                "type",
                "stage",
                "status",
                "created_on",
                "close_date",
                "owner",
                "partners",
                "crm_id",
            ],  # fmt: skip
            _opportunity_rows,
            _opportunities,
        ),
        ListExport(
            "registrations",
            gettext_lazy("Deal registrations"),
            [
                "customer",
                "domain",
                "partner",
                "program",
                "value",
                "currency",
                "status",
                "submitted_at",
                "expected_close",
                "protection_until",
            ],  # fmt: skip
            _registration_rows,
            _registrations,
        ),
        ListExport(
            "credits",
            gettext_lazy("Credit ledger"),
            ["opportunity", "partner", "program", "model", "amount", "currency", "percent", "rule", "explanation"],
            _credit_rows,
            _credits,
        ),
        ListExport(
            "scores",
            gettext_lazy("TACAM scores"),
            [
                "partner",
                "program",
                "tier",
                "as_of",
                "overall",
                "trust",
                "analysis",
                "commitment",
                "accountability",
                "measurement",
            ],  # fmt: skip
            _score_rows,
            _scores,
        ),
    ]
}


def export_queryset(*, org: Organization, key: str, params) -> QuerySet:
    """The filtered list an export holds (the list page's selector and filters)."""
    return EXPORTS[key].queryset(org=org, params=params)


def export_request(*, org: Organization, actor: Actor, key: str, fmt: str, params: QueryDict | dict):
    """Queue an export too large for a request as a job; the same filters give the same job (debounced)."""
    from reports.tasks import heavy_list_export

    clean = {
        k: str(v) for k, v in (params.dict() if isinstance(params, QueryDict) else params).items() if k != "format"
    }
    return jobs.job_request(
        org=org,
        kind=JOB_KIND,
        task=heavy_list_export,
        actor=actor,
        key=f"{key}:{fmt}:" + "&".join(f"{k}={v}" for k, v in sorted(clean.items()))[:150],
        label=_("Export %(list)s (%(fmt)s)") % {"list": EXPORTS[key].title, "fmt": fmt.upper()},
        params={"list": key, "format": fmt, "filters": clean},
    )


def run_export(*, job, progress) -> dict:
    """The body of a `reports.list_export` job: write the file in chunks, reporting progress, and attach it."""
    export = EXPORTS[job.params["list"]]
    fmt = job.params["format"]
    qs = export.queryset(org=job.organization, params=job.params.get("filters") or {})
    total = qs.count()
    progress.update(done=0, total=total, message=_("Writing %(n)s rows") % {"n": total})

    def rows():
        for done, row in enumerate(export.rows(qs), 1):
            if done % 5000 == 0:
                progress.update(done=done)
            yield row

    content = exports.file_bytes(header=export.columns, rows=rows(), fmt=fmt, title=str(export.title))
    name = exports.filename_for(f"{export.key}-{job.organization.slug}", fmt)
    progress.attach(filename=name, content=content)
    return {"rows": total, "filename": name}
