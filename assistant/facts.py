"""Answers about one product: its brand, colour or material ("what brand is this?").

The product is the one named by id, or the photo's best visual match (:meth:`Asking.subject`).

* **The same product** (named, or matched at ``SAME_PRODUCT`` or better): the answer is its
  asserted facts of that relationship (then inferred ones, marked as such), strongest first, with
  rule and confidence; the answer's confidence is the fact's confidence times the visual match.
* **A lookalike** (a photo matched below ``SAME_PRODUCT``): the closest products vote. Each votes
  for its strongest fact with weight ``w = visual match × fact confidence``; the answer is the value
  with the largest ``Σ w``, its confidence that sum over the neighbours' total visual match
  ``Σ score``; below half the weight the assistant says it is not sure and shows the split. A
  colour is the one the vision plugin names for the main object instead (its recogniser's shade),
  given as known when the recogniser is sure of the colour family or the neighbours' vote agrees.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from shopgraph.assistant.context import Answer, Asking, MatchedProduct, Subject, describe_rule, understood_text
from shopgraph.assistant.intents import PRODUCT_BRAND, PRODUCT_COLOUR, PRODUCT_MATERIAL
from shopgraph.graphstore.core.vocab import load_vocabulary

MIN_FACT = 0.5
"""Facts below this confidence are not used for answers."""
MAJORITY = 0.5
"""Share of the vote weight a lookalike answer needs to be given as known."""
COLOUR_FAMILY_MIN = 0.6
"""Recogniser probability of a colour family from which a lookalike's colour is given without the vote's support."""

_ASKED = {
    PRODUCT_BRAND: ("HAS_BRAND", "Brand", "brand"),
    PRODUCT_COLOUR: ("HAS_COLOUR", "Colour", "colour"),
    PRODUCT_MATERIAL: ("MADE_OF", "Material", "material"),
}


def answer_attribute(ctx: Asking) -> Answer:
    """The brand, colour or material (by ``ctx.choice.intent``) of the product the question is about."""
    relation, label, noun = _ASKED[ctx.choice.intent]
    subject = ctx.subject()
    if subject is None:
        return missing_subject(ctx, noun)
    if subject.same:
        return _from_product(ctx, subject, relation, label, noun)
    return _from_lookalikes(ctx, subject, relation, label, noun, _lookalike_intro(subject))


def missing_subject(ctx: Asking, noun: str) -> Answer:
    """The answer when a question about "this" has no photo, product id or product name (or the photo matches
    nothing); several products named like the question's words are listed to choose from."""
    if ctx.candidates:
        names = "; ".join(
            f"{c['name']} ({', '.join([c['product'], *(ctx.name('Colour', k) for k in c.get('colours') or ())])})"
            for c in ctx.candidates
        )
        text = f"Which one do you mean? {len(ctx.candidates)} products are named like that: {names}."
        return ctx.answer(text, known=False, confidence=0.0)
    if ctx.image is not None:
        why = "no catalog photo looks like it (ingest catalog photos with `shopgraph ingest images` first)"
    else:
        why = "there is no photo (--image), product id (such as myntra:10008) or product name in it"
    text = f"I can't tell the {noun}: {why}. I understood: {understood_text(ctx.understood)}."
    return ctx.answer(text, known=False, confidence=0.0)


def product_intro(subject: Subject, name: str | None) -> str:
    """The subject introduced: "This looks like X (id, visual match 0.998)" for a photo, "X (id)" if named."""
    label = name or subject.name or subject.product
    if subject.score is None:
        return f"{label} ({subject.product})"
    return f"This looks like {label} ({subject.product}, visual match {subject.score:.3f})"


def product_ref(subject: Subject, name: str | None) -> str:
    """A noun phrase for the subject: "Saskia Dress (hm:0734435004; your photo matches it at 0.998)"."""
    label = name or subject.name or subject.product
    if subject.score is None:
        return f"{label} ({subject.product})"
    return f"{label} ({subject.product}; your photo matches it at {subject.score:.3f})"


def fact_phrase(fact: dict[str, Any]) -> str:
    """``Nike (from the product name, confidence 0.95)``; inferred facts say so."""
    how = describe_rule(fact["rule"])
    kind = "score" if fact["inferred"] else "confidence"
    return f"{fact['value']} (from {how}, {kind} {fact['confidence']:.2f})"


def _from_product(ctx: Asking, subject: Subject, relation: str, label: str, noun: str) -> Answer:
    params = {"productIds": [subject.product], "relations": [relation], "minConfidence": MIN_FACT}
    rows = ctx.query("assistant/ask_product_facts", params)
    if not rows:
        text = f"I don't know the product {subject.product}: it is not in the graph."
        return ctx.answer(text, known=False, confidence=0.0)
    name = rows[0]["productName"]
    intro = product_intro(subject, name)
    product = MatchedProduct(subject.product, name, "visual match" if subject.score else "named", subject.score)
    facts = [r for r in rows if r["relation"]]
    if not facts:
        text = (
            f"{intro}, but I don't know its {noun}: the graph has none for it, neither from the catalog nor inferred."
        )
        return ctx.answer(text, known=False, confidence=0.0, products=(product,))
    asserted = [f for f in facts if not f["inferred"]] or facts
    best = asserted[0]
    text = f"{intro}. Its {noun} is {fact_phrase(best)}"
    others = [f for f in facts if f is not best]
    if others:
        text += "; also " + ", ".join(fact_phrase(f) for f in others)
    look = ctx.look()
    if noun == "colour" and look is not None and look.colour:
        text += f". In the photo the main object's pixels are closest to {ctx.name('Colour', look.colour)}"
        text += f" (ΔE00 {look.colour_delta_e:.1f})"
    confidence = float(best["confidence"]) * (subject.score if subject.score is not None else 1.0)
    value = tuple(dict.fromkeys(f["id"] for f in [best, *others]))
    return ctx.answer(text + ".", True, confidence, value, (product,), tuple(facts))


def _lookalike_intro(subject: Subject) -> str:
    return (
        f"This does not match a catalog photo closely; the closest is {subject.name} "
        f"({subject.product}, visual match {subject.score:.3f})"
    )


def _from_lookalikes(ctx: Asking, subject: Subject, relation: str, label: str, noun: str, intro: str) -> Answer:
    neighbours = list(subject.neighbours)
    params = {"productIds": [n["product"] for n in neighbours], "relations": [relation], "minConfidence": MIN_FACT}
    rows = ctx.query("assistant/ask_product_facts", params) if neighbours else []
    best_fact: dict[str, dict[str, Any]] = {}
    for row in rows:
        if row["relation"] and row["product"] not in best_fact:
            best_fact[row["product"]] = row
    family = _family if noun == "colour" else (lambda term: term)
    votes: dict[str, float] = defaultdict(float)
    shades: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    total = 0.0
    for n in neighbours:
        score = float(n["score"])
        total += score
        fact = best_fact.get(n["product"])
        if fact is not None:
            weight = score * float(fact["confidence"])
            votes[family(fact["id"])] += weight
            shades[family(fact["id"])][fact["id"]] += weight
    products = tuple(MatchedProduct(n["product"], n["name"], "lookalike", float(n["score"])) for n in neighbours)
    evidence = tuple(rows)
    look = ctx.look()
    if noun == "colour" and look is not None and look.colour is not None and subject.score is not None:
        return _pixel_colour(
            ctx, subject.score, intro, look.colour, look.colour_delta_e, votes, total, products, evidence
        )
    if not votes or total == 0:
        text = f"I don't know: {intro}, and none of the similar products has a {noun} in the graph."
        return ctx.answer(text, False, 0.0, (), products, evidence)
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    winner, weight = ranked[0]
    shade = shade_of(shades[winner])
    share = weight / total
    split = ", ".join(f"{ctx.name(label, shade_of(shades[v]))} {w / total:.0%}" for v, w in ranked[:3])
    if share < MAJORITY:
        text = f"I'm not sure: {intro}. The similar products disagree on the {noun}: {split} of the vote."
        return ctx.answer(text, False, 0.0, (shade,), products, evidence)
    voters = sum(1 for f in best_fact.values() if family(f["id"]) == winner)
    text = (
        f"{intro}. {voters} of the {len(neighbours)} most similar products say the {noun} is "
        f"{ctx.name(label, shade)} ({share:.0%} of the visual-match weight; vote {split}), "
        f"so it is probably {ctx.name(label, shade)}."
    )
    return ctx.answer(text, True, share, (shade,), products, evidence)


def _pixel_colour(
    ctx: Asking,
    top_score: float,
    intro: str,
    colour: str,
    delta_e: float | None,
    votes: dict[str, float],
    total: float,
    products: tuple[MatchedProduct, ...],
    evidence: tuple[dict[str, Any], ...],
) -> Answer:
    """A lookalike's colour: the colour the vision plugin names for the object (the recogniser's shade), known
    when the recogniser is sure of its family (:data:`COLOUR_FAMILY_MIN`) or the similar products' vote agrees.

    With the vote, the object's colour votes with the top match's weight and the confidence is the share of all
    the weight on its family (or the recogniser's family probability, if higher); without it, the confidence is
    the recogniser's family probability.
    """
    look = ctx.look()
    recognised = look.recognition.colour_family_confidence if look is not None and look.recognition else None
    pixel_family = _family(colour)
    share = (votes.get(pixel_family, 0.0) + top_score) / (total + top_score)
    neighbours_say = max(votes.items(), key=lambda kv: (kv[1], kv[0]))[0] if votes else None
    name = ctx.name("Colour", colour)
    seen = f"The vision model names the main object's colour {name}"
    if recognised is not None:
        seen += f" ({recognised:.0%} sure of its colour family)"
    if delta_e is not None:
        seen += f"; its pixels lie ΔE00 {delta_e:.1f} from {name}"
    if neighbours_say == pixel_family:
        text = (
            f"{intro}. {seen}, and the similar products' colours agree ({share:.0%} of the visual-match weight), "
            f"so it is {name}."
        )
        return ctx.answer(text, True, max(share, recognised or 0.0), (colour,), products, evidence)
    if recognised is not None and recognised >= COLOUR_FAMILY_MIN:
        other = f" (the similar products are mostly {ctx.name('Colour', neighbours_say)})" if neighbours_say else ""
        text = f"{intro}. {seen}{other}, so it is probably {name}."
        return ctx.answer(text, True, recognised, (colour,), products, evidence)
    other = f"mostly {ctx.name('Colour', neighbours_say)}" if neighbours_say else "of no recorded colour"
    text = f"I'm not sure: {intro}. {seen}, but the similar products are {other}; my best guess is {name}."
    return ctx.answer(text, False, 0.0, (colour,), products, evidence)


def shade_of(weights: dict[str, float]) -> str:
    """The best-voted colour (or value) among ``weights``."""
    return max(weights.items(), key=lambda kv: (kv[1], kv[0]))[0]


def _family(colour: str) -> str:
    return load_vocabulary().colour_family(colour)
