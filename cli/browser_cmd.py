"""``shopgraph browser``: Neo4j Browser with the shopgraph guide and style sheet."""

from __future__ import annotations

from pathlib import Path

import click

from shopgraph.cli.common import settings
from shopgraph.cli.render import info, json_option, print_json, print_pairs
from shopgraph.graphstore.browser import guide as browser
from shopgraph.graphstore.browser import guide_server


def _render(setup: browser.BrowserSetup, as_json: bool) -> None:
    if as_json:
        print_json(setup)
        return
    print_pairs(
        {
            "Neo4j Browser": setup.browser_url or "your server's Browser (NEO4J_URI is set)",
            "connect to": setup.bolt_uri,
            "user": setup.user,
            "password": f"in {setup.password_from}",
        }
    )
    # Plain echo: rich would wrap the long lines and break them when pasted.
    if setup.open_url:
        click.echo("\nOpen this link (connect form filled in, the guide in the sidebar):\n")
        click.echo(f"  {setup.open_url}")
    click.echo("\nOr, once connected, run these in Browser's editor:\n")
    click.echo(f"  {setup.style_command}")
    click.echo(f"  {setup.guide_command}")
    click.echo(f"\n({setup.play_command} shows the guide in the stream instead of the sidebar.)")


@click.command("browser")
@click.option("--serve", is_flag=True, help="Serve the guide and style sheet on localhost until Ctrl-C.")
@click.option(
    "--port", default=browser.DEFAULT_PORT, show_default=True, help="Port the guide is served on (the URLs name it)."
)
@click.option(
    "--write",
    "write_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write guide.html and shopgraph.grass into this folder instead (docs/browser in the repository).",
)
@json_option
def browser_cmd(serve: bool, port: int, write_dir: Path | None, as_json: bool) -> None:
    """Explore the graph in Neo4j Browser with the shopgraph guide and style sheet.

    Prints the Browser URL, the user, where the password is, and the commands that load the
    style sheet (:style: each label its colour, products their names) and the guide (:guide in
    the sidebar, :play in the stream): every library query with its purpose, its parameters set
    to demo values, and a run button. Browser fetches both from http://localhost:PORT, which
    --serve answers (Neo4j allows localhost by default, a Docker server too). The guide is built
    from cypher/ on every fetch.

    \b
    Example:
      shopgraph browser --serve
      shopgraph browser --write docs/browser
    """
    if write_dir is not None and serve:
        raise click.UsageError("--write and --serve exclude each other: write the files, or serve them")
    config = settings()
    if write_dir is not None:
        paths = browser.write_guide(write_dir, port)
        if as_json:
            print_json(paths)
        else:
            for path in paths:
                click.echo(path)
        return
    if not serve:
        setup = browser.browser_setup(config, port)
        _render(setup, as_json)
        option = "" if port == browser.DEFAULT_PORT else f" --port {port}"
        info(f"\nNothing serves these URLs yet: run `shopgraph browser --serve{option}`.")
        return
    server = guide_server.start_guide_server(config, port)
    try:
        _render(server.setup, as_json)
        info(f"\nServing the guide and style sheet on {server.setup.base_url}; Ctrl-C stops.")
        server.wait()
    except KeyboardInterrupt:
        info("stopped")
    finally:
        server.close()
