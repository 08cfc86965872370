"""Why the ranker recommends a product: the features that drove its score, said in words.

LightGBM's ``pred_contrib`` splits each score into one additive contribution per feature (SHAP
values of the trees: ``score = bias + Σ_f φ_f``). The features are grouped into **reason kinds**
(:data:`KINDS`); a pair's reasons are its kinds with the largest positive summed contribution,
each filled in from the graph as of the cut-off: the product of the customer's own that it is a
sibling of, was bought with, or looks like; the counts behind its popularity.

Products are named by graph id here; the write-back swaps in their names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from shopgraph.relational.candidates import AGE_BANDS, SourceSettings, age_band, copurchase_matrix, fact_matrix
from shopgraph.relational.data import Snapshot
from shopgraph.relational.ranker_features import PREFERENCE_FACTS, PairFeatures

# Reason kind -> the features whose contributions count for it.
KINDS: dict[str, tuple[str, ...]] = {
    "repurchase": ("own_count", "own_rank", "own_recency", "own_days", "src_repurchase"),
    "sibling": ("sibling_count", "sibling_days", "sibling_rank", "group_share", "src_siblings"),
    "copurchase": ("src_copurchase",),
    "popular": ("pop_7", "pop_28", "pop_84", "pop_trend", "item_buyers", "item_last_days", "src_popular"),
    "popular_age": ("pop_age", "src_popular_age"),
    "new": ("item_first_days", "src_new_arrivals"),
    "price": ("item_price", "price_ratio"),
    "preference": tuple(f"pref_{suffix}" for suffix in PREFERENCE_FACTS.values()),
    "text": ("text_cos", "text_rank", "src_text"),
    "photo": ("photo_cos", "photo_rank", "src_photo"),
    "graph": ("gnn_cos", "kge_cos"),
}


# Reason kind -> (feature, threshold): the kind is said only when the pair's feature exceeds it.
# Contributions are relative to the average pair, so "own_count = 0" can push a score up; what a
# reason claims must hold for the pair itself.
EVIDENCE: dict[str, tuple[str, float]] = {
    "repurchase": ("own_count", 0.0),
    "sibling": ("sibling_count", 0.0),
    "copurchase": ("src_copurchase", 0.0),
    "popular": ("item_buyers", 0.0),
    "popular_age": ("pop_age", 0.0),
    "preference": ("pref_category", 0.0),
    "text": ("text_cos", 0.0),
    "photo": ("photo_cos", 0.0),
}
NEW_DAYS = 28  # "new": first bought by anyone at most this many days before the cut-off
PRICE_RANGE = (2 / 3, 3 / 2)  # "price": the product's mean price over the customer's, within this


@dataclass(frozen=True)
class Reason:
    """One reason: its kind, its share of the positive contributions, the sentence, the product it cites."""

    kind: str
    weight: float
    text: str
    product: str | None = None


def kind_contributions(contrib: NDArray[np.float64], names: Sequence[str]) -> dict[str, NDArray[np.float64]]:
    """Per reason kind, the summed contribution of its features for every row of ``contrib``
    (``(rows, features + 1)``, LightGBM's ``pred_contrib`` layout: the last column is the bias)."""
    index = {name: i for i, name in enumerate(names)}
    out: dict[str, NDArray[np.float64]] = {}
    for kind, features in KINDS.items():
        columns = [index[f] for f in features if f in index]
        if columns:
            out[kind] = contrib[:, columns].sum(axis=1)
    return out


def _times(n: int, noun: str = "time") -> str:
    return "once" if n == 1 and noun == "time" else f"{n} {noun}{'' if n == 1 else 's'}"


def _age_label(band: int) -> str:
    edges = (0, *AGE_BANDS)
    if band < len(AGE_BANDS):
        return f"{edges[band]}–{edges[band + 1] - 1}" if band else f"under {AGE_BANDS[0]}"
    return f"{AGE_BANDS[-1]}+" if band == len(AGE_BANDS) else ""


def explain(
    view: Snapshot,
    customers: NDArray[np.int64],
    features: PairFeatures,
    contrib: NDArray[np.float64],
    pairs: NDArray[np.int64],
    top: int = 2,
    settings: SourceSettings | None = None,
) -> list[list[Reason]]:
    """Up to ``top`` reasons for each of the feature rows ``pairs`` (indices into ``features``,
    whose ``rows`` index ``customers``, the customer positions that were scored).

    ``contrib`` holds the ``pred_contrib`` rows of those pairs, in the same order. A kind is said
    only where its evidence holds for the pair (:data:`EVIDENCE`); a pair whose eligible
    contributions are all ≤ 0 gets the single strongest eligible kind. A product the customer
    bought before always says so first ("you bought it before (N×)").
    """
    settings = settings or SourceSettings()
    ref = view.reference_day()
    purchases = view.purchases
    groups = view.groups()
    by_kind = kind_contributions(contrib, features.names)
    kinds = list(by_kind)
    matrix = np.stack([by_kind[k] for k in kinds], axis=1) if kinds else np.zeros((len(pairs), 0))
    index = {name: i for i, name in enumerate(features.names)}
    for j, kind in enumerate(kinds):
        if kind == "new":
            first = features.values[pairs, index["item_first_days"]]
            holds = np.nan_to_num(first, nan=np.inf) <= NEW_DAYS
        elif kind == "price":
            ratio = np.nan_to_num(features.values[pairs, index["price_ratio"]], nan=0.0)
            holds = (ratio >= PRICE_RANGE[0]) & (ratio <= PRICE_RANGE[1])
        elif kind in EVIDENCE and EVIDENCE[kind][0] in index:
            feature, threshold = EVIDENCE[kind]
            holds = np.nan_to_num(features.values[pairs, index[feature]], nan=0.0) > threshold
        else:  # a kind whose evidence this view lacks is never said
            holds = np.full(len(pairs), kind not in EVIDENCE)
        matrix[~holds, j] = -np.inf
    need_co = "copurchase" in by_kind
    co = copurchase_matrix(purchases, view.num_products, ref, settings) if need_co else sp.csr_matrix((0, 0))
    bands = age_band(view.customer_age) if view.customer_age is not None else None
    categories = fact_matrix(view, "IN_CATEGORY") if "preference" in by_kind and "IN_CATEGORY" in view.facts else None
    # Every line once, by customer and latest first: a customer's lines are one slice of it.
    by_customer = np.lexsort((-purchases.day, purchases.customer))
    sorted_customers = purchases.customer[by_customer]

    def own_lines(customer: int) -> NDArray[np.int64]:
        start, end = np.searchsorted(sorted_customers, [customer, customer + 1])
        return by_customer[start:end]

    out: list[list[Reason]] = []
    for i, pair in enumerate(pairs):
        customer = int(customers[features.rows[pair]])
        product = int(features.products[pair])
        row = matrix[i]
        order = [j for j in np.argsort(-row, kind="stable") if np.isfinite(row[j])]
        positive = row[row > 0].sum()
        chosen = [j for j in order[:top] if row[j] > 0] or order[:1]
        # A product the customer bought before says so first, whatever drove its score: a list
        # that recommends your own product without saying why it is there reads as a mistake.
        if "repurchase" in kinds and np.isfinite(row[kinds.index("repurchase")]):
            again = kinds.index("repurchase")
            chosen = [again, *[j for j in chosen if j != again]][:top]
        reasons: list[Reason] = []
        for j in chosen:
            kind = kinds[j]
            weight = float(max(row[j], 0.0) / positive) if positive > 0 else 0.0
            lines = own_lines(customer)
            own = purchases.product[lines]
            if kind == "repurchase":
                times = int(np.count_nonzero(own == product))
                reasons.append(Reason(kind, weight, f"you bought it before ({times}×)"))
            elif kind == "sibling":
                same = own[(groups[own] == groups[product]) & (own != product)]
                cited = view.product_ids[int(same[0])] if same.shape[0] else None
                text = f"another colour of {cited} you bought" if cited else "from a product line you buy"
                reasons.append(Reason(kind, weight, text, cited))
            elif kind == "copurchase":
                mine = np.unique(own)
                counts = np.asarray(co[mine][:, product].todense()).ravel() if mine.shape[0] else np.zeros(0)
                if counts.shape[0] and counts.max() > 0:
                    best = int(mine[int(np.argmax(counts))])
                    cited = view.product_ids[best]
                    n = int(counts.max())
                    text = f"bought with {cited} in {_times(n, 'basket')} of the last {settings.basket_lookback} days"
                    reasons.append(Reason(kind, weight, text, cited))
                else:
                    reasons.append(Reason(kind, weight, "often bought with what you bought"))
            elif kind == "popular":  # the pair's own pop_28 and item_buyers say the counts
                n = int(features.values[pair, index["pop_28"]])
                if n:
                    text = f"popular: bought {_times(n)} in the last 28 days"
                else:
                    buyers = int(features.values[pair, index["item_buyers"]])
                    text = f"bought by {_times(buyers, 'customer')} before"
                reasons.append(Reason(kind, weight, text))
            elif kind == "popular_age" and bands is not None:
                label = _age_label(int(bands[customer]))
                text = f"popular with customers aged {label} this week" if label else "popular with your age group"
                reasons.append(Reason(kind, weight, text))
            elif kind == "preference" and categories is not None and own.shape[0]:
                mine_terms = np.asarray(categories[own].sum(axis=0)).ravel()
                terms = categories.indices[categories.indptr[product] : categories.indptr[product + 1]]
                best_term = int(terms[np.argmax(mine_terms[terms])])
                share = mine_terms[best_term] / own.shape[0]
                name = view.term_ids["Category"][best_term]
                reasons.append(Reason(kind, weight, f"{name}: {share:.0%} of what you bought"))
            elif kind == "new":
                days = int(np.nan_to_num(features.values[pair, index["item_first_days"]], nan=0.0))
                reasons.append(Reason(kind, weight, f"new: first bought {days} days ago"))
            elif kind == "price":
                ratio = float(features.values[pair, index["price_ratio"]])
                reasons.append(Reason(kind, weight, f"in your price range ({ratio:.0%} of what you usually pay)"))
            elif kind in ("text", "photo"):
                vectors = view.text if kind == "text" else view.image
                cited = None
                if vectors is not None and own.shape[0]:
                    latest = list(dict.fromkeys(own.tolist()))[: settings.recent]
                    sims = vectors[latest] @ vectors[product]
                    cited = view.product_ids[latest[int(np.argmax(sims))]]
                verb = "looks like" if kind == "photo" else "described like"
                text = f"{verb} {cited} you bought" if cited else f"{verb} what you bought"
                reasons.append(Reason(kind, weight, text, cited))
            else:
                reasons.append(Reason(kind, weight, "close to your purchases in the graph model"))
        out.append(reasons)
    return out
