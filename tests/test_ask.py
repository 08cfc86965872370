"""``shopgraph ask``: entity linking, intents, policies and the question set without a server; then every
intent answered on the real sample graph (the demo's data, the example policies and the eight test photos
ingested with the shipped detector), with exact answers.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner
from neo4j import Driver

from shopgraph.assistant import intents
from shopgraph.assistant.answer import ask
from shopgraph.assistant.catalog import colour_matches, outfit_slots, style_key
from shopgraph.assistant.context import Answer
from shopgraph.assistant.evaluation import judge, load_questions, resolve_image, score
from shopgraph.assistant.intents import choose_intent, nearest_example
from shopgraph.assistant.linking import EntityLinker, Understanding, edit_distance, max_typos, parse_price
from shopgraph.assistant.policies import default_policies_path, load_policies, read_policies
from shopgraph.cli.main import cli
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.schema import init_schema
from shopgraph.graphstore.core.vocab import load_vocabulary
from shopgraph.graphstore.ingest.loader import ingest_catalog, ingest_customers, ingest_purchases
from shopgraph.graphstore.ingest.reasoning import compute_preferences
from shopgraph.vision.detector import DEFAULT_WEIGHTS
from shopgraph.vision.ingest import ingest_images

from .conftest import DATA, SAMPLE, clear

PHOTOS = DATA / "images"
QUESTIONS = DATA / "ask_questions.csv"
BRANDS = {
    "puma": "Puma",
    "nike": "Nike",
    "adidas": "Adidas",
    "h-m": "H&M",
    "united-colors-of-benetton": "United Colors of Benetton",
    "boss": "Boss",
    "red-tape": "Red Tape",
}


@pytest.fixture(scope="module")
def linker() -> EntityLinker:
    return EntityLinker(load_vocabulary(), BRANDS, use_embeddings=False)


def linked(linker: EntityLinker, question: str) -> list[tuple[str, str, str]]:
    return [(e.label, e.id, e.method) for e in linker.link(question).entities]


# --- linking ---------------------------------------------------------------------------------


def test_edit_distance_counts_insertions_deletions_substitutions_and_swaps() -> None:
    assert edit_distance("addidas", "adidas") == 1  # one deletion
    assert edit_distance("nkie", "nike") == 1  # one adjacent swap
    assert edit_distance("kitten", "sitting") == 3  # k→s, e→i, +g
    assert edit_distance("", "abc") == 3
    assert edit_distance("sneekers", "sneakers") == 1
    assert [max_typos(w) for w in ("tee", "nike", "sandals", "sneekers")] == [0, 1, 1, 2]


def test_price_bounds_are_read_and_blanked_out() -> None:
    bound, rest = parse_price("Which Puma shoes are under 2,000?")
    assert bound is not None and (bound.min, bound.max, bound.surface) == (None, 2000.0, "under 2,000")
    assert "2" not in rest and "puma shoes" in rest
    bound, _ = parse_price("jeans between 0.02 and 0.03")
    assert bound is not None and (bound.min, bound.max) == (0.02, 0.03)
    bound, _ = parse_price("shoes over rs 500")
    assert bound is not None and (bound.min, bound.max) == (500.0, None)
    bound, _ = parse_price("less than $20 please")
    assert bound is not None and (bound.min, bound.max) == (None, 20.0)
    assert parse_price("shoes for men")[0] is None


def test_names_win_over_other_terms_synonyms_and_brands_span_words(linker: EntityLinker) -> None:
    # "shoes" is the group Shoes, though it is also a synonym of the leaf Casual Shoes.
    assert linked(linker, "which Puma shoes are under 2000?") == [
        ("Brand", "puma", "exact"),
        ("Category", "shoes", "exact"),
    ]
    assert linked(linker, "any United Colors of Benetton jeans?") == [
        ("Brand", "united-colors-of-benetton", "exact"),
        ("Category", "jeans", "exact"),
    ]
    assert linked(linker, "which H&M dresses?") == [("Brand", "h-m", "exact"), ("Category", "dress", "exact")]
    assert linked(linker, "red tape sneakers") == [("Brand", "red-tape", "exact"), ("Category", "sneakers", "exact")]
    understood = linker.link("what is myntra:10008 made of?")
    assert [(e.label, e.id, e.method) for e in understood.entities] == [("Product", "myntra:10008", "id")]


def test_typos_are_linked_by_edit_distance_but_real_words_are_not(linker: EntityLinker) -> None:
    understood = linker.link("any addidas sneekers in navy for men?")
    assert [(e.id, e.method, e.score) for e in understood.entities] == [
        ("adidas", "fuzzy", round(1 - 1 / 7, 3)),
        ("sneakers", "fuzzy", round(1 - 1 / 8, 3)),
        ("navy-blue", "exact", 1.0),
        ("men", "exact", 1.0),
    ]
    # "store" is one edit from "stole" (a Scarf synonym), but it is a word, not a typo.
    assert linker.link("where is your nearest store?").entities == ()


def test_everyday_words_that_are_brands_need_a_capital(linker: EntityLinker) -> None:
    assert linked(linker, "who is the boss here") == []
    assert linked(linker, "any Boss shirts?") == [("Brand", "boss", "exact"), ("Category", "shirt", "exact")]


def test_cue_words_inside_a_linked_name_do_not_count(linker: EntityLinker) -> None:
    understood = linker.link("any United Colors of Benetton jeans?")
    assert not understood.has("colors")
    assert understood.free_tokens() == ["any", "_", "_", "_", "_", "_"]
    choice = choose_intent(understood, examples=False)
    assert choice.intent == intents.SEARCH


@pytest.mark.parametrize(
    ("question", "image", "intent", "kind"),
    [
        ("what brand is this?", True, intents.PRODUCT_BRAND, None),
        ("who makes this dress?", True, intents.PRODUCT_BRAND, None),
        ("what colour is this?", True, intents.PRODUCT_COLOUR, None),
        ("what is this made of?", True, intents.PRODUCT_MATERIAL, None),
        ("show me similar ones in black", True, intents.SIMILAR_IN_COLOUR, None),
        ("do you have this in red?", True, intents.AVAILABLE_IN_COLOUR, None),
        ("what colours does hm:0372860001 come in?", False, intents.AVAILABLE_IN_COLOUR, None),
        ("which Puma shoes are under 2000?", False, intents.SEARCH, None),
        ("Nike t-shirts", False, intents.SEARCH, None),
        ("what goes with this skirt?", False, intents.COMPLETE_THE_LOOK, None),
        ("can I return a swimsuit?", False, intents.POLICY, "returns"),
        ("can I retrun a swimsuit?", False, intents.POLICY, "returns"),
        ("how long does delivery take?", False, intents.POLICY, "delivery"),
        ("what size shoe should I order?", False, intents.POLICY, "sizes"),
        ("who won the football match?", False, intents.UNKNOWN, None),
        ("what is this?", True, intents.PRODUCT_CATEGORY, None),
        ("what kind of shoe is this?", True, intents.PRODUCT_CATEGORY, None),
        ("is this a dress?", True, intents.PRODUCT_CATEGORY, None),
        ("what is hm:0734435004?", False, intents.PRODUCT_CATEGORY, None),
        ("what kind of dresses do you have?", False, intents.SEARCH, None),
        ("what kind of cloth is it?", True, intents.PRODUCT_MATERIAL, None),
        ("这件衣服是什么颜色？", True, intents.PRODUCT_COLOUR, None),
        ("这是什么？", True, intents.PRODUCT_CATEGORY, None),
        ("这是连衣裙吗？", True, intents.PRODUCT_CATEGORY, None),
        ("这是什么牌子的？", True, intents.PRODUCT_BRAND, None),
        ("这是什么面料？", True, intents.PRODUCT_MATERIAL, None),
        ("这个有蓝色的吗？", True, intents.AVAILABLE_IN_COLOUR, None),
        ("有类似的红色连衣裙吗？", True, intents.SIMILAR_IN_COLOUR, None),
        ("这条裤子配什么？", True, intents.COMPLETE_THE_LOOK, None),
        ("泳衣可以退货吗？", False, intents.POLICY, "returns"),
        ("配送要多久？", False, intents.POLICY, "delivery"),
        ("鞋子应该买什么尺码？", False, intents.POLICY, "sizes"),
        ("0.015以下的H&M连衣裙有哪些？", False, intents.SEARCH, None),
        ("讲个笑话", False, intents.UNKNOWN, None),
    ],
)
def test_rules_pick_the_intent(linker: EntityLinker, question: str, image: bool, intent: str, kind: str | None) -> None:
    choice = choose_intent(linker.link(question), has_image=image, examples=False)
    assert (choice.intent, choice.policy_kind) == (intent, kind)


def test_a_cue_decides_more_surely_than_entities_alone(linker: EntityLinker) -> None:
    assert choose_intent(linker.link("which Puma shoes are under 2000?"), examples=False).confidence == 0.95
    assert choose_intent(linker.link("Nike t-shirts"), examples=False).confidence == 0.75
    assert choose_intent(linker.link("tell me a joke"), examples=False).confidence == 0.0


def test_the_nearest_example_decides_when_no_rule_does() -> None:
    intent, kind, text, cosine = nearest_example("when will my order get here?")
    assert (intent, kind, text) == (intents.POLICY, "delivery", "when will my order get here?")
    assert cosine == pytest.approx(1.0, abs=1e-4)
    understood = Understanding("tell me a joke", ("tell", "me", "a", "joke"), (), None, ("joke",))
    choice = choose_intent(understood)
    assert choice.intent == intents.UNKNOWN and choice.reason.startswith("no cue; closest example")


def test_colour_families_and_style_keys() -> None:
    assert colour_matches("blue", "navy-blue") and colour_matches("navy-blue", "navy-blue")
    assert not colour_matches("navy-blue", "blue") and not colour_matches("blue", "black")
    assert style_key("Puma Men Heroes Black Track Pant") == ("puma", "men", "heroes", "track", "pant")
    assert style_key("Puma Men Heroes Grey Track Pant") == style_key("Puma Men Heroes Black Track Pant")


def test_outfit_slots_name_taxonomy_groups() -> None:
    vocab = load_vocabulary()
    slots = outfit_slots()
    assert all(vocab.category_level(group) == 2 for group in slots)
    assert slots["dresses"] == {"upper", "lower"} and slots["skirts"] == {"lower"}
    assert "swimwear" not in slots and "underwear" not in slots


# --- policies and the question set -----------------------------------------------------------


def test_the_shipped_policies_parse() -> None:
    rows = {r["id"]: r for r in read_policies(default_policies_path())}
    assert len(rows) == 19
    swimwear = rows["returns-swimwear"]
    assert (swimwear["props"]["returnable"], swimwear["categories"], swimwear["brands"]) == (False, ["swimwear"], [])
    assert rows["delivery-hm"]["brands"] == [{"id": "h-m", "name": "H&M"}]
    assert (rows["delivery-hm"]["props"]["minDays"], rows["delivery-hm"]["props"]["days"]) == (4, 7)
    assert rows["returns-default"]["categories"] == [] and rows["returns-default"]["props"]["sourceLine"] == 2


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("x,returns,T,category:socks-and-more,,,,t", r"p\.csv:2: field applies_to: unknown category 'socks-and-more'"),
        ("x,refunds,T,,,,,t", r"p\.csv:2: field kind: 'refunds' is not one of returns, sizes, delivery"),
        ("x,returns,T,,maybe,,,t", r"p\.csv:2: field returnable: 'maybe' is not true or false"),
        ("x,delivery,T,,,five,,t", r"p\.csv:2: field days: 'five' is not a whole number of days"),
        ("x,returns,T,shop:all,,,,t", r"p\.csv:2: field applies_to: 'shop:all' is not category:<id> or brand:<name>"),
    ],
)
def test_bad_policy_rows_name_file_line_and_field(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id,kind,title,applies_to,returnable,days,min_days,text\n" + row + "\n")
    with pytest.raises(InputError, match=message):
        read_policies(path)


def test_the_question_set_covers_every_intent_with_over_100_sample_questions() -> None:
    questions = load_questions(QUESTIONS)
    sample = [q for q in questions if q.set == "sample"]
    assert len(sample) >= 100
    assert {q.intent for q in sample} == set(intents.INTENTS)
    assert all(q.image is None or (Path(__file__).parent.parent / q.image).is_file() for q in sample)
    assert {q.set for q in questions} == {"sample", "datasets"}


def answer(value: tuple[str, ...], known: bool = True, evidence: tuple[dict, ...] = ()) -> Answer:
    return Answer(
        "q", "text", intents.SEARCH, 0.9, "cue", known, 0.9 if known else 0.0, value, (), None, None, (), (), evidence
    )


def test_checks_judge_answers(tmp_path: Path) -> None:
    path = tmp_path / "q.csv"
    path.write_text(
        "id,set,question,image,customer,intent,answer,note\n"
        "a,sample,q1,,,search_by_brand_category_price,set:p1|p2,\n"
        "b,sample,q2,,,search_by_brand_category_price,colour:blue;not-group:tops,\n"
        "c,sample,q3,,,search_by_brand_category_price,unknown,\n"
    )
    a, b, c = load_questions(path)
    assert judge(a, answer(("p2", "p1"))).answer_correct
    assert judge(a, answer(("p1",))).failed == ("set:p1|p2",)
    rows = ({"product": "p1", "colours": ["navy-blue"], "group": "bottoms"},)
    assert judge(b, answer(("p1",), evidence=rows)).answer_correct
    wrong = ({"product": "p1", "colours": ["black"], "group": "tops"},)
    assert judge(b, answer(("p1",), evidence=wrong)).failed == ("colour:blue", "not-group:tops")
    assert judge(c, answer((), known=False)).answer_correct
    scores = score([judge(a, answer(("p1", "p2"))), judge(c, answer(("p9",)))])
    assert [(s.intent, s.questions, s.intent_correct, s.answer_correct) for s in scores] == [(intents.SEARCH, 2, 2, 1)]
    path.write_text("id,set,question,image,customer,intent,answer,note\na,sample,q,,,search,maybe,\n")
    with pytest.raises(InputError, match=r"q\.csv:2: field intent: 'search' is not one of"):
        load_questions(path)


# --- the real graph --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph(session_driver: Driver) -> Iterator[Driver]:
    """The demo's graph (sample, preferences, policies) with the test photos, built once for this module."""
    clear(session_driver)
    init_schema(session_driver)
    for ingest, name in (
        (ingest_catalog, "myntra_styles.csv"),
        (ingest_catalog, "hm_articles.csv"),
        (ingest_customers, "hm_customers.csv"),
        (ingest_purchases, "hm_transactions.csv"),
    ):
        ingest(session_driver, SAMPLE / name)
    compute_preferences(session_driver)
    load_policies(session_driver)
    assert ingest_images(session_driver, [PHOTOS], model_path=DEFAULT_WEIGHTS).depicted == 8
    yield session_driver


@pytest.fixture(scope="module")
def graph_linker(graph: Driver) -> EntityLinker:
    return EntityLinker.from_graph(graph)


def ask_graph(graph: Driver, linker: EntityLinker, question: str, photo: str | None = None) -> Answer:
    return ask(graph, question, PHOTOS / photo if photo else None, linker=linker)


def test_a_photo_question_names_the_matched_product_and_the_facts_provenance(
    graph: Driver, graph_linker: EntityLinker
) -> None:
    a = ask_graph(graph, graph_linker, "what brand is this?", "10008.jpg")
    assert (a.intent, a.known, a.value) == (intents.PRODUCT_BRAND, True, ("nike",))
    match = a.products[0]
    assert (match.id, match.how) == ("myntra:10008", "visual match") and match.score is not None
    assert match.score >= 0.985
    assert a.confidence == pytest.approx(0.95 * match.score, abs=1e-4)
    assert a.text == (
        f"This looks like Nike Men Town Navy Blue T-Shirts (myntra:10008, visual match {match.score:.3f}). "
        "Its brand is Nike (from the product name, confidence 0.95)."
    )
    assert [q.name for q in a.queries] == ["visual_search", "assistant/ask_product_facts"]
    assert a.queries[0].params["embedding"] == "<1280 floats>"
    assert a.evidence[0]["rule"] == "name:brand-lexicon" and a.evidence[0]["source"] == "myntra:myntra_styles.csv"
    assert a.photo is not None and a.photo["index"] == "detection_embedding"


def test_photo_colour_and_material_come_from_the_catalog_row(graph: Driver, graph_linker: EntityLinker) -> None:
    colour = ask_graph(graph, graph_linker, "what colour is this?", "073/0734435004.jpg")
    assert (colour.intent, colour.value, colour.products[0].id) == (intents.PRODUCT_COLOUR, ("red",), "hm:0734435004")
    assert "Its colour is Red (from the catalog's colour_group_name column, confidence 1.00)" in colour.text
    material = ask_graph(graph, graph_linker, "what is this made of?", "051/0516903024.jpg")
    assert (material.intent, material.value) == (intents.PRODUCT_MATERIAL, ("cotton", "knit"))
    assert "Its material is Cotton (from the product description, confidence 0.85); also Knit" in material.text
    unknown = ask_graph(graph, graph_linker, "what is this t-shirt made of?", "10008.jpg")
    assert not unknown.known and unknown.confidence == 0.0
    assert "but I don't know its material: the graph has none for it" in unknown.text


def test_similar_ones_in_a_colour_leave_out_the_photographed_product(graph: Driver, graph_linker: EntityLinker) -> None:
    a = ask_graph(graph, graph_linker, "anything like this in blue?", "14135.jpg")
    assert a.intent == intents.SIMILAR_IN_COLOUR
    # Of the eight catalog photos only the navy T-shirt and the navy jeans are blue besides the bag itself.
    assert set(a.value) == {"myntra:10008", "myntra:11334"}
    assert all(any(colour_matches("blue", c) for c in row["colours"]) for row in a.evidence)
    assert "leaving out myntra:14135 (the product in your photo)" in a.text


def test_availability_in_a_colour(graph: Driver, graph_linker: EntityLinker) -> None:
    variant = ask_graph(graph, graph_linker, "do you have this in blue?", "073/0734435004.jpg")
    assert (variant.intent, variant.value) == (intents.AVAILABLE_IN_COLOUR, ("yes", "hm:0734435005"))
    assert "the same item comes in Blue: Saskia Dress (hm:0734435005, Dark Blue)" in variant.text
    other_style = ask_graph(graph, graph_linker, "do you have myntra:16221 in grey?")
    assert other_style.value == ("no",)
    assert "Puma Men Solid Grey Track Pants (myntra:12537, Grey)" in other_style.text
    by_name = ask_graph(graph, graph_linker, "do you have Puma track pants in black?")
    assert by_name.value == ("yes", "myntra:16221")


def test_products_are_found_by_the_words_of_their_name(graph: Driver, graph_linker: EntityLinker) -> None:
    one = ask_graph(graph, graph_linker, "what colour is the Puma Heroes track pant?")
    assert (one.value, one.products[0].id, one.products[0].how) == (("black",), "myntra:16221", "named")
    assert one.queries[0].name == "assistant/ask_find_product"
    assert one.queries[0].params == {"lucene": "heroes~1"}
    two = ask_graph(graph, graph_linker, "what colour is the Saskia dress?")
    assert not two.known
    assert two.text == (
        "Which one do you mean? 2 products are named like that: Saskia Dress (hm:0734435004, Red); "
        "Saskia Dress (hm:0734435005, Dark Blue)."
    )
    typo = ask_graph(graph, graph_linker, "what colour is the Puma Heros track pant?")
    assert typo.value == ("black",) and typo.products[0].id == "myntra:16221"
    in_blue = ask_graph(graph, graph_linker, "do you have the Saskia dress in blue?")
    assert in_blue.value[0] == "yes" and "hm:0734435005" in in_blue.value


def test_searches_by_brand_category_and_price(graph: Driver, graph_linker: EntityLinker) -> None:
    priced = ask_graph(graph, graph_linker, "which H&M dresses are under 0.015?")
    assert (priced.intent, priced.value) == (intents.SEARCH, ("hm:0803592003", "hm:0877773004"))
    assert "J Calabasas (hm:0803592003, 0.01185, median of 1 purchases)" in priced.text
    assert "not in any currency" in priced.text
    unpriced = ask_graph(graph, graph_linker, "which Puma shoes are under 2000?")
    assert not unpriced.known
    assert [p.id for p in unpriced.products] == ["myntra:12897", "myntra:13971", "myntra:18479"]
    assert "none has a price in the graph" in unpriced.text


def test_complete_the_look_from_co_purchases_one_group_per_part_of_the_body(
    graph: Driver, graph_linker: EntityLinker
) -> None:
    a = ask_graph(graph, graph_linker, "what goes with this skirt?")
    assert a.intent == intents.COMPLETE_THE_LOOK and a.known
    assert a.text.startswith(
        "Customers who bought Skirts also bought Tops (8 of 11 customers, lift 0.91), "
        "Outerwear (7 of 11 customers, lift 1.82), Shoes (3 of 11 customers, lift 1.64)."
    )
    groups = [row["group"] for row in a.evidence if "product" in row]
    assert groups and set(groups) <= {"tops", "outerwear", "shoes"}
    kurta = ask_graph(graph, graph_linker, "what can I wear with a kurta?")
    assert kurta.known and kurta.confidence == pytest.approx(0.3 * 0.95)
    assert kurta.text.startswith("No customer bought Ethnic Wear together with other things")


def test_policies_answer_service_questions(graph: Driver, graph_linker: EntityLinker) -> None:
    swimsuit = ask_graph(graph, graph_linker, "can I return a swimsuit?")
    assert (swimsuit.intent, swimsuit.value) == (intents.POLICY, ("no", "returns-swimwear"))
    assert swimsuit.text.startswith("No. Swimwear: no returns: For hygiene reasons")
    assert "(policy returns-swimwear, for Swimwear, which covers Swimsuit)" in swimsuit.text
    hm = ask_graph(graph, graph_linker, "how fast do you deliver H&M dresses?")
    assert hm.value == ("delivery-hm",)
    bag = ask_graph(graph, graph_linker, "can I return this?", "14135.jpg")
    assert bag.value == ("yes", "returns-default") and bag.products[0].id == "myntra:14135"
    counts, _, _ = graph.execute_query(
        "MATCH (p:Policy) RETURN count(p) AS policies, COUNT { ()-[:APPLIES_TO]->() } AS links"
    )
    assert (counts[0]["policies"], counts[0]["links"]) == (19, 16)
    report = load_policies(graph)
    assert (report.policies, report.links) == (19, 16)


def test_it_says_when_it_does_not_know_and_what_it_understood(graph: Driver, graph_linker: EntityLinker) -> None:
    joke = ask_graph(graph, graph_linker, "tell me a joke")
    assert (joke.intent, joke.known, joke.confidence) == (intents.UNKNOWN, False, 0.0)
    assert "I understood: no brand, colour, category, material or product (words I could not link: joke)" in joke.text
    no_photo = ask_graph(graph, graph_linker, "what brand is this?")
    assert no_photo.intent == intents.PRODUCT_BRAND and not no_photo.known
    assert "there is no photo (--image), product id (such as myntra:10008) or product name" in no_photo.text
    missing = ask_graph(graph, graph_linker, "what brand is myntra:99999999?")
    assert not missing.known and "not in the graph" in missing.text
    with pytest.raises(InputError, match="the question is empty"):
        ask(graph, "  ", linker=graph_linker)


def test_the_ask_command_prints_the_answer_or_json(graph: Driver, neo4j_settings: Settings) -> None:
    env = {
        "NEO4J_URI": neo4j_settings.bolt_uri,
        "NEO4J_PASSWORD": neo4j_settings.resolved_password(),
        "SHOPGRAPH_HOME": str(neo4j_settings.home),
    }
    result = CliRunner().invoke(cli, ["ask", "can I return a swimsuit?", "--json"], env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert (data["intent"], data["value"]) == ("policy", ["no", "returns-swimwear"])
    assert data["understood"][0]["id"] == "swimsuit"
    assert data["queries"] == [
        {"name": "assistant/ask_policy", "params": {"kind": "returns", "categories": ["swimsuit"], "brands": None}}
    ]
    photo = ["ask", "what brand is this?", "--image", str(PHOTOS / "10008.jpg")]
    result = CliRunner().invoke(cli, photo, env=env)
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert "Its brand is Nike" in result.stdout and lines[-1].startswith("(confidence 0.9")
    assert "visual_search" not in result.stdout and "How it answered" not in result.stdout
    result = CliRunner().invoke(cli, [*photo, "-v"], env=env)
    assert result.exit_code == 0, result.output
    assert "How it answered" in result.stdout and "visual_search" in result.stdout
    assert "What it understood" not in result.stdout


def test_category_and_chinese_questions_of_the_set_are_answered_right(
    graph: Driver, graph_linker: EntityLinker
) -> None:
    """Every sample question about a product's category, and every Chinese one, each intent among them."""
    chosen = [
        q
        for q in load_questions(QUESTIONS)
        if q.set == "sample" and (q.intent == intents.PRODUCT_CATEGORY or q.note.startswith("Chinese"))
    ]
    assert len(chosen) == 47 and {q.intent for q in chosen} == set(intents.INTENTS)
    failed = []
    for q in chosen:
        image = resolve_image(q.image, DATA.parent.parent, DATA)
        a = ask(graph, q.question, image, q.customer, linker=graph_linker)
        verdict = judge(q, a)
        if not verdict.answer_correct:
            failed.append((q.id, q.question, a.intent, a.value[:3], verdict.failed))
        if q.note.startswith("Chinese"):
            assert a.language == "zh" and a.english is not None, q.id
    assert failed == [], "\n".join(map(str, failed))


def test_what_is_a_shoppers_photo(graph: Driver, graph_linker: EntityLinker, tmp_path: Path) -> None:
    """A shopper's own photo of a catalog dress (cropped, mirrored) is that product; a photo of a sweater whose
    own photo is not in the graph is named by the recogniser, and withheld below the operating point."""
    from PIL import Image

    from shopgraph.assistant.shopper_photos import shopper_photo

    edited, _ = shopper_photo(Image.open(PHOTOS / "10016.jpg"), np.random.default_rng(3), ["crop", "flip"])
    photo = tmp_path / "shopper.jpg"
    edited.save(photo)
    what = ask(graph, "what is this?", photo, linker=graph_linker)
    assert (what.intent, what.known, what.value) == (intents.PRODUCT_CATEGORY, True, ("dress",))
    assert what.photo is not None and what.photo["matchedAs"] == "same product"
    assert what.products[0].id == "myntra:10016" and what.products[0].score is not None
    assert 0.9 < what.products[0].score < 0.985
    is_it = ask(graph, "is this a skirt?", photo, linker=graph_linker)
    assert is_it.known and is_it.value == ("no", "dress") and is_it.text.startswith("No: it looks like a dress")
    zh = ask(graph, "这是什么？", photo, linker=graph_linker)
    assert zh.value == ("dress",) and "这是连衣裙（置信度" in zh.text
    unseen = SAMPLE / "images" / "067" / "0673677002.jpg"
    sweater = ask(graph, "what is this?", unseen, linker=graph_linker)
    assert sweater.photo is not None and sweater.photo["matchedAs"] == "lookalike"
    assert sweater.photo["recognition"]["class_name"] == "knitwear"
    assert sweater.value[0] in ("sweater", "knitwear")
    assert sweater.known == (sweater.confidence >= 0.95)
