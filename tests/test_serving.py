"""``shopgraph serve``: the upload checks and the HTTP errors without Neo4j; then every endpoint of the running
service against the sample graph (the demo's data and the eight test photos), equal to the library's own
answers; then the page itself in headless Chromium (skipped only where Chromium or chromedriver is missing).
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from neo4j import Driver

from bench import browser_screenshot as shots
from bench.shop_screenshot import ShopPage
from shopgraph.assistant.answer import ask
from shopgraph.assistant.linking import EntityLinker
from shopgraph.assistant.serving import ShopServer, bind_shop_server, is_loopback, start_shop_server
from shopgraph.assistant.shop_api import ShopApi
from shopgraph.assistant.uploads import RequestError, body_limit, check_photo, photo_kind, positive_int, read_form
from shopgraph.graphstore.core.defaults import DEMO
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.jsonable import to_json
from shopgraph.relational.recommend import explain, recommend, similar
from shopgraph.vision import similar_products

from . import test_ask

PHOTOS = test_ask.PHOTOS
graph = test_ask.graph  # the fixture: the demo graph with the eight test photos, built once per module

JPEG = (PHOTOS / "10008.jpg").read_bytes()
PNG_START = b"\x89PNG\r\n\x1a\n" + b"\0" * 8
WEBP_START = b"RIFF\x10\0\0\0WEBPVP8 "
GIF_START = b"GIF89a" + b"\0" * 8


def multipart(fields: dict[str, str], files: dict[str, tuple[str, bytes]]) -> tuple[str, bytes]:
    """A ``multipart/form-data`` body as a browser sends it: (content type, body)."""
    boundary = "----shopgraphtestboundary"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data) in files.items():
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    return f"multipart/form-data; boundary={boundary}", b"".join(parts) + f"--{boundary}--\r\n".encode()


def refused(call: Any, *args: Any, **kwargs: Any) -> tuple[int, str | None, str]:
    with pytest.raises(RequestError) as caught:
        call(*args, **kwargs)
    return caught.value.status, caught.value.field, str(caught.value)


# --- uploads, without Neo4j -------------------------------------------------------------------


def test_photos_are_known_by_their_first_bytes_not_their_names() -> None:
    assert [photo_kind(b) for b in (JPEG, PNG_START, WEBP_START, GIF_START, b"RIFF\0\0\0\0WAVE", b"")] == [
        "jpeg",
        "png",
        "webp",
        None,
        None,
        None,
    ]
    photo = check_photo(JPEG)
    assert (photo.kind, photo.suffix, photo.data) == ("jpeg", ".jpg", JPEG)
    assert check_photo(WEBP_START).suffix == ".webp"


def test_an_empty_too_large_or_other_kind_of_photo_is_refused_with_its_status_and_field() -> None:
    assert refused(check_photo, b"") == (400, "photo", "photo is empty")
    assert refused(check_photo, JPEG, max_bytes=100) == (
        413,
        "photo",
        f"photo is {len(JPEG)} bytes; the most accepted is 100",
    )
    assert refused(check_photo, GIF_START) == (
        415,
        "photo",
        "photo is not a JPEG, PNG or WebP image (its first bytes: 4749463839610000)",
    )
    # 8 MiB of photo as base64, plus room for the other fields.
    assert body_limit() == 11_184_812 + 65_536


def test_a_json_body_gives_its_text_fields_and_its_base64_photo() -> None:
    body = json.dumps({"question": "what is this?", "customer": None, "k": 3, "photo": base64.b64encode(JPEG).decode()})
    form = read_form("application/json; charset=utf-8", body.encode())
    assert form.fields == {"question": "what is this?", "k": "3"}
    assert form.photo is not None and form.photo.data == JPEG
    assert (form.text("question"), form.text("customer"), form.text("k")) == ("what is this?", None, "3")
    data_url = json.dumps({"photo": "data:image/jpeg;base64," + base64.b64encode(JPEG).decode()})
    assert cast(Any, read_form("application/json", data_url.encode()).photo).data == JPEG
    assert read_form("application/json", b"").fields == {}


def test_bad_json_bodies_are_refused_naming_the_field() -> None:
    status, field, message = refused(read_form, "application/json", b'{"question": ')
    assert (status, field) == (400, None) and message.startswith("the body is not valid JSON: Expecting value")
    assert refused(read_form, "application/json", b"[1, 2]") == (400, None, "the body must be a JSON object, got list")
    assert refused(read_form, "application/json", b'{"question": ["a"]}') == (
        400,
        "question",
        "question must be text, got list",
    )
    assert refused(read_form, "application/json", b'{"question": true}')[:2] == (400, "question")
    status, field, message = refused(read_form, "application/json", b'{"photo": "not base64!"}')
    assert (status, field) == (400, "photo") and message.startswith("photo is not valid base64")
    gif = json.dumps({"photo": base64.b64encode(GIF_START).decode()}).encode()
    assert refused(read_form, "application/json", gif)[:2] == (415, "photo")
    assert refused(read_form, "text/plain", b"hi") == (
        415,
        None,
        "the body is text/plain; send application/json or multipart/form-data",
    )
    assert refused(lambda: read_form("application/json", b"{}").text("question", required=True)) == (
        400,
        "question",
        "question is required",
    )


def test_a_multipart_body_gives_its_fields_and_photo_and_an_empty_file_field_is_no_photo() -> None:
    content_type, body = multipart({"question": "这件衣服是什么颜色？"}, {"photo": ("shot.jpg", JPEG)})
    form = read_form(content_type, body)
    assert form.fields == {"question": "这件衣服是什么颜色？"}
    assert form.photo is not None and (form.photo.kind, form.photo.data) == ("jpeg", JPEG)
    # A file input left empty still sends its part, with an empty file name and no bytes.
    content_type, body = multipart({"question": "hi"}, {"photo": ("", b"")})
    assert read_form(content_type, body).photo is None
    content_type, body = multipart({}, {"photo": ("cat.gif", GIF_START)})
    assert refused(read_form, content_type, body)[:2] == (415, "photo")
    content_type, body = multipart({}, {"photo": ("big.jpg", JPEG)})
    assert refused(read_form, content_type, body, max_bytes=1000)[:2] == (413, "photo")
    assert refused(read_form, "multipart/form-data", b"--x\r\n")[:2] == (400, None)


def test_counts_and_hosts_are_checked() -> None:
    assert (positive_int(None, "k", 5), positive_int("7", "k", 5), positive_int(" ", "k", 5)) == (5, 7, 5)
    assert refused(positive_int, "many", "k", 5) == (400, "k", "k must be a whole number, got 'many'")
    assert refused(positive_int, "0", "k", 5) == (400, "k", "k must be from 1 to 100, got 0")
    assert [is_loopback(h) for h in ("127.0.0.1", "127.0.0.2", "::1", "localhost")] == [True] * 4
    assert [is_loopback(h) for h in ("0.0.0.0", "192.168.1.20", "::", "shop.example.com")] == [False] * 4


# --- the HTTP service's refusals, without Neo4j ------------------------------------------------


def request(
    url: str, body: bytes | None = None, content_type: str | None = None, method: str | None = None
) -> tuple[int, dict[str, str], bytes]:
    headers = {"Content-Type": content_type} if content_type else {}
    call = urllib.request.Request(url, data=body, headers=headers, method=method)
    try:
        with urllib.request.urlopen(call, timeout=120) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def error_of(reply: tuple[int, dict[str, str], bytes]) -> tuple[int, dict[str, Any]]:
    status, headers, body = reply
    assert headers["Content-Type"] == "application/json; charset=utf-8"
    return status, json.loads(body)


@pytest.fixture
def bare_server() -> Iterator[ShopServer]:
    """The HTTP service over an API with no graph and no models: only requests refused before reaching them."""
    api = ShopApi(cast(Driver, None), cast(EntityLinker, None), cast(Any, None))
    server = bind_shop_server(api, port=0, max_upload_bytes=1000)
    try:
        yield server
    finally:
        server.close()


def test_the_service_refuses_bad_requests_with_json_naming_the_field(bare_server: ShopServer) -> None:
    url = bare_server.url
    assert error_of(request(url + "api/ask", b'{"question": ', "application/json"))[0] == 400
    assert error_of(request(url + "api/ask", b"{}", "application/json")) == (
        400,
        {"error": "question is required", "field": "question"},
    )
    assert error_of(request(url + "api/ask", b"{}", "text/plain")) == (
        415,
        {"error": "the body is text/plain; send application/json or multipart/form-data", "field": None},
    )
    content_type, body = multipart({"question": "what is this?"}, {"photo": ("x.gif", GIF_START)})
    assert error_of(request(url + "api/ask", body, content_type))[1]["field"] == "photo"
    too_big = json.dumps({"question": "q", "photo": base64.b64encode(b"\xff\xd8\xff" + b"0" * 1100).decode()})
    assert error_of(request(url + "api/ask", too_big.encode(), "application/json")) == (
        413,
        {"error": "photo is 1103 bytes; the most accepted is 1000", "field": "photo"},
    )
    huge = b"{" + b" " * body_limit(1000) + b"}"
    status, reply = error_of(request(url + "api/similar", huge, "application/json"))
    assert (status, reply["field"]) == (413, "photo") and reply["error"].startswith(f"the body is {len(huge)} bytes")
    assert error_of(request(url + "api/similar", b"{}", "application/json")) == (
        400,
        {"error": "photo is required (a JPEG, PNG or WebP file)", "field": "photo"},
    )
    assert error_of(request(url + "api/recommend")) == (400, {"error": "customer is required", "field": "customer"})
    assert error_of(request(url + "api/explain?customer=c1")) == (
        400,
        {"error": "product is required", "field": "product"},
    )
    assert error_of(request(url + "api/similar?product=p&k=0")) == (
        400,
        {"error": "k must be from 1 to 100, got 0", "field": "k"},
    )
    assert error_of(request(url + "photo")) == (400, {"error": "path is required", "field": "path"})
    assert error_of(request(url + "api/ask")) == (405, {"error": "/api/ask does not answer GET", "field": None})
    assert error_of(request(url + "api/nope")) == (404, {"error": "no such endpoint: /api/nope", "field": None})


def test_the_page_is_served_with_a_policy_that_runs_only_its_own_script(bare_server: ShopServer) -> None:
    status, headers, body = request(bare_server.url)
    assert (status, headers["Content-Type"]) == (200, "text/html; charset=utf-8")
    assert headers["Content-Security-Policy"].startswith("default-src 'self';")
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert b'<script src="/shop.js" defer></script>' in body and b"<script>" not in body
    status, headers, script = request(bare_server.url + "shop.js")
    assert (status, headers["Content-Type"]) == (200, "text/javascript; charset=utf-8")
    # Server text reaches the page only as textContent.
    assert b"innerHTML" not in script and b"insertAdjacentHTML" not in script and b"textContent" in script


def test_a_host_other_machines_reach_needs_public() -> None:
    with pytest.raises(InputError, match=r"--host 0.0.0.0 lets other machines reach the page.*add --public"):
        start_shop_server(cast(Driver, None), "0.0.0.0", 0)


# --- against the real server ------------------------------------------------------------


@pytest.fixture(scope="module")
def shop(graph: Driver) -> Iterator[ShopServer]:
    server = start_shop_server(graph, port=0)
    try:
        yield server
    finally:
        server.close()


def get_json(url: str) -> Any:
    status, headers, body = request(url)
    assert (status, headers["Content-Type"]) == (200, "application/json; charset=utf-8"), body
    return json.loads(body)


def post_json(url: str, body: bytes, content_type: str) -> Any:
    status, _, reply = request(url, body, content_type)
    assert status == 200, reply
    return json.loads(reply)


def same_json(data: Any) -> Any:
    """What the API sends for ``data``: the library's result through the same JSON conversion."""
    return json.loads(to_json(data))


def without_path(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer without its photo's path: the library saw the photo at its own path, the service at its upload's."""
    photo = answer["photo"]
    return {**answer, "photo": {**photo, "path": None} if photo else None}


def graph_size(driver: Driver) -> tuple[int, int]:
    records, _, _ = driver.execute_query(
        "MATCH (n) WITH count(n) AS nodes RETURN nodes, COUNT { ()-[]->() } AS relationships"
    )
    return records[0]["nodes"], records[0]["relationships"]


def test_every_endpoint_answers_what_the_library_answers_and_the_graph_is_unchanged(
    graph: Driver, shop: ShopServer
) -> None:
    before = graph_size(graph)
    url = shop.url
    photos = get_json(url + "api/photos")
    assert [p["product"] for p in photos] == [
        "hm:0399223001",
        "hm:0516903024",
        "hm:0734435004",
        "myntra:10008",
        "myntra:10016",
        "myntra:10295",
        "myntra:11334",
        "myntra:14135",
    ]
    tshirt = photos[3]
    assert tshirt["name"] == "Nike Men Town Navy Blue T-Shirts"
    assert Path(tshirt["path"]) == (PHOTOS / "10008.jpg").resolve()

    body = json.dumps({"question": "what brand is this?", "photo": base64.b64encode(JPEG).decode()}).encode()
    answer = post_json(url + "api/ask", body, "application/json")
    assert (answer["intent"], answer["known"], answer["value"], answer["language"], answer["english"]) == (
        "product_brand",
        True,
        ["nike"],
        "en",
        None,
    )
    assert answer["products"][0]["id"] == "myntra:10008"
    linker = shop.api.linker
    assert without_path(answer) == without_path(
        same_json(ask(graph, "what brand is this?", PHOTOS / "10008.jpg", linker=linker))
    )

    dress = PHOTOS / "073" / "0734435004.jpg"
    content_type, body = multipart({"question": "这件衣服是什么颜色？"}, {"photo": ("mine.jpg", dress.read_bytes())})
    zh = post_json(url + "api/ask", body, content_type)
    assert (zh["intent"], zh["language"], zh["value"], zh["products"][0]["id"]) == (
        "product_colour",
        "zh",
        ["red"],
        "hm:0734435004",
    )
    assert without_path(zh) == without_path(same_json(ask(graph, "这件衣服是什么颜色？", dress, linker=linker)))
    assert "Its colour is Red" in zh["english"] and "Its colour is Red" not in zh["text"]

    content_type, body = multipart({"k": "3"}, {"photo": ("mine.jpg", JPEG)})
    found = post_json(url + "api/similar", body, content_type)
    assert found == same_json(similar_products(graph, PHOTOS / "10008.jpg", k=3, analyser=shop.api.analyser))
    assert found[0]["matches"][0]["product"] == "myntra:10008" and len(found[0]["polygon"]) > 2

    assert get_json(url + "api/similar?product=myntra:10008&k=4") == same_json(similar(graph, "myntra:10008", k=4))
    recommended = get_json(f"{url}api/recommend?customer={DEMO.customer}&k=5")
    assert recommended == same_json(recommend(graph, DEMO.customer, 5))
    assert (recommended["customer"], len(recommended["items"])) == (DEMO.customer, 5)
    product = recommended["items"][0]["product"]
    explained = get_json(f"{url}api/explain?customer={DEMO.customer}&product={product}")
    assert explained == same_json(explain(graph, DEMO.customer, product)) and explained["reasons"]
    customers = get_json(url + "api/customers?limit=2")
    assert customers[0]["id"] == DEMO.customer and len(customers) == 2

    status, headers, data = request(url + "photo?path=" + urllib.parse.quote(tshirt["path"]))
    assert (status, headers["Content-Type"], data) == (200, "image/jpeg", JPEG)
    assert graph_size(graph) == before


def test_only_catalog_photos_are_served_and_unknown_ids_are_404_naming_the_field(shop: ShopServer) -> None:
    url = shop.url
    outside = [
        "/etc/passwd",
        str(PHOTOS / "10008.jpg" / ".." / ".." / ".." / "pyproject.toml"),
        str(PHOTOS / ".." / "images" / "10008.jpg"),
        "tests/data/images/10008.jpg",
    ]
    for path in outside:
        status, reply = error_of(request(url + "photo?path=" + urllib.parse.quote(path)))
        assert (status, reply) == (404, {"error": f"no catalog photo has the path {path!r}", "field": "path"})
    assert error_of(request(f"{url}api/explain?customer=nobody&product=myntra:10008")) == (
        404,
        {"error": "no customer with id 'nobody'", "field": "customer"},
    )
    status, reply = error_of(request(url + "api/similar?product=myntra:0"))
    assert (status, reply["field"]) == (404, "product")
    broken = b"\xff\xd8\xff\xe0" + b"\0" * 64  # a JPEG's first bytes, then nothing that decodes
    content_type, body = multipart({"question": "what is this?"}, {"photo": ("broken.jpg", broken)})
    status, reply = error_of(request(url + "api/ask", body, content_type))
    assert (status, reply["field"]) == (400, "photo") and reply["error"].startswith("photo: ")


# --- the page in headless Chromium ------------------------------------------------------


def test_a_shopper_picks_a_photo_sees_its_matches_asks_in_chinese_and_gets_recommendations(
    graph: Driver, shop: ShopServer
) -> None:
    if shots.find_chromium() is None:
        pytest.skip("needs chromium and chromedriver on PATH")
    with shots.headless_chromium(1400, 1000) as driver:
        page = ShopPage(driver)
        page.open(shop.url)
        headings = page.pick_photo("myntra:10008")
        found = similar_products(graph, PHOTOS / "10008.jpg", analyser=shop.api.analyser)
        assert headings == [f"Object {d.index}: {d.class_name} {d.confidence:.2f}, {d.colour or '?'}" for d in found]
        assert page.matched_products() == [m.product for d in found for m in d.matches]
        expected = ask(graph, "这件衣服是什么颜色？", PHOTOS / "10008.jpg", linker=shop.api.linker)
        assert page.ask("这件衣服是什么颜色？") == expected.text
        assert page.english() == expected.english
        assert page.recommend() == [r.product for r in recommend(graph, DEMO.customer, 5).items]
