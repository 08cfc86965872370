"""Reading the graph into a :class:`~relational.data.Snapshot`.

All queries run in one read transaction, so the arrays describe one state of the graph even
while ingestion writes. Results are streamed record by record into typed arrays; nothing holds
the full list of records. Positions follow sorted ids, so the same graph gives the same arrays.

What is read:

- customers: those with at least one purchase in the selected source;
- products: every catalog product (``inCatalog: true``, of any source) and every product bought
  in the selected purchases;
- purchases: one line per ``PURCHASED``, ordered by day, customer, product and purchase id;
- facts: per relation of ``FACT_RELATIONS``, the snapshot's products' edges to terms, with the
  fact's ``confidence`` (1.0 when it has none); a label's terms are those any product points at;
- text: the stored ``textEmbedding`` when its ``textEmbeddingOf`` matches the product's current
  text, otherwise computed here (and not written: ``features.embed_product_texts`` does that);
- images: per product, the mean of its photos' ``Image.embedding`` (``DEPICTS``) scaled back to
  unit length, ``x̄ / ‖x̄‖`` with ``x̄ = (1/n) Σ xᵢ``.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable
from typing import Any

import numpy as np
from neo4j import Driver, ManagedTransaction
from numpy.typing import NDArray

from shopgraph.cypher.internal import relational as q
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.runner import read_transaction
from shopgraph.graphstore.core.textembed import DIMENSIONS, embed_texts
from shopgraph.relational.data import AVAILABLE_UNKNOWN, FACT_RELATIONS, Facts, Purchases, Snapshot, to_day
from shopgraph.relational.features import product_text, text_hash

Progress = Callable[[str, int], None]
"""Called with a stage (``customers``, ``products``, ``purchases``, ``facts``, ``text``, ``images``)
and the number of rows of it read so far."""

_PROGRESS_EVERY = 10_000


def read_snapshot(
    driver: Driver,
    *,
    database: str | None = None,
    purchase_source: str | None = None,
    with_text: bool = True,
    with_images: bool = True,
    progress: Progress | None = None,
) -> Snapshot:
    """The graph as arrays for the relational model.

    Args:
        driver: an open driver.
        database: the database to read, or the server default.
        purchase_source: which purchases to read: ``None`` all; otherwise those whose
            ``PURCHASED.source`` equals it or starts with it followed by ``:`` (sources are
            ``<source>:<file>``, so ``"hm"`` reads every H&M file, ``"hm:transactions.csv"`` one).
        with_text: fill ``Snapshot.text`` (``(products, DIMENSIONS)``, zero rows for products without text).
        with_images: fill ``Snapshot.image`` (``(products, dims)``, zero rows for products without
            a photo); ``None`` when no product has one.
        progress: see ``Progress``.

    Returns:
        The snapshot; ``extra`` holds ``purchase_source`` and ``text_computed`` (products whose text
        vector was computed here because the graph had none, or a stale one).

    Raises:
        InputError: no purchase matches the source filter, or stored vectors of unequal length.
        QueryError: the graph cannot be read.
    """
    report = progress or (lambda stage, n: None)
    params = {"source": purchase_source}
    # One read transaction: every part of the snapshot sees the same state of the graph.
    data = read_transaction(
        driver, _read, params, with_text, with_images, report, what="reading the snapshot", database=database
    )
    customer_ids, product_ids, in_catalog, purchases, facts, term_ids, texts, image, groups, age, available = data
    if not customer_ids:
        where = "" if purchase_source is None else f" with source {purchase_source!r} or '{purchase_source}:...'"
        raise InputError(
            f"the graph has no purchases{where} (PURCHASED.source); load some with `shopgraph ingest purchases`"
        )
    text = None
    computed = 0
    if with_text:
        text, computed = _text_matrix(texts)
        report("text", len(product_ids))
    return Snapshot(
        customer_ids=customer_ids,
        product_ids=product_ids,
        term_ids=term_ids,
        purchases=purchases,
        facts=facts,
        in_catalog=in_catalog,
        text=text,
        image=image,
        product_group=groups,
        customer_age=age,
        available_from=available,
        extra={"purchase_source": purchase_source, "text_computed": computed},
    )


def _read(
    tx: ManagedTransaction, params: dict[str, Any], with_text: bool, with_images: bool, report: Progress
) -> tuple[Any, ...]:
    customer_ids: list[str] = []
    ages = array("f")
    for r in tx.run(q.SNAPSHOT_CUSTOMERS, params):
        customer_ids.append(r["id"])
        ages.append(_age(r["age"]))
    report("customers", len(customer_ids))
    if not customer_ids:
        return [], [], np.zeros(0, np.bool_), None, {}, {}, [], None, None, None, None

    product_ids: list[str] = []
    catalog: list[bool] = []
    codes: list[str | None] = []
    launch = array("i")
    texts: list[tuple[str, NDArray[np.float32] | None]] = []
    for r in tx.run(q.SNAPSHOT_PRODUCTS, {**params, "withText": with_text}):
        product_ids.append(r["id"])
        catalog.append(bool(r["inCatalog"]))
        codes.append(r["productCode"])
        launch.append(_day_or_unknown(r["availableFrom"]))
        if with_text:
            texts.append(_stored_text(r["id"], r["name"], r["description"], r["textEmbedding"], r["textEmbeddingOf"]))
    report("products", len(product_ids))
    customer_pos = {cid: i for i, cid in enumerate(customer_ids)}
    product_pos = {pid: i for i, pid in enumerate(product_ids)}

    customers, products, days = array("q"), array("q"), array("i")
    prices, channels = array("f"), array("b")
    for r in tx.run(q.SNAPSHOT_PURCHASES, params):
        customers.append(customer_pos[r["customer"]])
        products.append(product_pos[r["product"]])
        days.append(to_day(r["date"].to_native()))
        price, channel = r["price"], r["channel"]
        prices.append(float(price) if isinstance(price, int | float) else float("nan"))
        channels.append(int(channel) if isinstance(channel, int) and 0 < channel < 128 else 0)
        if len(days) % _PROGRESS_EVERY == 0:
            report("purchases", len(days))
    report("purchases", len(days))
    price_array = np.frombuffer(prices, dtype=np.float32).copy()
    channel_array = np.frombuffer(channels, dtype=np.int8).copy()
    purchases = Purchases(
        customer=np.frombuffer(customers, dtype=np.int64).copy(),
        product=np.frombuffer(products, dtype=np.int64).copy(),
        day=np.frombuffer(days, dtype=np.int32).copy(),
        # Data without prices or channels says so by leaving them out, so features built on them
        # are not computed from a column of unknowns.
        price=price_array if np.isfinite(price_array).any() else None,
        channel=channel_array if channel_array.any() else None,
    )

    facts: dict[str, Facts] = {}
    term_ids: dict[str, list[str]] = {}
    edges = 0
    for rel, label in FACT_RELATIONS.items():
        fact_products, terms, confidences = array("q"), [], array("f")
        for r in tx.run(q.SNAPSHOT_FACTS[rel]):
            position = product_pos.get(r["product"])
            if position is None:
                continue  # a product bought only in other sources' purchases
            fact_products.append(position)
            terms.append(r["term"])
            confidences.append(r["confidence"])
        ids = sorted(set(terms))
        term_pos = {tid: i for i, tid in enumerate(ids)}
        term_ids[label] = ids
        facts[rel] = Facts(
            relation=rel,
            label=label,
            product=np.frombuffer(fact_products, dtype=np.int64).copy(),
            term=np.array([term_pos[t] for t in terms], dtype=np.int64),
            confidence=np.frombuffer(confidences, dtype=np.float32).copy(),
        )
        edges += len(terms)
        report("facts", edges)

    image = _image_matrix(tx, product_pos, report) if with_images else None
    groups = _groups(product_ids, codes)
    age = np.frombuffer(ages, dtype=np.float32).copy()
    catalog_mask = np.array(catalog, dtype=np.bool_)
    available = np.frombuffer(launch, dtype=np.int32).copy()
    available_from = available if (available != AVAILABLE_UNKNOWN).any() else None
    return (
        customer_ids,
        product_ids,
        catalog_mask,
        purchases,
        facts,
        term_ids,
        texts,
        image,
        groups,
        age,
        available_from,
    )


def _day_or_unknown(value: Any) -> int:
    """A stored ``availableFrom`` (a Neo4j date) as a day index; AVAILABLE_UNKNOWN when absent."""
    return AVAILABLE_UNKNOWN if value is None else to_day(value.to_native())


def _age(value: Any) -> float:
    """A customer's age as a float, NaN when missing or not a number."""
    try:
        return float(value) if value is not None else float("nan")
    except (TypeError, ValueError):
        return float("nan")


def _groups(product_ids: list[str], codes: list[str | None]) -> NDArray[np.int64]:
    """Variant group per product: one per distinct ``(source, productCode)``, else one per product."""
    keys = [f"{pid.split(':', 1)[0]}:{code}" if code else pid for pid, code in zip(product_ids, codes, strict=True)]
    _, inverse = np.unique(np.array(keys, dtype=object), return_inverse=True)
    return inverse.astype(np.int64)


def _stored_text(
    pid: str, name: str | None, description: str | None, vector: list[float] | None, made_of: str | None
) -> tuple[str, NDArray[np.float32] | None]:
    """The product's text, and its stored vector if that was made from this text (else ``None``)."""
    text = product_text(name, description)
    if vector is None or not text or made_of != text_hash(text):
        return text, None
    if len(vector) != DIMENSIONS:
        raise InputError(f"Product {pid}: textEmbedding has {len(vector)} values, expected {DIMENSIONS}")
    # float32 at once: kept as Python floats, 150,000 stored vectors take ~2 GB until the matrix is built.
    return text, np.asarray(vector, dtype=np.float32)


def _text_matrix(texts: list[tuple[str, NDArray[np.float32] | None]]) -> tuple[NDArray[np.float32], int]:
    """Stored vectors where current, the rest embedded now; the matrix and how many were embedded."""
    matrix = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    missing = []
    for i, (text, vector) in enumerate(texts):
        if vector is not None:
            matrix[i] = vector
        elif text:
            missing.append(i)
    if missing:
        matrix[missing] = embed_texts([texts[i][0] for i in missing])
    return matrix, len(missing)


def _image_matrix(tx: ManagedTransaction, product_pos: dict[str, int], report: Progress) -> NDArray[np.float32] | None:
    # Sums are kept for the products that have photos only: a dense float64 matrix of every
    # product would be ~5x the float32 result (2.3 GB at 230,000 products), for a few % of rows.
    sums: dict[int, NDArray[np.float64]] = {}
    dims = seen = 0
    for r in tx.run(q.SNAPSHOT_IMAGES):
        position = product_pos.get(r["product"])
        if position is None:
            continue
        vector = np.asarray(r["embedding"], dtype=np.float64)
        dims = dims or vector.shape[0]
        if vector.shape[0] != dims:
            raise InputError(
                f"Image embeddings of unequal length: {vector.shape[0]} for a photo of {r['product']}, "
                f"{dims} before; re-run `shopgraph ingest images` with one embedding model"
            )
        if position in sums:
            sums[position] += vector
        else:
            sums[position] = vector
        seen += 1
    report("images", seen)
    if not sums:
        return None
    matrix = np.zeros((len(product_pos), dims), dtype=np.float32)
    for position, total in sums.items():
        # The mean's direction is the sum's; scaling the sum to unit length gives the normalised mean.
        norm = np.linalg.norm(total)
        if norm > 0:
            matrix[position] = total / norm
    return matrix
