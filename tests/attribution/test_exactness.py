"""Issue 19, exactness: integer cents with exact remainders, ties by partnership id, order independence,
simultaneous touches in position based, and the closed-form Shapley value checked against its definition."""

import datetime
import math
import random
from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from attribution import engine
from attribution.engine import Facts, Involvement, Params, Rule, Score, Touch

P = Params(as_of=datetime.date(2026, 6, 30))


def at(month, day, hour=12):
    return datetime.datetime(2026, month, day, hour, tzinfo=datetime.UTC)


def amounts(shares):
    return {s.partnership_id: s.amount for s in shares}


def opp(amount, partners=(), touches=(), scores=(), **extra):
    return Facts(
        opportunity_id=7,
        amount=Decimal(amount),
        status="open",
        partners=[Involvement(pid, role) for pid, role in partners],
        touches=[Touch(pid, when, "Co-sell call", phase, "", i + 1) for i, (pid, when, phase) in enumerate(touches)],
        scores=[Score(*s) for s in scores],
        **extra,
    )


# The four defects of the issue, each as found -----------------------------------------------------


def test_defect_1_equal_remainders_are_decided_exactly_by_lowest_partnership_id():
    # 149,294 cents in 4:1:1 leave one cent for three remainders of exactly 1/3: it goes to the lowest id, 6.
    assert engine.allocate(Decimal("1492.94"), {13: 4, 16: 1, 6: 1}) == {
        13: Decimal("995.29"),
        16: Decimal("248.82"),
        6: Decimal("248.83"),
    }


def test_defect_1_the_unattributed_remainder_loses_ties():
    assert engine.allocate(Decimal("0.01"), {None: 1, 9: 1}) == {9: Decimal("0.01"), None: Decimal("0.00")}


def test_defect_2_sourced_influenced_materiality_and_shapley_ignore_input_order():
    for order in ([1, 2, 3], [3, 2, 1], [2, 3, 1]):
        f = opp("1.00", partners=[(pid, "influenced") for pid in order])
        assert amounts(engine.sourced_influenced(f, P)) == {1: Decimal("0.34"), 2: Decimal("0.33"), 3: Decimal("0.33")}
        scored = opp("1.01", partners=[(pid, "influenced") for pid in order], scores=[(pid, 1, 1, 1) for pid in order])
        assert amounts(engine.materiality(scored, P)) == {1: Decimal("0.34"), 2: Decimal("0.34"), 3: Decimal("0.33")}
        touched = opp(
            "1.01",
            partners=[(pid, "influenced") for pid in order],
            touches=[(pid, at(3, 1), "pre_sale") for pid in order],
        )
        assert amounts(engine.shapley(touched, P)) == {1: Decimal("0.34"), 2: Decimal("0.34"), 3: Decimal("0.33")}


def test_defect_3_position_based_simultaneous_first_touches_share_the_first_slot():
    # Two instants only: the middle weight (20) is split between the slots, so 50 % each slot; 1 and 2 share theirs.
    f = opp("100.00", touches=[(1, at(3, 1), "pre_sale"), (2, at(3, 1), "pre_sale"), (3, at(3, 8), "pre_sale")])
    shares = engine.position_based(f, P)
    assert amounts(shares) == {1: Decimal("25.00"), 2: Decimal("25.00"), 3: Decimal("50.00")}
    assert "shared by 2 partners" in shares[0].explanation


def test_defect_3_simultaneous_last_touches_share_the_last_slot_and_middles_share_twenty():
    f = opp(
        "100.00",
        touches=[
            (1, at(3, 1), "pre_sale"),
            (2, at(3, 4), "pre_sale"),
            (3, at(3, 9), "post_sale"),
            (4, at(3, 9), "post_sale"),
        ],
    )
    assert amounts(engine.position_based(f, P)) == {
        1: Decimal("40.00"),
        2: Decimal("20.00"),
        3: Decimal("20.00"),
        4: Decimal("20.00"),
    }


def test_defect_4_shapley_of_twelve_identical_partners_is_exact():
    f = opp(
        "1200.00",
        partners=[(pid, "influenced") for pid in range(1, 13)],
        touches=[(pid, at(3, 1), "pre_sale") for pid in range(1, 13)],
    )
    assert amounts(engine.shapley(f, P)) == {pid: Decimal("100.00") for pid in range(1, 13)}


def test_time_decay_counts_whole_utc_days_and_clamps_touches_after_the_close():
    close = datetime.date(2026, 6, 30)
    # 23:30 at UTC-2 on 30 May is 01:30 UTC on 31 May: age 30 days = one half-life. A touch after the close is age 0.
    late_evening = datetime.datetime(2026, 5, 30, 23, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=-2)))
    f = Facts(
        opportunity_id=1,
        amount=Decimal("300.00"),
        status="open",
        close_date=close,
        touches=[Touch(1, late_evening, "Call", id=1), Touch(2, at(7, 15), "Call", id=2)],
    )
    assert amounts(engine.time_decay(f, P)) == {1: Decimal("100.00"), 2: Decimal("200.00")}
    assert Params().half_life_days == 30


# Properties ---------------------------------------------------------------------------------------

pid_st = st.integers(min_value=1, max_value=8)
when_st = st.sampled_from([at(m, d, h) for m in (2, 3, 5) for d in (1, 15) for h in (9, 17)])
touch_st = st.tuples(pid_st, when_st, st.sampled_from(engine.PHASES))
RULES = [
    Rule(1, "Vault", 3, "product", "Vault", ((1, Decimal("33.33")), (2, Decimal("33.33")), (5, Decimal("16.67")))),
    Rule(2, "Edge", 1, "product", "Edge", ((3, Decimal("50")), (4, Decimal("50")))),
]


@st.composite
def facts_st(draw):
    partners = draw(
        st.lists(
            st.tuples(pid_st, st.sampled_from(["sourced", "influenced", "technical"])),
            max_size=6,
            unique_by=lambda p: p[0],
        )
    )
    return opp(
        str(draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("100000"), places=2))),
        partners=partners,
        touches=draw(st.lists(touch_st, max_size=8)),
        scores=draw(
            st.lists(
                st.tuples(pid_st, st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)),
                max_size=6,
                unique_by=lambda s: s[0],
            )
        ),
        products=tuple(draw(st.lists(st.sampled_from(["Vault", "Edge"]), max_size=2, unique=True))),
        close_date=draw(st.none() | st.just(datetime.date(2026, 4, 1))),
    )


def _shuffled(f: Facts, seed: int) -> Facts:
    rng = random.Random(seed)
    partners, touches, scores = list(f.partners), list(f.touches), list(f.scores)
    for items in (partners, touches, scores):
        rng.shuffle(items)
    return Facts(
        f.opportunity_id,
        f.amount,
        f.status,
        f.close_date,
        tuple(reversed(f.products)),
        f.joint_solution,
        partners,
        touches,
        scores,
    )


@settings(max_examples=60, deadline=None)
@given(f=facts_st(), seed=st.integers(0, 10**6))
def test_every_model_is_invariant_under_shuffling_its_inputs(f, seed):
    other = _shuffled(f, seed)
    for model in engine.MODELS:
        assert engine.credit(model, f, P, RULES) == engine.credit(model, other, P, RULES), model


@st.composite
def clones_st(draw):
    """k identical partnerships (same role, touches at the same instants and phases, same scores, same rule
    share) and possibly one different partnership, on any amount."""
    ids = draw(st.lists(st.integers(1, 40), min_size=2, max_size=5, unique=True))
    role = draw(st.sampled_from(["sourced", "influenced"]))
    moments = draw(st.lists(st.tuples(when_st, st.sampled_from(engine.PHASES)), min_size=1, max_size=3))
    score = draw(st.tuples(st.integers(0, 3), st.integers(0, 3), st.integers(1, 3)))
    partners = [(pid, role) for pid in ids]
    touches = [(pid, when, phase) for pid in ids for when, phase in moments]
    scores = [(pid, *score) for pid in ids]
    if draw(st.booleans()):
        partners.append((99, "technical"))
        touches.append((99, draw(when_st), "post_sale"))
        scores.append((99, 1, 2, 3))
    percent = draw(st.sampled_from([Decimal("10"), Decimal("12.5"), Decimal("33.33")]))
    rule = Rule(5, "Clones", 1, "product", "Vault", tuple((pid, percent) for pid in ids[:3]) + ((99, Decimal("1")),))
    amount = draw(st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50000"), places=2))
    f = opp(str(amount), partners=partners, touches=touches, scores=scores, products=("Vault",))
    return f, sorted(ids[:3]), rule


@settings(max_examples=40, deadline=None)
@given(case=clones_st())
def test_identical_partnerships_get_equal_credit_to_the_cent(case):
    f, clones, rule = case
    for model in engine.MODELS:
        got = amounts(engine.credit(model, f, P, [rule]))
        credited = [got.get(pid, Decimal("0")) for pid in clones]
        assert max(credited) - min(credited) <= Decimal("0.01"), (model, credited)
        assert credited == sorted(credited, reverse=True), (model, "the forced cent goes to the lowest id")


def shapley_by_definition(covers: dict[int, int], worth: list[Fraction]) -> dict[int, Fraction]:
    """The Shapley value from its definition, sum over coalitions S not containing i of
    |S|! (n-|S|-1)! / n! (v(S + i) - v(S)), counting coalitions by (size, covered items) with a DP."""
    players = sorted(covers)
    n = len(players)

    def value(mask):
        return sum((w for i, w in enumerate(worth) if mask >> i & 1), Fraction(0))

    result = {}
    for player in players:
        counts = {(0, 0): 1}  # (coalition size, items covered) -> number of coalitions of the others
        for other in players:
            if other == player:
                continue
            nxt = dict(counts)
            for (size, mask), c in counts.items():
                key = (size + 1, mask | covers[other])
                nxt[key] = nxt.get(key, 0) + c
            counts = nxt
        total = Fraction(0)
        for (size, mask), c in counts.items():
            gain = value(mask | covers[player]) - value(mask)
            if gain:
                total += Fraction(c * math.factorial(size) * math.factorial(n - size - 1), math.factorial(n)) * gain
        result[player] = total
    return result


@settings(max_examples=40, deadline=None)
@given(
    masks=st.lists(st.integers(0, 15), min_size=1, max_size=20),
    sourced=st.integers(0, 100),
    influence=st.integers(0, 100),
)
def test_shapley_closed_form_equals_the_definition_up_to_twenty_partners(masks, sourced, influence):
    covers = dict(enumerate(masks, start=1))
    worth = [Fraction(sourced)] + [Fraction(influence, 3)] * 3
    assert engine.shapley_coverage(covers, worth) == shapley_by_definition(covers, worth)


def test_shapley_of_twenty_mixed_partners_matches_the_definition_through_the_model():
    rng = random.Random(19)
    partners = [(pid, "sourced" if pid % 7 == 0 else "influenced") for pid in range(1, 21)]
    touches = [(pid, at(3, 1 + pid % 5), engine.PHASES[rng.randrange(3)]) for pid in range(1, 21) for _ in range(2)]
    f = opp("12345.67", partners=partners, touches=touches)
    _, covers = engine._coverage(f)
    phi = shapley_by_definition(covers, [Fraction(60)] + [Fraction(40, 3)] * 3)
    expected = engine.allocate(Decimal("12345.67"), phi)
    assert amounts(engine.shapley(f, P)) == expected
