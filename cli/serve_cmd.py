"""``shopgraph serve``: the shopper's page and its JSON API (:mod:`assistant.serving`) until Ctrl-C.

The assistant (and with it the vision models) is imported inside the command, so that
``shopgraph`` starts fast for everything else.
"""

from __future__ import annotations

from pathlib import Path

import click

from shopgraph.cli.common import driver, model_option, settings
from shopgraph.cli.render import info, json_option, library_chatter_to_stderr, print_json, spinner
from shopgraph.graphstore.core.defaults import SERVE


@click.command("serve")
@click.option("--host", default=SERVE.host, show_default=True, help="Address to listen on (loopback: this machine).")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=SERVE.port, show_default=True, help="Port (0: any free)."
)
@click.option(
    "--public",
    is_flag=True,
    help="Allow a --host other machines can reach. The page has no login: anyone who reaches it can ask.",
)
@model_option
@click.option("-v", "--verbose", is_flag=True, help="Log every request on stderr.")
@json_option
def serve_cmd(host: str, port: int, public: bool, model_path: Path | None, verbose: bool, as_json: bool) -> None:
    """Serve the shopper's page and its JSON API over the graph until Ctrl-C.

    The page (at /) takes a photo (uploaded, or one of the catalog's), draws what the detector
    found in it and shows the catalog products that look like it; answers questions in English or
    Chinese; and shows a customer's recommendations with their reasons. Its JSON API:
    POST /api/ask (question, customer, photo), POST /api/similar (photo), GET /api/similar?product=,
    GET /api/recommend?customer=, GET /api/explain?customer=&product= (docs/ask.md, "Serving").
    The models are loaded once, at the start. It only reads the graph. Photos: JPEG, PNG or WebP,
    at most 8 MB. It listens on 127.0.0.1 only, unless --public. `--json` prints the URL as JSON.

    \b
    Example:
      shopgraph serve
      shopgraph serve --port 8800 -v
      curl -s -F question="what colour is this?" -F photo=@tests/data/images/10008.jpg http://127.0.0.1:8765/api/ask
      shopgraph serve --host 0.0.0.0 --public
    """
    from shopgraph.assistant.serving import start_shop_server

    config = settings()
    with driver(config) as handle:
        with library_chatter_to_stderr(), spinner("loading the models"):
            server = start_shop_server(
                handle,
                host,
                port,
                public=public,
                model_path=model_path,
                log=info if verbose else None,
                database=config.database,
            )
        try:
            if as_json:
                print_json({"url": server.url})
            else:
                click.echo(f"The shopper's page: {server.url}")
            info("Ctrl-C stops.")
            server.wait()
        except KeyboardInterrupt:
            info("stopped")
        finally:
            server.close()
