"""Percentiles and rates, computed the same way for every measurement."""
from __future__ import annotations

import math


def percentile(values: list[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of unsorted values; NaN when there are none."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100.0 * len(ordered)))
    return ordered[rank - 1]


def steady_rate(times_ms: list[int], low: float = 0.1, high: float = 0.9) -> float:
    """Events per second between the 10th and the 90th percent of completions (sorted times)."""
    if len(times_ms) < 10:
        return math.nan
    i, j = int(low * (len(times_ms) - 1)), int(high * (len(times_ms) - 1))
    span = (times_ms[j] - times_ms[i]) / 1000.0
    return (j - i) / span if span > 0 else math.nan
