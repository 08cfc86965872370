"""``shopgraph explain``: why a product suits a customer, the graph paths that justify it.

The recommender's library (:mod:`relational.recommend`) is imported inside the command.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import info, json_option, print_json, print_table
from shopgraph.graphstore.core.defaults import RECOMMEND


def capped(ids: Sequence[str], shown: int = RECOMMEND.explain_shown) -> str:
    """The first ``shown`` of ``ids``, and how many more there are: ``a, b, c, d, e and 78 more``."""
    if len(ids) <= shown:
        return ", ".join(ids)
    return f"{', '.join(ids[:shown])} and {len(ids) - shown} more"


@click.command(name="explain")
@click.argument("customer")
@click.argument("product")
@json_option
def explain_cmd(customer: str, product: str, as_json: bool) -> None:
    """Explain why a product suits a customer: the graph paths that justify it, strongest first.

    Shared facts with their purchases ("you bought 3 Denim items"), a purchase of the same
    category and colour, a purchase whose photo looks alike, the recommender's score, and other
    customers who bought the same things. A reason's evidence lists its first
    few ids and how many more there are; --json lists them all.

    \b
    Example:
      shopgraph explain b9009217e85bbbbdfc84de48bba9b58514332d00475c7004c68867e1c49f72f9 hm:0706016001
    """
    from shopgraph.relational.recommend import explain

    config = settings()
    with driver(config) as handle:
        result = explain(handle, customer, product, database=config.database)
    if as_json:
        print_json(result)
        return
    rows = [
        {"kind": r.kind, "reason": r.text, "evidence": capped(r.evidence), "strength": r.strength}
        for r in result.reasons
    ]
    if not rows:
        info(f"nothing in the graph links customer {customer} to product {product}")
        return
    print_table(rows, title=f"Why {product} for customer {customer}")
