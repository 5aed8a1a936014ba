"""Next best actions: refresh suggestions from the rules, and what people do with them.

`refresh(org=, workspace_ids=, today=)` runs every rule switched on over one batch of facts and, in a
fixed number of queries:
1. keeps one open (or snoozed) suggestion per rule and target (a partial unique constraint), updating
   its priority and evidence;
2. creates a suggestion only when there is no open one and the last one people closed (dismissed or
   accepted) had a different evidence fingerprint: a dismissed suggestion comes back only when its
   evidence changed;
3. marks "resolved" the open ones whose rule no longer fires; reopens snoozed ones whose date passed.

`accept` turns a suggestion into an activity on the plan (owner side and assignee preset), `dismiss`
records the reason, `snooze` hides it until a date. All audited, and checked through the caller's access:
partner people act only on suggestions addressed to their side of their own workspace.
"""

from __future__ import annotations

import datetime
import hashlib
import json

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from plans.models import Plan
from plans.services import activity_create
from pom.audit import Actor, audit_action
from pom.models import Organization, User
from workspaces import digest_facts, digest_services, nba_rules
from workspaces.models import Suggestion, Workspace
from workspaces.selectors import WorkspaceAccess

CLOSED = (Suggestion.Status.DISMISSED, Suggestion.Status.ACCEPTED)
LIVE = (Suggestion.Status.OPEN, Suggestion.Status.SNOOZED)


def fingerprint(rule_code: str, evidence: dict) -> str:
    """The evidence a rule decided from, hashed: equal evidence, equal fingerprint."""
    return hashlib.sha256(json.dumps([rule_code, evidence], sort_keys=True, default=str).encode()).hexdigest()


def proposals_for(*, facts_by_ws: dict, today: datetime.date, disabled: set[str]) -> dict:
    """{(rule, target_type, target_id): (rule, Proposal)} over a batch of facts, first one wins."""
    out = {}
    for fn in nba_rules.all_rules():
        if fn.code in disabled:
            continue
        for facts in facts_by_ws.values():
            for proposal in fn(facts, today):
                out.setdefault((fn.code, proposal.target_type, proposal.target_id), (fn, proposal))
    return out


def refresh(*, org: Organization, workspace_ids, today: datetime.date | None = None) -> dict:
    """Bring the suggestions of these workspaces' partnerships up to date (see the module docstring)."""
    today = today or timezone.localdate()
    conf = digest_services.settings_for(org=org)
    facts_by_ws = digest_facts.gather(org=org, workspace_ids=workspace_ids, today=today)
    partnership_ids = {p["id"] for facts in facts_by_ws.values() for p in facts["partnerships"]}
    proposals = proposals_for(facts_by_ws=facts_by_ws, today=today, disabled=set(conf.disabled_rules))
    existing = list(
        Suggestion.objects.for_org(org).filter(partnership_id__in=partnership_ids).order_by("decided_at", "id")
    )
    live = {(s.rule, s.target_type, s.target_id): s for s in existing if s.status in LIVE}
    last_closed = {}
    for s in existing:
        if s.status in CLOSED:
            last_closed[(s.rule, s.target_type, s.target_id)] = s
    create, update, resolve, reopen = [], [], [], []
    for key, (fn, p) in proposals.items():
        fp = fingerprint(fn.code, p.evidence)
        current = live.get(key)
        if current is not None:
            if current.status == Suggestion.Status.SNOOZED and current.snoozed_until and current.snoozed_until <= today:
                current.status = Suggestion.Status.OPEN
                reopen.append(current)
            if current.fingerprint != fp or current.priority != p.priority:
                current.fingerprint, current.priority = fp, p.priority
                current.detail, current.evidence = p.detail[:500], p.evidence_links
                update.append(current)
            continue
        closed = last_closed.get(key)
        if closed is not None and closed.fingerprint == fp:
            continue
        create.append(
            Suggestion(
                organization=org,
                partnership_id=p.partnership_id,
                plan_id=p.plan_id,
                rule=fn.code,
                target_type=p.target_type,
                target_id=p.target_id,
                side=p.side,
                priority=p.priority,
                title=p.title[:300],
                detail=p.detail[:500],
                evidence=p.evidence_links,
                fingerprint=fp,
                activity_title=p.activity_title[:200],
                owner_side=p.owner_side,
                assignee_id=p.assignee_id,
            )
        )
    for key, s in live.items():
        if key not in proposals and s.partnership_id in partnership_ids:
            s.status = Suggestion.Status.RESOLVED
            resolve.append(s)
    with transaction.atomic():
        Suggestion.objects.bulk_create(create, ignore_conflicts=True)
        if update or reopen:
            Suggestion.objects.bulk_update(
                list({s.pk: s for s in update + reopen}.values()),
                ["fingerprint", "priority", "detail", "evidence", "status"],
            )
        if resolve:
            Suggestion.objects.for_org(org).filter(pk__in=[s.pk for s in resolve], status__in=LIVE).update(
                status=Suggestion.Status.RESOLVED, decided_at=timezone.now()
            )
    return {"created": len(create), "updated": len(update), "resolved": len(resolve)}


def refresh_all(*, org: Organization, today: datetime.date | None = None, chunk: int = 250) -> dict:
    """Refresh the suggestions of every default workspace of the organization, chunk by chunk."""
    ids = list(Workspace.objects.for_org(org).filter(is_default=True).order_by("pk").values_list("pk", flat=True))
    totals = {"created": 0, "updated": 0, "resolved": 0}
    for start in range(0, len(ids), chunk):
        for key, value in refresh(org=org, workspace_ids=ids[start : start + chunk], today=today).items():
            totals[key] += value
    return totals


# What people do ---------------------------------------------------------------------------------


def _check(access: WorkspaceAccess | None, suggestion: Suggestion, *, org: Organization) -> None:
    if suggestion.organization_id != org.pk:
        raise PermissionDenied(_("Not a suggestion of this organization."))
    if access is None:
        return  # a vendor page: the caller checked the organization role
    from workspaces.selectors import workspace_partnership_ids

    if suggestion.partnership_id not in set(workspace_partnership_ids(workspace=access.workspace)):
        raise PermissionDenied(_("This suggestion is not about this workspace."))
    if not access.can_edit:
        raise PermissionDenied(_("Viewers cannot act on suggestions."))
    if not access.is_vendor and suggestion.side not in ("partner", "both"):
        raise PermissionDenied(_("This suggestion is addressed to the vendor side."))


def _lock_open(org: Organization, suggestion: Suggestion) -> Suggestion:
    locked = Suggestion.objects.for_org(org).select_for_update().get(pk=suggestion.pk)
    if locked.status not in LIVE:
        raise ValidationError({"status": _("This suggestion is already %(s)s.") % {"s": locked.get_status_display()}})
    return locked


@transaction.atomic
def accept(*, org: Organization, actor: Actor, suggestion: Suggestion, access: WorkspaceAccess | None = None):
    """Accept: the suggested activity is added to the plan (owner side and assignee preset). Audited."""
    _check(access, suggestion, org=org)
    s = _lock_open(org, suggestion)
    plan = (
        Plan.objects.for_org(org).filter(pk=s.plan_id).exclude(status=Plan.Status.CLOSED).first() if s.plan_id else None
    )
    if plan is None:
        plan = (
            Plan.objects.for_org(org)
            .filter(partnership_id=s.partnership_id)
            .exclude(status=Plan.Status.CLOSED)
            .order_by("-period_start", "-id")
            .first()
        )
    if plan is None:
        raise ValidationError(
            {"plan": _("This partnership has no open plan to add the activity to: create one first.")}
        )
    due = min(max(timezone.localdate() + datetime.timedelta(days=14), plan.period_start), plan.period_end)
    fields = {
        "owner_side": s.owner_side if s.owner_side in ("vendor", "partner", "both") else "vendor",
        "due_date": due,
    }
    if s.assignee_id:
        fields["assignee"] = s.assignee
    try:
        with transaction.atomic():
            activity = activity_create(
                org=org, actor=actor, plan=plan, title=s.activity_title or s.title[:200], description=s.detail, **fields
            )
    except ValidationError as exc:
        if "assignee" not in getattr(exc, "message_dict", {}):
            raise
        fields.pop("assignee")  # the preset person left: keep the activity, unassigned
        activity = activity_create(
            org=org, actor=actor, plan=plan, title=s.activity_title or s.title[:200], description=s.detail, **fields
        )
    s.status, s.activity, s.decided_at = Suggestion.Status.ACCEPTED, activity, timezone.now()
    s.decided_by = actor if isinstance(actor, User) else None
    s.save(update_fields=["status", "activity", "decided_by", "decided_at", "updated_at"])
    audit_action(org=org, actor=actor, obj=s, verb="suggestion.accepted", changes={"activity": activity.pk})
    return s


@transaction.atomic
def dismiss(
    *, org: Organization, actor: Actor, suggestion: Suggestion, reason: str, access: WorkspaceAccess | None = None
):
    """Dismiss with a reason; it returns only when its evidence changes. Audited."""
    _check(access, suggestion, org=org)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why you dismiss it: the reason helps tune the rule.")})
    s = _lock_open(org, suggestion)
    s.status, s.dismiss_reason = Suggestion.Status.DISMISSED, reason.strip()[:300]
    s.decided_by, s.decided_at = (actor if isinstance(actor, User) else None), timezone.now()
    s.save(update_fields=["status", "dismiss_reason", "decided_by", "decided_at", "updated_at"])
    audit_action(org=org, actor=actor, obj=s, verb="suggestion.dismissed", changes={"reason": s.dismiss_reason})
    return s


@transaction.atomic
def snooze(*, org: Organization, actor: Actor, suggestion: Suggestion, until, access: WorkspaceAccess | None = None):
    """Hide until a date (tomorrow at the earliest, 90 days at most). Audited."""
    _check(access, suggestion, org=org)
    today = timezone.localdate()
    if not isinstance(until, datetime.date) or until <= today or until > today + datetime.timedelta(days=90):
        raise ValidationError({"until": _("Choose a date between tomorrow and 90 days from now.")})
    s = _lock_open(org, suggestion)
    s.status, s.snoozed_until = Suggestion.Status.SNOOZED, until
    s.save(update_fields=["status", "snoozed_until", "updated_at"])
    audit_action(org=org, actor=actor, obj=s, verb="suggestion.snoozed", changes={"until": until.isoformat()})
    return s


# The refresh as a background job (pom.jobs) --------------------------------------------------------

JOB_KIND = "workspaces.nba"


def refresh_request(*, org: Organization, actor: Actor = None):
    """Ask for a refresh of the organization's next best actions (debounced into a queued one)."""
    from pom import jobs
    from workspaces.tasks import heavy_nba_refresh

    return jobs.job_request(
        org=org, kind=JOB_KIND, task=heavy_nba_refresh, actor=actor, label=_("Refresh the next best actions")
    )


def refresh_body(*, job, progress) -> dict:
    org = Organization.objects.get(pk=job.organization_id)
    progress.update(done=0, total=1, message=_("Running the rules"))
    return refresh_all(org=org)


def schedule_refresh() -> int:
    """Beat (daily): one refresh job per organization with workspaces. Cross-tenant by design: it only
    lists organizations."""
    count = 0
    for org in Organization.objects.filter(pk__in=Workspace.objects.values("organization_id")):
        with transaction.atomic():
            refresh_request(org=org)
        count += 1
    return count
