"""Candidate generation: the products worth ranking for each customer, from the graph as of a cut-off.

Every source reads only the view it is given (``snapshot.until(cutoff)``) and only proposes
**available** products (``Snapshot.available``): products somebody bought before the cut-off, or
whose catalog row says they went on sale before it (the generic format's ``available_from``). The
H&M catalog file has no launch dates and lists mostly articles bought late, so "in the catalog but
never bought" would tell a model which articles are about to sell; it never counts.

Each source scores (customer, product) pairs; a customer's candidates from one source are its
highest-scored products. With ``ref`` the cut-off day and a purchase's weight
``w = exp(−(ref − day) / τ)`` (its recency, ``τ`` the source's half-life in days divided by ln 2):

- ``repurchase``: the customer's own products, ``Σ w`` over their purchase lines of it;
- ``siblings``: other available products of the variant group (``productCode``: an H&M
  product's other colours) of what they bought, ``Σ w`` over their lines of that group;
- ``copurchase``: item-to-item: products bought by the same customers within the same
  ``window``-day period as the customer's own, ``s = W · C`` with ``W`` the customer's own recency
  weights and ``C[i, j]`` the number of (customer, period) baskets holding both ``i`` and ``j``;
- ``popular``: the decayed purchase count ``Σ w`` per product, the same list for everyone;
- ``popular_age``: the same within the customer's age band (unknown ages form a band);
- ``new_arrivals``: products new at the cut-off — first bought by anyone, or put on sale by the
  catalog's ``available_from``, in the last ``new_days`` days — in the customer's categories:
  ``s = (n_c(t*) / n_c) · (1 + lines in those days)``, with ``t*`` the product's category the
  customer bought most (``n_c(t)`` of their ``n_c`` distinct products);
- ``text`` and ``photo``: cosine between the product's vector and the mean vector of the
  customer's ``recent`` most recent distinct products (product text and photo embeddings).

Sources other than ``repurchase`` leave out the customer's own products.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.relational.data import Purchases, Snapshot

SOURCES = ("repurchase", "siblings", "copurchase", "popular", "popular_age", "new_arrivals", "text", "photo")
AGE_BANDS = (25, 35, 45, 55)  # upper bounds of the bands <25, 25-34, 35-44, 45-54; then 55+, unknown


@dataclass(frozen=True)
class SourceSettings:
    """How many candidates each source gives a customer, and its time constants (days)."""

    per_source: int = 50  # candidates per source and customer (repurchase: all own products)
    half_life: float = 14.0  # recency half-life of purchase weights
    popular_half_life: float = 7.0  # popularity half-life
    basket_days: int = 7  # co-purchase period
    basket_lookback: int = 180  # co-purchase baskets from these days before the cut-off
    recent: int = 5  # recent distinct own products whose mean vector the content sources use
    new_days: int = 14  # a product first bought (or put on sale) this recently is a new arrival


def decay(days_ago: NDArray[np.integer], half_life: float) -> NDArray[np.float64]:
    """``2^(−days_ago / half_life)``: 1 for today, ½ one half-life ago."""
    return np.power(2.0, -np.asarray(days_ago, dtype=np.float64) / half_life)


def age_band(age: NDArray[np.floating]) -> NDArray[np.int64]:
    """Band index per age: 0 for < 25 … 4 for ≥ 55, 5 for unknown (NaN)."""
    bands = np.searchsorted(np.asarray(AGE_BANDS, dtype=np.float64), np.nan_to_num(age, nan=-1.0), side="right")
    return np.where(np.isnan(age), len(AGE_BANDS) + 1, bands).astype(np.int64)


@dataclass(frozen=True)
class Candidates:
    """Per source, a ``(len(customers), products)`` CSR matrix of source scores; 0 = not proposed."""

    customers: NDArray[np.int64]
    sources: dict[str, sp.csr_matrix]

    def union(self) -> sp.csr_matrix:
        """1 where any source proposes the pair (its number of sources as the value)."""
        total = None
        for matrix in self.sources.values():
            hit = (matrix > 0).astype(np.float32)
            total = hit if total is None else total + hit
        if total is None:
            raise ConfigError("no candidate source")
        return total.tocsr()

    def pairs(self) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """The union's (row, product) pairs, row-major."""
        union = self.union()
        union.sort_indices()
        rows = np.repeat(np.arange(union.shape[0], dtype=np.int64), np.diff(union.indptr))
        return rows, union.indices.astype(np.int64)


def _top_per_row(matrix: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """Each row's ``n`` largest entries (ties: lower product first); the rest dropped."""
    matrix = matrix.tocsr()
    matrix.eliminate_zeros()
    rows, cols, vals = [], [], []
    for r in range(matrix.shape[0]):
        start, end = matrix.indptr[r], matrix.indptr[r + 1]
        if start == end:
            continue
        idx, val = matrix.indices[start:end], matrix.data[start:end]
        keep = np.lexsort((idx, -val))[:n]
        rows.append(np.full(keep.shape[0], r))
        cols.append(idx[keep])
        vals.append(val[keep])
    if not rows:
        return sp.csr_matrix(matrix.shape, dtype=np.float64)
    return sp.csr_matrix(
        (np.concatenate(vals), (np.concatenate(rows), np.concatenate(cols))), shape=matrix.shape
    ).tocsr()


def _row_of(customers: NDArray[np.int64], num_customers: int) -> NDArray[np.int64]:
    """Customer position → row in ``customers`` (−1 for customers not asked for)."""
    rows = np.full(num_customers, -1, dtype=np.int64)
    rows[customers] = np.arange(customers.shape[0])
    return rows


def own_weights(
    purchases: Purchases, customers: NDArray[np.int64], num_products: int, ref: int, half_life: float
) -> sp.csr_matrix:
    """``W[row, product] = Σ 2^(−(ref − day)/half_life)`` over the row's customer's purchase lines."""
    rows = _row_of(customers, int(max(purchases.customer.max(initial=-1), customers.max(initial=-1))) + 1)
    keep = rows[purchases.customer] >= 0 if len(purchases) else np.zeros(0, dtype=bool)
    weights = decay(ref - purchases.day[keep], half_life)
    return sp.csr_matrix(
        (weights, (rows[purchases.customer[keep]], purchases.product[keep])), shape=(customers.shape[0], num_products)
    )


def popularity(purchases: Purchases, num_products: int, ref: int, half_life: float) -> NDArray[np.float64]:
    """Decayed purchase lines per product: ``Σ 2^(−(ref − day)/half_life)``."""
    weights = decay(ref - purchases.day, half_life)
    return np.bincount(purchases.product, weights=weights, minlength=num_products).astype(np.float64)


def copurchase_matrix(purchases: Purchases, num_products: int, ref: int, settings: SourceSettings) -> sp.csr_matrix:
    """``C[i, j]``: baskets (one customer's purchases in one ``basket_days`` period of the last
    ``basket_lookback`` days) holding both ``i`` and ``j``; the diagonal is 0."""
    recent = purchases.between(ref - settings.basket_lookback, ref)
    if not len(recent):
        return sp.csr_matrix((num_products, num_products))
    period = (ref - 1 - recent.day) // settings.basket_days
    basket_key = recent.customer * (settings.basket_lookback // settings.basket_days + 1) + period
    _, basket = np.unique(basket_key, return_inverse=True)
    membership = sp.csr_matrix(
        (np.ones(len(recent)), (basket, recent.product)), shape=(int(basket.max()) + 1, num_products)
    )
    membership.data[:] = 1.0  # a product twice in one basket counts once
    co = (membership.T @ membership).tocsr()
    co.setdiag(0)
    co.eliminate_zeros()
    return co


def recent_profile(
    purchases: Purchases, customers: NDArray[np.int64], vectors: NDArray[np.float32], recent: int
) -> NDArray[np.float32]:
    """Per row, the unit mean of the vectors of its customer's ``recent`` latest distinct products with a
    non-zero vector (a zero row when none has one)."""
    out = np.zeros((customers.shape[0], vectors.shape[1]), dtype=np.float32)
    rows = _row_of(customers, int(max(purchases.customer.max(initial=-1), customers.max(initial=-1))) + 1)
    has = np.abs(vectors).sum(axis=1) > 0
    order = np.lexsort((-purchases.day, purchases.customer))  # each customer's lines, latest first
    taken: dict[int, list[int]] = {}
    for line in order:
        c = int(purchases.customer[line])
        p = int(purchases.product[line])
        row = int(rows[c])
        if row < 0 or not has[p]:
            continue
        mine = taken.setdefault(row, [])
        if len(mine) < recent and p not in mine:
            mine.append(p)
    for row, products in taken.items():
        mean = vectors[products].mean(axis=0)
        norm = float(np.linalg.norm(mean))
        if norm > 0:
            out[row] = mean / norm
    return out


def content_scores(
    profile: NDArray[np.float32], vectors: NDArray[np.float32], available: NDArray[np.bool_], n: int
) -> sp.csr_matrix:
    """Each row's ``n`` available products closest (cosine) to its profile; rows without a profile get none."""
    cols = np.flatnonzero(available & (np.abs(vectors).sum(axis=1) > 0))
    shape = (profile.shape[0], vectors.shape[0])
    if not cols.shape[0]:
        return sp.csr_matrix(shape)
    rows_out, cols_out, vals_out = [], [], []
    block = 1024
    for start in range(0, profile.shape[0], block):
        part = profile[start : start + block]
        sims = part @ vectors[cols].T  # unit rows: cosine
        take = min(n, cols.shape[0])
        top = np.argpartition(-sims, take - 1, axis=1)[:, :take]
        for i in range(part.shape[0]):
            if not part[i].any():
                continue
            vals = sims[i, top[i]]
            positive = vals > 0
            rows_out.append(np.full(int(positive.sum()), start + i))
            cols_out.append(cols[top[i][positive]])
            vals_out.append(vals[positive])
    if not rows_out:
        return sp.csr_matrix(shape)
    return sp.csr_matrix(
        (np.concatenate(vals_out), (np.concatenate(rows_out), np.concatenate(cols_out))), shape=shape
    ).tocsr()


def fact_matrix(view: Snapshot, relation: str) -> sp.csr_matrix:
    """Binary ``(products, terms)`` matrix of one fact type of ``view`` (1 where the product has the term)."""
    facts = view.facts[relation]
    terms = len(view.term_ids.get(facts.label, [])) or (int(facts.term.max()) + 1 if facts.term.shape[0] else 0)
    matrix = sp.csr_matrix(
        (np.ones(facts.product.shape[0]), (facts.product, facts.term)), shape=(view.num_products, terms)
    )
    matrix.data[:] = 1.0  # a duplicated edge counts once
    return matrix


def new_arrivals(
    view: Snapshot, own: sp.csr_matrix, available: NDArray[np.bool_], ref: int, settings: SourceSettings
) -> sp.csr_matrix:
    """The ``new_arrivals`` source's scores (module docstring) for the rows of ``own`` (their
    customers' recency weights), ``(rows, products)``; empty without categories."""
    purchases = view.purchases
    n_products = view.num_products
    if "IN_CATEGORY" not in view.facts or not n_products:
        return sp.csr_matrix(own.shape)
    first = np.full(n_products, np.iinfo(np.int32).max, dtype=np.int64)
    np.minimum.at(first, purchases.product, purchases.day.astype(np.int64))
    if view.available_from is not None:
        first = np.minimum(first, view.available_from.astype(np.int64))
    new = np.flatnonzero(available & (first >= ref - settings.new_days) & (first < ref))
    if not new.shape[0]:
        return sp.csr_matrix(own.shape)
    recent = purchases.between(ref - settings.new_days, ref)
    lines = np.bincount(recent.product, minlength=n_products)[new].astype(np.float64)
    categories = fact_matrix(view, "IN_CATEGORY")
    bought = (own > 0).astype(np.float64)
    # Shares over the customer's distinct products, which the recency weights' support gives.
    shares = (bought @ categories).toarray() / np.maximum(np.asarray(bought.sum(axis=1)).ravel(), 1)[:, None]
    of_new = categories[new].tocoo()
    best = np.zeros((own.shape[0], new.shape[0]))
    for column, term in zip(of_new.row, of_new.col, strict=True):
        np.maximum(best[:, column], shares[:, term], out=best[:, column])
    scores = sp.csr_matrix(best * (1.0 + lines)[None, :])
    return sp.csr_matrix((scores.data, new[scores.indices], scores.indptr), shape=own.shape)


def _broadcast(scores: NDArray[np.float64], rows: int, n: int) -> sp.csr_matrix:
    """The same top-``n`` products (by ``scores``, positive only) in every one of ``rows`` rows."""
    positive = np.flatnonzero(scores > 0)
    top = positive[np.lexsort((positive, -scores[positive]))][:n]
    data = np.tile(scores[top], rows)
    cols = np.tile(top, rows)
    indptr = np.arange(rows + 1) * top.shape[0]
    return sp.csr_matrix((data, cols, indptr), shape=(rows, scores.shape[0]))


def generate(
    view: Snapshot,
    customers: NDArray[np.int64],
    settings: SourceSettings | None = None,
    sources: Sequence[str] = SOURCES,
) -> Candidates:
    """Every requested source's candidates for ``customers`` (positions, ascending) as of ``view``.

    Sources whose data the view lacks (no photos, no ages, no variant groups) give no candidates.

    Raises:
        ConfigError: an unknown source name.
    """
    settings = settings or SourceSettings()
    unknown = [s for s in sources if s not in SOURCES]
    if unknown:
        raise ConfigError(f"unknown candidate source {unknown[0]!r}; known: {', '.join(SOURCES)}")
    ref = view.reference_day()
    purchases = view.purchases
    n_products = view.num_products
    rows = customers.shape[0]
    available = view.available()
    own = own_weights(purchases, customers, n_products, ref, settings.half_life)
    own_mask = (own > 0).astype(np.float64)
    not_own = sp.csr_matrix(own.shape)

    def exclude_own(matrix: sp.csr_matrix) -> sp.csr_matrix:
        masked = matrix - matrix.multiply(own_mask)
        masked.eliminate_zeros()
        return _top_per_row(masked.tocsr(), settings.per_source)

    out: dict[str, sp.csr_matrix] = {}
    for name in sources:
        if name == "repurchase":
            out[name] = own.tocsr()
        elif name == "siblings":
            groups = view.groups()
            membership = sp.csr_matrix(
                (available.astype(np.float64), (groups, np.arange(n_products))),
                shape=(int(groups.max()) + 1 if n_products else 0, n_products),
            )
            by_group = own @ sp.csr_matrix(
                (np.ones(n_products), (np.arange(n_products), groups)), shape=(n_products, membership.shape[0])
            )
            out[name] = exclude_own((by_group @ membership).tocsr())
        elif name == "copurchase":
            out[name] = exclude_own((own @ copurchase_matrix(purchases, n_products, ref, settings)).tocsr())
        elif name == "popular":
            pop = popularity(purchases, n_products, ref, settings.popular_half_life)
            out[name] = exclude_own(_broadcast(pop, rows, settings.per_source + 50))
        elif name == "popular_age":
            if view.customer_age is None:
                out[name] = not_own
                continue
            bands = age_band(view.customer_age)
            line_band = bands[purchases.customer]
            blocks = sp.lil_matrix((rows, n_products))
            row_band = bands[customers]
            for band in np.unique(row_band):
                pop = popularity(purchases.select(line_band == band), n_products, ref, settings.popular_half_life)
                members = np.flatnonzero(row_band == band)
                blocks[members] = _broadcast(pop, 1, settings.per_source + 50).toarray()
            out[name] = exclude_own(blocks.tocsr())
        elif name == "new_arrivals":
            out[name] = exclude_own(new_arrivals(view, own, available, ref, settings))
        else:  # text, photo
            vectors = view.text if name == "text" else view.image
            if vectors is None:
                out[name] = not_own
                continue
            profile = recent_profile(purchases, customers, vectors, settings.recent)
            out[name] = exclude_own(content_scores(profile, vectors, available, settings.per_source * 2))
    return Candidates(customers, out)


def candidate_recall(
    candidates: Candidates, truth: Sequence[set[int]], sizes: Sequence[int] = (50, 100, 200)
) -> dict[str, dict[int, tuple[int, int]]]:
    """Per source and for the union of all sources (``"union"``): ``{N: (hits, purchases)}``, the
    window's distinct (customer, product) purchases found among each row's top-``N`` of the source.

    The union's top-``N`` is each source's top-``N`` together, so it holds up to sources × N products.
    """
    total = sum(len(t) for t in truth)
    result: dict[str, dict[int, tuple[int, int]]] = {}
    tops: dict[int, list[set[int]]] = {n: [set() for _ in truth] for n in sizes}
    for name, matrix in candidates.sources.items():
        result[name] = {}
        for n in sizes:
            top = _top_per_row(matrix, n)
            hits = 0
            for row, bought in enumerate(truth):
                found = set(top.indices[top.indptr[row] : top.indptr[row + 1]].tolist())
                tops[n][row] |= found
                hits += len(found & bought)
            result[name][n] = (hits, total)
    result["union"] = {n: (sum(len(tops[n][r] & t) for r, t in enumerate(truth)), total) for n in sizes}
    return result
