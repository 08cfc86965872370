"""The Browser guide and style sheet over HTTP, on a loopback port, for Neo4j Browser to fetch.

Browser fetches ``:guide``/``:play``/``:style`` URLs from the analyst's web page, so these are
cross-origin requests: every answer carries CORS headers, and the preflight that ``:play`` sends
for its no-cache request headers is answered. The guide is built again for every request.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from shopgraph.graphstore.browser import guide as browser
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.errors import ServerError, ShopgraphError
from shopgraph.graphstore.core.http_thread import ThreadedServer

_TYPES = {
    f"/{browser.GUIDE_FILE}": "text/html; charset=utf-8",
    f"/{browser.STYLE_FILE}": "text/plain; charset=utf-8",
}


class _Handler(BaseHTTPRequestHandler):
    server: _GuideHTTPServer

    def _cors(self) -> None:
        self.send_header("Access-Control-Allow-Origin", "*")
        self.send_header("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")
        self.send_header("Access-Control-Allow-Headers", self.headers.get("Access-Control-Request-Headers") or "*")
        self.send_header("Cache-Control", "no-cache")

    def do_OPTIONS(self) -> None:  # noqa: N802 (http.server's naming)
        self.send_response(HTTPStatus.NO_CONTENT)
        self._cors()
        self.end_headers()

    def do_GET(self) -> None:  # noqa: N802
        self._answer(with_body=True)

    def do_HEAD(self) -> None:  # noqa: N802
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        path = urlsplit(self.path).path
        status, content_type = HTTPStatus.OK, _TYPES.get(path, "text/plain; charset=utf-8")
        if path == f"/{browser.STYLE_FILE}":
            body = browser.grass().encode()
        elif path == f"/{browser.GUIDE_FILE}":
            try:
                body = browser.guide_html(self.server.base_url).encode()
            except ShopgraphError as e:
                # Browser shows no body of a failed fetch, so the reason comes as a one-slide guide.
                body = browser.slide(
                    f"<h3>The shopgraph guide could not be built</h3>\n<p>{html.escape(str(e))}</p>"
                ).encode()
        else:
            status, body = (
                HTTPStatus.NOT_FOUND,
                f"not found; served here: {browser.GUIDE_FILE}, {browser.STYLE_FILE}\n".encode(),
            )
        self.send_response(status)
        self._cors()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        self.server.requests.append(self.path)


class _GuideHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    base_url: str
    requests: list[str]


@dataclass
class GuideServer(ThreadedServer):
    """A running guide server: its URLs, the paths it has served, and how to stop it (``wait``, ``close``)."""

    httpd: _GuideHTTPServer
    setup: browser.BrowserSetup

    @property
    def requests(self) -> list[str]:
        """Paths requested so far, oldest first."""
        return list(self.httpd.requests)


def start_guide_server(settings: Settings, port: int = browser.DEFAULT_PORT) -> GuideServer:
    """Serve the guide and style sheet on ``127.0.0.1:port`` (0: any free port) in a background thread.

    Returns the server with the ``BrowserSetup`` for its URLs. Stop it with ``close()``. The guide is
    built again for every request, so edits in ``cypher/`` show on the next fetch; if an edit breaks
    it, the guide served is one slide that says why.

    Raises:
        ServerError: the port cannot be bound (in use, or not allowed).
        QueryError: the guide cannot be built now (as ``guide_html``).
    """
    try:
        httpd = _GuideHTTPServer(("127.0.0.1", port), _Handler)
    except OSError as e:
        raise ServerError(
            f"cannot serve the Browser guide on 127.0.0.1:{port}: {e.strerror or e}. "
            "Fix: choose another port with --port."
        ) from e
    bound = int(httpd.server_address[1])
    httpd.base_url = browser.base_url(bound)
    try:
        browser.guide_html(httpd.base_url)  # a broken query file fails the start, not the analyst's first fetch
    except ShopgraphError:
        httpd.server_close()
        raise
    httpd.requests = []
    thread = GuideServer.start_thread(httpd, f"guide-server-{bound}")
    return GuideServer(httpd, thread, browser.browser_setup(settings, bound))


@contextmanager
def serve(settings: Settings, port: int = browser.DEFAULT_PORT) -> Iterator[GuideServer]:
    """``start_guide_server`` as a context manager that stops the server on exit."""
    server = start_guide_server(settings, port)
    try:
        yield server
    finally:
        server.close()
