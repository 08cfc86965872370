"""``shopgraph customers ...``: the customers in the graph, to find an id to recommend for."""

from __future__ import annotations

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import info, json_option, print_json


@click.group()
def customers() -> None:
    """The customers in the graph (their ids are long hashes in the H&M data)."""


@customers.command("list")
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="Most customers to list.")
@click.option("--source", default=None, help="Only customers of this source (e.g. hm).")
@click.option("--ids", "ids_only", is_flag=True, help="Print only the ids, one a line (for scripts).")
@json_option
def list_cmd(limit: int, source: str | None, ids_only: bool, as_json: bool) -> None:
    """List customers with their purchases and last purchase, most purchases first.

    \b
    Examples:
      shopgraph customers list --limit 5
      shopgraph recommend $(shopgraph customers list --limit 1 --ids) -k 5
      shopgraph customers list --source hm --json
    """
    if ids_only and as_json:
        raise click.UsageError("--ids and --json exclude each other: print the ids, or the JSON")
    from shopgraph.graphstore.core.customers import list_customers

    config = settings()
    with driver(config) as handle:
        found = list_customers(handle, limit, source, database=config.database)
    if as_json:
        print_json(found)
        return
    if ids_only:
        for customer in found:
            click.echo(customer.id)
        return
    if not found:
        info("no customers in the graph: load some with `shopgraph ingest customers` and `ingest purchases`")
        return
    # Plain echo, not a rich table: an id must stay on one line, whole, to be copied.
    width = max(len("customer"), *(len(c.id) for c in found))
    click.echo(f"{'customer':<{width}}  purchases  products  last purchase  age  source")
    for c in found:
        age = "" if c.age is None else f"{c.age:g}"
        last = c.last_purchase or ""
        click.echo(f"{c.id:<{width}}  {c.purchases:>9}  {c.products:>8}  {last:<13}  {age:>3}  {c.source or ''}")
