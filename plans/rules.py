"""How plan figures are computed. Pure functions, no database: the docstrings are the rules shown
on the plan page under "How is this computed?", so keep them written for a partner manager.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal

HUNDRED = Decimal(100)
ON_TRACK_MARGIN = Decimal(10)
AT_RISK_MARGIN = Decimal(25)
FREQUENCY_DAYS = {"weekly": 7, "monthly": 31, "quarterly": 92}
OPEN_ACTIVITY_STATUSES = ("not_started", "in_progress", "blocked")

STATUS_LABELS = {
    "not_defined": "Not defined",
    "not_started": "Not started",
    "on_track": "On track",
    "at_risk": "At risk",
    "behind": "Behind",
    "complete": "Complete",
}
# Suffixes of the design system's badge classes: `badge-{{ kr.status_badge }}`.
STATUS_BADGES = {
    "not_defined": "none",
    "not_started": "info",
    "on_track": "ok",
    "at_risk": "warn",
    "behind": "danger",
    "complete": "primary",
}


def _q(value: Decimal, places: str = "0.1") -> Decimal:
    return value.quantize(Decimal(places), rounding=ROUND_HALF_UP)


def kr_progress(*, unit: str, baseline: Decimal, target: Decimal | None, current: Decimal | None) -> Decimal | None:
    """Progress of a key result, in percent.

    Progress = (current − baseline) ÷ (target − baseline) × 100, clamped to 0–100 %. The same formula
    serves increasing metrics (target above baseline) and decreasing ones (target below baseline, e.g.
    days to close a deal): moving away from the target, or staying below the baseline, counts as 0 %;
    going past the target counts as 100 %. Before any check-in the current value is the baseline.
    A yes/no key result is 0 % until it is checked in as yes, then 100 %. Without a target the
    progress is "not defined".
    """
    if unit == "boolean":
        return HUNDRED if current is not None and current != 0 else Decimal(0)
    if target is None or target == baseline:
        return None
    value = baseline if current is None else current
    share = (value - baseline) / (target - baseline) * HUNDRED
    return _q(min(HUNDRED, max(Decimal(0), share)))


def grade(progress: Decimal | None) -> Decimal | None:
    """OKR grade: progress expressed on the 0.0–1.0 scale (0.7 means 70 % of the way to the target)."""
    if progress is None:
        return None
    return _q(progress / HUNDRED, "0.01")


def weighted_progress(items: Iterable[tuple[Decimal | None, Decimal]]) -> Decimal | None:
    """Objective and plan progress: the mean of the parts' progress weighted by their weights.

    An objective averages its key results; the plan averages its objectives. Parts whose progress is
    not defined are left out; when every weight is 0 the parts count equally.
    """
    pairs = [(p, Decimal(w)) for p, w in items if p is not None]
    if not pairs:
        return None
    total = sum((w for _, w in pairs), Decimal(0))
    if total <= 0:
        return _q(sum((p for p, _ in pairs), Decimal(0)) / len(pairs))
    return _q(sum((p * w for p, w in pairs), Decimal(0)) / total)


def elapsed_share(*, start: datetime.date, end: datetime.date, today: datetime.date) -> Decimal:
    """Share of the period already elapsed, in percent: 0 % before it starts, 100 % once it is over."""
    if today <= start:
        return Decimal(0)
    if today >= end:
        return HUNDRED
    return _q(Decimal((today - start).days) / Decimal((end - start).days) * HUNDRED)


def kr_status(
    *,
    progress: Decimal | None,
    start: datetime.date,
    end: datetime.date,
    today: datetime.date,
    has_checkin: bool,
) -> str:
    """Status of a key result, comparing its progress with the share of its period already elapsed.

    - Not defined: the key result has no target.
    - Complete: progress is 100 %.
    - Not started: its period has not begun and nobody has checked in yet.
    - On track: progress is at least the elapsed share minus 10 points
      (40 % done when half the period is gone is on track).
    - At risk: progress trails the elapsed share by more than 10 and at most 25 points.
    - Behind: progress trails by more than 25 points, or the period is over and the target was not reached.
    """
    if progress is None:
        return "not_defined"
    if progress >= HUNDRED:
        return "complete"
    if today < start and not has_checkin:
        return "not_started"
    if today > end:
        return "behind"
    elapsed = elapsed_share(start=start, end=end, today=today)
    if progress >= elapsed - ON_TRACK_MARGIN:
        return "on_track"
    if progress >= elapsed - AT_RISK_MARGIN:
        return "at_risk"
    return "behind"


def activity_is_overdue(*, status: str, due_date: datetime.date | None, today: datetime.date) -> bool:
    """An activity is overdue when its due date has passed and it is neither done nor cancelled."""
    return due_date is not None and due_date < today and status in OPEN_ACTIVITY_STATUSES


def checkin_is_fresh(*, frequency: str, last_checkin_at: datetime.datetime | None, now: datetime.datetime) -> bool:
    """A key result is up to date when its last check-in is no older than its update frequency
    (weekly: 7 days, monthly: 31 days, quarterly: 92 days)."""
    if last_checkin_at is None:
        return False
    return now - last_checkin_at <= datetime.timedelta(days=FREQUENCY_DAYS.get(frequency, 31))


def _share(numerator: int, denominator: int) -> Decimal | None:
    return _q(Decimal(numerator) / Decimal(denominator) * HUNDRED) if denominator else None


def plan_health(
    *,
    kr_statuses: list[str],
    kr_fresh: list[bool],
    activities: list[tuple[str, datetime.date | None, datetime.date | None]],
    today: datetime.date,
) -> dict:
    """Plan health, three shares in percent and their mean as the score:

    - key results on track: on track or complete, among key results whose period has started and that
      have a target;
    - activities done on time: done no later than their due date, among activities already due or done
      (cancelled ones are left out);
    - key results updated within their frequency (the Measurement input of TACAM), among key results whose
      period has started.
    A share with nothing to count is left out of the score.
    """
    measured = [s for s in kr_statuses if s not in ("not_defined", "not_started")]
    on_track = _share(sum(s in ("on_track", "complete") for s in measured), len(measured))
    due = [
        (status, due_date, done_on)
        for status, due_date, done_on in activities
        if status != "cancelled" and (status == "done" or (due_date is not None and due_date < today))
    ]
    on_time_count = sum(
        status == "done" and (due_date is None or done_on is None or done_on <= due_date)
        for status, due_date, done_on in due
    )
    on_time = _share(on_time_count, len(due))
    fresh = _share(sum(kr_fresh), len(kr_fresh))
    parts = [p for p in (on_track, on_time, fresh) if p is not None]
    score = _q(sum(parts, Decimal(0)) / len(parts)) if parts else None
    return {"krs_on_track": on_track, "activities_on_time": on_time, "krs_fresh": fresh, "score": score}


def forecast(*, points: list[tuple[datetime.date, Decimal]], end: datetime.date) -> Decimal | None:
    """Forecast at period end: the straight line that best fits the check-ins (least squares over
    their dates and values), extended to the end of the key result's period. It needs check-ins on at
    least two different days; otherwise there is no forecast.
    """
    if len({day for day, _ in points}) < 2:
        return None
    origin = min(day for day, _ in points)
    xs = [Decimal((day - origin).days) for day, _ in points]
    ys = [Decimal(value) for _, value in points]
    n = Decimal(len(points))
    mean_x = sum(xs, Decimal(0)) / n
    mean_y = sum(ys, Decimal(0)) / n
    sxx = sum(((x - mean_x) ** 2 for x in xs), Decimal(0))
    sxy = sum(((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)), Decimal(0))
    slope = sxy / sxx
    intercept = mean_y - slope * mean_x
    return _q(intercept + slope * Decimal((end - origin).days), "0.01")


RULES = [kr_progress, grade, weighted_progress, kr_status, activity_is_overdue, checkin_is_fresh, plan_health, forecast]


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + (day.month - 1) + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def fiscal_year_bounds(*, day: datetime.date, start_month: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of the fiscal year containing `day`, for a year starting in `start_month`."""
    year = day.year if day.month >= start_month else day.year - 1
    start = datetime.date(year, start_month, 1)
    return start, _add_months(start, 12) - datetime.timedelta(days=1)


def quarter_bounds(*, day: datetime.date, start_month: int) -> tuple[datetime.date, datetime.date]:
    """First and last day of the fiscal quarter containing `day`."""
    fy_start, _ = fiscal_year_bounds(day=day, start_month=start_month)
    months = (day.year - fy_start.year) * 12 + day.month - fy_start.month
    start = _add_months(fy_start, (months // 3) * 3)
    return start, _add_months(start, 3) - datetime.timedelta(days=1)
