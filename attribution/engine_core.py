"""The attribution engine's building blocks: the facts a model reads, its settings and shares, and the
exact allocation in integer cents (see attribution.engine for the models and the rules they follow)."""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import NamedTuple

CENT = Decimal("0.01")
ZERO = Fraction(0)
PHASES = ("pre_sale", "point_of_sale", "post_sale")
PHASE_LABELS = {"pre_sale": "pre-sale", "point_of_sale": "point of sale", "post_sale": "post-sale"}
TOUCH_MODELS = ("first_touch", "last_touch", "linear", "time_decay", "position_based")


class Involvement(NamedTuple):
    partnership_id: int
    role: str  # sourced, influenced, fulfilment, technical, referral


class Touch(NamedTuple):
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
        return _day(self.occurred_at.date())


class Score(NamedTuple):
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

    @cached_property
    def ordered_touches(self) -> list[Touch]:
        """The touches in `_touch_key` order (whatever order they were listed in), sorted once for all models."""
        return sorted(self.touches, key=_touch_key)

    @cached_property
    def credited(self) -> Decimal:
        return Decimal("0.00") if self.status == "lost" else self.amount.quantize(CENT)


@dataclass(frozen=True)
class Params:
    sourced_weight: Decimal = Decimal("60")
    influenced_weight: Decimal = Decimal("40")
    half_life_days: int = 30
    position_first: Decimal = Decimal("40")
    position_middle: Decimal = Decimal("20")
    position_last: Decimal = Decimal("40")
    as_of: datetime.date | None = None


class Share(NamedTuple):
    partnership_id: int | None
    amount: Decimal
    share: Decimal  # fraction of the credited amount, 6 places
    explanation: str
    rule_version: str = ""


@lru_cache(maxsize=4096)
def _day(day: datetime.date) -> str:
    """ "3 March 2026", formatted once per day."""
    return f"{day.day} {day:%B %Y}"


def pct(fraction) -> str:
    """0.4 -> "40 %", 1/3 -> "33.33 %"."""
    text = f"{float(fraction) * 100:.2f}".rstrip("0").rstrip(".")
    return f"{text} %"


def _weight(value) -> Fraction:
    """A weight as an exact fraction: Decimal, int, Fraction or float (its exact binary value); non-finite or
    negative weights count as zero."""
    if isinstance(value, Fraction):
        weight = value
    elif isinstance(value, float):
        weight = Fraction(value) if math.isfinite(value) else ZERO
    elif isinstance(value, Decimal):
        weight = _decimal_fraction(value)
    else:
        weight = Fraction(value)
    return weight if weight > 0 else ZERO


@lru_cache(maxsize=1024)
def _decimal_fraction(value: Decimal) -> Fraction:
    return Fraction(value) if value.is_finite() else ZERO


def tie_order(key) -> tuple:
    """The order ties are broken in: lowest partnership id first, the unattributed remainder (None) last."""
    if key is None:
        return (2, 0, "")
    if isinstance(key, int):
        return (0, key, "")
    return (1, 0, str(key))


def allocate(total: Decimal, weights: dict[Hashable, Decimal | Fraction | float | int]) -> dict[Hashable, Decimal]:
    """Split `total` (cents) in proportion to `weights` by largest remainder; exact, never negative.

    Everything is integer cents and exact fractions: each key gets the floor of its quota
    cents * weight / sum of weights, and the cents left over (fewer than the number of keys) go one
    each to the largest remainders. Equal remainders go to the lowest partnership id, the unattributed
    remainder (None) last, so the result never depends on the order of `weights`. Keys with zero
    weight get nothing and are left out; the result is ordered by `tie_order`.
    """
    cents = int((total / CENT).to_integral_value(rounding=ROUND_FLOOR))
    floors, _, _ = _allocate_cents(cents, weights)
    return {k: Decimal(v).scaleb(-2) for k, v in floors.items()}


def _allocate_cents(cents: int, weights: dict) -> tuple[dict, dict, int]:
    """allocate() in integer cents: (cents per key, the weights as integers on a common denominator, their sum)."""
    ratios = {}
    plain = all(type(k) is int for k in weights)  # partnership ids only: their own order is the tie order
    for key in sorted(weights) if plain else sorted(weights, key=tie_order):
        weight = weights[key]
        if type(weight) is int:
            ratio = (weight, 1)
        elif type(weight) is float:
            ratio = weight.as_integer_ratio() if math.isfinite(weight) else (0, 1)
        else:
            fraction = _weight(weight)
            ratio = (fraction.numerator, fraction.denominator)
        if ratio[0] > 0:
            ratios[key] = ratio
    positive = ratios
    # On a common denominator the weights are integers, and so are the quotas' remainders: compare those.
    scale = math.lcm(*(d for _, d in ratios.values()))
    integral = {k: n * (scale // d) for k, (n, d) in ratios.items()}
    weight_sum = sum(integral.values())
    if cents <= 0 or not positive:
        return dict.fromkeys(positive, 0), integral, weight_sum
    floors: dict = {}
    remainders: dict = {}
    for key, weight in integral.items():
        floors[key], remainders[key] = divmod(cents * weight, weight_sum)
    leftover = cents - sum(floors.values())
    if leftover:
        order = (lambda k: (-remainders[k], k)) if plain else (lambda k: (-remainders[k], tie_order(k)))
        for key in sorted(integral, key=order)[:leftover]:
            floors[key] += 1
    return floors, integral, weight_sum


def credited_amount(facts: Facts) -> Decimal:
    return facts.credited


def _shares(
    facts: Facts, weights: dict, explain: Callable[[Hashable, float], str], rule_version: str = ""
) -> list[Share]:
    total = credited_amount(facts)
    cents = int(total * 100)
    floors, integral, weight_sum = _allocate_cents(cents, weights)
    if not floors:
        return _nobody(facts, "Unattributed: every partner's weight is zero under this model's settings.")
    shares = []
    for key, part in floors.items():
        share = Decimal("0")
        if cents:  # the fraction of the amount, exactly rounded to 6 places (half to even)
            whole, rest = divmod(part * 1_000_000, cents)
            whole += 1 if rest * 2 > cents or (rest * 2 == cents and whole % 2) else 0
            share = Decimal(whole).scaleb(-6)
        shares.append(
            Share(key, Decimal(part).scaleb(-2), share, explain(key, integral[key] / weight_sum), rule_version)
        )
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


def _touch_key(t: Touch) -> tuple:
    """A total order of touches that does not depend on how they were listed."""
    return (t.occurred_at, t.id, t.partnership_id, t.label, t.phase, t.note)


@lru_cache(maxsize=256)
def _integral(*values) -> tuple[int, ...]:
    """Non-negative weights (Decimal settings) as integers on their common denominator."""
    fractions = [_weight(v) for v in values]
    scale = math.lcm(*(f.denominator for f in fractions))
    return tuple(int(f * scale) for f in fractions)
