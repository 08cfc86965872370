"""Entry point: the ``shopgraph`` group and the one place where errors become messages and exit codes."""

from __future__ import annotations

from typing import Any

import click

from shopgraph.cli import (
    ask_cmd,
    browser_cmd,
    db_cmds,
    demo_cmd,
    ingest_cmds,
    model_cmds,
    neo4j_cmds,
    query_cmds,
    recommend_cmds,
    vision_cmds,
    vision_graph_cmds,
)
from shopgraph.cli.render import err_console
from shopgraph.graphstore.core.errors import ShopgraphError


class ShopgraphGroup(click.Group):
    """Turns library errors into a one-line message and the error's exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ShopgraphError as e:
            err_console.print(f"[bold red]error:[/] {e}", highlight=False)
            ctx.exit(e.exit_code)


@click.group(cls=ShopgraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shopgraph")
def cli() -> None:
    """shopgraph: a product knowledge graph in Neo4j, built from retail catalogs and purchases.

    \b
    Start here:
      shopgraph demo                 install and start Neo4j, load the sample, show stats
      shopgraph stats                counts of every label and relationship type
      shopgraph query --list         the analyst queries you can run

    Settings come from NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD, SHOPGRAPH_HOME and
    ./shopgraph.toml; with no NEO4J_URI, shopgraph runs its own local Neo4j.
    """


cli.add_command(neo4j_cmds.neo4j)
cli.add_command(db_cmds.db)
cli.add_command(ingest_cmds.ingest)
cli.add_command(query_cmds.query)
cli.add_command(query_cmds.stats)
cli.add_command(query_cmds.reason)
cli.add_command(demo_cmd.demo)
cli.add_command(browser_cmd.browser_cmd)
ingest_cmds.ingest.add_command(vision_graph_cmds.images)
cli.add_command(vision_graph_cmds.similar)
cli.add_command(vision_cmds.vision)
cli.add_command(recommend_cmds.recommend_cmd)
cli.add_command(recommend_cmds.explain_cmd)
cli.add_command(ask_cmd.ask)
cli.add_command(model_cmds.train)
cli.add_command(model_cmds.evaluate)


def main() -> None:
    cli(prog_name="shopgraph")
