"""The nine models of `attribution.engine` over a `Chunk` (see attribution.engine_vector), and `credit_chunk`.

Each function mirrors its reference in `attribution.engine` step by step: the same guards, the same
integer weights (or, for time decay, the same floats), the same wording. Each adds its rows to an
`Out`; deals whose integers would not fit int64 are handed to the reference.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from attribution import engine
from attribution.engine_vector import (
    I64,
    NONE_TIE,
    Alloc,
    Chunk,
    Context,
    Out,
    Rows,
    allocate,
    ends_of,
    fsum_groups,
    pair_key,
    starts_of,
)

WEIGHTLESS = "Unattributed: every partner's weight is zero under this model's settings."


def _present(deals: np.ndarray, size: int) -> np.ndarray:
    return np.bincount(deals, minlength=size) > 0 if len(deals) else np.zeros(size, dtype=bool)


def _guard(chunk: Chunk, out: Out, needs: str) -> np.ndarray:
    """engine._guard for the chunk: the nobody rows of deals that credit nobody; returns the other deals (mask)."""
    lost, zero = chunk.lost, ~chunk.lost & (chunk.cents == 0)
    out.nobody(chunk, np.flatnonzero(lost), "No credit: lost deal.")
    out.nobody(chunk, np.flatnonzero(zero), "No credit: the amount is zero.")
    active = ~lost & ~zero
    partners = _present(chunk.l_deal, chunk.size)
    if needs == "partners":
        out.nobody(chunk, np.flatnonzero(active & ~partners), "Unattributed: no partner attached.")
        active &= partners
    elif needs == "touches":
        touched = _present(chunk.t_deal, chunk.size)
        out.nobody(chunk, np.flatnonzero(active & ~touched & ~partners), "Unattributed: no partner attached.")
        out.nobody(
            chunk, np.flatnonzero(active & ~touched & partners), "Unattributed: no touchpoints for touch models."
        )
        active &= touched
    return active


def _finish(chunk: Chunk, ctx: Context, out: Out, model: str, active, a: Alloc, explain, rule_version="") -> None:
    """Add allocated rows; deals without a positive weight get the weightless row; deals out of bounds
    are computed by the reference."""
    out.nobody(chunk, np.flatnonzero(active & ~_present(a.deal, chunk.size)), WEIGHTLESS)
    for deal in out.allocated(a, explain, rule_version).tolist():
        out.shares(deal, engine.credit(model, chunk.facts(deal), ctx.params, ctx.rules), ctx.escape)


def _touches(chunk: Chunk, active: np.ndarray) -> np.ndarray:
    return np.flatnonzero(active[chunk.t_deal])


def _pairs(deal: np.ndarray, pid: np.ndarray, *more: np.ndarray):
    """Rows sorted by (deal, pid) (stably: the original order within a pair), and where each pair starts."""
    order = np.lexsort((pid, deal))
    return order, starts_of(pair_key(deal[order], pid[order]))


# sourced / influenced -----------------------------------------------------------------------------------


def sourced_influenced(chunk: Chunk, ctx: Context, out: Out) -> None:
    active = _guard(chunk, out, "partners")
    rows = np.flatnonzero(active[chunk.l_deal])
    deal, pid, role = chunk.l_deal[rows], chunk.l_pid[rows], chunk.l_role[rows]
    order = np.lexsort((role, pid, deal))
    first = order[starts_of(pair_key(deal[order], pid[order]))]  # each partnership's lowest role: sourced first
    deal, pid, role = deal[first], pid[first], role[first]
    sourced = role == 0
    ns = np.bincount(deal[sourced], minlength=chunk.size)
    no = np.bincount(deal[~sourced], minlength=chunk.size)
    sw, iw = ctx.sw, ctx.iw
    plain = (ns == 0) | (no == 0) | (sw + iw == 0)
    sw_d, iw_d = np.where(plain, 1, sw), np.where(plain, 1, iw)
    n_s, n_o = ns[deal], no[deal]
    weight = np.where(sourced, np.where(n_o > 0, sw_d[deal] * n_o, 1), np.where(n_s > 0, iw_d[deal] * n_s, 1)).astype(
        I64
    )
    a = allocate(chunk.cents, deal, pid, weight)
    cache, names = ctx.cache.setdefault("sourced_influenced", {}), chunk.role_names

    def explain(keep):
        src = a.src[keep]
        keys = zip(role[src].tolist(), n_s[src].tolist(), n_o[src].tolist(), a.fraction[keep].tolist(), strict=True)
        texts = []
        for key in keys:
            text = cache.get((names[key[0]], *key[1:]))
            if text is None:
                text = cache[(names[key[0]], *key[1:])] = ctx.escape(_sourced_text(ctx, names[key[0]], *key[1:]))
            texts.append(text)
        return texts

    _finish(chunk, ctx, out, "sourced_influenced", active, a, explain)


def _sourced_text(ctx: Context, role: str, n_sourced: int, n_others: int, fraction: float) -> str:
    sw, iw = ctx.sw, ctx.iw
    if not n_sourced or not n_others or sw + iw == 0:
        sw = iw = 1
    group = n_sourced if role == "sourced" else n_others
    if n_sourced and n_others:
        kind = "sourced" if role == "sourced" else "influence"
        weight = sw if role == "sourced" else iw
        head = f"{ctx.pct(fraction)} {role}: {kind} weight {ctx.pct(weight / (sw + iw))}"
    else:
        head = f"{ctx.pct(fraction)} {role}: only {'sourcing' if n_sourced else 'influencing'} partners"
    return head + (f", shared by {group}." if group > 1 else ".")


# Touch models -----------------------------------------------------------------------------------------


def _slot(chunk: Chunk, touches: np.ndarray, instant: np.ndarray) -> np.ndarray:
    """Of `touches` (indices, in order), those at their deal's `instant`, one per partnership (its first)."""
    at = touches[chunk.t_at[touches] == instant[chunk.t_deal[touches]]]
    order, firsts = _pairs(chunk.t_deal[at], chunk.t_pid[at])
    return at[order[firsts]]


def _instants(chunk: Chunk, touches: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per deal, the instant of its first and of its last touch (touches are in order within a deal)."""
    first = np.zeros(chunk.size, dtype=I64)
    last = np.zeros(chunk.size, dtype=I64)
    deal = chunk.t_deal[touches]
    starts = starts_of(deal)
    ends = ends_of(starts, len(touches))
    first[deal[starts]] = chunk.t_at[touches[starts]]
    last[deal[ends]] = chunk.t_at[touches[ends]]
    return first, last


def _tie_split(chunk: Chunk, ctx: Context, out: Out, model: str, word: str) -> None:
    active = _guard(chunk, out, "touches")
    touches = _touches(chunk, active)
    first, last = _instants(chunk, touches)
    slot = _slot(chunk, touches, first if word == "first" else last)
    deal, pid = chunk.t_deal[slot], chunk.t_pid[slot]
    k = np.bincount(deal, minlength=chunk.size)[deal]
    a = allocate(chunk.cents, deal, pid, np.ones(len(slot), dtype=I64))
    heads = ctx.cache.setdefault(model, {})

    def explain(keep):
        texts = []
        for i, n, fraction in zip(
            slot[a.src[keep]].tolist(), k[a.src[keep]].tolist(), a.fraction[keep].tolist(), strict=True
        ):
            head = heads.get((n, fraction))
            if head is None:
                tie = f" (tie between {n} partners)" if n > 1 else ""
                head = heads[(n, fraction)] = f"{ctx.pct(fraction)} {word} touch{tie}: "
            texts.append(f"{head}{ctx.touch_text(chunk, i)}.")
        return texts

    _finish(chunk, ctx, out, model, active, a, explain)


def first_touch(chunk: Chunk, ctx: Context, out: Out) -> None:
    _tie_split(chunk, ctx, out, "first_touch", "first")


def last_touch(chunk: Chunk, ctx: Context, out: Out) -> None:
    _tie_split(chunk, ctx, out, "last_touch", "last")


def linear(chunk: Chunk, ctx: Context, out: Out) -> None:
    active = _guard(chunk, out, "touches")
    touches = _touches(chunk, active)
    order, firsts = _pairs(chunk.t_deal[touches], chunk.t_pid[touches])
    rows = touches[order[firsts]]
    counts = np.diff(np.append(firsts, len(touches))).astype(I64)
    deal = chunk.t_deal[rows]
    n = np.bincount(chunk.t_deal[touches], minlength=chunk.size)[deal]
    a = allocate(chunk.cents, deal, chunk.t_pid[rows], counts)
    cache = ctx.cache.setdefault("linear", {})

    def explain(keep):
        texts = []
        for key in zip(counts[a.src[keep]].tolist(), n[a.src[keep]].tolist(), a.fraction[keep].tolist(), strict=True):
            text = cache.get(key)
            if text is None:
                c, total, fraction = key
                text = cache[key] = f"{ctx.pct(fraction)} linear: {c} of {total} touchpoint{'s' if total > 1 else ''}."
            texts.append(text)
        return texts

    _finish(chunk, ctx, out, "linear", active, a, explain)


def time_decay(chunk: Chunk, ctx: Context, out: Out) -> None:
    """Weights are floats (as in the reference): each deal is allocated exactly in Python ints."""
    active = _guard(chunk, out, "touches")
    touches = _touches(chunk, active)
    if not len(touches):
        return
    deal = chunk.t_deal[touches]
    ends = ends_of(starts_of(deal), len(touches))
    reference = np.zeros(chunk.size, dtype=I64)  # the close date, else the run date, else the last touch's date
    when = np.array(chunk.t_when, dtype=I64)
    reference[deal[ends]] = when[touches[ends]]
    if ctx.as_of_day is not None:
        reference[:] = ctx.as_of_day
    close = [(d, day) for d, day in enumerate(chunk.close_day) if day is not None]
    if close:
        reference[[d for d, _ in close]] = [day for _, day in close]
    age = np.maximum(0, reference[deal] - chunk.t_day[touches])
    youngest = np.full(chunk.size, np.iinfo(I64).max, dtype=I64)
    np.minimum.at(youngest, deal, age)
    relative = age - youngest[deal]
    weights = ctx.decay_table(int(relative.max()))[relative]
    order, firsts = _pairs(deal, chunk.t_pid[touches])
    sums = fsum_groups(weights[order], firsts)
    sizes = np.diff(np.append(firsts, len(touches)))
    latest = touches[order[firsts + sizes - 1]].tolist()  # each partnership's last touch in order
    pair_deal, pair_pid = deal[order[firsts]].tolist(), chunk.t_pid[touches][order[firsts]].tolist()
    sums, sizes = sums.tolist(), sizes.tolist()
    cents = chunk.cents.tolist()
    hl, pct, touch_text = ctx.half_life, ctx.pct, ctx.touch_text
    bounds = np.append(starts_of(np.array(pair_deal, dtype=I64)), len(pair_deal)).tolist()
    deals, ties, parts, shares, texts, weightless = [], [], [], [], [], []
    for g, end in zip(bounds[:-1], bounds[1:], strict=True):
        d = pair_deal[g]
        allocated = _allocate_floats(cents[d], pair_pid[g:end], sums[g:end])
        if not allocated:
            weightless.append(d)
        for j, part, share, fraction in allocated:
            count = sizes[g + j]
            deals.append(d)
            ties.append(pair_pid[g + j])
            parts.append(part)
            shares.append(share)
            texts.append(
                f"{pct(fraction)} time decay (half-life {hl} days): {count} touchpoint{'s' if count > 1 else ''}, "
                f"latest {touch_text(chunk, latest[g + j])}."
            )
    out.nobody(chunk, np.array(weightless, dtype=I64), WEIGHTLESS)
    out.add(deals, ties, parts, shares, texts)


def _allocate_floats(cents: int, pids: list[int], weights: list[float]) -> list[tuple[int, int, int, float]]:
    """engine._allocate_cents for one deal's float weights, `pids` ascending: [(position, cents, share
    millionths, fraction)] for the positive weights. Floats are dyadic: on the largest denominator every
    weight is an integer, exactly."""
    ratios = [w.as_integer_ratio() for w in weights]
    scale = max(d for _, d in ratios)
    integral = [(j, n * (scale // d)) for j, (n, d) in enumerate(ratios) if n > 0]
    total = sum(x for _, x in integral)
    if not integral:
        return []
    if cents <= 0:
        return [(j, 0, 0, x / total) for j, x in integral]
    floors = [divmod(cents * x, total) for _, x in integral]
    parts = [q for q, _ in floors]
    left = cents - sum(parts)
    if left:
        for k in sorted(range(len(parts)), key=lambda k: -floors[k][1])[:left]:  # stable: lowest pid first
            parts[k] += 1
    result = []
    for (j, x), part in zip(integral, parts, strict=True):
        whole, rest = divmod(part * 1_000_000, cents)
        result.append((j, part, whole + (1 if rest * 2 > cents or (rest * 2 == cents and whole % 2) else 0), x / total))
    return result


def position_based(chunk: Chunk, ctx: Context, out: Out) -> None:
    active = _guard(chunk, out, "touches")
    touches = _touches(chunk, active)
    first_at, last_at = _instants(chunk, touches)
    first_slot = _slot(chunk, touches, first_at)
    last_slot = _slot(chunk, touches, last_at)
    deal_t = chunk.t_deal[touches]
    at = chunk.t_at[touches]
    middle = touches[(at > first_at[deal_t]) & (at < last_at[deal_t])]
    nf = np.bincount(chunk.t_deal[first_slot], minlength=chunk.size)
    nl = np.bincount(chunk.t_deal[last_slot], minlength=chunk.size)
    nm_raw = np.bincount(chunk.t_deal[middle], minlength=chunk.size)
    nm = np.maximum(1, nm_raw)
    f, m, la = ctx.positions
    one = first_at == last_at
    two = ~one & (nm_raw == 0)
    fd, ld, md = chunk.t_deal[first_slot], chunk.t_deal[last_slot], chunk.t_deal[middle]
    w_first = np.where(one[fd], 1, np.where(two[fd], (2 * f + m) * nl[fd], f * nl[fd] * nm[fd]))
    w_last = np.where(two[ld], (2 * la + m) * nf[ld], la * nf[ld] * nm[ld])
    keep_last = ~one[ld]
    # Parts: (deal, pid, weight, kind 0 first / 1 last / 2 middle, touch index); a pid's parts in that order.
    deal = np.concatenate((fd, ld[keep_last], md))
    pid = np.concatenate((chunk.t_pid[first_slot], chunk.t_pid[last_slot][keep_last], chunk.t_pid[middle]))
    weight = np.concatenate((w_first, w_last[keep_last], m * nf[md] * nl[md])).astype(I64)
    kind = np.concatenate((np.zeros(len(fd), I64), np.ones(int(keep_last.sum()), I64), np.full(len(md), 2, I64)))
    touch = np.concatenate((first_slot, last_slot[keep_last], middle))
    order = np.lexsort((kind, pid, deal))
    firsts = starts_of(pair_key(deal[order], pid[order]))
    pid_weight = np.add.reduceat(weight[order], firsts) if len(order) else np.zeros(0, I64)
    pair_deal = deal[order][firsts] if len(order) else np.zeros(0, I64)
    total = np.zeros(chunk.size, dtype=I64)
    np.add.at(total, deal, weight)
    a = allocate(chunk.cents, pair_deal, pid[order][firsts] if len(order) else pair_deal, pid_weight)
    ends = np.append(firsts[1:], len(order)).tolist()
    firsts_l, order_l = firsts.tolist(), order.tolist()
    weight_l, kind_l, touch_l, deal_l = weight.tolist(), kind.tolist(), touch.tolist(), deal.tolist()
    total_l, nf_l, nl_l, one_l = total.tolist(), nf.tolist(), nl.tolist(), one.tolist()
    pct = ctx.pct

    def explain(keep):
        texts = []
        for g, fraction in zip(a.src[keep].tolist(), a.fraction[keep].tolist(), strict=True):
            named, middles, middle_sum = [], 0, 0
            d = deal_l[order_l[firsts_l[g]]]
            whole = total_l[d]
            for r in order_l[firsts_l[g] : ends[g]]:
                w, k = weight_l[r], kind_l[r]
                if k == 2:
                    middles += 1
                    middle_sum += w
                    continue
                size = nf_l[d] if k == 0 else nl_l[d]
                word = "only touch" if one_l[d] else ("first touch" if k == 0 else "last touch")
                tie = f" (shared by {size} partners)" if size > 1 else ""
                named.append(f"{pct(w / whole)} {word}{tie}: {ctx.touch_text(chunk, touch_l[r])}")
            if middles:
                plural = "es" if middles > 1 else ""
                named.append(f"{pct(middle_sum / whole)} for {middles} middle touch{plural}")
            texts.append(f"{pct(fraction)} position based: " + " + ".join(named) + ".")
        return texts

    _finish(chunk, ctx, out, "position_based", active, a, explain)


# Rules, materiality, Shapley -------------------------------------------------------------------------


def rule_split(chunk: Chunk, ctx: Context, out: Out) -> None:
    active = _guard(chunk, out, "none")
    matched: dict[int, list[int]] = {}
    unmatched = []
    for d in np.flatnonzero(active).tolist():
        rule = ctx.rule_of(chunk.products[d], chunk.joint[d])
        (unmatched if rule is None else matched.setdefault(rule, [])).append(d)
    out.nobody(
        chunk,
        np.array(unmatched, dtype=I64),
        "Unattributed: no split rule matches this deal's products or joint solution.",
    )
    for index, deals in matched.items():
        rule = ctx.rules[index]
        weights, explain_key = engine._rule_plan(rule)
        keys = sorted(weights, key=engine.tie_order)
        tie = np.array([NONE_TIE if k is None else k for k in keys], dtype=I64)
        w = np.array([weights[k] for k in keys], dtype=I64)
        deal = np.repeat(np.array(deals, dtype=I64), len(keys))
        a = allocate(chunk.cents, deal, np.tile(tie, len(deals)), np.tile(w, len(deals)))
        label = ctx.escape(rule.label)
        texts = ctx.cache.setdefault(("rule", index), {})

        def explain(keep, a=a, keys=keys, explain_key=explain_key, texts=texts):
            result = []
            for j, fraction in zip((a.src[keep] % len(keys)).tolist(), a.fraction[keep].tolist(), strict=True):
                text = texts.get((j, fraction))
                if text is None:
                    text = texts[(j, fraction)] = ctx.escape(explain_key(keys[j], fraction))
                result.append(text)
            return result

        has = np.zeros(chunk.size, dtype=bool)
        has[deals] = True
        _finish(chunk, ctx, out, "rule_split", has, a, explain, label)


def materiality(chunk: Chunk, ctx: Context, out: Out) -> None:
    active = _guard(chunk, out, "partners")
    linked = np.unique(pair_key(chunk.l_deal, chunk.l_pid))
    rows = np.flatnonzero(active[chunk.s_deal])
    rows = rows[np.isin(pair_key(chunk.s_deal[rows], chunk.s_pid[rows]), linked)]
    deal, pid = chunk.s_deal[rows], chunk.s_pid[rows]
    order, firsts = _pairs(deal, pid)
    lasts = ends_of(firsts, len(rows))
    rows = rows[order[lasts]]  # the last score listed for a partnership wins, as in the reference's dict
    parts = chunk.s_parts[rows]
    points = parts.sum(axis=1)
    deal = chunk.s_deal[rows]
    total = np.zeros(chunk.size, dtype=I64)
    np.add.at(total, deal, np.where(points > 0, points, 0))
    scored = _present(deal[points > 0], chunk.size)
    out.nobody(chunk, np.flatnonzero(active & ~scored), "Unattributed: no materiality scores above zero on this deal.")
    a = allocate(chunk.cents, deal, chunk.s_pid[rows], points)
    cache = ctx.cache.setdefault("materiality", {})

    def explain(keep):
        src = a.src[keep]
        texts = []
        for key in zip(*parts[src].T.tolist(), total[deal[src]].tolist(), a.fraction[keep].tolist(), strict=True):
            text = cache.get(key)
            if text is None:
                sm, vp, dv, whole, fraction = key
                text = cache[key] = (
                    f"{ctx.pct(fraction)} materiality: sales motion {sm}, value proposition "
                    f"{vp}, delivery {dv} = {sm + vp + dv} of {whole} points."
                )
            texts.append(text)
        return texts

    _finish(chunk, ctx, out, "materiality", active & scored, a, explain)


def shapley(chunk: Chunk, ctx: Context, out: Out) -> None:
    active = _guard(chunk, out, "any")
    players = _present(chunk.l_deal, chunk.size) | _present(chunk.t_deal, chunk.size)
    out.nobody(chunk, np.flatnonzero(active & ~players), "Unattributed: no partner attached.")
    active &= players
    links, touches = np.flatnonzero(active[chunk.l_deal]), _touches(chunk, active)
    deal = np.concatenate((chunk.l_deal[links], chunk.t_deal[touches]))
    pid = np.concatenate((chunk.l_pid[links], chunk.t_pid[touches]))
    bits = np.concatenate(((chunk.l_role[links] == 0).astype(I64), chunk.t_item[touches]))
    order, firsts = _pairs(deal, pid)
    mask = np.bitwise_or.reduceat(bits[order], firsts) if len(order) else np.zeros(0, I64)
    deal, pid = deal[order][firsts], pid[order][firsts]
    items = len(engine.ITEMS)
    covers = (mask[:, None] >> np.arange(items)) & 1  # (players, items)
    coverers = np.zeros((chunk.size, items), dtype=I64)
    np.add.at(coverers, deal, covers)
    worth = np.array([3 * ctx.sw] + [ctx.iw] * (items - 1), dtype=I64)
    n = np.bincount(deal, minlength=chunk.size)
    worthy = ((coverers > 0) & (worth > 0)).any(axis=1)
    common = np.lcm.reduce(np.maximum(coverers, 1), axis=1)
    phi = (covers * worth * (common[deal][:, None] // np.maximum(coverers[deal], 1))).sum(axis=1)
    weight = np.where(worthy[deal], phi, 1).astype(I64)
    # lcm x worth beyond 2^53 (hundreds of partners): the reference computes the deal (see allocate's bounds).
    huge = common.astype(np.float64) * float(max(1, int(worth.max()))) >= 2.0**53
    weight[huge[deal]] = 1 << 53
    a = allocate(chunk.cents, deal, pid, weight)
    cache = ctx.cache.setdefault("shapley", {})

    def explain(keep):
        src = a.src[keep]
        keys = zip(
            mask[src].tolist(),
            map(tuple, coverers[deal[src]].tolist()),
            n[deal[src]].tolist(),
            worthy[deal[src]].tolist(),
            a.fraction[keep].tolist(),
            strict=True,
        )
        texts = []
        for key in keys:
            text = cache.get(key)
            if text is None:
                text = cache[key] = _shapley_text(ctx, *key)
            texts.append(text)
        return texts

    _finish(chunk, ctx, out, "shapley", active, a, explain)


def _shapley_text(ctx: Context, mask: int, coverers: tuple, n: int, worthy: bool, fraction: float) -> str:
    pct = ctx.pct
    if not worthy:
        return f"{pct(fraction)} Shapley value: no sourcing or touchpoints tell the {n} partners apart, equal split."
    what = ", ".join(
        ("sourced" if engine.ITEMS[i] == "sourced" else f"touched {engine.PHASE_LABELS[engine.ITEMS[i]]}")
        + (f" with {coverers[i] - 1} other{'s' if coverers[i] > 2 else ''}" if coverers[i] > 1 else "")
        for i in range(len(engine.ITEMS))
        if mask >> i & 1
    )
    return (
        f"{pct(fraction)} Shapley value ({what or 'no sourcing or touch'}): each item's worth split "
        f"equally among the partners covering it (exact for {n} partner{'s' if n > 1 else ''})."
    )


MODEL_FUNCTIONS = {
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


def credit_chunk(chunk: Chunk, model_names: Iterable[str], ctx: Context) -> Rows:
    """Every model on every deal of the chunk: the reference's rows, in its order (deal, model, partnership)."""
    pieces = []
    for index, model in enumerate(model_names):
        out = Out()
        MODEL_FUNCTIONS[model](chunk, ctx, out)
        if out.deal:
            pieces.append((index, model, out))
    rows = Rows()
    if not pieces:
        return rows
    deal = np.concatenate([d for _, _, o in pieces for d in o.deal])
    tie = np.concatenate([t for _, _, o in pieces for t in o.tie])
    model_index = np.concatenate([np.full(len(d), i, dtype=I64) for i, _, o in pieces for d in o.deal])
    order = np.lexsort((tie, model_index, deal))
    names = [m for _, m, _ in pieces]
    position = {i: p for p, (i, _, _) in enumerate(pieces)}
    rows.deal = deal[order].tolist()
    rows.model = [names[position[i]] for i in model_index[order].tolist()]
    rows.pid = [None if t == NONE_TIE else t for t in tie[order].tolist()]
    rows.cents = np.concatenate([c for _, _, o in pieces for c in o.cents])[order].tolist()
    rows.share = np.concatenate([s for _, _, o in pieces for s in o.share])[order].tolist()
    explanation = [text for _, _, o in pieces for text in o.explanation]
    rule_version = [text for _, _, o in pieces for text in o.rule_version]
    order = order.tolist()
    rows.explanation = [explanation[i] for i in order]
    rows.rule_version = [rule_version[i] for i in order]
    return rows
