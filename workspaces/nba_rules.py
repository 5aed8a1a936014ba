"""Next-best-action rules: pure functions from one workspace's facts to suggestions.

The contract (also for rules other apps contribute as `<app>.nba_rules.RULES`, see pom/hooks.py):
- a rule is a function `rule(facts: dict, today: date) -> list[Proposal]`, with no database access;
- it carries `code` (unique, stable: it keys the suggestion rows and the organization's on/off switch)
  and `title`, set with the `@rule(code=, title=)` decorator;
- its docstring is its rationale, shown to people under "Why?" and on the rules page;
- each `Proposal` names its target, the side it is addressed to, a priority, evidence links and
  `evidence`, the values it was decided from: their fingerprint decides whether a dismissed
  suggestion may come back (only when the evidence changed).

`TACAM_PRACTICES` holds, per TACAM element, the practice the method recommends when that element is
the weakest; `tacam_weakest_element` is the rule that uses it, for `reports` to register once its
scores are in the facts (`facts["extra"]["reports"][<partnership id>]["tacam"]`).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext_lazy as _

from pom.hooks import app_modules

STALE_STEP_DAYS = 30
PLAN_VALIDATION_DAYS = 30
GOVERNANCE_DAYS = 92


@dataclass
class Proposal:
    target_type: str
    target_id: int
    partnership_id: int
    title: str
    side: str = "vendor"
    priority: int = 50
    detail: str = ""
    evidence_links: list[dict] = field(default_factory=list)
    evidence: dict = field(default_factory=dict)
    plan_id: int | None = None
    activity_title: str = ""
    owner_side: str = "vendor"
    assignee_id: int | None = None


def rule(*, code: str, title):
    def mark(fn):
        fn.code, fn.title = code, title
        return fn

    return mark


def _side(responsible_side: str) -> str:
    return "both" if responsible_side == "both" else responsible_side


def _partnership_owner(facts: dict, partnership_id: int):
    return next((p["owner_id"] for p in facts["partnerships"] if p["id"] == partnership_id), None)


@rule(code="kr_behind", title=_("Key result behind: plan a recovery activity"))
def kr_behind(facts: dict, today: datetime.date) -> list[Proposal]:
    """A key result whose progress trails the share of its period already gone by more than 25 points
    will not reach its target on its current course. Plan one concrete recovery activity now, owned by
    the side responsible for the key result, rather than waiting for the review."""
    out = []
    for kr in facts["key_results"]:
        if kr["status"] != "behind":
            continue
        out.append(
            Proposal(
                target_type="key_result",
                target_id=kr["id"],
                partnership_id=kr["partnership_id"],
                plan_id=kr["plan_id"],
                title=str(_("Plan a recovery activity for “%(kr)s”")) % {"kr": kr["name"]},
                detail=str(_("%(line)s, behind its expected progress.")) % {"line": _kr_text(kr)},
                side=_side(kr["responsible_side"]),
                priority=80,
                evidence_links=[{"label": kr["name"], "url": kr["url"]}],
                evidence={"realised": kr["realised"], "target": kr["target"], "status": kr["status"]},
                activity_title=str(_("Recovery plan for “%(kr)s”")) % {"kr": kr["name"]},
                owner_side="partner" if kr["responsible_side"] == "partner" else "vendor",
                assignee_id=kr["responsible_id"],
            )
        )
    return out


def _kr_text(kr: dict) -> str:
    return f"{kr['name']} = {kr['realised']} / {kr['target'] or '—'} ({kr['percent'] or 0} %)"


@rule(code="checkin_missing", title=_("No check-in within the key result's frequency: remind its owner"))
def checkin_missing(facts: dict, today: datetime.date) -> list[Proposal]:
    """A key result not updated within its update frequency (weekly 7 days, monthly 31, quarterly 92)
    makes every figure built on it stale: the plan looks better or worse than it is. Remind the person
    responsible to check in."""
    out = []
    for kr in facts["key_results"]:
        if not kr["started"] or kr["fresh"] or kr["status"] == "complete":
            continue
        out.append(
            Proposal(
                target_type="key_result",
                target_id=kr["id"],
                partnership_id=kr["partnership_id"],
                plan_id=kr["plan_id"],
                title=str(_("Remind %(who)s to check in on “%(kr)s”"))
                % {"who": kr["responsible"] or _("the owner"), "kr": kr["name"]},
                detail=str(_("Last check-in: %(when)s; expected %(freq)s."))
                % {"when": kr["last_checkin"][:10] or _("never"), "freq": kr["frequency"]},
                side=_side(kr["responsible_side"]),
                priority=55,
                evidence_links=[{"label": kr["name"], "url": kr["url"]}],
                evidence={"last_checkin": kr["last_checkin"]},
                activity_title=str(_("Check in on “%(kr)s”")) % {"kr": kr["name"]},
                owner_side="partner" if kr["responsible_side"] == "partner" else "vendor",
                assignee_id=kr["responsible_id"],
            )
        )
    return out


@rule(code="journey_stale", title=_("Journey step stale: move the partnership on"))
def journey_stale(facts: dict, today: datetime.date) -> list[Proposal]:
    """A partnership that has spent more than 30 days in its journey stage without completing a step
    has stalled: agree with the partner on the next step of the stage and who takes it."""
    out = []
    for p in facts["partnerships"]:
        if not p["stage_entered_at"] or not p["current_stage_id"]:
            continue
        last = max(p["stage_entered_at"][:10], p["last_step_at"][:10] if p["last_step_at"] else "")
        if (today - datetime.date.fromisoformat(last)).days <= STALE_STEP_DAYS:
            continue
        out.append(
            Proposal(
                target_type="partnership",
                target_id=p["id"],
                partnership_id=p["id"],
                title=str(_("Agree the next journey step with %(partner)s")) % {"partner": p["partner"]},
                detail=str(_("No journey step completed since %(day)s.")) % {"day": last},
                side="vendor",
                priority=45,
                evidence_links=[{"label": p["partner"], "url": p["vendor_url"]}],
                evidence={"stage": p["current_stage_id"], "last": last},
                activity_title=str(_("Next journey step with %(partner)s")) % {"partner": p["partner"]},
                assignee_id=p["owner_id"],
            )
        )
    return out


@rule(code="plan_not_validated", title=_("Plan not validated by both sides after 30 days"))
def plan_not_validated(facts: dict, today: datetime.date) -> list[Proposal]:
    """A mutual success plan is a commitment only once both sides validated it. One still waiting after
    30 days is a sign the commitment is missing: ask the side that has not approved yet to review it."""
    out = []
    for plan in facts["plans"]:
        if plan["status"] not in ("draft", "proposed"):
            continue
        age = (today - datetime.date.fromisoformat(plan["created"])).days
        if age <= PLAN_VALIDATION_DAYS:
            continue
        waiting = "partner" if plan["vendor_approved"] else "vendor"
        out.append(
            Proposal(
                target_type="plan",
                target_id=plan["id"],
                partnership_id=plan["partnership_id"],
                plan_id=plan["id"],
                title=str(_("Get “%(plan)s” validated by both sides")) % {"plan": plan["name"]},
                detail=str(_("Created %(days)s days ago, still waiting for the %(side)s side."))
                % {"days": age, "side": waiting},
                side=waiting,
                priority=60,
                evidence_links=[{"label": plan["name"], "url": plan["url"]}],
                evidence={"vendor": plan["vendor_approved"], "partner": plan["partner_approved"]},
                activity_title=str(_("Review and approve “%(plan)s”")) % {"plan": plan["name"]},
                owner_side=waiting,
            )
        )
    return out


@rule(code="governance_overdue", title=_("Governance meeting overdue"))
def governance_overdue(facts: dict, today: datetime.date) -> list[Proposal]:
    """A partnership with a running plan and no governance meeting (review, QBR, steering committee) in
    the last 92 days has lost its review cadence: schedule the quarterly business review."""
    out = []
    with_plans = {plan["partnership_id"] for plan in facts["plans"]}
    for p in facts["partnerships"]:
        if p["id"] not in with_plans:
            continue
        last = p["last_meeting"]
        if last and (today - datetime.date.fromisoformat(last)).days <= GOVERNANCE_DAYS:
            continue
        out.append(
            Proposal(
                target_type="partnership",
                target_id=p["id"],
                partnership_id=p["id"],
                title=str(_("Schedule a business review with %(partner)s")) % {"partner": p["partner"]},
                detail=str(_("Last governance meeting: %(day)s.")) % {"day": last or _("none yet")},
                side="vendor",
                priority=50,
                evidence_links=[{"label": p["partner"], "url": p["vendor_url"]}],
                evidence={"last_meeting": last},
                activity_title=str(_("Quarterly business review with %(partner)s")) % {"partner": p["partner"]},
                assignee_id=p["owner_id"],
            )
        )
    return out


@rule(code="protection_ending", title=_("Registration protection ends within 7 days"))
def protection_ending(facts: dict, today: datetime.date) -> list[Proposal]:
    """An approved deal registration protects the partner for a limited window. When it ends within 7
    days, either move the deal forward together or extend the protection, before the partner loses it."""
    return [
        Proposal(
            target_type="registration",
            target_id=r["id"],
            partnership_id=r["partnership_id"],
            title=str(_("Protection for %(customer)s ends on %(day)s"))
            % {"customer": r["customer"], "day": r["protection_until"]},
            detail=str(_("Decide with the partner: push the deal forward or extend the window.")),
            side="both",
            priority=70,
            evidence_links=[{"label": r["customer"], "url": r["vendor_url"]}],
            evidence={"until": r["protection_until"]},
            activity_title=str(_("Move %(customer)s forward before protection ends")) % {"customer": r["customer"]},
            assignee_id=_partnership_owner(facts, r["partnership_id"]),
        )
        for r in facts["protection_ending"]
    ]


@rule(code="certification_expiring", title=_("Certification expiring within 30 days"))
def certification_expiring(facts: dict, today: datetime.date) -> list[Proposal]:
    """A partner certification that expires within 30 days may cost the partner its tier and its
    customers a certified team: plan the renewal now."""
    return [
        Proposal(
            target_type="certification",
            target_id=c["id"],
            partnership_id=c["partnership_id"],
            title=str(_("Renew the certification “%(name)s” before %(day)s"))
            % {"name": c["name"], "day": c["expires_on"]},
            side="partner",
            priority=40,
            evidence_links=[{"label": c["name"], "url": c["vendor_url"]}],
            evidence={"expires_on": c["expires_on"]},
            activity_title=str(_("Renew “%(name)s”")) % {"name": c["name"]},
            owner_side="partner",
        )
        for c in facts["certifications_expiring"]
    ]


RULES = [
    kr_behind,
    checkin_missing,
    journey_stale,
    plan_not_validated,
    governance_overdue,
    protection_ending,
    certification_expiring,
]


# TACAM (the Partner Operating Model's five elements), for reports to use ----------------------------

TACAM_PRACTICES = {
    "trust": {
        "practice": _("Run a trust assessment with the partner"),
        "why": _(
            "Trust is openness about strengths and weaknesses and sharing data the other side lacks. "
            "Measure it with the trust equation, from both sides, and discuss the gaps."
        ),
    },
    "analysis": {
        "practice": _("Benchmark the partnership against its peers and update the SWOT"),
        "why": _(
            "Analysis is knowing where the partnership stands against its peers and having the "
            "comfortable conflict that follows. Compare it with the benchmark and revisit the SWOT together."
        ),
    },
    "commitment": {
        "practice": _("Name an executive sponsor on each side"),
        "why": _(
            "Commitment is agreeing a path despite differing views: a plan validated by both sides, "
            "executive buy-in, both sides owning activities. An executive sponsor on each side anchors it."
        ),
    },
    "accountability": {
        "practice": _("Give every activity an owner and review the overdue ones together"),
        "why": _(
            "Accountability is checks and balances, each side owning its part. Activities without an "
            "owner or left overdue show where it is missing."
        ),
    },
    "measurement": {
        "practice": _("Agree a check-in cadence for every key result"),
        "why": _(
            "Measurement is continuous, real-time feedback: key results updated on schedule and plan "
            "compared with realised. Agree who checks in on what, and how often."
        ),
    },
}


@rule(code="tacam_weakest", title=_("Weakest TACAM element: the practice the method recommends"))
def tacam_weakest_element(facts: dict, today: datetime.date) -> list[Proposal]:
    """The Partner Operating Model builds a partnership on five elements, Trust, Analysis, Commitment,
    Accountability and Measurement, each resting on the one before. Work on the weakest element first,
    with the practice the method recommends for it (for example low trust: run a trust assessment; low
    commitment: name an executive sponsor)."""
    out = []
    for pid, values in facts.get("extra", {}).get("reports", {}).items():
        scores = {}
        for k, v in (values.get("tacam") or {}).items():
            if k in TACAM_PRACTICES and v not in (None, ""):
                try:
                    scores[k] = Decimal(str(v))  # stored facts hold Decimals as strings: compare as numbers
                except InvalidOperation:
                    continue
        if not scores:
            continue
        element = min(scores, key=lambda k: (scores[k], list(TACAM_PRACTICES).index(k)))
        practice = TACAM_PRACTICES[element]
        out.append(
            Proposal(
                target_type="partnership",
                target_id=int(pid),
                partnership_id=int(pid),
                title=str(practice["practice"]),
                detail=str(_("%(element)s is the weakest element (%(score)s)."))
                % {"element": element.title(), "score": scores[element]},
                side="vendor",
                priority=65,
                evidence_links=list(values.get("tacam_links", [])),
                evidence={"element": element, "score": str(scores[element])},
                activity_title=str(practice["practice"]),
            )
        )
    return out


def all_rules() -> list:
    """Every rule: this module's and those other apps contribute through `<app>.nba_rules.RULES`."""
    rules, seen = [], set()
    for module in app_modules("nba_rules"):
        for fn in getattr(module, "RULES", []):
            if fn.code not in seen:
                seen.add(fn.code)
                rules.append(fn)
    return rules


def rule_codes() -> list[str]:
    return [fn.code for fn in all_rules()]


def explain(fn) -> str:
    """A rule's rationale: its docstring as one paragraph."""
    return " ".join((fn.__doc__ or "").split())


def rationale_for(code: str) -> str:
    """The rationale of the rule with this code ("" for a rule no longer installed)."""
    fn = next((fn for fn in all_rules() if fn.code == code), None)
    return explain(fn) if fn else ""
