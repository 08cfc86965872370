"""``shopgraph query``: the named analyst queries of ``cypher/`` (read-only)."""

from __future__ import annotations

import click

from shopgraph import cypher
from shopgraph.cli.common import driver, parse_params, settings
from shopgraph.cli.render import json_option, print_json, print_table
from shopgraph.graphstore.core.errors import QueryError


@click.command()
@click.argument("name", required=False)
@click.option("-p", "--param", "pairs", multiple=True, metavar="KEY=VALUE", help="A query parameter (repeatable).")
@click.option("--list", "list_queries", is_flag=True, help="List the available queries and their parameters.")
@json_option
def query(name: str | None, pairs: tuple[str, ...], list_queries: bool, as_json: bool) -> None:
    """Run a named analyst query from cypher/ (read-only).

    Parameters are checked against the query's header before anything runs: an unknown name, a
    missing required one or a value of the wrong type is a usage error (exit code 2).

    \b
    Examples:
      shopgraph query --list
      shopgraph query top_brands --param category=footwear --param limit=5
      shopgraph query product_facts -p productId=myntra:10008 --json
      shopgraph query customer_profile -p customerId=$(shopgraph customers list --limit 1 --ids)
    """
    if list_queries or not name:
        queries = [q for q in cypher.available() if q.mode == "read"]
        if as_json:
            print_json(
                [
                    {"name": q.name, "purpose": q.purpose, "params": q.params, "returns": q.returns, "needs": q.needs}
                    for q in queries
                ]
            )
            return
        rows = [
            {
                "query": q.name,
                "purpose": q.summary,
                "parameters": ", ".join(f"{p.name}{'' if p.required else '?'}:{p.type}" for p in q.params),
            }
            for q in queries
        ]
        print_table(rows, title="Named queries (shopgraph query NAME -p key=value)")
        return
    values = parse_params(pairs)
    _check_params(name, values)
    from shopgraph.graphstore.core.runner import run_query

    config = settings()
    with driver(config) as handle:
        result = run_query(handle, name, values, config.database)
    if as_json:
        print_json(result.rows)
    else:
        print_table(result.rows, result.columns, title=f"{name}: {len(result.rows)} rows")


def _check_params(name: str, values: dict[str, str]) -> None:
    """A bad ``-p`` name or value as a usage error (exit code 2), found before connecting.

    An unknown query name is left to :func:`run_query`, which reports it as a query error (7).
    """
    try:
        query = cypher.load(name)
    except QueryError:
        return
    try:
        query.bind(values)
    except QueryError as e:
        raise click.BadParameter(str(e), param_hint="-p/--param") from e
