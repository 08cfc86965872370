"""The ranked lists ``shopgraph train`` writes onto the graph as ``RECOMMENDED``, with their reasons.

For every customer who bought something, the fitted :class:`~relational.ranker.LearnedRanker`'s
best ``k`` candidates at the reference day (the day after the last purchase), each with the
candidate sources that proposed it and the reasons that drove its score
(:func:`relational.reasons.explain`). Customers with fewer candidates than ``k`` are filled with
the popular list, each such entry saying so.

With an :class:`~relational.exposure_cap.ExposureCap`, each list is cut from the ranker's best
``pool × k`` and the popular filler by :func:`~relational.exposure_cap.cap_list` instead of
taking the best ``k``: the fairness audit's mitigation knob (docs/fairness.md measures what it costs).
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


def _plan(
    rows: np.ndarray,
    products: np.ndarray,
    popular: np.ndarray,
    k: int,
    group: np.ndarray | None,
    cap: ExposureCap | None,
) -> list[tuple[int, int]]:
    """One customer's list as ``(feature row, product)`` pairs, best first: the ranked candidates
    ``rows``, then the popular products it lacks (feature row -1), ``k`` in all; with ``cap``, the
    capped choice (:func:`~relational.exposure_cap.cap_list`) over the candidates and the popular
    filler together, so the filler cannot crowd a group the cap keeps out."""
    row_of = {int(products[row]): int(row) for row in rows.tolist()}
    ranked = [int(p) for p in products[rows].tolist()] + [int(p) for p in popular.tolist() if int(p) not in row_of]
    if cap is not None and group is not None:
        chosen = [int(p) for p in cap_list(np.array(ranked, dtype=np.int64), group, k, cap.max_share) if p >= 0]
    else:
        chosen = ranked[:k]
    return [(row_of.get(p, -1), p) for p in chosen]


def served_lists(
    ranker: LearnedRanker, view: Snapshot, k: int, batch: int = 2000, cap: ExposureCap | None = None
) -> dict[str, list[ServedItem]]:
    """``customer id -> its best k`` for every customer of ``view`` with a purchase (see the module).

    ``ranker`` must be fitted on ``view``. Customers are scored ``batch`` at a time, so memory
    stays bounded however many there are. ``cap``: the exposure cap applied to each list (none
    by default).
    """
    buyers = np.unique(view.purchases.customer).astype(np.int64)
    # With a cap, a deeper popular filler: its head may all be one group.
    popular = ranker.popular(k * 2 * (cap.pool if cap is not None else 1))
    group = snapshot_groups(view, cap.dimension) if cap is not None else None
    out: dict[str, list[ServedItem]] = {}
    for start in range(0, buyers.shape[0], batch):
        customers = buyers[start : start + batch]
        features, scores, best = ranker.ranked(customers, k * cap.pool if cap is not None else k)
        plans = [_plan(rows, features.products, popular, k, group, cap) for rows in best]
        chosen = np.array([row for plan in plans for row, _ in plan if row >= 0], dtype=np.int64)
        source_columns = [(i, n.removeprefix("src_")) for i, n in enumerate(features.names) if n.startswith("src_")]
        reasons = explain(view, customers, features, ranker.contributions(features, chosen), chosen)
        by_row = dict(zip(chosen.tolist(), reasons, strict=True))
        for r, plan in enumerate(plans):
            items: list[ServedItem] = []
            for rank, (row, product) in enumerate(plan, start=1):
                pid = view.product_ids[product]
                if row < 0:
                    items.append(ServedItem(pid, rank, 0.0, ("popular",), ("popular this week",), ()))
                    continue
                said = by_row[row]
                items.append(
                    ServedItem(
                        product=pid,
                        rank=rank,
                        score=round(float(scores[row]), 6),
                        sources=tuple(name for i, name in source_columns if features.values[row, i] > 0),
                        reasons=tuple(reason.text for reason in said),
                        cited=tuple(reason.product for reason in said if reason.product),
                    )
                )
            out[view.customer_ids[int(customers[r])]] = items
    return out
