"""Which kind of question it is: rules over cue words and the linked entities, then nearest example.

The rules, first that fires wins (confidence :data:`CUE_CONFIDENCE` when a cue phrase decides it,
:data:`ENTITY_CONFIDENCE` when only the linked entities do):

1. a service word ("return", "refund", "delivery", "size", ...) → ``policy`` of that kind;
2. "go with", "wear with", "complete the look" → ``complete_the_look``;
3. "what brand", "who makes" → ``product_brand``;
4. "made of", "material", "fabric" → ``product_material``;
5. "similar", "like this", "alternatives" → ``similar_in_colour`` (the colour, if named, filters);
6. "do you have", "come in", "available" with a colour (named, or the word "colour") → ``available_in_colour``;
7. "colour", "color", "shade" → ``product_colour``;
8. "what is this", "what kind of", "is this a" about a photo, a product id or a product's name, or
   "what is" with a product id → ``product_category`` ("is this a dress?" names the category to check);
9. a price bound; or a brand or category with nothing else asked; or a colour, gender, material,
   style or pattern with a listing word ("show", "which", "any") → ``search_by_brand_category_price``.

Cue words inside a linked name do not count ("Colors" in United Colors of Benetton), and a one-word
cue may be misspelt by one edit ("retrun"). A Chinese question is checked against each rule's Chinese
cue patterns as well (:data:`assistant.chinese.ZH_CUES`: "什么颜色", "是什么", "退货").

Otherwise the question's all-MiniLM-L6-v2 embedding is compared with example questions of every
intent (:data:`EXAMPLES`); the nearest decides when its cosine reaches :data:`EXAMPLE_MIN`, with
the cosine as the confidence (a Chinese question is compared in the multilingual USE v3 space instead).
Below that the intent is ``unknown``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

from shopgraph.assistant import chinese
from shopgraph.assistant.linking import Understanding, edit_distance, known_words

PRODUCT_BRAND = "product_brand"
PRODUCT_COLOUR = "product_colour"
PRODUCT_MATERIAL = "product_material"
PRODUCT_CATEGORY = "product_category"
SIMILAR_IN_COLOUR = "similar_in_colour"
AVAILABLE_IN_COLOUR = "available_in_colour"
SEARCH = "search_by_brand_category_price"
COMPLETE_THE_LOOK = "complete_the_look"
POLICY = "policy"
UNKNOWN = "unknown"
INTENTS = (
    PRODUCT_BRAND,
    PRODUCT_COLOUR,
    PRODUCT_MATERIAL,
    PRODUCT_CATEGORY,
    SIMILAR_IN_COLOUR,
    AVAILABLE_IN_COLOUR,
    SEARCH,
    COMPLETE_THE_LOOK,
    POLICY,
    UNKNOWN,
)

CUE_CONFIDENCE = 0.95
ENTITY_CONFIDENCE = 0.75
EXAMPLE_MIN = 0.6
"""Lowest cosine to an example question that still decides the intent."""
MULTILINGUAL_EXAMPLE_MIN = 0.6
"""The same in the multilingual USE space, for Chinese questions ("这是什么？" is at 0.87 from "what is this?")."""

POLICY_CUES: dict[str, tuple[str, ...]] = {
    "returns": (
        "return",
        "returns",
        "returnable",
        "returned",
        "returning",
        "refund",
        "refunds",
        "refunded",
        "send back",
        "send it back",
        "give back",
        "give it back",
        "take back",
        "take it back",
        "exchange",
        "exchanges",
        "exchanged",
        "money back",
    ),
    "delivery": (
        "delivery",
        "deliver",
        "delivers",
        "delivered",
        "shipping",
        "ship",
        "shipped",
        "arrive",
        "dispatch",
        "dispatched",
        "courier",
    ),
    "sizes": (
        "size",
        "sizes",
        "sizing",
        "size guide",
        "size chart",
        "fit",
        "fits",
        "measurements",
        "true to size",
        "run small",
        "run large",
    ),
}
LOOK_CUES = (
    "go with",
    "goes with",
    "go well with",
    "goes well with",
    "wear with",
    "wear it with",
    "wear this with",
    "pair with",
    "pair it with",
    "pair this with",
    "match with",
    "matches",
    "complete the look",
    "style it",
    "style this",
    "style these",
    "style a",
    "style my",
    "outfit",
)
BRAND_CUES = ("brand", "brands", "who makes", "who made", "made by", "maker", "manufacturer", "label")
MATERIAL_CUES = (
    "made of",
    "made from",
    "made out of",
    "material",
    "materials",
    "fabric",
    "fabrics",
    "composition",
    "cloth",
    "fibre",
    "fiber",
)
SIMILAR_CUES = (
    "similar",
    "like this",
    "like these",
    "like it",
    "like that",
    "ones like",
    "alternatives",
    "alternative",
    "lookalike",
    "look alike",
    "same style",
    "same kind",
)
AVAILABLE_CUES = (
    "do you have",
    "have this in",
    "have it in",
    "come in",
    "comes in",
    "available",
    "in stock",
    "get this in",
    "get it in",
    "is there",
    "are there",
    "any in",
)
COLOUR_CUES = ("colour", "color", "colours", "colors", "shade")
CATEGORY_CUES = (
    "what is this",
    "what's this",
    "what is it",
    "what is that",
    "what are these",
    "what are those",
    "what is this called",
    "what do you call",
    "what kind of",
    "what type of",
    "what sort of",
    "which kind of",
    "which type of",
    "is this a",
    "is this an",
    "is it a",
    "is it an",
    "is that a",
    "are these",
    "are those",
    "identify",
)
YES_NO_CUES = ("is this a", "is this an", "is it a", "is it an", "is that a", "are these", "are those")
WH_CUES = ("what", "which", "how")


def asks_yes_no(understood: Understanding) -> bool:
    """Whether a question is a yes/no one ("is this a dress?", "这是连衣裙吗？") rather than a wh-question ("what
    kind of shoes are these?", "这是什么？")."""
    if understood.chinese:
        return chinese.cue(understood.chinese, "yes_no") is not None and chinese.cue(understood.chinese, "wh") is None
    return _first(understood, YES_NO_CUES) is not None and not understood.has(*WH_CUES)


LISTING_CUES = ("show", "find", "list", "which", "any", "looking for", "search", "do you sell", "do you have")
SEARCH_LABELS = ("Brand", "Category", "Colour", "Gender", "Material", "Style", "Pattern")

EXAMPLES: tuple[tuple[str, str | None, str], ...] = (
    (PRODUCT_BRAND, None, "whose design is this?"),
    (PRODUCT_BRAND, None, "do you know who produces this item?"),
    (PRODUCT_BRAND, None, "which company is it from?"),
    (PRODUCT_COLOUR, None, "is this navy or black?"),
    (PRODUCT_COLOUR, None, "how would you describe the colour?"),
    (PRODUCT_COLOUR, None, "which hue is this item?"),
    (PRODUCT_MATERIAL, None, "is this wool or acrylic?"),
    (PRODUCT_MATERIAL, None, "what kind of cloth is it?"),
    (PRODUCT_MATERIAL, None, "what is the fibre content?"),
    (PRODUCT_CATEGORY, None, "can you tell me what I photographed?"),
    (PRODUCT_CATEGORY, None, "which garment is in the picture?"),
    (PRODUCT_CATEGORY, None, "name this piece of clothing"),
    (SIMILAR_IN_COLOUR, None, "find me ones that look the same but grey"),
    (SIMILAR_IN_COLOUR, None, "I want this look in green"),
    (SIMILAR_IN_COLOUR, None, "more items like it"),
    (AVAILABLE_IN_COLOUR, None, "got this in green?"),
    (AVAILABLE_IN_COLOUR, None, "is there a white version of it?"),
    (AVAILABLE_IN_COLOUR, None, "can I get it in another colour?"),
    (SEARCH, None, "I'm looking for cheap running shoes"),
    (SEARCH, None, "list your leather bags"),
    (SEARCH, None, "anything from Nike for men?"),
    (COMPLETE_THE_LOOK, None, "how should I style a denim jacket?"),
    (COMPLETE_THE_LOOK, None, "which shoes suit this outfit?"),
    (COMPLETE_THE_LOOK, None, "help me build an outfit"),
    (POLICY, "returns", "is it possible to give back an item I bought?"),
    (POLICY, "delivery", "when will my order get here?"),
    (POLICY, "sizes", "which size fits me?"),
)
"""Example questions per intent (with the policy kind for service questions), for the nearest-example
fallback; none of them is in the question set the assistant is measured on."""


@dataclass(frozen=True)
class IntentChoice:
    """The chosen intent, how sure the choice is, and why (the cue or the nearest example).

    ``policy_kind`` is ``returns``, ``sizes`` or ``delivery`` for the ``policy`` intent.
    """

    intent: str
    confidence: float
    reason: str
    policy_kind: str | None = None


def choose_intent(understood: Understanding, has_image: bool = False, examples: bool = True) -> IntentChoice:
    """The intent of a linked question; see the module docstring for the rules.

    Args:
        understood: the linker's result.
        has_image: whether the shopper sent a photo ("this" then refers to it).
        examples: fall back on the nearest example question (loads the text model) when no rule fires.
    """
    for kind, cues in POLICY_CUES.items():
        cue = _cue(understood, cues, kind)
        if cue:
            return IntentChoice(POLICY, CUE_CONFIDENCE, f"service word {cue!r}", kind)
    for intent, cues, rule in (
        (COMPLETE_THE_LOOK, LOOK_CUES, "look"),
        (PRODUCT_BRAND, BRAND_CUES, "brand"),
        (PRODUCT_MATERIAL, MATERIAL_CUES, "material"),
        (SIMILAR_IN_COLOUR, SIMILAR_CUES, "similar"),
    ):
        cue = _cue(understood, cues, rule)
        if cue:
            return IntentChoice(intent, CUE_CONFIDENCE, f"cue {cue!r}")
    available = _cue(understood, AVAILABLE_CUES, "available")
    colour_cue = _cue(understood, COLOUR_CUES, "colour")
    if available and (understood.of("Colour") or colour_cue):
        return IntentChoice(AVAILABLE_IN_COLOUR, CUE_CONFIDENCE, f"cue {available!r} with a colour")
    if colour_cue and not available:
        return IntentChoice(PRODUCT_COLOUR, CUE_CONFIDENCE, f"cue {colour_cue!r}")
    category_cue = _cue(understood, CATEGORY_CUES, "category")
    if understood.of("Product") and not category_cue:
        category_cue = _first(understood, ("what is", "what are", "what's"))  # "what is hm:0734435004?"
    about_one = has_image or bool(understood.of("Product")) or bool(understood.unlinked)
    if category_cue and about_one and understood.price is None:
        return IntentChoice(PRODUCT_CATEGORY, CUE_CONFIDENCE, f"cue {category_cue!r}")
    if understood.price is not None:
        return IntentChoice(SEARCH, CUE_CONFIDENCE, f"price bound {understood.price.surface!r}")
    named = [e for e in understood.entities if e.label in SEARCH_LABELS]
    listing = _cue(understood, LISTING_CUES, "listing")
    if named and not has_image and not understood.of("Product"):
        kinds = ", ".join(sorted({e.label.lower() for e in named}))
        if understood.of("Brand") or understood.of("Category"):
            return IntentChoice(SEARCH, ENTITY_CONFIDENCE, f"names a {kinds} and asks nothing else")
        if listing:
            return IntentChoice(SEARCH, ENTITY_CONFIDENCE, f"cue {listing!r} with a {kinds}")
    if examples:
        multilingual = understood.language != "en"
        intent, example_kind, example, cosine = nearest_example(understood.question, multilingual)
        if cosine >= (MULTILINGUAL_EXAMPLE_MIN if multilingual else EXAMPLE_MIN):
            reason = f"closest to the example {example!r} ({cosine:.2f})"
            return IntentChoice(intent, round(cosine, 3), reason, example_kind)
        return IntentChoice(UNKNOWN, 0.0, f"no cue; closest example {example!r} is only {cosine:.2f}")
    return IntentChoice(UNKNOWN, 0.0, "no cue word and no entity that says what is asked")


def nearest_example(question: str, multilingual: bool = False) -> tuple[str, str | None, str, float]:
    """The intent, policy kind, text and cosine of the example question nearest to ``question``; ``multilingual``
    compares in the multilingual USE space (Chinese questions) instead of all-MiniLM-L6-v2's (English only)."""
    from shopgraph.graphstore.core.textembed import embed_multilingual, embed_texts

    embed = embed_multilingual if multilingual else embed_texts
    similarity = _example_vectors(multilingual) @ embed([question])[0]
    best = int(np.argmax(similarity))
    intent, kind, text = EXAMPLES[best]
    return intent, kind, text, float(similarity[best])


@lru_cache(maxsize=2)
def _example_vectors(multilingual: bool) -> NDArray[np.float32]:
    from shopgraph.graphstore.core.textembed import embed_multilingual, embed_texts

    embed = embed_multilingual if multilingual else embed_texts
    return embed([text for _, _, text in EXAMPLES])


def _cue(understood: Understanding, phrases: tuple[str, ...], rule: str) -> str | None:
    """The English cue of ``phrases`` in the question (:func:`_first`), else the Chinese cue of ``rule``."""
    return _first(understood, phrases) or (chinese.cue(understood.chinese, rule) if understood.chinese else None)


def _first(understood: Understanding, phrases: tuple[str, ...]) -> str | None:
    """The first of ``phrases`` in the question; else a one-word cue of 5+ letters that an unknown word of the
    question misspells by one edit, as ``return (as retrun)``."""
    found = next((p for p in phrases if understood.has(p)), None)
    if found is not None:
        return found
    typos = [w for w in understood.free_tokens() if len(w) >= 5 and w not in known_words()]
    for phrase in phrases:
        if " " in phrase or len(phrase) < 5:
            continue
        for word in typos:
            if word[0] == phrase[0] and edit_distance(word, phrase) == 1:
                return f"{phrase} (as {word})"
    return None
