"""``shopgraph neo4j ...``: the embedded local Neo4j server."""

from __future__ import annotations

import click

from shopgraph.cli.common import driver, parse_params, settings
from shopgraph.cli.render import info, json_option, print_json, print_pairs, print_table, spinner
from shopgraph.graphstore.core.defaults import SERVER
from shopgraph.graphstore.server import local as server


def _show_status(status: server.ServerStatus, as_json: bool) -> None:
    if as_json:
        print_json(status)
        return
    print_pairs(
        {
            "state": status.message,
            "bolt": status.bolt_uri,
            "browser": status.browser_url,
            "home": status.home,
            "version": status.version,
        }
    )


@click.group()
def neo4j() -> None:
    """The local Neo4j server that shopgraph installs and runs for you.

    \b
    Example:
      shopgraph neo4j install && shopgraph neo4j start

    Not used when NEO4J_URI points at another server (Docker, a cluster, Aura).
    """


@neo4j.command()
@json_option
def install(as_json: bool) -> None:
    """Download Neo4j 5.26 Community, Browser and APOC from Maven Central and set the password.

    Safe to run again. The generated password is stored in <home>/neo4j-password,
    readable by you only; set NEO4J_PASSWORD to choose your own.

    \b
    Example:
      shopgraph neo4j install
    """
    with spinner("installing Neo4j") as update:
        report = server.install(settings(), progress=update)
    if as_json:
        print_json(report)
        return
    print_pairs(
        {
            "home": report.home,
            "version": report.version,
            "jars": report.jar_count,
            "APOC": "yes" if report.apoc_present else "no",
            "Browser": "yes" if report.browser_present else "no",
            "password": f"stored in {report.password_file}" if report.password_file else "from NEO4J_PASSWORD",
        },
        title="Neo4j installed",
    )


@neo4j.command()
@click.option(
    "--timeout", default=SERVER.start_timeout_s, show_default=True, help="Seconds to wait for Bolt to answer."
)
@json_option
def start(timeout: float, as_json: bool) -> None:
    """Start the local server in the background and wait until it answers.

    \b
    Example:
      shopgraph neo4j start
    """
    with spinner("starting Neo4j") as update:
        status = server.start(settings(), timeout_s=timeout, progress=update)
    _show_status(status, as_json)
    if not as_json:
        info(f"Neo4j Browser: {status.browser_url} (user neo4j, password in {settings().password_file})")


@neo4j.command()
@click.option("--timeout", default=SERVER.stop_timeout_s, show_default=True, help="Seconds to wait before killing it.")
@json_option
def stop(timeout: float, as_json: bool) -> None:
    """Stop the local server.

    \b
    Example:
      shopgraph neo4j stop
    """
    _show_status(server.stop(settings(), timeout_s=timeout), as_json)


@neo4j.command()
@json_option
def status(as_json: bool) -> None:
    """Whether the local server runs, and where.

    Exit code 0 when it runs, 1 when it does not.

    \b
    Example:
      shopgraph neo4j status --json
    """
    current = server.status(settings())
    _show_status(current, as_json)
    if not current.running:
        raise SystemExit(1)


@neo4j.command()
@click.option("-n", "--lines", default=50, show_default=True, help="How many lines from the end.")
def logs(lines: int) -> None:
    """Print the end of the local server's log.

    \b
    Example:
      shopgraph neo4j logs -n 100
    """
    config = settings()
    for line in server.tail_log(config, lines):
        click.echo(line)
    info(f"(log file: {server.log_path(config)})")


@neo4j.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.argument("args", nargs=-1, type=click.UNPROCESSED, required=True)
@json_option
def admin(args: tuple[str, ...], as_json: bool) -> None:
    """Run neo4j-admin against the local home (its jars, conf and data), with ARGS after `--`.

    The exit code is neo4j-admin's. Commands that need the database offline (database import,
    dump, load, check) need the server stopped first: `shopgraph neo4j stop`; `shopgraph db dump`
    and `db load` do that for you.

    \b
    Example:
      shopgraph neo4j admin -- database info neo4j
      shopgraph neo4j admin -- server memory-recommendation --memory=8g
    """
    from shopgraph.graphstore.server import admin as admin_tool

    run = admin_tool.run_admin(settings(), list(args), check=False)
    if as_json:
        print_json(run)
    else:
        click.echo(run.output, nl=False)
    raise SystemExit(run.returncode)


@neo4j.command()
@click.argument("statement")
@click.option("-p", "--param", "pairs", multiple=True, metavar="KEY=VALUE", help="A parameter (repeatable; strings).")
@click.option("--write", "write_mode", is_flag=True, help="Run it in a write transaction (default: read-only).")
@json_option
def cypher(statement: str, pairs: tuple[str, ...], write_mode: bool, as_json: bool) -> None:
    """Run one Cypher statement, as cypher-shell would, against the configured server.

    Read-only by default (a read transaction, routed to a reader on a cluster); --write runs it
    in a write transaction on the leader. Values go in as $parameters with -p.

    \b
    Example:
      shopgraph neo4j cypher "MATCH (p:Product) RETURN count(p) AS products"
      shopgraph neo4j cypher "MATCH (p:Product {id: \\$id}) RETURN p.name" -p id=hm:0111586001
    """
    from shopgraph.graphstore.core.runner import run_statement

    config = settings()
    with driver(config) as handle:
        result = run_statement(handle, statement, parse_params(pairs), write=write_mode, database=config.database)
    if as_json:
        print_json(result.rows)
    else:
        print_table(result.rows, result.columns, title=f"{len(result.rows)} rows")
