"""The Cypher library and preference reasoning against a small hand-made graph with hand-computed answers.

tiny_purchases.csv: customer u1 bought C (180 days before 2024-06-29), B (90 days
before) and A (on the day); with a 90-day half-life their weights are 0.25, 0.5, 1.
"""

from datetime import date

import pytest
from neo4j import Driver

from shopgraph import cypher
from shopgraph.graphstore.core.errors import QueryError
from shopgraph.graphstore.core.runner import run_query
from shopgraph.graphstore.ingest.loader import ingest_catalog, ingest_customers, ingest_purchases
from shopgraph.graphstore.ingest.reasoning import compute_preferences

from .conftest import DATA


@pytest.fixture
def tiny(driver: Driver) -> Driver:
    ingest_catalog(driver, DATA / "tiny_catalog.csv", source="tiny")
    ingest_customers(driver, DATA / "tiny_customers.csv", source="tiny")
    ingest_purchases(driver, DATA / "tiny_purchases.csv", source="tiny")
    return driver


def rows(driver: Driver, name: str, **params: object) -> list[dict]:
    return run_query(driver, name, params).rows


def test_every_query_file_has_a_complete_header() -> None:
    queries = cypher.available()
    assert len(queries) >= 10
    for query in queries:
        assert query.purpose and query.returns and query.needs, query.name
        assert query.mode in {"read", "write"}
        assert all(s.strip() for s in query.statements)


def test_parameters_are_checked_against_the_header() -> None:
    query = cypher.load("customer_profile")
    assert query.bind({"customerId": "u1", "limit": "3"}) == {"customerId": "u1", "limit": 3}
    with pytest.raises(QueryError, match="needs --param customerId"):
        query.bind({})
    with pytest.raises(QueryError, match=r"has no parameter \['colour'\]"):
        query.bind({"customerId": "u1", "colour": "red"})
    with pytest.raises(QueryError, match="limit must be int"):
        query.bind({"customerId": "u1", "limit": "many"})
    with pytest.raises(QueryError, match="no query named 'nope'"):
        cypher.load("nope")


def test_the_assistants_queries_are_apart_from_the_analyst_library() -> None:
    """`query --list` once mixed the assistant's internal ask_* queries into the analyst library."""
    analyst = {q.name for q in cypher.available()}
    assistant = {q.name for q in cypher.available("assistant")}
    assert not {n for n in analyst if n.startswith("ask_")}
    assert {"ask_policy", "ask_product_facts", "ask_load_policies"} <= assistant
    assert all(n.startswith("ask_") for n in assistant)
    assert cypher.load("assistant/ask_policy").name == "ask_policy"
    with pytest.raises(QueryError, match="no query named 'ask_policy'"):
        cypher.load("ask_policy")
    with pytest.raises(QueryError, match="bad query name 'vision/x'"):
        cypher.load("vision/x")
    with pytest.raises(QueryError, match="bad query name '../top_brands'"):
        cypher.load("../top_brands")
    with pytest.raises(QueryError, match="no query folder 'vision'; known: assistant"):
        cypher.available("vision")


def test_preferences_weights_match_the_hand_computed_values(tiny: Driver) -> None:
    report = compute_preferences(tiny, half_life_days=90)
    assert (report.customers, report.as_of) == (2, None)
    assert rows(tiny, "customer_profile", customerId="u1", limit=2) == [
        {
            "kind": "Brand",
            "id": "zephyr",
            "name": "Zephyr",
            "weight": 1.5,
            "share": 0.8571,
            "support": 2,
            "lastPurchase": "2024-06-29",
        },
        {
            "kind": "Brand",
            "id": "yonder",
            "name": "Yonder",
            "weight": 0.25,
            "share": 0.1429,
            "support": 1,
            "lastPurchase": "2024-01-01",
        },
        {
            "kind": "Category",
            "id": "apparel",
            "name": "Apparel",
            "weight": 1.5,
            "share": 0.2857,
            "support": 2,
            "lastPurchase": "2024-06-29",
        },
        {
            "kind": "Category",
            "id": "dress",
            "name": "Dress",
            "weight": 1.0,
            "share": 0.1905,
            "support": 1,
            "lastPurchase": "2024-06-29",
        },
        {
            "kind": "Colour",
            "id": "red",
            "name": "Red",
            "weight": 1.25,
            "share": 0.7143,
            "support": 2,
            "lastPurchase": "2024-06-29",
        },
        {
            "kind": "Colour",
            "id": "blue",
            "name": "Blue",
            "weight": 0.5,
            "share": 0.2857,
            "support": 1,
            "lastPurchase": "2024-03-31",
        },
        {
            "kind": "Material",
            "id": "cotton",
            "name": "Cotton",
            "weight": 1.0,
            "share": 0.3333,
            "support": 1,
            "lastPurchase": "2024-06-29",
        },
        {
            "kind": "Material",
            "id": "jersey",
            "name": "Jersey",
            "weight": 1.0,
            "share": 0.3333,
            "support": 1,
            "lastPurchase": "2024-06-29",
        },
        {
            "kind": "Style",
            "id": "party",
            "name": "Party",
            "weight": 1.0,
            "share": 0.5714,
            "support": 1,
            "lastPurchase": "2024-06-29",
        },
        {
            "kind": "Style",
            "id": "casual",
            "name": "Casual",
            "weight": 0.5,
            "share": 0.2857,
            "support": 1,
            "lastPurchase": "2024-03-31",
        },
    ]


def test_preferences_are_recomputed_not_accumulated(tiny: Driver) -> None:
    compute_preferences(tiny, half_life_days=90)
    first = rows(tiny, "customer_profile", customerId="u1", limit=50)
    compute_preferences(tiny, half_life_days=90)
    assert rows(tiny, "customer_profile", customerId="u1", limit=50) == first
    compute_preferences(tiny, half_life_days=90, as_of=date(2024, 3, 31))
    brands = [r for r in rows(tiny, "customer_profile", customerId="u1") if r["kind"] == "Brand"]
    assert [(r["id"], r["weight"], r["support"]) for r in brands] == [("zephyr", 1.0, 1), ("yonder", 0.5, 1)]


def test_product_facts_lists_every_fact_with_provenance(tiny: Driver) -> None:
    facts = rows(tiny, "product_facts", productId="tiny:B")
    assert [(r["relationship"], r["id"], r["confidence"], r["rule"]) for r in facts] == [
        ("FOR_GENDER", "women", 1.0, "column:gender"),
        ("HAS_BRAND", "zephyr", 1.0, "column:brand"),
        ("HAS_COLOUR", "blue", 1.0, "column:colour"),
        ("HAS_STYLE", "casual", 1.0, "column:style"),
        ("IN_CATEGORY", "jeans", 1.0, "column:category"),
        ("LISTED_AS", "tiny:category:jeans", 1.0, "column:category"),
        ("MADE_OF", "denim", 0.955, "desc:material"),
    ]
    assert facts[0]["source"] == "tiny:tiny_catalog.csv"


def test_top_brands_within_a_taxonomy_branch(tiny: Driver) -> None:
    assert rows(tiny, "top_brands", category="footwear") == [
        {"brand": "Yonder", "products": 1, "purchases": 1, "customers": 1}
    ]
    assert [r["brand"] for r in rows(tiny, "top_brands")] == ["Yonder", "Zephyr"]


def test_unknown_products_and_customer_purchases(tiny: Driver) -> None:
    assert rows(tiny, "unknown_products") == [
        {
            "product": "tiny:Z",
            "source": "tiny",
            "purchases": 1,
            "customers": 1,
            "firstPurchase": "2024-06-29",
            "lastPurchase": "2024-06-29",
        }
    ]
    history = rows(tiny, "customer_purchases", customerId="u2")
    assert [(r["product"], r["brand"], r["category"], r["channel"], r["inCatalog"]) for r in history] == [
        ("tiny:D", "Yonder", "Shirt", "store", True),
        ("tiny:Z", None, None, "online", False),
    ]


def test_category_tree_counts_products_under_each_node(tiny: Driver) -> None:
    tree = {r["id"]: r for r in rows(tiny, "category_tree")}
    assert (tree["apparel"]["products"], tree["footwear"]["products"], tree["shirt"]["products"]) == (3, 1, 1)
    assert tree["jeans"]["path"] == "Apparel > Trousers & Shorts > Jeans"
    assert tree["jeans"]["retailerLabels"] == ["tiny:Jeans"]


def test_low_confidence_facts_for_review(tiny: Driver) -> None:
    low = rows(tiny, "low_confidence_facts", maxConfidence=0.9)
    assert [(r["product"], r["value"], r["confidence"], r["rule"]) for r in low] == [
        ("tiny:A", "Jersey", 0.85, "desc:material"),
        ("tiny:C", "Imitation Leather", 0.85, "desc:material"),
        ("tiny:C", "Rubber", 0.85, "desc:material"),
        ("tiny:D", "Cotton", 0.85, "desc:material"),
        ("tiny:D", "Poplin", 0.85, "desc:material"),
    ]


def test_browser_queries_return_paths(tiny: Driver) -> None:
    compute_preferences(tiny)
    for name in ("explore_customer", "explore_brand"):
        assert rows(tiny, name), name


def test_write_mode_queries_are_refused_by_the_read_runner(tiny: Driver) -> None:
    with pytest.raises(QueryError, match="write-mode query"):
        run_query(tiny, "compute_preferences")
