"""The Neo4j Browser guide and style sheet: generated from the Cypher library, served, and played in a real Browser.

Unit tests check the generator, the style sheet and the little HTTP server without Neo4j. The
``neo4j`` tests load the shipped sample (as ``shopgraph demo`` does) plus two photos, then run every
guide slide's parameter lines and query the way Browser does, and drive Neo4j Browser itself in
headless Chromium (skipped only where Chromium or chromedriver is not installed).
"""

from __future__ import annotations

import csv
import html
import math
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from neo4j import Driver

from bench import browser_screenshot as shots
from shopgraph import cypher
from shopgraph.graphstore.browser import guide as browser
from shopgraph.graphstore.browser import guide_server
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.errors import QueryError, ServerError
from shopgraph.graphstore.core.graph_model import LABELS, REL_TYPES
from shopgraph.graphstore.core.schema import init_schema
from shopgraph.graphstore.ingest.loader import ingest_catalog, ingest_customers, ingest_purchases
from shopgraph.graphstore.ingest.reasoning import compute_preferences

from .conftest import ROOT, SAMPLE, clear, free_port

DOCS = ROOT / "docs" / "browser"
VOCAB = ROOT / "graphstore" / "data" / "vocab"

QUERY = """// name: probe
// purpose: Shows <b>bold</b> & "quotes" as text
// mode: read
// param: productId (string, required) the product
// param: label (string, default it's) a name with a quote
// param: limit (int, default 5) rows
// param: minScore (float, default 1) lowest score
// param: keep (bool, default false) keep them
// param: asOf (date, default 2020-09-22) the day
// param: kinds (list<string>, default Brand,Colour) kinds
// param: rows (json, default null) raw rows
// returns: product
// needs: `shopgraph reason preferences`
MATCH (p:Product {id: $productId})
WHERE p.score > $minScore AND 1 < 2 AND p.name <> $label
RETURN p.id AS product LIMIT $limit
"""


def slides(guide: str) -> list[str]:
    return re.findall(r"<slide[^>]*>(.*?)</slide>", guide, re.DOTALL)


def runnable_blocks(html_text: str) -> list[str]:
    """The text Browser runs for each block: its content with the HTML entities decoded."""
    return [html.unescape(b) for b in re.findall(r'<pre class="code runnable">(.*?)</pre>', html_text, re.DOTALL)]


def read_queries() -> list[cypher.NamedQuery]:
    return [q for q in cypher.available() if q.mode == "read"]


# --- the generator ----------------------------------------------------------------------


def test_param_lines_are_typed_cypher_literals() -> None:
    query = cypher.parse("probe", QUERY)

    assert browser.param_commands(query) == [
        ":param productId => 'hm:0706016001'",
        r":param label => 'it\'s'",
        ":param limit => 5",
        ":param minScore => 1.0",
        ":param keep => false",
        ":param asOf => date('2020-09-22')",
        ":param kinds => ['Brand', 'Colour']",
        ":param rows => null",
    ]
    assert browser.cypher_literal("a\\b'c") == r"'a\\b\'c'"
    assert browser.cypher_literal({"k": [1, None]}, "json") == "{`k`: [1, null]}"
    assert browser.cli_command(query) == "shopgraph query probe -p productId=hm:0706016001"


def test_a_query_slide_escapes_html_and_runs_exactly_the_query() -> None:
    query = cypher.parse("probe", QUERY)

    guide = browser.guide_html("http://localhost:7475", [query])
    slide = next(s for s in slides(guide) if "probe</h3>" in s)

    assert "Shows &lt;b&gt;bold&lt;/b&gt; &amp; &quot;quotes&quot; as text" in slide
    assert "<b>bold</b>" not in guide
    assert runnable_blocks(slide) == [";\n".join(browser.param_commands(query)), query.statements[0]]
    assert "1 &lt; 2 AND p.name &lt;&gt; $label" in slide
    assert "<b>Needs:</b> <code>shopgraph reason preferences</code>." in slide
    assert "<li><code>asOf</code> (date, default date(&#x27;2020-09-22&#x27;)): the day</li>" in slide


def test_every_read_query_of_the_library_has_its_slide_and_write_queries_do_not_run() -> None:
    queries = cypher.available()
    guide = browser.guide_html("http://localhost:7475", queries)
    blocks = set(runnable_blocks(guide))

    for query in queries:
        statement = ";\n".join(query.statements)
        if query.mode == "read":
            assert re.search(rf"<h3>[^<]*: {query.name}</h3>", guide), query.name
            assert statement in blocks, query.name
            if query.params:
                assert ";\n".join(browser.param_commands(query)) in blocks, query.name
        else:
            assert statement not in blocks, query.name
            assert f"<li><code>{query.name}</code>:" in guide, query.name
    # 2 opening slides, one per read query, the write queries' slide.
    assert len(slides(guide)) == 2 + len(read_queries()) + 1


def test_every_required_parameter_has_a_sample_and_a_missing_one_names_the_file() -> None:
    for query in read_queries():
        browser.example_values(query)

    orphan = cypher.parse("orphan", "// purpose: p\n// returns: r\n// param: shoeSize (int, required) size\nRETURN 1")
    with pytest.raises(QueryError, match=r"cypher/orphan.cypher: required parameter shoeSize has no sample"):
        browser.guide_html("http://localhost:7475", [orphan])


def test_the_contents_links_open_the_first_slide_of_each_section() -> None:
    guide = browser.guide_html("http://localhost:7475")
    all_slides = slides(guide)
    links = re.findall(r'data-exec="guide http://localhost:7475/guide.html#slide-(\d+)">([^<]+)</a>', all_slides[0])

    assert [title for _, title in links] == [title for title, _ in browser.guide_sections(cypher.available())]
    for index, title in links:
        # The sidebar counts #slide-N from 0.
        assert re.search(rf"<h3>{re.escape(title)}: \w+</h3>", all_slides[int(index)]), title
        assert f"<h3>{title}:" not in all_slides[int(index) - 1]


def _csv_column(path: Path, column: str) -> set[str]:
    with path.open(encoding="utf-8", newline="") as f:
        return {row[column] for row in csv.DictReader(f)}


def test_sample_values_exist_in_the_shipped_sample_and_vocabulary() -> None:
    samples = browser.SAMPLE_VALUES
    hm = {f"hm:{a}" for a in _csv_column(SAMPLE / "hm_articles.csv", "article_id")}
    myntra = {f"myntra:{i}" for i in _csv_column(SAMPLE / "myntra_styles.csv", "id")}
    categories = _csv_column(VOCAB / "categories.csv", "id")

    assert samples["customerId"] in _csv_column(SAMPLE / "hm_customers.csv", "customer_id")
    assert samples["customerId"] in _csv_column(SAMPLE / "hm_transactions.csv", "customer_id")
    assert samples["productId"] in hm
    assert set(samples["productIds"]) <= hm | myntra
    assert set(samples["categories"] + samples["anchors"] + samples["groups"]) <= categories
    assert set(samples["relations"]) <= REL_TYPES
    assert samples["kind"] in {"returns", "sizes", "delivery"}
    cold = browser.QUERY_SAMPLES["cold_start"]
    assert set(cold["categories"]) <= categories
    assert set(cold["colours"]) <= _csv_column(VOCAB / "colours.csv", "id")


def test_browser_setup_for_the_local_server_fills_in_the_connect_form_and_opens_the_guide(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, bolt_port=7688, http_port=7475 + 1000)

    setup = browser.browser_setup(settings, port=7480)

    assert setup.browser_url == "http://127.0.0.1:8475/browser/"
    assert setup.open_url == (
        "http://127.0.0.1:8475/browser/?dbms=bolt%3A%2F%2Fneo4j%40127.0.0.1%3A7688"
        "&cmd=guide&arg=http%3A%2F%2Flocalhost%3A7480%2Fguide.html"
    )
    assert setup.password_from == f"the file {tmp_path / 'neo4j-password'}"
    assert (setup.style_command, setup.guide_command, setup.play_command) == (
        ":style http://localhost:7480/shopgraph.grass",
        ":guide http://localhost:7480/guide.html",
        ":play http://localhost:7480/guide.html",
    )
    external = browser.browser_setup(Settings(home=tmp_path, uri="neo4j+s://x.databases.neo4j.io", password="pw"))
    assert (external.browser_url, external.open_url, external.password_from) == (None, None, "NEO4J_PASSWORD")


# --- the style sheet --------------------------------------------------------------------


def parse_grass(text: str) -> dict[str, dict[str, str]]:
    rules = {}
    for selector, body in re.findall(r"^(\S+) \{\n(.*?)^\}", text, re.DOTALL | re.MULTILINE):
        rules[selector] = dict(re.findall(r"^\s+([\w-]+): (.+);$", body, re.MULTILINE))
    return rules


def test_the_style_sheet_gives_each_label_its_own_colour_and_a_caption() -> None:
    rules = parse_grass(browser.grass())

    labels = {s.removeprefix("node.") for s in rules if s.startswith("node.")}
    assert labels == LABELS - {"SchemaMigration"}
    colours = [rules[f"node.{label}"]["color"] for label in labels]
    assert len(set(colours)) == len(colours)
    assert rules["node.Product"] == {
        "color": "#4C8EDA",
        "border-color": "#2870C2",
        "text-color-internal": "#FFFFFF",
        "diameter": "60px",
        "caption": '"{name}"',
    }
    assert rules["node.Detection"]["caption"] == '"{class}"'
    assert rules["node.Customer"]["caption"] == '"{id}"'
    assert rules["relationship.INFERRED"]["caption"] == '"{relation}"'
    assert rules["node"]["diameter"] == "50px" and rules["relationship"]["caption"] == '"<type>"'


def test_the_committed_guide_and_style_sheet_are_the_generated_ones() -> None:
    fix = "regenerate them with `shopgraph browser --write docs/browser`"
    assert (DOCS / "guide.html").read_text(encoding="utf-8") == browser.guide_html(browser.base_url()), fix
    assert (DOCS / "shopgraph.grass").read_text(encoding="utf-8") == browser.grass(), fix


def test_write_guide_writes_both_files(tmp_path: Path) -> None:
    paths = browser.write_guide(tmp_path / "out", port=7999)

    assert paths == [tmp_path / "out" / "guide.html", tmp_path / "out" / "shopgraph.grass"]
    assert ":style http://localhost:7999/shopgraph.grass" in paths[0].read_text(encoding="utf-8")


# --- the server -------------------------------------------------------------------------


def fetch(url: str, method: str = "GET", headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    request = urllib.request.Request(url, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


def test_the_guide_server_answers_browser_with_cors_headers(tmp_path: Path) -> None:
    with guide_server.serve(Settings(home=tmp_path), port=0) as server:
        base = server.setup.base_url
        status, headers, body = fetch(f"{base}/guide.html", headers={"Origin": "http://127.0.0.1:7474"})
        assert (status, headers["Content-Type"], headers["Access-Control-Allow-Origin"]) == (
            200,
            "text/html; charset=utf-8",
            "*",
        )
        assert body.decode() == browser.guide_html(base)
        # :play asks first whether it may send its no-cache headers.
        preflight = {"Origin": "http://127.0.0.1:7474", "Access-Control-Request-Headers": "pragma,cache-control"}
        status, headers, _ = fetch(f"{base}/guide.html", "OPTIONS", preflight)
        assert (status, headers["Access-Control-Allow-Headers"]) == (204, "pragma,cache-control")
        assert fetch(f"{base}/shopgraph.grass")[2].decode() == browser.grass()
        assert fetch(f"{base}/secrets")[0] == 404
        assert server.requests == ["/guide.html", "/guide.html", "/shopgraph.grass", "/secrets"]

        with pytest.raises(ServerError, match=rf"127.0.0.1:{server.httpd.server_address[1]}.*--port"):
            guide_server.start_guide_server(Settings(home=tmp_path), port=server.httpd.server_address[1])


def test_shopgraph_browser_serve_stops_on_ctrl_c(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "SHOPGRAPH_HOME": str(tmp_path), "SHOPGRAPH_HTTP_PORT": "7999"}
    command = [str(Path(sys.executable).with_name("shopgraph")), "browser", "--serve", "--port", str(port)]
    # A background child of a non-interactive shell inherits SIGINT ignored; a terminal's Ctrl-C is not.
    proc = subprocess.Popen(
        command,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                status, _, body = fetch(f"http://localhost:{port}/guide.html")
                break
            except OSError:
                assert time.monotonic() < deadline and proc.poll() is None, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.2)
        assert status == 200 and b"<h3>shopgraph: the product knowledge graph</h3>" in body
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"  :guide http://localhost:{port}/guide.html\n" in out
    assert "http://127.0.0.1:7999/browser/?dbms=" in out
    assert "stopped" in err


# --- against the real server ------------------------------------------------------------


def _unit(index: int) -> list[float]:
    return [1.0 if i == index else 0.0 for i in range(1280)]


PHOTOS = """
UNWIND $photos AS photo
MATCH (p:Product {id: photo.product})
CREATE (i:Image {id: photo.id, sha256: photo.id, path: photo.path, source: 'file', embedding: photo.embedding})
CREATE (i)-[:HAS_DETECTION]->(:Detection {id: photo.id + ':m@0:0', index: 0, class: 'trousers', current: true,
                                          modelVersion: 'm@0', embedding: photo.embedding})
CREATE (i)-[:DEPICTS {modelVersion: 'm@0', detectedCategory: 'trousers', categoryAgrees: photo.agrees,
                      detectedColour: 'black', colourAgrees: true}]->(p)
"""

# A served list as `shopgraph train` writes it (the ranker itself is tested in test_relational_pipeline).
SERVED = """
MATCH (c:Customer {id: $customer})-[:PURCHASED]->(p:Product)
WITH DISTINCT c, p ORDER BY p.id LIMIT 3
WITH c, collect(p) AS products
UNWIND range(0, size(products) - 1) AS i
WITH c, products[i] AS p, i
CREATE (c)-[:RECOMMENDED {rank: i + 1, score: 1.0 - i * 0.1, sources: ['repurchase'],
                          reasons: ['you bought it before (1×)'], modelVersion: 'ranker@0', trainedAt: datetime()}]->(p)
"""


@pytest.fixture(scope="module")
def demo_graph(session_driver: Driver) -> Driver:
    """The shipped sample loaded as ``shopgraph demo`` loads it, and two photos with embeddings and detections."""
    clear(session_driver)
    init_schema(session_driver)
    ingest_catalog(session_driver, SAMPLE / "myntra_styles.csv")
    ingest_catalog(session_driver, SAMPLE / "hm_articles.csv")
    ingest_customers(session_driver, SAMPLE / "hm_customers.csv")
    ingest_purchases(session_driver, SAMPLE / "hm_transactions.csv")
    compute_preferences(session_driver)
    photos = [
        {"id": "a" * 64, "path": "/photos/a.jpg", "product": "hm:0706016001", "agrees": False, "embedding": _unit(0)},
        {"id": "b" * 64, "path": "/photos/b.jpg", "product": "myntra:17500", "agrees": True, "embedding": _unit(1)},
    ]
    session_driver.execute_query(PHOTOS, photos=photos)
    session_driver.execute_query(SERVED, customer=browser.SAMPLE_VALUES["customerId"])
    return session_driver


def run_like_browser(driver: Driver, query: cypher.NamedQuery) -> list[dict[str, Any]]:
    """A slide's two blocks as Browser runs them: each ``:param x => e`` as ``RETURN e AS x``, then the query."""
    params = {}
    for command in browser.param_commands(query):
        name, expression = command.removeprefix(":param ").split(" => ", 1)
        params[name] = driver.execute_query(f"RETURN {expression} AS `{name}`").records[0][name]
    return [r.data() for r in driver.execute_query(";\n".join(query.statements), params, routing_="r").records]


@pytest.mark.neo4j
def test_every_guide_query_runs_in_the_demo_graph(demo_graph: Driver) -> None:
    empty = []
    for query in read_queries():
        rows = run_like_browser(demo_graph, query)
        if not rows:
            empty.append(query.name)
    # Policies come from `shopgraph ingest policies`, which this graph does not have.
    assert empty == [q.name for q in read_queries() if q.needs.startswith("policies")]


@pytest.mark.neo4j
def test_parameter_values_keep_their_types(demo_graph: Driver) -> None:
    types = {}
    for command in browser.param_commands(cypher.load("preference_history")):
        name, expression = command.removeprefix(":param ").split(" => ", 1)
        types[name] = demo_graph.execute_query(f"RETURN valueType({expression}) AS t").records[0]["t"]
    assert types == {
        "customerId": "STRING NOT NULL",
        "period": "STRING NOT NULL",
        "kinds": "LIST<STRING NOT NULL> NOT NULL",
        "categoryLevel": "INTEGER NOT NULL",
        "limit": "INTEGER NOT NULL",
        "minConfidence": "FLOAT NOT NULL",
    }
    embedding = browser.cypher_literal(browser.SAMPLE_VALUES["embedding"])
    vector = demo_graph.execute_query(f"RETURN {embedding} AS v").records[0]["v"]
    assert len(vector) == 1280 and math.isclose(sum(vector), 1.0)


@pytest.fixture(scope="module")
def chromium_page(demo_graph: Driver, neo4j_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    if shots.find_chromium() is None:
        pytest.skip("needs chromium and chromedriver (Debian: apt-get install chromium chromium-driver)")
    out = tmp_path_factory.mktemp("browser")
    with guide_server.serve(neo4j_settings, port=0) as server, shots.headless_chromium() as chromium:
        with shots.failure_shot(chromium, out):
            yield shots.BrowserPage(chromium), server


@pytest.mark.neo4j
def test_neo4j_browser_plays_the_guide_and_runs_its_queries(chromium_page: Any, neo4j_settings: Settings) -> None:
    page, server = chromium_page
    setup = server.setup

    page.connect(setup.open_url, neo4j_settings.resolved_password())
    assert page.guide_title() == "shopgraph: the product knowledge graph"
    style, schema, counts = page.guide_blocks()
    page.run_block(style)
    page.top_frame(":style", shots.shows("node.Product"))
    page.run_block(counts)
    table = page.top_frame("MATCH (n) RETURN labels(n)[0]", shots.has_result)
    assert "ERROR" not in table.text and "Product" in table.text and "Customer" in table.text

    number = shots.query_slide(cypher.available(), "product_facts")
    assert page.open_slide(setup.guide_url, number, "product_facts") == "Products and data quality: product_facts"
    params, query = page.guide_blocks()
    page.set_params(params, ["productId"])
    page.run_block(query)
    facts = page.top_frame(shots.first_line(cypher.load("product_facts").statements[0]), shots.has_result)
    assert "ERROR" not in facts.text
    assert all(
        text in facts.text for text in ("HAS_BRAND", "H&M", "IN_CATEGORY", "Trousers", "column:colour_group_name")
    )

    page.open_slide(setup.guide_url, shots.query_slide(cypher.available(), "customer_profile"), "customer_profile")
    params, query = page.guide_blocks()
    page.set_params(params, ["customerId", "limit"])
    page.run_block(query)
    profile = page.top_frame(shots.first_line(cypher.load("customer_profile").statements[0]), shots.has_result)
    assert "ERROR" not in profile.text and "Started streaming 20 records" in profile.text

    page.open_slide(setup.guide_url, 2, "The graph model")
    page.run_block(page.guide_blocks()[-1])
    graph = page.top_frame("MATCH path = (:Product", shots.has_result)
    fills = page.node_fills(graph)
    colour = {s.label: s.color for s in browser.LABEL_STYLES}
    assert ("Jade HW Skinny Denim TRS", colour["Product"]) in fills
    assert ("H&M", colour["Brand"]) in fills and ("Black", colour["Colour"]) in fills

    page.run(f":play {setup.guide_url}")
    played = page.top_frame(":play", shots.shows("shopgraph: the product knowledge graph"))
    assert len(played.find_elements("css selector", "pre.runnable")) == 3
    assert "/shopgraph.grass" in server.requests and "/guide.html" in server.requests
