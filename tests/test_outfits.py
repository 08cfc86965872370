"""The fitting room against the real Neo4j, on the hand-built shop of ``tests/test_recommend_queries.py``.

The shop's look products: tops p4 (white, sports) and p5 (navy, casual), the knitwear hoodie
mkt:p12 (grey), jeans p1 (blue denim, women), p2 (navy denim), p3 (black denim), all casual;
sneakers p6 (red, sports) and p7 (maroon, unisex, casual); the belt p9 (black, men) and the cap
p10 (red, sports). The jacket p8 is outerwear, which no look template holds. Purchases at most 14
days apart: u1 p1 + p5 (same day), u3 p1 + p6 (9 days), p1 + p9 (11), p6 + p9 (2); u4's p1 and p6
are 19 days apart. The last purchase is u4's p7 on 2024-08-01, so "recent" is from 2024-07-05.

Scores use all-ones weights (``ONES``), so each is a plain sum of the features; the comments
give the sums.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from neo4j import Driver
from PIL import Image

from shopgraph.cli.main import cli
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.defaults import OUTFITS
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.runner import run_query
from shopgraph.outfits.builder import build_looks
from shopgraph.outfits.data import LookData, LookProduct, Purchase, read_look_data
from shopgraph.outfits.evaluate import evaluate_outfits
from shopgraph.outfits.fitting_room import fitting_room
from shopgraph.outfits.harmony import Shade
from shopgraph.outfits.stats import look_stats
from tests.test_recommend_queries import build_shop

ONES = replace(OUTFITS, weights=tuple((f, 1.0) for f, _ in OUTFITS.weights))
LAST = date(2024, 8, 1).toordinal()


@pytest.fixture
def shop(driver: Driver) -> Driver:
    build_shop(driver)
    return driver


def pieces(look: object) -> list[tuple[str, str, float]]:
    return [(p.slot, p.product, p.score) for p in look.pieces]  # type: ignore[attr-defined]


def test_co_purchases_count_as_complete_the_look_counts_them(shop: Driver) -> None:
    data = read_look_data(shop)
    assert sorted(data.products) == [
        "mkt:p12", "shop:p1", "shop:p10", "shop:p2", "shop:p3", "shop:p4", "shop:p5", "shop:p6", "shop:p7", "shop:p9",
    ]  # fmt: skip
    stats = look_stats(data, LAST + 1)
    rows = run_query(shop, "complete_the_look", {"productId": "shop:p1", "days": 14}).rows
    co_bought = [(r["product"], r["together"]) for r in rows if r["source"] == "co-purchase"]
    assert co_bought == [("shop:p5", 1), ("shop:p6", 1)]  # the men's belt p9 is left out by both
    assert [(p, stats.together_count("shop:p1", p)) for p, _ in co_bought] == co_bought
    assert stats.together_count("shop:p1", "shop:p9") == 1 and stats.together_count("shop:p6", "shop:p9") == 1
    assert (stats.recent["shop:p7"], stats.recent["shop:p6"], stats.customers) == (1, 0, 4)


def test_gender_and_style_rules_and_the_scores_around_jeans(shop: Driver) -> None:
    data = read_look_data(shop)
    looks = build_looks(data, look_stats(data, LAST + 1), "shop:p1", 2, defaults=ONES)
    # Tops for the casual women's jeans: p4 is sports (a style clash), so p5 and the hoodie.
    # p5: ln 2 (together 1) + ln 0.8 (jeans & t-shirt: (1+1)·4 / ((4+1)(1+1))) + harmony 1 (denim) + style 1 = 2.47
    # Shoes: p6 is sports, p7 casual: ln 0.4 (jeans & sneakers (1+1)·4/((4+1)(3+1))) + 1 + 1 + ln 2 (recent 1)
    # Extras: the belt is for men, the cap sports: none.
    assert [pieces(look) for look in looks] == [
        [("bottom", "shop:p1", 0.0), ("top", "shop:p5", 2.47), ("shoes", "shop:p7", 1.7769)],
        [("bottom", "shop:p1", 0.0), ("top", "mkt:p12", 0.7769), ("shoes", "shop:p7", 1.7769)],
    ]
    assert [look.missing for look in looks] == [("extra",), ("extra",)]
    assert looks[0].pieces[1].reasons == (
        "bought within 14 days of Blue Slim Jeans by 1 customer",
        "blue and navy blue: neutral goes with anything",
        "same style as Blue Slim Jeans: casual",
    )
    assert looks[0].reasons == ("3 colour pairs neutral",)


def test_a_sports_top_keeps_to_sports_shoes_and_no_gender_lets_a_men_belt_in(shop: Driver) -> None:
    data = read_look_data(shop)
    (look,) = build_looks(data, look_stats(data, LAST + 1), "shop:p4", 3, defaults=ONES)
    # No bottom: all jeans are casual. Shoes p6: ln 0.5 (t-shirt & sneakers 1·4/(2·4)) + 1 + 1 = 1.3069.
    # Extras: the cap: ln 2 (1·4/(2·1)) + harmony (1 with white, 0.9 analogous with red) / 2 + style 1 = 2.6431;
    # the belt (p4 has no gender): 0 + 1 = 1.
    assert pieces(look) == [("top", "shop:p4", 0.0), ("shoes", "shop:p6", 1.3069), ("extra", "shop:p10", 2.6431)]
    assert look.missing == ("bottom",)
    assert look.reasons == ("1 colour pair analogous", "2 colour pairs neutral")  # red with red


def test_outfits_are_written_once_and_re_runs_change_nothing(shop: Driver) -> None:
    first = fitting_room(shop, "shop:p1", looks=2)
    assert first.written is not None
    assert (first.written.nodes_created, first.written.relationships_created) == (2, 6)
    again = fitting_room(shop, "shop:p1", looks=2)
    assert again.written is not None
    assert (again.written.nodes_created, again.written.relationships_created, again.written.relationships_deleted) == (
        0,
        0,
        0,
    )
    fewer = fitting_room(shop, "shop:p1", looks=1)
    assert fewer.written is not None and fewer.written.nodes_deleted == 1
    rows, _, _ = shop.execute_query(
        "MATCH (o:Outfit)-[r:INCLUDES]->(p) RETURN o.rank AS rank, r.slot AS slot, p.id AS product "
        "ORDER BY rank, r.position"
    )
    assert [(r["rank"], r["slot"], r["product"]) for r in rows] == [
        (1, "bottom", "shop:p1"),
        (1, "top", "shop:p5"),
        (1, "shoes", "shop:p7"),
    ]


def test_a_customer_gets_looks_around_their_newest_purchases_named_only_by_a_relationship(shop: Driver) -> None:
    result = fitting_room(shop, "u1", looks=2)
    # u1's purchases, newest first: p4 (top), p6 (shoes: no anchor), p5 (top); everything owned is left out.
    assert (result.kind, result.preferences) == ("customer", "PREFERS")
    assert [look.anchor for look in result.looks] == ["shop:p4", "shop:p5"]
    proposed = {p.product for look in result.looks for p in look.pieces[1:]}
    assert not proposed & {"shop:p1", "shop:p4", "shop:p5", "shop:p6"}
    rows, _, _ = shop.execute_query(
        "MATCH (o:Outfit) RETURN o.id AS id, [k IN keys(o) WHERE apoc.convert.toJson(o[k]) CONTAINS 'u1'] AS named, "
        "COUNT { (o)-[:STYLED_FOR]->(:Customer {id: 'u1'}) } AS styled ORDER BY id"
    )
    assert [(r["named"], r["styled"]) for r in rows] == [([], 1), ([], 1)]
    with pytest.raises(InputError, match="no customer or product has the id 'nobody'"):
        fitting_room(shop, "nobody")
    with pytest.raises(InputError, match="customer u5 has bought no top, bottom or dress"):
        fitting_room(shop, "u5")


def test_boards_use_the_stored_mask_and_say_when_there_is_no_photo(shop: Driver, tmp_path: Path) -> None:
    photo = tmp_path / "p5.png"
    rgb = np.full((60, 40, 3), 240, dtype=np.uint8)
    rgb[10:50, 5:35] = (20, 30, 80)
    Image.fromarray(rgb).save(photo)
    shop.execute_query(
        """
        MATCH (p:Product {id: 'shop:p5'})
        CREATE (i:Image {id: 'img5', path: $path, width: 40, height: 60})-[:DEPICTS {detection: 'img5:d0'}]->(p)
        CREATE (i)-[:HAS_DETECTION]->(:Detection {id: 'img5:d0', current: true, maskArea: 1200,
               polygon: [5.0, 10.0, 34.0, 10.0, 34.0, 49.0, 5.0, 49.0], box: [5.0, 10.0, 35.0, 50.0]})
        """,
        {"path": str(photo)},
    )
    result = fitting_room(shop, "shop:p1", looks=1, save_dir=tmp_path / "looks", write=False)
    assert result.boards == {1: str(tmp_path / "looks" / "outfit-1.png")}
    assert result.sources == {"shop:p1": "no photo", "shop:p5": "mask", "shop:p7": "no photo"}
    assert result.notes == (
        "shop:p1: its photo /photos/img1.jpg is not on this machine",
        "shop:p7: its photo /photos/img7.jpg is not on this machine",
    )
    board = np.asarray(Image.open(result.boards[1]).convert("RGB"))
    assert board.shape == (800, 960, 3)
    # The top tile shows the 30 x 40 cut-out (navy, no grey border) scaled by 226 / 40 to 170 x 226.
    tile = board[70:296, 30:490]
    navy = np.all(np.abs(tile.astype(int) - (20, 30, 80)) < 8, axis=2)
    assert navy.sum() > 0.95 * 170 * 226 and not np.any(np.all(tile == 240, axis=2))


def test_a_photo_preview_places_the_look_on_the_person(shop: Driver, tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.find_spec("ultralytics")
    assert spec is not None and spec.submodule_search_locations
    person = Path(spec.submodule_search_locations[0]) / "assets" / "bus.jpg"
    photo = tmp_path / "p5.png"
    Image.fromarray(np.full((60, 40, 3), (20, 30, 80), dtype=np.uint8)).save(photo)
    shop.execute_query(
        "MATCH (p:Product {id: 'shop:p5'}) CREATE (:Image {id: 'img5', path: $path})-[:DEPICTS]->(p)",
        {"path": str(photo)},
    )
    result = fitting_room(shop, "shop:p1", looks=1, save_dir=tmp_path, photo=person, write=False)
    assert result.tryons == {1: str(tmp_path / "tryon-1.png")}
    assert "the preview pastes flat cut-outs over body boxes: a 2D sketch, not a try-on" in result.notes
    preview = np.asarray(Image.open(result.tryons[1]).convert("RGB"))
    assert preview.shape == (1080, 810, 3)
    with pytest.raises(InputError, match="needs a folder"):
        fitting_room(shop, "shop:p1", photo=person)


def test_outfit_command_json_and_table(neo4j_settings: Settings, shop: Driver) -> None:
    env = {
        "NEO4J_URI": neo4j_settings.bolt_uri,
        "NEO4J_PASSWORD": neo4j_settings.resolved_password(),
        "SHOPGRAPH_HOME": str(neo4j_settings.home),
    }
    result = CliRunner().invoke(cli, ["outfit", "shop:p1", "--looks", "1", "--no-write", "--json"], env=env)
    assert result.exit_code == 0, result.output
    found = json.loads(result.stdout)
    assert (found["kind"], found["written"], found["reference_day"]) == ("product", None, "2024-08-01")
    assert [(p["slot"], p["product"]) for p in found["looks"][0]["pieces"]] == [
        ("bottom", "shop:p1"),
        ("top", "shop:p5"),
        ("shoes", "shop:p7"),
    ]
    table = CliRunner().invoke(cli, ["outfit", "shop:p1", "--looks", "1"], env=env)
    assert (
        table.exit_code == 0
        and "Look 1 (separates" in table.output
        and "1 outfits written (1 new, 3 relationships added" in table.output
    )
    bad = CliRunner().invoke(cli, ["outfit", "shop:p1", "--photo", __file__, "--json"], env=env)
    assert bad.exit_code == 2
    assert json.loads(bad.stdout)["error"] == "--photo needs --save DIR for the preview images"
    none = CliRunner().invoke(cli, ["evaluate-outfits", "--json"], env=env)
    assert (
        none.exit_code != 0 and "no top bought with a bottom after the 4 cut-offs" in json.loads(none.stdout)["error"]
    )


def _product(pid: str, group: str, gender: str, colour: str, lab: tuple[float, float, float]) -> LookProduct:
    return LookProduct(pid, pid, group, None, (gender,), colour, colour, Shade(colour, lab), (), False)


def test_the_evaluation_scores_every_method_on_the_same_pool() -> None:
    day = date(2024, 1, 1).toordinal()
    products = {
        "T": _product("T", "tops", "women", "white", (97.0, 0.0, 1.0)),
        "B1": _product("B1", "bottoms", "women", "black", (6.0, 0.0, 0.0)),
        "B2": _product("B2", "bottoms", "women", "red", (42.5, 65.8, 35.7)),
        "B3": _product("B3", "bottoms", "men", "grey", (58.0, 0.0, 0.0)),
    }
    lines = [
        ("c1", "T", 0), ("c1", "B1", 1),  # T and B1 bought together before the cut-off
        ("c2", "B2", 70), ("c5", "B2", 71),  # B2 popular in the 28 days before it
        ("c3", "T", 100), ("c3", "B1", 105),  # held out: c3 pairs T with B1,
        ("c4", "T", 101), ("c4", "B2", 102),  # c4 with B2
    ]  # fmt: skip
    data = LookData(products, tuple(Purchase(c, p, day + d) for c, p, d in sorted(lines, key=lambda x: x[2])))
    # One cut-off 28 days before the day after the last purchase: day 78. All customers reported.
    result = evaluate_outfits(data, replace(OUTFITS, cutoffs=1, k=1, tuning_share=0.0))
    assert result.cutoffs == ("2024-03-19",)
    assert (result.reported, result.tuning, result.pool_size, result.outside_pool) == (
        {"events": 2, "customers": 2},
        {"events": 0, "customers": 0},
        2.0,  # B1 and B2: the men's B3 is not in the pool
        0,
    )
    # Builder: B2 = ln 3 (recent 2) + 0.5 (neutral) beats B1 = ln 2 (together 1) + 0.5: hits c4 only.
    # Most co-purchased: B1, hits c3. Popular now: B2. Random: 1 − C(1, 1)/C(2, 1) = 0.5.
    assert [(r.method, r.hit_rate) for r in result.results] == [
        ("builder", 0.5),
        ("most co-purchased", 0.5),
        ("popular now", 0.5),
        ("random", 0.5),
    ]
    assert result.difference.hit_rate == 0.0
