"""``shopgraph demo``: the first command a newcomer runs."""

from __future__ import annotations

import click

from shopgraph.cli.common import settings
from shopgraph.cli.render import console, json_option, print_json, print_table, spinner
from shopgraph.demo import run_demo


@click.command()
@json_option
def demo(as_json: bool) -> None:
    """Set up everything and load the shipped sample of real Myntra and H&M data.

    Installs and starts the local Neo4j (unless NEO4J_URI names a server), creates
    the schema, loads 300 Myntra products, 642 H&M articles, 60 customers and
    their 2,239 purchases, derives their preferences, and prints graph statistics,
    the Browser URL and three queries to paste into Browser. Safe to run again.

    \b
    Example:
      shopgraph demo
    """
    config = settings()
    with spinner("shopgraph demo") as update:
        report = run_demo(config, progress=update)
    if as_json:
        print_json(report)
        return
    print_table(
        [
            {
                "file": r.file.rsplit("/", 1)[-1],
                "kind": r.kind,
                "loaded": r.loaded,
                "rejected": r.rejected,
                "nodes created": r.write.nodes_created,
                "relationships created": r.write.relationships_created,
            }
            for r in report.ingests
        ],
        title="Loaded",
    )
    print_table([{"label": k, "nodes": v} for k, v in sorted(report.stats.labels.items())], title="Nodes")
    print_table(
        [{"type": k, "relationships": v} for k, v in sorted(report.stats.relationships.items())], title="Relationships"
    )
    if report.browser_url:
        console.print(
            f"\nNeo4j Browser: [bold]{report.browser_url}[/]  user [bold]neo4j[/], "
            f"password: the file {config.password_file}"
        )
    # Plain echo: rich would wrap long lines and break the Cypher when pasted.
    click.echo("\nPaste these into Browser:\n")
    for title, text in report.examples:
        click.echo(f"// {title}\n{text}\n")
