"""The fairness audit: exposure, Gini, coverage and age bands against figures worked out by hand,
the analyst Cypher files agreeing with the library, and the exposure cap."""

from __future__ import annotations

import math

import numpy as np
import pytest
from neo4j import Driver

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.graphstore.core.runner import run_query
from shopgraph.relational.audit import SERVED, audit_recommendations
from shopgraph.relational.baselines import Popularity
from shopgraph.relational.exposure import gini, item_exposure, position_weights, tvd
from shopgraph.relational.exposure_cap import ExposureCap, cap_list, parse_cap, price_band_edges, price_bands

W2 = 1 / math.log2(3)  # the weight of rank 2; rank 1 weighs 1, rank 3 weighs 1/2


def test_position_weights_and_gini_by_hand() -> None:
    assert position_weights(3).tolist() == pytest.approx([1.0, W2, 0.5])
    assert item_exposure([[2, 0, -1], [0, 1, 2]], 4).tolist() == pytest.approx([W2 + 1, W2, 1.5, 0.0])
    # Sorted 0, 0, 1, 3: Σ(2i − n − 1)x = (−3)(0) + (−1)(0) + (1)(1) + (3)(3) = 10; n Σx = 4 · 4 = 16.
    assert gini([3, 0, 1, 0]) == pytest.approx(10 / 16)
    assert gini([2, 2, 2]) == 0.0 and gini([0, 0]) == 0.0
    assert tvd([0.5, 0.5], [0.4, 0.6]) == pytest.approx(0.1)
    with pytest.raises(ConfigError, match="non-negative"):
        gini([1, -1])


def test_price_bands_are_nearest_rank_quartiles() -> None:
    # n = 10: the quartiles are the ceil(q·n)-th smallest, 3, 5 and 8 (as Cypher's percentileDisc).
    assert price_band_edges(range(1, 11)).tolist() == [3, 5, 8]
    assert price_bands([1, 3, 4, 5, 6, 8, 9, float("nan")]).tolist() == [0, 0, 1, 1, 2, 2, 3, -1]


def test_cap_list_limits_each_group_and_refills_when_the_pool_runs_out() -> None:
    group = np.array([0, 0, 0, 1, 1, -1])
    # k = 4, 50%: at most 2 of group 0; item 2 waits, unknown-group item 5 is never held back.
    assert cap_list([0, 1, 2, 3, 5, 4], group, 4, 0.5).tolist() == [0, 1, 3, 5]
    # Too few others: the held-back item comes back, then -1 pads.
    assert cap_list([0, 1, 2, -1], group, 4, 0.5).tolist() == [0, 1, 2, -1]
    assert parse_cap("price_band:0.3") == ExposureCap("price_band", 0.3)
    with pytest.raises(ConfigError, match="DIMENSION:SHARE"):
        parse_cap("price_band")
    with pytest.raises(ConfigError, match=r"in \(0, 1\]"):
        parse_cap("price_band:1.5")


@pytest.fixture
def shop(driver: Driver) -> Driver:
    """Five catalog products, two customers, their purchases and served lists of three (see the test)."""
    with driver.session() as session:
        session.run(
            """
            CREATE (a:Brand {id: 'a', name: 'A'}), (b:Brand {id: 'b', name: 'B'}),
                   (d1:Department {id: 'd1', name: 'D1'}), (d2:Department {id: 'd2', name: 'D2'}),
                   (d3:Department {id: 'd3', name: 'D3'})
            WITH a, b, d1, d2, d3
            MATCH (w:Gender {id: 'women'}), (m:Gender {id: 'men'})
            UNWIND [['p1', a, d1, w], ['p2', a, d1, w], ['p3', b, d2, m], ['p4', b, d2, m], ['p5', b, d3, w]] AS row
            WITH row[0] AS id, row[1] AS brand, row[2] AS dept, row[3] AS gender
            CREATE (p:Product {id: id, inCatalog: true})-[:HAS_BRAND {confidence: 1.0}]->(brand),
                   (p)-[:IN_DEPARTMENT]->(dept), (p)-[:FOR_GENDER {confidence: 1.0}]->(gender)
            """
        ).consume()
        session.run(
            """
            CREATE (c1:Customer {id: 'c1', age: 22}), (c2:Customer {id: 'c2', age: 30})
            WITH c1, c2
            UNWIND [[c1, 'p1', 10.0, 1], [c1, 'p2', 20.0, 2], [c2, 'p3', 30.0, 3], [c2, 'p4', 40.0, 4],
                    [c2, 'p1', 10.0, 5]] AS row
            MATCH (p:Product {id: row[1]})
            WITH row[0] AS c, p, row[2] AS price, row[3] AS n
            CREATE (c)-[:PURCHASED {id: 'b' + n, price: price, date: date('2024-01-01') + duration({days: n}),
                                    source: 'hand:purchases.csv'}]->(p)
            """
        ).consume()
        session.run(
            """
            UNWIND [['c1', 'p1', 1], ['c1', 'p3', 2], ['c1', 'p5', 3], ['c2', 'p4', 1], ['c2', 'p1', 2],
                    ['c2', 'p2', 3]] AS row
            MATCH (c:Customer {id: row[0]}), (p:Product {id: row[1]})
            CREATE (c)-[:RECOMMENDED {rank: row[2]}]->(p)
            """
        ).consume()
    return driver


def test_audit_of_a_hand_built_graph(shop: Driver) -> None:
    report = audit_recommendations(shop, k=3, baselines=[Popularity])
    assert (report.k, report.catalog_size, report.customers, report.equal_size) == (3, 5, 2, 1)
    served, popular = report.lists
    assert served.name == SERVED and popular.name == "popularity"
    # Item exposure: p1 = 1 + w2 (c1 rank 1, c2 rank 2), p2 = 1/2, p3 = w2, p4 = 1, p5 = 1/2; Σ = 3 + 2·w2.
    # Sorted 1/2, 1/2, w2, 1, 1 + w2 with coefficients −4, −2, 0, 2, 4: Σ = 3 + 4·w2.
    assert served.gini == pytest.approx((3 + 4 * W2) / (5 * (3 + 2 * W2)))
    assert served.coverage == 1.0
    total = 3 + 2 * W2
    brand = served.shares["brand"]
    assert brand.groups == ("A", "B")
    assert brand.exposure == pytest.approx(((1.5 + W2) / total, (1.5 + W2) / total))
    assert brand.catalog == pytest.approx((2 / 5, 3 / 5)) and brand.purchases == pytest.approx((3 / 5, 2 / 5))
    assert brand.tvd_catalog == pytest.approx(0.1) and brand.tvd_purchases == pytest.approx(0.1)
    department = served.shares["department"]
    assert department.exposure == pytest.approx(((1.5 + W2) / total, (1 + W2) / total, 0.5 / total))
    gender = served.shares["gender"]
    assert gender.groups == ("men", "women")
    assert gender.exposure == pytest.approx(((1 + W2) / total, (2 + W2) / total))
    # Mean paid prices 10, 20, 30, 40 (p5 never bought): quartile edges 10, 20, 30, one product a band.
    band = served.shares["price_band"]
    known = total - 0.5
    assert band.exposure == pytest.approx(((1 + W2) / known, 0.5 / known, W2 / known, 1 / known))
    assert band.catalog == pytest.approx((0.25,) * 4) and band.purchases == pytest.approx((0.4, 0.2, 0.2, 0.2))
    assert band.unknown_exposure == pytest.approx(0.5 / total)
    # c1 (22): list p1, p3, p5 — prices 10, 30, none — mean 20; paid 15; departments D1, D2, D3.
    # c2 (30): list p4, p1, p2 — mean 70/3; paid 80/3; departments D2, D1.
    assert [(b.band, b.customers) for b in served.bands] == [("<25", 1), ("25-34", 1)]
    figures = [[b.list_price.mean, b.paid_price, b.departments.mean, b.distinct_ratio] for b in served.bands]
    assert figures[0] == pytest.approx([20.0, 15.0, 3.0, 1.0])
    assert figures[1] == pytest.approx([70 / 3, 80 / 3, 2.0, 1.0])
    # Popularity: p1 (2 lines), then p2, p3 (1 each, lower position first) for both: p1 = 2, p2 = 2·w2, p3 = 1.
    assert popular.gini == pytest.approx((8 + 4 * W2) / (5 * (3 + 2 * W2)))
    assert popular.coverage == pytest.approx(3 / 5)


def test_the_analyst_queries_give_the_audits_figures(shop: Driver) -> None:
    served = audit_recommendations(shop, k=3, baselines=[]).lists[0]
    items = run_query(shop, "audit_item_exposure", {"k": 3}).rows[0]
    assert (items["catalogProducts"], items["shown"]) == (5, 5)
    assert items["gini"] == pytest.approx(served.gini) and items["coverage"] == served.coverage
    for dim, column in (
        ("brand", "brand"),
        ("department", "department"),
        ("gender", "gender"),
        ("price_band", "priceBand"),
    ):
        shares = served.shares[dim]
        rows = {r[column]: r for r in run_query(shop, f"audit_exposure_{dim}", {"k": 3}).rows}
        assert set(rows) == set(shares.groups), dim
        for i, group in enumerate(shares.groups):
            assert rows[group]["exposureShare"] == pytest.approx(shares.exposure[i]), (dim, group)
            assert rows[group]["catalogShare"] == pytest.approx(shares.catalog[i]), (dim, group)
            assert rows[group]["purchaseShare"] == pytest.approx(shares.purchases[i]), (dim, group)
            assert rows[group]["tvdCatalog"] == pytest.approx(shares.tvd_catalog), dim
    bands = run_query(shop, "audit_age_bands", {"k": 3}).rows
    assert [(b["band"], b["customers"]) for b in bands] == [("<25", 1), ("25-34", 1)]
    assert [b["meanListPrice"] for b in bands] == pytest.approx([20.0, 70 / 3])
    assert [b["meanPaid"] for b in bands] == pytest.approx([15.0, 80 / 3])
    assert [b["meanDepartments"] for b in bands] == pytest.approx([3.0, 2.0])
