"""Percentiles, percentile ranks and bands: pure, vectorised functions (numpy, one sort).

Definitions (docs/benchmarks.md):
- quantile q of n sorted values v: linear interpolation at position q·(n−1) (numpy's default,
  DuckDB's `quantile_cont`, Excel's PERCENTILE.INC);
- percentile rank of a value among its group: 100 × (values below + ½ × values equal) ÷ n, so ties
  share one rank; for metrics where lower is better it is mirrored (100 − rank), so a high rank is
  always good;
- band: High from rank 75, Low below 25, Medium between; no band and no rank when the group has
  fewer than `min_size` members ("not enough peers").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

QUANTILES = (0.10, 0.25, 0.50, 0.75, 0.90)
QUANTILE_NAMES = ("p10", "p25", "p50", "p75", "p90")
HIGH_FROM = 75.0
LOW_BELOW = 25.0


def band(rank: float | None) -> str:
    """High / Medium / Low from a percentile rank (already mirrored for lower-is-better metrics)."""
    if rank is None or rank != rank:  # None or NaN
        return ""
    if rank >= HIGH_FROM:
        return "high"
    if rank < LOW_BELOW:
        return "low"
    return "medium"


@dataclass
class GroupedResult:
    group_codes: np.ndarray  # one per group present
    counts: np.ndarray  # members per group
    quantiles: np.ndarray  # shape (groups, len(QUANTILES)); NaN where the group is too small
    ranks: np.ndarray  # one per input row, in input order; NaN where the group is too small


def grouped_percentiles(
    groups: np.ndarray, values: np.ndarray, *, lower_is_better: np.ndarray | bool = False, min_size: int = 1
) -> GroupedResult:
    """Quantiles per group and each row's percentile rank within its group, in one lexsort.

    `groups` are integer group codes, `values` floats (no NaN: a metric without data has no row).
    `lower_is_better` is one flag or one per row (rows of one group share the metric, so the flag).
    """
    groups = np.asarray(groups, dtype=np.int64)
    values = np.asarray(values, dtype=np.float64)
    n = len(values)
    order = np.lexsort((values, groups))
    g = groups[order]
    v = values[order]
    # Group boundaries.
    if n:
        starts_mask = np.empty(n, dtype=bool)
        starts_mask[0] = True
        np.not_equal(g[1:], g[:-1], out=starts_mask[1:])
        starts = np.flatnonzero(starts_mask)
    else:
        starts = np.zeros(0, dtype=np.int64)
    ends = np.append(starts[1:], n)
    counts = ends - starts
    codes = g[starts]
    # Quantiles: linear interpolation at q·(n−1) inside each group's sorted slice.
    q = np.asarray(QUANTILES)
    pos = (counts[:, None] - 1) * q[None, :]
    lo = np.floor(pos).astype(np.int64)
    hi = np.minimum(lo + 1, counts[:, None] - 1)
    frac = pos - lo
    base = starts[:, None]
    quant = v[base + lo] * (1 - frac) + v[base + hi] * frac if n else np.zeros((0, len(q)))
    small = counts < min_size
    quant[small] = np.nan
    # Mid-ranks: runs of equal (group, value) share the average position.
    if n:
        run_mask = np.empty(n, dtype=bool)
        run_mask[0] = True
        run_mask[1:] = starts_mask[1:] | (v[1:] != v[:-1])
        run_starts = np.flatnonzero(run_mask)
        run_ends = np.append(run_starts[1:], n)
        run_id = np.cumsum(run_mask) - 1
        group_id = np.cumsum(starts_mask) - 1
        below = run_starts[run_id] - starts[group_id]
        equal = (run_ends - run_starts)[run_id]
        size = counts[group_id]
        rank_sorted = 100.0 * (below + 0.5 * equal) / size
        flip = np.asarray(lower_is_better)
        if flip.ndim:
            flip = flip[order]
        rank_sorted = np.where(flip, 100.0 - rank_sorted, rank_sorted)
        rank_sorted[size < min_size] = np.nan
        ranks = np.empty(n, dtype=np.float64)
        ranks[order] = rank_sorted
    else:
        ranks = np.zeros(0)
    return GroupedResult(group_codes=codes, counts=counts, quantiles=quant, ranks=ranks)


def quantiles_of(values) -> list[float]:
    """The five quantiles of one list of values (used for one organization's own figures)."""
    result = grouped_percentiles(np.zeros(len(values), dtype=np.int64), np.asarray(values, dtype=float))
    return [float(x) for x in result.quantiles[0]] if len(values) else []


def median(values) -> float | None:
    values = list(values)
    return float(np.median(np.asarray(values, dtype=float))) if values else None
