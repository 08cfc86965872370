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
from numpy.typing import ArrayLike

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
    rows = list(zip(recs, truth, strict=True))
    n = max(len(rows), 1)
    return {
        "map": sum(average_precision_at_k(p, t, k) for p, t in rows) / n,
        "recall": sum(recall_at_k(p, t, k) for p, t in rows) / n,
        "ndcg": sum(ndcg_at_k(p, t, k) for p, t in rows) / n,
        "hit_rate": sum(hit_rate(p, t, k) for p, t in rows) / n,
        "coverage": coverage(recs, catalog_size, k),
    }
