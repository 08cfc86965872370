"""``shopgraph stats``: the count of every node label and relationship type."""

from __future__ import annotations

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import json_option, print_json, print_table


@click.command()
@json_option
def stats(as_json: bool) -> None:
    """Count every node label and relationship type in the graph.

    \b
    Example:
      shopgraph stats
    """
    from shopgraph.graphstore.core.stats import graph_stats

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
