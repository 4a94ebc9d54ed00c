"""The one paired bootstrap over items: standard errors (scores) and significance (compare).

Every task metric is a function of per-item vectors summed over the items (accuracy: score and
count; chrF++: n-gram counts; macro-F1: per-label tp/fp/fn), so a bootstrap resample is a row of
item weights (how often each item was drawn) and its statistic is computed from `weights @ item
vectors`. Pairing is using the same rows for several statistics: two runs on the same items, or
the seeds of one run.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

ROUNDS = 1000
_ROWS_PER_BLOCK = 256  # resamples drawn at once: bounds memory at 256 x n_items weights

# A statistic maps item weights of shape (rounds, n_items) to one value per round, shape (rounds,).
Statistic = Callable[[np.ndarray], np.ndarray]


def paired_bootstrap(statistics: Sequence[Statistic], n_items: int, rounds: int = ROUNDS, seed: int = 0) -> np.ndarray:
    """Values of each statistic on the same `rounds` item resamples, shape (len(statistics), rounds)."""
    rng = np.random.default_rng(seed)
    uniform = np.full(n_items, 1.0 / n_items)
    blocks = []
    for start in range(0, rounds, _ROWS_PER_BLOCK):
        weights = rng.multinomial(n_items, uniform, size=min(_ROWS_PER_BLOCK, rounds - start))
        blocks.append(np.stack([np.asarray(stat(weights), dtype=float) for stat in statistics]))
    return np.concatenate(blocks, axis=1)


def standard_error(statistic: Statistic, n_items: int, rounds: int = ROUNDS, seed: int = 0) -> float:
    """Bootstrap standard deviation of `statistic`; NaN with fewer than two items."""
    if n_items < 2:
        return float("nan")
    values = paired_bootstrap([statistic], n_items, rounds, seed)[0]
    values = values[~np.isnan(values)]
    return float(values.std(ddof=1)) if len(values) >= 2 else float("nan")


def difference_test(
    statistic_a: Statistic, statistic_b: Statistic, n_items: int, rounds: int = ROUNDS, seed: int = 0
) -> tuple[float, float, float] | None:
    """95% interval of B - A over paired resamples and a two-sided p-value for "no difference".

    None when fewer than two items or no resample gives both values.
    """
    if n_items < 2:
        return None
    values = paired_bootstrap([statistic_a, statistic_b], n_items, rounds, seed)
    diffs = values[1] - values[0]
    diffs = diffs[~np.isnan(diffs)]
    if not len(diffs):
        return None
    low, high = np.quantile(diffs, [0.025, 0.975])
    if np.all(diffs == 0):
        return float(low), float(high), 1.0
    p_value = 2 * min(np.mean(diffs <= 0), np.mean(diffs >= 0))
    return float(low), float(high), float(min(1.0, p_value))
