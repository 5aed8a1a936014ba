"""The attribution models over a chunk of opportunities at once (numpy), equal to `attribution.engine`.

`attribution.engine` is the reference: one pure function per model and opportunity. A run computes
the same credit for thousands of opportunities; calling the reference per model and deal spends
almost all its time in Python bookkeeping. Here every model works on the chunk's columns:

- a `Chunk` holds the deals (credited cents), their partner links, touchpoints (in the reference's
  `_touch_key` order per deal) and scores as numpy columns, built from the run's rows
  (`chunk_from_rows`) or from `engine.Facts` (`chunk_from_facts`, for tests and the reference check);
- each model turns the columns into integer weights per (deal, partnership) with grouped numpy
  operations, and `_allocate` splits every deal's cents at once by the same rule as
  `engine.allocate`: floor of the exact quota, the cents left over to the largest exact remainders,
  equal remainders to the lowest partnership id, the unattributed remainder last;
- explanations come from the reference's own wording, filled once per distinct case (cached per
  run) or once per row where a row quotes its own touchpoint; nothing per row that a chunk can do.

Integers stay below 2^62 (cents × weight) and weights below 2^53 (so the fraction quoted in the
explanation is the same correctly rounded float as the reference's); a deal outside those bounds,
and time decay's float weights (exact only as Python integers), are allocated in Python ints,
deal by deal, with the same rule. A hypothesis test checks the whole equals the reference to the
cent and in explanation text.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from operator import itemgetter

import numpy as np

from attribution import engine

EPOCH_ORDINAL = datetime.date(1970, 1, 1).toordinal()
EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
US = datetime.timedelta(microseconds=1)
NONE_TIE = 1 << 62  # the unattributed remainder's place in the tie order: after every partnership id
I64 = np.int64


def day_number(day: datetime.date) -> int:
    return day.toordinal() - EPOCH_ORDINAL


@dataclass
class Chunk:
    """The columns of a chunk of deals. Touches are in the reference's `_touch_key` order within a deal,
    and every row array is sorted by its deal index."""

    cents: np.ndarray  # credited cents per deal (0 when lost)
    lost: np.ndarray  # bool per deal
    close_day: list  # the deal's close (or expected close) as a day number, or None
    products: list  # tuple of product names per deal
    joint: list  # joint solution per deal
    l_deal: np.ndarray
    l_pid: np.ndarray
    l_role: np.ndarray  # 0 = sourced, else 1 + the role's rank among the chunk's other role names
    role_names: list  # code -> role name
    t_deal: np.ndarray
    t_pid: np.ndarray
    t_at: np.ndarray  # the instant, microseconds since 1970 UTC (order and equality only)
    t_day: np.ndarray  # the UTC day number (time decay's age)
    t_when: list  # the day number quoted in explanations ("on 3 March 2026"), in the touch's own zone
    t_item: np.ndarray  # bit of engine.ITEMS the touch covers for Shapley (its phase)
    t_label: list
    t_note: list
    s_deal: np.ndarray
    s_pid: np.ndarray
    s_parts: np.ndarray  # (S, 3): sales motion, value proposition, delivery
    facts: Callable[[int], engine.Facts] | None = None  # the deal as the reference sees it (for fallbacks)

    @property
    def size(self) -> int:
        return len(self.cents)

    @cached_property
    def t_text_key(self) -> list[tuple]:
        """What a touch's quoted text depends on: (label, note, day), per touch."""
        return list(zip(self.t_label, self.t_note, self.t_when, strict=True))


def _ints(values) -> np.ndarray:
    return np.fromiter(values, dtype=I64)


def _role_codes(roles: list[str]) -> tuple[np.ndarray, list[str]]:
    names = sorted(set(roles) - {"sourced"})
    code = {"sourced": 0} | {name: i + 1 for i, name in enumerate(names)}
    return _ints(code[r] for r in roles), ["sourced", *names]


def _item_bit(phase: str) -> int:
    return 1 << engine.ITEMS.index(phase if phase in engine.PHASES else "pre_sale")


_ITEM_BIT = {phase: _item_bit(phase) for phase in engine.PHASES}


def chunk_from_facts(facts_list: list[engine.Facts]) -> Chunk:
    """The columns of `facts_list`, as the reference reads them (touches in `_touch_key` order)."""
    links = [(d, p.partnership_id, p.role) for d, f in enumerate(facts_list) for p in f.partners]
    touches = [(d, t) for d, f in enumerate(facts_list) for t in f.ordered_touches]
    scores = [(d, s) for d, f in enumerate(facts_list) for s in f.scores]

    def utc_day(at: datetime.datetime) -> int:
        at = at.astimezone(datetime.UTC) if at.tzinfo is not None else at
        return day_number(at.date())

    def instant(at: datetime.datetime) -> int:
        return (at - EPOCH) // US if at.tzinfo is not None else (at - EPOCH.replace(tzinfo=None)) // US

    roles, role_names = _role_codes([r for _, _, r in links])
    return Chunk(
        cents=_ints(int(f.credited * 100) for f in facts_list),
        lost=np.array([f.status == "lost" for f in facts_list], dtype=bool),
        close_day=[day_number(f.close_date) if f.close_date else None for f in facts_list],
        products=[tuple(f.products) for f in facts_list],
        joint=[f.joint_solution for f in facts_list],
        l_deal=_ints(d for d, _, _ in links),
        l_pid=_ints(p for _, p, _ in links),
        l_role=roles,
        role_names=role_names,
        t_deal=_ints(d for d, _ in touches),
        t_pid=_ints(t.partnership_id for _, t in touches),
        t_at=_ints(instant(t.occurred_at) for _, t in touches),
        t_day=_ints(utc_day(t.occurred_at) for _, t in touches),
        t_when=[day_number(t.occurred_at.date()) for _, t in touches],
        t_item=_ints(_item_bit(t.phase) for _, t in touches),
        t_label=[t.label for _, t in touches],
        t_note=[t.note for _, t in touches],
        s_deal=_ints(d for d, _ in scores),
        s_pid=_ints(s.partnership_id for _, s in scores),
        s_parts=np.array([(s.sales_motion, s.value_proposition, s.delivery) for _, s in scores], dtype=I64).reshape(
            -1, 3
        ),
        facts=facts_list.__getitem__,
    )


def _columns(rows: list[tuple], width: int) -> list[list]:
    """Rows as columns (several times faster than zip(*rows) on long lists)."""
    return [list(map(itemgetter(k), rows)) for k in range(width)]


def chunk_from_rows(
    ids: list[int], deals: list[tuple], links: list[tuple], touches: list[tuple], scores: list[tuple]
) -> Chunk:
    """The columns of a run's rows. `ids`: the deals' opportunity ids, ascending; `deals`: (cents, lost,
    close date or None, products, joint solution) per deal. Each other row starts with its opportunity id:
    links (id, partnership, role), touches (id, partnership, instant in µs since 1970 UTC, influence type
    name, phase, note, touchpoint id), scores (id, partnership, sales motion, value proposition, delivery).

    Touches are sorted here by (deal, instant, touchpoint id): ids are unique, so that is the reference's
    touch order. The instants are UTC, so the day quoted is the UTC day, as the rows' datetimes (UTC
    connections) give it.
    """
    deal_cols, link_cols = _columns(deals, 5), _columns(links, 3)
    touch_cols, score_cols = _columns(touches, 7), _columns(scores, 5)
    id_array = np.array(ids, dtype=I64)

    def deal_of(column) -> np.ndarray:
        return np.searchsorted(id_array, np.array(column, dtype=I64)).astype(I64)

    roles, role_names = _role_codes(list(link_cols[2]))
    t_deal, t_at, t_id = deal_of(touch_cols[0]), np.array(touch_cols[2], dtype=I64), np.array(touch_cols[6], dtype=I64)
    order = np.lexsort((t_id, t_at, t_deal))
    in_order = bool((order[1:] > order[:-1]).all())
    pick = (lambda column: list(column)) if in_order else (lambda column: [column[i] for i in order.tolist()])
    t_at = t_at[order]
    t_day = t_at // 86_400_000_000
    item = _ITEM_BIT

    def facts(d: int) -> engine.Facts:
        """Deal d as the reference reads it (for the rare deal beyond the vector bounds)."""
        cents, lost, close, products, joint = deals[d]
        return engine.Facts(
            opportunity_id=ids[d],
            amount=Decimal(cents).scaleb(-2),
            status="lost" if lost else "open",
            close_date=close,
            products=tuple(products),
            joint_solution=joint,
            partners=[engine.Involvement(p, r) for o, p, r in links if o == ids[d]],
            touches=[
                engine.Touch(p, EPOCH + at * US, label, phase, note, tid)
                for o, p, at, label, phase, note, tid in touches
                if o == ids[d]
            ],
            scores=[engine.Score(p, *parts) for o, p, *parts in scores if o == ids[d]],
        )

    return Chunk(
        cents=np.array(deal_cols[0], dtype=I64),
        lost=np.array(deal_cols[1], dtype=bool),
        close_day=[day_number(d) if d else None for d in deal_cols[2]],
        products=list(deal_cols[3]),
        joint=list(deal_cols[4]),
        l_deal=deal_of(link_cols[0]),
        l_pid=np.array(link_cols[1], dtype=I64),
        l_role=roles,
        role_names=role_names,
        t_deal=t_deal[order],
        t_pid=np.array(touch_cols[1], dtype=I64)[order],
        t_at=t_at,
        t_day=t_day,
        t_when=t_day.tolist(),
        t_item=_ints(item[p] if p in item else _item_bit(p) for p in pick(touch_cols[4])),
        t_label=pick(touch_cols[3]),
        t_note=pick(touch_cols[5]),
        s_deal=deal_of(score_cols[0]),
        s_pid=np.array(score_cols[1], dtype=I64),
        s_parts=np.array(score_cols[2:], dtype=I64).T.reshape(-1, 3),
        facts=facts,
    )


@dataclass
class Rows:
    """A chunk's ledger rows in the reference's order (by deal, then model, then partnership id, None last)."""

    deal: list = field(default_factory=list)
    model: list = field(default_factory=list)
    pid: list = field(default_factory=list)  # None for the unattributed remainder
    cents: list = field(default_factory=list)
    share: list = field(default_factory=list)  # millionths of the credited amount
    explanation: list = field(default_factory=list)
    rule_version: list = field(default_factory=list)

    def shares(self, deal: int, model: str) -> list[engine.Share]:
        """One deal's rows of one model as the reference's `Share`s (for tests)."""
        return [
            engine.Share(
                self.pid[i],
                Decimal(self.cents[i]).scaleb(-2),
                Decimal(self.share[i]).scaleb(-6),
                self.explanation[i],
                self.rule_version[i],
            )
            for i in range(len(self.deal))
            if self.deal[i] == deal and self.model[i] == model
        ]


class Context:
    """What a run shares between chunks: its settings, rules, and the explanation caches."""

    def __init__(self, params: engine.Params, rules: Iterable[engine.Rule] = (), escape: Callable[[str], str] = str):
        self.params = params
        self.rules = list(rules)
        self.escape = escape  # applied to user text quoted in explanations (COPY escaping)
        self.sw, self.iw = engine._integral(params.sourced_weight, params.influenced_weight)
        self.positions = engine._integral(params.position_first, params.position_middle, params.position_last)
        self.half_life = max(1, int(params.half_life_days))
        self.as_of_day = day_number(params.as_of) if params.as_of else None
        self.cache: dict = {}
        self._pct: dict[float, str] = {}
        self._touch_text: dict = {}
        self._rule_of: dict = {}
        self._decay: list[float] = []

    def pct(self, fraction: float) -> str:
        text = self._pct.get(fraction)
        if text is None:
            text = self._pct[fraction] = engine.pct(fraction)
        return text

    def touch_text(self, chunk: Chunk, i: int) -> str:
        """ "co-sell call (note) on 3 March 2026" for touch i, escaped, made once per distinct touch text."""
        key = chunk.t_text_key[i]
        text = self._touch_text.get(key)
        if text is None:
            when = datetime.date.fromordinal(key[2] + EPOCH_ORDINAL)
            touch = engine.Touch(0, datetime.datetime(when.year, when.month, when.day), key[0], note=key[1])
            text = self._touch_text[key] = self.escape(f"{touch.what} on {touch.when}")
        return text

    def rule_of(self, products: tuple, joint: str) -> int | None:
        """The index of the first rule matching a deal's products and joint solution (cached per pair)."""
        key = (products, joint)
        if key not in self._rule_of:
            probe = engine.Facts(0, Decimal(0), "open", products=products, joint_solution=joint)
            self._rule_of[key] = next((i for i, r in enumerate(self.rules) if r.matches(probe)), None)
        return self._rule_of[key]

    def decay_table(self, max_age: int) -> np.ndarray:
        """2^(-age / half-life) for ages 0..max_age, computed by Python exactly as the reference does."""
        if len(self._decay) <= max_age:
            hl = self.half_life
            self._decay = [2.0 ** (-age / hl) for age in range(max(max_age + 1, 2 * len(self._decay)))]
        return np.array(self._decay[: max_age + 1], dtype=np.float64)


# Grouping and allocation ------------------------------------------------------------------------------


def starts_of(keys: np.ndarray) -> np.ndarray:
    """Where each run of equal values starts in a sorted key array."""
    if len(keys) == 0:
        return np.zeros(0, dtype=I64)
    return np.flatnonzero(np.concatenate(([True], keys[1:] != keys[:-1])))


def ends_of(starts: np.ndarray, n: int) -> np.ndarray:
    """Where each run ends (inclusive), given where the runs start in n rows."""
    return np.append(starts[1:], n) - 1 if n else np.zeros(0, dtype=I64)


def pair_key(deal: np.ndarray, pid: np.ndarray) -> np.ndarray:
    """(deal, partnership) as one sortable int64 (partnership ids are below 2^40 here)."""
    return (deal << 40) + pid


@dataclass
class Alloc:
    """Allocation rows sorted by (deal, tie): `src` indexes the rows given to `allocate`; cents and share
    (millionths) out; `ok` False where a deal's integers would not fit (the reference computes those)."""

    src: np.ndarray
    deal: np.ndarray
    tie: np.ndarray
    weight: np.ndarray
    cents: np.ndarray = None
    share: np.ndarray = None
    fraction: np.ndarray = None  # weight / the deal's total weight, as a correctly rounded float
    ok: np.ndarray = None


LIMIT = 1 << 62


def allocate(chunk_cents: np.ndarray, deal: np.ndarray, tie: np.ndarray, weight: np.ndarray) -> Alloc:
    """engine.allocate for many deals at once: rows (deal, tie, integer weight); rows with weight <= 0 are
    left out, the others sorted by (deal, tie), the reference's output order."""
    positive = np.flatnonzero(weight > 0)
    order = positive[np.lexsort((tie[positive], deal[positive]))]
    a = Alloc(order, deal[order], tie[order], weight[order])
    n = len(a.deal)
    if n == 0:
        a.cents = a.share = np.zeros(0, dtype=I64)
        a.fraction, a.ok = np.zeros(0), np.zeros(0, dtype=bool)
        return a
    starts = starts_of(a.deal)
    sizes = np.diff(np.append(starts, n))
    deal_cents = chunk_cents[a.deal[starts]]
    cents = np.repeat(deal_cents, sizes)
    # Bounds, checked without overflowing: cents x weight < 2^62, weights and their total < 2^53, cents < 2^43.
    small = np.where(a.weight < (1 << 53), a.weight, 0)
    total = np.add.reduceat(small, starts)
    fits = (np.add.reduceat((a.weight >= (1 << 53)).astype(I64), starts) == 0) & (total < (1 << 53))
    fits &= deal_cents < (1 << 43)
    fits &= np.logical_and.reduceat(small <= LIMIT // np.maximum(cents, 1), starts)
    a.ok = np.repeat(fits, sizes)
    row_total = np.repeat(np.where(fits, total, 1), sizes)
    c = np.where(a.ok & (cents > 0), cents, 0)
    w = np.where(a.ok, a.weight, 0)
    floor, remainder = np.divmod(c * w, row_total)
    left = np.where(fits & (deal_cents > 0), deal_cents - np.add.reduceat(floor, starts), 0)
    ranked = np.lexsort((a.tie, -remainder, a.deal))
    position = np.empty(n, dtype=I64)
    position[ranked] = np.arange(n, dtype=I64)
    rank = position - np.repeat(starts, sizes)
    a.cents = floor + (rank < np.repeat(left, sizes))
    a.share = share_millionths(a.cents, c)
    a.fraction = w / row_total
    return a


def share_millionths(parts: np.ndarray, cents: np.ndarray) -> np.ndarray:
    """parts / cents in millionths, rounded half to even (0 where cents is 0), as engine._shares does."""
    denominator = np.where(cents > 0, cents, 1)
    whole, rest = np.divmod(np.where(cents > 0, parts, 0) * 1_000_000, denominator)
    up = (2 * rest > denominator) | ((2 * rest == denominator) & (whole % 2 == 1))
    return np.where(cents > 0, whole + up, 0)


# Running the models ----------------------------------------------------------------------------------


class Out:
    """A model's rows for a chunk, gathered as column pieces: numpy for (deal, tie, cents, share), lists for texts."""

    def __init__(self):
        self.deal, self.tie, self.cents, self.share = [], [], [], []
        self.explanation: list[str] = []
        self.rule_version: list[str] = []

    def add(self, deal, tie, cents, share, explanation: list[str], rule_version: list[str] | str = ""):
        self.deal.append(np.asarray(deal, dtype=I64))
        self.tie.append(np.asarray(tie, dtype=I64))
        self.cents.append(np.asarray(cents, dtype=I64))
        self.share.append(np.asarray(share, dtype=I64))
        self.explanation.extend(explanation)
        if isinstance(rule_version, str):
            rule_version = [rule_version] * len(explanation)
        self.rule_version.extend(rule_version)

    def nobody(self, chunk: Chunk, deals: np.ndarray, reason: str) -> None:
        """The whole credited amount unattributed, for `deals`, saying why."""
        cents = chunk.cents[deals]
        self.add(deals, np.full(len(deals), NONE_TIE), cents, np.where(cents != 0, 1_000_000, 0), [reason] * len(deals))

    def shares(self, deal: int, shares: list[engine.Share], escape: Callable[[str], str] = str) -> None:
        """Rows the reference computed (deals outside the vector bounds), texts escaped as the others."""
        for s in shares:
            self.add(
                [deal],
                [NONE_TIE if s.partnership_id is None else s.partnership_id],
                [int(s.amount * 100)],
                [int(s.share * 1_000_000)],
                [escape(s.explanation)],
                escape(s.rule_version),
            )

    def allocated(self, a: Alloc, explain: Callable[[np.ndarray], list[str]], rule_version="") -> np.ndarray:
        """Add the rows of deals allocated in bounds (explain(row indices) -> texts); returns the other deals."""
        keep = np.flatnonzero(a.ok)
        self.add(a.deal[keep], a.tie[keep], a.cents[keep], a.share[keep], explain(keep), rule_version)
        return np.unique(a.deal[~a.ok])


def fsum_groups(values: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """math.fsum over each run (correctly rounded, as the reference sums a partnership's decay weights)."""
    n = len(values)
    sizes = np.diff(np.append(starts, n))
    sums = values[starts].copy()
    plain = values.tolist()
    for g in np.flatnonzero(sizes > 1).tolist():
        s = int(starts[g])
        sums[g] = math.fsum(plain[s : s + int(sizes[g])])
    return sums
