from pathlib import Path

import pytest

from shopgraph.graphstore.core.vocab import load_vocabulary
from shopgraph.graphstore.ingest.evaluation import evaluate_materials, evaluate_myntra_names
from shopgraph.graphstore.ingest.extract import BrandLexicon, NameExtractor, extract_materials

from .conftest import DATA, SAMPLE

VOCAB = load_vocabulary()
NAMES = [
    "ADIDAS Men Black Sports Shoes",
    "Adidas Women Navy Blue Track Pants",
    "ADIDAS Originals Unisex Dicolor Red Cap",
    "United Colors of Benetton Men Navy Blue Polo T-shirt",
    "United Colors of Benetton Women Solid Black Wallets",
    "Red Rose Women Black & Red Nightdress",
    "Red Rose Purple Nightdress",
    "Puma Big Cat Backpack Black",
]


def facts(name: str) -> dict[str, list[str]]:
    brands = BrandLexicon.learn(NAMES, VOCAB.lexicons["Gender"])
    found: dict[str, list[str]] = {}
    for fact in NameExtractor(VOCAB, brands).extract(name).facts:
        found.setdefault(fact.rel, []).append(fact.target)
    return found


def test_brands_are_learned_with_one_display_form_and_sub_brands() -> None:
    brands = BrandLexicon.learn(NAMES, VOCAB.lexicons["Gender"])
    assert brands.brand("adidas").name == "Adidas"
    originals = brands.brand("adidas-originals")
    assert (originals.name, originals.parent and originals.parent.id) == ("ADIDAS Originals", "adidas")
    assert brands.brand("united-colors-of-benetton").name == "United Colors of Benetton"


def test_brand_prefix_is_matched_before_colour_words() -> None:
    brands = BrandLexicon.learn(NAMES, VOCAB.lexicons["Gender"])
    extractor = NameExtractor(VOCAB, brands)
    match = extractor.extract("Red Rose Purple Nightdress").brand
    assert match is not None and match.brand.id == "red-rose" and match.rule == "name:brand-lexicon"
    assert facts("Red Rose Purple Nightdress")["HAS_COLOUR"] == ["purple"]


def test_unlearned_brand_falls_back_to_the_words_before_an_anchor() -> None:
    match = (
        NameExtractor(VOCAB, BrandLexicon.learn(NAMES, VOCAB.lexicons["Gender"]))
        .extract("Lucera Gold Plated Ring")
        .brand
    )
    assert match is not None and (match.brand.id, match.words, match.rule) == ("lucera", 1, "name:brand-anchor")


def test_name_facts_multiword_colours_and_head_category() -> None:
    found = facts("United Colors of Benetton Men Navy Blue Polo T-shirt")
    assert found["HAS_COLOUR"] == ["navy-blue"]
    assert found["IN_CATEGORY"] == ["polo-shirt"]
    assert found["FOR_GENDER"] == ["men"]
    assert facts("Doodle Girl Denim skirt with belt Blue Skirts")["IN_CATEGORY"] == ["skirt"]
    assert facts("Disney Kids Girl's Pink Pooh Kidswear")["FOR_GENDER"] == ["girls"]
    assert facts("Red Rose Women Black & Red Nightdress")["HAS_COLOUR"] == ["black", "red"]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("Top in soft organic cotton jersey.", {"organic-cotton", "jersey"}),
        ("Bag in imitation leather with a metal buckle.", {"imitation-leather", "metal"}),
        ("Jacket in woven fabric. The polyester content is recycled.", {"woven-fabric", "recycled-polyester"}),
        ("Fine-knit jumper in a wool blend.", {"knit", "wool"}),
        ("Shirt with a button-down collar and buttons down the front.", set()),
        ("Padded jacket filled with down and feathers.", {"down", "feathers"}),
        ("", set()),
    ],
)
def test_materials_from_descriptions(text: str, expected: set[str]) -> None:
    assert {f.target for f in extract_materials(text, VOCAB)} == expected


def test_material_extraction_quality_on_the_hand_checked_gold_set() -> None:
    score = evaluate_materials(DATA / "hm_material_gold.csv", VOCAB)
    assert score.expected == 240
    assert score.precision >= 0.95
    assert score.recall >= 0.95


def test_name_extraction_quality_on_the_shipped_myntra_sample() -> None:
    scores = evaluate_myntra_names(SAMPLE / "myntra_styles.csv", VOCAB)
    assert scores["colour"].expected == 300
    assert scores["colour"].precision >= 0.93 and scores["colour"].recall >= 0.9
    assert scores["category"].precision >= 0.88 and scores["category-group"].precision >= 0.95
    assert scores["gender"].precision >= 0.95 and scores["gender"].recall >= 0.9


def test_name_extraction_quality_on_the_full_myntra_catalog(datasets: Path) -> None:
    scores = evaluate_myntra_names(datasets / "myntra" / "styles.csv", VOCAB)
    assert scores["colour"].precision >= 0.93
    assert scores["category-group"].precision >= 0.97
    assert scores["gender"].precision >= 0.97
