"""The demo: from nothing to an explorable graph of real retail data in one call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from shopgraph import cypher
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.connection import connect
from shopgraph.graphstore.core.schema import SchemaReport, init_schema
from shopgraph.graphstore.core.stats import GraphStats, graph_stats
from shopgraph.graphstore.ingest.loader import (
    IngestReport,
    Kind,
    default_rejects_path,
    ingest_catalog,
    ingest_customers,
    ingest_purchases,
)
from shopgraph.graphstore.ingest.reasoning import PreferenceReport, compute_preferences
from shopgraph.graphstore.server import local as server

EXAMPLE_QUERIES = ("explore_customer", "explore_brand", "explore_taxonomy")


@dataclass(frozen=True)
class DemoReport:
    server: server.ServerStatus | None
    schema: SchemaReport
    ingests: list[IngestReport]
    preferences: PreferenceReport
    stats: GraphStats
    browser_url: str | None
    examples: list[tuple[str, str]]


def sample_dir() -> Path:
    """The shipped sample of real Myntra and H&M rows (see its ATTRIBUTION.md)."""
    return Path(str(resources.files("shopgraph.graphstore").joinpath("data", "sample")))


def run_demo(settings: Settings, progress: Callable[[str], None] | None = None) -> DemoReport:
    """Install and start the local Neo4j (unless NEO4J_URI names another), load the sample, derive preferences,
    and load the example policies that ``shopgraph ask`` answers service questions from.

    Returns the graph statistics, the Browser URL and three queries to paste into Browser.

    Raises:
        ShopgraphError: any step's error, unchanged (server, connection, input, write).
    """

    def say(text: str) -> None:
        if progress is not None:
            progress(text)

    status = None
    if settings.is_local:
        server.install(settings, progress)
        status = server.start(settings, progress=progress)
    driver = connect(settings)
    try:
        db = settings.database
        say("creating constraints and indexes")
        schema = init_schema(driver, db)
        sample = sample_dir()
        reports = []
        steps: list[tuple[Kind, Callable[..., IngestReport], str]] = [
            ("catalog", ingest_catalog, "myntra_styles.csv"),
            ("catalog", ingest_catalog, "hm_articles.csv"),
            ("customers", ingest_customers, "hm_customers.csv"),
            ("purchases", ingest_purchases, "hm_transactions.csv"),
        ]
        for kind, ingest, name in steps:
            path = sample / name
            say(f"loading {name}")
            reports.append(
                ingest(
                    driver,
                    path,
                    rejects_path=default_rejects_path(settings.home, kind, path),
                    batch_size=settings.batch_size,
                    database=db,
                )
            )
        say("deriving customers' preferences")
        preferences = compute_preferences(driver, database=db)
        say("loading the shop's policies")
        from shopgraph.assistant.policies import load_policies  # the assistant's data; a plugin, imported only here

        load_policies(driver, database=db)
        stats = graph_stats(driver, db)
    finally:
        driver.close()
    examples = [
        (cypher.load(n).purpose.removeprefix("For Neo4j Browser: "), cypher.load(n).statements[0])
        for n in EXAMPLE_QUERIES
    ]
    return DemoReport(
        status, schema, reports, preferences, stats, settings.browser_url if settings.is_local else None, examples
    )
