"""The purchase statistics the outfit builder scores with, from the lines before one reference day.

For a reference day ``t`` (the day after the last purchase for a live look, a cut-off in the
evaluation) only lines with ``day < t`` count, so nothing later can reach a score:

- ``together(a, b)``: customers who bought ``a`` and ``b`` at most ``window_days`` apart — the
  definition of ``cypher/complete_the_look.cypher``'s ``together``;
- ``buyers(p)`` and ``recent(p)``: customers who bought ``p``, at all and in the ``recent_days``
  before ``t``;
- the category pair lift ``lift(A, B) = (n_AB + 1) · N / ((n_A + 1) · (n_B + 1))``, where ``n_AB``
  counts customers who bought a product of leaf category ``A`` and one of ``B`` within the window,
  ``n_A`` customers who bought from ``A`` and ``N`` customers with a purchase (+1: add-one smoothing,
  so a pair seen once among rare categories does not dominate);
- each customer's lines, for their preference shares (:func:`preference_shares`).
"""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from shopgraph.graphstore.core.defaults import OUTFITS, PREFERENCES
from shopgraph.outfits.data import LookData, Purchase


@dataclass(frozen=True)
class LookStats:
    """Co-purchase, popularity and category-pair counts of the lines before ``reference_day``."""

    reference_day: int
    window_days: int
    together: dict[str, Counter[str]]
    buyers: Counter[str]
    recent: Counter[str]
    category_pairs: Counter[tuple[str, str]]
    category_buyers: Counter[str]
    customers: int
    history: dict[str, tuple[Purchase, ...]]

    def together_count(self, first: str, second: str) -> int:
        """``together(first, second)``: customers who bought both within the window."""
        row = self.together.get(first)
        return row[second] if row is not None else 0

    def pair_lift(self, first: str | None, second: str | None) -> tuple[float, int]:
        """The smoothed lift of two leaf categories and ``n_AB`` (module docstring); (1.0, 0) if either is None."""
        if first is None or second is None or self.customers == 0:
            return 1.0, 0
        n_ab = self.category_pairs[(first, second) if first <= second else (second, first)]
        lift = (n_ab + 1) * self.customers / ((self.category_buyers[first] + 1) * (self.category_buyers[second] + 1))
        return lift, n_ab


def _pairs_within(lines: list[Purchase], window: int) -> Iterable[tuple[Purchase, Purchase]]:
    """Pairs of one customer's ``lines`` (sorted by day) at most ``window`` days apart."""
    for i, first in enumerate(lines):
        for second in lines[i + 1 :]:
            if second.day - first.day > window:
                break
            yield first, second


def look_stats(
    data: LookData,
    reference_day: int,
    window_days: int = OUTFITS.window_days,
    recent_days: int = OUTFITS.recent_days,
) -> LookStats:
    """The statistics of ``data``'s purchase lines with ``day < reference_day`` (module docstring)."""
    by_customer: dict[str, list[Purchase]] = defaultdict(list)
    for line in data.purchases:
        if line.day < reference_day:
            by_customer[line.customer].append(line)
    together: dict[str, Counter[str]] = defaultdict(Counter)
    buyers: Counter[str] = Counter()
    recent: Counter[str] = Counter()
    category_pairs: Counter[tuple[str, str]] = Counter()
    category_buyers: Counter[str] = Counter()
    for lines in by_customer.values():
        lines.sort(key=lambda p: p.day)
        products = {p.product for p in lines}
        buyers.update(products)
        recent.update({p.product for p in lines if p.day >= reference_day - recent_days})
        category_buyers.update({c for c in (data.products[p].category for p in products) if c})
        pairs: set[tuple[str, str]] = set()
        categories: set[tuple[str, str]] = set()
        for first, second in _pairs_within(lines, window_days):
            if first.product == second.product:
                continue
            pairs.add((first.product, second.product))
            pairs.add((second.product, first.product))
            a, b = data.products[first.product].category, data.products[second.product].category
            if a and b and a != b:
                categories.add((a, b) if a <= b else (b, a))
        for a, b in pairs:
            together[a][b] += 1
        category_pairs.update(categories)
    return LookStats(
        reference_day=reference_day,
        window_days=window_days,
        together=dict(together),
        buyers=buyers,
        recent=recent,
        category_pairs=category_pairs,
        category_buyers=category_buyers,
        customers=len(by_customer),
        history={c: tuple(lines) for c, lines in by_customer.items()},
    )


def preference_shares(
    data: LookData, stats: LookStats, customer: str, half_life_days: float = PREFERENCES.half_life_days
) -> dict[str, dict[str, float]]:
    """The customer's shares by kind, ``{"Colour": {...}, "Category": {...}, "Style": {...}}``, from their look
    purchases before the reference day, as ``cypher/compute_preferences.cypher`` derives PREFERS:
    ``weight(t) = Σ 0.5 ^ (age_days / half_life_days)`` over the purchases of products with term ``t``,
    ``share(t) = weight(t) / Σ weight`` over the terms of the same kind. Empty for a customer without any."""
    weights: dict[str, Counter[str]] = {"Colour": Counter(), "Category": Counter(), "Style": Counter()}
    for line in stats.history.get(customer, ()):
        product = data.products[line.product]
        w = 0.5 ** ((stats.reference_day - 1 - line.day) / half_life_days)
        if product.colour:
            weights["Colour"][product.colour] += w
        if product.category:
            weights["Category"][product.category] += w
        for style in product.styles:
            weights["Style"][style] += w
    return {
        kind: {t: v / total for t, v in counter.items()}
        for kind, counter in weights.items()
        if (total := math.fsum(counter.values())) > 0
    }
