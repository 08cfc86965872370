"""Answers to service questions ("can I return a swimsuit?") from the Policy nodes of the graph.

The question's categories and brands, and those of the product it is about (photo or id), select
the policies of the asked kind that apply (``ask_policy``); the most specific one answers: a policy
on the category or its group, then one on the brand, then on the department, then the shop-wide
default.
"""

from __future__ import annotations

from typing import Any

from shopgraph.assistant.context import Answer, Asking, MatchedProduct
from shopgraph.assistant.facts import MIN_FACT, product_ref


def answer_policy(ctx: Asking) -> Answer:
    """The shop's most specific returns, sizes or delivery policy for what the question is about."""
    kind = ctx.choice.policy_kind or "returns"
    categories = ctx.understood.ids("Category")
    brands = ctx.understood.ids("Brand")
    products: tuple[MatchedProduct, ...] = ()
    subject = ctx.subject() if ctx.image is not None or ctx.understood.of("Product") else None
    about = ""
    if subject is not None:
        facts = ctx.query(
            "assistant/ask_product_facts",
            {"productIds": [subject.product], "relations": ["IN_CATEGORY", "HAS_BRAND"], "minConfidence": MIN_FACT},
        )
        categories = categories or [f["id"] for f in facts if f["relation"] == "IN_CATEGORY"]
        brands = brands or [f["id"] for f in facts if f["relation"] == "HAS_BRAND"]
        name = facts[0]["productName"] if facts else subject.name
        products = (MatchedProduct(subject.product, name, "visual match" if subject.score else "named", subject.score),)
        about = f"{product_ref(subject, name)}: "
    rows = ctx.query("assistant/ask_policy", {"kind": kind, "categories": categories or None, "brands": brands or None})
    if not rows:
        text = f"I don't know: the graph has no {kind} policy (load them with `shopgraph ingest policies`)."
        return ctx.answer(text, False, 0.0, products=products)
    best = rows[0]
    text = about + _policy_sentence(ctx, best)
    others = [r for r in rows[1:] if r["policy"] != best["policy"] and r["rank"] < 4]
    if others:
        text += " Also applies: " + "; ".join(f"{r['title']} ({r['policy']})" for r in others) + "."
    value: tuple[str, ...] = (best["policy"],)
    if kind == "returns" and best["returnable"] is not None:
        value = ("yes" if best["returnable"] else "no", best["policy"])
    confidence = ctx.choice.confidence * (subject.score if subject is not None and subject.score else 1.0)
    return ctx.answer(text, True, confidence, value, products, tuple(rows))


def _policy_sentence(ctx: Asking, policy: dict[str, Any]) -> str:
    """ "No. Swimwear: no returns — <text> (policy returns-swimwear, for Swimwear, which Swimsuit is under)"."""
    if policy["appliesTo"] is None:
        scope = "the shop-wide default"
    elif policy["via"] and policy["via"] != policy["appliesTo"]:
        label = "Category" if policy["rank"] != 2 else "Brand"
        scope = f"for {policy['appliesToName']}, which covers {ctx.name(label, policy['via'])}"
    else:
        scope = f"for {policy['appliesToName']}"
    opening = ""
    if policy["kind"] == "returns" and policy["returnable"] is not None:
        opening = "Yes. " if policy["returnable"] else "No. "
    return f"{opening}{policy['title']}: {policy['text']} (policy {policy['policy']}, {scope})."
