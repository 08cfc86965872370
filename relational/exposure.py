r"""Exposure of groups of products in ranked lists, and how unequal it is: the fairness audit's maths.

A list puts product ``p`` at rank ``r`` (1 = first); the customer's attention is taken to fall off
with the rank as in discounted cumulative gain, so the entry's exposure is

.. math:: w(r) = 1 / \log_2(r + 1)

(1 at rank 1, 0.63 at rank 2, 0.5 at rank 3, 0.26 at rank 12). An item's exposure is the sum of
its entries' weights over all lists; a group's exposure share is the sum over its items divided by
the sum over all items that belong to a group of that dimension (items of unknown group are left
out of the denominator, and counted in ``unknown``).

Inequality over items is the Gini coefficient of the item exposures :math:`x_1 \le \dots \le x_n`
over the whole catalog (items never shown count with 0):

.. math:: G = \frac{\sum_{i=1}^{n} (2i - n - 1)\, x_i}{n \sum_i x_i}

(0: every item equally exposed; :math:`1 - 1/n`: one item takes it all). The gap between two
share vectors (exposure against catalog, or against purchases) is their total variation distance

.. math:: \mathrm{TVD}(E, C) = \tfrac{1}{2} \sum_g |E_g - C_g|

(0: exposure in proportion; 1: exposure only where the catalog has nothing).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shopgraph.graphstore.core.errors import ConfigError


def position_weights(k: int) -> NDArray[np.float64]:
    """``w(r) = 1/log2(r+1)`` for ranks 1..k."""
    return 1.0 / np.log2(np.arange(2, k + 2, dtype=np.float64))


def item_exposure(lists: ArrayLike, num_items: int) -> NDArray[np.float64]:
    """Per item, the summed position weight of its entries in ``lists`` (rows of item positions,
    best first; -1 pads a short row and counts nowhere).

    Raises:
        ConfigError: ``lists`` is not two-dimensional or names an item outside ``0..num_items-1``.
    """
    rows = np.asarray(lists, dtype=np.int64)
    if rows.ndim != 2:
        raise ConfigError(f"item_exposure: lists must be 2-D (customers, k), got shape {rows.shape}")
    if rows.size and rows.max() >= num_items:
        raise ConfigError(f"item_exposure: item {int(rows.max())} outside 0..{num_items - 1}")
    weights = np.broadcast_to(position_weights(rows.shape[1]), rows.shape)
    shown = rows >= 0
    return np.bincount(rows[shown], weights=weights[shown], minlength=num_items).astype(np.float64)


def gini(values: ArrayLike) -> float:
    """The Gini coefficient of non-negative ``values`` (formula in the module); 0.0 for all zeros.

    Raises:
        ConfigError: empty, or a negative value.
    """
    x = np.sort(np.asarray(values, dtype=np.float64))
    if not x.shape[0] or x[0] < 0:
        raise ConfigError(f"gini: need non-negative values, got {x.shape[0]} values, least {x[0] if x.size else None}")
    total = x.sum()
    if total == 0:
        return 0.0
    n = x.shape[0]
    i = np.arange(1, n + 1, dtype=np.float64)
    return float(((2 * i - n - 1) * x).sum() / (n * total))


@dataclass(frozen=True)
class GroupShares:
    """One dimension (``price_band``, ``department``, ...): per group, its share of the position-
    weighted exposure, of the catalog's products and of the purchase lines (each over the items whose
    group is known); ``unknown_exposure`` is the exposure share of items without a group."""

    dimension: str
    groups: tuple[str, ...]
    exposure: tuple[float, ...]
    catalog: tuple[float, ...]
    purchases: tuple[float, ...]
    unknown_exposure: float

    @property
    def tvd_catalog(self) -> float:
        """Total variation distance between exposure and catalog shares."""
        return tvd(self.exposure, self.catalog)

    @property
    def tvd_purchases(self) -> float:
        """Total variation distance between exposure and purchase shares."""
        return tvd(self.exposure, self.purchases)


def tvd(a: ArrayLike, b: ArrayLike) -> float:
    """``½ Σ |a_g − b_g|`` (formula in the module)."""
    return float(0.5 * np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)).sum())


def _shares(weights: NDArray[np.float64], group: NDArray[np.int64], n_groups: int) -> NDArray[np.float64]:
    known = group >= 0
    sums = np.bincount(group[known], weights=weights[known], minlength=n_groups).astype(np.float64)
    total = sums.sum()
    return sums / total if total > 0 else sums


def group_shares(
    dimension: str,
    names: tuple[str, ...],
    group: ArrayLike,
    exposure: ArrayLike,
    in_catalog: ArrayLike,
    purchase_counts: ArrayLike,
) -> GroupShares:
    """Shares of exposure, catalog and purchases per group.

    Args:
        dimension: what the groups are (for the report).
        names: the group names; ``group`` holds positions in it.
        group: per item, its group position, -1 for unknown.
        exposure: per item, :func:`item_exposure`.
        in_catalog: per item, whether the catalog lists it.
        purchase_counts: per item, its purchase lines.
    """
    g = np.asarray(group, dtype=np.int64)
    e = np.asarray(exposure, dtype=np.float64)
    total = e.sum()
    return GroupShares(
        dimension=dimension,
        groups=names,
        exposure=tuple(float(v) for v in _shares(e, g, len(names))),
        catalog=tuple(float(v) for v in _shares(np.asarray(in_catalog, dtype=np.float64), g, len(names))),
        purchases=tuple(float(v) for v in _shares(np.asarray(purchase_counts, dtype=np.float64), g, len(names))),
        unknown_exposure=float(e[g < 0].sum() / total) if total > 0 else 0.0,
    )


def coverage(lists: ArrayLike, catalog: ArrayLike) -> float:
    """Distinct catalog items in ``lists`` over the catalog's size (``catalog``: per item, listed)."""
    rows = np.asarray(lists, dtype=np.int64)
    listed = np.asarray(catalog, dtype=bool)
    shown = np.unique(rows[rows >= 0])
    return float(listed[shown].sum() / max(int(listed.sum()), 1))


def bootstrap_mean(
    values: ArrayLike, samples: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """The mean of ``values`` and its percentile bootstrap interval: ``(mean, low, high)``; NaNs
    are dropped first, and an empty input gives three NaNs."""
    x = np.asarray(values, dtype=np.float64)
    x = x[~np.isnan(x)]
    if not x.shape[0]:
        return (float("nan"),) * 3
    rng = np.random.default_rng(seed)
    draws = x[rng.integers(0, x.shape[0], size=(samples, x.shape[0]))].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return float(x.mean()), float(low), float(high)
