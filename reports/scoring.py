"""How TACAM scores are computed. Pure functions, no database: `reports.inputs` gathers the facts of
many partnerships in a fixed number of queries, these functions turn one partnership's facts into
scores. The docstrings are shown on the Scores tab under "How is this computed?", so they are written
for a partner manager.

Every signal is a number 0–100 or "no data" (None). An element is the weighted mean of its signals
that have data: the weight of a signal without data is spread over the others in proportion to their
weights, and the explanation says so. An element whose signals all lack data is itself "no data",
never 0. The overall score is the weighted mean of the elements the same way.
"""

from __future__ import annotations

import contextlib
import datetime
import functools
import threading
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as lazy

ZERO = Decimal(0)
HUNDRED = Decimal(100)
TENTH = Decimal("0.1")

ELEMENTS = ("trust", "analysis", "commitment", "accountability", "measurement")
SIXCS = ("contribution", "capability", "coverage", "commitment", "consumption", "credibility")

SIGNALS = {
    "trust": {
        "trust_assessment": lazy("Trust equation, both sides (latest round)"),
        "health_assessment": lazy("Health questionnaire (latest round)"),
        "workspace_sharing": lazy("What is shared in the workspace"),
    },
    "analysis": {
        "profile_freshness": lazy("Partner profile up to date"),
        "swot_freshness": lazy("SWOT up to date"),
        "sixcs_coverage": lazy("6Cs scorecard measured"),
    },
    "commitment": {
        "plan_validated": lazy("Plan validated by both sides"),
        "executive_sponsor": lazy("Executive sponsor named"),
        "both_sides_own": lazy("Both sides own activities"),
    },
    "accountability": {
        "done_on_time": lazy("Owned activities done on time"),
        "overdue": lazy("Activities not overdue"),
        "governance_cadence": lazy("Governance cadence kept"),
    },
    "measurement": {
        "checkins_on_schedule": lazy("Key results checked in on schedule"),
        "plan_vs_realised": lazy("Realised versus plan"),
        "checkin_frequency": lazy("Check-in frequency"),
    },
}

DEFAULT_WEIGHTS = {
    "trust": {"trust_assessment": 50, "health_assessment": 20, "workspace_sharing": 30},
    "analysis": {"profile_freshness": 40, "swot_freshness": 30, "sixcs_coverage": 30},
    "commitment": {"plan_validated": 40, "executive_sponsor": 30, "both_sides_own": 30},
    "accountability": {"done_on_time": 40, "overdue": 30, "governance_cadence": 30},
    "measurement": {"checkins_on_schedule": 40, "plan_vs_realised": 40, "checkin_frequency": 20},
}
DEFAULT_ELEMENT_WEIGHTS = dict.fromkeys(ELEMENTS, 20)
DEFAULT_THRESHOLDS = {
    "fresh_days": 90,  # a profile or SWOT touched within this many days counts fully
    "stale_days": 365,  # ... and counts nothing from this age on (linear in between)
    "sharing_days": 90,  # the window in which workspace comments and files are counted
    "sharing_target": 12,  # shared items in that window that count as 100
    "governance_days": 92,  # the window in which governance meetings are counted
    "governance_meetings": 3,  # meetings in that window that count as 100 (monthly cadence)
    "checkin_window_days": 90,  # the window in which check-ins are counted against their frequency
}
THRESHOLD_LABELS = {
    "fresh_days": lazy("Profile or SWOT fully fresh up to (days)"),
    "stale_days": lazy("Profile or SWOT stale from (days)"),
    "sharing_days": lazy("Workspace sharing window (days)"),
    "sharing_target": lazy("Shared items in the window that count as 100"),
    "governance_days": lazy("Governance window (days)"),
    "governance_meetings": lazy("Meetings in the window that count as 100"),
    "checkin_window_days": lazy("Check-in frequency window (days)"),
}
FREQUENCY_DAYS = {"weekly": 7, "monthly": 31, "quarterly": 92}


@functools.lru_cache(maxsize=1024)
def _translated(message: str, language: str | None) -> str:
    return gettext(message)


_state = threading.local()


@contextlib.contextmanager
def one_language():
    """Within a scoring run the language is read once (Django's per-call lookup goes through an
    asgiref Local and would double a 10,000-partnership run's time)."""
    _state.language = get_language()
    try:
        yield
    finally:
        _state.language = None


def _(message: str) -> str:
    """A translated message, looked up once per language and process."""
    language = getattr(_state, "language", None) or get_language()
    return _translated(message, language)


def q(value) -> Decimal:
    return Decimal(value).quantize(TENTH, rounding=ROUND_HALF_UP)


def clamp(value) -> Decimal:
    return max(ZERO, min(HUNDRED, Decimal(value)))


@dataclass
class Signal:
    code: str
    value: Decimal | None
    detail: str
    weight: Decimal = ZERO
    share: Decimal = ZERO  # effective weight in percent after redistribution
    contribution: Decimal | None = None

    def as_json(self) -> dict:
        return {
            "value": None if self.value is None else str(self.value),
            "detail": str(self.detail),
            "weight": str(self.weight),
            "share": str(self.share),
            "contribution": None if self.contribution is None else str(self.contribution),
        }


@dataclass
class Result:
    """An element (or the overall score): the value and the parts it is made of."""

    value: Decimal | None
    parts: list[Signal] = field(default_factory=list)
    note: str = ""


def combine(parts: list[Signal], weights: dict) -> Result:
    """Weighted mean of the parts that have data; the weight of "no data" parts is spread over the others.

    share_i = w_i ÷ Σ w (parts with data) × 100, contribution_i = value_i × share_i ÷ 100 rounded to 0.1,
    element = Σ contributions, so the contributions shown always add up to the element. All parts without
    data (or a zero weight on all of them): the element is "no data".
    """
    for part in parts:
        part.weight = Decimal(str(weights.get(part.code, 0)))
    measured = [p for p in parts if p.value is not None and p.weight > 0]
    total = sum((p.weight for p in measured), ZERO)
    missing = [p for p in parts if p.value is None and p.weight > 0]
    if not measured or total == 0:
        return Result(None, parts, str(_("No signal of this element has data yet.")))
    for part in measured:
        part.share = q(part.weight / total * HUNDRED)
        part.contribution = q(part.value * part.weight / total)
    value = sum((p.contribution for p in measured), ZERO)
    note = ""
    if missing:
        note = str(_("No data for %(names)s: its weight (%(w)s) is spread over the other signals.")) % {
            "names": ", ".join(p.code for p in missing),
            "w": sum((p.weight for p in missing), ZERO),
        }
    return Result(q(value), parts, note)


def _freshness(updated: datetime.datetime | datetime.date | None, today: datetime.date, t: dict) -> Decimal | None:
    if updated is None:
        return None
    day = updated.date() if isinstance(updated, datetime.datetime) else updated
    age = (today - day).days
    fresh, stale = t["fresh_days"], t["stale_days"]
    if age <= fresh:
        return HUNDRED
    if age >= stale:
        return ZERO
    return q(HUNDRED * (stale - age) / (stale - fresh))


def _ratio(n, target) -> Decimal:
    if not target:
        return ZERO
    return q(clamp(Decimal(n) / Decimal(target) * HUNDRED))


# Elements -------------------------------------------------------------------------------------------


def trust(p: dict, weights: dict, t: dict, today: datetime.date) -> Result:
    """Trust: how much each side trusts the other, and what they actually share.

    - Trust equation: the latest answered round, (reliability + credibility + intimacy) ÷ self-orientation
      normalised to 0–100 for each side; the signal is the mean of the sides that answered.
    - Health questionnaire: the latest round's score, 0–100.
    - What is shared in the workspace: comments visible to both sides and files in the last
      `sharing_days` days, against `sharing_target` items (capped at 100). No workspace: no data.
    """
    facts = p.get("trust")
    sides = [
        v
        for v in (getattr(facts, "vendor_normalised", None), getattr(facts, "partner_normalised", None))
        if v is not None
    ]
    if sides:
        value = q(sum(sides, ZERO) / len(sides))
        trust_sig = Signal(
            "trust_assessment",
            value,
            _("mean of %(n)s side(s) of round %(r)s") % {"n": len(sides), "r": facts.round_id},
        )
    else:
        trust_sig = Signal("trust_assessment", None, _("no trust assessment answered"))
    health = p.get("health")
    if health is not None and health.score is not None:
        health_sig = Signal(
            "health_assessment",
            q(health.score),
            _("%(n)s answers, round %(r)s") % {"n": health.answers, "r": health.round_id},
        )
    else:
        health_sig = Signal("health_assessment", None, _("no health questionnaire answered"))
    if p.get("has_workspace"):
        shared = p.get("shared_items", 0)
        share_sig = Signal(
            "workspace_sharing",
            _ratio(shared, t["sharing_target"]),
            _("%(n)s comments and files in %(d)s days (target %(t)s)")
            % {"n": shared, "d": t["sharing_days"], "t": t["sharing_target"]},
        )
    else:
        share_sig = Signal("workspace_sharing", None, _("no shared workspace"))
    return combine([trust_sig, health_sig, share_sig], weights)


def analysis(p: dict, weights: dict, t: dict, today: datetime.date) -> Result:
    """Analysis: do we know this partner well, and recently?

    - Partner profile up to date: 100 when the profile was changed within `fresh_days` days, 0 from
      `stale_days` days on, linear in between.
    - SWOT up to date: the same rule on the partnership's latest SWOT; no SWOT yet: no data.
    - 6Cs scorecard measured: the share of the six Cs (contribution, capability, coverage, commitment,
      consumption, credibility) that have data, in percent.
    """
    profile = Signal(
        "profile_freshness",
        _freshness(p.get("profile_updated_at"), today, t),
        _("profile changed on %(d)s") % {"d": _day(p.get("profile_updated_at"))},
    )
    swot_at = p.get("swot_updated_at")
    swot = Signal(
        "swot_freshness",
        _freshness(swot_at, today, t),
        _("SWOT changed on %(d)s") % {"d": _day(swot_at)} if swot_at else _("no SWOT yet"),
    )
    sixcs = p.get("sixcs") or {}
    measured = sum(1 for c in SIXCS if (sixcs.get(c) or {}).get("value") is not None)
    coverage = Signal(
        "sixcs_coverage", q(Decimal(measured) * HUNDRED / len(SIXCS)), _("%(n)s of 6 Cs measured") % {"n": measured}
    )
    return combine([profile, swot, coverage], weights)


def commitment(p: dict, weights: dict, t: dict, today: datetime.date) -> Result:
    """Commitment: have both sides put their names to it?

    - Plan validated by both sides: 100 when an open plan is validated by both sides, 50 when one side
      approved, 0 when plans exist but none is approved; no open plan: 0 ("no plan" is a fact).
    - Executive sponsor named: 100 when the partner has a contact with the role executive sponsor, else 0.
    - Both sides own activities: 100 when vendor and partner each own at least one activity of an open
      plan ("both" counts for each), 50 when only one side does; no activity: no data.
    """
    plans = p.get("plans", 0)
    if p.get("plans_validated", 0):
        plan = Signal(
            "plan_validated", HUNDRED, _("%(n)s plan(s) validated by both sides") % {"n": p["plans_validated"]}
        )
    elif p.get("plans_half_approved", 0):
        plan = Signal("plan_validated", Decimal(50), _("approved by one side only"))
    else:
        plan = Signal(
            "plan_validated",
            ZERO,
            _("%(n)s open plan(s), none approved") % {"n": plans} if plans else _("no open plan"),
        )
    sponsor = Signal(
        "executive_sponsor",
        HUNDRED if p.get("sponsors", 0) else ZERO,
        _("%(n)s executive sponsor contact(s)") % {"n": p.get("sponsors", 0)},
    )
    vendor, partner = p.get("activities_vendor", 0), p.get("activities_partner", 0)
    if vendor or partner:
        value = HUNDRED if vendor and partner else Decimal(50)
        owned = Signal(
            "both_sides_own", value, _("vendor owns %(v)s, partner owns %(p)s") % {"v": vendor, "p": partner}
        )
    else:
        owned = Signal("both_sides_own", None, _("no activity in an open plan"))
    return combine([plan, sponsor, owned], weights)


def accountability(p: dict, weights: dict, t: dict, today: datetime.date) -> Result:
    """Accountability: is what was promised done, on time?

    - Owned activities done on time: of the activities with an assignee that were due by today, the
      percentage done by their due date; none due yet: no data.
    - Activities not overdue: 100 × (1 − open activities past their due date ÷ activities due by today);
      none due yet: no data.
    - Governance cadence kept: governance meetings held in the last `governance_days` days against
      `governance_meetings` (capped at 100).
    """
    due_owned = p.get("due_owned", 0)
    on_time = Signal(
        "done_on_time",
        _ratio(p.get("done_on_time", 0), due_owned) if due_owned else None,
        _("%(d)s of %(n)s owned activities done on time") % {"d": p.get("done_on_time", 0), "n": due_owned}
        if due_owned
        else _("no owned activity due yet"),
    )
    due = p.get("due", 0)
    overdue_n = p.get("overdue", 0)
    overdue = Signal(
        "overdue",
        q(HUNDRED - _ratio(overdue_n, due)) if due else None,
        _("%(o)s overdue of %(n)s due") % {"o": overdue_n, "n": due} if due else _("no activity due yet"),
    )
    meetings = p.get("meetings", 0)
    cadence = Signal(
        "governance_cadence",
        _ratio(meetings, t["governance_meetings"]),
        _("%(n)s meetings in %(d)s days (expected %(e)s)")
        % {"n": meetings, "d": t["governance_days"], "e": t["governance_meetings"]},
    )
    return combine([on_time, overdue, cadence], weights)


def measurement(p: dict, weights: dict, t: dict, today: datetime.date) -> Result:
    """Measurement: are the key results measured, and is the plan being realised?

    - Key results checked in on schedule: the percentage of key results of open plans whose last
      check-in is no older than their update frequency (weekly 7, monthly 31, quarterly 92 days).
    - Realised versus plan: the weighted mean progress of key results with a target, divided by the
      share of their period already elapsed (capped at 100); key results whose period has not started
      are left out.
    - Check-in frequency: check-ins in the last `checkin_window_days` days against what the key
      results' frequencies expect in that window (capped at 100).
    All three: no key result in an open plan means no data.
    """
    krs = p.get("key_results") or []
    if not krs:
        none = _("no key result in an open plan")
        return combine(
            [
                Signal("checkins_on_schedule", None, none),
                Signal("plan_vs_realised", None, none),
                Signal("checkin_frequency", None, none),
            ],
            weights,
        )
    on_schedule = 0
    expected_checkins = ZERO
    checkins = 0
    realised_w = planned_w = weight_sum = ZERO
    window = t["checkin_window_days"]
    for kr in krs:
        days = FREQUENCY_DAYS.get(kr["frequency"], 31)
        last = kr.get("last_checkin_at")
        if last is not None and (today - last.date()).days <= days:
            on_schedule += 1
        expected_checkins += Decimal(window) / days
        checkins += kr.get("checkins", 0)
        if kr.get("progress") is not None and kr.get("elapsed"):
            weight = Decimal(kr.get("weight") or 1)
            realised_w += Decimal(kr["progress"]) * weight
            planned_w += Decimal(kr["elapsed"]) * weight
            weight_sum += weight
    schedule = Signal(
        "checkins_on_schedule",
        _ratio(on_schedule, len(krs)),
        _("%(n)s of %(t)s key results checked in on schedule") % {"n": on_schedule, "t": len(krs)},
    )
    if planned_w > 0:
        realised = Signal(
            "plan_vs_realised",
            _ratio(realised_w, planned_w),
            _("%(r)s %% realised where %(p)s %% was planned by now")
            % {"r": q(realised_w / weight_sum), "p": q(planned_w / weight_sum)},
        )
    else:
        realised = Signal("plan_vs_realised", None, _("no key result with a target in its period"))
    frequency = Signal(
        "checkin_frequency",
        _ratio(checkins, expected_checkins),
        _("%(n)s check-ins in %(d)s days (expected %(e)s)") % {"n": checkins, "d": window, "e": q(expected_checkins)},
    )
    return combine([schedule, realised, frequency], weights)


ELEMENT_FUNCTIONS = {
    "trust": trust,
    "analysis": analysis,
    "commitment": commitment,
    "accountability": accountability,
    "measurement": measurement,
}


def _day(value) -> str:
    if value is None:
        return "—"
    return (value.date() if isinstance(value, datetime.datetime) else value).isoformat()


# The 6Cs scorecard ----------------------------------------------------------------------------------


def sixcs(p: dict, portfolio_max_revenue: Decimal) -> dict:
    """The 6Cs scorecard, each C 0–100 or no data:

    - Contribution: credited won revenue of the last 12 months relative to the best partnership of the
      portfolio (100 = the best); no credited revenue anywhere in the portfolio: no data.
    - Capability: valid certifications of the partner, 25 points each (capped at 100).
    - Coverage: distinct regions and industries of the customers won together in the last 12 months,
      20 points each (capped at 100); nothing won: no data.
    - Commitment: co-marketing and plan activities (campaigns, events, content, trainings) done in the
      last 12 months, 25 points each (capped at 100).
    - Consumption: of the customers won together before the last 12 months, the share won again in the
      last 12 months (retention and expansion); no earlier customer: no data.
    - Credibility: the latest customer satisfaction or partner NPS score, normalised to 0–100; none
      recorded: no data.
    """
    revenue = Decimal(p.get("revenue") or 0)
    result = {}
    if portfolio_max_revenue > 0:
        result["contribution"] = (
            _ratio(revenue, portfolio_max_revenue),
            _("%(r)s credited in 12 months") % {"r": f"{revenue:,.2f}"},
        )
    else:
        result["contribution"] = (None, _("no credited revenue in the portfolio"))
    certs = p.get("certifications", 0)
    result["capability"] = (clamp(25 * certs), _("%(n)s valid certification(s)") % {"n": certs})
    segments = p.get("regions_won", 0) + p.get("industries_won", 0)
    if p.get("won_deals", 0):
        result["coverage"] = (
            clamp(20 * segments),
            _("%(r)s region(s), %(i)s industry(ies) won")
            % {"r": p.get("regions_won", 0), "i": p.get("industries_won", 0)},
        )
    else:
        result["coverage"] = (None, _("nothing won in 12 months"))
    marketing = p.get("marketing_done", 0)
    result["commitment"] = (clamp(25 * marketing), _("%(n)s co-marketing and plan activities done") % {"n": marketing})
    earlier = p.get("earlier_customers", 0)
    if earlier:
        result["consumption"] = (
            _ratio(p.get("retained_customers", 0), earlier),
            _("%(r)s of %(n)s earlier customers won again") % {"r": p.get("retained_customers", 0), "n": earlier},
        )
    else:
        result["consumption"] = (None, _("no customer won before the last 12 months"))
    sat = p.get("satisfaction")
    if sat is not None and getattr(sat, "normalised", None) is not None:
        result["credibility"] = (
            q(sat.normalised),
            _("%(s)s of %(m)s (%(src)s, %(d)s)")
            % {"s": sat.score, "m": sat.scale, "src": sat.source, "d": _day(sat.measured_on)},
        )
    else:
        result["credibility"] = (None, _("no satisfaction or NPS recorded"))
    return {c: {"value": None if v is None else str(q(v)), "detail": str(d)} for c, (v, d) in result.items()}


# A partnership ----------------------------------------------------------------------------------------


@dataclass
class Scores:
    elements: dict[str, Result]
    overall: Result
    sixcs: dict

    def values(self) -> dict[str, Decimal | None]:
        return {"overall": self.overall.value, **{e: r.value for e, r in self.elements.items()}}

    def signals_json(self) -> dict:
        out = {}
        for element, result in self.elements.items():
            out[element] = {"note": result.note, "signals": {s.code: s.as_json() for s in result.parts}}
        out["overall"] = {"note": self.overall.note, "signals": {s.code: s.as_json() for s in self.overall.parts}}
        return out


def score_partnership(
    p: dict,
    *,
    weights: dict,
    element_weights: dict,
    thresholds: dict,
    today: datetime.date,
    portfolio_max_revenue: Decimal = ZERO,
) -> Scores:
    """Every element, the 6Cs and the overall score of one partnership from its facts."""
    t = {**DEFAULT_THRESHOLDS, **thresholds}
    p = {**p, "sixcs": sixcs(p, portfolio_max_revenue)}
    elements = {e: ELEMENT_FUNCTIONS[e](p, weights.get(e, {}), t, today) for e in ELEMENTS}
    parts = [Signal(e, r.value, r.note or "") for e, r in elements.items()]
    overall = combine(parts, element_weights)
    return Scores(elements, overall, p["sixcs"])
