"""Learned vectors as ranker features: the GNN's and the KGE model's, fitted without the future.

The ranker asks a :data:`~relational.ranker.VectorSource` for (customer, product) unit vectors at
each of its training cut-offs and at the evaluated one. Fitting a GNN at every one of those days
would cost ~20 fits per evaluated cut-off, so :class:`GridVectors` fits at grid days
``anchor + i·step`` only and answers a view at day ``t`` with the fit at the latest grid day
``≤ t``: every vector is learned from ``view.until(grid day)``, never from a purchase on or after
``t``, and fits are shared across cut-offs (8 evaluated cut-offs 28 days apart and 16 training
cut-offs a week apart need 13 fits, not 136). A customer new since the grid day has a zero vector
(cosine 0).

KGE vectors come from catalog facts only, which carry no time: one fit serves every cut-off, and a
customer's KGE vector is the unit mean of the KGE vectors of their ``recent`` latest products as of
the view (``candidates.recent_profile``), so it moves with the cut-off as the text profile does.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import NDArray

from shopgraph.relational.candidates import recent_profile
from shopgraph.relational.data import Snapshot

Vectors = tuple[NDArray[np.float32], NDArray[np.float32]]


def unit_rows(matrix: NDArray[np.floating]) -> NDArray[np.float32]:
    """Each row divided by its L2 norm (zero rows stay zero)."""
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return (matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32)


class GridVectors:
    """A VectorSource that fits ``fit`` at grid days and caches each fit (module docstring).

    ``fits`` counts the fits made (a test and the report read it).
    """

    def __init__(self, fit: Callable[[Snapshot], Vectors], anchor: int, step: int) -> None:
        self.fit = fit
        self.anchor = anchor
        self.step = step
        self.fits = 0
        self._cache: dict[int, Vectors] = {}

    def grid_day(self, day: int) -> int:
        """The latest grid day ``≤ day``: ``anchor + ⌊(day − anchor) / step⌋ · step``."""
        return self.anchor + ((day - self.anchor) // self.step) * self.step

    def __call__(self, view: Snapshot) -> Vectors:
        day = self.grid_day(view.reference_day())
        if day not in self._cache:
            customers, products = self.fit(view.until(day))
            self._cache[day] = (unit_rows(customers), unit_rows(products))
            self.fits += 1
        return self._cache[day]


def gnn_fit(build: Callable[[], object]) -> Callable[[Snapshot], Vectors]:
    """Fits a fresh ``build()`` GNN recommender on a view and returns its vectors by position."""

    def fit(view: Snapshot) -> Vectors:
        model = build()
        model.fit(view)  # type: ignore[attr-defined]
        return model.customer_embeddings(), model.product_embeddings()  # type: ignore[attr-defined]

    return fit


class KGEVectors:
    """A VectorSource from one KGE fit on the catalog facts (module docstring)."""

    def __init__(self, model: str = "complex", epochs: int | None = None, seed: int = 0, recent: int = 10) -> None:
        self.model = model
        self.epochs = epochs
        self.seed = seed
        self.recent = recent
        self.fits = 0
        self._products: NDArray[np.float32] | None = None

    def product_vectors(self, view: Snapshot) -> NDArray[np.float32]:
        """Unit KGE vectors by product position (zero for products without a kept fact)."""
        if self._products is None:
            from shopgraph.relational.training.kge import entity_embeddings, train_kge
            from shopgraph.relational.triples import build_triples

            trained = train_kge(build_triples(view, seed=self.seed), self.model, epochs=self.epochs, seed=self.seed)
            ids, vectors = entity_embeddings(trained)["Product"]
            position = {pid: i for i, pid in enumerate(view.product_ids)}
            out = np.zeros((view.num_products, vectors.shape[1]), dtype=np.float32)
            rows = [position[pid] for pid in ids]
            out[rows] = vectors
            self._products = unit_rows(out)
            self.fits += 1
        return self._products

    def __call__(self, view: Snapshot) -> Vectors:
        products = self.product_vectors(view)
        customers = recent_profile(view.purchases, np.arange(view.num_customers), products, self.recent)
        return customers, products
