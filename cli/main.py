"""Entry point: the ``shopgraph`` group and the one place where errors become messages and exit codes.

Each command group or top-level command lives in the file named for it: ``shopgraph ingest ...``
in :mod:`cli.ingest_cmds`, ``shopgraph similar`` in :mod:`cli.similar_cmd`, and so on. Those
files import the plugins (vision, relational, the assistant: torch, Ultralytics, OpenCV) inside
the command functions only, so ``shopgraph --help`` and the plain graph commands start fast and
never load them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NoReturn

import click

from shopgraph.cli import (
    ask_cmd,
    audit_cmd,
    browser_cmd,
    customers_cmds,
    db_cmds,
    demo_cmd,
    evaluate_cmd,
    explain_cmd,
    ingest_cmds,
    neo4j_cmds,
    outfit_cmd,
    privacy_cmds,
    query_cmd,
    reason_cmds,
    recommend_cmd,
    serve_cmd,
    similar_cmd,
    stats_cmd,
    train_cmd,
    vision_cmds,
)
from shopgraph.cli.render import err_console
from shopgraph.graphstore.core.errors import ShopgraphError

EXIT_USAGE = 2
"""Exit code of a usage error: an unknown command or option, a bad option or ``-p`` value."""

_JSON = "shopgraph.json"


class ShopgraphGroup(click.Group):
    """Turns library errors into a one-line message and the error's exit code.

    With ``--json`` anywhere on the command line, an error (a library error or a usage error) is
    printed on stdout as one JSON object, ``{"error": "<message>", "exit_code": <code>}``, instead
    of a line on stderr: stdout then always holds exactly one JSON document, the result or the error.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if ctx.parent is None:
            options = args[: args.index("--")] if "--" in args else args
            ctx.meta[_JSON] = "--json" in options
        return super().parse_args(ctx, args)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ShopgraphError as e:
            _fail(ctx, str(e), e.exit_code)
        except click.ClickException as e:
            if not ctx.meta.get(_JSON):
                raise
            _fail(ctx, e.format_message(), e.exit_code)


def _fail(ctx: click.Context, message: str, exit_code: int) -> NoReturn:
    if ctx.meta.get(_JSON):
        click.echo(json.dumps({"error": message, "exit_code": exit_code}, ensure_ascii=False))
    else:
        err_console.print(f"[bold red]error:[/] {message}", highlight=False)
    ctx.exit(exit_code)


@click.group(cls=ShopgraphGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="shopgraph")
def cli() -> None:
    """shopgraph: a product knowledge graph in Neo4j, built from retail catalogs and purchases.

    \b
    Start here:
      shopgraph demo                 install and start Neo4j, load the sample, show stats
      shopgraph stats                counts of every label and relationship type
      shopgraph customers list       customer ids, to try `recommend` and `explain` with
      shopgraph query --list         the analyst queries you can run

    Settings come from NEO4J_URI / NEO4J_USER / NEO4J_PASSWORD, SHOPGRAPH_HOME and
    shopgraph.toml; with no NEO4J_URI, shopgraph runs its own local Neo4j, whose home is the
    .shopgraph folder in the current folder or the nearest folder above it that has one.

    Errors go to stderr as one line, with an exit code (2: usage, 4: no server, 7: query, ...);
    with --json, as a JSON object {"error": ..., "exit_code": ...} on stdout instead.
    """


_COMMANDS: Sequence[click.Command] = (
    neo4j_cmds.neo4j,
    db_cmds.db,
    ingest_cmds.ingest,
    query_cmd.query,
    stats_cmd.stats,
    reason_cmds.reason,
    customers_cmds.customers,
    demo_cmd.demo,
    browser_cmd.browser_cmd,
    similar_cmd.similar,
    vision_cmds.vision,
    recommend_cmd.recommend_cmd,
    explain_cmd.explain_cmd,
    ask_cmd.ask,
    serve_cmd.serve_cmd,
    train_cmd.train,
    evaluate_cmd.evaluate,
    outfit_cmd.outfit,
    outfit_cmd.evaluate_outfits_cmd,
    privacy_cmds.privacy,
    audit_cmd.audit,
)
for _command in _COMMANDS:
    cli.add_command(_command)


def main() -> None:
    cli(prog_name="shopgraph")
