"""Features of (customer, candidate) pairs, computed from a view of the graph as of its cut-off only.

Every value comes from ``view.purchases`` (purchases strictly before ``view.cutoff``) and static
catalog data (variant groups, text and photo vectors, ages), so a feature at a cut-off equals its
recomputation from ``snapshot.until(cutoff)``; nothing after it can reach a feature.

With ``ref`` the cut-off day, the features of a pair (customer ``c``, product ``p``):

- ``own_count``, ``own_recency`` (Σ 2^(−(ref − day)/14) over ``c``'s lines of ``p``), ``own_days``
  (days since ``c`` last bought ``p``; NaN never), ``own_rank`` (``p``'s place, from 1, among
  ``c``'s own candidates ordered by last purchase day, latest first, then by count: the shop's rule's
  order, which trees cannot rebuild from per-pair values; NaN for a product ``c`` never bought);
- ``sibling_count``, ``sibling_days``: the same for the other products of ``p``'s variant group;
  ``sibling_rank``: ``p``'s place among ``c``'s sibling candidates, the latest-bought group first;
- ``copurchase``: the co-purchase source's score (``W · C``, see :mod:`relational.candidates`);
- ``pop_7``, ``pop_28``, ``pop_84``: purchase lines of ``p`` in the last 7/28/84 days;
  ``pop_trend = pop_7 / (pop_28 / 4 + 1)``; ``pop_age``: decayed lines of ``p`` by ``c``'s age band;
- ``item_first_days``, ``item_last_days``: days since ``p`` was first and last bought by anyone;
  ``item_buyers``: distinct customers who bought it;
- ``text_cos``, ``photo_cos``: cosine of ``p``'s vector with ``c``'s recent-products profile (NaN
  without vectors), and ``group_share``: the share of ``c``'s lines in ``p``'s variant group;
- ``pref_category``, ``pref_colour``, ``pref_gender``, ... (one per fact type the view holds, see
  :data:`PREFERENCE_FACTS`): ``max_{t ∈ terms(p)} n_c(t) / n_c``, the largest share of ``c``'s lines
  whose product has one of ``p``'s terms — ``PREFERS`` recomputed from the view, never read from
  the graph's ``PREFERS`` (built on every purchase);
- ``text_rank``, ``photo_rank``: ``p``'s place among ``c``'s candidates by that cosine, highest first
  (a place within the customer's list is what LambdaRank compares; NaN without vectors);
- customer: ``cust_lines``, ``cust_products``, ``cust_days`` (since their last purchase), ``cust_age``;
- where the lines carry prices: ``item_price``, the mean price paid for ``p``, and ``price_ratio``,
  that over the mean price ``c`` paid per line (NaN where either is unknown);
- where the lines carry sales channels: ``channel_match = Σ_k s_c(k) · s_p(k)``, with ``s_c(k)`` the
  share of ``c``'s lines and ``s_p(k)`` the share of ``p``'s lines in channel ``k`` (1: both only in
  the same one channel; H&M: store or online);
- one column per candidate source: the source's score for the pair (0 when it did not propose it);
- any ``extra`` vector scores (e.g. ``gnn_cos``): cosine of the customer's and the product's vectors.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from shopgraph.relational.candidates import (
    AGE_BANDS,
    Candidates,
    SourceSettings,
    age_band,
    fact_matrix,
    own_weights,
    popularity,
    recent_profile,
)
from shopgraph.relational.data import Purchases, Snapshot

# Fact type -> feature suffix of its preference share (module docstring).
PREFERENCE_FACTS: dict[str, str] = {
    "IN_CATEGORY": "category",
    "HAS_COLOUR": "colour",
    "FOR_GENDER": "gender",
    "HAS_PATTERN": "pattern",
    "MADE_OF": "material",
    "HAS_STYLE": "style",
}


@dataclass(frozen=True)
class PairFeatures:
    """A feature matrix: ``values[i]`` describes (``customers[rows[i]]``, ``products[i]``)."""

    rows: NDArray[np.int64]
    products: NDArray[np.int64]
    names: tuple[str, ...]
    values: NDArray[np.float32]

    def column(self, name: str) -> NDArray[np.float32]:
        return self.values[:, self.names.index(name)]


def _lookup(matrix: sp.csr_matrix, rows: NDArray[np.int64], cols: NDArray[np.int64]) -> NDArray[np.float64]:
    """``matrix[rows[i], cols[i]]`` for every i (0 where the matrix has no entry)."""
    if rows.shape[0] == 0:
        return np.zeros(0)
    return np.asarray(matrix[rows, cols]).ravel().astype(np.float64)


def _last_day(
    rows_of_lines: NDArray[np.int64], cols_of_lines: NDArray[np.int64], days: NDArray[np.int32], shape: tuple[int, int]
) -> sp.csr_matrix:
    """``M[r, c]`` = 1 + the last day of the lines at (r, c) (+1 so that day 0 is not "no entry")."""
    if rows_of_lines.shape[0] == 0:
        return sp.csr_matrix(shape)
    key = rows_of_lines * shape[1] + cols_of_lines
    order = np.lexsort((days, key))
    last = np.r_[key[order][1:] != key[order][:-1], True]
    picked = order[last]
    return sp.csr_matrix(
        (days[picked].astype(np.float64) + 1, (rows_of_lines[picked], cols_of_lines[picked])), shape=shape
    )


def rank_within(rows: NDArray[np.int64], *keys: NDArray[np.float64]) -> NDArray[np.float64]:
    """Per pair, its place (1, 2, ...) within its customer's pairs ordered by ``keys`` (each
    descending, the first the most significant; then pair order); NaN where the first key is NaN."""
    out = np.full(rows.shape[0], np.nan)
    pick = np.flatnonzero(~np.isnan(keys[0]))
    if pick.shape[0]:
        order = pick[np.lexsort((pick, *(-k[pick] for k in reversed(keys)), rows[pick]))]
        grouped = rows[order]
        out[order] = np.arange(order.shape[0]) - np.searchsorted(grouped, grouped) + 1
    return out


def preference_share(
    count: sp.csr_matrix,
    lines: NDArray[np.float64],
    facts: sp.csr_matrix,
    rows: NDArray[np.int64],
    products: NDArray[np.int64],
) -> NDArray[np.float64]:
    """``max_{t ∈ terms(p)} n_c(t) / n_c`` for each pair (``rows[i]``, ``products[i]``), where
    ``n_c(t) = (count · facts)[c, t]`` counts the lines of row ``c`` (of ``count``, rows × products)
    whose product has term ``t``; 0 for a product without a term or a customer without lines."""
    shares = np.asarray((count @ facts).todense(), dtype=np.float64) / np.maximum(lines, 1)[:, None]
    degree = np.diff(facts.indptr)[products]
    pair = np.repeat(np.arange(products.shape[0]), degree)
    starts = facts.indptr[products]
    offsets = np.arange(pair.shape[0]) - np.repeat(np.cumsum(degree) - degree, degree)
    terms = facts.indices[np.repeat(starts, degree) + offsets]
    out = np.zeros(products.shape[0])
    np.maximum.at(out, pair, shares[rows[pair], terms])
    return out


def _profile_cos(
    view: Snapshot,
    customers: NDArray[np.int64],
    vectors: NDArray[np.float32] | None,
    rows: NDArray[np.int64],
    products: NDArray[np.int64],
    recent: int,
) -> NDArray[np.float64]:
    if vectors is None:
        return np.full(rows.shape[0], np.nan)
    profile = recent_profile(view.purchases, customers, vectors, recent)
    cos = np.einsum("ij,ij->i", profile[rows], vectors[products]).astype(np.float64)
    missing = ~profile[rows].any(axis=1) | ~vectors[products].any(axis=1)
    cos[missing] = np.nan
    return cos


def _line_columns(
    purchases: Purchases,
    line_rows: NDArray[np.int64],
    rows: NDArray[np.int64],
    products: NDArray[np.int64],
    shape: tuple[int, int],
) -> dict[str, NDArray[np.float64]]:
    """``item_price``, ``price_ratio`` and ``channel_match`` of each pair (module docstring), for
    whichever of price and channel the purchase lines carry; ``line_rows`` maps each line to its
    customer's row (−1: not scored). Lines without a price or channel count for neither side."""
    out: dict[str, NDArray[np.float64]] = {}
    mine = line_rows >= 0
    if purchases.price is not None:
        known = np.isfinite(purchases.price)
        paid = np.where(known, purchases.price, 0.0).astype(np.float64)
        item_sum = np.bincount(purchases.product, weights=paid, minlength=shape[1])
        item_n = np.bincount(purchases.product, weights=known.astype(np.float64), minlength=shape[1])
        item_price = np.where(item_n > 0, item_sum / np.maximum(item_n, 1), np.nan)
        own = mine & known
        cust_sum = np.bincount(line_rows[own], weights=paid[own], minlength=shape[0])
        cust_n = np.bincount(line_rows[own], minlength=shape[0]).astype(np.float64)
        cust_price = np.where(cust_n > 0, cust_sum / np.maximum(cust_n, 1), np.nan)
        with np.errstate(divide="ignore", invalid="ignore"):
            ratio = item_price[products] / cust_price[rows]
        out["item_price"] = item_price[products]
        out["price_ratio"] = np.where(np.isfinite(ratio), ratio, np.nan)
    if purchases.channel is not None:
        channel = purchases.channel.astype(np.int64)
        known = channel > 0
        own = mine & known
        cust = np.zeros((shape[0], int(channel.max()) + 1))
        np.add.at(cust, (line_rows[own], channel[own]), 1.0)
        item = np.zeros((shape[1], cust.shape[1]))
        np.add.at(item, (purchases.product[known], channel[known]), 1.0)
        cust_total, item_total = cust.sum(axis=1), item.sum(axis=1)
        cust /= np.maximum(cust_total, 1)[:, None]
        item /= np.maximum(item_total, 1)[:, None]
        match = np.einsum("ij,ij->i", cust[rows], item[products])
        out["channel_match"] = np.where((cust_total[rows] > 0) & (item_total[products] > 0), match, np.nan)
    return out


def pair_features(
    view: Snapshot,
    candidates: Candidates,
    settings: SourceSettings | None = None,
    extra_vectors: Mapping[str, tuple[NDArray[np.float32], NDArray[np.float32]]] | None = None,
) -> PairFeatures:
    """The features (module docstring) of every pair the candidates propose, as of ``view``.

    Args:
        view: the graph as of the cut-off (``snapshot.until(cutoff)``).
        candidates: :func:`relational.candidates.generate` on the same view.
        extra_vectors: ``{name: (customer vectors, product vectors)}`` by position, unit rows, whose
            cosine becomes the feature ``name`` (a learned model's, e.g. the GNN's).
    """
    settings = settings or SourceSettings()
    ref = view.reference_day()
    purchases = view.purchases
    customers = candidates.customers
    n_products = view.num_products
    rows, products = candidates.pairs()
    cust_rows = np.full(view.num_customers, -1, dtype=np.int64)
    cust_rows[customers] = np.arange(customers.shape[0])
    line_rows = cust_rows[purchases.customer]
    mine = line_rows >= 0
    shape = (customers.shape[0], n_products)
    groups = view.groups()
    n_groups = int(groups.max()) + 1 if n_products else 0

    count = sp.csr_matrix((np.ones(int(mine.sum())), (line_rows[mine], purchases.product[mine])), shape=shape)
    recency = own_weights(purchases, customers, n_products, ref, settings.half_life)
    last = _last_day(line_rows[mine], purchases.product[mine], purchases.day[mine], shape)
    group_shape = (customers.shape[0], n_groups)
    group_count = sp.csr_matrix(
        (np.ones(int(mine.sum())), (line_rows[mine], groups[purchases.product[mine]])), shape=group_shape
    )
    group_last = _last_day(line_rows[mine], groups[purchases.product[mine]], purchases.day[mine], group_shape)

    own_count = _lookup(count, rows, products)
    own_last = _lookup(last, rows, products)
    sib_count = _lookup(group_count, rows, groups[products]) - own_count
    sib_last = _lookup(group_last, rows, groups[products])
    # The group's last day may be this very product's: then no sibling was bought later than it.
    sib_days = np.where(sib_count > 0, ref - (sib_last - 1), np.nan)
    lines_per_customer = np.bincount(line_rows[mine], minlength=customers.shape[0]).astype(np.float64)
    distinct = np.diff(count.tocsr().indptr).astype(np.float64)
    cust_last = np.full(customers.shape[0], np.nan)
    if mine.any():
        last_by_row = np.full(customers.shape[0], -1e9)
        np.maximum.at(last_by_row, line_rows[mine], purchases.day[mine].astype(np.float64))
        cust_last = np.where(last_by_row > -1e9, ref - last_by_row, np.nan)

    def window(days: int) -> NDArray[np.float64]:
        return np.bincount(purchases.between(ref - days, ref).product, minlength=n_products).astype(np.float64)

    pop_7, pop_28, pop_84 = window(7), window(28), window(84)
    first_day = np.full(n_products, np.inf)
    last_day = np.full(n_products, -np.inf)
    np.minimum.at(first_day, purchases.product, purchases.day.astype(np.float64))
    np.maximum.at(last_day, purchases.product, purchases.day.astype(np.float64))
    buyers = np.zeros(n_products)
    if len(purchases):
        pairs = np.unique(purchases.product * view.num_customers + purchases.customer)
        buyers = np.bincount(pairs // view.num_customers, minlength=n_products).astype(np.float64)

    if view.customer_age is not None:
        bands = age_band(view.customer_age)
        line_band = bands[purchases.customer]
        band_pop = np.stack(
            [
                popularity(purchases.select(line_band == b), n_products, ref, settings.popular_half_life)
                for b in range(len(AGE_BANDS) + 2)
            ]
        )
        pop_age = band_pop[bands[customers][rows], products]
        cust_age = view.customer_age[customers][rows].astype(np.float64)
    else:
        pop_age = np.full(rows.shape[0], np.nan)
        cust_age = np.full(rows.shape[0], np.nan)

    columns: dict[str, NDArray[np.float64]] = {
        "own_count": own_count,
        "own_rank": rank_within(rows, np.where(own_count > 0, own_last, np.nan), own_count),
        "own_recency": _lookup(recency, rows, products),
        "own_days": np.where(own_last > 0, ref - (own_last - 1), np.nan),
        "sibling_count": sib_count,
        "sibling_days": sib_days,
        "group_share": _lookup(group_count, rows, groups[products]) / np.maximum(lines_per_customer[rows], 1),
        "pop_7": pop_7[products],
        "pop_28": pop_28[products],
        "pop_84": pop_84[products],
        "pop_trend": pop_7[products] / (pop_28[products] / 4 + 1),
        "pop_age": pop_age,
        "item_first_days": np.where(np.isfinite(first_day[products]), ref - first_day[products], np.nan),
        "item_last_days": np.where(np.isfinite(last_day[products]), ref - last_day[products], np.nan),
        "item_buyers": buyers[products],
        "text_cos": _profile_cos(view, customers, view.text, rows, products, settings.recent),
        "photo_cos": _profile_cos(view, customers, view.image, rows, products, settings.recent),
        "cust_lines": lines_per_customer[rows],
        "cust_products": distinct[rows],
        "cust_days": cust_last[rows],
        "cust_age": cust_age,
    }
    columns["text_rank"] = rank_within(rows, columns["text_cos"])
    columns["photo_rank"] = rank_within(rows, columns["photo_cos"])
    columns["sibling_rank"] = rank_within(rows, np.where(sib_count > 0, -sib_days, np.nan), sib_count)
    columns.update(_line_columns(purchases, line_rows, rows, products, shape))
    for relation, suffix in PREFERENCE_FACTS.items():
        if relation in view.facts:
            columns[f"pref_{suffix}"] = preference_share(
                count, lines_per_customer, fact_matrix(view, relation), rows, products
            )
    for name, matrix in candidates.sources.items():
        columns[f"src_{name}"] = _lookup(matrix, rows, products)
    for name, (customer_vectors, product_vectors) in (extra_vectors or {}).items():
        columns[name] = np.einsum("ij,ij->i", customer_vectors[customers][rows], product_vectors[products]).astype(
            np.float64
        )
    names = tuple(columns)
    values = (
        np.column_stack([columns[n] for n in names]).astype(np.float32)
        if rows.shape[0]
        else np.zeros((0, len(names)), dtype=np.float32)
    )
    return PairFeatures(rows, products, names, values)


def labels(features: PairFeatures, truth: list[set[int]]) -> NDArray[np.int32]:
    """1 where the pair's customer bought the product in the window (``truth[row]``), else 0."""
    return np.fromiter(
        (int(p) in truth[int(r)] for r, p in zip(features.rows, features.products, strict=True)),
        dtype=np.int32,
        count=features.rows.shape[0],
    )
