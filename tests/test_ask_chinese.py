"""Chinese questions without a server: the Chinese vocabulary, forward maximum matching, price bounds,
the multilingual nearest example and answers worded in Chinese."""

from __future__ import annotations

import pytest

from shopgraph.assistant import chinese, intents
from shopgraph.assistant.context import Answer, MatchedProduct
from shopgraph.assistant.intents import nearest_example
from shopgraph.assistant.linking import EntityLinker
from shopgraph.graphstore.core.vocab import chinese_names, load_vocabulary


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    return EntityLinker(load_vocabulary(), {"nike": "Nike", "h-m": "H&M"}, use_embeddings=False)


def test_every_chinese_spelling_names_one_term_of_the_vocabulary() -> None:
    names = chinese_names()
    spellings = [s for v in names.values() for s in v]
    assert len(spellings) == len(set(spellings))
    assert names[("Colour", "red")] == ("红色", "红")
    assert {label for label, _ in names} == {"Colour", "Category", "Material", "Gender", "Pattern", "Style"}
    colours = load_vocabulary().terms["Colour"]
    assert all(("Colour", c) in names for c in colours)


def test_the_longest_spelling_wins() -> None:
    assert chinese.find_terms("有没有浅蓝色的连衣裙") == [(3, 6, "Colour", "light-blue"), (7, 10, "Category", "dress")]
    assert chinese.find_terms("红裙子") == [(0, 1, "Colour", "red"), (1, 3, "Category", "skirt")]
    assert chinese.find_terms("hello") == []


def test_chinese_terms_and_latin_brands_link_together(linker: EntityLinker) -> None:
    u = linker.link("500元以下的Nike运动鞋")
    assert [(e.label, e.id, e.surface) for e in u.entities] == [
        ("Category", "sneakers", "运动鞋"),
        ("Brand", "nike", "nike"),
    ]
    assert (u.price.min, u.price.max, u.price.surface) == (None, 500.0, "500元以下")
    assert u.language == "zh" and u.chinese == "______的nike___"
    assert linker.link("what is this?").language == "en"


@pytest.mark.parametrize(
    ("text", "bound"),
    [
        ("500元以下", (None, 500.0, "500元以下")),
        ("低于300的", (None, 300.0, "低于300")),
        ("300以上", (300.0, None, "300以上")),
        ("100到200元", (100.0, 200.0, "100到200元")),
        ("便宜的", None),
    ],
)
def test_chinese_price_bounds(text: str, bound: tuple[float | None, float | None, str] | None) -> None:
    assert chinese.parse_price(text) == bound


def test_cues_are_found_in_the_free_text() -> None:
    assert chinese.cue("这件__是什么颜色?", "colour") == "颜色"
    assert chinese.cue("这是___吗", "category") == "这是___吗"
    assert chinese.cue("可以退货吗", "returns") == "退货"
    assert chinese.cue("讲个笑话", "category") is None


def test_the_multilingual_model_takes_chinese_to_the_english_example() -> None:
    intent, _, text, cosine = nearest_example("这个东西是哪家公司的？", multilingual=True)
    assert intent == intents.PRODUCT_BRAND and text == "which company is it from?" and cosine > 0.6


def _answer(intent: str, value: tuple[str, ...], known: bool = True) -> Answer:
    product = MatchedProduct("hm:0734435004", "Saskia Dress", "visual match", 0.99)
    return Answer(
        "q", "text", intent, 0.95, "cue", known, 0.87 if known else 0.0, value, (), None, None, (product,), (), ()
    )


def test_answers_are_worded_in_chinese() -> None:
    def english(label: str, term: str) -> str:
        return {"h-m": "H&M"}.get(term, term)

    colour = chinese.render(_answer(intents.PRODUCT_COLOUR, ("red",)), english)
    assert colour == "这看起来是 Saskia Dress（hm:0734435004）。它的颜色是红色（置信度 0.87）。"
    assert chinese.render(_answer(intents.PRODUCT_BRAND, ("h-m",)), english).endswith("它的品牌是H&M（置信度 0.87）。")
    no = chinese.render(_answer(intents.PRODUCT_CATEGORY, ("no", "tights")), english)
    assert no == "不是，这看起来是连裤袜（置信度 0.87）。"
    unsure = chinese.render(_answer(intents.PRODUCT_COLOUR, ("pink",), known=False), english)
    assert unsure == "我不确定它的颜色，最可能是粉色。"
    assert chinese.render(_answer(intents.UNKNOWN, ()), english).startswith("我不知道怎么从图谱回答这个问题")
