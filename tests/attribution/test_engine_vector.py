"""Issue 19, speed: the models over a chunk (attribution.engine_vector) equal the reference engine to the cent
and in explanation text, for random chunks (ties, equal weights, zero amounts, lost deals, many partners,
simultaneous touches, zero weights in the settings, amounts beyond the vector bounds)."""

import datetime
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attribution import engine, engine_vector, ledger
from attribution.engine import Facts, Involvement, Params, Rule, Score, Touch
from attribution.engine_vector_models import credit_chunk

RULES = [
    Rule(1, "Vault", 3, "product", "Vault", ((1, Decimal("33.33")), (2, Decimal("33.33")), (5, Decimal("16.67")))),
    Rule(2, "Edge\tplus", 1, "product", "Edge", ((3, Decimal("50")), (4, Decimal("50")))),
    Rule(3, "Siem", 1, "joint_solution", "SIEM", ((6, Decimal("60")), (7, Decimal("60")))),
    Rule(4, "Empty", 1, "product", "Insight", ((8, Decimal("0")),)),
]
UTC_MINUS_2 = datetime.timezone(datetime.timedelta(hours=-2))


def at(month, day, hour=12, tz=datetime.UTC):
    return datetime.datetime(2026, month, day, hour, tzinfo=tz)


when_st = st.sampled_from(
    [at(m, d, h) for m in (2, 3, 5) for d in (1, 15) for h in (9, 17)] + [at(5, 30, 23, UTC_MINUS_2), at(8, 1)]
)
amount_st = st.one_of(
    st.sampled_from(["0", "0.01", "0.02", "1.00", "1.01", "1492.94", "999999999999.99"]),
    st.decimals(min_value=Decimal("0"), max_value=Decimal("100000"), places=2).map(str),
)


@st.composite
def facts_st(draw, index):
    many = draw(st.booleans())
    pid_st = st.integers(1, 40 if many else 8)
    return Facts(
        opportunity_id=index,
        amount=Decimal(draw(amount_st)),
        status=draw(st.sampled_from(["open", "won", "lost"])),
        close_date=draw(st.none() | st.just(datetime.date(2026, 4, 1)) | st.just(datetime.date(2026, 6, 30))),
        products=tuple(draw(st.lists(st.sampled_from(["Vault", "Edge", "Insight"]), max_size=2, unique=True))),
        joint_solution=draw(st.sampled_from(["", "SIEM", "siem "])),
        partners=draw(
            st.lists(
                st.builds(Involvement, pid_st, st.sampled_from(["sourced", "influenced", "technical", "referral"])),
                max_size=12 if many else 4,
            )
        ),
        touches=draw(
            st.lists(
                st.builds(
                    Touch,
                    pid_st,
                    when_st,
                    st.sampled_from(["Co-sell call", "Demo"]),
                    st.sampled_from([*engine.PHASES, "other"]),
                    st.sampled_from(["", "a\tb\\c", "  spaced   note  ", "x" * 70]),
                    st.integers(0, 3),
                ),
                max_size=14 if many else 6,
            )
        ),
        scores=draw(
            st.lists(st.builds(Score, pid_st, st.integers(0, 3), st.integers(0, 3), st.integers(0, 3)), max_size=4)
        ),
    )


params_st = st.builds(
    Params,
    sourced_weight=st.sampled_from([Decimal("60"), Decimal("0"), Decimal("33.33")]),
    influenced_weight=st.sampled_from([Decimal("40"), Decimal("0"), Decimal("12.5")]),
    half_life_days=st.sampled_from([30, 1, 7]),
    position_first=st.sampled_from([Decimal("40"), Decimal("0"), Decimal("33.3")]),
    position_middle=st.sampled_from([Decimal("20"), Decimal("0")]),
    position_last=st.sampled_from([Decimal("40"), Decimal("10")]),
    as_of=st.none() | st.just(datetime.date(2026, 6, 30)),
)


@st.composite
def chunks_st(draw):
    size = draw(st.integers(1, 12))
    return [draw(facts_st(i)) for i in range(size)]


def reference(facts_list, params, models):
    return [
        (d, model, share)
        for d, facts in enumerate(facts_list)
        for model in models
        for share in engine.credit(model, facts, params, RULES)
    ]


def vectorised(facts_list, params, models, escape=str):
    rows = credit_chunk(
        engine_vector.chunk_from_facts(facts_list), models, engine_vector.Context(params, RULES, escape)
    )
    return [
        (
            rows.deal[i],
            rows.model[i],
            engine.Share(
                rows.pid[i],
                Decimal(rows.cents[i]).scaleb(-2),
                Decimal(rows.share[i]).scaleb(-6),
                rows.explanation[i],
                rows.rule_version[i],
            ),
        )
        for i in range(len(rows.deal))
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(facts_list=chunks_st(), params=params_st)
def test_the_vectorised_models_equal_the_reference_to_the_cent_and_in_explanations(facts_list, params):
    models = list(engine.MODELS)
    assert vectorised(facts_list, params, models) == reference(facts_list, params, models)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(facts_list=chunks_st(), params=params_st)
def test_escaped_explanations_are_the_reference_escaped_for_copy(facts_list, params):
    models = list(engine.MODELS)
    want = [
        (d, m, s._replace(explanation=ledger.copy_text(s.explanation), rule_version=ledger.copy_text(s.rule_version)))
        for d, m, s in reference(facts_list, params, models)
    ]
    got = vectorised(facts_list, params, models, escape=ledger.copy_text)
    assert [(d, m, s.partnership_id, s.amount, s.share, s.explanation) for d, m, s in got] == [
        (d, m, s.partnership_id, s.amount, s.share, s.explanation) for d, m, s in want
    ]


def test_a_deal_beyond_the_vector_bounds_is_computed_by_the_reference():
    # 10^12 cents times Shapley's integer weights exceeds 2^62: that deal goes through the reference.
    huge = Facts(
        opportunity_id=1,
        amount=Decimal("9999999999.99"),
        status="open",
        partners=[Involvement(pid, "sourced" if pid == 1 else "influenced") for pid in range(1, 8)],
        touches=[Touch(pid, at(3, pid), "Demo", engine.PHASES[pid % 3], "", pid) for pid in range(1, 8)],
    )
    small = Facts(opportunity_id=2, amount=Decimal("1.01"), status="won", partners=[Involvement(3, "influenced")])
    params = Params(sourced_weight=Decimal("60.000001"), as_of=datetime.date(2026, 6, 30))
    models = list(engine.MODELS)
    assert vectorised([huge, small], params, models) == reference([huge, small], params, models)
    assert sum(s.amount for d, m, s in vectorised([huge], params, ["shapley"])) == Decimal("9999999999.99")


def test_an_empty_chunk_and_deals_without_anything_credit_nobody_as_the_reference():
    bare = [Facts(opportunity_id=i, amount=Decimal("5.00"), status="open") for i in range(3)]
    models = list(engine.MODELS)
    assert vectorised(bare, Params(), models) == reference(bare, Params(), models)
    assert vectorised([], Params(), models) == []
