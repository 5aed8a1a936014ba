"""Reads on plans: set-based, a bounded number of queries whatever the plan size.

Computed figures (progress, status, grade, forecast, health) come from `plans.rules` and are attached
as attributes on the returned objects, so pages, API and other apps show the same numbers.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

import plotly.graph_objects as go
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from partners.models import Partner, Partnership
from plans import rules
from plans.models import Activity, CheckIn, KeyResult, Meeting, Objective, Plan, PlanTemplate, PlanVersion
from pom.charts import figure_html
from pom.models import Organization, User

FREQUENCY_DELTAS = {key: datetime.timedelta(days=days) for key, days in rules.FREQUENCY_DAYS.items()}


# --- computed attributes -------------------------------------------------------------------------


def kr_period(kr: KeyResult, plan: Plan) -> tuple[datetime.date, datetime.date]:
    return kr.start_date or plan.period_start, kr.due_date or plan.period_end


def annotate_key_result(
    kr: KeyResult, *, plan: Plan, today: datetime.date, now: datetime.datetime, checkins: list | None = None
) -> KeyResult:
    """Attach .progress, .grade, .status (+ .status_label, .status_badge), .is_fresh, .forecast, .period_start,
    .period_end to a key result. `checkins` (ordered) enables the forecast."""
    start, end = kr_period(kr, plan)
    kr.period_start, kr.period_end = start, end
    kr.progress = rules.kr_progress(unit=kr.unit, baseline=kr.baseline, target=kr.target, current=kr.current_value)
    kr.grade = rules.grade(kr.progress)
    kr.status = rules.kr_status(
        progress=kr.progress, start=start, end=end, today=today, has_checkin=kr.last_checkin_at is not None
    )
    kr.status_label = rules.STATUS_LABELS[kr.status]
    kr.status_badge = rules.STATUS_BADGES[kr.status]
    kr.is_fresh = rules.checkin_is_fresh(frequency=kr.update_frequency, last_checkin_at=kr.last_checkin_at, now=now)
    kr.forecast = None
    if checkins is not None and kr.unit != KeyResult.Unit.BOOLEAN:
        points = [(timezone.localdate(c.created_at), c.value) for c in checkins]
        kr.forecast = rules.forecast(points=points, end=end)
        if kr.forecast is not None and kr.forecast < 0:
            kr.forecast = Decimal(0)  # values are never negative: a falling trend bottoms out at zero
    return kr


def _annotate_activity(activity: Activity, today: datetime.date) -> Activity:
    activity.is_overdue = rules.activity_is_overdue(status=activity.status, due_date=activity.due_date, today=today)
    return activity


def plan_tree(*, org: Organization, plan: Plan | int) -> Plan:
    """One plan with everything its page shows, in a fixed number of queries.

    Returns the plan with:
    - `.objective_list`: objectives in order, each with `.kr_list` (key results with `.progress`, `.grade`,
      `.status`, `.status_label`, `.status_badge`, `.forecast`, `.is_fresh`, `.checkin_list`),
      `.activity_list` (activities with `.is_overdue`) and `.progress` (weighted);
    - `.kr_list`, `.activity_list` (all), `.unlinked_activities` (no objective);
    - `.recent_checkins`: the 15 latest check-ins as {"checkin", "kr"}, newest first;
    - `.progress` (weighted over objectives), `.health` (rules.plan_health), `.overdue_count`, `.elapsed`.
    """
    pk = plan.pk if isinstance(plan, Plan) else plan
    plan = (
        Plan.objects.for_org(org)
        .select_related(
            "partnership__partner",
            "partnership__program",
            "owner",
            "vendor_approved_by",
            "partner_approved_by",
            "template",
        )
        .prefetch_related(
            Prefetch("objectives", queryset=Objective.objects.for_org(org).order_by("order", "id")),
            Prefetch(
                "key_results",
                queryset=KeyResult.objects.for_org(org)
                .select_related("responsible")
                .prefetch_related(
                    Prefetch("checkins", queryset=CheckIn.objects.for_org(org).order_by("created_at", "id"))
                )
                .order_by("order", "id"),
            ),
            Prefetch(
                "activities",
                queryset=Activity.objects.for_org(org)
                .select_related("assignee", "meeting")
                .order_by("due_date", "order", "id"),
            ),
        )
        .get(pk=pk)
    )
    _compute_tree(plan, today=timezone.localdate(), now=timezone.now())
    return plan


def _compute_tree(plan: Plan, *, today: datetime.date, now: datetime.datetime) -> None:
    objectives = list(plan.objectives.all())
    krs_by_objective: dict[int, list[KeyResult]] = defaultdict(list)
    acts_by_objective: dict[int | None, list[Activity]] = defaultdict(list)
    plan.kr_list = []
    for kr in plan.key_results.all():
        kr.checkin_list = list(kr.checkins.all())
        annotate_key_result(kr, plan=plan, today=today, now=now, checkins=kr.checkin_list)
        krs_by_objective[kr.objective_id].append(kr)
        plan.kr_list.append(kr)
    history = [(c, kr) for kr in plan.kr_list for c in kr.checkin_list]
    history.sort(key=lambda pair: (pair[0].created_at, pair[0].pk), reverse=True)
    plan.recent_checkins = [{"checkin": c, "kr": kr} for c, kr in history[:15]]
    plan.activity_list = [_annotate_activity(a, today) for a in plan.activities.all()]
    titles = {o.pk: o.title for o in objectives}
    for activity in plan.activity_list:
        activity.objective_title = titles.get(activity.objective_id, "")
        acts_by_objective[activity.objective_id].append(activity)
    for objective in objectives:
        objective.kr_list = krs_by_objective[objective.pk]
        objective.activity_list = acts_by_objective[objective.pk]
        objective.progress = rules.weighted_progress((kr.progress, kr.weight) for kr in objective.kr_list)
    plan.objective_list = objectives
    plan.unlinked_activities = acts_by_objective[None]
    plan.progress = rules.weighted_progress((o.progress, o.weight) for o in objectives)
    started = [kr for kr in plan.kr_list if kr.period_start <= today]
    plan.health = rules.plan_health(
        kr_statuses=[kr.status for kr in plan.kr_list],
        kr_fresh=[kr.is_fresh for kr in started],
        activities=[
            (a.status, a.due_date, timezone.localdate(a.completed_at) if a.completed_at else None)
            for a in plan.activity_list
        ],
        today=today,
    )
    plan.overdue_count = sum(a.is_overdue for a in plan.activity_list)
    plan.elapsed = rules.elapsed_share(start=plan.period_start, end=plan.period_end, today=today)


def rules_explained() -> list[dict]:
    """The rules as written in `plans.rules` docstrings, for the "How is this computed?" panel."""
    titles = {
        "kr_progress": "Progress of a key result",
        "grade": "OKR grade",
        "weighted_progress": "Objective and plan progress",
        "kr_status": "Key result status",
        "activity_is_overdue": "Overdue activities",
        "checkin_is_fresh": "Up to date",
        "plan_health": "Plan health",
        "forecast": "Forecast",
    }
    return [{"title": titles[fn.__name__], "text": " ".join((fn.__doc__ or "").split())} for fn in rules.RULES]


# --- lists ---------------------------------------------------------------------------------------


def plan_list(*, org: Organization) -> QuerySet[Plan]:
    """All plans of the organization with what a list row shows (partner, program, owner)."""
    return (
        Plan.objects.for_org(org)
        .select_related("partnership__partner", "partnership__program", "owner")
        .annotate(
            kr_count=Count("key_results", distinct=True),
        )
        .order_by("-period_start", "name", "id")
    )


def plans_for_partnerships(*, org: Organization, partnership_ids) -> QuerySet[Plan]:
    """Plans on these partnerships (the plans a workspace shows), newest period first."""
    return plan_list(org=org).filter(partnership_id__in=list(partnership_ids))


def plans_for_partner(*, org: Organization, partner: Partner) -> QuerySet[Plan]:
    return plan_list(org=org).filter(partnership__partner=partner)


def behind_plan_ids(*, org: Organization, plan_ids=None) -> set[int]:
    """Ids of open plans with at least one key result behind, computed in one query."""
    today, now = timezone.localdate(), timezone.now()
    krs = (
        KeyResult.objects.for_org(org)
        .exclude(plan__status=Plan.Status.CLOSED)
        .select_related("plan")
        .only(
            "id",
            "plan_id",
            "unit",
            "baseline",
            "target",
            "current_value",
            "start_date",
            "due_date",
            "update_frequency",
            "last_checkin_at",
            "plan__period_start",
            "plan__period_end",
        )
    )
    if plan_ids is not None:
        krs = krs.filter(plan_id__in=plan_ids)
    behind = set()
    for kr in krs:
        annotate_key_result(kr, plan=kr.plan, today=today, now=now)
        if kr.status == "behind":
            behind.add(kr.plan_id)
    return behind


def plan_metrics(*, org: Organization, plans: list[Plan]) -> list[Plan]:
    """Attach .progress, .status_counts, .behind, .overdue_count and .health_score to a page of plans,
    with one query for their key results and one for their activities."""
    today, now = timezone.localdate(), timezone.now()
    ids = [p.pk for p in plans]
    by_id = {p.pk: p for p in plans}
    objective_weights = dict(Objective.objects.for_org(org).filter(plan_id__in=ids).values_list("id", "weight"))
    per_objective: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))
    statuses: dict[int, list[str]] = defaultdict(list)
    fresh: dict[int, list[bool]] = defaultdict(list)
    for kr in KeyResult.objects.for_org(org).filter(plan_id__in=ids):
        plan = by_id[kr.plan_id]
        annotate_key_result(kr, plan=plan, today=today, now=now)
        per_objective[kr.plan_id][kr.objective_id].append((kr.progress, kr.weight))
        statuses[kr.plan_id].append(kr.status)
        if kr.period_start <= today:
            fresh[kr.plan_id].append(kr.is_fresh)
    activities: dict[int, list] = defaultdict(list)
    for status, due_date, completed_at, plan_id in (
        Activity.objects.for_org(org)
        .filter(plan_id__in=ids)
        .values_list("status", "due_date", "completed_at", "plan_id")
    ):
        activities[plan_id].append((status, due_date, timezone.localdate(completed_at) if completed_at else None))
    for plan in plans:
        objectives = per_objective[plan.pk]
        plan.progress = rules.weighted_progress(
            (rules.weighted_progress(items), objective_weights.get(objective_id, Decimal(1)))
            for objective_id, items in objectives.items()
        )
        plan.status_counts = {s: statuses[plan.pk].count(s) for s in ("on_track", "at_risk", "behind", "complete")}
        plan.behind = plan.status_counts["behind"] > 0 and plan.status != Plan.Status.CLOSED
        plan.overdue_count = sum(
            rules.activity_is_overdue(status=s, due_date=d, today=today) for s, d, _ in activities[plan.pk]
        )
        plan.health_score = rules.plan_health(
            kr_statuses=statuses[plan.pk], kr_fresh=fresh[plan.pk], activities=activities[plan.pk], today=today
        )["score"]
    return plans


def attention_items(*, org: Organization, partnership_ids, user: User | None = None) -> dict:
    """What needs doing on these partnerships' open plans:
    {"overdue_activities": [Activity], "checkins_due": [KeyResult]}.

    checkins_due are key results whose period has started and whose last check-in is older than their
    update frequency (or missing). With `user`, only items assigned to that user or owned by the partner
    side ("partner" / "both").
    """
    today, now = timezone.localdate(), timezone.now()
    ids = list(partnership_ids)
    activities = (
        Activity.objects.for_org(org)
        .filter(plan__partnership_id__in=ids, status__in=rules.OPEN_ACTIVITY_STATUSES, due_date__lt=today)
        .exclude(plan__status=Plan.Status.CLOSED)
        .select_related("plan__partnership__partner", "assignee")
        .order_by("due_date", "id")
    )
    stale = Q(last_checkin_at__isnull=True)
    for frequency, delta in FREQUENCY_DELTAS.items():
        stale |= Q(update_frequency=frequency, last_checkin_at__lt=now - delta)
    krs = (
        KeyResult.objects.for_org(org)
        .filter(plan__partnership_id__in=ids)
        .filter(stale)
        .filter(Q(start_date__lte=today) | Q(start_date__isnull=True, plan__period_start__lte=today))
        .exclude(plan__status=Plan.Status.CLOSED)
        .select_related("plan__partnership__partner", "responsible", "plan")
        .order_by("last_checkin_at", "id")
    )
    if user is not None:
        activities = activities.filter(Q(assignee=user) | Q(owner_side__in=["partner", "both"]))
        krs = krs.filter(Q(responsible=user) | Q(responsible_side__in=["partner", "both"]))
    due = []
    for kr in krs:
        annotate_key_result(kr, plan=kr.plan, today=today, now=now)
        if kr.status != "complete":
            due.append(kr)
    return {"overdue_activities": [_annotate_activity(a, today) for a in activities], "checkins_due": due}


def template_list(*, org: Organization) -> QuerySet[PlanTemplate]:
    return PlanTemplate.objects.for_org(org).order_by("-is_default", "name")


def meeting_list(*, org: Organization, partnership: Partnership | None = None) -> QuerySet[Meeting]:
    """Meetings, newest first, with attendees and follow-ups prefetched."""
    qs = (
        Meeting.objects.for_org(org)
        .select_related("partnership__partner", "partnership__program", "plan", "created_by")
        .prefetch_related("vendor_attendees", "partner_attendees", "follow_ups__assignee")
        .order_by("-date", "-id")
    )
    if partnership is not None:
        qs = qs.filter(partnership=partnership)
    return qs


def partnership_choices(*, org: Organization) -> QuerySet[Partnership]:
    """Partnerships a plan can be created on (not ended or suspended)."""
    return (
        Partnership.objects.for_org(org)
        .exclude(status__in=[Partnership.Status.ENDED, Partnership.Status.SUSPENDED])
        .select_related("partner", "program")
        .order_by("partner__name", "program__name")
    )


def checkin_list(*, org: Organization) -> QuerySet[CheckIn]:
    return CheckIn.objects.for_org(org).select_related("key_result", "created_by").order_by("-created_at", "-id")


# --- versions ------------------------------------------------------------------------------------


def plan_snapshot(*, plan: Plan) -> dict:
    """What both sides agree on, as JSON: header, objectives, key result definitions, activities.
    Values that move during the plan (check-ins, activity status) are not part of the agreement."""
    org = plan.organization_id
    return {
        "plan": {
            "name": plan.name,
            "kind": plan.kind,
            "period_start": plan.period_start.isoformat(),
            "period_end": plan.period_end.isoformat(),
            "phases": list(plan.phases),
            "owner": plan.owner.display_name if plan.owner_id else "",
        },
        "objectives": {
            str(o["id"]): {**o, "weight": str(o["weight"])}
            for o in Objective.objects.for_org(org)
            .filter(plan=plan)
            .values("id", "title", "phase", "weight", "responsible_side")
        },
        "key_results": {
            str(k["id"]): {
                **k,
                "baseline": str(k["baseline"]),
                "target": None if k["target"] is None else str(k["target"]),
                "due_date": k["due_date"].isoformat() if k["due_date"] else None,
                "responsible": k["responsible__name"] or k["responsible__email"] or "",
            }
            for k in KeyResult.objects.for_org(org)
            .filter(plan=plan)
            .values(
                "id",
                "name",
                "objective_id",
                "unit",
                "direction",
                "baseline",
                "target",
                "due_date",
                "responsible_side",
                "responsible__name",
                "responsible__email",
            )
        },
        "activities": {
            str(a["id"]): {
                **a,
                "due_date": a["due_date"].isoformat() if a["due_date"] else None,
                "assignee": a["assignee__name"] or a["assignee__email"] or "",
            }
            for a in Activity.objects.for_org(org)
            .filter(plan=plan)
            .values("id", "title", "type", "owner_side", "due_date", "assignee__name", "assignee__email")
        },
    }


SECTION_LABELS = {"objectives": "Objective", "key_results": "Key result", "activities": "Activity"}
HIDDEN_DIFF_KEYS = {"id", "responsible__name", "responsible__email", "assignee__name", "assignee__email"}


def _label(section: str, row: dict) -> str:
    return row.get("title") or row.get("name") or "?"


def snapshot_diff(before: dict, after: dict) -> list[dict]:
    """Differences between two plan snapshots: [{"kind", "name", "change", "fields": [(field, old, new)]}]."""
    changes = []
    header_fields = [
        (k, before.get("plan", {}).get(k), v)
        for k, v in after.get("plan", {}).items()
        if before.get("plan", {}).get(k) != v
    ]
    if header_fields:
        changes.append({"kind": "Plan", "name": after["plan"]["name"], "change": "changed", "fields": header_fields})
    for section, label in SECTION_LABELS.items():
        old, new = before.get(section, {}), after.get(section, {})
        for key in new.keys() - old.keys():
            changes.append({"kind": label, "name": _label(section, new[key]), "change": "added", "fields": []})
        for key in old.keys() - new.keys():
            changes.append({"kind": label, "name": _label(section, old[key]), "change": "removed", "fields": []})
        for key in sorted(old.keys() & new.keys(), key=int):
            fields = [
                (field, old[key].get(field), value)
                for field, value in new[key].items()
                if field not in HIDDEN_DIFF_KEYS and old[key].get(field) != value
            ]
            if fields:
                changes.append(
                    {"kind": label, "name": _label(section, new[key]), "change": "changed", "fields": fields}
                )
    return changes


def latest_version(*, org: Organization, plan: Plan) -> PlanVersion | None:
    return PlanVersion.objects.for_org(org).filter(plan=plan).order_by("-number").first()


def plan_diff(*, org: Organization, plan: Plan) -> dict | None:
    """What changed since the last validated version: {"version", "changes"}; None if never validated."""
    version = latest_version(org=org, plan=plan)
    if version is None:
        return None
    return {"version": version, "changes": snapshot_diff(version.snapshot, plan_snapshot(plan=plan))}


# --- QBR: the plan as of a date ------------------------------------------------------------------


def plan_as_of(*, org: Organization, plan: Plan, as_of: datetime.date) -> list[dict]:
    """Each key result's value, progress and status on `as_of` (rebuilt from the check-ins made up to the
    end of that day) beside its value now. `plan` must come from `plan_tree` (no extra queries)."""
    rows = []
    for objective in plan.objective_list:
        for kr in objective.kr_list:
            then_checkins = [c for c in kr.checkin_list if timezone.localdate(c.created_at) <= as_of]
            value_then = then_checkins[-1].value if then_checkins else None
            progress_then = rules.kr_progress(unit=kr.unit, baseline=kr.baseline, target=kr.target, current=value_then)
            status_then = rules.kr_status(
                progress=progress_then,
                start=kr.period_start,
                end=kr.period_end,
                today=as_of,
                has_checkin=bool(then_checkins),
            )
            delta = None
            if kr.progress is not None and progress_then is not None:
                delta = kr.progress - progress_then
            rows.append(
                {
                    "objective": objective,
                    "kr": kr,
                    "value_then": value_then,
                    "progress_then": progress_then,
                    "status_then": status_then,
                    "status_then_label": rules.STATUS_LABELS[status_then],
                    "status_then_badge": rules.STATUS_BADGES[status_then],
                    "delta": delta,
                }
            )
    return rows


# --- charts --------------------------------------------------------------------------------------


def _figure_html(fig: go.Figure, *, height: int = 340) -> str:
    return figure_html(
        fig,
        height=height,
        margin={"l": 40, "r": 10, "t": 20, "b": 20},
        legend={"orientation": "h", "yanchor": "top", "y": -0.3, "x": 0},
    )


def plan_checkin_chart(*, plan: Plan) -> str | None:
    """Check-in history: progress of each key result over time (from `plan_tree`, no queries)."""
    traces = []
    for kr in plan.kr_list:
        if not kr.checkin_list or kr.target is None and kr.unit != KeyResult.Unit.BOOLEAN:
            continue
        xs = [timezone.localdate(c.created_at) for c in kr.checkin_list]
        ys = [
            float(rules.kr_progress(unit=kr.unit, baseline=kr.baseline, target=kr.target, current=c.value) or 0)
            for c in kr.checkin_list
        ]
        traces.append(go.Scatter(x=xs, y=ys, mode="lines+markers", name=kr.name[:40]))
    if not traces:
        return None
    # One figure from all its traces (adding them one by one re-validates the figure each time).
    fig = go.Figure(data=traces, layout={"yaxis": {"title": {"text": "progress %"}, "range": [0, 105]}})
    return _figure_html(fig, height=300 + 22 * len(traces))


def plan_vs_realised_chart(*, plan: Plan) -> str | None:
    """Plan versus realised: for each key result, where it should be today (share of its period elapsed)
    beside where it is (progress), from `plan_tree`, no queries."""
    krs = [kr for kr in plan.kr_list if kr.progress is not None]
    if not krs:
        return None
    today = timezone.localdate()
    names = [kr.name if len(kr.name) <= 22 else kr.name[:21] + "…" for kr in krs]
    planned = [float(rules.elapsed_share(start=kr.period_start, end=kr.period_end, today=today)) for kr in krs]
    realised = [float(kr.progress) for kr in krs]
    fig = go.Figure(
        [
            go.Bar(name="Planned by today", x=names, y=planned, marker_color="#c7d2fe"),
            go.Bar(name="Realised", x=names, y=realised, marker_color="#4f46e5"),
        ]
    )
    fig.update_layout(barmode="group")
    fig.update_yaxes(title="% of target", range=[0, 105])
    fig.update_xaxes(tickangle=-30)
    return _figure_html(fig, height=380)
