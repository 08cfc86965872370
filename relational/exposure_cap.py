"""The fairness audit's mitigation knob: a per-group exposure cap applied where a ranked list is cut.

:func:`cap_list` walks a longer ranking (the pool) best first and keeps an item unless its group
already fills ``ceil(max_share * k)`` of the ``k`` places; when the pool runs out before ``k``
places are filled, the skipped items come back in their order. Items of unknown group are never
held back. :class:`CappedRecommender` puts it behind any recommender: it asks it for ``pool * k``
items and caps them to ``k``. The groups are a property of the view it is fitted on (price bands
from the view's own purchase prices, brands from the catalog), so nothing after a cut-off leaks in.

Price bands are the quartiles of the products' mean paid price, as ``percentileDisc`` computes them
in Cypher (nearest rank: the ``ceil(q·n)``-th smallest of the ``n`` priced products): band 0 up to
and including the first quartile, then up to the median, up to the third quartile, and above it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.relational.data import Recommender, Snapshot

PRICE_BANDS: tuple[str, ...] = ("low", "mid-low", "mid-high", "high")
"""The price bands, cheapest first (quartiles of the products' mean paid price)."""
CAP_DIMENSIONS: tuple[str, ...] = ("price_band", "brand")
"""What the knob can cap: both are known to the relational snapshot (departments are not)."""


def price_band_edges(prices: ArrayLike) -> NDArray[np.float64]:
    """The three quartile edges of the known (non-NaN) ``prices``, nearest rank (as Cypher's
    ``percentileDisc``); empty when no price is known."""
    x = np.sort(np.asarray(prices, dtype=np.float64))
    x = x[~np.isnan(x)]
    if not x.shape[0]:
        return np.zeros(0)
    return np.array([x[max(math.ceil(q * x.shape[0]) - 1, 0)] for q in (0.25, 0.5, 0.75)])


def price_bands(prices: ArrayLike) -> NDArray[np.int64]:
    """Per product, its band in :data:`PRICE_BANDS` (index), -1 where its price is NaN."""
    p = np.asarray(prices, dtype=np.float64)
    edges = price_band_edges(p)
    if not edges.shape[0]:
        return np.full(p.shape[0], -1, dtype=np.int64)
    band = np.searchsorted(edges, p, side="left").astype(np.int64)
    band[np.isnan(p)] = -1
    return band


def mean_paid_price(snapshot: Snapshot) -> NDArray[np.float64]:
    """Per product, the mean price of its purchase lines in ``snapshot`` (NaN: none with a price)."""
    purchases = snapshot.purchases
    out = np.full(snapshot.num_products, np.nan)
    if purchases.price is None:
        return out
    priced = ~np.isnan(purchases.price)
    product = purchases.product[priced]
    sums = np.bincount(product, weights=purchases.price[priced].astype(np.float64), minlength=snapshot.num_products)
    counts = np.bincount(product, minlength=snapshot.num_products)
    np.divide(sums, counts, out=out, where=counts > 0)
    return out


def snapshot_groups(snapshot: Snapshot, dimension: str) -> NDArray[np.int64]:
    """Per product of ``snapshot``, its group in ``dimension`` (``price_band`` or ``brand``), -1 unknown.

    Raises:
        ConfigError: an unknown dimension.
    """
    if dimension == "price_band":
        return price_bands(mean_paid_price(snapshot))
    if dimension == "brand":
        out = np.full(snapshot.num_products, -1, dtype=np.int64)
        facts = snapshot.facts.get("HAS_BRAND")
        if facts is not None:
            # The most confident brand wins: write the facts in rising confidence, the last one stays.
            order = np.argsort(facts.confidence, kind="stable")
            out[facts.product[order]] = facts.term[order]
        return out
    raise ConfigError(f"unknown exposure-cap dimension {dimension!r}; known: {', '.join(CAP_DIMENSIONS)}")


def cap_list(ranked: ArrayLike, group: NDArray[np.int64], k: int, max_share: float) -> NDArray[np.int64]:
    """The first ``k`` of ``ranked`` with at most ``ceil(max_share * k)`` items of any one group
    (see the module); -1 entries of ``ranked`` are skipped, and the result is padded with -1."""
    limit = max(1, math.ceil(max_share * k))
    taken: list[int] = []
    skipped: list[int] = []
    used: dict[int, int] = {}
    for item in np.asarray(ranked, dtype=np.int64).tolist():
        if item < 0:
            continue
        g = int(group[item])
        if g >= 0 and used.get(g, 0) >= limit:
            skipped.append(item)
            continue
        used[g] = used.get(g, 0) + 1
        taken.append(item)
        if len(taken) == k:
            break
    taken += skipped[: k - len(taken)]
    return np.array(taken + [-1] * (k - len(taken)), dtype=np.int64)


@dataclass(frozen=True)
class ExposureCap:
    """At most ``max_share`` of a list's places for any one group of ``dimension``, chosen from the
    best ``pool × k`` of the ranking."""

    dimension: str
    max_share: float
    pool: int = 3

    def __post_init__(self) -> None:
        if self.dimension not in CAP_DIMENSIONS:
            raise ConfigError(f"unknown exposure-cap dimension {self.dimension!r}; known: {', '.join(CAP_DIMENSIONS)}")
        if not 0 < self.max_share <= 1:
            raise ConfigError(f"exposure cap: max_share must be in (0, 1], got {self.max_share}")
        if self.pool < 1:
            raise ConfigError(f"exposure cap: pool must be at least 1, got {self.pool}")

    @property
    def label(self) -> str:
        return f"{self.dimension} cap {self.max_share:.0%}"


def parse_cap(text: str, pool: int = 3) -> ExposureCap:
    """``"price_band:0.5"`` as an :class:`ExposureCap`.

    Raises:
        ConfigError: not ``DIMENSION:SHARE``, an unknown dimension or a share outside (0, 1].
    """
    dimension, sep, share = text.partition(":")
    try:
        value = float(share)
    except ValueError:
        value = float("nan")
    if not sep or value != value:
        raise ConfigError(f"exposure cap {text!r}: expected DIMENSION:SHARE such as price_band:0.5")
    return ExposureCap(dimension.strip(), value, pool)


class CappedRecommender:
    """``inner`` with :class:`ExposureCap` applied to its lists (a :class:`~relational.data.Recommender`).

    A cap of 100% changes nothing and keeps ``inner``'s name. Several caps over one inner method
    share its fit in ``relational.evaluate.evaluate`` (``fit_key``/``share_fit``). With ``record``,
    every ``recommend`` appends ``(lists, groups of the view)`` to it, for the exposure measures.
    """

    def __init__(
        self,
        inner: Recommender,
        cap: ExposureCap,
        record: list[tuple[NDArray[np.int64], NDArray[np.int64]]] | None = None,
    ) -> None:
        self.inner = inner
        self.cap = cap
        self.name = inner.name if cap.max_share >= 1 else f"{inner.name}, {cap.label}"
        self.fit_key = ("exposure cap over", inner.name)
        self.record = record
        self._group: NDArray[np.int64] | None = None
        self._view: Snapshot | None = None

    def fit(self, data: Snapshot) -> None:
        self.inner.fit(data)
        self._view = data
        self._group = snapshot_groups(data, self.cap.dimension)

    def share_fit(self, other: CappedRecommender) -> None:
        """Adopt ``other``'s fitted inner method (same inner name, same view)."""
        if other._view is None:
            raise ConfigError(f"{self.name}: share_fit() from an unfitted {other.name}")
        self.inner, self._view = other.inner, other._view
        self._group = snapshot_groups(other._view, self.cap.dimension)

    def recommend(self, customers: NDArray[np.int64], k: int) -> NDArray[np.int64]:
        if self._group is None:
            raise ConfigError(f"{self.name}: recommend() called before fit()")
        pool = np.asarray(self.inner.recommend(customers, k * self.cap.pool))
        lists = np.stack([cap_list(row, self._group, k, self.cap.max_share) for row in pool]).reshape(-1, k)
        if self.record is not None:
            self.record.append((lists, self._group))
        return lists
