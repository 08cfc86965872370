"""The recommendation queries, their library and their commands against a small graph built by hand.

The graph (``build_shop``): ten catalog products of shop ``shop`` and one of shop ``mkt``, one
product known only from purchases, four customers with dated purchases and a fifth with none.
Vectors are hand-set unit vectors over a few basis directions (``e(i)``), so every cosine is a
3-4-5 number: u1's recommender vector is e0, shop:p2 is 0.8 e0 + 0.6 e1 (cosine 0.8), and so on.
PREFERS come from ``compute_preferences`` with a half-life of 10^9 days, so that every purchase
weighs 1 and each share is a count over a total (u1 bought four products: each brand 1/4).

Scores below are hand-computed from the documented formulas; the comments show the sums.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from click.testing import CliRunner, Result
from neo4j import Driver

from shopgraph import cypher
from shopgraph.cli.main import cli
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.errors import QueryError
from shopgraph.graphstore.core.runner import run_query
from shopgraph.graphstore.ingest.reasoning import compute_preferences
from shopgraph.relational.recommend import (
    Reason,
    Recommendation,
    Recommendations,
    SimilarProduct,
    cold_start,
    explain,
    recommend,
    similar,
)

REC, TEXT, IMAGE = 64, 384, 1280


def e(dim: int, **parts: float) -> list[float]:
    """A ``dim``-long vector with the named components set, e.g. ``e(64, x0=0.8, x1=0.6)``."""
    vector = [0.0] * dim
    for name, value in parts.items():
        vector[int(name[1:])] = value
    return vector


# fmt: off
# id, name, brand, category, colour, material, style, pattern, gender, recommender vector, text vector
PRODUCTS: list[tuple[Any, ...]] = [
    ("shop:p1", "Blue Slim Jeans", "levi", "jeans", "blue", "denim", "casual", None, "women", {"x0": 1}, {"x0": 1}),
    ("shop:p2", "Navy Straight Jeans", "levi", "jeans", "navy-blue", "denim", "casual", None, None,
     {"x0": 0.8, "x1": 0.6}, {"x0": 0.6, "x1": 0.8}),
    ("shop:p3", "Black Skinny Jeans", "zara", "jeans", "black", "denim", "casual", None, None,
     {"x0": 0.6, "x1": 0.8}, {"x0": 0.8, "x1": 0.6}),
    ("shop:p4", "White Logo T-shirt", "nike", "t-shirt", "white", "cotton", "sports", None, None, {"x3": 1}, {"x2": 1}),
    ("shop:p5", "Navy Striped T-shirt", "zara", "t-shirt", "navy-blue", "cotton", "casual", "striped", None,
     {"x0": 0.8, "x2": 0.6}, {"x2": 1}),
    ("shop:p6", "Red Running Sneakers", "puma", "sneakers", "red", None, "sports", None, None,
     {"x0": 0.6, "x3": 0.8}, {"x3": 1}),
    ("shop:p7", "Maroon Suede Sneakers", "puma", "sneakers", "maroon", "suede", "casual", None, "unisex",
     {"x0": 0.8, "x1": -0.6}, {"x3": 1}),
    ("shop:p8", "Blue Denim Jacket", "levi", "jacket", "blue", "denim", "casual", None, None,
     {"x0": 0.6, "x2": 0.8}, {"x1": 1}),
    ("shop:p9", "Black Leather Belt", "zara", "belt", "black", "leather", None, None, "men", {"x1": 1}, {"x4": 1}),
    ("shop:p10", "Red Sports Cap", "nike", "cap", "red", None, "sports", None, None,
     {"x0": 0.6, "x2": -0.8}, {"x4": 1}),
    ("mkt:p12", "Grey Hoodie", None, "hoodie", "grey", None, None, None, None, {"x0": -1}, {"x5": 1}),
]
# fmt: on
BRANDS = {"levi": "Levi's", "zara": "Zara", "nike": "Nike", "puma": "Puma"}
# customer, product, date
PURCHASES = [
    ("u1", "shop:p1", "2024-01-10"),
    ("u1", "shop:p5", "2024-01-10"),
    ("u1", "shop:p6", "2024-04-20"),
    ("u1", "shop:p4", "2024-06-01"),
    ("u2", "shop:p2", "2024-02-01"),
    ("u2", "shop:p8", "2024-02-15"),
    ("u2", "shop:p3", "2024-05-01"),
    ("u3", "shop:p1", "2024-03-01"),
    ("u3", "shop:p6", "2024-03-10"),
    ("u3", "shop:p9", "2024-03-12"),
    ("u3", "shop:p11", "2024-03-15"),
    ("u4", "shop:p1", "2024-05-01"),
    ("u4", "shop:p6", "2024-05-20"),
    ("u4", "shop:p7", "2024-08-01"),
]
# image id, product, embedding, DEPICTS flags (categoryAgrees, detectedCategory, colourAgrees, detectedColour)
PHOTOS: list[tuple[Any, ...]] = [
    ("img1", "shop:p1", {"x0": 1}, (True, "jeans", True, "blue")),
    ("img2", "shop:p2", {"x0": 0.8, "x1": 0.6}, (True, "jeans", False, "black")),
    ("img6", "shop:p6", {"x2": 0.6, "x3": 0.8}, (True, "sneakers", True, "red")),
    ("img7", "shop:p7", {"x2": 1}, (False, "boots", True, "maroon")),
    ("img8", "shop:p8", {"x0": 0.6, "x1": 0.8}, (True, "jacket", None, None)),
]

FACTS = [
    ("HAS_BRAND", "Brand", "brand"),
    ("IN_CATEGORY", "Category", "category"),
    ("HAS_COLOUR", "Colour", "colour"),
    ("MADE_OF", "Material", "material"),
    ("HAS_STYLE", "Style", "style"),
    ("HAS_PATTERN", "Pattern", "pattern"),
    ("FOR_GENDER", "Gender", "gender"),
]
BUILD = [
    """
    UNWIND $brands AS b MERGE (:Brand {id: b.id, name: b.name})
    """,
    """
    UNWIND $products AS row
    CREATE (:Product {id: row.id, name: row.name, source: split(row.id, ':')[0], inCatalog: true,
                      recEmbedding: row.rec, textEmbedding: row.text})
    """,
    *(
        f"""
        UNWIND $products AS row
        MATCH (p:Product {{id: row.id}}), (t:{label} {{id: row.{column}}})
        // Black Skinny Jeans' style comes from its name, less sure than a column.
        CREATE (p)-[:{rel} {{confidence: CASE WHEN row.id = 'shop:p3' AND '{rel}' = 'HAS_STYLE' THEN 0.8 ELSE 1.0 END,
                             source: 'test', rule: 'hand'}}]->(t)
        """
        for rel, label, column in FACTS
    ),
    """
    CREATE (:Product {id: 'shop:p11', name: 'Old Tee', source: 'shop', inCatalog: false, recEmbedding: $p11})
    """,
    """
    UNWIND ['u1', 'u2', 'u3', 'u4', 'u5'] AS id CREATE (:Customer {id: id, source: 'shop'})
    """,
    """
    MATCH (c:Customer {id: 'u1'}) SET c.recEmbedding = $u1, c.recModelVersion = 'rec-test'
    """,
    """
    UNWIND range(0, size($purchases) - 1) AS i
    WITH i, $purchases[i] AS row
    MATCH (c:Customer {id: row[0]}), (p:Product {id: row[1]})
    CREATE (c)-[:PURCHASED {id: 'r' + i, date: date(row[2]), price: 10.0, source: 'test'}]->(p)
    """,
    """
    UNWIND $photos AS row
    MATCH (p:Product {id: row.product})
    CREATE (i:Image {id: row.id, path: '/photos/' + row.id + '.jpg', embedding: row.embedding})
    CREATE (i)-[:DEPICTS {categoryAgrees: row.flags[0], detectedCategory: row.flags[1], colourAgrees: row.flags[2],
                          detectedColour: row.flags[3], modelVersion: 'seg@test'}]->(p)
    """,
    """
    MATCH (i:Image {id: 'img7'})
    CREATE (i)-[:HAS_DETECTION]->(:Detection {id: 'img7:seg@test:0', current: true, embedding: $detection})
    CREATE (i)-[:HAS_DETECTION]->(:Detection {id: 'img7:seg@old:0', current: false, embedding: $detection})
    """,
    """
    MATCH (p:Product {id: 'mkt:p12'}), (cotton:Material {id: 'cotton'}), (fleece:Material {id: 'fleece'})
    CREATE (p)-[:INFERRED {relation: 'MADE_OF', score: 0.8, rank: 1, modelVersion: 'kge-test'}]->(cotton)
    CREATE (p)-[:INFERRED {relation: 'MADE_OF', score: 0.15, rank: 2, modelVersion: 'kge-test'}]->(fleece)
    """,
]


def build_shop(driver: Driver) -> None:
    """Write the hand-made graph described in the module docstring, and derive PREFERS from it."""
    params = {
        "brands": [{"id": k, "name": v} for k, v in BRANDS.items()],
        "products": [
            dict(
                zip(
                    ("id", "name", "brand", "category", "colour", "material", "style", "pattern", "gender"),
                    row[:9],
                    strict=True,
                ),
                rec=e(REC, **row[9]),
                text=e(TEXT, **row[10]),
            )
            for row in PRODUCTS
        ],
        "p11": e(REC, x0=1),
        "u1": e(REC, x0=1),
        "purchases": [list(p) for p in PURCHASES],
        "photos": [{"id": i, "product": p, "embedding": e(IMAGE, **v), "flags": list(f)} for i, p, v, f in PHOTOS],
        "detection": e(IMAGE, x2=1),
    }
    for statement in BUILD:
        driver.execute_query(statement, params)
    compute_preferences(driver, half_life_days=1e9)


@pytest.fixture
def shop(driver: Driver) -> Driver:
    build_shop(driver)
    return driver


def rows(driver: Driver, name: str, **params: object) -> list[dict[str, Any]]:
    return run_query(driver, name, params).rows


def table(result: list[dict[str, Any]], *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(row[c] for c in columns) for row in result]


NEW_QUERIES = (
    "recommend",
    "cold_start",
    "similar_products",
    "complete_the_look",
    "visual_search_embedding",
    "preference_history",
    "explain",
    "photo_catalog_mismatch",
    "missing_attributes",
)


@pytest.mark.parametrize("name", NEW_QUERIES)
def test_each_query_has_a_complete_read_only_header(name: str) -> None:
    query = cypher.load(name)
    assert (query.name, query.mode, len(query.statements)) == (name, "read", 1)
    assert query.purpose and query.returns and query.needs
    assert all(p.description for p in query.params)


def test_embeddings_can_be_typed_on_the_command_line() -> None:
    query = cypher.load("visual_search_embedding")
    assert query.bind({"embedding": "0.6, 0.8,0"})["embedding"] == [0.6, 0.8, 0.0]
    assert query.bind({"embedding": "[1, -0.5]"})["embedding"] == [1.0, -0.5]
    with pytest.raises(QueryError, match="embedding must be list<float>"):
        query.bind({"embedding": "0.6,blue"})


def test_recommend_reranks_the_model_candidates_with_preferences(shop: Driver) -> None:
    # u1 bought p1, p5, p6, p4: each brand and colour 1/4, casual and sports 2/4; categories with
    # ancestors count 12 (apparel 3, t-shirt 2, tops 2, the others 1), so jeans + bottoms + apparel = 5/12.
    result = rows(shop, "recommend", customerId="u1")
    assert result[0] == {
        "product": "shop:p2",
        "name": "Navy Straight Jeans",
        "brand": "Levi's",
        "category": "jeans",
        "colour": "navy-blue",
        # 0.8 + 0.2 * 1/4 (Levi's) + 0.2 * 5/12 (jeans) + 0.1 * 1/4 (navy) + 0.1 * 2/4 (casual) + 0.1 (in catalog)
        "score": 1.1083,
        "similarity": 0.8,
        "source": "model",
        "reasons": [
            "you bought 1 item from Levi's",
            "you bought 1 item in Jeans",
            "you bought 1 Navy Blue item",
            "you bought 2 Casual items",
            "similar to Blue Slim Jeans you bought (0.8)",
        ],
    }
    assert table(result, "product", "score", "similarity", "reasons")[1:] == [
        # 0.8 + 0.05 (Puma) + 0.2 * 3/12 (sneakers) + 0.05 (casual) + 0.1; maroon is not a colour u1 bought
        (
            "shop:p7",
            1.05,
            0.8,
            [
                "you bought 1 item from Puma",
                "you bought 1 item in Sneakers",
                "you bought 2 Casual items",
                "similar to Blue Slim Jeans you bought (0.8)",
            ],
        ),
        # the model's favourite, but known only from purchases: no facts, no availability bonus
        (
            "shop:p11",
            1.0,
            1.0,
            [
                "similar to Blue Slim Jeans you bought (1.0)",
                "not in the catalog: known only from purchases",
            ],
        ),
        (
            "shop:p3",
            0.8833,
            0.6,
            [  # 0.6 + 0.05 + 5/60 + 0.05 + 0.1
                "you bought 1 item from Zara",
                "you bought 1 item in Jeans",
                "you bought 2 Casual items",
                "similar to Blue Slim Jeans you bought (0.6)",
            ],
        ),
        (
            "shop:p8",
            0.875,
            0.6,
            [  # 0.6 + 0.05 + 0.2 * 3/12 (apparel) + 0.025 + 0.05 + 0.1
                "you bought 1 item from Levi's",
                "you bought 3 items in Apparel",
                "you bought 1 Blue item",
                "you bought 2 Casual items",
                "similar to Navy Striped T-shirt you bought (0.96)",
            ],
        ),
        (
            "shop:p10",
            0.825,
            0.6,
            [  # 0.6 + 0.05 + 0.025 + 0.05 + 0.1
                "you bought 1 item from Nike",
                "you bought 1 Red item",
                "you bought 2 Sports items",
                "similar to Blue Slim Jeans you bought (0.6)",
            ],
        ),
        ("shop:p9", 0.15, 0.0, ["you bought 1 item from Zara"]),  # orthogonal: no "similar to"
        ("mkt:p12", -0.85, -1.0, ["you bought 3 items in Apparel"]),  # -1 + 0.05 + 0.1
    ]


def test_recommend_limits_each_category_and_keeps_repurchases_when_asked(shop: Driver) -> None:
    # One per leaf category: p3, a second pair of jeans, gives way to the jacket.
    result = rows(shop, "recommend", customerId="u1", perCategory=1, k=4)
    assert table(result, "product", "category") == [
        ("shop:p2", "jeans"),
        ("shop:p7", "sneakers"),
        ("shop:p11", None),
        ("shop:p8", "jacket"),
    ]
    result = rows(shop, "recommend", customerId="u1", keepPurchased=True, k=3)
    assert table(result, "product", "score") == [
        ("shop:p1", 1.3083),  # 1.0 + 0.05 + 5/60 + 0.025 + 0.05 + 0.1
        ("shop:p5", 1.1417),  # 0.8 + 0.05 + 0.2 * 7/12 + 0.025 + 0.05 + 0.1
        ("shop:p2", 1.1083),
    ]
    assert result[0]["reasons"][-2:] == ["similar to Navy Striped T-shirt you bought (0.8)", "you bought it before"]


def test_recommend_ranks_by_preferences_without_a_recommender_vector(shop: Driver) -> None:
    # u2 bought p2, p8, p3: Levi's 2/3, Zara 1/3; jeans 2/9, bottoms 2/9, apparel 3/9, jacket and
    # outerwear 1/9; navy, blue and black 1/3 each; casual 1.
    result = rows(shop, "recommend", customerId="u2")
    assert {r["source"] for r in result} == {"preferences"}
    assert {r["similarity"] for r in result} == {None}
    assert table(result, "product", "score", "reasons") == [
        (
            "shop:p1",
            0.5222,
            [  # 0.2 * 2/3 + 0.2 * 7/9 + 0.1 * 1/3 + 0.1 + 0.1
                "you bought 2 items from Levi's",
                "you bought 2 items in Jeans",
                "you bought 1 Blue item",
                "you bought 3 Casual items",
                "similar to Navy Straight Jeans you bought (0.8)",
            ],
        ),
        (
            "shop:p5",
            0.3667,
            [  # 0.2 * 1/3 + 0.2 * 3/9 + 0.1 * 1/3 + 0.1 + 0.1
                "you bought 1 item from Zara",
                "you bought 3 items in Apparel",
                "you bought 1 Navy Blue item",
                "you bought 3 Casual items",
                "similar to Blue Denim Jacket you bought (0.96)",
            ],
        ),
        ("shop:p7", 0.2, ["you bought 3 Casual items"]),
        (
            "shop:p9",
            0.2,
            [
                "you bought 1 item from Zara",
                "you bought 1 Black item",
                "similar to Black Skinny Jeans you bought (0.8)",
            ],
        ),
        ("mkt:p12", 0.1667, ["you bought 3 items in Apparel"]),
        ("shop:p4", 0.1667, ["you bought 3 items in Apparel"]),
    ]
    # Without a vector the candidates are the best by preferences alone.
    assert table(rows(shop, "recommend", customerId="u2", candidates=2), "product") == [("shop:p1",), ("shop:p5",)]
    assert rows(shop, "recommend", customerId="u5") == []


def test_cold_start_matches_stated_terms_with_families_and_subcategories(shop: Driver) -> None:
    result = rows(shop, "cold_start", brands=["Puma"], colours=["red"], categories=["shoes"])
    assert table(result, "product", "score", "popularity", "reasons") == [
        (
            "shop:p6",
            3.0,
            3,
            ["you asked for Puma", "you asked for Red", "Sneakers is in Shoes you asked for", "bought by 3 customers"],
        ),
        (
            "shop:p7",
            2.5,
            1,
            [
                "you asked for Puma",
                "Maroon is in the colour family of Red you asked for",
                "Sneakers is in Shoes you asked for",
                "bought by 1 customer",
            ],
        ),
        ("shop:p10", 1.0, 0, ["you asked for Red"]),
    ]
    # Equal scores: the most bought first, at most two per leaf category (p3, the third jeans, is out).
    result = rows(shop, "cold_start", categories=["Apparel"], perCategory=2)
    assert table(result, "product", "popularity") == [
        ("shop:p1", 3),
        ("shop:p2", 1),
        ("shop:p4", 1),
        ("shop:p5", 1),
        ("shop:p8", 1),
        ("mkt:p12", 0),
    ]


def test_similar_products_by_embedding_attributes_and_both(shop: Driver) -> None:
    # p1 has 8 facts: Levi's, jeans, bottoms, apparel, blue, denim, casual, women.
    # p1 vs p2: text 0.6, photos 0.8, recommender 0.8 -> embedding 0.7333; attributes: 6 shared facts
    # (not blue vs navy, p2 has no gender) of 9 in all -> 0.6667; combined (0.7333 + 0.6667) / 2.
    result = rows(shop, "similar_products", productId="shop:p1", k=5)
    assert result[0] == {
        "product": "shop:p2",
        "name": "Navy Straight Jeans",
        "brand": "Levi's",
        "category": "jeans",
        "colour": "navy-blue",
        "score": 0.7,
        "embedding": 0.7333,
        "attributes": 0.6667,
        "reasons": [
            "same brand: Levi's",
            "same category: Jeans",
            "same colour family: Blue",
            "same material: Denim",
            "same style: Casual",
            "similar description (0.6)",
            "similar photos (0.8)",
            "bought by similar customers (0.8)",
        ],
    }
    assert table(result, "product", "score", "embedding", "attributes", "reasons")[1:] == [
        # text 0.8, recommender 0.6, no photo; facts: jeans, bottoms, apparel, denim 1 each and casual
        # min(1, 0.8) -> 4.8, over 8 + 6.8 - 4.8
        (
            "shop:p3",
            0.59,
            0.7,
            0.48,
            [
                "same category: Jeans",
                "same material: Denim",
                "same style: Casual",
                "similar description (0.8)",
                "bought by similar customers (0.6)",
            ],
        ),
        # text 0, photos 0.6, recommender 0.6; 5 shared facts of 10
        (
            "shop:p8",
            0.45,
            0.4,
            0.5,
            [
                "same brand: Levi's",
                "same category: Apparel",
                "same colour: Blue",
                "same material: Denim",
                "same style: Casual",
                "similar photos (0.6)",
                "bought by similar customers (0.6)",
            ],
        ),
        (
            "shop:p5",
            0.2714,
            0.4,
            0.1429,
            [  # 2 shared facts of 14
                "same category: Apparel",
                "same colour family: Blue",
                "same style: Casual",
                "bought by similar customers (0.8)",
            ],
        ),
        # text 0, photos 0, recommender 0.8; 1 of 15 (unisex is not women)
        ("shop:p7", 0.1667, 0.2667, 0.0667, ["same style: Casual", "bought by similar customers (0.8)"]),
    ]
    assert table(rows(shop, "similar_products", productId="shop:p1", by="embedding", k=5), "product", "score") == [
        ("shop:p2", 0.7333),
        ("shop:p3", 0.7),
        ("shop:p5", 0.4),
        ("shop:p8", 0.4),
        ("shop:p10", 0.3),
    ]
    # Only products sharing a fact: the belt, the cap and the red sneakers share none.
    assert table(rows(shop, "similar_products", productId="shop:p1", by="attributes"), "product", "score") == [
        ("shop:p2", 0.6667),
        ("shop:p8", 0.5),
        ("shop:p3", 0.48),
        ("shop:p5", 0.1429),
        ("mkt:p12", 0.0909),
        ("shop:p4", 0.0714),
        ("shop:p7", 0.0667),
    ]
    # Fewer candidates: only the best two by attributes are scored.
    result = rows(shop, "similar_products", productId="shop:p1", by="attributes", candidates=2)
    assert table(result, "product") == [("shop:p2",), ("shop:p8",)]


def test_exhaustive_scan_gives_the_rows_of_the_vector_indexes(shop: Driver) -> None:
    # u1's five nearest products (e0): p1 and p11 (cosine 1), p2, p5, p7 (0.8); p1 and p5 were
    # bought, so three are left. An ascending or unlimited scan would keep others (p3, p8, ...).
    for exhaustive in (False, True):
        result = rows(shop, "recommend", customerId="u1", candidates=5, exhaustive=exhaustive)
        assert table(result, "product", "score") == [("shop:p2", 1.1083), ("shop:p7", 1.05), ("shop:p11", 1.0)]
    assert rows(shop, "recommend", customerId="u1", exhaustive=True) == rows(shop, "recommend", customerId="u1")
    # p1's two nearest: by text p1 and p3 (0.8), by recommender p1 and p11 (1.0, not in the catalog),
    # by photo img1 and img2 (0.8, of p2); so p2 and p3 are ranked, p8 (0.6 by photo and recommender) is not.
    for exhaustive in (False, True):
        params = {"productId": "shop:p1", "by": "embedding", "candidates": 2, "exhaustive": exhaustive}
        result = rows(shop, "similar_products", **params)
        assert table(result, "product", "score") == [("shop:p2", 0.7333), ("shop:p3", 0.7)]
    for by in ("embedding", "combined"):
        assert rows(shop, "similar_products", productId="shop:p1", by=by, exhaustive=True) == rows(
            shop, "similar_products", productId="shop:p1", by=by
        )


def test_complete_the_look_from_co_purchases_then_compatible_attributes(shop: Driver) -> None:
    # Within 30 days of buying p1: u3 and u4 bought p6, u1 bought p5, u3 the belt p9 (for men: left
    # out, p1 is for women). 4 customers bought something, 3 bought p1, 3 p6, 1 p5.
    result = rows(shop, "complete_the_look", productId="shop:p1")
    assert table(result, "rank", "product", "category", "source", "together", "lift", "reasons") == [
        (
            1,
            "shop:p6",
            "sneakers",
            "co-purchase",
            2,
            0.8889,  # 2 * 4 / (3 * 3)
            ["bought within 30 days of Blue Slim Jeans by 2 customers (lift 0.89)"],
        ),
        (
            2,
            "shop:p5",
            "t-shirt",
            "co-purchase",
            1,
            1.3333,
            [  # 1 * 4 / (3 * 1)
                "bought within 30 days of Blue Slim Jeans by 1 customer (lift 1.33)",
                "same colour family as Blue Slim Jeans: Blue",
                "same style as Blue Slim Jeans: Casual",
            ],
        ),
        (
            3,
            "shop:p8",
            "jacket",
            "attributes",
            0,
            None,
            [
                "same colour family as Blue Slim Jeans: Blue",
                "same style as Blue Slim Jeans: Casual",
            ],
        ),
        (4, "shop:p7", "sneakers", "attributes", 0, None, ["same style as Blue Slim Jeans: Casual"]),
    ]
    # The unisex sneakers were bought 73 and 92 days from anything else: attributes only, the most
    # bought first; never other shoes.
    result = rows(shop, "complete_the_look", productId="shop:p7", days=5, k=3)
    assert table(result, "product", "source", "reasons") == [
        ("shop:p1", "attributes", ["same style as Maroon Suede Sneakers: Casual"]),
        ("shop:p2", "attributes", ["same style as Maroon Suede Sneakers: Casual"]),
        ("shop:p3", "attributes", ["same style as Maroon Suede Sneakers: Casual"]),
    ]
    assert rows(shop, "complete_the_look", productId="shop:p11") == []  # no category, no complement


def test_visual_search_by_embedding_rescores_exactly(shop: Driver) -> None:
    photo = e(IMAGE, x0=1)
    result = rows(shop, "visual_search_embedding", embedding=photo, k=3)
    assert table(result, "product", "similarity", "image", "detection") == [
        ("shop:p1", 1.0, "/photos/img1.jpg", None),
        ("shop:p2", 0.8, "/photos/img2.jpg", None),
        ("shop:p8", 0.6, "/photos/img8.jpg", None),
    ]
    result = rows(shop, "visual_search_embedding", embedding=e(IMAGE, x2=0.6, x3=0.8), category="footwear")
    assert table(result, "product", "name", "brand", "category", "colour", "similarity") == [
        ("shop:p6", "Red Running Sneakers", "Puma", "sneakers", "red", 1.0),
        ("shop:p7", "Maroon Suede Sneakers", "Puma", "sneakers", "maroon", 0.6),
    ]
    # Only current detections: the old model's detection of the same crop is not a second hit.
    result = rows(shop, "visual_search_embedding", embedding=e(IMAGE, x2=1), index="detection_embedding")
    assert table(result, "product", "similarity", "detection") == [("shop:p7", 1.0, "img7:seg@test:0")]
    # The index's own scores (visual_search) are int8-quantised: the same order, approximate values.
    result = rows(shop, "visual_search", embedding=photo, index="image_embedding", k=3)
    assert table(result, "product", "image") == [
        ("shop:p1", "/photos/img1.jpg"),
        ("shop:p2", "/photos/img2.jpg"),
        ("shop:p8", "/photos/img8.jpg"),
    ]
    assert [r["score"] for r in result] == pytest.approx([1.0, 0.9, 0.8], abs=0.05)


def test_preference_history_shows_the_change_between_periods(shop: Driver) -> None:
    # u1: Q1 jeans (Levi's, blue, denim, casual) and a striped t-shirt (Zara, navy, cotton, casual);
    # Q2 sneakers (Puma, red, sports) and a t-shirt (Nike, white, cotton, sports).
    result = rows(shop, "preference_history", customerId="u1", kinds=["Category", "Style", "Material"])
    assert table(result, "period", "purchases", "kind", "id", "count", "share", "previousShare", "change") == [
        ("2024-Q1", 2, "Category", "bottoms", 1, 0.5, None, None),
        ("2024-Q1", 2, "Category", "tops", 1, 0.5, None, None),
        ("2024-Q1", 2, "Material", "cotton", 1, 0.5, None, None),
        ("2024-Q1", 2, "Material", "denim", 1, 0.5, None, None),
        ("2024-Q1", 2, "Style", "casual", 2, 1.0, None, None),
        ("2024-Q2", 2, "Category", "shoes", 1, 0.5, 0.0, 0.5),
        ("2024-Q2", 2, "Category", "tops", 1, 0.5, 0.5, 0.0),
        ("2024-Q2", 2, "Material", "cotton", 1, 1.0, 0.5, 0.5),  # the sneakers have no material
        ("2024-Q2", 2, "Style", "sports", 2, 1.0, 0.0, 1.0),
    ]
    result = rows(shop, "preference_history", customerId="u2", period="year", kinds="Brand,Category", categoryLevel=3)
    assert table(result, "period", "kind", "name", "count", "share", "previousShare") == [
        ("2024", "Brand", "Levi's", 2, 0.6667, None),
        ("2024", "Brand", "Zara", 1, 0.3333, None),
        ("2024", "Category", "Jeans", 2, 0.6667, None),
        ("2024", "Category", "Jacket", 1, 0.3333, None),
    ]
    result = rows(shop, "preference_history", customerId="u1", period="half", kinds=["Brand"], limit=1)
    assert table(result, "period", "id", "share") == [("2024-H1", "levi", 0.25)]


def test_explain_lists_the_paths_behind_a_product(shop: Driver) -> None:
    assert rows(shop, "explain", customerId="u1", productId="shop:p2") == [
        {
            "kind": "looks-like",
            "text": "looks like Blue Slim Jeans you bought (0.8)",
            "evidence": ["shop:p1"],
            "strength": 0.8,
        },
        {
            "kind": "recommender",
            "text": "the recommender rates it 0.8 for you",
            "evidence": ["rec-test"],
            "strength": 0.8,
        },
        {
            "kind": "same-category",
            "text": "same category (Jeans) and colour family (Blue) as Blue Slim Jeans you bought",
            "evidence": ["shop:p1"],
            "strength": 0.5,
        },
        {"kind": "style", "text": "you bought 2 Casual items", "evidence": ["shop:p1", "shop:p5"], "strength": 0.5},
        {"kind": "brand", "text": "you bought 1 item from Levi's", "evidence": ["shop:p1"], "strength": 0.25},
        {"kind": "category", "text": "you bought 1 item in Jeans", "evidence": ["shop:p1"], "strength": 0.25},
        {"kind": "colour", "text": "you bought 1 Navy Blue item", "evidence": ["shop:p5"], "strength": 0.25},
        {"kind": "material", "text": "you bought 1 Denim item", "evidence": ["shop:p1"], "strength": 0.25},
    ]
    # u1 bought p1 and p6; of the two others who bought each (u3, u4), u4 also bought p7.
    assert table(rows(shop, "explain", customerId="u1", productId="shop:p7"), "kind", "text", "strength") == [
        ("recommender", "the recommender rates it 0.8 for you", 0.8),
        ("looks-like", "looks like Red Running Sneakers you bought (0.6)", 0.6),
        ("co-purchase", "1 other customer who bought Blue Slim Jeans also bought it", 0.5),
        ("co-purchase", "1 other customer who bought Red Running Sneakers also bought it", 0.5),
        ("same-category", "same category (Sneakers) and colour family (Red) as Red Running Sneakers you bought", 0.5),
        ("style", "you bought 2 Casual items", 0.5),
        ("brand", "you bought 1 item from Puma", 0.25),
        ("category", "you bought 1 item in Sneakers", 0.25),
    ]
    assert table(rows(shop, "explain", customerId="u4", productId="shop:p6"), "kind", "text", "strength")[:2] == [
        ("co-purchase", "2 other customers who bought Blue Slim Jeans also bought it", 1.0),
        ("purchased", "you bought it once, last on 2024-05-20", 1.0),
    ]
    shop.execute_query(
        "MATCH (jeans:Category {id: 'jeans'}), (blue:Colour {id: 'blue'}) "
        "CREATE (jeans)<-[:IN_CATEGORY {confidence: 1.0}]-(:Product {id: 'shop:p13', name: 'Blue Wide Jeans', "
        "inCatalog: true})-[:HAS_COLOUR {confidence: 1.0}]->(blue)"
    )
    assert table(rows(shop, "explain", customerId="u1", productId="shop:p13"), "kind", "text", "evidence") == [
        ("same-category", "same colour (Blue) and category (Jeans) as Blue Slim Jeans you bought", ["shop:p1"]),
        ("category", "you bought 1 item in Jeans", ["shop:p1"]),
        ("colour", "you bought 1 Blue item", ["shop:p1"]),
    ]


def test_photo_catalog_mismatch_lists_disagreeing_photos(shop: Driver) -> None:
    result = rows(shop, "photo_catalog_mismatch")
    assert result == [
        {
            "product": "shop:p2",
            "name": "Navy Straight Jeans",
            "catalogCategory": ["jeans"],
            "detectedCategory": "jeans",
            "categoryAgrees": True,
            "catalogColour": ["navy-blue"],
            "detectedColour": "black",
            "colourAgrees": False,
            "image": "/photos/img2.jpg",
            "modelVersion": "seg@test",
        },
        {
            "product": "shop:p7",
            "name": "Maroon Suede Sneakers",
            "catalogCategory": ["sneakers"],
            "detectedCategory": "boots",
            "categoryAgrees": False,
            "catalogColour": ["maroon"],
            "detectedColour": "maroon",
            "colourAgrees": True,
            "image": "/photos/img7.jpg",
            "modelVersion": "seg@test",
        },
    ]
    assert [r["product"] for r in rows(shop, "photo_catalog_mismatch", check="colour")] == ["shop:p2"]
    assert [r["product"] for r in rows(shop, "photo_catalog_mismatch", check="category")] == ["shop:p7"]


def test_missing_attributes_per_source_with_proposals(shop: Driver) -> None:
    assert rows(shop, "missing_attributes") == [
        {
            "source": "mkt",
            "attribute": "brand",
            "missing": 1,
            "products": 1,
            "share": 1.0,
            "proposed": 0,
            "sample": ["mkt:p12"],
            "proposals": [],
        },
        {
            "source": "mkt",
            "attribute": "material",
            "missing": 1,
            "products": 1,
            "share": 1.0,
            "proposed": 1,
            "sample": ["mkt:p12"],
            "proposals": ["mkt:p12: Cotton (0.8)"],
        },
        {
            "source": "shop",
            "attribute": "material",
            "missing": 2,
            "products": 10,
            "share": 0.2,
            "proposed": 0,
            "sample": ["shop:p10", "shop:p6"],
            "proposals": [],
        },
    ]
    assert table(rows(shop, "missing_attributes", source="shop", sample=1), "attribute", "missing", "sample") == [
        ("material", 2, ["shop:p10"])
    ]


def test_library_returns_typed_results_and_says_when_it_falls_back(shop: Driver) -> None:
    result = recommend(shop, "u1", k=2)
    assert result == Recommendations(
        customer="u1",
        source="model",
        note=None,
        items=(
            Recommendation(
                product="shop:p2",
                name="Navy Straight Jeans",
                brand="Levi's",
                category="jeans",
                colour="navy-blue",
                score=1.1083,
                similarity=0.8,
                popularity=None,
                reasons=(
                    "you bought 1 item from Levi's",
                    "you bought 1 item in Jeans",
                    "you bought 1 Navy Blue item",
                    "you bought 2 Casual items",
                    "similar to Blue Slim Jeans you bought (0.8)",
                ),
            ),
            Recommendation(
                product="shop:p7",
                name="Maroon Suede Sneakers",
                brand="Puma",
                category="sneakers",
                colour="maroon",
                score=1.05,
                similarity=0.8,
                popularity=None,
                reasons=(
                    "you bought 1 item from Puma",
                    "you bought 1 item in Sneakers",
                    "you bought 2 Casual items",
                    "similar to Blue Slim Jeans you bought (0.8)",
                ),
            ),
        ),
    )
    fallback = recommend(shop, "u2", k=1)
    assert (fallback.source, fallback.note, [r.product for r in fallback.items]) == (
        "preferences",
        # Says which command computes the vectors (a newcomer's trip: recommend before train).
        "customer u2 has no recommender vector: ranked by their preferences alone (`shopgraph train` computes "
        "the vectors)",
        ["shop:p1"],
    )
    empty = recommend(shop, "u5")
    assert (empty.items, empty.note) == (
        (),
        "customer u5 has no recommender vector and no preferences (no purchases, or `shopgraph reason preferences` "
        "has not run); `shopgraph train` computes the vectors, or try a cold start",
    )
    with pytest.raises(QueryError, match="no customer with id 'nobody'"):
        recommend(shop, "nobody")
    with pytest.raises(ValueError, match="candidates must be at least k, got candidates=5, k=10"):
        recommend(shop, "u1", candidates=5)


def test_cold_start_names_every_unknown_term(shop: Driver) -> None:
    # A colour by its name, in any case: both navy products score 1 and were bought once; id order.
    result = cold_start(shop, colours=["navy BLUE"], k=2)
    assert (result.customer, result.source, [(r.product, r.score, r.popularity) for r in result.items]) == (
        None,
        "stated",
        [("shop:p2", 1.0, 1), ("shop:p5", 1.0, 1)],
    )
    assert [r.product for r in cold_start(shop, categories=["sneaker"]).items] == ["shop:p6", "shop:p7"]  # synonym
    with pytest.raises(QueryError, match=r"^unknown brand 'pumaa'; category 'shoez'$"):
        cold_start(shop, brands=["pumaa", "Puma"], categories=["shoez"])
    with pytest.raises(ValueError, match="state at least one brand, colour or category"):
        cold_start(shop)


def test_similar_and_explain_name_unknown_ids(shop: Driver) -> None:
    found = similar(shop, "shop:p1", by="attributes", k=1)
    assert found == (
        SimilarProduct(
            product="shop:p2",
            name="Navy Straight Jeans",
            brand="Levi's",
            category="jeans",
            colour="navy-blue",
            score=0.6667,
            embedding=0.7333,
            attributes=0.6667,
            reasons=found[0].reasons,
        ),
    )
    with pytest.raises(QueryError, match="no product with id 'shop:nope'"):
        similar(shop, "shop:nope")
    with pytest.raises(ValueError, match="by must be one of embedding, attributes, combined, got 'colour'"):
        similar(shop, "shop:p1", by="colour")
    why = explain(shop, "u1", "shop:p2")
    assert (why.customer, why.product, why.reasons[0]) == (
        "u1",
        "shop:p2",
        Reason("looks-like", "looks like Blue Slim Jeans you bought (0.8)", ("shop:p1",), 0.8),
    )
    assert explain(shop, "u5", "shop:p1").reasons == ()
    with pytest.raises(QueryError, match="no product with id 'shop:nope'"):
        explain(shop, "u1", "shop:nope")
    with pytest.raises(QueryError, match="no customer with id 'nobody'"):
        explain(shop, "nobody", "shop:p1")


@pytest.fixture
def run(neo4j_settings: Settings, shop: Driver):
    env = {
        "NEO4J_URI": neo4j_settings.bolt_uri,
        "NEO4J_PASSWORD": neo4j_settings.resolved_password(),
        "SHOPGRAPH_HOME": str(neo4j_settings.home),
    }

    def invoke(*args: str) -> Result:
        return CliRunner().invoke(cli, list(args), env=env)

    return invoke


def test_recommend_command_as_json_and_as_a_table(run) -> None:
    result = run("recommend", "u1", "-k", "2", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert (found["customer"], found["source"], found["note"]) == ("u1", "model", None)
    assert [(r["product"], r["score"], r["reasons"][-1]) for r in found["items"]] == [
        ("shop:p2", 1.1083, "similar to Blue Slim Jeans you bought (0.8)"),
        ("shop:p7", 1.05, "similar to Blue Slim Jeans you bought (0.8)"),
    ]
    result = run("recommend", "u2", "-k", "1")
    assert result.exit_code == 0, result.output
    assert "ranked by their preferences alone" in result.stderr
    assert "Recommended for customer u2 (preferences)" in result.stdout and "shop:p1" in result.stdout
    result = run("recommend", "--cold-start", "--brand", "puma", "--color", "red", "--category", "shoes", "--json")
    assert result.exit_code == 0, result.output
    assert [(r["product"], r["popularity"]) for r in json.loads(result.stdout)["items"]] == [
        ("shop:p6", 3),
        ("shop:p7", 1),
        ("shop:p10", 0),
    ]
    result = run("recommend", "u1", "--keep-purchased", "-k", "1", "--json")
    assert json.loads(result.stdout)["items"][0]["product"] == "shop:p1"


def test_explain_and_similar_commands(run) -> None:
    result = run("explain", "u1", "shop:p7", "--json")
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert (found["customer"], found["product"], len(found["reasons"])) == ("u1", "shop:p7", 8)
    assert found["reasons"][2] == {
        "kind": "co-purchase",
        "text": "1 other customer who bought Blue Slim Jeans also bought it",
        "evidence": ["shop:p1"],
        "strength": 0.5,
    }
    result = run("explain", "u1", "shop:p2")
    assert result.exit_code == 0 and "Why shop:p2 for customer u1" in result.stdout
    result = run("similar", "shop:p1", "--by", "attributes", "-k", "2", "--json")
    assert result.exit_code == 0, result.output
    assert [(s["product"], s["score"]) for s in json.loads(result.stdout)] == [("shop:p2", 0.6667), ("shop:p8", 0.5)]
    result = run("similar", "shop:p1", "-k", "1")
    assert result.exit_code == 0 and "Similar to shop:p1 (by combined)" in result.stdout


@pytest.mark.parametrize(
    "args,message",
    [
        (["recommend"], "give a CUSTOMER id, or --cold-start"),
        (["recommend", "u1", "--cold-start", "--brand", "puma"], "give either CUSTOMER or --cold-start, not both"),
        (["recommend", "--cold-start"], "--cold-start needs at least one --brand, --colour or --category"),
        (["recommend", "u1", "--colour", "red"], "add --cold-start"),
        (["similar"], "give a PRODUCT id, or --image PHOTO"),
        (["similar", "shop:p1", "--image", __file__], "give either a PRODUCT id or --image PHOTO, not both"),
        (["similar", "--image", __file__, "--by", "attributes"], "--by ranks catalog similarity of a PRODUCT"),
    ],
)
def test_conflicting_arguments_are_usage_errors(args: list[str], message: str) -> None:
    result = CliRunner().invoke(cli, args, env={"NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x"})
    assert result.exit_code == 2 and message in result.stderr, result.output


def test_unknown_ids_exit_with_the_query_error_code(run) -> None:
    result = run("recommend", "nobody")
    assert (result.exit_code, result.stderr.strip()) == (7, "error: no customer with id 'nobody'")
    result = run("explain", "u1", "shop:nope")
    assert (result.exit_code, result.stderr.strip()) == (7, "error: no product with id 'shop:nope'")
    result = run("recommend", "--cold-start", "--brand", "pumaa")
    assert (result.exit_code, result.stderr.strip()) == (7, "error: unknown brand 'pumaa'")
