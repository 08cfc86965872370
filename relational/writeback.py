"""What the relational model writes onto the graph: vectors, inferred facts and the record of each run.

Every write addresses nodes by their graph ``id``, runs in batches of one managed transaction each
(``graphstore.core.runner.write_batches``, retried by the driver on transient errors) and is idempotent: the
same call twice leaves the graph as one call did. Vectors carry the model's stamps
(``<prefix>ModelVersion``, ``<prefix>TrainedAt``) so one vector index never mixes two models' spaces
once ``clear_stale_embeddings`` has run.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np
from neo4j import Driver
from numpy.typing import ArrayLike

from shopgraph.cypher.internal import relational as q
from shopgraph.graphstore.core.errors import ConfigError, WriteFailed
from shopgraph.graphstore.core.graph_model import vector_index
from shopgraph.graphstore.core.runner import Batch, read, write, write_batches
from shopgraph.relational.data import FACT_RELATIONS

StampPrefix = Literal["rec", "kge"]
MODEL_KINDS = ("recommender", "kge", "ranker")


@dataclass(frozen=True)
class InferredFact:
    """A fact the model proposes: ``(product)-[:INFERRED {relation, score, rank}]->(term)``.

    ``relation`` is one of ``FACT_RELATIONS`` and ``term_label`` the label it points at; ``rank``
    is 1 for the product's best term of that relation.
    """

    product_id: str
    relation: str
    term_label: str
    term_id: str
    score: float
    rank: int


def _check_trained_at(trained_at: datetime) -> None:
    if trained_at.tzinfo is None:
        raise ValueError("trained_at must be timezone-aware (e.g. datetime.now(timezone.utc)), got a naive datetime")


def _embedding_target(label: str, prop: str, stamp_prefix: str) -> int:
    """The dimensions of the vector index on ``label.prop``, after checking the pair may be written."""
    if (label, prop) not in q.WRITE_EMBEDDINGS:
        allowed = ", ".join(f"{lab}.{p}" for lab, p in q.WRITE_EMBEDDINGS)
        raise ValueError(f"{label}.{prop} is not a model embedding property with a vector index; allowed: {allowed}")
    if prop != f"{stamp_prefix}Embedding":
        raise ValueError(f"stamp prefix {stamp_prefix!r} does not belong to {prop} (expected {prop[:3]!r})")
    return vector_index(label, prop).dimensions


def write_embeddings(
    driver: Driver,
    label: str,
    prop: str,
    ids: Sequence[str],
    vectors: ArrayLike,
    *,
    version: str,
    trained_at: datetime,
    stamp_prefix: StampPrefix,
    batch_size: int = 1000,
    database: str | None = None,
) -> int:
    """Set ``node.<prop>`` of the ``label`` node with ``ids[i]`` to ``vectors[i]`` and stamp the model.

    Args:
        driver: an open driver.
        label, prop: a pair of ``graph_model.MODEL_INDEXES`` written by a model
            (``Product``/``Customer`` ``recEmbedding``, ``<KGE label>.kgeEmbedding``).
        ids: graph ids, one per row of ``vectors``.
        vectors: ``(len(ids), dimensions)`` finite floats; dimensions as the index declares.
        version: the model version, stored as ``<stamp_prefix>ModelVersion``.
        trained_at: timezone-aware time of training, stored as ``<stamp_prefix>TrainedAt``.
        stamp_prefix: ``rec`` for ``recEmbedding``, ``kge`` for ``kgeEmbedding``.
        batch_size: nodes per transaction.
        database: target database, or the server default.

    Returns:
        The number of nodes written (ids with no node in the graph are skipped).

    Raises:
        ValueError: a pair without a model vector index, a prefix of another property, ids and
            vectors of different lengths, non-finite values, a naive ``trained_at``.
        ConfigError: the vectors' dimensions differ from the vector index's.
        WriteFailed: a batch failed after retries.
    """
    dims = _embedding_target(label, prop, stamp_prefix)
    _check_trained_at(trained_at)
    matrix = np.asarray(vectors, dtype=np.float64)
    if matrix.ndim != 2 or matrix.shape[0] != len(ids):
        raise ValueError(f"expected {len(ids)} vectors (one per id) as a 2-d array, got shape {matrix.shape}")
    if matrix.shape[1] != dims:
        index = vector_index(label, prop).name
        raise ConfigError(
            f"{label}.{prop} vectors have {matrix.shape[1]} dimensions but the vector index {index} "
            f"expects {dims} (graph_model.VECTOR_INDEXES); train the model with dimension {dims}"
        )
    if not np.isfinite(matrix).all():
        raise ValueError(f"{label}.{prop} vectors contain NaN or infinite values")
    rows = ({"id": node_id, "vector": row.tolist()} for node_id, row in zip(ids, matrix, strict=True))
    return write_batches(
        driver,
        q.WRITE_EMBEDDINGS[(label, prop)],
        rows,
        batch_size=batch_size,
        params={"version": version, "trainedAt": trained_at},
        what=f"{label}.{prop}",
        database=database,
    ).returned


def clear_stale_embeddings(
    driver: Driver,
    label: str,
    prop: str,
    *,
    version: str,
    stamp_prefix: StampPrefix,
    batch_size: int = 1000,
    database: str | None = None,
) -> int:
    """Remove ``prop`` and its stamps from ``label`` nodes whose vector is not of model ``version``.

    Run after writing a model's vectors, so its vector index holds one model's space only: nodes
    the new model did not cover lose their old vectors. Batches of ``batch_size`` nodes, one
    transaction each. Returns how many nodes lost their vector.

    Raises:
        ValueError: as ``write_embeddings`` for the pair and prefix.
        WriteFailed: a batch failed after retries.
    """
    _embedding_target(label, prop, stamp_prefix)
    query = q.CLEAR_STALE_EMBEDDINGS[(label, prop)]
    total = 0
    while True:
        try:
            found = write(
                driver,
                query,
                {"version": version, "limit": batch_size},
                what=f"clearing stale {label}.{prop}",
                database=database,
            ).records
        except WriteFailed as e:
            raise WriteFailed(f"{e}. {total} vectors were already removed; re-running is safe.") from e
        removed = int(found[0]["n"]) if found else 0
        total += removed
        if removed < batch_size:
            return total


def write_inferred(
    driver: Driver,
    rows: Sequence[InferredFact],
    *,
    version: str,
    trained_at: datetime,
    batch_size: int = 1000,
    database: str | None = None,
) -> int:
    """Write inferred facts, replacing each listed product's earlier ones of the same relation.

    For every (product, relation) present in ``rows`` the product's ``INFERRED`` relationships of that
    relation become exactly the listed terms: those are MERGEd (keyed on product, term, relation)
    and stamped with ``version`` and ``trained_at``, any others (an older model's, or this model's
    from an earlier run) are deleted. Asserted facts (``HAS_BRAND`` ...) are other relationship types
    and are never touched; products and relations not in ``rows`` keep what they have.

    Returns:
        The number of ``INFERRED`` relationships written (rows whose product and term exist).

    Raises:
        ValueError: a relation not in ``FACT_RELATIONS``, a term label that is not the relation's, a
            naive ``trained_at``.
        WriteFailed: a batch failed after retries.
    """
    _check_trained_at(trained_at)
    groups: dict[tuple[str, str], list[InferredFact]] = {}
    for fact in rows:
        expected = FACT_RELATIONS.get(fact.relation)
        if expected is None:
            raise ValueError(f"{fact.relation!r} is not a fact relation; known: {', '.join(FACT_RELATIONS)}")
        if fact.term_label != expected:
            raise ValueError(f"{fact.relation} points at {expected}, not {fact.term_label} (product {fact.product_id})")
        groups.setdefault((fact.product_id, fact.relation), []).append(fact)

    # Whole groups per batch: the delete of a group's replaced facts runs in the transaction that writes it.
    def work(batch: Batch[tuple[tuple[str, str], list[InferredFact]]]) -> int:
        return _write_inferred_groups(batch, version, trained_at)

    return write_batches(
        driver,
        work,
        groups.items(),
        batch_size=max(1, batch_size),
        describe=lambda chunk: f"inferred facts of products {chunk[0][0][0]}..{chunk[-1][0][0]}",
        database=database,
    ).returned


def clear_stale_inferred(driver: Driver, relation: str, *, version: str, database: str | None = None) -> int:
    """Delete ``INFERRED`` relationships of ``relation`` that another model version than ``version`` wrote.

    Run after ``write_inferred`` of a model's full set of proposals, so what is inferred is one
    model's opinion. Returns the number deleted.

    Raises:
        ValueError: a relation not in ``FACT_RELATIONS``.
    """
    if relation not in FACT_RELATIONS:
        raise ValueError(f"{relation!r} is not a fact relation; known: {', '.join(FACT_RELATIONS)}")
    # CALL ... IN TRANSACTIONS needs an auto-commit transaction.
    found = write(
        driver, q.DELETE_STALE_INFERRED, {"relation": relation, "version": version}, auto_commit=True, database=database
    ).records
    return int(found[0]["n"]) if found else 0


def _write_inferred_groups(
    batch: Batch[tuple[tuple[str, str], list[InferredFact]]], version: str, trained_at: datetime
) -> int:
    groups = batch.records
    by_label: dict[str, list[dict[str, Any]]] = {}
    for _, facts in groups:
        for f in facts:
            by_label.setdefault(f.term_label, []).append(
                {
                    "product": f.product_id,
                    "relation": f.relation,
                    "term": f.term_id,
                    "score": float(f.score),
                    "rank": int(f.rank),
                }
            )
    written = 0
    for label, label_rows in by_label.items():
        found = batch.run(q.WRITE_INFERRED[label], rows=label_rows, version=version, trainedAt=trained_at)
        written += int(found[0]["n"]) if found else 0
    keep = [
        {"product": product, "relation": relation, "terms": [f.term_id for f in facts]}
        for (product, relation), facts in groups
    ]
    batch.run(q.DELETE_REPLACED_INFERRED, groups=keep)
    return written


def _json_value(value: object) -> object:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def record_model_run(
    driver: Driver,
    version: str,
    kind: str,
    trained_at: datetime,
    seed: int,
    params: Mapping[str, Any],
    metrics: Mapping[str, Any],
    *,
    database: str | None = None,
) -> None:
    """MERGE ``(:ModelRun {id: version})`` with its ``kind``, ``trainedAt``, ``seed`` and ``params`` /
    ``metrics`` as JSON strings (keys sorted; numpy scalars and arrays become numbers and lists).

    Raises:
        ValueError: ``kind`` is not ``recommender`` or ``kge``, a naive ``trained_at``, or a value
            that JSON cannot hold.
        WriteFailed: the server refused the write.
    """
    if kind not in MODEL_KINDS:
        raise ValueError(f"model kind must be one of {', '.join(MODEL_KINDS)}, got {kind!r}")
    _check_trained_at(trained_at)
    try:
        params_json = json.dumps(dict(params), sort_keys=True, default=_json_value)
        metrics_json = json.dumps(dict(metrics), sort_keys=True, default=_json_value)
    except TypeError as e:
        raise ValueError(f"model run {version}: {e}") from e
    write(
        driver,
        q.RECORD_MODEL_RUN,
        {
            "version": version,
            "kind": kind,
            "trainedAt": trained_at,
            "seed": int(seed),
            "params": params_json,
            "metrics": metrics_json,
        },
        what=f"recording model run {version}",
        database=database,
    )


@dataclass(frozen=True)
class RecommenderState:
    """The latest recommender run (``version`` None: never trained) and what it does not cover."""

    version: str | None
    trained_at: datetime | None
    stale_customers: int
    stale_products: int

    @property
    def current(self) -> bool:
        """Trained, and every purchasing customer and every product carries this version's vector."""
        return self.version is not None and self.stale_customers == 0 and self.stale_products == 0


def recommender_state(driver: Driver, database: str | None = None) -> RecommenderState:
    """Whether the graph's recommender vectors are those of its latest ``ModelRun`` (one read).

    Raises:
        QueryError: the read failed.
    """
    rows = read(driver, q.CURRENT_RECOMMENDER, what="the latest recommender run", database=database)
    if not rows:
        return RecommenderState(None, None, 0, 0)
    row = rows[0]
    trained_at = None if row["trainedAt"] is None else row["trainedAt"].to_native()  # a neo4j DateTime
    return RecommenderState(row["version"], trained_at, row["staleCustomers"], row["staleProducts"])


def write_recommended(
    driver: Driver,
    lists: Mapping[str, Sequence[Any]],
    *,
    version: str,
    trained_at: datetime,
    batch_size: int = 500,
    database: str | None = None,
) -> int:
    """Make each listed customer's ``RECOMMENDED`` relationships exactly its list.

    ``lists`` maps a customer id to its entries (``relational.served.ServedItem``: product, rank,
    score, sources, reasons), best first. Each entry becomes
    ``(:Customer)-[:RECOMMENDED {rank, score, sources, reasons, modelVersion, trainedAt}]->(:Product)``,
    MERGEd on customer and product (a re-run of the same model changes nothing); a customer's
    entries not in its new list are deleted in the same transaction. Customers not in ``lists``
    keep theirs until :func:`clear_stale_recommended`.

    Returns:
        The number of relationships written (entries whose customer and product exist).

    Raises:
        ValueError: a naive ``trained_at``.
        WriteFailed: a batch failed after retries.
    """
    _check_trained_at(trained_at)

    def work(batch: Batch[tuple[str, Sequence[Any]]]) -> int:
        rows = [
            {
                "customer": customer,
                "items": [
                    {
                        "product": item.product,
                        "rank": int(item.rank),
                        "score": float(item.score),
                        "sources": list(item.sources),
                        "reasons": list(item.reasons),
                    }
                    for item in items
                ],
            }
            for customer, items in batch.records
        ]
        found = batch.run(q.WRITE_RECOMMENDED, rows=rows, version=version, trainedAt=trained_at)
        return int(found[0]["n"]) if found else 0

    return write_batches(
        driver,
        work,
        lists.items(),
        batch_size=max(1, batch_size),
        describe=lambda chunk: f"recommended lists of customers {chunk[0][0]}..{chunk[-1][0]}",
        database=database,
    ).returned


def clear_stale_recommended(driver: Driver, *, version: str, database: str | None = None) -> int:
    """Delete ``RECOMMENDED`` relationships another model version than ``version`` wrote (run after a
    full :func:`write_recommended`, so every served list is one model's). Returns the number deleted."""
    found = write(driver, q.DELETE_STALE_RECOMMENDED, {"version": version}, auto_commit=True, database=database).records
    return int(found[0]["n"]) if found else 0


def product_names(driver: Driver, ids: Sequence[str], database: str | None = None) -> dict[str, str]:
    """``id -> name`` of the products with these ids that have a name."""
    rows = read(driver, q.PRODUCT_NAMES, {"ids": list(ids)}, database=database)
    return {row["id"]: row["name"] for row in rows if row["name"]}
