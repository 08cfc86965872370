"""Load a catalog, customers and purchases into the graph, and derive preferences.

    python examples/load_catalog.py [DATA_DIR]

DATA_DIR holds the files of the shipped sample layout (default: the sample inside the package).
Uses the configured server: the embedded one (`shopgraph neo4j start`) or NEO4J_URI.
"""

from __future__ import annotations

import sys
from pathlib import Path

import shopgraph
from shopgraph.demo import sample_dir


def main(data: Path) -> None:
    settings = shopgraph.load_settings()
    driver = shopgraph.connect(settings)
    try:
        shopgraph.init_schema(driver, database=settings.database)
        for name in ("myntra_styles.csv", "hm_articles.csv"):
            report = shopgraph.ingest_catalog(driver, data / name, database=settings.database)
            print(f"{name}: {report.written} products loaded, {report.rejected} rejected")
        shopgraph.ingest_customers(driver, data / "hm_customers.csv", database=settings.database)
        shopgraph.ingest_purchases(driver, data / "hm_transactions.csv", database=settings.database)
        shopgraph.compute_preferences(driver, database=settings.database)
        stats = shopgraph.graph_stats(driver, database=settings.database)
        print(f"Product nodes: {stats.labels['Product']}, PURCHASED: {stats.relationships['PURCHASED']}")
    finally:
        driver.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else sample_dir())
