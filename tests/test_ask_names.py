"""Products named in words (``assistant.names``), without a server."""

from __future__ import annotations

import pytest

from shopgraph.assistant.linking import EntityLinker
from shopgraph.assistant.names import best, lucene_query, rank
from shopgraph.graphstore.core.vocab import load_vocabulary


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    return EntityLinker(load_vocabulary(), {"puma": "Puma", "h-m": "H&M"}, use_embeddings=False)


def row(product: str, name: str, brand: str, categories: list[str], colours: list[str], score: float = 1.0) -> dict:
    return {
        "product": product,
        "name": name,
        "brand": brand,
        "categories": categories,
        "colours": colours,
        "score": score,
    }


ROWS = [
    row("myntra:16221", "Puma Men Heroes Black Track Pant", "puma", ["track-pants"], ["black"], 3.0),
    row("myntra:12537", "Puma Men Solid Grey Track Pants", "puma", ["track-pants"], ["grey"], 2.0),
    row("hm:1", "Greta tote", "h-m", ["handbag"], ["black"], 2.5),
    row("hm:2", "Greta tote", "h-m", ["handbag"], ["beige"], 2.5),
    row("hm:3", "Greta top", "h-m", ["top"], ["white"], 2.4),
]


def test_the_query_is_fuzzy_for_longer_words() -> None:
    assert lucene_query(["heroes", "tee", "sweatshirt"]) == "heroes~1 tee sweatshirt~2"


def test_the_distinctive_words_decide_and_typos_count(linker: EntityLinker) -> None:
    matches = rank(linker.link("what colour is the Puma Heros track pant?"), ROWS, linker)
    assert [(m.row["product"], m.words, m.score) for m in matches] == [("myntra:16221", ("heroes",), 1.0)]


def test_the_named_category_and_colour_narrow_the_match(linker: EntityLinker) -> None:
    both = best(rank(linker.link("what colour is the Greta tote?"), ROWS, linker))
    assert sorted(m.row["product"] for m in both) == ["hm:1", "hm:2"]
    beige = best(rank(linker.link("do you have the Greta tote in beige?"), ROWS, linker))
    assert [m.row["product"] for m in beige] == ["hm:2"]
    everything = rank(linker.link("what is the Greta made of?"), ROWS, linker)
    assert [m.row["product"] for m in everything] == ["hm:1", "hm:2", "hm:3"]


def test_a_question_with_other_words_scores_lower(linker: EntityLinker) -> None:
    matches = rank(linker.link("what colour is the greta summer tote?"), ROWS, linker)
    assert {m.score for m in matches} == {0.5}
    assert rank(linker.link("what colour is the gizmo?"), ROWS, linker) == []
