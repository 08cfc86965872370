"""The ranked lists ``shopgraph train`` writes onto the graph as ``RECOMMENDED``, with their reasons.

For every customer who bought something, the fitted :class:`~relational.ranker.LearnedRanker`'s
best ``k`` candidates at the reference day (the day after the last purchase), each with the
candidate sources that proposed it and the reasons that drove its score
(:func:`relational.reasons.explain`). Customers with fewer candidates than ``k`` are filled with
the popular list, each such entry saying so.

With an :class:`~relational.exposure_cap.ExposureCap`, each list is cut from the ranker's best
``pool × k`` by :func:`~relational.exposure_cap.cap_list` instead of taking the best ``k``: the
fairness audit's mitigation knob (docs/fairness.md measures what it costs).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from shopgraph.relational.data import Snapshot
from shopgraph.relational.exposure_cap import ExposureCap, cap_list, snapshot_groups
from shopgraph.relational.ranker import LearnedRanker
from shopgraph.relational.reasons import explain


@dataclass(frozen=True)
class ServedItem:
    """One entry of a customer's served list; ``cited`` are the product ids its reasons name."""

    product: str
    rank: int
    score: float
    sources: tuple[str, ...]
    reasons: tuple[str, ...]
    cited: tuple[str, ...]


def _capped(rows: np.ndarray, products: np.ndarray, group: np.ndarray, k: int, cap: ExposureCap) -> np.ndarray:
    """The feature rows of the capped list chosen from ``rows`` (one customer's ranking, best first)."""
    row_of = {int(products[row]): int(row) for row in rows.tolist()}
    chosen = cap_list(products[rows], group, k, cap.max_share)
    return np.array([row_of[int(p)] for p in chosen if p >= 0], dtype=np.int64)


def served_lists(
    ranker: LearnedRanker, view: Snapshot, k: int, batch: int = 2000, cap: ExposureCap | None = None
) -> dict[str, list[ServedItem]]:
    """``customer id -> its best k`` for every customer of ``view`` with a purchase (see the module).

    ``ranker`` must be fitted on ``view``. Customers are scored ``batch`` at a time, so memory
    stays bounded however many there are. ``cap``: the exposure cap applied to each list (none
    by default).
    """
    buyers = np.unique(view.purchases.customer).astype(np.int64)
    popular = ranker.popular(k * 2)
    group = snapshot_groups(view, cap.dimension) if cap is not None else None
    out: dict[str, list[ServedItem]] = {}
    for start in range(0, buyers.shape[0], batch):
        customers = buyers[start : start + batch]
        features, scores, best = ranker.ranked(customers, k * cap.pool if cap is not None else k)
        if cap is not None and group is not None:
            best = [_capped(rows, features.products, group, k, cap) for rows in best]
        chosen = np.concatenate(best) if best else np.zeros(0, dtype=np.int64)
        source_columns = [(i, n.removeprefix("src_")) for i, n in enumerate(features.names) if n.startswith("src_")]
        reasons = explain(view, customers, features, ranker.contributions(features, chosen), chosen)
        by_row = dict(zip(chosen.tolist(), reasons, strict=True))
        for r, rows in enumerate(best):
            items: list[ServedItem] = []
            for rank, row in enumerate(rows.tolist(), start=1):
                said = by_row[row]
                items.append(
                    ServedItem(
                        product=view.product_ids[int(features.products[row])],
                        rank=rank,
                        score=round(float(scores[row]), 6),
                        sources=tuple(name for i, name in source_columns if features.values[row, i] > 0),
                        reasons=tuple(reason.text for reason in said),
                        cited=tuple(reason.product for reason in said if reason.product),
                    )
                )
            taken = {item.product for item in items}
            for product in popular:
                if len(items) >= k:
                    break
                pid = view.product_ids[int(product)]
                if pid in taken:
                    continue
                items.append(ServedItem(pid, len(items) + 1, 0.0, ("popular",), ("popular this week",), ()))
            out[view.customer_ids[int(customers[r])]] = items
    return out
