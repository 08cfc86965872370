"""Rolling time splits: train on purchases before a cut-off day, predict the days after it.

Days are integers (days since 1970-01-01, see ``relational.data``). A cut-off ``c`` with horizon
``h`` splits time into the past ``day < c`` (what a model may learn from, ``snapshot.until(c)``)
and the prediction window ``c <= day < c + h``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.defaults import EVALUATION
from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.relational.data import Snapshot


def rolling_cutoffs(
    last_day: int,
    count: int = EVALUATION.cutoffs,
    step: int = EVALUATION.step_days,
    horizon: int = EVALUATION.horizon_days,
) -> list[int]:
    """``count`` cut-off days, ``step`` days apart, ascending, the last window ending on ``last_day``.

    The last cut-off is ``last_day + 1 - horizon``, so its window ``[cutoff, cutoff + horizon)``
    holds the last ``horizon`` days of data and includes ``last_day`` (the last purchase day).
    Cut-off ``i`` (0-based) is ``last_day + 1 - horizon - (count - 1 - i) * step``. With the
    defaults (8 cut-offs, 28 days apart, 28-day windows) the windows tile the last 224 days.

    Raises:
        ConfigError: ``count``, ``step`` or ``horizon`` is below 1.
    """
    for name, value in (("count", count), ("step", step), ("horizon", horizon)):
        if value < 1:
            raise ConfigError(f"rolling_cutoffs: {name} must be at least 1, got {value}")
    last_cutoff = int(last_day) + 1 - horizon
    return [last_cutoff - (count - 1 - i) * step for i in range(count)]


@dataclass(frozen=True)
class EvalTask:
    """Who is scored at one cut-off and what they really bought in the window after it.

    ``truth[i]`` is the set of distinct product positions ``customers[i]`` bought in
    ``[cutoff, cutoff + horizon)``; ``customers`` is ascending.
    """

    cutoff: int
    horizon: int
    customers: NDArray[np.int64]
    truth: list[set[int]]
    # Per customer: bought again in the window something they had bought before (a repeat buyer),
    # rather than only products new to them (an explorer).
    repeat: NDArray[np.bool_] | None = None

    def __len__(self) -> int:
        return int(self.customers.shape[0])


def make_task(snapshot: Snapshot, cutoff: int, horizon: int = 28) -> EvalTask:
    """The customers to score at ``cutoff``: those who bought in the window and also before it.

    A customer with no purchase before the cut-off has nothing a personalised model could use, so
    they are left out (as in the H&M setup, where everyone scored has a history). The ground truth
    is the distinct products each bought in ``[cutoff, cutoff + horizon)``.

    Raises:
        ConfigError: ``horizon`` is below 1.
    """
    if horizon < 1:
        raise ConfigError(f"make_task: horizon must be at least 1, got {horizon}")
    purchases = snapshot.purchases
    window = purchases.between(cutoff, cutoff + horizon)
    seen_before = np.unique(purchases.before(cutoff).customer)
    keep = np.isin(window.customer, seen_before)
    customer, product = window.customer[keep], window.product[keep]
    customers = np.unique(customer).astype(np.int64)
    truth: list[set[int]] = [set() for _ in range(customers.shape[0])]
    for row, p in zip(np.searchsorted(customers, customer), product, strict=True):
        truth[int(row)].add(int(p))
    before = purchases.before(cutoff)
    owned = set(zip(before.customer.tolist(), before.product.tolist(), strict=True))
    repeat = np.array([any((int(c), p) in owned for p in t) for c, t in zip(customers, truth, strict=True)], dtype=bool)
    return EvalTask(cutoff=int(cutoff), horizon=int(horizon), customers=customers, truth=truth, repeat=repeat)
