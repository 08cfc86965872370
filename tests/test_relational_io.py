"""The relational model's graph I/O against a real Neo4j: snapshot export, text features, write-back.

The tiny graph (tests/data/tiny_*.csv, source ``tiny``): products tiny:A..D in the catalog, tiny:Z
known only from a purchase; u1 bought C (2024-01-01), B (2024-03-31), A (2024-06-29); u2 bought D
and Z (2024-06-29).
"""

from __future__ import annotations

import csv
import json
import math
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from neo4j import Driver
from numpy.typing import ArrayLike

from shopgraph.graphstore.core.errors import ConfigError, InputError
from shopgraph.graphstore.core.textembed import embed_texts
from shopgraph.graphstore.ingest.loader import ingest_catalog, ingest_customers, ingest_purchases
from shopgraph.relational.data import AVAILABLE_UNKNOWN, Snapshot, from_day, to_day
from shopgraph.relational.export import read_snapshot
from shopgraph.relational.features import embed_product_texts, product_text, text_hash
from shopgraph.relational.writeback import (
    InferredFact,
    StampPrefix,
    clear_stale_embeddings,
    record_model_run,
    write_embeddings,
    write_inferred,
)

from .conftest import DATA

TRAINED_AT = NOW = datetime(2024, 7, 1, 12, 30, tzinfo=UTC)
PRODUCTS = ["tiny:A", "tiny:B", "tiny:C", "tiny:D", "tiny:Z"]


@pytest.fixture
def tiny(driver: Driver) -> Driver:
    ingest_catalog(driver, DATA / "tiny_catalog.csv", source="tiny")
    ingest_customers(driver, DATA / "tiny_customers.csv", source="tiny")
    ingest_purchases(driver, DATA / "tiny_purchases.csv", source="tiny")
    return driver


def scalar(driver: Driver, query: str, **params: object) -> Any:
    records, _, _ = driver.execute_query(query, params)
    return records[0][0]


def purchase_triples(snapshot: Snapshot) -> list[tuple[str, str, date]]:
    p = snapshot.purchases
    return [
        (snapshot.customer_ids[c], snapshot.product_ids[i], from_day(d))
        for c, i, d in zip(p.customer, p.product, p.day, strict=True)
    ]


def fact_rows(snapshot: Snapshot, relation: str) -> list[tuple[str, str, float]]:
    f = snapshot.facts[relation]
    terms = snapshot.term_ids[f.label]
    return [
        (snapshot.product_ids[p], terms[t], round(float(c), 6))
        for p, t, c in zip(f.product, f.term, f.confidence, strict=True)
    ]


def unit(*pairs: tuple[int, float], dims: int) -> list[float]:
    v = np.zeros(dims)
    for i, x in pairs:
        v[i] = x
    return (v / np.linalg.norm(v)).tolist()


# --- pure ---------------------------------------------------------------------------------------


def test_product_text_joins_name_and_description() -> None:
    assert product_text("Red Dress", "Soft cotton.") == "Red Dress. Soft cotton."
    assert product_text(" Red Dress ", None) == "Red Dress"
    assert product_text(None, " Soft cotton. ") == "Soft cotton."
    assert product_text("", "  ") == ""
    assert product_text(None, None) == ""
    assert text_hash("Red Dress") != text_hash("Red dress")
    assert len(text_hash("")) == 64


# --- snapshot -----------------------------------------------------------------------------------


def test_snapshot_has_the_files_ids_purchases_and_facts(tiny: Driver) -> None:
    snapshot = read_snapshot(tiny, with_text=False, with_images=False)
    assert snapshot.customer_ids == ["u1", "u2"]
    assert snapshot.product_ids == PRODUCTS
    assert snapshot.in_catalog.tolist() == [True, True, True, True, False]
    with (DATA / "tiny_purchases.csv").open() as handle:
        rows = [
            (r["customer_id"], f"tiny:{r['product_id']}", date.fromisoformat(r["date"])) for r in csv.DictReader(handle)
        ]
    # Ordered by day, then customer id, then product id.
    assert purchase_triples(snapshot) == sorted(rows, key=lambda r: (r[2], r[0], r[1]))
    assert purchase_triples(snapshot) == [
        ("u1", "tiny:C", date(2024, 1, 1)),
        ("u1", "tiny:B", date(2024, 3, 31)),
        ("u1", "tiny:A", date(2024, 6, 29)),
        ("u2", "tiny:D", date(2024, 6, 29)),
        ("u2", "tiny:Z", date(2024, 6, 29)),
    ]
    assert snapshot.purchases.day.tolist() == [19723, 19813, 19903, 19903, 19903]
    assert snapshot.purchases.customer.dtype == np.int64 and snapshot.purchases.day.dtype == np.int32
    assert snapshot.term_ids == {
        "Brand": ["yonder", "zephyr"],
        "Category": ["dress", "jeans", "shirt", "sneakers"],
        "Colour": ["black", "blue", "red"],
        "Material": ["cotton", "denim", "imitation-leather", "jersey", "poplin", "rubber"],
        "Style": ["casual", "formal", "party", "sports"],
        "Pattern": ["striped"],
        "Gender": ["men", "women"],
    }
    assert fact_rows(snapshot, "MADE_OF") == [
        ("tiny:A", "cotton", 0.955),
        ("tiny:A", "jersey", 0.85),
        ("tiny:B", "denim", 0.955),
        ("tiny:C", "imitation-leather", 0.85),
        ("tiny:C", "rubber", 0.85),
        ("tiny:D", "cotton", 0.85),
        ("tiny:D", "poplin", 0.85),
    ]
    assert fact_rows(snapshot, "HAS_BRAND") == [
        ("tiny:A", "zephyr", 1.0),
        ("tiny:B", "zephyr", 1.0),
        ("tiny:C", "yonder", 1.0),
        ("tiny:D", "yonder", 1.0),
    ]
    assert fact_rows(snapshot, "IN_CATEGORY") == [
        ("tiny:A", "dress", 1.0),
        ("tiny:B", "jeans", 1.0),
        ("tiny:C", "sneakers", 1.0),
        ("tiny:D", "shirt", 1.0),
    ]
    assert fact_rows(snapshot, "HAS_PATTERN") == [("tiny:D", "striped", 1.0)]
    assert [r[1] for r in fact_rows(snapshot, "FOR_GENDER")] == ["women", "women", "women", "men"]
    assert [r[1] for r in fact_rows(snapshot, "HAS_COLOUR")] == ["red", "blue", "red", "black"]
    assert [r[1] for r in fact_rows(snapshot, "HAS_STYLE")] == ["party", "casual", "sports", "formal"]
    assert (snapshot.text, snapshot.image, snapshot.cutoff) == (None, None, None)
    # The same graph gives the same arrays.
    again = read_snapshot(tiny, with_text=False, with_images=False)
    assert purchase_triples(again) == purchase_triples(snapshot)
    assert all(np.array_equal(again.facts[r].term, snapshot.facts[r].term) for r in snapshot.facts)


def test_until_drops_exactly_the_purchases_on_or_after_the_cutoff(tiny: Driver) -> None:
    snapshot = read_snapshot(tiny, with_text=False, with_images=False)
    view = snapshot.until(to_day(date(2024, 6, 29)))
    assert view.cutoff == 19903
    assert purchase_triples(view) == [("u1", "tiny:C", date(2024, 1, 1)), ("u1", "tiny:B", date(2024, 3, 31))]
    assert purchase_triples(snapshot.until(to_day(date(2024, 3, 31)))) == [("u1", "tiny:C", date(2024, 1, 1))]
    assert len(snapshot.until(to_day(date(2024, 6, 30))).purchases) == 5
    # Ids and catalog facts stay: they are known before any purchase.
    assert view.product_ids == PRODUCTS and view.facts is snapshot.facts


def test_purchase_source_selects_purchases_by_source_or_file(tiny: Driver, tmp_path: Path) -> None:
    more = tmp_path / "more.csv"
    more.write_text("date,customer_id,product_id,price,channel\n2024-02-01,u3,X,10,store\n2024-05-05,u1,Y,12,online\n")
    ingest_purchases(tiny, more, source="shop2")

    everything = read_snapshot(tiny, with_text=False, with_images=False)
    assert everything.customer_ids == ["u1", "u2", "u3"]
    assert everything.product_ids == ["shop2:X", "shop2:Y", *PRODUCTS]
    assert len(everything.purchases) == 7

    only_tiny = read_snapshot(tiny, purchase_source="tiny", with_text=False, with_images=False)
    assert (only_tiny.customer_ids, only_tiny.product_ids) == (["u1", "u2"], PRODUCTS)
    assert len(only_tiny.purchases) == 5
    assert only_tiny.extra["purchase_source"] == "tiny"

    one_file = read_snapshot(tiny, purchase_source="shop2:more.csv", with_text=False, with_images=False)
    assert one_file.customer_ids == ["u1", "u3"]
    # Catalog products stay, of any source; tiny:Z was bought only in the other file.
    assert one_file.product_ids == ["shop2:X", "shop2:Y", "tiny:A", "tiny:B", "tiny:C", "tiny:D"]
    assert purchase_triples(one_file) == [("u3", "shop2:X", date(2024, 2, 1)), ("u1", "shop2:Y", date(2024, 5, 5))]

    # A source name is matched whole, not as any prefix.
    with pytest.raises(InputError, match=r"no purchases with source 'tin' or 'tin:\.\.\.'"):
        read_snapshot(tiny, purchase_source="tin", with_text=False)


def test_a_catalogs_launch_dates_reach_the_snapshot_and_make_products_available(tiny: Driver, tmp_path: Path) -> None:
    assert read_snapshot(tiny, with_text=False, with_images=False).available_from is None, "no product has a date"
    launches = tmp_path / "launches.csv"
    launches.write_text("id,name,available_from\nN,New Tee,2024-06-01\nM,Later Tee,2024-09-01\n")
    ingest_catalog(tiny, launches, source="tiny")
    snapshot = read_snapshot(tiny, with_text=False, with_images=False)
    day = dict(zip(snapshot.product_ids, snapshot.available_from.tolist(), strict=True))
    assert (day["tiny:N"], day["tiny:M"]) == (to_day(date(2024, 6, 1)), to_day(date(2024, 9, 1)))
    assert day["tiny:A"] == AVAILABLE_UNKNOWN
    available = dict(
        zip(snapshot.product_ids, snapshot.until(to_day(date(2024, 7, 1))).available().tolist(), strict=True)
    )
    # On 2024-07-01: N is on sale though nobody bought it, M not yet; A..D were bought, Z too.
    assert available == {
        "tiny:A": True,
        "tiny:B": True,
        "tiny:C": True,
        "tiny:D": True,
        "tiny:M": False,
        "tiny:N": True,
        "tiny:Z": True,
    }


def test_an_empty_graph_is_an_input_error(driver: Driver) -> None:
    ingest_catalog(driver, DATA / "tiny_catalog.csv", source="tiny")
    with pytest.raises(InputError, match="the graph has no purchases"):
        read_snapshot(driver)


# --- text features ------------------------------------------------------------------------------


def stored_texts(driver: Driver) -> dict[str, tuple[list[float] | None, str | None]]:
    records, _, _ = driver.execute_query(
        "MATCH (p:Product) RETURN p.id AS id, p.textEmbedding AS v, p.textEmbeddingOf AS h ORDER BY id"
    )
    return {r["id"]: (r["v"], r["h"]) for r in records}


def test_text_embeddings_are_written_once_and_follow_text_changes(tiny: Driver) -> None:
    # Before any are stored, the snapshot computes them itself (tiny:Z has no text: zero row).
    computed = read_snapshot(tiny, with_images=False)
    assert computed.extra["text_computed"] == 4
    expected = embed_texts(
        [
            product_text("Zephyr Women Red Cotton Dress", "Dress in soft cotton jersey."),
            product_text("Zephyr Women Blue Denim Jeans", "Five-pocket jeans in washed denim."),
            product_text("Yonder Women Red Sneakers", "Sneakers in imitation leather with rubber soles."),
            product_text("Yonder Men Black Shirt", "Shirt in cotton poplin."),
        ]
    )
    assert computed.text is not None and computed.text.shape == (5, 384)
    np.testing.assert_allclose(computed.text[:4], expected, atol=1e-5)
    assert not computed.text[4].any()

    assert embed_product_texts(tiny, batch_size=3) == 4
    assert embed_product_texts(tiny) == 0
    first = stored_texts(tiny)
    assert first["tiny:Z"] == (None, None)
    assert first["tiny:A"][1] == text_hash("Zephyr Women Red Cotton Dress. Dress in soft cotton jersey.")
    np.testing.assert_allclose(np.array(first["tiny:A"][0]), expected[0], atol=1e-5)

    # The snapshot now uses the stored vectors as they are.
    stored = read_snapshot(tiny, with_images=False)
    assert stored.extra["text_computed"] == 0
    assert stored.text is not None
    assert stored.text[1].tolist() == np.asarray(first["tiny:B"][0], dtype=np.float32).tolist()

    tiny.execute_query("MATCH (p:Product {id: 'tiny:A'}) SET p.name = 'Zephyr Women Green Linen Dress'")
    # Until re-embedded, the snapshot does not trust A's stale vector.
    assert read_snapshot(tiny, with_images=False).extra["text_computed"] == 1
    assert embed_product_texts(tiny) == 1
    second = stored_texts(tiny)
    assert [pid for pid in PRODUCTS if second[pid] != first[pid]] == ["tiny:A"]
    assert second["tiny:A"][1] == text_hash("Zephyr Women Green Linen Dress. Dress in soft cotton jersey.")

    # A product whose text is gone loses its vector; force re-embeds every product with text.
    tiny.execute_query("MATCH (p:Product {id: 'tiny:D'}) REMOVE p.name, p.description")
    assert embed_product_texts(tiny) == 1
    assert stored_texts(tiny)["tiny:D"] == (None, None)
    assert embed_product_texts(tiny, force=True) == 3


# --- images -------------------------------------------------------------------------------------


def test_image_vectors_are_the_normalised_mean_of_the_products_photos(tiny: Driver) -> None:
    photos = [
        ("img1", "tiny:A", unit((0, 1.0), dims=1280)),
        ("img2", "tiny:A", unit((1, 1.0), dims=1280)),
        ("img3", "tiny:B", unit((0, 3.0), (2, 4.0), dims=1280)),
        ("img4", None, unit((5, 1.0), dims=1280)),  # a photo of no known product
    ]
    tiny.execute_query(
        """
        UNWIND $rows AS row
        CREATE (i:Image {id: row.id, embedding: row.embedding})
        WITH i, row
        MATCH (p:Product {id: row.product})
        CREATE (i)-[:DEPICTS]->(p)
        """,
        rows=[{"id": i, "product": p, "embedding": e} for i, p, e in photos],
    )
    snapshot = read_snapshot(tiny, with_text=False)
    image = snapshot.image
    assert image is not None and image.shape == (5, 1280) and image.dtype == np.float32
    # A: mean of e0 and e1 is (0.5, 0.5), at unit length (1/√2, 1/√2).
    assert image[0, :2].tolist() == pytest.approx([1 / math.sqrt(2)] * 2)
    assert image[1, [0, 2]].tolist() == pytest.approx([0.6, 0.8])
    assert np.count_nonzero(image) == 4
    assert np.linalg.norm(image[:2], axis=1).tolist() == pytest.approx([1.0, 1.0])
    assert read_snapshot(tiny, with_text=False, with_images=False).image is None


# --- write-back ---------------------------------------------------------------------------------


def test_embeddings_land_on_their_nodes_with_stamps_and_feed_the_vector_index(tiny: Driver) -> None:
    a, b, c = unit((0, 1.0), dims=64), unit((1, 1.0), dims=64), unit((0, 1.0), (1, 0.1), dims=64)
    written = write_embeddings(
        tiny,
        "Product",
        "recEmbedding",
        ["tiny:A", "tiny:B", "tiny:C", "tiny:nope"],
        np.array([a, b, c, b]),
        version="rec@1",
        trained_at=TRAINED_AT,
        stamp_prefix="rec",
        batch_size=2,
    )
    assert written == 3
    records, _, _ = tiny.execute_query(
        "MATCH (p:Product) WHERE p.recEmbedding IS NOT NULL "
        "RETURN p.id AS id, p.recEmbedding AS v, p.recModelVersion AS version, p.recTrainedAt AS at ORDER BY id"
    )
    assert [r["id"] for r in records] == ["tiny:A", "tiny:B", "tiny:C"]
    assert [r["v"] for r in records] == [a, b, c]
    assert {r["version"] for r in records} == {"rec@1"}
    assert records[0]["at"].to_native() == TRAINED_AT

    nearest, _, _ = tiny.execute_query(
        "CALL db.index.vector.queryNodes('product_rec_embedding', 2, $q) YIELD node, score RETURN node.id AS id, score",
        q=a,
    )
    assert [r["id"] for r in nearest] == ["tiny:A", "tiny:C"]

    assert put(tiny, ["u1"], [b], label="Customer", version="rec@1") == 1
    assert scalar(tiny, "MATCH (c:Customer {id: 'u1'}) RETURN c.recModelVersion") == "rec@1"
    assert put(tiny, ["zephyr"], [a], label="Brand", prop="kgeEmbedding", prefix="kge", version="kge@1") == 1
    assert scalar(tiny, "MATCH (b:Brand {id: 'zephyr'}) RETURN [b.kgeModelVersion, b.kgeEmbedding[0]]") == [
        "kge@1",
        1.0,
    ]


def put(
    driver: Driver,
    ids: list[str],
    vectors: ArrayLike,
    label: str = "Product",
    prop: str = "recEmbedding",
    prefix: StampPrefix = "rec",
    version: str = "v1",
    trained_at: datetime = TRAINED_AT,
) -> int:
    return write_embeddings(
        driver,
        label,
        prop,
        ids,
        vectors,
        version=version,
        trained_at=trained_at,
        stamp_prefix=prefix,
    )


def test_embedding_writes_refuse_wrong_targets_and_dimensions(tiny: Driver) -> None:
    with pytest.raises(ConfigError, match=r"have 32 dimensions but the vector index product_rec_embedding expects 64"):
        put(tiny, ["tiny:A"], np.zeros((1, 32)))
    with pytest.raises(ValueError, match="Product.textEmbedding is not a model embedding property"):
        put(tiny, ["tiny:A"], np.zeros((1, 384)), prop="textEmbedding")
    with pytest.raises(ValueError, match="Gender.kgeEmbedding is not a model embedding property"):
        put(tiny, ["men"], np.zeros((1, 64)), label="Gender", prop="kgeEmbedding", prefix="kge")
    with pytest.raises(ValueError, match="stamp prefix 'rec' does not belong to kgeEmbedding"):
        put(tiny, ["zephyr"], np.zeros((1, 64)), label="Brand", prop="kgeEmbedding")
    with pytest.raises(ValueError, match="expected 2 vectors"):
        put(tiny, ["tiny:A", "tiny:B"], np.zeros((1, 64)))
    with pytest.raises(ValueError, match="timezone-aware"):
        put(tiny, ["tiny:A"], np.zeros((1, 64)), trained_at=datetime(2024, 7, 1))
    with pytest.raises(ValueError, match="NaN"):
        put(tiny, ["tiny:A"], np.full((1, 64), np.nan))
    assert scalar(tiny, "MATCH (p:Product) WHERE p.recEmbedding IS NOT NULL RETURN count(p)") == 0


def test_stale_embeddings_of_another_version_are_removed(tiny: Driver) -> None:
    vectors = np.eye(64)[:3]
    put(tiny, ["tiny:A", "tiny:B", "tiny:C"], vectors, version="v1")
    put(tiny, ["tiny:A", "tiny:B"], vectors[:2], version="v2", trained_at=TRAINED_AT + timedelta(days=1))
    # Customers are another index: their v1 vector stays.
    put(tiny, ["u1"], vectors[:1], label="Customer", version="v1")
    assert clear_stale_embeddings(tiny, "Product", "recEmbedding", version="v2", stamp_prefix="rec", batch_size=1) == 1
    records, _, _ = tiny.execute_query(
        "MATCH (p:Product) WHERE p.id IN ['tiny:A', 'tiny:B', 'tiny:C'] "
        "RETURN p.id AS id, p.recModelVersion AS version, p.recTrainedAt.day AS day, "
        "p.recEmbedding IS NOT NULL AS has ORDER BY id"
    )
    assert [tuple(r.values()) for r in records] == [
        ("tiny:A", "v2", 2, True),
        ("tiny:B", "v2", 2, True),
        ("tiny:C", None, None, False),
    ]
    assert clear_stale_embeddings(tiny, "Product", "recEmbedding", version="v2", stamp_prefix="rec") == 0
    assert scalar(tiny, "MATCH (c:Customer {id: 'u1'}) RETURN c.recModelVersion") == "v1"


def inferred(driver: Driver) -> list[tuple[object, ...]]:
    records, _, _ = driver.execute_query(
        "MATCH (p:Product)-[r:INFERRED]->(t) "
        "RETURN p.id, r.relation, t.id, r.score, r.rank, r.modelVersion ORDER BY p.id, r.relation, r.rank"
    )
    return [tuple(r.values()) for r in records]


def asserted(driver: Driver) -> list[tuple[object, ...]]:
    records, _, _ = driver.execute_query(
        "MATCH (p:Product)-[r]->(t) WHERE type(r) <> 'INFERRED' "
        "RETURN p.id, type(r), t.id, r.confidence, r.rule ORDER BY p.id, type(r), t.id"
    )
    return [tuple(r.values()) for r in records]


def test_inferred_facts_replace_earlier_ones_and_leave_asserted_facts_alone(tiny: Driver) -> None:
    facts_before = asserted(tiny)
    first = [
        InferredFact("tiny:A", "MADE_OF", "Material", "linen", 0.9, 1),
        InferredFact("tiny:A", "MADE_OF", "Material", "wool", 0.7, 2),
        InferredFact("tiny:B", "HAS_PATTERN", "Pattern", "solid", 0.8, 1),
        InferredFact("tiny:B", "MADE_OF", "Material", "no-such-material", 0.5, 1),
    ]
    assert write_inferred(tiny, first, version="kge@1", trained_at=TRAINED_AT, batch_size=1) == 3
    assert inferred(tiny) == [
        ("tiny:A", "MADE_OF", "linen", 0.9, 1, "kge@1"),
        ("tiny:A", "MADE_OF", "wool", 0.7, 2, "kge@1"),
        ("tiny:B", "HAS_PATTERN", "solid", 0.8, 1, "kge@1"),
    ]
    second = [
        InferredFact("tiny:A", "MADE_OF", "Material", "wool", 0.95, 1),
        InferredFact("tiny:A", "MADE_OF", "Material", "silk", 0.6, 2),
        InferredFact("tiny:A", "HAS_PATTERN", "Pattern", "checked", 0.4, 1),
    ]
    assert write_inferred(tiny, second, version="kge@2", trained_at=TRAINED_AT) == 3
    assert inferred(tiny) == [
        ("tiny:A", "HAS_PATTERN", "checked", 0.4, 1, "kge@2"),
        ("tiny:A", "MADE_OF", "wool", 0.95, 1, "kge@2"),
        ("tiny:A", "MADE_OF", "silk", 0.6, 2, "kge@2"),
        # B was not in this run: its inferred facts stay as they were.
        ("tiny:B", "HAS_PATTERN", "solid", 0.8, 1, "kge@1"),
    ]
    assert scalar(tiny, "MATCH ()-[r:INFERRED]->() RETURN count(r)") == 4
    assert asserted(tiny) == facts_before

    with pytest.raises(ValueError, match="'LISTED_AS' is not a fact relation"):
        write_inferred(
            tiny, [InferredFact("tiny:A", "LISTED_AS", "SourceCategory", "x", 1, 1)], version="v", trained_at=NOW
        )
    with pytest.raises(ValueError, match="MADE_OF points at Material, not Pattern"):
        write_inferred(tiny, [InferredFact("tiny:A", "MADE_OF", "Pattern", "solid", 1, 1)], version="v", trained_at=NOW)


def test_model_runs_are_recorded_once_per_version(driver: Driver) -> None:
    params = {"dim": np.int64(64), "lr": 0.01, "layers": [1, 2]}
    record_model_run(driver, "rec@1", "recommender", TRAINED_AT, 7, params, {"recall@10": np.float32(0.25)})
    record_model_run(driver, "rec@1", "recommender", TRAINED_AT, 7, params, {"recall@10": 0.5})
    records, _, _ = driver.execute_query(
        "MATCH (m:ModelRun) RETURN m.id AS id, m.kind AS kind, m.trainedAt AS at, m.seed AS seed, "
        "m.params AS params, m.metrics AS metrics"
    )
    assert len(records) == 1
    run = records[0]
    assert (run["id"], run["kind"], run["at"].to_native(), run["seed"]) == ("rec@1", "recommender", TRAINED_AT, 7)
    assert json.loads(run["params"]) == {"dim": 64, "layers": [1, 2], "lr": 0.01}
    assert json.loads(run["metrics"]) == {"recall@10": 0.5}
    with pytest.raises(ValueError, match="model kind must be one of recommender, kge"):
        record_model_run(driver, "x", "gnn", TRAINED_AT, 0, {}, {})


# --- the real H&M subset ------------------------------------------------------------------------


def test_the_hm_subset_reads_into_a_snapshot(driver: Driver, datasets: Path) -> None:
    hm = datasets / "hm"
    ingest_catalog(driver, hm / "articles.csv")
    ingest_customers(driver, hm / "customers.csv")
    ingest_purchases(driver, hm / "transactions.csv")
    started = time.perf_counter()
    snapshot = read_snapshot(driver, purchase_source="hm", with_text=False)
    seconds = time.perf_counter() - started
    print(f"read_snapshot of the H&M subset (no text, no photos): {seconds:.2f} s")
    unknown = scalar(driver, "MATCH (p:Product {inCatalog: false}) RETURN count(p)")
    assert snapshot.num_customers == 682
    assert len(snapshot.purchases) == 15_696
    assert (from_day(int(snapshot.purchases.day.min())), from_day(int(snapshot.purchases.day.max()))) == (
        date(2018, 9, 20),
        date(2020, 9, 22),
    )
    assert int(snapshot.in_catalog.sum()) == 11_800
    assert snapshot.num_products == 11_800 + unknown
    assert len(snapshot.facts["HAS_BRAND"].product) == 11_800
    assert snapshot.term_ids["Brand"] == ["h-m"]
    assert snapshot.image is None
