"""``shopgraph recommend``: products for a customer, each with the reasons from the graph.

The recommender's library (:mod:`relational.recommend`) is imported inside the command.
"""

from __future__ import annotations

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import json_option, print_json, print_recommendations
from shopgraph.graphstore.core.defaults import RECOMMEND


@click.command(name="recommend")
@click.argument("customer", required=False)
@click.option("-k", "k", type=click.IntRange(1), default=RECOMMEND.k, show_default=True, help="Products to recommend.")
@click.option(
    "--keep-purchased/--drop-purchased",
    default=None,
    help="Keep or leave out products the customer has bought. Default: kept in the trained list, left out otherwise.",
)
@click.option(
    "--live",
    is_flag=True,
    help="Rank at query time from the recommender's vectors and preferences, not the list `train` wrote.",
)
@click.option(
    "--per-category",
    type=click.IntRange(1),
    default=RECOMMEND.per_category,
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
    keep_purchased: bool | None,
    live: bool,
    per_category: int,
    cold: bool,
    brands: tuple[str, ...],
    colours: tuple[str, ...],
    categories: tuple[str, ...],
    as_json: bool,
) -> None:
    """Recommend products to a customer, each with the reasons from the graph.

    Served from the graph: the list `shopgraph train` wrote as RECOMMENDED (the learned ranker's
    best candidates, each with the sources that proposed it and the reasons that drove its score).
    A customer new since training, or --live, is ranked at query time instead: the products nearest
    the customer's recommender vector, re-ranked by their preferences (brand, category, colour,
    style), availability and diversity across categories, products they bought left out unless
    --keep-purchased; without a vector, by preferences alone. The output says which. With
    --cold-start, a new customer states brands, colours and categories instead (ids, names or
    synonyms; colours match their family, categories their subcategories).

    \b
    Examples:
      shopgraph customers list --limit 3
      shopgraph recommend $(shopgraph customers list --limit 1 --ids) -k 5
      shopgraph recommend b9009217e85bbbbdfc84de48bba9b58514332d00475c7004c68867e1c49f72f9 --keep-purchased --json
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
    from shopgraph.relational.recommend import cold_start, recommend

    config = settings()
    with driver(config) as handle:
        if customer:
            result = recommend(
                handle, customer, k, keep_purchased, per_category, served=not live, database=config.database
            )
        else:
            result = cold_start(handle, brands, colours, categories, k, per_category, database=config.database)
    if as_json:
        print_json(result)
        return
    print_recommendations(result)
