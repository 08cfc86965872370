"""Recommendations with their reasons: typed front ends to the named queries of ``cypher/``.

Each function runs one read-only named query (``recommend``, ``cold_start``, ``similar_products``,
``explain``; the formulas and weights are in each file's header) and turns its rows into frozen
dataclasses. What the queries cannot say by returning no rows, these functions say: an unknown
customer or product is an error naming the id, and a customer without a recommender vector is
ranked by their preferences with a note saying so.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from neo4j import Driver

from shopgraph.cypher.internal import graphstore as q
from shopgraph.graphstore.core.defaults import RECOMMEND, SIMILAR_BY
from shopgraph.graphstore.core.errors import QueryError
from shopgraph.graphstore.core.runner import read, run_query


@dataclass(frozen=True)
class Recommendation:
    """One recommended product.

    ``similarity`` is the recommender's cosine of customer and product (None when ranked without
    it); ``popularity`` the number of customers who bought the product (cold start only);
    ``sources`` the candidate sources that proposed it (served lists only).
    """

    product: str
    name: str | None
    brand: str | None
    category: str | None
    colour: str | None
    score: float
    similarity: float | None
    popularity: int | None
    reasons: tuple[str, ...]
    sources: tuple[str, ...] = ()


@dataclass(frozen=True)
class Recommendations:
    """Products for one customer (``customer`` None for cold start), best first.

    ``source``: ``ranker`` (the list ``shopgraph train`` wrote as ``RECOMMENDED``), ``model``
    (recommender vector re-ranked with preferences), ``preferences`` (no recommender vector:
    preferences alone) or ``stated`` (cold start). ``note`` explains a fallback or an empty answer.
    """

    customer: str | None
    source: str
    note: str | None
    items: tuple[Recommendation, ...]


@dataclass(frozen=True)
class SimilarProduct:
    """A product similar to another: ``score`` ranks, ``embedding`` and ``attributes`` are its parts."""

    product: str
    name: str | None
    brand: str | None
    category: str | None
    colour: str | None
    score: float
    embedding: float | None
    attributes: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Reason:
    """One justification: its ``kind``, readable ``text``, the ids behind it, and its strength."""

    kind: str
    text: str
    evidence: tuple[str, ...]
    strength: float


@dataclass(frozen=True)
class Explanation:
    """Why ``product`` suits ``customer``, strongest reason first (empty when nothing links them)."""

    customer: str
    product: str
    reasons: tuple[Reason, ...]


def recommend(
    driver: Driver,
    customer_id: str,
    k: int = RECOMMEND.k,
    keep_purchased: bool | None = None,
    per_category: int = RECOMMEND.per_category,
    candidates: int = RECOMMEND.candidates,
    served: bool = True,
    database: str | None = None,
) -> Recommendations:
    """The ``k`` best products for ``customer_id``, with reasons.

    With ``served`` and a list ``shopgraph train`` wrote for the customer: that list
    (``cypher/recommended.cypher``: the learned ranker's ``RECOMMENDED``, with its sources and
    reasons, read as written). Otherwise (a customer new since training, or ``served=False``)
    ``cypher/recommend.cypher``: score = cos(customer, product) + 0.2 brand share + 0.2 category
    share (with ancestors) + 0.1 colour share + 0.1 style share + 0.1 if in the catalog, from the
    customer's PREFERS; at most ``per_category`` products per leaf category.

    Args:
        driver: an open driver.
        customer_id: the customer's id.
        k: products to return (default 10).
        keep_purchased: also recommend what they bought before; default (None): yes for a served
            list (the ranker recommends repurchases on purpose), no otherwise.
        per_category: at most this many per leaf category (default 3; vector path).
        candidates: nearest products taken from the vector index before re-ranking (default 100).
        served: serve the trained list when there is one (default True).
        database: the database to read.

    Returns:
        Source ``ranker``; else ``model``, or ``preferences`` with a note when the customer has no
        recommender vector; no items and a note when they have neither vector nor preferences.

    Raises:
        ValueError: ``k``, ``per_category`` or ``candidates`` is not positive, or ``candidates`` < ``k``.
        QueryError: no customer has this id, or the query fails.
    """
    _check_counts(k=k, per_category=per_category, candidates=candidates)
    if candidates < k:
        raise ValueError(f"candidates must be at least k, got candidates={candidates}, k={k}")
    if served:  # one round trip when the list is there: the common case, and the fast one
        keep = True if keep_purchased is None else keep_purchased
        rows = run_query(driver, "recommended", {"customerId": customer_id, "k": k, "keepPurchased": keep}, database)
        if rows.rows:
            return Recommendations(customer_id, "ranker", None, tuple(_recommendation(row) for row in rows.rows))
    state = _one(driver, q.CUSTOMER_STATE, {"id": customer_id}, database)
    if state is None:
        raise QueryError(f"no customer with id {customer_id!r}")
    if served and state["served"]:
        return Recommendations(customer_id, "ranker", "every product of the trained list was bought", ())
    fallback = (
        f"no trained list for customer {customer_id} (new since `shopgraph train` last ran); "
        if served and state["anyServed"]
        else ""
    )
    params = {
        "customerId": customer_id,
        "k": k,
        "keepPurchased": bool(keep_purchased),
        "perCategory": per_category,
        "candidates": candidates,
    }
    items = tuple(_recommendation(row) for row in run_query(driver, "recommend", params, database).rows)
    if state["embedded"]:
        return Recommendations(
            customer_id, "model", fallback + "ranked by the recommender vector" if fallback else None, items
        )
    if state["preferences"] == 0:
        note = fallback + (
            f"customer {customer_id} has no recommender vector and no preferences "
            "(no purchases, or `shopgraph reason preferences` has not run); `shopgraph train` computes "
            "the vectors, or try a cold start"
        )
    else:
        note = fallback + (
            f"customer {customer_id} has no recommender vector: ranked by their preferences alone "
            "(`shopgraph train` computes the vectors)"
        )
    return Recommendations(customer_id, "preferences", note, items)


def cold_start(
    driver: Driver,
    brands: Sequence[str] = (),
    colours: Sequence[str] = (),
    categories: Sequence[str] = (),
    k: int = RECOMMEND.k,
    per_category: int = RECOMMEND.per_category,
    database: str | None = None,
) -> Recommendations:
    """Products for a new customer from stated preferences (``cypher/cold_start.cypher``).

    score = [brand or parent brand matches] + (1 same colour | 0.5 same colour family) + [category
    or an ancestor matches]; popularity breaks ties. Values are vocabulary ids, names or synonyms.

    Raises:
        ValueError: nothing is stated, or ``k`` or ``per_category`` is not positive.
        QueryError: a stated value names no brand, colour or category (all such values are named).
    """
    _check_counts(k=k, per_category=per_category)
    if not (brands or colours or categories):
        raise ValueError("state at least one brand, colour or category")
    asked = {"brands": list(brands), "colours": list(colours), "categories": list(categories)}
    unknown = _rows(driver, q.UNKNOWN_TERMS, asked, database)
    if unknown:
        raise QueryError("unknown " + "; ".join(f"{row['kind']} {row['value']!r}" for row in unknown))
    params = {**asked, "k": k, "perCategory": per_category}
    items = tuple(_recommendation(row) for row in run_query(driver, "cold_start", params, database).rows)
    return Recommendations(None, "stated", None if items else "no catalog product matches", items)


def similar(
    driver: Driver,
    product_id: str,
    by: str = RECOMMEND.similar_by,
    k: int = RECOMMEND.k,
    candidates: int = RECOMMEND.candidates,
    database: str | None = None,
) -> tuple[SimilarProduct, ...]:
    """The ``k`` catalog products most similar to ``product_id`` (``cypher/similar_products.cypher``).

    embedding = mean of the text, photo and recommender cosines both products have;
    attributes = Σ min(a_t, b_t) / Σ max(a_t, b_t) over fact confidences (weighted Jaccard);
    combined = 0.5 embedding + 0.5 attributes.

    Args:
        by: ``embedding``, ``attributes`` or ``combined`` (default): what ranks.

    Raises:
        ValueError: ``by`` is not one of those, or ``k`` or ``candidates`` is not positive.
        QueryError: no product has this id, or the query fails.
    """
    if by not in SIMILAR_BY:
        raise ValueError(f"by must be one of {', '.join(SIMILAR_BY)}, got {by!r}")
    _check_counts(k=k, candidates=candidates)
    _require_product(driver, product_id, database)
    params = {"productId": product_id, "by": by, "k": k, "candidates": candidates}
    return tuple(
        SimilarProduct(
            product=row["product"],
            name=row["name"],
            brand=row["brand"],
            category=row["category"],
            colour=row["colour"],
            score=row["score"],
            embedding=row["embedding"],
            attributes=row["attributes"],
            reasons=tuple(row["reasons"]),
        )
        for row in run_query(driver, "similar_products", params, database).rows
    )


def explain(driver: Driver, customer_id: str, product_id: str, database: str | None = None) -> Explanation:
    """The graph paths that justify ``product_id`` for ``customer_id`` (``cypher/explain.cypher``).

    Raises:
        QueryError: no customer or no product has the id, or the query fails.
    """
    if _one(driver, q.CUSTOMER_STATE, {"id": customer_id}, database) is None:
        raise QueryError(f"no customer with id {customer_id!r}")
    _require_product(driver, product_id, database)
    params = {"customerId": customer_id, "productId": product_id}
    reasons = tuple(
        Reason(row["kind"], row["text"], tuple(row["evidence"]), row["strength"])
        for row in run_query(driver, "explain", params, database).rows
    )
    return Explanation(customer_id, product_id, reasons)


def _recommendation(row: dict[str, Any]) -> Recommendation:
    return Recommendation(
        product=row["product"],
        name=row["name"],
        brand=row["brand"],
        category=row["category"],
        colour=row["colour"],
        score=row["score"],
        similarity=row.get("similarity"),
        popularity=row.get("popularity"),
        reasons=tuple(row["reasons"]),
        sources=tuple(row.get("sources") or ()),
    )


def _check_counts(**counts: int) -> None:
    for name, value in counts.items():
        if value <= 0:
            raise ValueError(f"{name} must be positive, got {value}")


def _require_product(driver: Driver, product_id: str, database: str | None) -> None:
    if _one(driver, q.PRODUCT_EXISTS, {"id": product_id}, database) is None:
        raise QueryError(f"no product with id {product_id!r}")


def _rows(driver: Driver, query: str, params: dict[str, Any], database: str | None) -> list[dict[str, Any]]:
    return read(driver, query, params, what="lookup", database=database)


def _one(driver: Driver, query: str, params: dict[str, Any], database: str | None) -> dict[str, Any] | None:
    rows = _rows(driver, query, params, database)
    return rows[0] if rows else None
