"""``ask``: a shopper's question answered from the graph alone.

The question is linked to graph entities (:mod:`assistant.linking`), its intent chosen
(:mod:`assistant.intents`), and the intent's answerer runs named Cypher queries with parameters
(never Cypher built from the question) and words the answer from the facts they return, with
confidence and provenance. When it cannot answer it says so and shows what it understood. A question
in Chinese is answered in Chinese (:mod:`assistant.chinese`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

from neo4j import Driver

from shopgraph.assistant import chinese, intents
from shopgraph.assistant.catalog import (
    answer_available_in_colour,
    answer_complete_the_look,
    answer_search,
    answer_similar_in_colour,
)
from shopgraph.assistant.category import answer_category
from shopgraph.assistant.context import Answer, Asking, understood_text
from shopgraph.assistant.facts import answer_attribute
from shopgraph.assistant.intents import choose_intent
from shopgraph.assistant.linking import EntityLinker
from shopgraph.assistant.service import answer_policy
from shopgraph.graphstore.core.errors import InputError


def _answer_unknown(ctx: Asking) -> Answer:
    text = (
        f"I don't know how to answer that from the graph ({ctx.choice.reason}). "
        f"I understood: {understood_text(ctx.understood)}. I can answer what a photographed product is and "
        "what brand, colour or material it has, show similar ones in a colour, say whether something comes in a "
        "colour, search by brand, category and price, suggest what goes with an item, and answer returns, sizes and "
        "delivery questions."
    )
    return ctx.answer(text, known=False, confidence=0.0)


ANSWERERS: dict[str, Callable[[Asking], Answer]] = {
    intents.PRODUCT_BRAND: answer_attribute,
    intents.PRODUCT_COLOUR: answer_attribute,
    intents.PRODUCT_MATERIAL: answer_attribute,
    intents.PRODUCT_CATEGORY: answer_category,
    intents.SIMILAR_IN_COLOUR: answer_similar_in_colour,
    intents.AVAILABLE_IN_COLOUR: answer_available_in_colour,
    intents.SEARCH: answer_search,
    intents.COMPLETE_THE_LOOK: answer_complete_the_look,
    intents.POLICY: answer_policy,
    intents.UNKNOWN: _answer_unknown,
}


def ask(
    driver: Driver,
    question: str,
    image: Path | None = None,
    customer: str | None = None,
    *,
    linker: EntityLinker | None = None,
    model_path: Path | None = None,
    examples: bool = True,
    database: str | None = None,
) -> Answer:
    """Answer ``question`` (about the photo at ``image``, if given) from the graph.

    Args:
        driver: an open driver to the graph.
        question: the shopper's question, e.g. "what brand is this?" or "which Puma shoes are under 2000?".
        image: a photo the question is about ("this").
        customer: a customer id; searches and suggestions are then ranked by their preferences.
        linker: a reusable :class:`EntityLinker` (default: one built from the graph's brands).
        model_path: YOLO segmentation weights for the photo (default: the shipped detector).
        examples: let the nearest example question decide the intent when no rule does.
        database: the database to read.

    Returns:
        The :class:`~assistant.context.Answer`: text, intent, confidence, what was understood, the
        matched products, the queries run with their parameters, and the evidence rows.

    Raises:
        InputError: the question is empty, or the photo cannot be read or searched.
        QueryError: a query fails (e.g. the vector indexes are missing).
    """
    if not question.strip():
        raise InputError('the question is empty; ask something like "what brand is this?"')
    if image is not None and not image.is_file():
        raise InputError(f"{image}: no such photo")
    linker = linker or EntityLinker.from_graph(driver, database)
    understood = linker.link(question)
    choice = choose_intent(understood, has_image=image is not None, examples=examples)
    ctx = Asking(driver, database, linker, understood, choice, image, customer, model_path)
    answer = ANSWERERS[choice.intent](ctx)
    if understood.language == "zh":
        worded = chinese.render(answer, linker.name)
        answer = dataclasses.replace(answer, text=worded, language="zh", english=answer.text)
    return answer
