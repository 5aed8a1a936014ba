"""Reads on the partner portfolio: lists with constant query counts, details, journeys, certifications."""

from __future__ import annotations

import datetime
from typing import Any

from django.db.models import Case, CharField, Count, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from partners.filters import SORTS, PartnerFilter
from partners.models import (
    Archetype,
    Certification,
    Contact,
    ImportRun,
    JourneyStage,
    JourneyStep,
    JourneyTemplate,
    Partner,
    Partnership,
    PartnerType,
    Program,
    Segment,
    StageEntry,
    StepCompletion,
    Tier,
)
from pom.models import AuditEvent, Organization
from pom.selectors import audit_event_list

EXPIRING_DAYS = 60


def _partnerships_prefetch() -> Prefetch:
    return Prefetch(
        "partnerships",
        queryset=Partnership.objects.select_related("program", "tier", "current_stage").order_by("program__name"),
    )


def partner_rows(queryset: QuerySet[Partner]) -> QuerySet[Partner]:
    """`queryset` (already org-scoped) with everything a list row shows, in a constant number of queries.

    Each partner's `partnership_count` is a stored column kept by triggers (partners/partnership_count.py),
    so sorting by it reads an index instead of counting per partner."""
    return queryset.select_related("owner", "archetype", "segment", "journey_stage").prefetch_related(
        "types", _partnerships_prefetch()
    )


def partner_queryset(*, org: Organization) -> QuerySet[Partner]:
    """The organization's partners, ready for list rows (see `partner_rows`)."""
    return partner_rows(Partner.objects.for_org(org))


def partner_list(*, org: Organization, filters: dict[str, Any] | None = None) -> QuerySet[Partner]:
    """Partners matching the list-page filters (search, type, program, tier, status, stage, owner, region,
    segment, archetype, focus) in the requested `sort` order; with their stored `partnership_count`,
    prefetched with types and partnerships (program, tier), so the query count does not grow with rows."""
    filters = filters or {}
    queryset = PartnerFilter(data=filters, queryset=partner_queryset(org=org)).qs
    return queryset.order_by(*SORTS.get(filters.get("sort") or "name", SORTS["name"]))


def partner_status_counts(*, org: Organization, filters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """How many partners per status under the current filters (the status filter itself ignored)."""
    data = {k: v for k, v in (filters or {}).items() if k != "status"}
    queryset = PartnerFilter(data=data, queryset=Partner.objects.for_org(org)).qs
    # COUNT(*), not COUNT(id): an index-only scan of (organization, status) instead of reading every row
    counts = dict(queryset.order_by().values_list("status").annotate(n=Count("*")))
    return [{"value": value, "label": label, "count": counts.get(value, 0)} for value, label in Partner.Status.choices]


def partner_detail(*, org: Organization, pk: int) -> Partner | None:
    """One partner with its owner, taxonomy, partnerships, contacts; None if not in this organization."""
    return (
        partner_queryset(org=org)
        .select_related("linked_organization")
        .prefetch_related(Prefetch("contacts", queryset=Contact.objects.for_org(org).order_by("name")))
        .filter(pk=pk)
        .first()
    )


def contact_list(*, org: Organization, partner: Partner | None = None) -> QuerySet[Contact]:
    queryset = Contact.objects.for_org(org).select_related("partner")
    if partner is not None:
        queryset = queryset.filter(partner=partner)
    return queryset.order_by("partner__name", "name")


def partnership_list(*, org: Organization, partner: Partner | None = None, program: Program | None = None):
    """Partnerships with partner, program, tier, stage and owner joined."""
    queryset = Partnership.objects.for_org(org).select_related(
        "partner", "program", "tier", "current_stage", "owner", "journey_template"
    )
    if partner is not None:
        queryset = queryset.filter(partner=partner)
    if program is not None:
        queryset = queryset.filter(program=program)
    return queryset.order_by("partner__name", "program__name")


def certification_rows(queryset: QuerySet[Certification], today: datetime.date | None = None):
    """`queryset` (already org-scoped) with partner and contact joined and `state` annotated."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=EXPIRING_DAYS)
    return queryset.select_related("partner", "contact").annotate(
        state=Case(
            When(expires_on__lt=today, then=Value("expired")),
            When(expires_on__lte=soon, then=Value("expiring")),
            default=Value("valid"),
            output_field=CharField(),
        )
    )


def certification_list(*, org: Organization, partner: Partner | None = None, today: datetime.date | None = None):
    """Certifications annotated with `state`: expired, expiring (within 60 days) or valid."""
    queryset = certification_rows(Certification.objects.for_org(org), today=today)
    if partner is not None:
        queryset = queryset.filter(partner=partner)
    return queryset.order_by("expires_on", "name")


def certifications_expiring(
    *, org: Organization, within_days: int = EXPIRING_DAYS, today: datetime.date | None = None
) -> QuerySet[Certification]:
    """Certifications that are still valid but expire within `within_days` (default 60), soonest first."""
    today = today or timezone.localdate()
    return (
        Certification.objects.for_org(org)
        .filter(expires_on__gte=today, expires_on__lte=today + datetime.timedelta(days=within_days))
        .select_related("partner", "contact")
        .order_by("expires_on")
    )


def certifications_expired(*, org: Organization, today: datetime.date | None = None) -> QuerySet[Certification]:
    """Certifications whose expiry date has passed, most recently expired first."""
    today = today or timezone.localdate()
    return (
        Certification.objects.for_org(org)
        .filter(expires_on__lt=today)
        .select_related("partner", "contact")
        .order_by("-expires_on")
    )


def journey_progress(*, partnership: Partnership) -> dict[str, Any]:
    """Where a partnership stands in its journey: every stage with its steps, done flags, who and when.

    Returns {"stages": [{stage, state (done|current|upcoming), entered_at, steps: [{step, done,
    completed_at, completed_by}], done, total}], "done", "total", "percent", "current"}.
    """
    org_id = partnership.organization_id
    template_id = partnership.journey_template_id
    if template_id is None:
        return {"stages": [], "done": 0, "total": 0, "percent": 0, "current": None}
    stages = list(
        JourneyStage.objects.for_org(org_id)
        .filter(template_id=template_id)
        .prefetch_related(Prefetch("steps", queryset=JourneyStep.objects.for_org(org_id).order_by("order")))
        .order_by("order")
    )
    completions = {
        c.step_id: c
        for c in StepCompletion.objects.for_org(org_id).filter(partnership=partnership).select_related("completed_by")
    }
    entered: dict[int, datetime.datetime] = {}
    for entry in StageEntry.objects.for_org(org_id).filter(partnership=partnership).order_by("entered_at"):
        entered[entry.stage_id] = entry.entered_at
    current = partnership.current_stage_id
    current_order = next((s.order for s in stages if s.pk == current), 0)
    rows, done_total, step_total = [], 0, 0
    for stage in stages:
        steps = []
        for step in stage.steps.all():
            completion = completions.get(step.pk)
            steps.append(
                {
                    "step": step,
                    "done": completion is not None,
                    "completed_at": completion.completed_at if completion else None,
                    "completed_by": completion.completed_by if completion else None,
                }
            )
        done = sum(1 for s in steps if s["done"])
        done_total += done
        step_total += len(steps)
        if stage.pk == current:
            state = "current"
        elif stage.order < current_order:
            state = "done"
        else:
            state = "upcoming"
        rows.append(
            {
                "stage": stage,
                "state": state,
                "entered_at": entered.get(stage.pk),
                "steps": steps,
                "done": done,
                "total": len(steps),
            }
        )
    return {
        "stages": rows,
        "done": done_total,
        "total": step_total,
        "percent": round(100 * done_total / step_total) if step_total else 0,
        "current": partnership.current_stage,
    }


def partner_activity(*, org: Organization, partner: Partner) -> QuerySet[AuditEvent]:
    """The audit trail of a partner and its contacts, partnerships and certifications, newest first."""
    children = Q()
    for model, ids in (
        (Contact, Contact.objects.for_org(org).filter(partner=partner).values_list("pk", flat=True)),
        (Partnership, Partnership.objects.for_org(org).filter(partner=partner).values_list("pk", flat=True)),
        (Certification, Certification.objects.for_org(org).filter(partner=partner).values_list("pk", flat=True)),
    ):
        ids = [str(pk) for pk in ids]
        if ids:
            children |= Q(object_type=model._meta.label_lower, object_id__in=ids)
    return audit_event_list(org=org).filter(
        Q(object_type=Partner._meta.label_lower, object_id=str(partner.pk)) | children
    )


def program_list(*, org: Organization, active_only: bool = False) -> QuerySet[Program]:
    """Programs with partnership, active partnership and tier counts."""
    queryset = Program.objects.for_org(org).annotate(
        partnership_count=Count("partnerships", distinct=True),
        active_count=Count("partnerships", filter=Q(partnerships__status="active"), distinct=True),
        tier_count=Count("tiers", distinct=True),
    )
    if active_only:
        queryset = queryset.filter(is_active=True)
    return queryset.order_by("name")


def program_detail(*, org: Organization, pk: int) -> Program | None:
    return program_list(org=org).filter(pk=pk).first()


def tier_list(*, org: Organization, program: Program | None = None) -> QuerySet[Tier]:
    """Tiers ranked within their program, with how many partnerships sit on each."""
    queryset = Tier.objects.for_org(org).select_related("program").annotate(partnership_count=Count("partnerships"))
    if program is not None:
        queryset = queryset.filter(program=program)
    return queryset.order_by("program__name", "rank")


def journey_template_list(*, org: Organization) -> QuerySet[JourneyTemplate]:
    """Journey templates with their stages and steps prefetched."""
    return (
        JourneyTemplate.objects.for_org(org)
        .prefetch_related(
            Prefetch(
                "stages",
                queryset=JourneyStage.objects.for_org(org)
                .order_by("order")
                .prefetch_related(Prefetch("steps", queryset=JourneyStep.objects.for_org(org).order_by("order"))),
            )
        )
        .order_by("-is_default", "name")
    )


def journey_stages(*, org: Organization) -> QuerySet[JourneyStage]:
    """All stages of the organization's templates, for filters and stage pickers."""
    return JourneyStage.objects.for_org(org).select_related("template").order_by("template__name", "order")


def taxonomy(*, org: Organization) -> dict[str, QuerySet]:
    """Partner types, archetypes and segments of the organization, with how many partners use each."""
    return {
        "type": PartnerType.objects.for_org(org).annotate(partner_count=Count("partners")).order_by("order", "name"),
        "archetype": Archetype.objects.for_org(org).order_by("order", "name"),
        "segment": Segment.objects.for_org(org).order_by("order", "name"),
    }


def import_run_list(*, org: Organization) -> QuerySet[ImportRun]:
    return ImportRun.objects.for_org(org).select_related("created_by").order_by("-created_at")


def partner_counts(*, org: Organization) -> dict[str, int]:
    """Portfolio totals for the dashboard: active, onboarding, certifications expiring within 60 days."""
    by_status = dict(Partner.objects.for_org(org).order_by().values_list("status").annotate(n=Count("*")))
    return {
        "active": by_status.get(Partner.Status.ACTIVE, 0),
        "onboarding": by_status.get(Partner.Status.ONBOARDING, 0),
        "total": sum(by_status.values()),
        "expiring": certifications_expiring(org=org).count(),
        "expired": certifications_expired(org=org).count(),
    }


def partner_filter_options(*, org: Organization) -> dict[str, Any]:
    """Choices for the list page filters (types, segments, programs, tiers, stages, owners)."""
    from pom.models import Region
    from pom.selectors import member_users

    return {
        "types": PartnerType.objects.for_org(org).order_by("order", "name"),
        "segments": Segment.objects.for_org(org).order_by("order", "name"),
        "programs": Program.objects.for_org(org).order_by("name"),
        "tiers": Tier.objects.for_org(org).select_related("program").order_by("program__name", "rank"),
        "stages": journey_stages(org=org),
        "owners": member_users(org=org),
        "statuses": Partner.Status.choices,
        "regions": Region.choices,
    }


PICK_LIMIT = 20


def partner_pick(*, org: Organization, q: str, limit: int = PICK_LIMIT) -> list[tuple[int, str]]:
    """At most `limit` (id, name) of the organization's partners whose name contains `q`, names that
    start with it first: what the search-as-you-type picker (pom/picker.py) offers."""
    q = q.strip()
    rows = Partner.objects.for_org(org)
    if q:
        rows = rows.filter(name__icontains=q).annotate(
            prefix=Case(When(name__istartswith=q, then=Value(0)), default=Value(1))
        )
        rows = rows.order_by("prefix", "name", "pk")
    else:
        rows = rows.order_by("name", "pk")
    return list(rows.values_list("pk", "name")[:limit])


def partnership_pick(*, org: Organization, q: str, limit: int = PICK_LIMIT) -> list[tuple[int, str]]:
    """At most `limit` (id, "partner · program") of the organization's partnerships whose partner or
    program name contains `q`, partner names that start with it first."""
    q = q.strip()
    rows = Partnership.objects.for_org(org)
    if q:
        rows = rows.filter(Q(partner__name__icontains=q) | Q(program__name__icontains=q)).annotate(
            prefix=Case(When(partner__name__istartswith=q, then=Value(0)), default=Value(1))
        )
        rows = rows.order_by("prefix", "partner__name", "program__name", "pk")
    else:
        rows = rows.order_by("partner__name", "program__name", "pk")
    return [
        (pk, f"{partner} · {program}")
        for pk, partner, program in rows.values_list("pk", "partner__name", "program__name")[:limit]
    ]
