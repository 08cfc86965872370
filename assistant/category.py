"""Answers to "what is this?", "what kind of shoe is this?" and "is this a dress?": the product's category.

The answer is given at the finest taxonomy level the evidence supports:

* **The same product** (named by id or name, or a photo matched at ``SAME_PRODUCT`` or better):
  its catalog category facts, the deepest one first (a leaf such as Dress rather than the group
  Dresses), with rule and confidence times the visual match.
* **A photo of something else**: the vision plugin's recogniser names the main object's fine
  category (``dress``, ``sneakers``: a taxonomy leaf) and its class (``dress``, ``footwear``:
  which stands for a taxonomy group), each with its probability. The leaf is given when its
  probability reaches :data:`FINE_MIN` and it lies under the class's groups; else the class's
  group when the class reaches :data:`CLASS_MIN`; else the assistant says what it saw and that it
  is not sure. The five closest catalog products' categories are shown as supporting evidence, and
  lift the confidence to their vote share when they agree at that level.

"Is this a dress?" (a yes/no question naming a category; "what kind of shoes are these?" names one too, but
only as the kind asked about) is answered "yes" when the answered category is the named
one or lies under it (a t-shirt is a top), "no" when they are apart, and "can't tell" when the
named one is finer than what the evidence supports (a shirt dress, when it only says dress).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from shopgraph.assistant.context import Answer, Asking, MatchedProduct, Subject, describe_rule
from shopgraph.assistant.facts import MIN_FACT, missing_subject, product_intro
from shopgraph.assistant.intents import asks_yes_no
from shopgraph.graphstore.core.vocab import Vocabulary, load_vocabulary

FINE_MIN = 0.55
"""Recogniser probability from which its fine category (a taxonomy leaf) is the answer."""
CLASS_MIN = 0.5
"""Recogniser probability from which its class (a taxonomy group) is the answer when the leaf is not."""


def answer_category(ctx: Asking) -> Answer:
    """The category of the product or photographed object the question is about (and, if the question names
    one, whether it is that)."""
    subject = ctx.subject()
    look = ctx.look()
    vocab = load_vocabulary()
    if subject is not None and subject.same:
        return _from_product(ctx, subject, vocab)
    if look is None:
        return missing_subject(ctx, "kind of product")
    if look.recognition is None:
        text = "I can't tell what this is: the detector found no object in the photo."
        return ctx.answer(text, False, 0.0)
    recognition = look.recognition
    from shopgraph.vision import class_named

    groups = class_named(recognition.class_name).groups
    fine_group = vocab.category_ancestor(recognition.fine, 2) if recognition.fine in vocab.terms["Category"] else None
    neighbours = list(subject.neighbours) if subject is not None else []
    votes = _neighbour_votes(ctx, neighbours, vocab)
    fine, kind = _article(ctx.name("Category", recognition.fine)), recognition.class_name
    seen = (
        f"The recogniser sees {fine} ({recognition.fine_confidence:.0%}), "
        f"of the kind {kind} ({recognition.class_confidence:.0%})"
    )
    if recognition.fine_confidence >= FINE_MIN and fine_group in groups:
        answered, confidence, level = recognition.fine, recognition.fine_confidence, 3
    elif recognition.class_confidence >= CLASS_MIN:
        answered, confidence, level = class_named(recognition.class_name).category, recognition.class_confidence, 2
    else:
        text = f"I'm not sure what this is. {seen}; neither is sure enough. {_vote_text(ctx, votes, 3)}"
        return ctx.answer(text, False, 0.0, (recognition.fine,), _matched(neighbours), ())
    share = _share(votes, answered, level, vocab)
    confidence = max(confidence, share)
    products = _matched(neighbours)
    asked = ctx.understood.ids("Category") if asks_yes_no(ctx.understood) else []
    if asked:
        return _yes_no(ctx, asked[0], answered, confidence, seen, products, vocab)
    text = (
        f"It looks like {_article(ctx.name('Category', answered))} (confidence {confidence:.2f}). {seen}. "
        f"{_vote_text(ctx, votes, level)}"
    )
    return ctx.answer(text.strip(), True, confidence, (answered,), products, ())


def _from_product(ctx: Asking, subject: Subject, vocab: Vocabulary) -> Answer:
    params = {"productIds": [subject.product], "relations": ["IN_CATEGORY"], "minConfidence": MIN_FACT}
    rows = ctx.query("assistant/ask_product_facts", params)
    if not rows:
        return ctx.answer(f"I don't know the product {subject.product}: it is not in the graph.", False, 0.0)
    name = rows[0]["productName"]
    intro = product_intro(subject, name)
    product = MatchedProduct(subject.product, name, "visual match" if subject.score else "named", subject.score)
    facts = [r for r in rows if r["relation"] and r["id"] in vocab.terms["Category"]]
    if not facts:
        text = f"{intro}, but the graph has no category for it."
        return ctx.answer(text, False, 0.0, products=(product,))
    facts.sort(key=lambda f: (f["inferred"], -vocab.category_level(f["id"]), -float(f["confidence"])))
    best = facts[0]
    confidence = float(best["confidence"]) * (subject.score if subject.score is not None else 1.0)
    asked = ctx.understood.ids("Category") if asks_yes_no(ctx.understood) else []
    if asked:
        return _yes_no(ctx, asked[0], best["id"], confidence, intro, (product,), vocab, tuple(facts))
    path = " › ".join(ctx.name("Category", c) for c in _lineage(best["id"], vocab))
    how = f"from {describe_rule(best['rule'])}, confidence {float(best['confidence']):.2f}"
    text = f"{intro}. It is {_article(best['value'])} ({path}; {how})."
    return ctx.answer(text, True, confidence, (best["id"],), (product,), tuple(facts))


def _yes_no(
    ctx: Asking,
    asked: str,
    answered: str,
    confidence: float,
    seen: str,
    products: tuple[MatchedProduct, ...],
    vocab: Vocabulary,
    evidence: tuple[dict[str, Any], ...] = (),
) -> Answer:
    """ "Is this a dress?": yes when ``answered`` is ``asked`` or under it, no when apart, unsure when finer.

    A leaf named like its group in the singular ("Top" of "Tops", "Skirt" of "Skirts") stands for the group:
    a shopper asking "is this a top?" of a t-shirt means the group.
    """
    parent = vocab.terms["Category"][asked].parent
    if parent in (f"{asked}s", f"{asked}es"):
        asked = parent
    asked_name, answered_name = ctx.name("Category", asked), ctx.name("Category", answered)
    lineage = _lineage(answered, vocab)
    if asked in lineage:
        text = f"Yes: it is {_article(answered_name)}"
        text += "." if asked == answered else f", which is {_article(asked_name)}."
        return ctx.answer(f"{text} {seen}.", True, confidence, ("yes", answered), products, evidence)
    if answered in _lineage(asked, vocab):
        text = (
            f"I can't tell whether it is {_article(asked_name)}: it is {_article(answered_name)}, "
            f"but the evidence does not go finer. {seen}."
        )
        return ctx.answer(text, False, 0.0, (answered,), products, evidence)
    text = f"No: it looks like {_article(answered_name)}, not {_article(asked_name)}. {seen}."
    return ctx.answer(text, True, confidence, ("no", answered), products, evidence)


def _neighbour_votes(ctx: Asking, neighbours: list[dict[str, Any]], vocab: Vocabulary) -> dict[str, float]:
    """Visual-match weight of each category (leaf) among the neighbours' deepest catalog categories."""
    if not neighbours:
        return {}
    params = {
        "productIds": [n["product"] for n in neighbours],
        "relations": ["IN_CATEGORY"],
        "minConfidence": MIN_FACT,
    }
    deepest: dict[str, str] = {}
    for row in ctx.query("assistant/ask_product_facts", params):
        if row["relation"] and not row["inferred"] and row["id"] in vocab.terms["Category"]:
            known = deepest.get(row["product"])
            if known is None or vocab.category_level(row["id"]) > vocab.category_level(known):
                deepest[row["product"]] = row["id"]
    votes: dict[str, float] = defaultdict(float)
    for n in neighbours:
        if n["product"] in deepest:
            votes[deepest[n["product"]]] += float(n["score"])
    return dict(votes)


def _share(votes: dict[str, float], answered: str, level: int, vocab: Vocabulary) -> float:
    """Share of the neighbours' weight on ``answered`` at its taxonomy ``level``."""
    total = sum(votes.values())
    if not total:
        return 0.0
    agree = sum(w for c, w in votes.items() if vocab.category_ancestor(c, level) == answered)
    return agree / total


def _vote_text(ctx: Asking, votes: dict[str, float], level: int) -> str:
    if not votes:
        return ""
    vocab = load_vocabulary()
    total = sum(votes.values())
    by_level: dict[str, float] = defaultdict(float)
    for c, w in votes.items():
        by_level[vocab.category_ancestor(c, level)] += w
    ranked = sorted(by_level.items(), key=lambda kv: (-kv[1], kv[0]))[:3]
    split = ", ".join(f"{ctx.name('Category', c)} {w / total:.0%}" for c, w in ranked)
    return f"The most similar catalog products are: {split} (by visual-match weight)."


def _lineage(category: str, vocab: Vocabulary) -> list[str]:
    """``category`` and its ancestors, root first."""
    return vocab.category_lineage(category)[::-1]


def _matched(neighbours: list[dict[str, Any]]) -> tuple[MatchedProduct, ...]:
    return tuple(MatchedProduct(n["product"], n["name"], "lookalike", float(n["score"])) for n in neighbours)


def _article(name: str) -> str:
    """ "a dress", "an anorak"; plural names ("Tops", "Jeans") take none."""
    if name.endswith("s") and not name.endswith("ss"):
        return name.lower()
    return f"{'an' if name[:1].lower() in 'aeiou' else 'a'} {name.lower()}"
