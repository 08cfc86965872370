"""Ingestion against the real Neo4j: counts, idempotence, provenance, rejects and failures."""

from pathlib import Path

import pytest
from neo4j import Driver

from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.connection import connect
from shopgraph.graphstore.core.errors import ConnectionFailed, WriteFailed
from shopgraph.graphstore.core.runner import BatchWriter
from shopgraph.graphstore.core.schema import MIGRATIONS, apply_migrations
from shopgraph.graphstore.core.stats import graph_stats
from shopgraph.graphstore.ingest.loader import ingest_catalog, ingest_customers, ingest_purchases

from .conftest import DATA, SAMPLE, free_port


def load_sample(driver: Driver) -> list:
    return [
        ingest_catalog(driver, SAMPLE / "myntra_styles.csv"),
        ingest_catalog(driver, SAMPLE / "hm_articles.csv"),
        ingest_customers(driver, SAMPLE / "hm_customers.csv"),
        ingest_purchases(driver, SAMPLE / "hm_transactions.csv", batch_size=500),
    ]


def scalar(driver: Driver, query: str, **params: object) -> object:
    records, _, _ = driver.execute_query(query, **params)
    return records[0][0]


def test_schema_migrations_are_recorded_and_applied_once(driver: Driver) -> None:
    assert apply_migrations(driver) == ()
    names = {r["name"] for r in driver.execute_query("SHOW CONSTRAINTS YIELD name")[0]}
    assert {"product_id", "customer_id", "purchased_id", "category_id"} <= names
    assert scalar(driver, "MATCH (m:SchemaMigration) RETURN max(m.version)") == MIGRATIONS[-1].version
    assert scalar(driver, "MATCH (:Category)-[r:SUBCATEGORY_OF]->(:Category) RETURN count(r)") == 114
    assert scalar(driver, "MATCH (c:Colour {id: 'navy-blue'})-[:SHADE_OF]->(f) RETURN f.id") == "blue"
    assert scalar(driver, "MATCH (c:Colour {id: 'red'}) RETURN c.lab") == [42.54, 65.89, 35.71]


def test_sample_loads_with_exact_counts_and_keeps_every_purchase(driver: Driver) -> None:
    reports = load_sample(driver)
    assert [r.loaded for r in reports] == [300, 642, 60, 2239]
    assert [r.rejected for r in reports] == [0, 0, 0, 0]
    assert reports[3].extra == {
        "purchases": 2239,
        "purchasesOfCatalogProducts": 822,
        "purchasesOfUnknownProducts": 1417,
        "unknownProducts": 1235,
        "unknownCustomers": 0,
    }
    stats = graph_stats(driver)
    assert stats.labels["Product"] == 300 + 642 + 1235
    assert stats.labels["Customer"] == 60
    assert stats.relationships["PURCHASED"] == 2239
    assert stats.relationships["HAS_BRAND"] == 942
    assert scalar(driver, "MATCH (p:Product {inCatalog: false}) RETURN count(p)") == 1235
    assert scalar(driver, "MATCH (:Product)-[r:HAS_BRAND]->(:Brand {id: 'h-m'}) RETURN count(r)") == 642


def test_reloading_the_same_input_changes_no_counts(driver: Driver) -> None:
    load_sample(driver)
    before = graph_stats(driver)
    again = load_sample(driver)
    assert [(r.write.nodes_created, r.write.relationships_created, r.write.relationships_deleted) for r in again] == [
        (0, 0, 0)
    ] * 4
    assert graph_stats(driver) == before


def test_purchases_loaded_before_the_catalog_become_catalog_products(driver: Driver) -> None:
    ingest_purchases(driver, SAMPLE / "hm_transactions.csv")
    assert scalar(driver, "MATCH (p:Product {inCatalog: true}) RETURN count(p)") == 0
    ingest_catalog(driver, SAMPLE / "hm_articles.csv")
    assert scalar(driver, "MATCH (p:Product {inCatalog: true}) RETURN count(p)") == 642
    assert scalar(driver, "MATCH (p:Product) RETURN count(p)") == 642 + 1235


def test_every_fact_carries_its_provenance(driver: Driver) -> None:
    ingest_catalog(driver, DATA / "tiny_catalog.csv", source="tiny")
    records, _, _ = driver.execute_query(
        "MATCH (:Product {id: 'tiny:C'})-[r]->(t) RETURN type(r) AS rel, t.id AS target, r.rule AS rule, "
        "r.confidence AS confidence, r.source AS source ORDER BY rel, target"
    )
    rows = [tuple(r.values()) for r in records]
    assert ("MADE_OF", "imitation-leather", "desc:material", 0.85, "tiny:tiny_catalog.csv") in rows
    assert ("HAS_BRAND", "yonder", "column:brand", 1.0, "tiny:tiny_catalog.csv") in rows
    assert ("IN_CATEGORY", "sneakers", "column:category", 1.0, "tiny:tiny_catalog.csv") in rows
    assert (
        scalar(
            driver,
            "MATCH ()-[r:HAS_COLOUR|MADE_OF|IN_CATEGORY]->() WHERE r.rule IS NULL "
            "OR r.confidence IS NULL OR r.source IS NULL RETURN count(r)",
        )
        == 0
    )


def test_facts_the_input_no_longer_states_are_removed(driver: Driver, tmp_path: Path) -> None:
    path = tmp_path / "shop.csv"
    path.write_text("id,name,colour\np1,Plain Tee,Red\n")
    ingest_catalog(driver, path, source="shop")
    path.write_text("id,name,colour\np1,Plain Tee,Blue\n")
    report = ingest_catalog(driver, path, source="shop")
    assert report.write.relationships_deleted == 1
    assert scalar(driver, "MATCH (:Product {id: 'shop:p1'})-[:HAS_COLOUR]->(c) RETURN collect(c.id)") == ["blue"]


def test_bad_rows_go_to_the_report_and_the_rest_loads(driver: Driver, tmp_path: Path) -> None:
    path = tmp_path / "orders.csv"
    path.write_text(
        "date,customer_id,product_id,price,channel\n2024-01-01,u1,p1,1,store\n"
        "2024-02-30,u1,p2,1,store\n2024-01-02,u2,p3,,online\n"
    )
    rejects = tmp_path / "rejects.csv"
    report = ingest_purchases(driver, path, source="shop", rejects_path=rejects)
    assert (report.loaded, report.rejected, report.rejects_file) == (2, 1, str(rejects))
    assert "orders.csv,3,rejected,bad date in 'date': '2024-02-30'" in rejects.read_text()
    assert scalar(driver, "MATCH ()-[r:PURCHASED]->() RETURN count(r)") == 2
    path.write_text("date,customer_id,product_id,price,channel\n2024-01-01,u1,p1,1,store\n")
    report = ingest_purchases(driver, path, source="shop", rejects_path=rejects)
    assert (report.rejected, report.rejects_file, rejects.exists()) == (0, None, False)


def test_a_failing_batch_raises_naming_its_lines_after_earlier_batches_commit(driver: Driver) -> None:
    class Row:
        def __init__(self, line: int) -> None:
            self.line = line

    def work(batch) -> None:
        if batch.records[0].line > 2:
            batch.run("THIS IS NOT CYPHER")
        batch.run("UNWIND $rows AS n MERGE (:Customer {id: 'w' + toString(n)})", rows=[r.line for r in batch.records])

    writer = BatchWriter(driver, batch_size=2)
    with pytest.raises(
        WriteFailed,
        match=r"(?s)writing lines 3-4 failed after retries: Neo.ClientError.Statement.SyntaxError"
        r".*2 earlier rows are committed",
    ):
        writer.write([Row(i) for i in range(1, 6)], work, lambda rows: f"lines {rows[0].line}-{rows[-1].line}")
    assert scalar(driver, "MATCH (c:Customer) WHERE c.id STARTS WITH 'w' RETURN count(c)") == 2


def test_wrong_password_and_unreachable_server_fail_fast_with_the_fix(neo4j_settings: Settings) -> None:
    wrong = neo4j_settings.with_overrides(password="not-the-password")
    with pytest.raises(ConnectionFailed, match="rejected user 'neo4j': wrong user or password"):
        connect(wrong)
    nowhere = neo4j_settings.with_overrides(bolt_port=free_port())
    with pytest.raises(ConnectionFailed, match=r"(?s)cannot reach Neo4j at .* start it with `shopgraph neo4j start`"):
        connect(nowhere, timeout_s=2)
