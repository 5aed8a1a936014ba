"""Attribution models: pure functions from one opportunity's facts to partner credit.

Every model returns a list of `Share`s whose amounts add up EXACTLY to the credited amount: the
opportunity's amount when it is open or won, zero when it is lost. Amounts are Decimal cents split
by largest remainder, never negative. Credit nobody earns is a share with `partnership_id=None`
whose explanation says why ("no partner attached", "lost deal", …), so finance can always see
where every cent went.

Shapley value: exact by enumerating all coalitions for up to SHAPLEY_EXACT_LIMIT (10) partnerships
(1,024 coalitions); above that, the value is estimated from SHAPLEY_SAMPLES random orderings seeded
by the opportunity id (so reruns give the same numbers), and the explanation says so.
"""

from __future__ import annotations

import datetime
import math
import random
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

CENT = Decimal("0.01")
SHAPLEY_EXACT_LIMIT = 10
SHAPLEY_SAMPLES = 1000
PHASES = ("pre_sale", "point_of_sale", "post_sale")
PHASE_LABELS = {"pre_sale": "pre-sale", "point_of_sale": "point of sale", "post_sale": "post-sale"}
TOUCH_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")


@dataclass(frozen=True)
class Involvement:
    partnership_id: int
    role: str  # sourced, influenced, fulfilment, technical, referral


@dataclass(frozen=True)
class Touch:
    partnership_id: int
    occurred_at: datetime.datetime
    label: str  # influence type name
    phase: str = "pre_sale"
    note: str = ""
    id: int = 0

    @property
    def what(self) -> str:
        note = " ".join(self.note.split())
        if note:
            note = note if len(note) <= 60 else note[:57] + "…"
            return f"{self.label.lower()} ({note})"
        return self.label.lower()

    @property
    def when(self) -> str:
        return f"{self.occurred_at.day} {self.occurred_at:%B %Y}"


@dataclass(frozen=True)
class Score:
    partnership_id: int
    sales_motion: int
    value_proposition: int
    delivery: int

    @property
    def total(self) -> int:
        return self.sales_motion + self.value_proposition + self.delivery


@dataclass(frozen=True)
class Rule:
    rule_id: int
    name: str
    version: int
    match_on: str  # joint_solution | product
    match_value: str
    shares: tuple[tuple[int, Decimal], ...]  # (partnership_id, percent)

    def matches(self, facts: Facts) -> bool:
        wanted = self.match_value.strip().casefold()
        if self.match_on == "joint_solution":
            return bool(wanted) and facts.joint_solution.strip().casefold() == wanted
        return wanted in {p.strip().casefold() for p in facts.products}

    @property
    def label(self) -> str:
        return f"{self.name} v{self.version}"


@dataclass
class Facts:
    """What the models know about one opportunity."""

    opportunity_id: int
    amount: Decimal
    status: str  # open, won, lost
    close_date: datetime.date | None = None
    products: tuple[str, ...] = ()
    joint_solution: str = ""
    partners: list[Involvement] = field(default_factory=list)
    touches: list[Touch] = field(default_factory=list)
    scores: list[Score] = field(default_factory=list)


@dataclass(frozen=True)
class Params:
    sourced_weight: Decimal = Decimal("60")
    influenced_weight: Decimal = Decimal("40")
    half_life_days: int = 30
    position_first: Decimal = Decimal("40")
    position_middle: Decimal = Decimal("20")
    position_last: Decimal = Decimal("40")
    as_of: datetime.date | None = None


@dataclass(frozen=True)
class Share:
    partnership_id: int | None
    amount: Decimal
    share: Decimal  # fraction of the credited amount, 6 places
    explanation: str
    rule_version: str = ""


def pct(fraction) -> str:
    """0.4 -> "40 %", 1/3 -> "33.33 %"."""
    text = f"{float(fraction) * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text} %"


def _weight(value) -> float:
    weight = float(value)
    return weight if math.isfinite(weight) and weight > 0 else 0.0


def allocate(total: Decimal, weights: dict[Hashable, Decimal | float | int]) -> dict[Hashable, Decimal]:
    """Split `total` (cents) in proportion to `weights` by largest remainder; exact, never negative.

    The cents are integers, so the parts always add up to `total`: weights only decide proportions
    (floats are precise enough for that), and a rounding artefact that would hand out one cent too
    many is taken back from the smallest remainder. Ties on the remainder go to the key that comes
    first in `weights`, so results are stable. Keys with zero weight get nothing and are left out.
    """
    cents = int((total / CENT).to_integral_value(rounding=ROUND_FLOOR))
    positive = {k: w for k, w in ((k, _weight(w)) for k, w in weights.items()) if w > 0}
    weight_sum = math.fsum(positive.values())
    if weight_sum <= 0 or cents <= 0:
        return {k: Decimal("0.00") for k in positive}
    quotas = {k: cents * w / weight_sum for k, w in positive.items()}
    floors = {k: min(cents, max(0, math.floor(q))) for k, q in quotas.items()}
    leftover = cents - sum(floors.values())
    order = {k: i for i, k in enumerate(positive)}
    by_remainder = sorted(positive, key=lambda k: (-(quotas[k] - floors[k]), order[k]))
    if leftover >= 0:
        for index in range(leftover):
            floors[by_remainder[index % len(by_remainder)]] += 1
    else:
        for key in reversed(by_remainder):
            if leftover == 0:
                break
            taken = min(floors[key], -leftover)
            floors[key] -= taken
            leftover += taken
    return {k: Decimal(floors[k]).scaleb(-2) for k in positive}


def credited_amount(facts: Facts) -> Decimal:
    return Decimal("0.00") if facts.status == "lost" else facts.amount.quantize(CENT)


def _shares(
    facts: Facts, weights: dict, explain: Callable[[Hashable, float], str], rule_version: str = ""
) -> list[Share]:
    total = credited_amount(facts)
    amounts = allocate(total, weights)
    if not amounts:
        return _nobody(facts, "Unattributed: every partner's weight is zero under this model's settings.")
    weight_sum = math.fsum(_weight(weights[k]) for k in amounts)
    shares = []
    for key, amount in amounts.items():
        share = (amount / total).quantize(Decimal("0.000001")) if total else Decimal("0")
        shares.append(Share(key, amount, share, explain(key, _weight(weights[key]) / weight_sum), rule_version))
    return shares


def _nobody(facts: Facts, reason: str) -> list[Share]:
    total = credited_amount(facts)
    return [Share(None, total, Decimal("1") if total else Decimal("0"), reason)]


def _guard(facts: Facts, needs: str) -> list[Share] | None:
    """The reasons an opportunity credits nobody, checked in the order a reader would ask."""
    if facts.status == "lost":
        return _nobody(facts, "No credit: lost deal.")
    if credited_amount(facts) == 0:
        return _nobody(facts, "No credit: the amount is zero.")
    if needs == "partners" and not facts.partners:
        return _nobody(facts, "Unattributed: no partner attached.")
    if needs == "touches" and not facts.touches:
        reason = "no partner attached" if not facts.partners else "no touchpoints for touch models"
        return _nobody(facts, f"Unattributed: {reason}.")
    return None


# The models --------------------------------------------------------------------------------------


def sourced_influenced(facts: Facts, params: Params) -> list[Share]:
    """Sourced partnerships share the sourced weight, all others the influence weight, each equally."""
    if (guard := _guard(facts, "partners")) is not None:
        return guard
    sourced = [p.partnership_id for p in facts.partners if p.role == "sourced"]
    others = [p.partnership_id for p in facts.partners if p.role != "sourced"]
    roles = {p.partnership_id: p.role for p in facts.partners}
    sw, iw = float(params.sourced_weight), float(params.influenced_weight)
    if not sourced or not others or sw + iw == 0:
        sw = iw = 1.0
    weights: dict = {}
    for pid in sourced:
        weights[pid] = sw / len(sourced) if others else 1 / len(sourced)
    for pid in others:
        weights[pid] = iw / len(others) if sourced else 1 / len(others)

    def explain(pid, fraction):
        group = sourced if roles[pid] == "sourced" else others
        if sourced and others:
            kind = "sourced" if roles[pid] == "sourced" else "influence"
            weight = sw if roles[pid] == "sourced" else iw
            head = f"{pct(fraction)} {roles[pid]}: {kind} weight {pct(weight / (sw + iw))}"
        else:
            head = f"{pct(fraction)} {roles[pid]}: only {'sourcing' if sourced else 'influencing'} partners"
        return head + (f", shared by {len(group)}." if len(group) > 1 else ".")

    return _shares(facts, weights, explain)


def _tie_split(facts: Facts, pick, word: str) -> list[Share]:
    if (guard := _guard(facts, "touches")) is not None:
        return guard
    moment = pick(t.occurred_at for t in facts.touches)
    tied = [t for t in sorted(facts.touches, key=lambda t: t.id) if t.occurred_at == moment]
    by_partner: dict[int, Touch] = {}
    for touch in tied:
        by_partner.setdefault(touch.partnership_id, touch)
    weights = {pid: 1 / len(by_partner) for pid in by_partner}

    def explain(pid, fraction):
        touch = by_partner[pid]
        tie = f" (tie between {len(by_partner)} partners)" if len(by_partner) > 1 else ""
        return f"{pct(fraction)} {word} touch{tie}: {touch.what} on {touch.when}."

    return _shares(facts, weights, explain)


def first_touch(facts: Facts, params: Params) -> list[Share]:
    """All credit to the partnership with the earliest touchpoint; simultaneous first touches split it."""
    return _tie_split(facts, min, "first")


def last_touch(facts: Facts, params: Params) -> list[Share]:
    """All credit to the partnership with the latest touchpoint; simultaneous last touches split it."""
    return _tie_split(facts, max, "last")


def linear(facts: Facts, params: Params) -> list[Share]:
    """Every touchpoint counts the same: a partnership's credit is its share of the touches."""
    if (guard := _guard(facts, "touches")) is not None:
        return guard
    counts: dict[int, int] = {}
    for touch in sorted(facts.touches, key=lambda t: (t.occurred_at, t.id)):
        counts[touch.partnership_id] = counts.get(touch.partnership_id, 0) + 1
    n = len(facts.touches)
    return _shares(
        facts, counts, lambda pid, f: f"{pct(f)} linear: {counts[pid]} of {n} touchpoint{'s' if n > 1 else ''}."
    )


def time_decay(facts: Facts, params: Params) -> list[Share]:
    """Touches weigh 2^(-age / half-life), age counted in days before the close (or run) date."""
    if (guard := _guard(facts, "touches")) is not None:
        return guard
    reference = facts.close_date or params.as_of or max(t.occurred_at for t in facts.touches).date()
    half_life = max(1, int(params.half_life_days))
    weights: dict[int, float] = {}
    counts: dict[int, int] = {}
    latest: dict[int, Touch] = {}
    ordered = sorted(facts.touches, key=lambda t: (t.occurred_at, t.id))
    ages = [max(0, (reference - t.occurred_at.date()).days) for t in ordered]
    youngest = min(ages)
    for touch, age in zip(ordered, ages, strict=True):
        pid = touch.partnership_id
        # Relative to the most recent touch (weight 1), so very old touches never underflow to zero for all.
        weights[pid] = weights.get(pid, 0.0) + 2.0 ** (-(age - youngest) / half_life)
        counts[pid] = counts.get(pid, 0) + 1
        latest[pid] = touch

    def explain(pid, fraction):
        n = counts[pid]
        return (
            f"{pct(fraction)} time decay (half-life {half_life} days): {n} touchpoint{'s' if n > 1 else ''}, "
            f"latest {latest[pid].what} on {latest[pid].when}."
        )

    return _shares(facts, weights, explain)


def position_based(facts: Facts, params: Params) -> list[Share]:
    """First and last touches get their configured weight (40/40), the middle ones share the rest (20).

    One touch takes everything; two touches split first and last weights and the middle weight
    equally between them.
    """
    if (guard := _guard(facts, "touches")) is not None:
        return guard
    touches = sorted(facts.touches, key=lambda t: (t.occurred_at, t.id))
    first, middle, last = (
        float(params.position_first),
        float(params.position_middle),
        float(params.position_last),
    )
    parts: dict[int, list[tuple[float, str]]] = {}

    def give(touch: Touch, weight: float, what: str) -> None:
        parts.setdefault(touch.partnership_id, []).append((weight, what))

    if len(touches) == 1:
        give(touches[0], 1.0, f"only touch: {touches[0].what} on {touches[0].when}")
    elif len(touches) == 2:
        give(touches[0], first + middle / 2, f"first touch: {touches[0].what} on {touches[0].when}")
        give(touches[1], last + middle / 2, f"last touch: {touches[1].what} on {touches[1].when}")
    else:
        give(touches[0], first, f"first touch: {touches[0].what} on {touches[0].when}")
        give(touches[-1], last, f"last touch: {touches[-1].what} on {touches[-1].when}")
        each = middle / (len(touches) - 2)
        for touch in touches[1:-1]:
            give(touch, each, "middle touch")
    total = math.fsum(w for items in parts.values() for w, _ in items)
    weights = {pid: math.fsum(w for w, _ in items) for pid, items in parts.items()}

    def explain(pid, fraction):
        named = [f"{pct(w / total)} {what}" for w, what in parts[pid] if what != "middle touch"]
        middles = [w for w, what in parts[pid] if what == "middle touch"]
        if middles:
            plural = "es" if len(middles) > 1 else ""
            named.append(f"{pct(math.fsum(middles) / total)} for {len(middles)} middle touch{plural}")
        return f"{pct(fraction)} position based: " + " + ".join(named) + "."

    return _shares(facts, weights, explain)


def rule_split(facts: Facts, params: Params, rules: Iterable[Rule] = ()) -> list[Share]:
    """The first matching rule (by priority) pre-allocates the deal; what it leaves is unattributed."""
    if facts.status == "lost" or credited_amount(facts) == 0:
        return _guard(facts, "none") or []
    rule = next((r for r in rules if r.matches(facts)), None)
    if rule is None:
        return _nobody(facts, "Unattributed: no split rule matches this deal's products or joint solution.")
    weights: dict = {pid: float(percent) for pid, percent in rule.shares}
    remainder = round(100 - math.fsum(weights.values()), 6)
    if remainder > 0:
        weights[None] = remainder
    target = "joint solution" if rule.match_on == "joint_solution" else "product"

    def explain(pid, fraction):
        if pid is None:
            return f"{pct(fraction)} unattributed: rule “{rule.label}” allocates only {pct(1 - fraction)}."
        return f"{pct(fraction)} by rule “{rule.label}” ({target} {rule.match_value})."

    return _shares(facts, weights, explain, rule_version=rule.label)


def materiality(facts: Facts, params: Params) -> list[Share]:
    """Shares proportional to each attached partnership's score (sales motion + value proposition + delivery)."""
    if (guard := _guard(facts, "partners")) is not None:
        return guard
    attached = {p.partnership_id for p in facts.partners}
    scores = {s.partnership_id: s for s in facts.scores if s.partnership_id in attached}
    points = {pid: s.total for pid, s in scores.items() if s.total > 0}
    if not points:
        return _nobody(facts, "Unattributed: no materiality scores above zero on this deal.")
    total = sum(points.values())

    def explain(pid, fraction):
        s = scores[pid]
        return (
            f"{pct(fraction)} materiality: sales motion {s.sales_motion}, value proposition "
            f"{s.value_proposition}, delivery {s.delivery} = {s.total} of {total} points."
        )

    return _shares(facts, points, explain)


ITEMS = ("sourced", *PHASES)  # what a partnership can bring; bit i of a coverage mask is ITEMS[i]


def _coverage(facts: Facts) -> tuple[list[int], dict[int, int]]:
    """The Shapley players (attached or touching partnerships) and, per player, the items it covers as bits."""
    players: list[int] = []
    covers: dict[int, int] = {}
    for p in facts.partners:
        if p.partnership_id not in covers:
            players.append(p.partnership_id)
            covers[p.partnership_id] = 0
        if p.role == "sourced":
            covers[p.partnership_id] |= 1
    for t in sorted(facts.touches, key=lambda t: (t.occurred_at, t.id)):
        if t.partnership_id not in covers:
            players.append(t.partnership_id)
            covers[t.partnership_id] = 0
        covers[t.partnership_id] |= 1 << ITEMS.index(t.phase if t.phase in PHASES else "pre_sale")
    return players, covers


def shapley(facts: Facts, params: Params) -> list[Share]:
    """Shapley value of the game v(S) = worth of what S covers: sourcing (the sourced weight) and each
    sale phase touched (a third of the influence weight each).

    A partnership's share is its average marginal contribution over every order in which the
    partnerships could have joined: exact by enumerating all 2^n coalitions up to SHAPLEY_EXACT_LIMIT
    partnerships, estimated from SHAPLEY_SAMPLES seeded random orders above.
    """
    if (guard := _guard(facts, "any")) is not None:
        return guard
    if not facts.partners and not facts.touches:
        return _nobody(facts, "Unattributed: no partner attached.")
    players, covers = _coverage(facts)
    n = len(players)
    item_worth = [float(params.sourced_weight)] + [float(params.influenced_weight) / 3] * len(PHASES)
    # v of every set of covered items (4 items -> 16 sets), so a coalition's value is one lookup.
    worth_of = [math.fsum(w for i, w in enumerate(item_worth) if mask >> i & 1) for mask in range(1 << len(ITEMS))]
    if worth_of[_union(covers.values())] <= 0:
        weights = dict.fromkeys(players, 1.0)
        return _shares(
            facts,
            weights,
            lambda pid, f: (
                f"{pct(f)} Shapley value: no sourcing or touchpoints tell the {n} partners apart, equal split."
            ),
        )
    phi = dict.fromkeys(players, 0.0)
    if n <= SHAPLEY_EXACT_LIMIT:
        masks = [covers[p] for p in players]
        union = [0] * (1 << n)  # items covered by each coalition (bitmask of players)
        for coalition in range(1, 1 << n):
            low = coalition & -coalition
            union[coalition] = union[coalition ^ low] | masks[low.bit_length() - 1]
        factorial = [math.factorial(k) for k in range(n + 1)]
        weight_by_size = [factorial[k] * factorial[n - k - 1] / factorial[n] for k in range(n)]
        for i, pid in enumerate(players):
            bit, total = 1 << i, 0.0
            for coalition in range(1 << n):
                if not coalition & bit:
                    gain = worth_of[union[coalition] | masks[i]] - worth_of[union[coalition]]
                    if gain:
                        total += weight_by_size[coalition.bit_count()] * gain
            phi[pid] = total
        how = (
            f"average marginal contribution over all {math.factorial(n):,} orders of {n} partner{'s' if n > 1 else ''}"
        )
    else:
        rng = random.Random(facts.opportunity_id)
        order = list(players)
        for _ in range(SHAPLEY_SAMPLES):
            rng.shuffle(order)
            covered = 0
            for pid in order:
                before = worth_of[covered]
                covered |= covers[pid]
                phi[pid] += worth_of[covered] - before
        how = (
            f"estimated from {SHAPLEY_SAMPLES:,} random orders because {n} partners exceed the exact limit "
            f"of {SHAPLEY_EXACT_LIMIT}"
        )

    def explain(pid, fraction):
        items = [ITEMS[i] for i in range(len(ITEMS)) if covers[pid] >> i & 1]
        what = ", ".join("sourced" if i == "sourced" else f"touched {PHASE_LABELS[i]}" for i in items)
        return f"{pct(fraction)} Shapley value ({what or 'no sourcing or touch'}): {how}."

    weights = {pid: max(v, 0.0) for pid, v in phi.items()}
    if not any(weights.values()):
        weights = dict.fromkeys(players, 1.0)
    return _shares(facts, weights, explain)


def _union(masks) -> int:
    result = 0
    for mask in masks:
        result |= mask
    return result


MODELS: dict[str, Callable[..., list[Share]]] = {
    "sourced_influenced": sourced_influenced,
    "first_touch": first_touch,
    "last_touch": last_touch,
    "linear": linear,
    "time_decay": time_decay,
    "position_based": position_based,
    "rule_split": rule_split,
    "materiality": materiality,
    "shapley": shapley,
}


def credit(model: str, facts: Facts, params: Params, rules: Iterable[Rule] = ()) -> list[Share]:
    """Run one model by name on one opportunity."""
    if model == "rule_split":
        return rule_split(facts, params, rules)
    return MODELS[model](facts, params)
