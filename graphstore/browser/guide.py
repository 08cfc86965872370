"""Neo4j Browser as the analyst's home: a guide built from the Cypher library, and a style sheet.

How Neo4j Browser 5 (5.24, bundled with the local server) plays a guide: ``:guide <url>`` opens it in
the sidebar, ``:play <url>`` in the stream; both fetch the HTML from the analyst's web page, split it
into slides at its ``<slide>`` elements, and give every ``<pre class="runnable">`` block a run button
(a click on the block copies it into the editor instead). ``:style <url>`` loads a GraSS style
sheet, which Browser keeps. Browser fetches only from hosts on the server's
``browser.remote_content_hostname_allowlist``, by default ``guides.neo4j.com,localhost`` on every
Neo4j 5: hence ``localhost`` URLs, which work for the embedded server and a Docker one alike, with
no setting to change. ``graphstore.browser.guide_server`` serves both files.

The guide lists the library as it is when it is built: each read query's purpose, what it needs,
a block that sets its parameters (``:param name => <Cypher>``, evaluated by the server, so an int
stays an int) to sample values from the demo graph, and the query itself.
"""

from __future__ import annotations

import html
import re
import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from shopgraph import cypher
from shopgraph.cypher import NamedQuery, Param
from shopgraph.cypher.internal import graphstore as statements
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.errors import QueryError

DEFAULT_PORT = 7475
GUIDE_FILE = "guide.html"
STYLE_FILE = "shopgraph.grass"
# Browser matches the URL's host name against its allowlist, whose default names localhost.
HOST_NAME = "localhost"


@dataclass(frozen=True)
class Expr:
    """A parameter value written as a Cypher expression, evaluated against the graph when Browser sets it."""

    text: str


# The demo graph (``shopgraph demo``, the shipped sample) has these: the most active customer,
# a jeans article five customers bought, categories and terms of the shared vocabulary.
SAMPLE_VALUES: dict[str, Any] = {
    "customerId": "b9009217e85bbbbdfc84de48bba9b58514332d00475c7004c68867e1c49f72f9",
    "productId": "hm:0706016001",
    "productIds": ["hm:0706016001", "myntra:17500"],
    "relations": ["HAS_BRAND", "IN_CATEGORY", "HAS_COLOUR", "MADE_OF"],
    "categories": ["trousers"],
    "anchors": ["bottoms"],
    "groups": ["tops", "shoes"],
    "kind": "returns",
    # No analyst types 1,280 floats: the embedding of a catalog photo in the graph stands in for a query photo.
    "embedding": Expr("head([(i:Image)-[:DEPICTS]->(:Product) | i.embedding])"),
}

# Optional parameters whose default would make the example say little.
QUERY_SAMPLES: dict[str, dict[str, Any]] = {
    "cold_start": {"brands": ["h-m"], "colours": ["black"], "categories": ["trousers"]},
}

# Slides are grouped by what an analyst asks; a query not listed here lands in the last group.
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Explore the graph", ("explore_customer", "explore_brand", "explore_taxonomy", "category_tree")),
    ("Customers", ("customers", "customer_profile", "customer_purchases", "preference_history")),
    ("Recommendations", ("recommended", "recommend", "explain", "cold_start", "similar_products", "complete_the_look")),
    (
        "Products and data quality",
        (
            "product_facts",
            "top_brands",
            "low_confidence_facts",
            "unknown_products",
            "missing_attributes",
            "photo_catalog_mismatch",
        ),
    ),
    ("Visual search", ("visual_search", "visual_search_embedding")),
)


@dataclass(frozen=True)
class LabelStyle:
    """How Browser draws one label: fill, border and text colour, size in px, and the caption template."""

    label: str
    color: str
    border: str
    text: str
    diameter: int
    caption: str
    meaning: str


_DARK, _LIGHT = "#2A2C34", "#FFFFFF"
# One colour per label. GraSS styles by label, never by node, so a Colour node cannot be drawn in
# its own hex; a Detection shows its class, and its colour is the Colour node it links to.
LABEL_STYLES: tuple[LabelStyle, ...] = (
    LabelStyle("Product", "#4C8EDA", "#2870C2", _LIGHT, 60, "{name}", "an article of a catalog or from purchases"),
    LabelStyle("Brand", "#DA7194", "#CC3C6C", _LIGHT, 65, "{name}", "a brand; SUB_BRAND_OF links lines to brands"),
    LabelStyle("Category", "#57C7E3", "#23B3D7", _DARK, 60, "{name}", "the shared three-level taxonomy"),
    LabelStyle("SourceCategory", "#8DCC93", "#5DB665", _DARK, 45, "{name}", "a retailer's own category label"),
    LabelStyle("Colour", "#F79767", "#F36924", _DARK, 45, "{name}", "a colour, SHADE_OF its family"),
    LabelStyle("Material", "#C990C0", "#B261A5", _DARK, 45, "{name}", "what a product is made of"),
    LabelStyle("Style", "#F16667", "#EB2728", _LIGHT, 45, "{name}", "casual, formal, sports, ethnic, party"),
    LabelStyle("Pattern", "#D9C8AE", "#C0A378", _DARK, 45, "{name}", "striped, checked, printed, solid"),
    LabelStyle("Gender", "#ECB5C9", "#DA7298", _DARK, 40, "{name}", "who a product is for"),
    LabelStyle("Department", "#FFC454", "#D7A013", _DARK, 45, "{name}", "H&M's merchandising department"),
    LabelStyle("Customer", "#6DCE9E", "#3FB87C", _DARK, 55, "{id}", "a customer; PURCHASED and PREFERS start here"),
    LabelStyle("Image", "#8D6E63", "#6D4C41", _LIGHT, 50, "{source}", "a photo; DEPICTS its product"),
    LabelStyle("Detection", "#9575CD", "#7E57C2", _LIGHT, 45, "{class}", "an object the detector found in a photo"),
    LabelStyle("Policy", "#4DB6AC", "#26A69A", _DARK, 50, "{title}", "a returns, sizes or delivery policy"),
    LabelStyle("ModelRun", "#607D8B", "#455A64", _LIGHT, 50, "{id}", "a trained model version and its metrics"),
    LabelStyle("Outfit", "#A1887F", "#795548", _LIGHT, 55, "{id}", "a look the fitting room built"),
)

# Relationship type -> (colour, shaft width in px, caption template).
RELATIONSHIP_STYLES: dict[str, tuple[str, int, str]] = {
    "PURCHASED": ("#3FB87C", 2, "<type>"),
    "PREFERS": ("#F36924", 2, "<type>"),
    "INFERRED": ("#7E57C2", 1, "{relation}"),
    "RECOMMENDED": ("#DA7298", 2, "{rank}"),
}


@dataclass(frozen=True)
class BrowserSetup:
    """What an analyst needs to open Browser and load the guide and style sheet.

    ``open_url`` (local server only) opens Browser with the connect form filled in and the guide
    in the sidebar; ``password_from`` says where the password is, never the password itself.
    """

    browser_url: str | None
    open_url: str | None
    bolt_uri: str
    user: str
    password_from: str
    base_url: str
    guide_url: str
    style_url: str
    style_command: str
    guide_command: str
    play_command: str


# --- the style sheet --------------------------------------------------------------------


def grass() -> str:
    """The GraSS style sheet: Browser's defaults, then one rule per label and for a few relationship types."""
    blocks = [
        _block(
            "node",
            {"diameter": "50px", "color": "#A5ABB6", "border-color": "#9AA1AC", "border-width": "2px"}
            | {"text-color-internal": _LIGHT, "font-size": "10px"},
        ),
        _block(
            "relationship",
            {"color": "#A5ABB6", "shaft-width": "1px", "font-size": "8px", "padding": "3px"}
            | {"text-color-external": "#000000", "text-color-internal": _LIGHT, "caption": '"<type>"'},
        ),
    ]
    for s in LABEL_STYLES:
        props = {"color": s.color, "border-color": s.border, "text-color-internal": s.text}
        blocks.append(_block(f"node.{s.label}", props | {"diameter": f"{s.diameter}px", "caption": f'"{s.caption}"'}))
    for rel, (colour, width, caption) in RELATIONSHIP_STYLES.items():
        props = {"color": colour, "shaft-width": f"{width}px", "caption": f'"{caption}"'}
        blocks.append(_block(f"relationship.{rel}", props))
    return "\n".join(blocks)


def _block(selector: str, props: Mapping[str, str]) -> str:
    return selector + " {\n" + "".join(f"  {k}: {v};\n" for k, v in props.items()) + "}\n"


# --- the guide --------------------------------------------------------------------------


def cypher_literal(value: Any, param_type: str = "string") -> str:
    """``value`` as a Cypher literal of the header type ``param_type``: strings quoted, dates as ``date('...')``.

    Raises:
        QueryError: a value that has no literal form (not None, bool, number, str, date, list or dict).
    """
    if isinstance(value, Expr):
        return value.text
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(float(value)) if param_type == "float" else repr(value)
    if isinstance(value, date) or (param_type == "date" and isinstance(value, str)):
        return f"date('{date.fromisoformat(str(value)).isoformat()}')"
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, (list, tuple)):
        item_type = param_type.removeprefix("list<").removesuffix(">")
        return "[" + ", ".join(cypher_literal(v, item_type) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"`{k}`: {cypher_literal(v, 'json')}" for k, v in value.items()) + "}"
    raise QueryError(f"no Cypher literal for {value!r} ({type(value).__name__})")


def example_values(query: NamedQuery) -> dict[str, Any]:
    """The value each parameter of ``query`` takes in the guide: a sample for required ones, else the default.

    Raises:
        QueryError: a required parameter has no sample in ``SAMPLE_VALUES``.
    """
    overrides = QUERY_SAMPLES.get(query.name, {})
    values = {}
    for p in query.params:
        if p.name in overrides:
            values[p.name] = overrides[p.name]
        elif p.required:
            if p.name not in SAMPLE_VALUES:
                raise QueryError(
                    f"cypher/{query.name}.cypher: required parameter {p.name} has no sample value for the "
                    "Browser guide; add one that exists in the demo graph to SAMPLE_VALUES in "
                    "graphstore/browser/guide.py"
                )
            values[p.name] = SAMPLE_VALUES[p.name]
        else:
            values[p.name] = p.default
    return values


def param_commands(query: NamedQuery) -> list[str]:
    """Browser commands that set ``query``'s parameters, one ``:param name => <Cypher>`` per parameter."""
    values = example_values(query)
    return [f":param {p.name} => {cypher_literal(values[p.name], p.type)}" for p in query.params]


def cli_command(query: NamedQuery) -> str | None:
    """The same query from a terminal, or None when a value is a graph expression (an embedding)."""
    values = example_values(query)
    parts = ["shopgraph", "query", query.name]
    for p in query.params:
        value = values[p.name]
        if isinstance(value, Expr):
            return None
        if p.required or value != p.default:
            text = ",".join(map(str, value)) if isinstance(value, (list, tuple)) else str(value)
            parts += ["-p", shlex.quote(f"{p.name}={text}")]
    return " ".join(parts)


def guide_sections(queries: Sequence[NamedQuery]) -> list[tuple[str, list[NamedQuery]]]:
    """Read queries grouped into the guide's sections, in ``SECTIONS`` order; empty sections dropped."""
    by_name = {q.name: q for q in queries if q.mode == "read"}
    placed: set[str] = set()
    sections = []
    for title, names in SECTIONS:
        chosen = [by_name[n] for n in names if n in by_name]
        placed.update(q.name for q in chosen)
        sections.append((title, chosen))
    rest = sorted(set(by_name) - placed)
    sections.append(("More queries", [by_name[n] for n in rest]))
    return [(title, chosen) for title, chosen in sections if chosen]


def guide_html(base_url: str, queries: Sequence[NamedQuery] | None = None) -> str:
    """The guide as Browser HTML: slides at ``<slide>``, runnable ``<pre class="code runnable">`` blocks.

    ``base_url`` is where the guide and style sheet are served (``http://localhost:7475``); ``queries``
    defaults to the whole library of ``cypher/``. Slides: how to start, the graph model with each
    label's colour, one slide per read query (sections as in ``guide_sections``), the write queries.

    Raises:
        QueryError: a query file is malformed, or a required parameter has no sample value.
    """
    queries = cypher.available() if queries is None else queries
    sections = guide_sections(queries)
    guide_url, style_url = f"{base_url}/{GUIDE_FILE}", f"{base_url}/{STYLE_FILE}"
    first_query_slide = 3
    contents, slides, number = [], [], first_query_slide
    for title, chosen in sections:
        contents.append((title, number, [q.name for q in chosen]))
        for q in chosen:
            slides.append(_query_slide(title, q, guide_url))
            number += 1
    writes = [q for q in queries if q.mode != "read"]
    head = [_start_slide(style_url, guide_url, contents), _model_slide()]
    tail = [_writes_slide(writes, guide_url)]
    return (
        "<title>shopgraph</title>\n"
        '<article class="guide">\n<carousel class="deck container-fluid">\n'
        + "\n".join(head + slides + tail)
        + "\n</carousel>\n</article>\n"
    )


def _e(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _prose(text: str) -> str:
    """Header text as HTML: escaped, with its `backtick` spans (commands, files) as code."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", _e(text))


def _runnable(text: str) -> str:
    return f'<pre class="code runnable">{_e(text)}</pre>'


def slide(body: str) -> str:
    """``body`` (HTML) as one slide of a guide."""
    return f'<slide class="row-fluid">\n<div class="col-sm-12">\n{body}\n</div>\n</slide>'


def _slide_link(guide_url: str, number: int, text: str) -> str:
    # The sidebar opens a guide URL ending in #slide-N at the slide of index N, counted from 0
    # (``:play`` counts from 1); ``number`` counts from 1 like the sidebar's page numbers.
    return f'<a data-exec="{_e(f"guide {guide_url}#slide-{number - 1}")}">{_e(text)}</a>'


def _start_slide(style_url: str, guide_url: str, contents: list[tuple[str, int, list[str]]]) -> str:
    items = "".join(
        f"<li>{_slide_link(guide_url, number, title)}: {_e(', '.join(names))}</li>" for title, number, names in contents
    )
    body = f"""<h3>shopgraph: the product knowledge graph</h3>
<p class="lead">Retail catalogs, photos and purchases as one graph: products with their brands, categories,
colours, materials, styles and patterns (each fact with its source and confidence), customers with their
purchases and preferences, and what the models derive from them.</p>
<p><b>1.</b> Style the graph (once; Browser keeps it): each label its colour, products their names.</p>
{_runnable(f":style {style_url}")}
<p><b>2.</b> See the model, then what is in the graph:</p>
{_runnable(statements.GUIDE_SCHEMA)}
{_runnable(statements.GUIDE_NODE_COUNTS)}
<p><b>3.</b> Every query of the library follows, one per slide, with two blocks: the first sets its
parameters to values from the demo graph, the second runs it. Press a block's &#9654; to run it,
or click the block to copy it into the editor and change the values there first.</p>
<ul>{items}</ul>"""
    return slide(body)


def _model_slide() -> str:
    items = "".join(
        f'<li><span style="background:{s.color};color:{s.text};border:2px solid {s.border};'
        f'border-radius:10px;padding:0 8px">{_e(s.label)}</span> '
        f"shows <code>{_e(s.caption)}</code>: {_e(s.meaning)}</li>"
        for s in LABEL_STYLES
    )
    sample = SAMPLE_VALUES["productId"]
    body = f"""<h3>The graph model</h3>
<p>Products link to their vocabulary with facts (<code>HAS_BRAND</code>, <code>IN_CATEGORY</code>,
<code>HAS_COLOUR</code>, <code>MADE_OF</code>, <code>HAS_STYLE</code>, <code>HAS_PATTERN</code>,
<code>FOR_GENDER</code>, <code>IN_DEPARTMENT</code>, <code>LISTED_AS</code>), each with
<code>source</code>, <code>rule</code> and <code>confidence</code>. Customers have <code>PURCHASED</code>
(date, price, channel) and derived <code>PREFERS</code> (weight, share); models add
<code>INFERRED</code> facts, photos <code>DEPICTS</code> and <code>HAS_DETECTION</code>.
The whole model: <code>docs/graph-model.md</code>.</p>
<p>The labels, in the colours of the style sheet:</p>
<ul>{items}</ul>
<p>One product and its facts:</p>
{_runnable(statements.guide_product_facts(cypher_literal(sample)))}"""
    return slide(body)


def _param_item(p: Param, value: Any) -> str:
    how = "required" if p.required else f"default {cypher_literal(p.default, p.type)}"
    if isinstance(value, Expr):
        how += "; here taken from the graph"
    return f"<li><code>{_e(p.name)}</code> ({_e(p.type)}, {_e(how)}): {_prose(p.description)}</li>"


def _query_slide(section: str, query: NamedQuery, guide_url: str) -> str:
    values = example_values(query)
    parts = [
        f"<h3>{_e(section)}: {_e(query.name)}</h3>",
        f'<p class="lead">{_prose(query.purpose)}</p>',
        f"<p><b>Needs:</b> {_prose(query.needs or 'the graph')}.<br><b>Returns:</b> {_e(query.returns)}.</p>",
    ]
    if query.params:
        items = "".join(_param_item(p, values[p.name]) for p in query.params)
        parts += [
            f"<p><b>Parameters:</b></p><ul>{items}</ul>",
            "<p><b>1.</b> Set the parameters:</p>",
            _runnable(";\n".join(param_commands(query))),
            "<p><b>2.</b> Run the query:</p>",
        ]
    parts.append(_runnable(";\n".join(query.statements)))
    command = cli_command(query)
    if command:
        parts.append(f"<p>From a terminal: <code>{_e(command)}</code></p>")
    parts.append(f"<p>{_slide_link(guide_url, 1, 'Back to the contents')}</p>")
    return slide("\n".join(parts))


def _writes_slide(writes: Sequence[NamedQuery], guide_url: str) -> str:
    items = "".join(f"<li><code>{_e(q.name)}</code>: {_prose(q.purpose)}</li>" for q in writes)
    body = f"""<h3>Maintenance: the write queries</h3>
<p>These change the graph, so they run from the command line, which checks their input and reports
what changed (for example <code>shopgraph reason preferences</code> runs
<code>compute_preferences</code>), never from this guide:</p>
<ul>{items}</ul>
<p>All read queries from a terminal: <code>shopgraph query --list</code>.
{_slide_link(guide_url, 1, "Back to the contents")}</p>"""
    return slide(body)


# --- files and setup --------------------------------------------------------------------


def base_url(port: int = DEFAULT_PORT) -> str:
    """Where ``guide_server.start_guide_server`` on ``port`` serves the guide and style sheet."""
    return f"http://{HOST_NAME}:{port}"


def write_guide(directory: Path, port: int = DEFAULT_PORT) -> list[Path]:
    """Write ``guide.html`` and ``shopgraph.grass`` into ``directory``, with the URLs served on ``port``.

    Returns the paths written.

    Raises:
        QueryError: as ``guide_html``.
        OSError: the directory cannot be written.
    """
    directory.mkdir(parents=True, exist_ok=True)
    guide, style = directory / GUIDE_FILE, directory / STYLE_FILE
    guide.write_text(guide_html(base_url(port)), encoding="utf-8")
    style.write_text(grass(), encoding="utf-8")
    return [guide, style]


def browser_setup(settings: Settings, port: int = DEFAULT_PORT) -> BrowserSetup:
    """How to open Browser for ``settings``' server and load the guide served on ``port``; reads nothing."""
    url = base_url(port)
    guide_url, style_url = f"{url}/{GUIDE_FILE}", f"{url}/{STYLE_FILE}"
    browser_url = open_url = None
    if settings.is_local:
        browser_url = settings.browser_url
        host = urlsplit(settings.bolt_uri)
        dbms = f"{host.scheme}://{settings.user}@{host.netloc}"
        open_url = f"{browser_url}?dbms={quote(dbms, safe='')}&cmd=guide&arg={quote(guide_url, safe='')}"
    password_from = f"the file {settings.password_file}" if not settings.password else "NEO4J_PASSWORD"
    return BrowserSetup(
        browser_url=browser_url,
        open_url=open_url,
        bolt_uri=settings.bolt_uri,
        user=settings.user,
        password_from=password_from,
        base_url=url,
        guide_url=guide_url,
        style_url=style_url,
        style_command=f":style {style_url}",
        guide_command=f":guide {guide_url}",
        play_command=f":play {guide_url}",
    )
