import datetime
from decimal import Decimal as D

from plans import rules

START = datetime.date(2026, 1, 1)
END = datetime.date(2026, 4, 1)  # 90 days
MID = datetime.date(2026, 2, 15)  # 45 days in: 50 % elapsed


def test_progress_increasing_metric_is_share_of_the_way_to_target():
    assert rules.kr_progress(unit="count", baseline=D(10), target=D(30), current=D(20)) == D("50.0")


def test_progress_decreasing_metric_counts_the_fall_towards_target():
    # days to close: from 60 down to 30; at 45 we are half way
    assert rules.kr_progress(unit="count", baseline=D(60), target=D(30), current=D(45)) == D("50.0")


def test_progress_decreasing_metric_going_up_is_zero():
    assert rules.kr_progress(unit="count", baseline=D(60), target=D(30), current=D(70)) == D(0)


def test_progress_below_baseline_is_clamped_to_zero():
    assert rules.kr_progress(unit="currency", baseline=D(1000), target=D(5000), current=D(200)) == D(0)


def test_progress_past_target_is_clamped_to_hundred():
    assert rules.kr_progress(unit="count", baseline=D(0), target=D(10), current=D(25)) == D(100)


def test_progress_before_any_checkin_is_zero():
    assert rules.kr_progress(unit="count", baseline=D(5), target=D(10), current=None) == D(0)


def test_progress_yes_no_is_zero_or_hundred():
    assert rules.kr_progress(unit="boolean", baseline=D(0), target=D(1), current=D(1)) == D(100)
    assert rules.kr_progress(unit="boolean", baseline=D(0), target=D(1), current=D(0)) == D(0)
    assert rules.kr_progress(unit="boolean", baseline=D(0), target=D(1), current=None) == D(0)


def test_progress_without_target_is_not_defined():
    assert rules.kr_progress(unit="count", baseline=D(0), target=None, current=D(4)) is None


def test_grade_is_progress_on_zero_to_one_scale():
    assert rules.grade(D("70.0")) == D("0.70")
    assert rules.grade(D(100)) == D("1.00")
    assert rules.grade(D(0)) == D("0.00")
    assert rules.grade(None) is None


def test_weighted_progress_weights_parts_and_skips_undefined():
    assert rules.weighted_progress([(D(100), D(3)), (D(0), D(1)), (None, D(5))]) == D("75.0")


def test_weighted_progress_with_zero_weights_counts_equally():
    assert rules.weighted_progress([(D(100), D(0)), (D(50), D(0))]) == D("75.0")


def test_weighted_progress_of_nothing_is_none():
    assert rules.weighted_progress([(None, D(1))]) is None


def _status(progress, today, has_checkin=True):
    return rules.kr_status(progress=progress, start=START, end=END, today=today, has_checkin=has_checkin)


def test_status_not_defined_without_target():
    assert _status(None, MID) == "not_defined"


def test_status_not_started_before_period_without_checkin():
    assert _status(D(0), datetime.date(2025, 12, 20), has_checkin=False) == "not_started"


def test_status_before_period_with_a_checkin_is_on_track():
    assert _status(D(0), datetime.date(2025, 12, 20), has_checkin=True) == "on_track"


def test_status_thresholds_against_elapsed_share():
    # half the period elapsed: on track from 40 %, at risk from 25 %, behind below
    assert _status(D(40), MID) == "on_track"
    assert _status(D("39.9"), MID) == "at_risk"
    assert _status(D(25), MID) == "at_risk"
    assert _status(D("24.9"), MID) == "behind"


def test_status_complete_at_hundred_even_after_period():
    assert _status(D(100), datetime.date(2026, 6, 1)) == "complete"


def test_status_period_over_without_reaching_target_is_behind():
    assert _status(D(95), datetime.date(2026, 4, 2)) == "behind"


def test_activity_overdue_only_when_open_and_past_due():
    yesterday = datetime.date(2026, 2, 14)
    assert rules.activity_is_overdue(status="in_progress", due_date=yesterday, today=MID)
    assert rules.activity_is_overdue(status="blocked", due_date=yesterday, today=MID)
    assert not rules.activity_is_overdue(status="done", due_date=yesterday, today=MID)
    assert not rules.activity_is_overdue(status="cancelled", due_date=yesterday, today=MID)
    assert not rules.activity_is_overdue(status="not_started", due_date=MID, today=MID)
    assert not rules.activity_is_overdue(status="not_started", due_date=None, today=MID)


def test_checkin_freshness_follows_update_frequency():
    now = datetime.datetime(2026, 2, 15, 12, tzinfo=datetime.UTC)
    assert rules.checkin_is_fresh(frequency="weekly", last_checkin_at=now - datetime.timedelta(days=6), now=now)
    assert not rules.checkin_is_fresh(frequency="weekly", last_checkin_at=now - datetime.timedelta(days=8), now=now)
    assert rules.checkin_is_fresh(frequency="monthly", last_checkin_at=now - datetime.timedelta(days=20), now=now)
    assert not rules.checkin_is_fresh(frequency="monthly", last_checkin_at=None, now=now)


def test_plan_health_combines_three_shares():
    health = rules.plan_health(
        kr_statuses=["on_track", "behind", "complete", "not_started", "not_defined"],
        kr_fresh=[True, False, True, True],
        activities=[
            ("done", datetime.date(2026, 2, 10), datetime.date(2026, 2, 9)),  # on time
            ("done", datetime.date(2026, 2, 10), datetime.date(2026, 2, 12)),  # late
            ("in_progress", datetime.date(2026, 2, 1), None),  # overdue
            ("not_started", datetime.date(2026, 3, 1), None),  # not due yet: ignored
            ("cancelled", datetime.date(2026, 2, 1), None),  # ignored
        ],
        today=MID,
    )
    assert health["krs_on_track"] == D("66.7")
    assert health["activities_on_time"] == D("33.3")
    assert health["krs_fresh"] == D("75.0")
    assert health["score"] == D("58.3")


def test_plan_health_with_nothing_to_measure_has_no_score():
    health = rules.plan_health(kr_statuses=[], kr_fresh=[], activities=[], today=MID)
    assert health["score"] is None


def test_forecast_extrapolates_linear_trend_to_period_end():
    points = [(START, D(0)), (datetime.date(2026, 1, 11), D(10)), (datetime.date(2026, 1, 21), D(20))]
    assert rules.forecast(points=points, end=END) == D("90.00")


def test_forecast_of_falling_metric_goes_down():
    points = [(START, D(60)), (datetime.date(2026, 1, 31), D(50))]
    assert rules.forecast(points=points, end=END) == D("30.00")


def test_forecast_needs_two_distinct_days():
    assert rules.forecast(points=[(START, D(5))], end=END) is None
    assert rules.forecast(points=[(START, D(5)), (START, D(7))], end=END) is None


def test_fiscal_periods_follow_fiscal_year_start():
    day = datetime.date(2026, 1, 15)
    assert rules.fiscal_year_bounds(day=day, start_month=2) == (datetime.date(2025, 2, 1), datetime.date(2026, 1, 31))
    assert rules.quarter_bounds(day=day, start_month=2) == (datetime.date(2025, 11, 1), datetime.date(2026, 1, 31))
    assert rules.quarter_bounds(day=day, start_month=1) == (datetime.date(2026, 1, 1), datetime.date(2026, 3, 31))
