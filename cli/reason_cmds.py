"""``shopgraph reason ...``: knowledge derived from the graph (customers' preferences)."""

from __future__ import annotations

from datetime import datetime

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import json_option, print_json, print_pairs
from shopgraph.graphstore.core.defaults import PREFERENCES


@click.group()
def reason() -> None:
    """Derive knowledge from the graph (customers' preferences)."""


@reason.command()
@click.option(
    "--half-life",
    default=PREFERENCES.half_life_days,
    show_default=True,
    type=click.FloatRange(min=0, min_open=True),
    help="Days after which a purchase counts half.",
)
@click.option(
    "--as-of", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Reference date (default: the latest purchase)."
)
@click.option(
    "--min-confidence",
    default=PREFERENCES.min_confidence,
    show_default=True,
    type=click.FloatRange(0, 1),
    help="Ignore facts less sure than this.",
)
@click.option(
    "--min-support",
    default=PREFERENCES.min_support,
    show_default=True,
    type=click.IntRange(1),
    help="Purchases needed behind a preference.",
)
@json_option
def preferences(
    half_life: float, as_of: datetime | None, min_confidence: float, min_support: int, as_json: bool
) -> None:
    """Recompute customers' PREFERS relationships from their purchases, weighted by recency.

    \b
    Example:
      shopgraph reason preferences --half-life 60
      shopgraph query customer_profile -p customerId=<an id from `shopgraph customers list`>
    """
    from shopgraph.graphstore.ingest.reasoning import compute_preferences

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
