"""The QBR pack (Partner Business Review): one click gathers a partnership's period from live data
and freezes it as a `QbrPack` snapshot that the page, the PDF and the PowerPoint deck render.

    job = packs.pack_request(org=org, actor=user, partnership=p, period_start=..., period_end=...)
    # a `pom.jobs` job (kind "reports.qbr_pack"); its body calls pack_generate, which stores the pack

Everything in the snapshot is plain JSON (money and scores as strings), so a pack reopens exactly as it
was generated, whatever the live data became since. See docs/qbr.md.
"""

from __future__ import annotations

import datetime
import json
from collections import Counter
from decimal import Decimal

from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from attribution.models import CreditAllocation, DealRegistration, Opportunity
from partners.models import Partnership
from plans import rules
from plans.models import Activity, Meeting, Plan
from plans.selectors import plan_tree
from pom import jobs
from pom.audit import Actor, audit_create
from pom.models import Job, Organization, User
from reports import score_selectors
from reports.models import ELEMENTS
from reports.packs_models import QbrPack
from workspaces.digest_models import Suggestion

JOB_KIND = "reports.qbr_pack"
LIST_LIMIT = 25  # rows per section in the snapshot; the counts are always complete


# --- periods ---------------------------------------------------------------------------------------


def quarter_of(day: datetime.date) -> tuple[datetime.date, datetime.date, str]:
    """The calendar quarter holding `day`: (first day, last day, "2026-Q3")."""
    q = (day.month - 1) // 3
    start = datetime.date(day.year, 3 * q + 1, 1)
    end = (datetime.date(day.year + (q == 3), (3 * q + 3) % 12 + 1, 1)) - datetime.timedelta(days=1)
    return start, end, f"{day.year}-Q{q + 1}"


def quarter_choices(*, today: datetime.date | None = None, count: int = 5) -> list[tuple[str, str]]:
    """The current quarter and the previous ones, newest first, as (label, label) choices."""
    today = today or timezone.localdate()
    out, day = [], today
    for _i in range(count):
        start, _end, label = quarter_of(day)
        out.append((label, label))
        day = start - datetime.timedelta(days=1)
    return out


def parse_quarter(label: str) -> tuple[datetime.date, datetime.date, str] | None:
    """ "2026-Q3" -> its first and last day and the label; None when it is not a quarter."""
    try:
        year, q = label.split("-Q")
        year, q = int(year), int(q)
    except (AttributeError, ValueError):
        return None
    if not (1 <= q <= 4 and 2000 <= year <= 2100):
        return None
    return quarter_of(datetime.date(year, 3 * q - 2, 1))


def _next_period(start: datetime.date, end: datetime.date) -> tuple[datetime.date, datetime.date]:
    length = (end - start).days
    return end + datetime.timedelta(days=1), end + datetime.timedelta(days=1 + length)


def _money(value) -> str:
    return str((value or Decimal(0)).quantize(Decimal("0.01")))


def _num(value) -> str | None:
    return None if value is None else str(value)


# --- the snapshot ----------------------------------------------------------------------------------


def _plans_section(org, partnership, start, end) -> list[dict]:
    plans = Plan.objects.for_org(org).filter(partnership=partnership, period_start__lte=end, period_end__gte=start)
    out = []
    for plan in plans.order_by("period_start", "id")[:10]:
        tree = plan_tree(org=org, plan=plan)
        out.append(
            {
                "name": tree.name,
                "status": tree.get_status_display(),
                "period": f"{tree.period_start.isoformat()} – {tree.period_end.isoformat()}",
                "progress": _num(tree.progress),
                "health": _num(tree.health["score"]),
                "overdue": tree.overdue_count,
                "key_results": [
                    {
                        "name": kr.name,
                        "unit": kr.unit,
                        "baseline": _num(kr.baseline),
                        "target": _num(kr.target),
                        "current": _num(kr.current_value),
                        "progress": _num(kr.progress),
                        "status": kr.status,
                        "status_label": str(kr.status_label),
                    }
                    for kr in tree.kr_list[:LIST_LIMIT]
                ],
            }
        )
    return out


def _activities_section(org, partnership, start, end, today) -> dict:
    activities = Activity.objects.for_org(org).filter(plan__partnership=partnership).select_related("assignee")
    done = activities.filter(
        status=Activity.Status.DONE, completed_at__date__gte=start, completed_at__date__lte=end
    ).order_by("completed_at", "id")
    late = activities.filter(
        status__in=rules.OPEN_ACTIVITY_STATUSES, due_date__lt=min(today, end + datetime.timedelta(days=1))
    )
    late = late.order_by("due_date", "id")

    def row(a: Activity) -> dict:
        return {
            "title": a.title,
            "side": a.owner_side,
            "due": a.due_date.isoformat() if a.due_date else "",
            "done": timezone.localdate(a.completed_at).isoformat() if a.completed_at else "",
            "assignee": a.assignee.display_name if a.assignee else "",
        }

    return {
        "done_count": done.count(),
        "late_count": late.count(),
        "done": [row(a) for a in done[:LIST_LIMIT]],
        "late": [row(a) for a in late[:LIST_LIMIT]],
    }


def _pipeline_section(org, partnership, start, end) -> dict:
    opps = Opportunity.objects.for_org(org).filter(partners__partnership=partnership).distinct()
    open_ = opps.filter(status=Opportunity.Status.OPEN)
    won = opps.filter(status=Opportunity.Status.WON, closed_on__gte=start, closed_on__lte=end)
    lost = opps.filter(status=Opportunity.Status.LOST, closed_on__gte=start, closed_on__lte=end)
    created = opps.filter(created_on__gte=start, created_on__lte=end)

    def total(qs) -> dict:
        agg = qs.order_by().aggregate(amount=Sum("amount"))
        return {"count": qs.count(), "amount": _money(agg["amount"])}

    regs = DealRegistration.objects.for_org(org).filter(
        partnership=partnership, submitted_at__date__gte=start, submitted_at__date__lte=end
    )
    by_status = Counter(regs.values_list("status", flat=True))
    labels = dict(DealRegistration.Status.choices)
    top = won.select_related("account").order_by("-amount", "id")[:10]
    return {
        "currency": org.currency,
        "open": total(open_),
        "won": total(won),
        "lost": total(lost),
        "created": total(created),
        "won_deals": [
            {
                "name": o.name,
                "account": o.account.name,
                "amount": _money(o.amount),
                "currency": o.currency,
                "closed_on": o.closed_on.isoformat() if o.closed_on else "",
            }
            for o in top
        ],
        "registrations": [
            {"status": str(labels.get(status, status)), "count": count} for status, count in sorted(by_status.items())
        ],
        "registrations_total": sum(by_status.values()),
    }


def _credit_section(org, partnership, start, end) -> list[dict]:
    rows = (
        CreditAllocation.objects.for_org(org)
        .filter(
            partnership=partnership,
            opportunity__status=Opportunity.Status.WON,
            opportunity__closed_on__gte=start,
            opportunity__closed_on__lte=end,
        )
        .order_by()
        .values("model")
        .annotate(amount=Sum("amount"))
        .order_by("model")
    )
    return [{"model": r["model"], "amount": _money(r["amount"])} for r in rows]


def _tacam_section(org, partnership) -> dict:
    from reports.services import sharing_for

    snap = score_selectors.latest_for(org=org, partnership_ids=[partnership.pk]).get(partnership.pk)
    sharing = sharing_for(org=org)
    if snap is None:
        return {"as_of": "", "elements": [], "overall": None, "shared": list(sharing.shared_elements or [])}
    targets = score_selectors.targets_for(org=org, partnership_ids=[partnership.pk]).get(partnership.pk, {})
    peer = score_selectors.peer_averages(org=org, groups=[(snap.program_id, snap.tier_id)]).get(
        (snap.program_id, snap.tier_id), {}
    )
    return {
        "as_of": snap.as_of.isoformat(),
        "overall": _num(snap.overall),
        "share_overall": sharing.share_overall,
        "shared": list(sharing.shared_elements or []),
        "elements": [
            {
                "key": e,
                "label": str(score_selectors.ELEMENT_LABELS[e]),
                "value": _num(getattr(snap, e)),
                "target": _num(targets.get(e)),
                "peer": _num(peer.get(e)),
            }
            for e in ELEMENTS
        ],
    }


def _benchmark_section(org, partnership) -> list[dict]:
    from reports.benchmarks.selectors import partnership_positions

    rows = partnership_positions(org=org, partnership_ids=[partnership.pk], dimension="program").get(partnership.pk, [])
    return [
        {
            "metric": str(getattr(r["metric"], "label", r["metric"])),
            "value": _num(r["value"]),
            "rank": _num(r["rank"]),
            "band": str(r["band"] or ""),
            "peers": r["peers"],
            "group": str(r["group"]),
        }
        for r in rows[:LIST_LIMIT]
    ]


def _meetings_section(org, partnership, start, end) -> list[dict]:
    meetings = Meeting.objects.for_org(org).filter(partnership=partnership, date__gte=start, date__lte=end)
    return [
        {
            "date": m.date.isoformat(),
            "kind": m.get_kind_display(),
            "title": str(m),
            "decisions": m.decision_list,
        }
        for m in meetings.order_by("date", "id")[:LIST_LIMIT]
    ]


def _actions_section(org, partnership) -> list[dict]:
    open_ = Suggestion.objects.for_org(org).filter(partnership=partnership, status=Suggestion.Status.OPEN)
    return [
        {"title": s.title, "detail": s.detail, "side": s.side, "priority": s.priority, "rule": s.rule}
        for s in open_.order_by("-priority", "id")[:10]
    ]


def _next_period_section(org, partnership, start, end) -> dict:
    next_start, next_end = _next_period(start, end)
    upcoming = (
        Activity.objects.for_org(org)
        .filter(plan__partnership=partnership, due_date__gte=next_start, due_date__lte=next_end)
        .exclude(status__in=[Activity.Status.DONE, Activity.Status.CANCELLED])
        .order_by("due_date", "id")
    )
    plans = Plan.objects.for_org(org).filter(
        partnership=partnership, period_end__gte=next_start, period_start__lte=next_end
    )
    plans = plans.filter(Q(status=Plan.Status.PROPOSED) | Q(status=Plan.Status.DRAFT) | Q(period_start__gte=next_start))
    return {
        "start": next_start.isoformat(),
        "end": next_end.isoformat(),
        "activities": [
            {"title": a.title, "due": a.due_date.isoformat(), "side": a.owner_side} for a in upcoming[:LIST_LIMIT]
        ],
        "plans": [{"name": p.name, "status": p.get_status_display()} for p in plans.order_by("period_start")[:10]],
    }


def pack_snapshot(
    *, org: Organization, partnership: Partnership, period_start: datetime.date, period_end: datetime.date, label: str
) -> dict:
    """Everything a QBR pack shows, read from live data now, as JSON-ready values.

    Sections: plans with key results (progress = plans.rules.kr_progress), activities done in the period
    and late now, pipeline (open now, won/lost/created in the period) and deal registrations submitted in
    the period, attribution credit on deals won in the period per model, the latest TACAM scores with
    targets and the program/tier peer average, benchmark positions in the program, meetings held in the
    period with their decisions, open next best actions, and the next period's proposals (activities
    due in it, plans drafted or proposed for it). A bounded number of queries per plan.
    """
    today = timezone.localdate()
    partner = partnership.partner
    return {
        "version": 1,
        "partner": partner.name,
        "program": partnership.program.name,
        "tier": partnership.tier.name if partnership.tier_id else "",
        "period": {"start": period_start.isoformat(), "end": period_end.isoformat(), "label": label},
        "as_of": today.isoformat(),
        "plans": _plans_section(org, partnership, period_start, period_end),
        "activities": _activities_section(org, partnership, period_start, period_end, today),
        "pipeline": _pipeline_section(org, partnership, period_start, period_end),
        "credit": _credit_section(org, partnership, period_start, period_end),
        "tacam": _tacam_section(org, partnership),
        "benchmarks": _benchmark_section(org, partnership),
        "meetings": _meetings_section(org, partnership, period_start, period_end),
        "actions": _actions_section(org, partnership),
        "next_period": _next_period_section(org, partnership, period_start, period_end),
    }


def partner_view(snapshot: dict) -> dict:
    """What partner people see of a pack: TACAM elements the vendor shares, and actions meant for them."""
    view = dict(snapshot)
    tacam = dict(snapshot.get("tacam") or {})
    shared = set(tacam.get("shared") or [])
    tacam["elements"] = [e for e in tacam.get("elements", []) if e["key"] in shared]
    if not tacam.get("share_overall"):
        tacam["overall"] = None
    view["tacam"] = tacam
    view["actions"] = [a for a in snapshot.get("actions", []) if a.get("side") in ("partner", "both")]
    return view


def as_json(value: dict) -> dict:
    """Plain JSON: any Decimal, date or lazy translation a selector hands over becomes a string."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


# --- writes ----------------------------------------------------------------------------------------


@transaction.atomic
def pack_generate(
    *,
    org: Organization,
    actor: Actor,
    partnership: Partnership,
    period_start: datetime.date,
    period_end: datetime.date,
    label: str,
    side: str = "vendor",
) -> QbrPack:
    """Build the snapshot from live data and store it as a new pack (older packs stay as they were).
    Audited without the snapshot itself (it is the row's content, not a change)."""
    pack = QbrPack(
        organization=org,
        partnership=partnership,
        period_start=period_start,
        period_end=period_end,
        period_label=label[:40],
        snapshot=as_json(
            pack_snapshot(
                org=org, partnership=partnership, period_start=period_start, period_end=period_end, label=label
            )
        ),
        generated_at=timezone.now(),
        generated_by=actor if isinstance(actor, User) else None,
        generated_side=side,
    )
    pack.full_clean()
    pack.save()
    audit_create(org=org, actor=actor, obj=pack, exclude=("snapshot",))
    return pack


def pack_request(
    *,
    org: Organization,
    actor: Actor,
    partnership: Partnership,
    period_start: datetime.date,
    period_end: datetime.date,
    label: str,
    side: str = "vendor",
) -> Job:
    """Queue the pack's generation (a `pom.jobs` job on the heavy queue); the page polls the job."""
    from reports.packs_tasks import heavy_qbr_pack

    return jobs.job_request(
        org=org,
        kind=JOB_KIND,
        key=f"{partnership.pk}:{label}",
        task=heavy_qbr_pack,
        actor=actor,
        label=_("QBR pack %(period)s for %(partner)s") % {"period": label, "partner": partnership.partner.name},
        params={
            "partnership_id": partnership.pk,
            "start": period_start.isoformat(),
            "end": period_end.isoformat(),
            "label": label,
            "side": side,
        },
    )


def pack_generate_body(*, job: Job, progress: jobs.Progress) -> dict:
    """The job body: generate the pack the job's params describe; returns {"pack_id": …}."""
    org = job.organization
    params = job.params
    partnership = (
        Partnership.objects.for_org(org)
        .select_related("partner", "program", "tier")
        .filter(pk=params["partnership_id"])
        .first()
    )
    if partnership is None:  # deleted since requested
        return {"pack_id": None}
    progress.update(message=_("Reading the period's data"))
    pack = pack_generate(
        org=org,
        actor=job.requested_by,
        partnership=partnership,
        period_start=datetime.date.fromisoformat(params["start"]),
        period_end=datetime.date.fromisoformat(params["end"]),
        label=params["label"],
        side=params.get("side", "vendor"),
    )
    return {"pack_id": pack.pk}


# --- reads -----------------------------------------------------------------------------------------


def pack_list(*, org: Organization, partnership_ids=None):
    """Packs newest first, with the partnership and the generator in the same query."""
    packs = QbrPack.objects.for_org(org).select_related("partnership__partner", "partnership__program", "generated_by")
    if partnership_ids is not None:
        packs = packs.filter(partnership_id__in=list(partnership_ids))
    return packs.defer("snapshot")


def pack_get(*, org: Organization, pk, partnership_ids=None) -> QbrPack | None:
    packs = QbrPack.objects.for_org(org).select_related("partnership__partner", "partnership__program", "generated_by")
    if partnership_ids is not None:
        packs = packs.filter(partnership_id__in=list(partnership_ids))
    return packs.filter(pk=pk).first()


def pack_jobs(*, org: Organization, partnership_ids) -> list[Job]:
    """Pack generations still queued or running for these partnerships (None: all of the organization's),
    what the list page polls."""
    active = Job.objects.for_org(org).filter(kind=JOB_KIND, status__in=Job.ACTIVE).order_by("-created_at")[:20]
    if partnership_ids is None:
        return list(active)
    ids = {int(p) for p in partnership_ids}
    return [j for j in active if j.params.get("partnership_id") in ids]


def pack_job(*, org: Organization, pk, partnership_ids) -> Job | None:
    job = Job.objects.for_org(org).filter(kind=JOB_KIND, pk=pk).first()
    if job is None or job.params.get("partnership_id") not in {int(p) for p in partnership_ids}:
        return None
    return job
