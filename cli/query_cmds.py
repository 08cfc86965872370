"""``shopgraph query``, ``stats`` and ``reason``: reading the graph and deriving from it."""

from __future__ import annotations

from datetime import datetime

import click

from shopgraph import cypher
from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import json_option, print_json, print_pairs, print_table
from shopgraph.graphstore.core.runner import run_query
from shopgraph.graphstore.core.stats import graph_stats
from shopgraph.graphstore.ingest.reasoning import compute_preferences


def _params(pairs: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected key=value, got {pair!r}", param_hint="--param")
        params[key.strip()] = value
    return params


@click.command()
@click.argument("name", required=False)
@click.option("-p", "--param", "pairs", multiple=True, metavar="KEY=VALUE", help="A query parameter (repeatable).")
@click.option("--list", "list_queries", is_flag=True, help="List the available queries and their parameters.")
@json_option
def query(name: str | None, pairs: tuple[str, ...], list_queries: bool, as_json: bool) -> None:
    """Run a named analyst query from cypher/ (read-only).

    \b
    Examples:
      shopgraph query --list
      shopgraph query top_brands --param category=footwear --param limit=5
      shopgraph query product_facts -p productId=myntra:15970 --json
    """
    if list_queries or not name:
        queries = [q for q in cypher.available() if q.mode == "read"]
        if as_json:
            print_json(
                [
                    {"name": q.name, "purpose": q.purpose, "params": q.params, "returns": q.returns, "needs": q.needs}
                    for q in queries
                ]
            )
            return
        rows = [
            {
                "query": q.name,
                "purpose": q.purpose.split(". ")[0].rstrip("."),
                "parameters": ", ".join(f"{p.name}{'' if p.required else '?'}:{p.type}" for p in q.params),
            }
            for q in queries
        ]
        print_table(rows, title="Named queries (shopgraph query NAME -p key=value)")
        return
    config = settings()
    with driver(config) as handle:
        result = run_query(handle, name, _params(pairs), config.database)
    if as_json:
        print_json(result.rows)
    else:
        print_table(result.rows, result.columns, title=f"{name}: {len(result.rows)} rows")


@click.command()
@json_option
def stats(as_json: bool) -> None:
    """Count every node label and relationship type in the graph.

    \b
    Example:
      shopgraph stats
    """
    config = settings()
    with driver(config) as handle:
        result = graph_stats(handle, config.database)
    if as_json:
        print_json({"labels": result.labels, "relationships": result.relationships})
        return
    print_table([{"label": k, "nodes": v} for k, v in sorted(result.labels.items())], title="Nodes")
    print_table(
        [{"type": k, "relationships": v} for k, v in sorted(result.relationships.items())], title="Relationships"
    )


@click.group()
def reason() -> None:
    """Derive knowledge from the graph (customers' preferences)."""


@reason.command()
@click.option(
    "--half-life",
    default=90.0,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Days after which a purchase counts half.",
)
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Reference date (default: the latest purchase)."
)
@click.option(
    "--min-confidence",
    default=0.5,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Ignore facts less sure than this.",
)
@click.option(
    "--min-support", default=1, show_default=True, type=click.IntRange(1), help="Purchases needed behind a preference."
)
@json_option
def preferences(
    half_life: float, as_of: datetime | None, min_confidence: float, min_support: int, as_json: bool
) -> None:
    """Recompute customers' PREFERS relationships from their purchases, weighted by recency.

    \b
    Example:
      shopgraph reason preferences --half-life 60
      shopgraph query customer_profile -p customerId=<id>
    """
    config = settings()
    with driver(config) as handle:
        report = compute_preferences(
            handle, half_life, as_of.date() if as_of else None, min_confidence, min_support, config.database
        )
    if as_json:
        print_json(report)
    else:
        print_pairs(
            {
                "customers": report.customers,
                "preferences": report.preferences,
                "half-life (days)": report.half_life_days,
                "as of": report.as_of or "latest purchase",
            },
            title="Preferences",
        )
