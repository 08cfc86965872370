"""``shopgraph db ...``: the schema."""

from __future__ import annotations

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import json_option, print_json, print_pairs
from shopgraph.graphstore.core.schema import MIGRATIONS, init_schema


@click.group()
def db() -> None:
    """The graph schema: constraints, indexes and the shared vocabulary."""


@db.command()
@json_option
def init(as_json: bool) -> None:
    """Create constraints and indexes (versioned migrations) and seed the vocabulary.

    Idempotent: run it as often as you like; only new migrations are applied.

    \b
    Example:
      shopgraph db init
    """
    config = settings()
    with driver(config) as handle:
        report = init_schema(handle, config.database)
    if as_json:
        print_json(report)
        return
    applied = ", ".join(f"{v} ({MIGRATIONS[v - 1].name})" for v in report.applied) or "none (up to date)"
    print_pairs(
        {
            "schema version": report.version,
            "migrations applied now": applied,
            "vocabulary terms": report.vocabulary_terms,
        },
        title="Schema",
    )
