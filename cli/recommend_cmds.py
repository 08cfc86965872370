"""``shopgraph recommend`` and ``shopgraph explain``: recommendations with their reasons.

``shopgraph similar`` (in :mod:`cli.vision_graph_cmds`) renders catalog similarity with
:func:`print_similar` from here.
"""

from __future__ import annotations

from collections.abc import Sequence

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import info, json_option, print_json, print_table
from shopgraph.relational.recommend import Recommendations, SimilarProduct, cold_start, explain, recommend


@click.command(name="recommend")
@click.argument("customer", required=False)
@click.option("-k", "k", type=click.IntRange(1), default=10, show_default=True, help="Products to recommend.")
@click.option("--keep-purchased", is_flag=True, help="Also recommend products the customer has bought (repurchases).")
@click.option(
    "--per-category",
    type=click.IntRange(1),
    default=3,
    show_default=True,
    help="At most this many products of one leaf category.",
)
@click.option(
    "--cold-start", "cold", is_flag=True, help="For a new customer: rank by the stated --brand/--colour/--category."
)
@click.option("--brand", "brands", multiple=True, metavar="BRAND", help="With --cold-start: a brand (repeatable).")
@click.option(
    "--colour", "--color", "colours", multiple=True, metavar="COLOUR", help="With --cold-start: a colour (repeatable)."
)
@click.option(
    "--category", "categories", multiple=True, metavar="CATEGORY", help="With --cold-start: a category (repeatable)."
)
@json_option
def recommend_cmd(
    customer: str | None,
    k: int,
    keep_purchased: bool,
    per_category: int,
    cold: bool,
    brands: tuple[str, ...],
    colours: tuple[str, ...],
    categories: tuple[str, ...],
    as_json: bool,
) -> None:
    """Recommend products to a customer, each with the reasons from the graph.

    Candidates come from the recommender's vectors (nearest products to the customer's), re-ranked
    by the customer's preferences (brand, category, colour, style), availability and diversity
    across categories; products they bought are left out unless --keep-purchased. A customer the
    recommender has not scored is ranked by preferences alone, and the output says so. With
    --cold-start, a new customer states brands, colours and categories instead (ids, names or
    synonyms; colours match their family, categories their subcategories).

    \b
    Examples:
      shopgraph recommend 0a1b2c3d -k 5
      shopgraph recommend 0a1b2c3d --keep-purchased --json
      shopgraph recommend --cold-start --brand puma --colour red --category shoes
    """
    stated = brands or colours or categories
    if cold and customer:
        raise click.UsageError("give either CUSTOMER or --cold-start, not both")
    if cold and not stated:
        raise click.UsageError("--cold-start needs at least one --brand, --colour or --category")
    if not cold and not customer:
        raise click.UsageError("give a CUSTOMER id, or --cold-start with --brand/--colour/--category")
    if not cold and stated:
        raise click.UsageError("--brand, --colour and --category describe a new customer: add --cold-start")
    config = settings()
    with driver(config) as handle:
        if customer:
            result = recommend(handle, customer, k, keep_purchased, per_category, database=config.database)
        else:
            result = cold_start(handle, brands, colours, categories, k, per_category, database=config.database)
    if as_json:
        print_json(result)
        return
    _print_recommendations(result)


def _print_recommendations(result: Recommendations) -> None:
    if result.note:
        info(result.note)
    who = f"customer {result.customer}" if result.customer else "a new customer"
    rows = [
        {
            "product": r.product,
            "name": r.name,
            "brand": r.brand,
            "category": r.category,
            "score": r.score,
            "reasons": "\n".join(r.reasons),
        }
        for r in result.items
    ]
    print_table(rows, list(rows[0]) if rows else ["product"], title=f"Recommended for {who} ({result.source})")


@click.command(name="explain")
@click.argument("customer")
@click.argument("product")
@json_option
def explain_cmd(customer: str, product: str, as_json: bool) -> None:
    """Explain why a product suits a customer: the graph paths that justify it, strongest first.

    Shared facts with their purchases ("you bought 3 Denim items"), a purchase of the same
    category and colour, a purchase whose photo looks alike, the recommender's score, and other
    customers who bought the same things.

    \b
    Example:
      shopgraph explain 0a1b2c3d hm:0706016001
    """
    config = settings()
    with driver(config) as handle:
        result = explain(handle, customer, product, database=config.database)
    if as_json:
        print_json(result)
        return
    rows = [
        {"kind": r.kind, "reason": r.text, "evidence": list(r.evidence), "strength": r.strength} for r in result.reasons
    ]
    if not rows:
        info(f"nothing in the graph links customer {customer} to product {product}")
        return
    print_table(rows, title=f"Why {product} for customer {customer}")


def print_similar(product: str, by: str, items: Sequence[SimilarProduct]) -> None:
    """The table of ``shopgraph similar PRODUCT``, one row per similar product with its reasons."""
    if not items:
        info(f"no product similar to {product} by {by}")
        return
    rows = [
        {
            "product": s.product,
            "name": s.name,
            "category": s.category,
            "score": s.score,
            "embedding": s.embedding,
            "attributes": s.attributes,
            "reasons": "\n".join(s.reasons),
        }
        for s in items
    ]
    print_table(rows, title=f"Similar to {product} (by {by})")
