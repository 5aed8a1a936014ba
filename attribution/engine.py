"""Attribution models: pure functions from one opportunity's facts to partner credit.

Every model returns a list of `Share`s whose amounts add up EXACTLY to the credited amount: the
opportunity's amount when it is open or won, zero when it is lost. Amounts are Decimal cents split
by largest remainder, never negative. Credit nobody earns is a share with `partnership_id=None`
whose explanation says why ("no partner attached", "lost deal", …), so finance can always see
where every cent went.

The rules, so any figure can be recomputed by hand to the cent (they are also shown to users, see
RULES_DOC):

- Allocation: the credited amount in integer cents is split in proportion to exact rational weights
  (fractions.Fraction, never floats): every key gets the floor of its quota, and the cents left over
  go one each to the largest exact remainders; equal remainders go to the lowest partnership id, the
  unattributed remainder (key None) last. Results never depend on the order of the inputs.
- First / last touch: all credit to the earliest / latest touch; partnerships touching at that same
  instant split it equally (one part per partnership, whatever its number of touches then).
- Time decay: a touch weighs 2^(-age / half-life), the age in whole UTC days before the close date
  (expected close while open; the run date without one); touches after it are clamped to age 0.
  The default half-life is 30 days.
- Position based: the first instant's touches share the first weight, the last instant's touches the
  last weight (each equally per partnership), touches in between share the middle weight equally;
  with only two instants the middle weight is split between them, with one instant it all goes there.
- Shapley: the game is coverage (sourcing worth the sourced weight, each sale phase touched worth a
  third of the influence weight), whose Shapley value is exact in closed form: each item's worth is
  split equally among the partnerships covering it.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable, Iterable
from fractions import Fraction
from functools import lru_cache

from django.utils.translation import gettext_lazy as _

from attribution.engine_core import (  # noqa: F401 - the engine's names stay importable from here
    CENT,
    PHASE_LABELS,
    PHASES,
    TOUCH_MODELS,
    ZERO,
    Facts,
    Involvement,
    Params,
    Rule,
    Score,
    Share,
    Touch,
    _allocate_cents,
    _day,
    _decimal_fraction,
    _guard,
    _integral,
    _nobody,
    _shares,
    _touch_key,
    _weight,
    allocate,
    credited_amount,
    pct,
    tie_order,
)

# The models --------------------------------------------------------------------------------------


def sourced_influenced(facts: Facts, params: Params) -> list[Share]:
    """Sourced partnerships share the sourced weight, all others the influence weight, each equally.

    A partnership listed more than once counts once: as sourced if any of its roles is "sourced".
    """
    if (guard := _guard(facts, "partners")) is not None:
        return guard
    role_sets: dict[int, set[str]] = {}
    for p in facts.partners:
        role_sets.setdefault(p.partnership_id, set()).add(p.role)
    roles = {pid: "sourced" if "sourced" in rs else min(rs) for pid, rs in role_sets.items()}
    sourced = sorted(pid for pid, role in roles.items() if role == "sourced")
    others = sorted(pid for pid, role in roles.items() if role != "sourced")
    sw, iw = _integral(params.sourced_weight, params.influenced_weight)
    if not sourced or not others or sw + iw == 0:
        sw = iw = 1
    # sw / len(sourced) and iw / len(others), times len(sourced) * len(others): integers
    weights: dict = dict.fromkeys(sourced, sw * len(others) if others else 1)
    weights.update(dict.fromkeys(others, iw * len(sourced) if sourced else 1))

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
    tied = [t for t in facts.ordered_touches if t.occurred_at == moment]
    by_partner: dict[int, Touch] = {}
    for touch in tied:
        by_partner.setdefault(touch.partnership_id, touch)
    weights = dict.fromkeys(by_partner, 1)

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


def decay_age_days(touch: Touch, reference: datetime.date) -> int:
    """Whole UTC days from the touch to the reference (close) date; touches after it count as age 0."""
    occurred = touch.occurred_at
    if occurred.tzinfo is not None:
        occurred = occurred.astimezone(datetime.UTC)
    return max(0, (reference - occurred.date()).days)


def time_decay(facts: Facts, params: Params) -> list[Share]:
    """Touches weigh 2^(-age / half-life), age in whole UTC days before the close (or run) date, clamped at 0."""
    if (guard := _guard(facts, "touches")) is not None:
        return guard
    ordered = facts.ordered_touches
    reference = facts.close_date or params.as_of or max(t.occurred_at for t in ordered).date()
    half_life = max(1, int(params.half_life_days))
    ages_by: dict[int, list[int]] = {}
    latest: dict[int, Touch] = {}
    ages = [decay_age_days(t, reference) for t in ordered]
    youngest = min(ages)
    for touch, age in zip(ordered, ages, strict=True):
        ages_by.setdefault(touch.partnership_id, []).append(age - youngest)
        latest[touch.partnership_id] = touch
    # Relative to the most recent touch (weight 1), so very old touches never underflow to zero for all.
    # math.fsum rounds the sum correctly once, whatever the order: identical touch sets weigh the same.
    weights = {pid: math.fsum(2.0 ** (-age / half_life) for age in sorted(a)) for pid, a in ages_by.items()}
    counts = {pid: len(a) for pid, a in ages_by.items()}

    def explain(pid, fraction):
        n = counts[pid]
        return (
            f"{pct(fraction)} time decay (half-life {half_life} days): {n} touchpoint{'s' if n > 1 else ''}, "
            f"latest {latest[pid].what} on {latest[pid].when}."
        )

    return _shares(facts, weights, explain)


def _by_partner(touches) -> dict[int, Touch]:
    """The first touch (in `_touch_key` order) of each partnership among `touches`."""
    slot: dict[int, Touch] = {}
    for touch in touches:
        slot.setdefault(touch.partnership_id, touch)
    return slot


def position_based(facts: Facts, params: Params) -> list[Share]:
    """First and last touches get their configured weight (40/40), the middle ones share the rest (20).

    Touches at the same instant as the first (or last) one share that slot's weight equally per
    partnership. With only two distinct instants the middle weight is split equally between the
    first and the last slot; with a single instant everything goes to it.
    """
    if (guard := _guard(facts, "touches")) is not None:
        return guard
    touches = facts.ordered_touches
    start_at, end_at = touches[0].occurred_at, touches[-1].occurred_at
    first_slot = _by_partner(t for t in touches if t.occurred_at == start_at)
    last_slot = _by_partner(t for t in touches if t.occurred_at == end_at)
    middles = [t for t in touches if start_at < t.occurred_at < end_at]
    # Integer weights: the settings on their common denominator, times the slot sizes, so every part is exact.
    first, middle, last = _integral(params.position_first, params.position_middle, params.position_last)
    nf, nl, nm = len(first_slot), len(last_slot), max(1, len(middles))
    parts: dict[int, list[tuple[int, str]]] = {}

    def give(touch: Touch, weight: int, what: str) -> None:
        parts.setdefault(touch.partnership_id, []).append((weight, what))

    def give_slot(slot: dict[int, Touch], weight: int, word: str) -> None:
        tie = f" (shared by {len(slot)} partners)" if len(slot) > 1 else ""
        for touch in slot.values():
            give(touch, weight, f"{word}{tie}: {touch.what} on {touch.when}")

    if start_at == end_at:
        give_slot(first_slot, 1, "only touch")
    elif not middles:  # (first + middle / 2) / nf and (last + middle / 2) / nl, times 2 nf nl
        give_slot(first_slot, (2 * first + middle) * nl, "first touch")
        give_slot(last_slot, (2 * last + middle) * nf, "last touch")
    else:  # first / nf, last / nl, middle / nm, times nf nl nm
        give_slot(first_slot, first * nl * nm, "first touch")
        give_slot(last_slot, last * nf * nm, "last touch")
        for touch in middles:
            give(touch, middle * nf * nl, "middle touch")
    total = sum(w for items in parts.values() for w, _ in items)
    weights = {pid: sum(w for w, _ in items) for pid, items in parts.items()}

    def explain(pid, fraction):
        named = [f"{pct(w / total)} {what}" for w, what in parts[pid] if what != "middle touch"]
        middle_parts = [w for w, what in parts[pid] if what == "middle touch"]
        if middle_parts:
            plural = "es" if len(middle_parts) > 1 else ""
            named.append(f"{pct(sum(middle_parts) / total)} for {len(middle_parts)} middle touch{plural}")
        return f"{pct(fraction)} position based: " + " + ".join(named) + "."

    return _shares(facts, weights, explain)


def rule_split(facts: Facts, params: Params, rules: Iterable[Rule] = ()) -> list[Share]:
    """The first matching rule (by priority) pre-allocates the deal; what it leaves is unattributed."""
    if facts.status == "lost" or credited_amount(facts) == 0:
        return _guard(facts, "none") or []
    rule = next((r for r in rules if r.matches(facts)), None)
    if rule is None:
        return _nobody(facts, "Unattributed: no split rule matches this deal's products or joint solution.")
    weights, explain = _rule_plan(rule)
    return _shares(facts, weights, explain, rule_version=rule.label)


@lru_cache(maxsize=256)
def _rule_plan(rule: Rule) -> tuple[dict, Callable]:
    """A rule's integer weights (the unattributed remainder under None) and its explanations, made once."""
    weights: dict = {}
    for pid, percent in rule.shares:
        weights[pid] = weights.get(pid, ZERO) + _weight(percent)
    remainder = 100 - sum(weights.values(), ZERO)
    if remainder > 0:
        weights[None] = remainder
    scale = math.lcm(*(w.denominator for w in weights.values()))
    weights = {k: int(w * scale) for k, w in weights.items()}
    target = "joint solution" if rule.match_on == "joint_solution" else "product"

    @lru_cache(maxsize=64)
    def explain(pid, fraction):
        if pid is None:
            return f"{pct(fraction)} unattributed: rule “{rule.label}” allocates only {pct(1 - fraction)}."
        return f"{pct(fraction)} by rule “{rule.label}” ({target} {rule.match_value})."

    return weights, explain


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
    for t in facts.ordered_touches:
        if t.partnership_id not in covers:
            players.append(t.partnership_id)
            covers[t.partnership_id] = 0
        covers[t.partnership_id] |= 1 << ITEMS.index(t.phase if t.phase in PHASES else "pre_sale")
    return players, covers


def shapley_coverage(covers: dict[int, int], item_worth: list[Fraction]) -> dict[int, Fraction]:
    """Closed-form Shapley value of the coverage game v(S) = worth of the items S covers.

    The game is a sum of one unanimity-like game per item (worth w if any coverer is in S), whose
    Shapley value gives w / k to each of its k coverers and nothing to the others; by additivity a
    partnership's value is the sum, over the items it covers, of the item's worth over its coverers.
    """
    coverers = [sum(1 for mask in covers.values() if mask >> i & 1) for i in range(len(item_worth))]
    return {
        pid: sum((item_worth[i] / coverers[i] for i in range(len(item_worth)) if mask >> i & 1), ZERO)
        for pid, mask in covers.items()
    }


def shapley(facts: Facts, params: Params) -> list[Share]:
    """Shapley value of the game v(S) = worth of what S covers: sourcing (the sourced weight) and each
    sale phase touched (a third of the influence weight each).

    A partnership's share is its average marginal contribution over every order in which the
    partnerships could have joined; for this coverage game that is exactly, for any number of
    partnerships, each covered item's worth split equally among the partnerships covering it.
    """
    if (guard := _guard(facts, "any")) is not None:
        return guard
    if not facts.partners and not facts.touches:
        return _nobody(facts, "Unattributed: no partner attached.")
    players, covers = _coverage(facts)
    n = len(players)
    sourced_worth, influence = _integral(params.sourced_weight, params.influenced_weight)
    item_worth = [3 * sourced_worth] + [influence] * len(PHASES)  # times 3: a phase is worth a third
    if not any(item_worth[i] for i in range(len(ITEMS)) if _union(covers.values()) >> i & 1):
        weights = dict.fromkeys(players, 1)
        return _shares(
            facts,
            weights,
            lambda pid, f: (
                f"{pct(f)} Shapley value: no sourcing or touchpoints tell the {n} partners apart, equal split."
            ),
        )
    coverers = [sum(1 for mask in covers.values() if mask >> i & 1) for i in range(len(ITEMS))]
    # shapley_coverage() in integers: every item's worth times the lcm of the coverer counts, split exactly.
    common = math.lcm(*(c for c in coverers if c))
    phi = {
        pid: sum(item_worth[i] * common // coverers[i] for i in range(len(ITEMS)) if mask >> i & 1)
        for pid, mask in covers.items()
    }

    def explain(pid, fraction):
        items = [i for i in range(len(ITEMS)) if covers[pid] >> i & 1]
        what = ", ".join(
            ("sourced" if ITEMS[i] == "sourced" else f"touched {PHASE_LABELS[ITEMS[i]]}")
            + (f" with {coverers[i] - 1} other{'s' if coverers[i] > 2 else ''}" if coverers[i] > 1 else "")
            for i in items
        )
        return (
            f"{pct(fraction)} Shapley value ({what or 'no sourcing or touch'}): each item's worth split "
            f"equally among the partners covering it (exact for {n} partner{'s' if n > 1 else ''})."
        )

    return _shares(facts, phi, explain)


def _union(masks) -> int:
    result = 0
    for mask in masks:
        result |= mask
    return result


# How the numbers are computed, for the "How is this computed?" panel and docs/attribution.md.
RULES_DOC: tuple[tuple[str, str], ...] = (
    (
        _("Cents"),
        _(
            "Each model splits the credited amount (zero for a lost deal) in whole cents in proportion to exact "
            "fractions: every partner gets the whole cents of its quota, and the cents left over go one each "
            "to the largest exact remainders. Equal remainders go to the lowest partnership id, the "
            "unattributed remainder last, so the shares always add up to the amount and never depend on the "
            "order deals, partners or touchpoints were entered in."
        ),
    ),
    (
        _("First and last touch"),
        _(
            "All credit goes to the earliest (latest) touchpoint; partnerships touching at that same instant "
            "split it equally, one part per partnership."
        ),
    ),
    (
        _("Time decay"),
        _(
            "A touchpoint weighs 2^(−age / half-life): the age is counted in whole UTC days before the close "
            "date (the expected close while open, the run date without one), touchpoints after it count as "
            "age 0. The half-life is 30 days unless the settings say otherwise."
        ),
    ),
    (
        _("Position based"),
        _(
            "The touchpoints at the first instant share the first weight (40 %), those at the last instant the "
            "last weight (40 %), equally per partnership; the touchpoints in between share the middle weight "
            "(20 %) equally. With only two instants the middle weight is split between them; with one instant "
            "it all goes there."
        ),
    ),
    (
        _("Shapley value"),
        _(
            "The game is coverage: sourcing is worth the sourced weight and each sale phase touched a third of "
            "the influence weight. Its Shapley value is exact for any number of partners: each item's worth is "
            "split equally among the partnerships covering it."
        ),
    ),
)


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
