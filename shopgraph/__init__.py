"""shopgraph: an AI shopping guide built around a product knowledge graph in Neo4j.

The Python API, for scripts and notebooks (the ``shopgraph`` command is a thin layer over it)::

    import shopgraph

    settings = shopgraph.load_settings()            # environment, shopgraph.toml, defaults
    driver = shopgraph.connect(settings)            # an open neo4j.Driver; pass it to everything
    shopgraph.init_schema(driver)                   # constraints, indexes, vocabulary
    shopgraph.ingest_catalog(driver, "styles.csv")  # a retailer's catalog into the graph
    shopgraph.analyse_photo("photo.jpg")            # garments, their category and colour, vectors
    shopgraph.recommend(driver, customer_id, k=5)   # products with the reasons behind them
    shopgraph.fitting_room(driver, product_id)      # complete looks, written back as Outfit nodes
    shopgraph.run_query(driver, "top_brands", {"category": "footwear"})

Names are imported on first use, so ``import shopgraph`` stays light: the vision and relational
plugins load torch only when one of their functions is called. The subpackages are the design's
plugins: :mod:`shopgraph.graphstore` (graph core, ingestion, local server, Browser guide),
:mod:`shopgraph.cypher` (every Cypher statement), :mod:`shopgraph.vision`,
:mod:`shopgraph.relational`, :mod:`shopgraph.assistant`, :mod:`shopgraph.outfits` (the fitting room)
and :mod:`shopgraph.cli`.
docs/python-api.md documents each function.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> module that defines it
_API: dict[str, str] = {
    "Settings": "shopgraph.graphstore.core.config",
    "load_settings": "shopgraph.graphstore.core.config",
    "connect": "shopgraph.graphstore.core.connection",
    "init_schema": "shopgraph.graphstore.core.schema",
    "graph_stats": "shopgraph.graphstore.core.stats",
    "run_query": "shopgraph.graphstore.core.runner",
    "ShopgraphError": "shopgraph.graphstore.core.errors",
    "ingest_catalog": "shopgraph.graphstore.ingest.loader",
    "ingest_customers": "shopgraph.graphstore.ingest.loader",
    "ingest_purchases": "shopgraph.graphstore.ingest.loader",
    "compute_preferences": "shopgraph.graphstore.ingest.reasoning",
    "resolve_input": "shopgraph.graphstore.ingest.loader",
    "bulk_import": "shopgraph.graphstore.ingest.bulk",
    "dump_database": "shopgraph.graphstore.server.admin",
    "load_database": "shopgraph.graphstore.server.admin",
    "ingest_images": "shopgraph.vision.ingest",
    "analyse_photo": "shopgraph.vision.analyse",
    "list_customers": "shopgraph.graphstore.core.customers",
    "recommend": "shopgraph.relational.recommend",
    "cold_start": "shopgraph.relational.recommend",
    "similar": "shopgraph.relational.recommend",
    "explain": "shopgraph.relational.recommend",
    "train_models": "shopgraph.relational.pipeline",
    "evaluate_models": "shopgraph.relational.pipeline",
    "ask": "shopgraph.assistant.answer",
    "fitting_room": "shopgraph.outfits.fitting_room",
}

__all__ = [
    "analyse_photo",
    "list_customers",
    "Settings",
    "ShopgraphError",
    "ask",
    "bulk_import",
    "cold_start",
    "compute_preferences",
    "connect",
    "dump_database",
    "evaluate_models",
    "explain",
    "fitting_room",
    "graph_stats",
    "ingest_catalog",
    "ingest_customers",
    "ingest_images",
    "ingest_purchases",
    "init_schema",
    "load_database",
    "load_settings",
    "recommend",
    "resolve_input",
    "run_query",
    "similar",
    "train_models",
]

if TYPE_CHECKING:
    from shopgraph.assistant.answer import ask
    from shopgraph.graphstore.core.config import Settings, load_settings
    from shopgraph.graphstore.core.connection import connect
    from shopgraph.graphstore.core.customers import list_customers
    from shopgraph.graphstore.core.errors import ShopgraphError
    from shopgraph.graphstore.core.runner import run_query
    from shopgraph.graphstore.core.schema import init_schema
    from shopgraph.graphstore.core.stats import graph_stats
    from shopgraph.graphstore.ingest.bulk import bulk_import
    from shopgraph.graphstore.ingest.loader import ingest_catalog, ingest_customers, ingest_purchases, resolve_input
    from shopgraph.graphstore.ingest.reasoning import compute_preferences
    from shopgraph.graphstore.server.admin import dump_database, load_database
    from shopgraph.outfits.fitting_room import fitting_room
    from shopgraph.relational.pipeline import evaluate_models, train_models
    from shopgraph.relational.recommend import cold_start, explain, recommend, similar
    from shopgraph.vision.analyse import analyse_photo
    from shopgraph.vision.ingest import ingest_images


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'shopgraph' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
