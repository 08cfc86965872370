"""``shopgraph serve``: the shopper's page and its JSON API over HTTP, on loopback unless asked otherwise.

One :class:`~http.server.ThreadingHTTPServer` answers:

======================  ==========================================================================
``GET /``               the page (``assistant/data/shop.html``, ``shop.js``, ``shop.css``)
``POST /api/ask``       ``question``, optional ``customer`` and ``photo``: the :class:`Answer`
``POST /api/similar``   ``photo``, optional ``k``: visual search, every detection with box and outline
``GET /api/similar``    ``product``, optional ``k``: catalog products like it, with reasons
``GET /api/recommend``  ``customer``, optional ``k``: recommendations with reasons
``GET /api/explain``    ``customer``, ``product``: why the product suits the customer
``GET /api/photos``     catalog photos to pick from; ``GET /api/customers``: customers to pick from
``GET /photo``          ``path``: a catalog photo's bytes, only for a path that is an Image node's
======================  ==========================================================================

POST bodies are JSON (a photo as base64) or ``multipart/form-data`` (:mod:`assistant.uploads`
checks them). Errors are JSON ``{"error": ..., "field": ...}`` with a 4xx status naming what is
wrong. Each endpoint calls one method of :class:`assistant.shop_api.ShopApi`, which calls one
library function; its dataclasses become JSON as ``--json`` writes them
(:func:`graphstore.core.jsonable.to_json`).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from neo4j import Driver

from shopgraph.assistant.shop_api import ShopApi
from shopgraph.assistant.uploads import Form, RequestError, body_limit, positive_int, read_form
from shopgraph.graphstore.core.defaults import RECOMMEND, SERVE
from shopgraph.graphstore.core.errors import InputError, QueryError, ServerError, ShopgraphError
from shopgraph.graphstore.core.http_thread import ThreadedServer
from shopgraph.graphstore.core.jsonable import to_json

PAGE_FILES = {
    "/": ("shop.html", "text/html; charset=utf-8"),
    "/shop.js": ("shop.js", "text/javascript; charset=utf-8"),
    "/shop.css": ("shop.css", "text/css; charset=utf-8"),
}
"""The page's files (``assistant/data``) by the path they are served at."""
PHOTO_TYPES = {"jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# The page loads nothing from elsewhere and runs no inline script.
_SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' blob: data:; object-src 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def is_loopback(host: str) -> bool:
    """Whether ``host`` (an address or ``localhost``) is this machine only, unreachable from others."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


Query = dict[str, str]


def _required(query: Query, name: str) -> str:
    value = (query.get(name) or "").strip()
    if not value:
        raise RequestError(f"{name} is required", name)
    return value


def _ask(api: ShopApi, form: Form) -> Any:
    question = form.text("question", required=True) or ""
    return api.ask(question, form.text("customer"), form.photo)


def _similar_photo(api: ShopApi, form: Form) -> Any:
    if form.photo is None:
        raise RequestError("photo is required (a JPEG, PNG or WebP file)", "photo")
    return api.similar_to_photo(form.photo, positive_int(form.text("k"), "k", RECOMMEND.visual_k))


GET_ROUTES: dict[str, Callable[[ShopApi, Query], Any]] = {
    "/api/similar": lambda api, q: api.similar_to_product(
        _required(q, "product"), positive_int(q.get("k"), "k", RECOMMEND.k)
    ),
    "/api/recommend": lambda api, q: api.recommend(
        _required(q, "customer"), positive_int(q.get("k"), "k", RECOMMEND.k)
    ),
    "/api/explain": lambda api, q: api.explain(_required(q, "customer"), _required(q, "product")),
    "/api/photos": lambda api, q: api.sample_photos(positive_int(q.get("limit"), "limit", SERVE.sample_photos)),
    "/api/customers": lambda api, q: api.customers(positive_int(q.get("limit"), "limit", SERVE.sample_photos)),
}
POST_ROUTES: dict[str, Callable[[ShopApi, Form], Any]] = {"/api/ask": _ask, "/api/similar": _similar_photo}


def _not_found_field(message: str) -> str | None:
    """The field a library's "no customer/product with id" names."""
    for field in ("customer", "product"):
        if message.startswith(f"no {field}"):
            return field
    return None


class _Handler(BaseHTTPRequestHandler):
    server: _ShopHTTPServer
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        self._handle("GET")

    def do_POST(self) -> None:  # noqa: N802
        self._handle("POST")

    def _handle(self, method: str) -> None:
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        try:
            self._route(method, parts.path, query)
        except RequestError as e:
            self._error(e.status, str(e), e.field)
        except QueryError as e:
            field = _not_found_field(str(e))
            self._error(HTTPStatus.NOT_FOUND if field else HTTPStatus.BAD_GATEWAY, str(e), field)
        except (InputError, ValueError) as e:
            self._error(HTTPStatus.BAD_REQUEST, str(e), None)
        except ShopgraphError as e:
            self._error(HTTPStatus.INTERNAL_SERVER_ERROR, str(e), None)

    def _route(self, method: str, path: str, query: Query) -> None:
        if method == "GET" and path in PAGE_FILES:
            name, content_type = PAGE_FILES[path]
            self._send(
                HTTPStatus.OK, content_type, resources.files("shopgraph.assistant").joinpath("data", name).read_bytes()
            )
            return
        if method == "GET" and path == "/photo":
            photo = self.server.api.catalog_photo(_required(query, "path"))
            self._send(HTTPStatus.OK, PHOTO_TYPES[photo.kind], photo.data, cache="max-age=3600")
            return
        if method == "GET" and path in GET_ROUTES:
            data = GET_ROUTES[path](self.server.api, query)
        elif method == "POST" and path in POST_ROUTES:
            data = POST_ROUTES[path](self.server.api, self._read_form())
        elif path in GET_ROUTES or path in POST_ROUTES or path in PAGE_FILES or path == "/photo":
            raise RequestError(f"{path} does not answer {method}", None, HTTPStatus.METHOD_NOT_ALLOWED)
        else:
            raise RequestError(f"no such endpoint: {path}", None, HTTPStatus.NOT_FOUND)
        self._send(HTTPStatus.OK, "application/json; charset=utf-8", to_json(data, indent=None).encode())

    def _read_form(self) -> Form:
        length = self.headers.get("Content-Length")
        if length is None or not length.isdigit():
            raise RequestError("the request needs a Content-Length", None, HTTPStatus.LENGTH_REQUIRED)
        limit = body_limit(self.server.max_upload_bytes)
        if int(length) > limit:
            raise RequestError(
                f"the body is {length} bytes; the most accepted is {limit} (a photo of at most "
                f"{self.server.max_upload_bytes} bytes)",
                "photo",
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
            )
        body = self.rfile.read(int(length))
        return read_form(self.headers.get("Content-Type"), body, self.server.max_upload_bytes)

    def _error(self, status: int, message: str, field: str | None) -> None:
        # A refused request's body may be unread: it must not be taken for the next request.
        self.close_connection = True
        body = to_json({"error": message, "field": field}, indent=None).encode()
        self._send(status, "application/json; charset=utf-8", body)

    def _send(self, status: int, content_type: str, body: bytes, cache: str = "no-store") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        if self.close_connection:
            self.send_header("Connection", "close")
        for name, value in _SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base class's name)
        if self.server.log is not None:
            self.server.log(format % args)


class _ShopHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    api: ShopApi
    max_upload_bytes: int
    log: Callable[[str], None] | None


class _ShopHTTPServer6(_ShopHTTPServer):
    address_family = socket.AF_INET6


@dataclass
class ShopServer(ThreadedServer):
    """A running shopper's page: its URL, the API it serves, and how to stop it (``wait``, ``close``)."""

    httpd: _ShopHTTPServer
    api: ShopApi
    url: str

    def close(self) -> None:
        """Stop serving, release the port and the uploads folder."""
        super().close()
        self.api.close()


def start_shop_server(
    driver: Driver,
    host: str = SERVE.host,
    port: int = SERVE.port,
    *,
    public: bool = False,
    model_path: Path | None = None,
    max_upload_bytes: int = SERVE.max_upload_bytes,
    log: Callable[[str], None] | None = None,
    database: str | None = None,
) -> ShopServer:
    """Load the models once (:meth:`ShopApi.load`) and serve the page and API on ``host:port`` in a thread.

    Args:
        driver: an open driver to the graph; the server only reads it.
        host: the address to listen on (default 127.0.0.1, this machine only).
        port: the port (default 8765; 0: any free port, the URL says which).
        public: allow a ``host`` other machines can reach (the page has no login).
        model_path: detector weights (default: the shipped ones).
        max_upload_bytes: the largest photo accepted (default 8 MiB).
        log: called with each request's log line (default: none kept).
        database: the database to read.

    Raises:
        InputError: ``host`` is not loopback and ``public`` is not set; or the models cannot be loaded.
        ServerError: the address cannot be bound (in use, or not allowed).
        QueryError: the graph cannot be read.
    """
    check_host(host, public)
    api = ShopApi.load(driver, model_path, database)
    try:
        return bind_shop_server(api, host, port, public=public, max_upload_bytes=max_upload_bytes, log=log)
    except ShopgraphError:
        api.close()
        raise


def check_host(host: str, public: bool) -> None:
    """Refuse a ``host`` other machines can reach unless ``public``.

    Raises:
        InputError: ``host`` is not loopback (:func:`is_loopback`) and ``public`` is False.
    """
    if not public and not is_loopback(host):
        raise InputError(
            f"--host {host} lets other machines reach the page, which has no login; "
            "serve on 127.0.0.1 (the default), or add --public to mean it"
        )


def bind_shop_server(
    api: ShopApi,
    host: str = SERVE.host,
    port: int = SERVE.port,
    *,
    public: bool = False,
    max_upload_bytes: int = SERVE.max_upload_bytes,
    log: Callable[[str], None] | None = None,
) -> ShopServer:
    """Serve ``api`` (already loaded) on ``host:port`` in a background thread; arguments as :func:`start_shop_server`.

    Raises:
        InputError: ``host`` is not loopback and ``public`` is not set.
        ServerError: the address cannot be bound (in use, or not allowed).
    """
    check_host(host, public)
    try:
        httpd = (_ShopHTTPServer6 if ":" in host else _ShopHTTPServer)((host, port), _Handler)
    except OSError as e:
        raise ServerError(
            f"cannot serve the shopper's page on {host}:{port}: {e.strerror or e}. Fix: choose another --port."
        ) from e
    httpd.api = api
    httpd.max_upload_bytes = max_upload_bytes
    httpd.log = log
    bound = int(httpd.server_address[1])
    shown = f"[{host}]" if ":" in host else host
    thread = ShopServer.start_thread(httpd, f"shop-server-{bound}")
    return ShopServer(httpd, thread, api, f"http://{shown}:{bound}/")


@contextmanager
def serve(driver: Driver, host: str = SERVE.host, port: int = SERVE.port, **options: Any) -> Iterator[ShopServer]:
    """:func:`start_shop_server` as a context manager that stops the server on exit."""
    server = start_shop_server(driver, host, port, **options)
    try:
        yield server
    finally:
        server.close()
