"""What the relational model learns from: the graph as arrays indexed by position.

A :class:`Snapshot` is read from Neo4j once (``relational.export``). Customers, products and
attribute terms get positions (0..n-1) in the order of their id lists; those lists are the
mapping back to graph ids for the write-back. Days are integers: days since 1970-01-01.

The time split is a property of the data, not of each model: ``snapshot.until(cutoff)`` keeps
only purchases strictly before the cut-off day, and everything a recommender sees comes from
that view, so nothing after the cut-off can reach its edges, counts or embeddings. Product
text, photos and catalog facts are static catalog information, known before any purchase.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.graph_model import LEARNED_FACT_TYPES

EPOCH = date(1970, 1, 1)

# The product-attribute relationships the model learns from, and the label each points at: the
# graph model's learned fact types (every fact type but IN_DEPARTMENT and LISTED_AS).
FACT_RELATIONS = LEARNED_FACT_TYPES


def to_day(d: date) -> int:
    """``d`` as days since 1970-01-01."""
    return (d - EPOCH).days


def from_day(day: int) -> date:
    """The date ``day`` days after 1970-01-01."""
    return date.fromordinal(EPOCH.toordinal() + int(day))


AVAILABLE_UNKNOWN = np.iinfo(np.int32).max  # Snapshot.available_from of a product the catalog gives no date


@dataclass(frozen=True)
class Purchases:
    """Purchase lines as parallel arrays: ``customer[i]`` bought ``product[i]`` on ``day[i]``.

    ``price[i]`` is what the line paid (NaN where the data does not say) and ``channel[i]`` its
    sales channel (0 unknown; H&M: 1 store, 2 online); either is None when no line carries it.
    """

    customer: NDArray[np.int64]
    product: NDArray[np.int64]
    day: NDArray[np.int32]
    price: NDArray[np.float32] | None = None
    channel: NDArray[np.int8] | None = None

    def __len__(self) -> int:
        return int(self.customer.shape[0])

    def select(self, mask: NDArray[np.bool_]) -> Purchases:
        """The lines where ``mask`` is true."""
        return Purchases(
            self.customer[mask],
            self.product[mask],
            self.day[mask],
            None if self.price is None else self.price[mask],
            None if self.channel is None else self.channel[mask],
        )

    def before(self, day: int) -> Purchases:
        """Lines strictly before ``day``."""
        return self.select(self.day < day)

    def between(self, start: int, end: int) -> Purchases:
        """Lines with ``start <= day < end``."""
        return self.select((self.day >= start) & (self.day < end))


@dataclass(frozen=True)
class Facts:
    """One fact relationship type (e.g. HAS_BRAND) as edges from products to terms of one label."""

    relation: str
    label: str
    product: NDArray[np.int64]
    term: NDArray[np.int64]  # position in Snapshot.term_ids[label]
    confidence: NDArray[np.float32]


@dataclass(frozen=True)
class Snapshot:
    """The graph as the relational model sees it, with the id mappings for the write-back."""

    customer_ids: list[str]
    product_ids: list[str]
    term_ids: dict[str, list[str]]  # label -> ids, e.g. "Brand" -> ["adidas", ...]
    purchases: Purchases
    facts: dict[str, Facts]  # relation -> edges
    in_catalog: NDArray[np.bool_]  # per product
    text: NDArray[np.float32] | None = None  # (products, TEXT_EMBEDDING_DIM) unit rows; zero row = no text
    image: NDArray[np.float32] | None = None  # (products, IMAGE_EMBEDDING_DIM) unit rows; zero row = no photo
    cutoff: int | None = None  # set by until(): no purchase on or after this day is present
    # Per product, its variant group: products sharing a productCode (an H&M product's colours) share
    # a group, a product without one is a group of its own. None: not read (every product alone).
    product_group: NDArray[np.int64] | None = None
    customer_age: NDArray[np.float32] | None = None  # per customer, years; NaN unknown; None: not read
    # Per product, the day it went on sale (the catalog's optional ``available_from``), as a day
    # index like purchases'; AVAILABLE_UNKNOWN where the catalog does not say. None: no product says.
    available_from: NDArray[np.int32] | None = None
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def num_customers(self) -> int:
        return len(self.customer_ids)

    @property
    def num_products(self) -> int:
        return len(self.product_ids)

    def groups(self) -> NDArray[np.int64]:
        """Per product, its variant group (``product_group``, or each product its own group)."""
        if self.product_group is None:
            return np.arange(self.num_products, dtype=np.int64)
        return self.product_group

    def reference_day(self) -> int:
        """The day "now" for this view: its cut-off, else the day after its last purchase (0 if none)."""
        if self.cutoff is not None:
            return int(self.cutoff)
        return int(self.purchases.day.max()) + 1 if len(self.purchases) else 0

    def available(self) -> NDArray[np.bool_]:
        """Per product, whether it may be recommended at the reference day ``t``: somebody bought it
        before ``t``, or the catalog says it went on sale before ``t`` (``available_from < t``).
        Catalog membership alone never counts: it would tell when a never-bought article sells."""
        bought = np.bincount(self.purchases.product, minlength=self.num_products) > 0
        if self.available_from is None:
            return bought
        return bought | (self.available_from < self.reference_day())

    def until(self, cutoff: int) -> Snapshot:
        """The view a model trained at ``cutoff`` may use: purchases strictly before that day."""
        return replace(self, purchases=self.purchases.before(cutoff), cutoff=cutoff)


class Recommender(Protocol):
    """A method the evaluation compares: fitted on a view, asked for top-k products per customer."""

    name: str

    def fit(self, data: Snapshot) -> None:
        """Learn from ``data`` (already cut: ``data.cutoff`` is set when evaluating)."""
        ...

    def recommend(self, customers: NDArray[np.int64], k: int) -> NDArray[np.int64]:
        """Top-``k`` product positions per customer, best first, shape ``(len(customers), k)``;
        ``-1`` pads rows with fewer than ``k`` candidates."""
        ...
