"""Ranking metrics for top-k recommendations against the products really bought.

One row is one (customer, cut-off) pair: ``predicted`` is its ranked list of product positions,
best first (``-1`` pads a short list and never counts as a hit), ``truth`` the set of products
bought in the window. A product repeated in a list counts once, at its first position; its later
copies are misses that still take a rank. Rows with empty truth score 0 (evaluation never makes
them: only customers who bought in the window are scored).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray

from shopgraph.graphstore.core.errors import ConfigError

# Names of the averaged metrics, in report order.
METRICS = ("map", "recall", "ndcg", "hit_rate", "coverage")


def _relevance(predicted: ArrayLike, truth: set[int], k: int) -> list[bool]:
    """rel(i) for ranks 1..k: the i-th prediction is in ``truth`` and not predicted before."""
    seen: set[int] = set()
    rel = []
    for p in np.asarray(predicted, dtype=np.int64).reshape(-1)[:k].tolist():
        rel.append(p in truth and p not in seen)
        seen.add(p)
    return rel


def average_precision_at_k(predicted: ArrayLike, truth: set[int], k: int = 12) -> float:
    """AP@k as in the H&M Kaggle competition (MAP@12 is its mean over customers).

    ``AP@k = 1 / min(|truth|, k) · Σ_{i=1..k} P(i) · rel(i)``, where ``P(i)`` is the share of the
    first ``i`` predictions that are hits and ``rel(i)`` is 1 when the i-th prediction is a hit
    (a repeated prediction counts once). 0 when ``truth`` is empty.
    """
    if not truth:
        return 0.0
    hits = 0
    total = 0.0
    for i, r in enumerate(_relevance(predicted, truth, k), start=1):
        if r:
            hits += 1
            total += hits / i
    return total / min(len(truth), k)


def recall_at_k(predicted: ArrayLike, truth: set[int], k: int = 12) -> float:
    """``|distinct top-k predictions ∩ truth| / |truth|`` (at most ``k / |truth|``). 0 when ``truth`` is empty."""
    if not truth:
        return 0.0
    return sum(_relevance(predicted, truth, k)) / len(truth)


def ndcg_at_k(predicted: ArrayLike, truth: set[int], k: int = 12) -> float:
    """Normalised discounted cumulative gain with binary gains.

    ``DCG = Σ_{i=1..k} rel(i) / log2(i + 1)``, ``IDCG = Σ_{i=1..min(|truth|, k)} 1 / log2(i + 1)``,
    ``NDCG = DCG / IDCG``. 0 when ``truth`` is empty.
    """
    if not truth:
        return 0.0
    dcg = sum(1.0 / np.log2(i + 1) for i, r in enumerate(_relevance(predicted, truth, k), start=1) if r)
    idcg = sum(1.0 / np.log2(i + 1) for i in range(1, min(len(truth), k) + 1))
    return float(dcg / idcg)


def hit_rate(predicted: ArrayLike, truth: set[int], k: int = 12) -> float:
    """1 when any of the top-k predictions is in ``truth``, else 0."""
    return 1.0 if any(_relevance(predicted, truth, k)) else 0.0


def coverage(recommendations: ArrayLike, catalog_size: int, k: int = 12) -> float:
    """Catalog coverage of one list or a ``(rows, n)`` matrix of lists: ``|distinct top-k products| / catalog_size``.

    The catalog is every product a method may recommend: all product positions of the snapshot
    (``Snapshot.num_products``), purchased-only articles included, because the ground truth
    contains them too. ``-1`` padding is not a product.

    Raises:
        ConfigError: ``catalog_size`` is below 1.
    """
    if catalog_size < 1:
        raise ConfigError(f"coverage: catalog_size must be at least 1, got {catalog_size}")
    top = np.atleast_2d(np.asarray(recommendations, dtype=np.int64))[:, :k]
    return float(np.unique(top[top >= 0]).shape[0] / catalog_size)


def per_row(recommendations: ArrayLike, truth: Sequence[set[int]], k: int) -> dict[str, NDArray[np.float64]]:
    """Each row's AP@k, recall@k, NDCG@k and hit, as ``{"map", "recall", "ndcg", "hit_rate"}`` arrays
    (the values :func:`score` averages; the pairs a bootstrap resamples)."""
    recs = np.asarray(recommendations, dtype=np.int64)
    if recs.size == 0:
        recs = recs.reshape(len(truth), 0)
    rows = list(zip(recs, truth, strict=True))
    return {
        "map": np.array([average_precision_at_k(p, t, k) for p, t in rows], dtype=np.float64),
        "recall": np.array([recall_at_k(p, t, k) for p, t in rows], dtype=np.float64),
        "ndcg": np.array([ndcg_at_k(p, t, k) for p, t in rows], dtype=np.float64),
        "hit_rate": np.array([hit_rate(p, t, k) for p, t in rows], dtype=np.float64),
    }


def score(recommendations: ArrayLike, truth: Sequence[set[int]], k: int, catalog_size: int) -> dict[str, float]:
    """Every metric over a set of rows: ``recommendations`` is ``(rows, >= k)``, ``truth`` one set per row.

    Returns ``{"map", "recall", "ndcg", "hit_rate"}`` as means over rows (0 for no rows) and
    ``"coverage"`` over all rows together, keyed as in :data:`METRICS`.

    Raises:
        ConfigError: ``k`` is below 1, or the rows of ``recommendations`` and ``truth`` differ.
    """
    if k < 1:
        raise ConfigError(f"score: k must be at least 1, got {k}")
    recs = np.asarray(recommendations, dtype=np.int64)
    if recs.size == 0:
        recs = recs.reshape(len(truth), 0)
    if recs.ndim != 2 or recs.shape[0] != len(truth):
        raise ConfigError(f"score: {recs.shape} recommendations for {len(truth)} truth rows")
    rows = per_row(recs, truth, k)
    means = {m: float(v.mean()) if v.shape[0] else 0.0 for m, v in rows.items()}
    return {**means, "coverage": coverage(recs, catalog_size, k)}


def paired_bootstrap(
    a: ArrayLike, b: ArrayLike, samples: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """The mean of ``a − b`` over paired rows and its percentile bootstrap interval.

    Rows (customer, cut-off pairs) are resampled with replacement ``samples`` times; each resample's
    mean difference ``(1/n) Σ (aᵢ − bᵢ)`` is one draw; the interval is the draws' ``(1 − level)/2``
    and ``(1 + level)/2`` quantiles. Returns ``(mean difference, low, high)``.

    Raises:
        ConfigError: ``a`` and ``b`` differ in length, or are empty.
    """
    x, y = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if x.shape != y.shape or x.ndim != 1 or not x.shape[0]:
        raise ConfigError(f"paired_bootstrap: need two equal non-empty rows of values, got {x.shape} and {y.shape}")
    diff = x - y
    rng = np.random.default_rng(seed)
    draws = np.empty(samples)
    for start in range(0, samples, 256):  # blocks keep the index matrix small
        n = min(256, samples - start)
        draws[start : start + n] = diff[rng.integers(0, diff.shape[0], size=(n, diff.shape[0]))].mean(axis=1)
    tail = (1 - level) / 2
    low, high = np.quantile(draws, [tail, 1 - tail])
    return float(diff.mean()), float(low), float(high)
