"""The TACAM element functions on hand-computed examples (pure: no database)."""

import datetime
from decimal import Decimal
from types import SimpleNamespace

from reports import scoring

TODAY = datetime.date(2026, 12, 1)
T = scoring.DEFAULT_THRESHOLDS
W = scoring.DEFAULT_WEIGHTS


def D(x):
    return Decimal(str(x))


def test_combine_redistributes_the_weight_of_a_signal_without_data():
    parts = [scoring.Signal("a", D(80), ""), scoring.Signal("b", None, ""), scoring.Signal("c", D(40), "")]
    result = scoring.combine(parts, {"a": 50, "b": 20, "c": 30})
    # a and c share 80 points of weight: 50/80 = 62.5 %, 30/80 = 37.5 %; 80×0.625 + 40×0.375 = 50 + 15
    assert result.value == D("65.0")
    assert [p.share for p in parts] == [D("62.5"), D(0), D("37.5")]
    assert [p.contribution for p in parts] == [D("50.0"), None, D("15.0")]
    assert "No data for b" in result.note and "(20)" in result.note


def test_an_element_without_any_data_is_no_data_never_zero():
    result = scoring.combine([scoring.Signal("a", None, ""), scoring.Signal("b", None, "")], {"a": 60, "b": 40})
    assert result.value is None
    assert "No signal" in result.note


def test_contributions_always_add_up_to_the_element():
    parts = [scoring.Signal("a", D("33.3"), ""), scoring.Signal("b", D("66.7"), ""), scoring.Signal("c", D("12.1"), "")]
    result = scoring.combine(parts, {"a": 33, "b": 33, "c": 34})
    assert result.value == sum(p.contribution for p in parts)


def test_trust_from_both_sides_and_the_workspace_without_health():
    facts = SimpleNamespace(vendor_normalised=D(70), partner_normalised=D(50), round_id=4)
    p = {"trust": facts, "has_workspace": True, "shared_items": 6}
    result = scoring.trust(p, W["trust"], T, TODAY)
    # trust signal (70+50)/2 = 60, sharing 6/12 = 50; health missing → 50 and 30 share 80:
    # 60 × 50/80 = 37.5, 50 × 30/80 = 18.75 → 18.8; 37.5 + 18.8 = 56.3
    assert result.value == D("56.3")
    assert result.parts[1].value is None and "health" in result.note.lower() or "health_assessment" in result.note


def test_trust_with_one_side_only_and_no_workspace():
    facts = SimpleNamespace(vendor_normalised=None, partner_normalised=D("91.7"), round_id=1)
    health = SimpleNamespace(score=D(40), answers=8, round_id=2)
    result = scoring.trust({"trust": facts, "health": health}, W["trust"], T, TODAY)
    # 91.7 × 50/70 = 65.5; 40 × 20/70 = 11.4 → 76.9
    assert result.value == D("76.9")
    assert result.parts[2].detail == "no shared workspace"


def test_analysis_freshness_decays_linearly_and_missing_swot_is_redistributed():
    p = {
        "profile_updated_at": datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC) - datetime.timedelta(days=90 + 55),
        "sixcs": {"capability": {"value": "50"}, "commitment": {"value": "0"}, "coverage": {"value": None}},
    }
    result = scoring.analysis(p, W["analysis"], T, TODAY)
    # profile age 145 days: 100 × (365 − 145) / (365 − 90) = 80; 6Cs: 2 of 6 measured = 33.3
    assert result.parts[0].value == D(80)
    assert result.parts[2].value == D("33.3")
    # 80 × 40/70 = 45.7, 33.3 × 30/70 = 14.3 → 60.0
    assert result.value == D("60.0")


def test_commitment_half_approved_plan_sponsor_and_one_side_owning():
    p = {"plans": 1, "plans_half_approved": 1, "sponsors": 1, "activities_vendor": 3, "activities_partner": 0}
    result = scoring.commitment(p, W["commitment"], T, TODAY)
    # 50 × 0.4 + 100 × 0.3 + 50 × 0.3 = 20 + 30 + 15
    assert result.value == D("65.0")


def test_commitment_with_no_plan_is_an_explained_zero_for_the_plan_signal():
    result = scoring.commitment({}, W["commitment"], T, TODAY)
    assert result.parts[0].value == 0 and result.parts[0].detail == "no open plan"
    assert result.parts[2].value is None  # no activity: no data, weight spread
    assert result.value == D("0.0")


def test_accountability_on_time_overdue_and_cadence():
    p = {"due_owned": 4, "done_on_time": 3, "due": 5, "overdue": 1, "meetings": 2}
    result = scoring.accountability(p, W["accountability"], T, TODAY)
    # on time 75 × 0.4 = 30; not overdue 100 − 20 = 80 × 0.3 = 24; cadence 2/3 = 66.7 × 0.3 = 20.0
    assert [s.value for s in result.parts] == [D(75), D(80), D("66.7")]
    assert result.value == D("74.0")


def test_accountability_before_anything_is_due_counts_only_the_cadence():
    result = scoring.accountability({"meetings": 3}, W["accountability"], T, TODAY)
    assert result.parts[0].value is None and result.parts[1].value is None
    assert result.value == D(100)
    assert "done_on_time, overdue" in result.note and "(70)" in result.note


def test_measurement_schedule_realised_versus_plan_and_frequency():
    recent = datetime.datetime(2026, 11, 20, tzinfo=datetime.UTC)
    old = datetime.datetime(2026, 8, 1, tzinfo=datetime.UTC)
    krs = [
        {
            "frequency": "monthly",
            "last_checkin_at": recent,
            "checkins": 3,
            "progress": D(40),
            "elapsed": D(50),
            "weight": 1,
        },
        {
            "frequency": "monthly",
            "last_checkin_at": old,
            "checkins": 0,
            "progress": D(20),
            "elapsed": D(50),
            "weight": 1,
        },
    ]
    result = scoring.measurement({"key_results": krs}, W["measurement"], T, TODAY)
    # schedule 1 of 2 = 50; realised (40+20)/(50+50) = 60; frequency 3 of 2 × 90/31 = 5.806 → 51.7
    assert [s.value for s in result.parts] == [D(50), D(60), D("51.7")]
    # 50 × 0.4 + 60 × 0.4 + 51.7 × 0.2 = 20 + 24 + 10.3
    assert result.value == D("54.3")


def test_measurement_without_key_results_is_no_data():
    assert scoring.measurement({}, W["measurement"], T, TODAY).value is None


def test_overall_spreads_an_element_without_data():
    p = {"meetings": 3}  # accountability 100; commitment 0; trust and measurement no data
    scores = scoring.score_partnership(
        p, weights=W, element_weights=scoring.DEFAULT_ELEMENT_WEIGHTS, thresholds={}, today=TODAY
    )
    values = scores.values()
    assert values["trust"] is None and values["measurement"] is None
    assert values["accountability"] == 100 and values["commitment"] == 0
    # analysis: capability and commitment (counts of certifications, activities) are always measured: 2 of 6
    assert values["analysis"] == D("33.3")
    # three elements with data at 20 each: 33.3 × 1/3 + 0 + 100 × 1/3 = 11.1 + 33.3
    assert values["overall"] == D("44.4")
    assert "trust" in scores.overall.note and "measurement" in scores.overall.note


def test_sixcs_scorecard_values_and_no_data():
    sat = SimpleNamespace(score=D(8), scale=10, normalised=D(80), source="NPS survey", measured_on=TODAY)
    p = {"revenue": D(50000), "certifications": 2, "won_deals": 2, "regions_won": 1, "industries_won": 2,
         "marketing_done": 5, "earlier_customers": 4, "retained_customers": 1, "satisfaction": sat}  # fmt: skip
    c = scoring.sixcs(p, D(200000))
    assert {k: v["value"] for k, v in c.items()} == {
        "contribution": "25.0", "capability": "50.0", "coverage": "60.0",
        "commitment": "100.0", "consumption": "25.0", "credibility": "80.0",
    }  # fmt: skip
    empty = scoring.sixcs({}, D(0))
    assert empty["contribution"]["value"] is None and empty["credibility"]["value"] is None
    assert empty["capability"]["value"] == "0.0"
