"""Each attribution model on hand-computed examples, then properties that hold for any input."""

import datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from attribution import engine
from attribution.engine import Facts, Involvement, Params, Rule, Score, Touch

P = Params(as_of=datetime.date(2026, 6, 30))
A, B, C = 1, 2, 3


def at(month, day, hour=12):
    return datetime.datetime(2026, month, day, hour, tzinfo=datetime.UTC)


def facts(amount="1000.00", status="open", partners=(), touches=(), scores=(), **extra):
    return Facts(
        opportunity_id=7,
        amount=Decimal(amount),
        status=status,
        partners=[Involvement(pid, role) for pid, role in partners],
        touches=[Touch(pid, when, label, phase, note, i) for i, (pid, when, label, phase, note) in enumerate(touches)],
        scores=[Score(*s) for s in scores],
        **extra,
    )


def amounts(shares):
    return {s.partnership_id: s.amount for s in shares}


def touch(pid, when, label="Intel shared", phase="pre_sale", note=""):
    return (pid, when, label, phase, note)


def test_allocate_largest_remainder_gives_the_extra_cent_to_the_first_tie():
    assert engine.allocate(Decimal("100.00"), {A: 1, B: 1, C: 1}) == {
        A: Decimal("33.34"),
        B: Decimal("33.33"),
        C: Decimal("33.33"),
    }


def test_allocate_largest_remainder_favours_the_biggest_remainder():
    # 0.10 split 2:1 -> 6.666 and 3.333 cents: the floors are 6 and 3, the extra cent goes to A.
    assert engine.allocate(Decimal("0.10"), {A: 2, B: 1}) == {A: Decimal("0.07"), B: Decimal("0.03")}


def test_sourced_influenced_splits_sixty_forty_between_groups():
    shares = engine.sourced_influenced(facts(partners=[(A, "sourced"), (B, "influenced"), (C, "technical")]), P)
    assert amounts(shares) == {A: Decimal("600.00"), B: Decimal("200.00"), C: Decimal("200.00")}
    assert shares[0].explanation == "60 % sourced: sourced weight 60 %."


def test_sourced_influenced_single_partner_takes_everything():
    shares = engine.sourced_influenced(facts(partners=[(B, "influenced")]), P)
    assert amounts(shares) == {B: Decimal("1000.00")}


def test_sourced_influenced_without_partners_is_unattributed_and_says_why():
    (share,) = engine.sourced_influenced(facts(), P)
    assert (share.partnership_id, share.amount) == (None, Decimal("1000.00"))
    assert "no partner attached" in share.explanation


def test_lost_deal_credits_nobody():
    (share,) = engine.sourced_influenced(facts(status="lost", partners=[(A, "sourced")]), P)
    assert (share.partnership_id, share.amount, share.explanation) == (None, Decimal("0.00"), "No credit: lost deal.")


def test_zero_amount_credits_nobody():
    (share,) = engine.linear(facts(amount="0", partners=[(A, "sourced")], touches=[touch(A, at(3, 1))]), P)
    assert share.partnership_id is None and "amount is zero" in share.explanation


def test_touch_models_without_touchpoints_say_so():
    for model in engine.TOUCH_MODELS:
        (share,) = engine.credit(model, facts(partners=[(A, "sourced")]), P)
        assert share.partnership_id is None
        assert "no touchpoints for touch models" in share.explanation


def test_first_touch_credits_the_earliest_with_its_evidence():
    f = facts(touches=[touch(B, at(4, 1)), touch(A, at(3, 3), "Introduced a decision maker", note="the CFO")])
    (share,) = engine.first_touch(f, P)
    assert share.partnership_id == A and share.amount == Decimal("1000.00")
    assert share.explanation == "100 % first touch: introduced a decision maker (the CFO) on 3 March 2026."


def test_first_touch_tie_splits_equally():
    f = facts(amount="100.01", touches=[touch(A, at(3, 3)), touch(B, at(3, 3)), touch(C, at(5, 1))])
    assert amounts(engine.first_touch(f, P)) == {A: Decimal("50.01"), B: Decimal("50.00")}


def test_last_touch_credits_the_latest():
    f = facts(touches=[touch(A, at(3, 3)), touch(B, at(5, 1))])
    assert amounts(engine.last_touch(f, P)) == {B: Decimal("1000.00")}


def test_linear_counts_every_touch_the_same():
    f = facts(touches=[touch(A, at(3, 1)), touch(A, at(3, 2)), touch(B, at(3, 3)), touch(C, at(3, 4))])
    assert amounts(engine.linear(f, P)) == {A: Decimal("500.00"), B: Decimal("250.00"), C: Decimal("250.00")}


def test_time_decay_halves_weight_every_half_life():
    # Close on 30 June, half-life 30 days: a touch on 31 May weighs 1/2 of one on 30 June.
    f = facts(close_date=datetime.date(2026, 6, 30), touches=[touch(A, at(5, 31)), touch(B, at(6, 30))])
    assert amounts(engine.time_decay(f, P)) == {A: Decimal("333.33"), B: Decimal("666.67")}


def test_position_based_forty_twenty_forty():
    f = facts(touches=[touch(A, at(3, 1)), touch(B, at(3, 2)), touch(C, at(3, 3)), touch(A, at(3, 4))])
    assert amounts(engine.position_based(f, P)) == {A: Decimal("800.00"), B: Decimal("100.00"), C: Decimal("100.00")}


def test_position_based_two_touches_split_the_middle():
    f = facts(touches=[touch(A, at(3, 1)), touch(B, at(3, 2))])
    assert amounts(engine.position_based(f, P)) == {A: Decimal("500.00"), B: Decimal("500.00")}


def test_position_based_single_touch_takes_all():
    assert amounts(engine.position_based(facts(touches=[touch(C, at(3, 1))]), P)) == {C: Decimal("1000.00")}


def test_rule_split_applies_matching_rule_and_leaves_remainder_unattributed():
    rule = Rule(1, "Joint SIEM", 2, "joint_solution", "Joint SIEM", ((A, Decimal("50")), (B, Decimal("30"))))
    shares = engine.rule_split(facts(joint_solution="joint siem"), P, [rule])
    assert amounts(shares) == {A: Decimal("500.00"), B: Decimal("300.00"), None: Decimal("200.00")}
    assert {s.rule_version for s in shares} == {"Joint SIEM v2"}
    assert "unattributed" in [s for s in shares if s.partnership_id is None][0].explanation


def test_rule_split_matches_products_and_first_rule_wins():
    first = Rule(1, "Vault", 1, "product", "Vault", ((A, Decimal("100")),))
    second = Rule(2, "Vault bis", 1, "product", "vault", ((B, Decimal("100")),))
    assert amounts(engine.rule_split(facts(products=("VAULT", "Edge")), P, [first, second])) == {A: Decimal("1000.00")}


def test_rule_split_without_matching_rule_says_why():
    (share,) = engine.rule_split(facts(products=("Edge",)), P, [])
    assert share.partnership_id is None and "no split rule matches" in share.explanation


def test_materiality_proportional_to_scores():
    f = facts(partners=[(A, "sourced"), (B, "technical")], scores=[(A, 5, 4, 3), (B, 1, 1, 1)])
    shares = engine.materiality(f, P)
    assert amounts(shares) == {A: Decimal("800.00"), B: Decimal("200.00")}
    assert "12 of 15 points" in shares[0].explanation


def test_materiality_without_scores_is_unattributed():
    (share,) = engine.materiality(facts(partners=[(A, "sourced")]), P)
    assert share.partnership_id is None and "materiality" in share.explanation


def test_shapley_single_partner_takes_everything():
    assert amounts(engine.shapley(facts(partners=[(A, "sourced")]), P)) == {A: Decimal("1000.00")}


def test_shapley_hand_computed_coverage_game():
    # v: sourced worth 60, each phase 40/3. A sourced + pre-sale, B pre-sale + post-sale.
    # Sourcing is A's alone (60); pre-sale is shared (40/3 each half = 20/3); post-sale is B's (40/3).
    # A = 60 + 20/3 = 66.67 %, B = 20/3 + 40/3 = 20 %; total value 60 + 80/3, so shares are 200/260 and 60/260.
    f = facts(
        partners=[(A, "sourced"), (B, "influenced")],
        touches=[touch(A, at(3, 1)), touch(B, at(3, 2)), touch(B, at(5, 1), phase="post_sale")],
    )
    assert amounts(engine.shapley(f, P)) == {A: Decimal("769.23"), B: Decimal("230.77")}


def test_shapley_symmetric_partners_tie():
    f = facts(partners=[(A, "influenced"), (B, "influenced")], touches=[touch(A, at(3, 1)), touch(B, at(3, 1))])
    assert amounts(engine.shapley(f, P)) == {A: Decimal("500.00"), B: Decimal("500.00")}


def test_shapley_above_ten_partners_is_exact_not_estimated():
    partners = [(pid, "influenced") for pid in range(1, 13)]
    touches = [touch(pid, at(3, pid), phase=engine.PHASES[pid % 3]) for pid in range(1, 13)]
    shares = engine.shapley(facts(partners=partners, touches=touches), P)
    assert sum(s.amount for s in shares) == Decimal("1000.00")
    assert "exact for 12 partners" in shares[0].explanation and "estimated" not in shares[0].explanation


# Properties ---------------------------------------------------------------------------------------

amount_st = st.decimals(min_value=Decimal("0"), max_value=Decimal("10000000"), places=2, allow_nan=False)
pid_st = st.integers(min_value=1, max_value=6)
role_st = st.sampled_from(["sourced", "influenced", "fulfilment", "technical", "referral"])
when_st = st.datetimes(min_value=datetime.datetime(2025, 1, 1), max_value=datetime.datetime(2026, 6, 1)).map(
    lambda d: d.replace(tzinfo=datetime.UTC)
)
touch_st = st.tuples(pid_st, when_st, st.just("Co-sell call"), st.sampled_from(engine.PHASES), st.just(""))
score_st = st.tuples(pid_st, st.integers(0, 5), st.integers(0, 5), st.integers(0, 5))
weight_st = st.decimals(min_value=Decimal("0"), max_value=Decimal("100"), places=2)


@st.composite
def facts_st(draw):
    partners = draw(st.lists(st.tuples(pid_st, role_st), max_size=6, unique_by=lambda p: p[0]))
    return facts(
        amount=str(draw(amount_st)),
        status=draw(st.sampled_from(["open", "won", "lost"])),
        partners=partners,
        touches=draw(st.lists(touch_st, max_size=8)),
        scores=draw(st.lists(score_st, max_size=6, unique_by=lambda s: s[0])),
        products=tuple(draw(st.lists(st.sampled_from(["Vault", "Edge"]), max_size=2))),
        close_date=draw(st.none() | st.dates(datetime.date(2025, 1, 1), datetime.date(2027, 1, 1))),
    )


@st.composite
def params_st(draw):
    middle = draw(st.integers(0, 100))
    first = draw(st.integers(0, 100 - middle))
    sourced = draw(weight_st)
    return Params(
        sourced_weight=sourced,
        influenced_weight=draw(weight_st) if sourced else Decimal("40"),
        half_life_days=draw(st.integers(1, 365)),
        position_first=Decimal(first),
        position_middle=Decimal(middle),
        position_last=Decimal(100 - middle - first),
        as_of=datetime.date(2026, 6, 30),
    )


RULES = [
    Rule(1, "Vault", 3, "product", "Vault", ((1, Decimal("33.33")), (2, Decimal("33.33")))),
    Rule(2, "Edge", 1, "product", "Edge", ((3, Decimal("100")),)),
]


@pytest.mark.parametrize("model", list(engine.MODELS))
@settings(max_examples=150, deadline=None)
@given(f=facts_st(), params=params_st())
def test_every_model_shares_add_up_exactly_and_are_never_negative(model, f, params):
    shares = engine.credit(model, f, params, RULES)
    assert shares, "a model always explains where the amount went"
    assert sum(s.amount for s in shares) == engine.credited_amount(f)
    assert all(s.amount >= 0 for s in shares)
    assert all(s.amount == s.amount.quantize(Decimal("0.01")) for s in shares)
    assert all(s.explanation for s in shares)
    assert len({s.partnership_id for s in shares}) == len(shares)
