"""The baselines a learnt recommender must beat, each a :class:`~relational.data.Recommender`.

Every method learns only from ``data.purchases`` of the view it is fitted on (``snapshot.until``
in evaluation), and "recent" is measured back from ``data.cutoff`` (or, on a snapshot that is
not cut, from the day after its last purchase). Already-bought products are recommended like any
other: fashion customers buy again, and the H&M Kaggle setup counts such repeats as hits.

Ties are broken deterministically: by all-time popularity where it applies, then by the lower
product position. Lists shorter than ``k`` (fewer products were ever bought) are padded with -1.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

import numpy as np
import scipy.sparse as sp
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch_geometric.nn import LightGCN as PygLightGCN

from shopgraph.graphstore.core.errors import ConfigError, ShopgraphError
from shopgraph.relational.data import Purchases, Recommender, Snapshot


def _check_k(k: int) -> None:
    if k < 1:
        raise ConfigError(f"recommend: k must be at least 1, got {k}")


def _ranking(*keys: NDArray[np.float64], among: NDArray[np.bool_]) -> NDArray[np.int64]:
    """Positions where ``among`` holds, ordered by ``keys`` (each descending, the first most
    significant), then by ascending position."""
    positions = np.flatnonzero(among)
    order = np.lexsort((positions, *(-key[positions] for key in reversed(keys))))
    return positions[order].astype(np.int64)


def _fill(personal: Sequence[NDArray[np.int64]], fallback: NDArray[np.int64], k: int) -> NDArray[np.int64]:
    """``(len(personal), k)`` lists: each row's own ranking, then ``fallback`` without repeats, then -1."""
    out = np.full((len(personal), k), -1, dtype=np.int64)
    for row, own in enumerate(personal):
        own = own[:k]
        extra = fallback[: k + own.shape[0]]
        merged = np.concatenate([own, extra[~np.isin(extra, own)]])[:k]
        out[row, : merged.shape[0]] = merged
    return out


def _counts(purchases: Purchases, num_products: int) -> NDArray[np.float64]:
    """Purchase lines per product (a product bought twice by one customer counts twice)."""
    return np.bincount(purchases.product, minlength=num_products).astype(np.float64)


class _Fitted:
    """Refuses ``recommend`` before ``fit``."""

    name: str
    _fitted = False

    def _require_fit(self) -> None:
        if not self._fitted:
            raise ShopgraphError(f"{self.name}: recommend() called before fit()")


class Popularity(_Fitted):
    """The products bought most often before the cut-off, the same list for everyone.

    Score: purchase lines per product over all the view's purchases.
    """

    name = "popularity"

    def __init__(self) -> None:
        self.counts: NDArray[np.float64] = np.zeros(0)
        self.order: NDArray[np.int64] = np.zeros(0, dtype=np.int64)

    def fit(self, data: Snapshot) -> None:
        """Count purchase lines per product in ``data.purchases``."""
        self.counts = _counts(data.purchases, data.num_products)
        self.order = _ranking(self.counts, among=self.counts > 0)
        self._fitted = True

    def recommend(self, customers: NDArray[np.int64], k: int) -> NDArray[np.int64]:
        """The ``k`` most bought products for every customer."""
        self._require_fit()
        _check_k(k)
        return _fill([np.zeros(0, dtype=np.int64)] * len(customers), self.order, k)


class RecentPopularity(_Fitted):
    """The products bought most often in the ``window`` days before the cut-off.

    Ranking: purchase lines in ``[ref - window, ref)`` (``ref`` = :meth:`Snapshot.reference_day`), ties
    and products not bought in the window ordered by all-time purchase lines, so the list only runs
    short when fewer than ``k`` products were ever bought. ``counts`` holds the window counts.
    """

    name = "recent_popularity"

    def __init__(self, window: int = 28) -> None:
        if window < 1:
            raise ConfigError(f"RecentPopularity: window must be at least 1 day, got {window}")
        self.window = window
        self.counts: NDArray[np.float64] = np.zeros(0)
        self.order: NDArray[np.int64] = np.zeros(0, dtype=np.int64)

    def fit(self, data: Snapshot) -> None:
        """Count purchase lines per product in the last ``window`` days of ``data``."""
        ref = data.reference_day()
        total = _counts(data.purchases, data.num_products)
        self.counts = _counts(data.purchases.between(ref - self.window, ref), data.num_products)
        self.order = _ranking(self.counts, total, among=total > 0)
        self._fitted = True

    def recommend(self, customers: NDArray[np.int64], k: int) -> NDArray[np.int64]:
        """The ``k`` most bought products of the recent window for every customer."""
        self._require_fit()
        _check_k(k)
        return _fill([np.zeros(0, dtype=np.int64)] * len(customers), self.order, k)


class RepurchaseThenPopular(_Fitted):
    """The customer's own past products, then :class:`RecentPopularity` filling the list to ``k``.

    Own products are ordered by their last purchase day (most recent first), then by how many
    times the customer bought them (most first), then by position. Recent popularity fills the
    rest without repeating an own product.
    """

    name = "repurchase_then_popular"

    def __init__(self, window: int = 28) -> None:
        self._popular = RecentPopularity(window)
        self._own: dict[int, NDArray[np.int64]] = {}

    def fit(self, data: Snapshot) -> None:
        """Collect each customer's past products in order, and the recent popularity ranking."""
        self._popular.fit(data)
        self._own = own_products(data.purchases, data.num_products)
        self._fitted = True

    def own(self, customer: int) -> NDArray[np.int64]:
        """The customer's past products in list order (empty for a customer without purchases)."""
        return self._own.get(int(customer), np.zeros(0, dtype=np.int64))

    @property
    def popular_order(self) -> NDArray[np.int64]:
        """The recent-popularity ranking that fills each list."""
        return self._popular.order

    def recommend(self, customers: NDArray[np.int64], k: int) -> NDArray[np.int64]:
        """Own products first, then recently popular ones, ``k`` per customer."""
        self._require_fit()
        _check_k(k)
        return _fill([self.own(int(c)) for c in customers], self._popular.order, k)


class RepurchaseThen(_Fitted):
    """Own products (as :class:`RepurchaseThenPopular`), then one candidate source's products for
    the customer (:mod:`relational.candidates`, best score first), then recent popularity.

    ``siblings``: other colours of the products they bought; ``copurchase``: products bought in the
    same week by others who bought theirs. The two stronger rules the learned ranker must beat.
    """

    def __init__(self, source: str, window: int = 28) -> None:
        from shopgraph.relational.candidates import SOURCES

        if source not in SOURCES or source in ("repurchase", "popular"):
            raise ConfigError(f"RepurchaseThen: source must be a personal candidate source, got {source!r}")
        self.source = source
        self.name = f"repurchase_{source}_popular"
        self._own = RepurchaseThenPopular(window)
        self._view: Snapshot | None = None

    def fit(self, data: Snapshot) -> None:
        """Fit the repurchase-then-popular lists; the source is computed per call on the same view."""
        self._own.fit(data)
        self._view = data
        self._fitted = True

    def recommend(self, customers: NDArray[np.int64], k: int) -> NDArray[np.int64]:
        """Own products, then the source's, then recently popular ones, ``k`` per customer."""
        from shopgraph.relational.candidates import generate

        self._require_fit()
        _check_k(k)
        assert self._view is not None
        customers = np.asarray(customers, dtype=np.int64)
        extra = generate(self._view, customers, sources=[self.source]).sources[self.source].tocsr()
        personal = []
        for row, c in enumerate(customers):
            start, end = extra.indptr[row], extra.indptr[row + 1]
            idx, val = extra.indices[start:end], extra.data[start:end]
            ranked = idx[np.lexsort((idx, -val))].astype(np.int64)
            own = self._own.own(int(c))
            personal.append(np.concatenate([own, ranked[~np.isin(ranked, own)]]))
        return _fill(personal, self._own.popular_order, k)


def purchase_pairs(
    purchases: Purchases, num_products: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Each distinct (customer, product) bought, sorted by customer then product.

    Returns ``(customer, product, last_day, times)``: the pair, its last purchase day and its lines.
    """
    key = purchases.customer.astype(np.int64) * num_products + purchases.product
    pairs, inverse = np.unique(key, return_inverse=True)
    last = np.full(pairs.shape[0], np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last, inverse, purchases.day.astype(np.int64))
    times = np.bincount(inverse, minlength=pairs.shape[0]).astype(np.int64)
    return pairs // num_products, pairs % num_products, last, times


def own_products(purchases: Purchases, num_products: int) -> dict[int, NDArray[np.int64]]:
    """Per customer, the distinct products bought: last day descending, then times bought descending, then position."""
    customer, product, last, times = purchase_pairs(purchases, num_products)
    if not customer.size:
        return {}
    order = np.lexsort((product, -times, -last, customer))
    customer, product = customer[order], product[order]
    starts = np.flatnonzero(np.r_[True, customer[1:] != customer[:-1]])
    ends = np.r_[starts[1:], customer.shape[0]]
    return {int(customer[s]): product[s:e] for s, e in zip(starts, ends, strict=True)}


class ItemKNN(_Fitted):
    """Item-based collaborative filtering on the co-purchase matrix, filled with recent popularity.

    With ``X`` the binary customer × product matrix of the view (1 = bought at least once),
    ``sim(i, j) = X_i · X_j / (‖X_i‖ ‖X_j‖)`` (cosine of the product columns) for ``i ≠ j``
    (a product is not its own neighbour; ``sim(i, i) = 0``). A customer's score for product ``j``
    is ``Σ_i w_ui · sim(i, j)`` over their past products ``i``, with ``w_ui = 1``, or, given
    ``half_life`` (days), ``w_ui = 2^{-(ref - last_ui) / half_life}`` where ``last_ui`` is the
    last day they bought ``i`` and ``ref`` is :meth:`Snapshot.reference_day`. Every co-purchased product
    is a neighbour (no top-n cut: the purchase data is sparse). Products with a positive score come
    first (ties by all-time popularity, then position); :class:`RecentPopularity` fills the rest.
    """

    name = "item_knn"

    def __init__(self, half_life: float | None = None, window: int = 28) -> None:
        if half_life is not None and half_life <= 0:
            raise ConfigError(f"ItemKNN: half_life must be positive days, got {half_life}")
        self.half_life = half_life
        self._popular = RecentPopularity(window)
        self._total: NDArray[np.float64] = np.zeros(0)
        self._profile: sp.csr_matrix = sp.csr_matrix((0, 0))
        self.similarity: sp.csr_matrix = sp.csr_matrix((0, 0))

    def fit(self, data: Snapshot) -> None:
        """Build the product-product cosine similarities and each customer's weighted past products."""
        self._popular.fit(data)
        shape = (data.num_customers, data.num_products)
        self._total = _counts(data.purchases, data.num_products)
        customer, product, last, _ = purchase_pairs(data.purchases, data.num_products)
        bought = sp.csr_matrix((np.ones(customer.shape[0]), (customer, product)), shape=shape)
        norms = np.sqrt(np.asarray(bought.sum(axis=0)).ravel())
        inverse = sp.diags(np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0))
        similarity = (inverse @ (bought.T @ bought) @ inverse).tocsr()
        similarity.setdiag(0.0)
        similarity.eliminate_zeros()
        self.similarity = similarity
        if self.half_life is None:
            self._profile = bought
        else:
            weight = np.power(2.0, -(data.reference_day() - last) / self.half_life)
            self._profile = sp.csr_matrix((weight, (customer, product)), shape=shape)
        self._fitted = True

    def scores(self, customers: NDArray[np.int64]) -> NDArray[np.float64]:
        """``(len(customers), num_products)`` item-kNN scores (see the class formula)."""
        self._require_fit()
        return np.asarray((self._profile[customers] @ self.similarity).todense())

    def recommend(self, customers: NDArray[np.int64], k: int) -> NDArray[np.int64]:
        """The ``k`` best-scored products per customer, filled with recent popularity."""
        _check_k(k)
        # Equal sums can differ in the last bits with summation order; round so ties stay ties.
        scores = np.round(self.scores(customers), 10)
        personal = [_ranking(row, self._total, among=row > 0)[:k] for row in scores]
        return _fill(personal, self._popular.order, k)


class _PairwiseRanker(_Fitted, ABC):
    """Shared training of the embedding baselines: BPR on sampled (customer, bought, other) triples.

    Only products bought in the view are modelled and ranked (an unbought product's vector would
    never be trained towards anyone); they get item indices 0..n-1 in position order. Positives are
    the distinct (customer, product) pairs of the view. Each epoch visits every positive once in a
    random order, each with one negative drawn uniformly from the modelled products. Unlike the BPR
    paper's sampler, a draw of a product the customer did buy is kept: on sparse purchase data it is
    rare and only adds a little noise. A customer with no purchase in the view gets a zero vector,
    so their ranking is the learnt item bias (zero for LightGCN: ties break by position).
    """

    def __init__(self, dim: int, epochs: int, lr: float, reg: float, seed: int, **counts: int) -> None:
        """``counts``: the subclass's own whole-number settings, checked like ``dim`` (at least 1)."""
        for label, value in (("dim", dim), ("epochs", epochs), *counts.items()):
            if value < 1:
                raise ConfigError(f"{type(self).__name__}: {label} must be at least 1, got {value}")
        if lr <= 0 or reg < 0:
            raise ConfigError(f"{type(self).__name__}: need lr > 0 and reg >= 0, got lr={lr}, reg={reg}")
        self.dim, self.epochs, self.lr, self.reg, self.seed = dim, epochs, lr, reg, seed
        self.history: list[dict[str, float]] = []
        self._products: NDArray[np.int64] = np.zeros(0, dtype=np.int64)  # item index -> product position
        self._num_products = 0
        self._user: NDArray[np.float32] = np.zeros((0, dim), dtype=np.float32)
        self._item: NDArray[np.float32] = np.zeros((0, dim), dtype=np.float32)
        self._bias: NDArray[np.float32] = np.zeros(0, dtype=np.float32)

    @abstractmethod
    def _build(
        self, num_customers: int, num_items: int, customer: torch.Tensor, item: torch.Tensor, gen: torch.Generator
    ) -> None:
        """Create the parameters (initialised from ``gen``) for the positive (customer, item) pairs."""

    @abstractmethod
    def _optimiser(self) -> torch.optim.Optimizer:
        """The optimiser of the parameters ``_build`` made."""

    @abstractmethod
    def _batch_size(self, pairs: int) -> int:
        """Triples per mini-batch when the view has ``pairs`` positives."""

    @abstractmethod
    def _loss(self, u: torch.Tensor, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
        """The regularised BPR loss of one batch of (customer, positive item, negative item) triples."""

    @abstractmethod
    def _vectors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Final (customer vectors, item vectors, item bias) after training."""

    def fit(self, data: Snapshot) -> None:
        """Train on the view's purchases for ``epochs`` epochs; ``history`` gets the mean loss per epoch."""
        customer_np, product_np, _, _ = purchase_pairs(data.purchases, data.num_products)
        self._products = np.unique(product_np)
        self._num_products = data.num_products
        gen = torch.Generator().manual_seed(self.seed)
        customer = torch.from_numpy(customer_np)
        item = torch.from_numpy(np.searchsorted(self._products, product_np))
        num_items = self._products.shape[0]
        self._build(data.num_customers, num_items, customer, item, gen)
        self.history = []
        if customer.numel():
            optimiser = self._optimiser()
            batch_size = self._batch_size(customer.numel())
            for epoch in range(1, self.epochs + 1):
                order = torch.randperm(customer.numel(), generator=gen)
                negative = torch.randint(num_items, (customer.numel(),), generator=gen)
                total = 0.0
                for batch in order.split(batch_size):
                    loss = self._loss(customer[batch], item[batch], negative[batch])
                    optimiser.zero_grad()
                    loss.backward()
                    optimiser.step()
                    total += float(loss.detach()) * batch.numel()
                self.history.append({"epoch": epoch, "loss": total / customer.numel()})
        with torch.no_grad():
            user, vectors, bias = (t.detach().numpy() for t in self._vectors())
        known = np.zeros(data.num_customers, dtype=bool)
        known[customer_np] = True
        self._user = np.where(known[:, None], user, 0.0).astype(np.float32)
        self._item, self._bias = vectors.astype(np.float32), bias.astype(np.float32)
        self._fitted = True

    def scores(self, customers: NDArray[np.int64]) -> NDArray[np.float32]:
        """``(len(customers), num_products)`` scores ``⟨p_u, q_i⟩ + b_i``; -inf for products not modelled."""
        self._require_fit()
        out = np.full((len(customers), self._num_products), -np.inf, dtype=np.float32)
        out[:, self._products] = self._user[customers] @ self._item.T + self._bias
        return out

    def recommend(self, customers: NDArray[np.int64], k: int) -> NDArray[np.int64]:
        """The ``k`` best-scored products bought in the view, per customer, ties by position."""
        self._require_fit()
        _check_k(k)
        scores = self._user[customers] @ self._item.T + self._bias
        top = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        out = np.full((len(customers), k), -1, dtype=np.int64)
        out[:, : top.shape[1]] = self._products[top]
        return out


class BPR(_PairwiseRanker):
    """Matrix factorisation trained with Bayesian Personalised Ranking (Rendle et al., UAI 2009).

    ``x̂_ui = ⟨p_u, q_i⟩ + b_i``; per triple the loss is
    ``−ln σ(x̂_ui − x̂_uj) + reg · (‖p_u‖² + ‖q_i‖² + ‖q_j‖² + b_i² + b_j²)``, averaged over the batch.
    Defaults: 64 dimensions, 20 epochs, lr 0.1, reg 1e-4, batches of 2048, normal(0, 0.1)
    initialisation, seed 0 (lr and epochs chosen on H&M cut-offs before the evaluated period).
    SparseAdam: each step updates only the rows of its batch's customers and products, so a step
    costs the same however large the catalog. Its updates are lazy (a row moves only in the
    batches that use it), which is why its lr is twice what dense Adam needed here.
    See :class:`_PairwiseRanker` for sampling and the products modelled.
    """

    name = "bpr"

    def __init__(
        self,
        dim: int = 64,
        epochs: int = 20,
        lr: float = 0.1,
        reg: float = 1e-4,
        batch_size: int = 2048,
        seed: int = 0,
    ) -> None:
        super().__init__(dim, epochs, lr, reg, seed, batch_size=batch_size)
        self.batch_size = batch_size

    def _build(
        self, num_customers: int, num_items: int, customer: torch.Tensor, item: torch.Tensor, gen: torch.Generator
    ) -> None:
        def table(weight: torch.Tensor) -> torch.nn.Embedding:
            # Sparse gradients: a batch touches a few thousand rows, and a dense Adam step over
            # every row made each step cost as much as the catalog.
            return torch.nn.Embedding.from_pretrained(weight, freeze=False, sparse=True)

        self._p = table(torch.randn(num_customers, self.dim, generator=gen) * 0.1)
        self._q = table(torch.randn(num_items, self.dim, generator=gen) * 0.1)
        self._b = table(torch.zeros(num_items, 1))

    def _optimiser(self) -> torch.optim.Optimizer:
        params = [*self._p.parameters(), *self._q.parameters(), *self._b.parameters()]
        return torch.optim.SparseAdam(params, lr=self.lr)

    def _batch_size(self, pairs: int) -> int:
        return self.batch_size

    def _loss(self, u: torch.Tensor, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
        p, qi, qj = self._p(u), self._q(i), self._q(j)
        bi, bj = self._b(i).squeeze(1), self._b(j).squeeze(1)
        diff = (p * qi).sum(1) + bi - (p * qj).sum(1) - bj
        size = p.pow(2).sum(1) + qi.pow(2).sum(1) + qj.pow(2).sum(1) + bi.pow(2) + bj.pow(2)
        return -F.logsigmoid(diff).mean() + self.reg * size.mean()

    def _vectors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        return self._p.weight, self._q.weight, self._b.weight.squeeze(1)


class LightGCN(_PairwiseRanker):
    """LightGCN (He et al., SIGIR 2020) on the customer–product graph of the view's purchases.

    Nodes are the customers (0..C-1) then the modelled products (C..); each distinct bought pair is an
    edge in both directions. ``torch_geometric.nn.LightGCN`` propagates
    ``x^(l+1) = D^{-1/2} A D^{-1/2} x^(l)`` and averages the layers,
    ``x = Σ_{l=0..L} x^(l) / (L + 1)``; ``x̂_ui = ⟨x_u, x_i⟩``, trained with its BPR
    ``recommendation_loss`` (``−mean ln σ(x̂_ui − x̂_uj) + reg · ‖x^(0)_batch‖² / batch``).
    Each mini-batch propagates over the whole graph, so an epoch is ``batches`` mini-batches of
    ``⌈pairs / batches⌉`` triples: the number of propagations per fit stays fixed and a fit grows
    linearly with the purchases (fixed-size batches made it grow with their square).
    Defaults: 64 dimensions, 2 layers, 20 epochs, 8 batches per epoch, Adam lr 0.01, reg 1e-4,
    Xavier-uniform initialisation, seed 0 (lr and epochs chosen on H&M cut-offs before the evaluated
    period). See :class:`_PairwiseRanker` for sampling and the products modelled.
    """

    name = "lightgcn"

    def __init__(
        self,
        dim: int = 64,
        layers: int = 2,
        epochs: int = 20,
        lr: float = 0.01,
        reg: float = 1e-4,
        batches: int = 8,
        seed: int = 0,
    ) -> None:
        super().__init__(dim, epochs, lr, reg, seed, layers=layers, batches=batches)
        self.layers, self.batches = layers, batches

    def _build(
        self, num_customers: int, num_items: int, customer: torch.Tensor, item: torch.Tensor, gen: torch.Generator
    ) -> None:
        self._offset = num_customers
        items = item + num_customers
        self._edges = torch.stack([torch.cat([customer, items]), torch.cat([items, customer])])
        self._model = PygLightGCN(num_customers + num_items, self.dim, self.layers)
        # The library initialises from the global RNG; redo it from ours so fits are reproducible.
        with torch.no_grad():
            torch.nn.init.xavier_uniform_(self._model.embedding.weight, generator=gen)

    def _optimiser(self) -> torch.optim.Optimizer:
        # Propagation spreads every batch's gradient over the whole graph: dense Adam.
        return torch.optim.Adam(self._model.parameters(), lr=self.lr)

    def _batch_size(self, pairs: int) -> int:
        return max(1, -(-pairs // self.batches))

    def _loss(self, u: torch.Tensor, i: torch.Tensor, j: torch.Tensor) -> torch.Tensor:
        x = self._model.get_embedding(self._edges)
        i, j = i + self._offset, j + self._offset
        positive = (x[u] * x[i]).sum(1)
        negative = (x[u] * x[j]).sum(1)
        nodes = torch.cat([u, i, j]).unique()
        return self._model.recommendation_loss(positive, negative, node_id=nodes, lambda_reg=self.reg)

    def _vectors(self) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self._model.get_embedding(self._edges)
        return x[: self._offset], x[self._offset :], torch.zeros(x.shape[0] - self._offset)


def baseline_factories(seed: int = 0) -> list[Callable[[], Recommender]]:
    """The eight baselines with their defaults, as fresh-instance factories for ``evaluate``.

    Order: popularity, recent popularity, repurchase then popular, repurchase + siblings + popular,
    repurchase + co-purchase + popular, item-kNN, BPR, LightGCN.
    """
    return [
        Popularity,
        RecentPopularity,
        RepurchaseThenPopular,
        lambda: RepurchaseThen("siblings"),
        lambda: RepurchaseThen("copurchase"),
        ItemKNN,
        lambda: BPR(seed=seed),
        lambda: LightGCN(seed=seed),
    ]
