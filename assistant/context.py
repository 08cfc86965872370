"""What every answer is made of: the answer record, and the context a question is answered in.

Every Cypher query an answer runs goes through :meth:`Asking.query`, which runs a named query
(``cypher/assistant/ask_*.cypher``, ``cypher/visual_search.cypher``) with parameters and records the call,
so an answer always lists the queries and parameters it came from.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neo4j import Driver

from shopgraph.assistant import names
from shopgraph.assistant.intents import IntentChoice
from shopgraph.assistant.linking import Entity, EntityLinker, PriceBound, Understanding
from shopgraph.assistant.photo import PhotoLook, look_at
from shopgraph.graphstore.core.runner import run_query
from shopgraph.graphstore.core.vocab import load_vocabulary

SAME_PRODUCT = 0.985
"""Visual match from which a photo is taken to show the matched product itself. Measured (docs/ask.md): a
catalog photo matches itself at 0.995 or more (the index's int8 quantisation); photos of products that are
not in the graph matched their closest catalog photo at 0.75-0.966."""
NEIGHBOURS = 5
"""Catalog products compared with a photo."""
LIKELY_SAME = 0.93
"""Visual match from which a photo below :data:`SAME_PRODUCT` is still taken to show the top match, when the
match stands out from the other products (:data:`SAME_MARGIN`) and the recogniser's class agrees with it: a
shopper's own photo of a catalog product (cropped, re-lit, re-encoded) matches it below 0.985."""
SAME_MARGIN = 0.02
"""How far the top match must stand above the best product of another product code, for :data:`LIKELY_SAME`."""
LOOKALIKE_MIN = 0.95
"""Confidence under which what a photo of a product *not* in the graph is (its category, colour, brand or
material, from the recogniser and the lookalikes' vote) is not given as known but as "not sure", with the best
guess: the operating point chosen on the tuning part of ``bench.ask_shopper``, the lowest threshold that kept
wrong answers at 5 % or less (docs/ask.md)."""
WITHHELD_INTENTS = ("product_category", "product_colour", "product_brand", "product_material")
"""The intents whose lookalike answers :data:`LOOKALIKE_MIN` applies to."""
SIBLING_COLOUR = 0.6
"""Recogniser colour-family probability from which a same-style sibling in that family is taken over the top
match of another family: one colour of a product must not be answered with another colour's facts."""


@dataclass(frozen=True)
class Subject:
    """The product a question is about: named by id, or the best visual match of the photo.

    ``same`` is True for a product named by id and for a photo matched at :data:`SAME_PRODUCT` or
    better, or judged the same product on the evidence (:func:`likely_same`); then ``product`` may be a
    sibling of the top match in the colour the recogniser sees (:func:`sibling_in_colour`).
    ``neighbours`` are the photo's closest products (``visual_search`` rows), best first.
    """

    product: str
    name: str | None
    score: float | None
    same: bool
    neighbours: tuple[dict[str, Any], ...]


@dataclass(frozen=True)
class QueryCall:
    """A named query an answer ran, with its parameters (an embedding shown as its length only)."""

    name: str
    params: dict[str, Any]


@dataclass(frozen=True)
class MatchedProduct:
    """A product the answer is about or offers; ``score`` is the visual match (1 + cos) / 2 for photo matches.

    ``how``: ``visual match`` (the photo shows it), ``named`` (by id or name), ``lookalike`` (a similar product
    whose facts voted), or why it is offered (``search result``, ``same item, other colour``, ...).
    """

    id: str
    name: str | None
    how: str
    score: float | None = None


@dataclass(frozen=True)
class Answer:
    """The answer to one question.

    Attributes:
        question: as asked.
        text: the answer in words, with its reason.
        intent: one of ``assistant.intents.INTENTS``; ``intent_confidence`` and ``intent_reason`` say
            how it was chosen.
        known: False when the assistant does not know (``text`` then says so and what it understood).
        confidence: how sure the answer is, in [0, 1] (0 when not known): the fact's confidence times
            the visual match for photo answers, the share of the evidence that agrees for votes.
        value: the answer as ids: a brand, colour or material id first for product questions;
            ``yes``/``no`` for availability and returns; product ids for searches and suggestions;
            the policy id for service questions.
        understood: the entities linked in the question; ``price`` its price bound.
        photo: the main object seen in the photo (without its embedding), if one was sent, with what the
            recogniser named (class, fine category, colour and their probabilities) and ``matchedAs``:
            ``same product`` or ``lookalike`` (None when no catalog photo was searched).
        products: the products matched or offered.
        queries: every named query run, with its parameters.
        evidence: the rows the answer rests on.
        language: ``en``, or ``zh`` for a question in Chinese: ``text`` is then in Chinese and
            ``english`` holds the English wording with all its reasons.
    """

    question: str
    text: str
    intent: str
    intent_confidence: float
    intent_reason: str
    known: bool
    confidence: float
    value: tuple[str, ...]
    understood: tuple[Entity, ...]
    price: PriceBound | None
    photo: dict[str, Any] | None
    products: tuple[MatchedProduct, ...]
    queries: tuple[QueryCall, ...]
    evidence: tuple[dict[str, Any], ...]
    language: str = "en"
    english: str | None = None


@dataclass
class Asking:
    """One question being answered: the graph, what was understood, and the queries run so far."""

    driver: Driver
    database: str | None
    linker: EntityLinker
    understood: Understanding
    choice: IntentChoice
    image: Path | None
    customer: str | None
    model_path: Path | None
    calls: list[QueryCall] = field(default_factory=list)
    candidates: list[dict[str, Any]] = field(default_factory=list)
    _look: PhotoLook | None = None
    _subject: Subject | None = None
    _subject_done: bool = False

    def query(self, name: str, params: dict[str, Any]) -> list[dict[str, Any]]:
        """Rows of the named query ``name`` run with ``params`` (recorded for the answer)."""
        shown = {k: (f"<{len(v)} floats>" if k == "embedding" else v) for k, v in params.items()}
        self.calls.append(QueryCall(name, shown))
        return run_query(self.driver, name, params, self.database).rows

    def look(self) -> PhotoLook | None:
        """The photo's main object (computed once), or None without a photo."""
        if self.image is None:
            return None
        if self._look is None:
            self._look = look_at(self.driver, self.image, self.model_path, self.database)
        return self._look

    def subject(self) -> Subject | None:
        """The product the question is about (computed once): a product id named in it, else the photo's
        best visual match, else the one product whose name has the question's unlinked words; None when
        there is none of these, or the photo matches no catalog photo."""
        if self._subject_done:
            return self._subject
        self._subject_done = True
        named = self.understood.of("Product")
        if named:
            self._subject = Subject(named[0].id, None, None, True, ())
            return self._subject
        look = self.look()
        if look is None:
            self._subject = self._named_by_words()
            return self._subject
        params = {"embedding": list(look.embedding), "index": look.index, "k": NEIGHBOURS, "candidates": 100}
        rows = self.query("visual_search", params)
        if rows:
            top = rows[0]
            same = float(top["score"]) >= SAME_PRODUCT or likely_same(rows, look)
            if same:
                top = sibling_in_colour(rows, look)
            self._subject = Subject(top["product"], top["name"], float(top["score"]), same, tuple(rows))
        return self._subject

    def _named_by_words(self) -> Subject | None:
        """The catalog product the question names in words (:mod:`assistant.names`: "what colour is the Puma Heroes
        track pant?"); None when none does, or several do equally well (kept in ``candidates`` to choose from)."""
        words = list(self.understood.unlinked)
        if not words:
            return None
        rows = self.query("assistant/ask_find_product", {"lucene": names.lucene_query(words)})
        top = names.best(names.rank(self.understood, rows, self.linker))
        if len(top) == 1:
            row = top[0].row
            return Subject(row["product"], row["name"], None, True, ())
        self.candidates = [m.row for m in top]
        return None

    def answer(
        self,
        text: str,
        known: bool,
        confidence: float,
        value: tuple[str, ...] = (),
        products: tuple[MatchedProduct, ...] = (),
        evidence: tuple[dict[str, Any], ...] = (),
    ) -> Answer:
        """The :class:`Answer`, with what was understood and the queries run; what a photo of a product not in
        the graph is, below :data:`LOOKALIKE_MIN`, is given as not sure."""
        matched = None
        if self.image is not None and self._subject is not None:
            matched = "same product" if self._subject.same else "lookalike"
        lookalike = self.image is not None and matched != "same product"
        if known and lookalike and self.choice.intent in WITHHELD_INTENTS and confidence < LOOKALIKE_MIN:
            text = f"I'm not sure (confidence {confidence:.2f}, below {LOOKALIKE_MIN:.2f}): {text}"
            known = False
        look = self._look
        photo = None
        if look is not None:
            photo = {
                "path": str(look.path),
                "detectedClass": look.detected_class,
                "category": look.category,
                "confidence": look.confidence,
                "colour": look.colour,
                "colourDeltaE": look.colour_delta_e,
                "index": look.index,
                "recognition": dataclasses.asdict(look.recognition) if look.recognition else None,
                "matchedAs": matched,
            }
        return Answer(
            question=self.understood.question,
            text=text,
            intent=self.choice.intent,
            intent_confidence=self.choice.confidence,
            intent_reason=self.choice.reason,
            known=known,
            confidence=round(confidence, 4) if known else 0.0,
            value=value,
            understood=self.understood.entities,
            price=self.understood.price,
            photo=photo,
            products=products,
            queries=tuple(self.calls),
            evidence=evidence,
        )

    def name(self, label: str, term_id: str | None) -> str:
        """Display name of a vocabulary term or brand."""
        return self.linker.name(label, term_id) if term_id else "?"


def likely_same(rows: list[dict[str, Any]], look: PhotoLook) -> bool:
    """Whether a photo whose top match is below :data:`SAME_PRODUCT` still shows that product: a match from
    :data:`LIKELY_SAME` that stands :data:`SAME_MARGIN` above every product of another product code, of the
    taxonomy group the recogniser's class covers."""
    top = rows[0]
    if float(top["score"]) < LIKELY_SAME or look.recognition is None or not top.get("category"):
        return False
    others = [float(r["score"]) for r in rows[1:] if not _siblings(r, top)]
    if others and float(top["score"]) - max(others) < SAME_MARGIN:
        return False
    from shopgraph.vision import class_named

    vocab = load_vocabulary()
    if top["category"] not in vocab.terms["Category"] or vocab.category_level(top["category"]) < 2:
        return False
    return vocab.category_ancestor(top["category"], 2) in class_named(look.recognition.class_name).groups


def sibling_in_colour(rows: list[dict[str, Any]], look: PhotoLook) -> dict[str, Any]:
    """The top match, or the best-matched article of its product code in the colour family the recogniser sees
    (from :data:`SIBLING_COLOUR`) when the top match is of another family."""
    top = rows[0]
    recognition = look.recognition
    if recognition is None or recognition.colour_family_confidence < SIBLING_COLOUR:
        return top
    family = recognition.colour_family
    vocab = load_vocabulary()
    if top.get("colour") is None or vocab.colour_family(top["colour"]) == family:
        return top
    same_family = (r for r in rows[1:] if r.get("colour") and vocab.colour_family(r["colour"]) == family)
    return next((r for r in same_family if _siblings(r, top)), top)


def _siblings(a: dict[str, Any], b: dict[str, Any]) -> bool:
    return a.get("productCode") is not None and a.get("productCode") == b.get("productCode")


def describe_rule(rule: str | None) -> str:
    """A shopper-readable phrase for a fact's extraction rule (docs/graph-model.md)."""
    if not rule:
        return "an unrecorded rule"
    kind, _, detail = rule.partition(":")
    if kind == "column":
        return f"the catalog's {detail} column"
    if kind == "name":
        return "the product name"
    if kind == "desc":
        return "the product description"
    if kind == "constant":
        return "the retailer (a single-brand catalog)"
    if kind == "model":
        return f"inferred by the relational model {detail}"
    return rule


def understood_text(understood: Understanding) -> str:
    """What was understood, in words: ``brand Puma (exact), category Shoes (exact), price ≤ 2000``, and the
    content words nothing was linked to."""
    parts = [
        f"{e.label.lower()} {e.name} ({e.method}{'' if e.score == 1 else f' {e.score:.2f}'})"
        for e in understood.entities
    ]
    if understood.price is not None:
        low, high = understood.price.min, understood.price.max
        if low is not None and high is not None:
            parts.append(f"price {low:g}-{high:g}")
        elif high is not None:
            parts.append(f"price ≤ {high:g}")
        else:
            parts.append(f"price ≥ {low:g}")
    text = ", ".join(parts) if parts else "no brand, colour, category, material or product"
    if understood.unlinked:
        text += f" (words I could not link: {', '.join(understood.unlinked)})"
    return text
