"""The bulk first load (neo4j-admin import) against the online loader, and dump/load, on real Neo4j servers.

The session's server is loaded online; a second server, in its own home, is bulk-imported from
the same sample files. Both must then give the same statistics and the same rows for every
analyst query of ``cypher/`` (after the same preference reasoning on both).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from neo4j import Driver

from shopgraph import cypher
from shopgraph.cli.main import cli
from shopgraph.graphstore.core.config import Settings, load_settings
from shopgraph.graphstore.core.connection import connect
from shopgraph.graphstore.core.errors import ConfigError, NotEmpty
from shopgraph.graphstore.core.graph_model import IMAGE_EMBEDDING_DIM
from shopgraph.graphstore.core.runner import read, run_query, write
from shopgraph.graphstore.core.stats import graph_stats
from shopgraph.graphstore.ingest.bulk import bulk_import
from shopgraph.graphstore.ingest.loader import (
    ingest_catalog,
    ingest_customers,
    ingest_purchases,
    resolve_input,
)
from shopgraph.graphstore.ingest.reasoning import compute_preferences
from shopgraph.graphstore.server import admin
from shopgraph.graphstore.server import local as server

from .conftest import SAMPLE, free_port

CATALOGS = ("myntra_styles.csv", "hm_articles.csv")


@pytest.fixture(scope="module")
def bulk_settings(tmp_path_factory: pytest.TempPathFactory, neo4j_settings: Settings) -> Iterator[Settings]:
    """A second local server, never started, in its own home (the session's server stays as it is)."""
    home = tmp_path_factory.mktemp("bulk-home")
    settings = load_settings(
        env={
            "SHOPGRAPH_HOME": str(home),
            "SHOPGRAPH_BOLT_PORT": str(free_port()),
            "SHOPGRAPH_HTTP_PORT": str(free_port()),
            "SHOPGRAPH_ROUTING": "1" if neo4j_settings.routing else "0",
        },
        cwd=home,
    )
    server.install(settings)
    try:
        yield settings
    finally:
        server.stop(settings)


@pytest.fixture(scope="module")
def bulk_report(bulk_settings: Settings) -> Any:
    return bulk_import(
        bulk_settings,
        [resolve_input("catalog", SAMPLE / name) for name in CATALOGS],
        resolve_input("customers", SAMPLE / "hm_customers.csv"),
        resolve_input("purchases", SAMPLE / "hm_transactions.csv"),
    )


@pytest.fixture(scope="module")
def bulk_driver(bulk_settings: Settings, bulk_report: Any) -> Iterator[Driver]:
    driver = connect(bulk_settings)
    compute_preferences(driver)
    try:
        yield driver
    finally:
        driver.close()


def load_online(driver: Driver) -> list[Any]:
    reports = [ingest_catalog(driver, SAMPLE / name) for name in CATALOGS]
    reports.append(ingest_customers(driver, SAMPLE / "hm_customers.csv"))
    reports.append(ingest_purchases(driver, SAMPLE / "hm_transactions.csv"))
    compute_preferences(driver)
    return reports


def query_params(driver: Driver) -> dict[str, Any]:
    """Ids of the sample that every query with a required id is asked about."""
    customer = read(
        driver,
        "MATCH (c:Customer)-[r:PURCHASED]->() RETURN c.id AS id, count(r) AS n ORDER BY n DESC, id LIMIT 1",
    )[0]["id"]
    product = read(
        driver,
        "MATCH ()-[r:PURCHASED]->(p:Product {inCatalog: true}) "
        "RETURN p.id AS id, count(r) AS n ORDER BY n DESC, id LIMIT 1",
    )[0]["id"]
    return {
        "customerId": customer,
        "productId": product,
        "embedding": json.dumps([0.1] * IMAGE_EMBEDDING_DIM),
    }


def canonical(rows: list[dict[str, Any]]) -> list[str]:
    # Ties in ORDER BY may come back in either order from two stores: compare as multisets; means summed
    # in another order differ in the last bits, so floats are compared to 12 significant digits.
    return sorted(json.dumps(_rounded(r), sort_keys=True, default=str) for r in rows)


def _rounded(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_rounded(v) for v in value]
    return value


def test_bulk_import_builds_the_graph_the_online_loader_builds(driver: Driver, bulk_driver: Driver) -> None:
    online = load_online(driver)
    assert graph_stats(bulk_driver) == graph_stats(driver)
    stats = graph_stats(bulk_driver)
    assert stats.labels["Product"] == 2177
    assert stats.relationships["PURCHASED"] == 2239
    params = query_params(driver)
    assert query_params(bulk_driver) == params
    compared, differ = 0, {}
    for query in cypher.available():
        if query.mode != "read":
            continue
        names = {p.name for p in query.params}
        given = {k: v for k, v in params.items() if k in names}
        expected = canonical(run_query(driver, query.name, given).rows)
        got = canonical(run_query(bulk_driver, query.name, given).rows)
        if got != expected:
            differ[query.name] = [r for r in got if r not in expected][:2] + [r for r in expected if r not in got][:2]
        compared += 1
    assert differ == {}
    assert compared == 28
    # Every fact with its provenance, property by property.
    facts = "MATCH (p:Product)-[r]->(t) RETURN p.id AS p, type(r) AS rel, t.id AS t, properties(r) AS props"
    assert canonical(read(bulk_driver, facts)) == canonical(read(driver, facts))
    nodes = "MATCH (n) WHERE NOT n:SchemaMigration RETURN labels(n) AS labels, properties(n) AS props"
    assert canonical(read(bulk_driver, nodes)) == canonical(read(driver, nodes))
    assert [r.read for r in online] == [300, 642, 60, 2239]


def test_bulk_report_accounts_for_every_row(bulk_report: Any) -> None:
    assert [(Path(f.file).name, f.read, f.loaded, f.rejected) for f in bulk_report.files] == [
        ("myntra_styles.csv", 300, 300, 0),
        ("hm_articles.csv", 642, 642, 0),
        ("hm_customers.csv", 60, 60, 0),
        ("hm_transactions.csv", 2239, 2239, 0),
    ]
    assert bulk_report.files[-1].extra["purchases"] == 2239
    assert bulk_report.nodes["Product"] == 2177
    assert bulk_report.csv_folder is None
    assert bulk_report.import_peak_rss_bytes > 0 and bulk_report.store_bytes > 0


def test_later_online_loads_merge_into_the_bulk_graph(bulk_driver: Driver) -> None:
    before = graph_stats(bulk_driver)
    report = ingest_purchases(bulk_driver, SAMPLE / "hm_transactions.csv")
    assert (report.write.nodes_created, report.write.relationships_created) == (0, 0)
    assert graph_stats(bulk_driver) == before


def test_a_database_holding_data_is_refused(bulk_settings: Settings, bulk_driver: Driver) -> None:
    with pytest.raises(NotEmpty, match="already holds data"):
        bulk_import(bulk_settings, [resolve_input("catalog", SAMPLE / "hm_articles.csv")])


def test_an_external_server_is_refused(tmp_path: Path) -> None:
    external = load_settings(env={"NEO4J_URI": "neo4j://db.example:7687", "NEO4J_PASSWORD": "x"}, cwd=tmp_path)
    with pytest.raises(ConfigError, match="NEO4J_URI is set"):
        bulk_import(external, [resolve_input("catalog", SAMPLE / "hm_articles.csv")])
    result = CliRunner().invoke(
        cli,
        ["db", "import", "--catalog", str(SAMPLE / "hm_articles.csv"), "--json"],
        env={"NEO4J_URI": "neo4j://db.example:7687", "NEO4J_PASSWORD": "x"},
    )
    assert result.exit_code == 2
    assert json.loads(result.stdout)["exit_code"] == 2


def test_rejected_rows_go_to_the_online_loaders_report(tmp_path_factory: pytest.TempPathFactory) -> None:
    home = tmp_path_factory.mktemp("bulk-rejects")
    catalog = home / "catalog.csv"
    catalog.write_text("id,name,brand\np1,Red shirt,Acme\np2,Blue jeans,Acme\np1,Red shirt again,Acme\n,No id,Acme\n")
    purchases = home / "orders.csv"
    purchases.write_text(
        "date,customer_id,product_id,price,channel\n"
        "2024-01-01,u1,p1,9.5,store\nnot-a-date,u1,p2,9.5,store\n2024-01-02,u2,zz,1.0,online\n"
    )
    settings = load_settings(
        env={
            "SHOPGRAPH_HOME": str(home / ".shopgraph"),
            "SHOPGRAPH_BOLT_PORT": str(free_port()),
            "SHOPGRAPH_HTTP_PORT": str(free_port()),
        },
        cwd=home,
    )
    server.install(settings)
    try:
        report = bulk_import(
            settings,
            [resolve_input("catalog", catalog, source="shop")],
            None,
            resolve_input("purchases", purchases, source="shop"),
        )
        with connect(settings) as check:
            stats = graph_stats(check)
    finally:
        server.stop(settings)
    products, orders = report.files
    assert (products.read, products.loaded, products.rejected) == (4, 2, 2)
    assert (orders.read, orders.loaded, orders.rejected) == (3, 2, 1)
    assert orders.extra == {
        "purchases": 2,
        "purchasesOfCatalogProducts": 1,
        "purchasesOfUnknownProducts": 1,
        "unknownProducts": 1,
        "unknownCustomers": 2,
    }
    assert (stats.labels["Product"], stats.labels["Customer"], stats.relationships["PURCHASED"]) == (3, 2, 2)
    reports = home / ".shopgraph" / "reports"
    assert products.rejects_file == str(reports / "rejects-catalog-catalog.csv")
    assert orders.rejects_file == str(reports / "rejects-purchases-orders.csv")
    text = Path(products.rejects_file).read_text(encoding="utf-8")
    assert (
        "catalog.csv,4,rejected,duplicate product id 'shop:p1': a bulk first load keeps the first row of each id"
        in text
    )


def test_dump_and_load_round_trip(bulk_settings: Settings, bulk_driver: Driver, tmp_path: Path) -> None:
    before = graph_stats(bulk_driver)
    dump = admin.dump_database(bulk_settings, tmp_path / "graph.dump")
    assert dump.restarted and dump.bytes > 0 and dump.path.is_file()
    with pytest.raises(NotEmpty, match="exists already"):
        admin.dump_database(bulk_settings, tmp_path / "graph.dump")
    with connect(bulk_settings) as changed:
        write(changed, "MATCH (c:Customer) DETACH DELETE c")
        assert "Customer" not in graph_stats(changed).labels
    with pytest.raises(NotEmpty, match="--overwrite"):
        admin.load_database(bulk_settings, dump.path)
    loaded = admin.load_database(bulk_settings, dump.path, overwrite=True)
    assert loaded.restarted
    with connect(bulk_settings) as restored:
        assert graph_stats(restored) == before


def test_neo4j_admin_runs_against_the_local_home(bulk_settings: Settings) -> None:
    env = {
        "SHOPGRAPH_HOME": str(bulk_settings.home),
        "SHOPGRAPH_BOLT_PORT": str(bulk_settings.bolt_port),
        "SHOPGRAPH_HTTP_PORT": str(bulk_settings.http_port),
    }
    result = CliRunner().invoke(cli, ["neo4j", "admin", "--json", "--", "--version"], env=env)
    assert result.exit_code == 0, result.output
    run = json.loads(result.stdout)
    assert (run["args"], run["returncode"]) == (["--version"], 0)
    assert "5.26.30" in run["output"]
    result = CliRunner().invoke(cli, ["neo4j", "admin", "--", "database", "nosuchcommand"], env=env)
    assert result.exit_code == 2
    assert "Unmatched argument" in result.stdout
