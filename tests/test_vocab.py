import csv

import pytest

from shopgraph.graphstore.core.colour import hex_to_lab
from shopgraph.graphstore.core.vocab import load_vocabulary


def test_taxonomy_is_a_three_level_tree_with_leaves_at_level_three() -> None:
    vocab = load_vocabulary()
    categories = vocab.terms["Category"]
    parents = {t.parent for t in categories.values() if t.parent}
    leaves = [t.id for t in categories.values() if t.id not in parents]
    assert {vocab.category_level(leaf) for leaf in leaves} == {3}
    assert vocab.category_ancestor("t-shirt", 2) == "tops"
    assert vocab.category_ancestor("t-shirt", 1) == "apparel"
    assert vocab.category_for("hm", "Vest top") == "vest-top"
    assert vocab.category_for("myntra", "tshirts") == "t-shirt"


def test_both_retailers_map_onto_one_taxonomy_node() -> None:
    vocab = load_vocabulary()
    assert vocab.category_for("myntra", "Tshirts") == vocab.category_for("hm", "T-shirt") == "t-shirt"
    assert vocab.category_for("myntra", "Dresses") == vocab.category_for("hm", "Dress") == "dress"


def test_synonyms_link_spellings_to_one_term() -> None:
    lex = load_vocabulary().lexicons
    assert lex["Category"].lookup("Tshirts") == lex["Category"].lookup("T-shirt") == "t-shirt"
    assert lex["Colour"].lookup("Navy") == lex["Colour"].lookup("navy blue") == "navy-blue"
    assert lex["Colour"].lookup("Off-White") == "off-white"
    assert lex["Material"].lookup("polyamide") == "nylon"


def test_colour_families_and_reference_lab_values() -> None:
    colours = load_vocabulary().terms["Colour"]
    assert colours["navy-blue"].family == "blue"
    assert all(colours[c.family].family == c.family for c in colours.values() if c.family)
    assert hex_to_lab("#FF0000") == (53.24, 80.09, 67.2)
    assert hex_to_lab("#FFFFFF")[0] == 100.0


def test_every_category_label_of_the_real_datasets_is_mapped(datasets) -> None:
    vocab = load_vocabulary()
    with (datasets / "myntra" / "styles.csv").open() as f:
        myntra = {r["articleType"] for r in csv.DictReader(f)}
    hm = set()
    for name in ("hm/articles.csv", "hm-small/articles.csv"):
        with (datasets / name).open() as f:
            hm |= {r["product_type_name"] for r in csv.DictReader(f)}
    assert [v for v in sorted(myntra) if vocab.category_for("myntra", v) is None] == []
    assert [v for v in sorted(hm) if vocab.category_for("hm", v) is None] == []


@pytest.mark.parametrize("column,path", [("baseColour", "myntra/styles.csv"), ("colour_group_name", "hm/articles.csv")])
def test_every_colour_of_the_real_datasets_is_linked(datasets, column: str, path: str) -> None:
    lexicon = load_vocabulary().lexicons["Colour"]
    with (datasets / path).open() as f:
        values = {r[column] for r in csv.DictReader(f) if r[column]}
    unlinked = sorted(v for v in values if lexicon.lookup(v) is None and not v.startswith("Other"))
    assert unlinked == []
