"""Answers about the catalog: lookalikes in a colour, colour availability, searches, and what goes with an item.

* ``similar_in_colour`` ("show me similar ones in black"): the photo's embedding against the
  catalog photos, kept to products of the same kind and the colour asked (``ask_visual_in_colour``),
  the photographed product itself left out.
* ``available_in_colour`` ("do you have this in red?"): the product's colour variants
  (``ask_colour_variants``: same productCode, or same brand, category and gender with a name that
  differs only in colour words); without a product, a search with the named terms and colour.
* ``search_by_brand_category_price`` ("which Puma shoes are under 2000?"): ``ask_search_products``.
  A product's price is its list price, else the median of its purchase lines; the answer says
  which products have no price at all, and that H&M's purchase prices are scaled in the data.
* ``complete_the_look`` ("what goes with this skirt?"): groups of the taxonomy that customers who
  bought from the item's group also bought (``ask_look_groups``, association rules), limited to
  groups that cover another part of the body than the item (``graphstore/data/vocab/outfit_slots.csv``),
  one group per part, and their best products (``ask_look_products``); without co-purchases, the
  most bought groups that complete the outfit, at a low confidence.
"""

from __future__ import annotations

from typing import Any

from shopgraph.assistant.context import Answer, Asking, MatchedProduct, understood_text
from shopgraph.assistant.facts import MIN_FACT, missing_subject, product_ref
from shopgraph.graphstore.core.text import tokens
from shopgraph.graphstore.core.vocab import gender_scopes, load_vocabulary, outfit_slots

SHOWN = 5
"""Products listed in an answer's text."""
SEARCH_LIMIT = 200
"""Most products a search reads."""
LOOK_GROUPS = 3
"""Groups suggested to complete a look."""
MIN_TOGETHER = 2
"""Fewest customers who bought from both groups for a group to be suggested by co-purchase."""
OUTFIT_ONLY_CONFIDENCE = 0.3
"""Confidence of suggestions made by outfit parts and popularity alone (nobody bought the item's group)."""
USUAL_GENDER = 0.75
"""Share of an item's group that one gender must have for suggestions to be kept to that gender
(skirts: 94 % women's in the sample; tops: 69 %, so tops get suggestions for everyone)."""
# A shopper asking for men's items also wants unisex ones; kids' departments cover boys and girls
# (graphstore/data/vocab/gender_scopes.csv).
GENDER_SCOPE = {gender: list(scope) for gender, scope in gender_scopes().items()}
PRICE_NOTE = (
    "H&M prices come from its purchase lines, which the published data scales to small numbers (about 0.01-0.25); "
    "they are not in any currency"
)


def answer_similar_in_colour(ctx: Asking) -> Answer:
    """Catalog products that look like the photo, of the same kind, in the colour asked (any colour if none is named).

    The kind is the category the question names ("similar dresses"), else the groups of the photographed
    product itself, else those of the detector's class for the photo's main object; when nothing of that
    kind has the colour, the lookalikes of any kind are offered, and the answer says so.
    """
    look = ctx.look()
    if look is None:
        return missing_subject(ctx, "lookalikes")
    colours = ctx.understood.ids("Colour") or None
    subject = ctx.subject()
    exclude = [subject.product] if subject is not None and subject.same else None
    groups = _kind_of(ctx, exclude[0] if exclude else None)
    params: dict[str, Any] = {
        "embedding": list(look.embedding),
        "index": look.index,
        "colours": colours,
        "groups": groups,
        "exclude": exclude,
        "k": SHOWN,
    }
    rows = ctx.query("assistant/ask_visual_in_colour", params)
    wanted = " or ".join(ctx.name("Colour", c) for c in colours) if colours else "any colour"
    kind = " or ".join(ctx.name("Category", g) for g in groups) if groups else "products"
    any_kind = ""
    if not rows and groups:
        rows = ctx.query("assistant/ask_visual_in_colour", {**params, "groups": None})
        any_kind = f" (no {kind} in {wanted} looks like it, so of any kind)"
        kind = "products"
    products = tuple(MatchedProduct(r["product"], r["name"], "visual match", float(r["score"])) for r in rows)
    if not rows:
        text = f"I found nothing that looks like your photo in {wanted} among the catalog photos in the graph."
        return ctx.answer(text, False, 0.0, (), products, tuple(rows))
    lines = "; ".join(
        f"{r['name']} ({r['product']}, {', '.join(ctx.name('Colour', c) for c in r['colours'])}, "
        f"visual match {r['score']:.3f})"
        for r in rows
    )
    left_out = f", leaving out {exclude[0]} (the product in your photo)" if exclude else ""
    text = f"The {kind} most similar to your photo in {wanted}{any_kind}{left_out}: {lines}."
    confidence = float(rows[0]["score"]) * ctx.choice.confidence
    return ctx.answer(text, True, confidence, tuple(r["product"] for r in rows), products, tuple(rows))


def _kind_of(ctx: Asking, product: str | None) -> list[str] | None:
    """The categories lookalikes should be in: named in the question, else the product's groups, else the
    detector's groups for the photo's main object; None when nothing says."""
    named = ctx.understood.ids("Category")
    if named:
        return named
    vocab = load_vocabulary()
    if product is not None:
        facts = ctx.query(
            "assistant/ask_product_facts",
            {"productIds": [product], "relations": ["IN_CATEGORY"], "minConfidence": MIN_FACT},
        )
        own = {
            vocab.category_ancestor(f["id"], 2) for f in facts if f["relation"] and vocab.category_level(f["id"]) >= 2
        }
        if own:
            return sorted(own)
    look = ctx.look()
    if look is not None and look.detected_class is not None:
        from shopgraph.vision import class_named

        return list(class_named(look.detected_class).groups)
    return None


def answer_available_in_colour(ctx: Asking) -> Answer:
    """Whether the product (or the named brand/category) comes in the colour asked; every colour if none is named.

    The same item in another colour is an article with the same productCode, or a product of the
    same brand, category and gender whose name differs only in colour words ("Puma Men Heroes Black
    Track Pant" / "... Grey Track Pant"); other products of that brand and category are offered as
    alternatives, with the answer "no".
    """
    colours = ctx.understood.ids("Colour") or None
    subject = ctx.subject()
    if subject is None:
        if _has_search_terms(ctx):
            return _search(ctx, colours_only=True)
        return missing_subject(ctx, "colours it comes in")
    facts = ctx.query(
        "assistant/ask_product_facts",
        {"productIds": [subject.product], "relations": ["HAS_COLOUR"], "minConfidence": MIN_FACT},
    )
    if not facts:
        return ctx.answer(f"I don't know the product {subject.product}: it is not in the graph.", False, 0.0)
    name = facts[0]["productName"]
    intro = product_ref(subject, name)
    if not subject.same:
        intro = intro[:-1] + ", the closest catalog product; I assume you mean it)"
    own = [f["id"] for f in facts if f["relation"]]
    rows = ctx.query("assistant/ask_colour_variants", {"productId": subject.product, "colours": colours})
    key = style_key(name or "")
    same_item = [v for v in rows if v["tier"] == 1 or style_key(v["name"]) == key]
    alternatives = [v for v in rows if v not in same_item]
    how = "visual match" if subject.score else "named"
    reference = MatchedProduct(subject.product, name, how, subject.score)
    products = (
        reference,
        *(MatchedProduct(v["product"], v["name"], "same item, other colour") for v in same_item),
        *(MatchedProduct(v["product"], v["name"], "alternative: " + v["why"]) for v in alternatives[:SHOWN]),
    )
    evidence = tuple(facts) + tuple(rows)
    certainty = ctx.choice.confidence * (subject.score if subject.score is not None else 1.0)
    own_text = ", ".join(ctx.name("Colour", c) for c in own) or "of no recorded colour"
    if colours is None:
        offered = sorted({c for v in same_item for c in v["colours"]} | set(own))
        text = f"{intro} is {own_text}; it comes in {', '.join(ctx.name('Colour', c) for c in offered)}."
        return ctx.answer(text, True, certainty, tuple(offered), products, evidence)
    wanted = " or ".join(ctx.name("Colour", c) for c in colours)
    already = [c for c in own if any(colour_matches(w, c) for w in colours)]
    if already:
        text = f"Yes: {intro} is itself {', '.join(ctx.name('Colour', c) for c in already)}."
        return ctx.answer(text, True, certainty, ("yes", subject.product), products, evidence)
    if same_item:
        text = f"Yes: {intro} is {own_text}, and the same item comes in {wanted}: {_variants(ctx, same_item)}."
        return ctx.answer(text, True, certainty, ("yes", *(v["product"] for v in same_item)), products, evidence)
    text = f"No: {intro} is {own_text}, and the catalog has no variant of it in {wanted}."
    if alternatives:
        text += f" Other products of the same brand and category in {wanted}: {_variants(ctx, alternatives)}."
    return ctx.answer(text, True, certainty, ("no",), products, evidence)


def style_key(name: str) -> tuple[str, ...]:
    """A product name's words without its colour words: products of one brand with the same key are one item
    in several colours. ``"Puma Men Heroes Black Track Pant"`` → ``(puma, men, heroes, track, pant)``."""
    words = tokens(name)
    colour_words = {i for m in load_vocabulary().lexicons["Colour"].find(words) for i in range(m.start, m.end)}
    return tuple(w for i, w in enumerate(words) if i not in colour_words)


def _variants(ctx: Asking, rows: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{v['name']} ({v['product']}, {', '.join(ctx.name('Colour', c) for c in v['colours'])})" for v in rows[:SHOWN]
    )


def answer_search(ctx: Asking) -> Answer:
    """Catalog products with the named brands, categories, colours and genders, within the price bound."""
    return _search(ctx, colours_only=False)


def answer_complete_the_look(ctx: Asking) -> Answer:
    """Groups and products that customers who bought the item's group also bought, one per part of the body.

    With no group that at least :data:`MIN_TOGETHER` customers bought together with the item's, the
    most bought groups that complete the outfit are suggested instead, at :data:`OUTFIT_ONLY_CONFIDENCE`.
    """
    anchors, anchor_text, product, genders = _look_anchor(ctx)
    if not anchors:
        return missing_subject(ctx, "item to dress around")
    slots = outfit_slots()
    covered = set().union(*(slots.get(a, set()) for a in anchors))
    if not covered:
        names = ", ".join(ctx.name("Category", a) for a in anchors)
        text = f"I don't suggest outfits around {names}: it is not worn as part of a look. I understood: "
        return ctx.answer(text + understood_text(ctx.understood) + ".", False, 0.0)
    vocab = load_vocabulary()
    level2 = [g for g in vocab.terms["Category"] if vocab.category_level(g) == 2]
    exclude = [g for g in level2 if not slots.get(g) or slots[g] & covered]
    rows = ctx.query("assistant/ask_look_groups", {"anchors": anchors, "exclude": exclude, "limit": 20})
    bought_together = [r for r in rows if r["together"] >= MIN_TOGETHER]
    chosen = _one_per_part(bought_together or rows, slots, covered)
    items = ctx.query(
        "assistant/ask_look_products",
        {
            "groups": [g["group"] for g in chosen],
            "genders": genders,
            "productId": product,
            "customerId": ctx.customer,
            "perGroup": 2,
        },
    )
    if not items:
        text = f"I don't know what goes with {anchor_text}. I understood: {understood_text(ctx.understood)}."
        return ctx.answer(text, False, 0.0, evidence=tuple(rows))
    by_group: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        by_group.setdefault(item["group"], []).append(item)
    picks = "; ".join(
        f"{g['name']}: " + ", ".join(f"{i['name']} ({i['product']})" for i in by_group[g["group"]])
        for g in chosen
        if g["group"] in by_group
    )
    ranked = " (ranked for your preferences)" if ctx.customer else ""
    if bought_together:
        rules = ", ".join(
            f"{g['name']} ({g['together']} of {g['anchorCustomers']} customers, lift {g['lift']:.2f})" for g in chosen
        )
        text = f"Customers who bought {anchor_text} also bought {rules}. Suggestions{ranked}: {picks}."
        confidence = max(float(g["confidence"]) for g in chosen) * ctx.choice.confidence
    else:
        text = (
            f"No customer bought {anchor_text} together with other things, so going only by the parts of an "
            f"outfit it leaves open, the most bought groups that complete it are "
            f"{', '.join(g['name'] for g in chosen)}. Suggestions{ranked}: {picks}."
        )
        confidence = OUTFIT_ONLY_CONFIDENCE * ctx.choice.confidence
    products = tuple(MatchedProduct(i["product"], i["name"], f"goes with: {i['group']}") for i in items)
    return ctx.answer(text, True, confidence, tuple(i["product"] for i in items), products, tuple(rows + items))


def _one_per_part(
    rows: list[dict[str, Any]], slots: dict[str, frozenset[str]], covered: set[str]
) -> list[dict[str, Any]]:
    """The first :data:`LOOK_GROUPS` groups of ``rows`` that cover no part of the body covered already."""
    chosen: list[dict[str, Any]] = []
    taken = set(covered)
    for row in rows:
        if len(chosen) < LOOK_GROUPS and not slots[row["group"]] & taken:
            chosen.append(row)
            taken |= slots[row["group"]]
    return chosen


def colour_matches(wanted: str, actual: str) -> bool:
    """Whether a product of colour ``actual`` answers a request for ``wanted``: the same colour, or a shade
    of ``wanted`` when ``wanted`` names a colour family ("blue" matches Navy Blue; "navy" not Blue)."""
    colours = load_vocabulary().terms["Colour"]
    term = colours.get(actual)
    return actual == wanted or (
        wanted in colours and colours[wanted].family == wanted and term is not None and term.family == wanted
    )


def _has_search_terms(ctx: Asking) -> bool:
    return any(ctx.understood.of(label) for label in ("Brand", "Category", "Gender", "Material", "Pattern", "Style"))


def _search(ctx: Asking, colours_only: bool) -> Answer:
    u = ctx.understood
    genders = _gender_scope(u.ids("Gender"))
    params = {
        "brands": u.ids("Brand") or None,
        "categories": u.ids("Category") or None,
        "colours": u.ids("Colour") or None,
        "genders": genders,
        "materials": u.ids("Material") or None,
        "patterns": u.ids("Pattern") or None,
        "styles": u.ids("Style") or None,
        "minPrice": u.price.min if u.price else None,
        "maxPrice": u.price.max if u.price else None,
        "customerId": ctx.customer,
        "limit": SEARCH_LIMIT,
    }
    rows = ctx.query("assistant/ask_search_products", params)
    wanted = understood_text(u)
    products = tuple(MatchedProduct(r["product"], r["name"], "search result") for r in rows)
    if colours_only:
        if rows:
            listed = "; ".join(f"{r['name']} ({r['product']})" for r in rows[:SHOWN])
            text = f"Yes: {_count(len(rows))} {wanted}, e.g. {listed}."
            return ctx.answer(
                text, True, ctx.choice.confidence, ("yes", *(r["product"] for r in rows)), products, tuple(rows)
            )
        return ctx.answer(f"No: no catalog product matches {wanted}.", True, ctx.choice.confidence, ("no",), (), ())
    if not rows:
        text = f"No catalog product matches {wanted}."
        return ctx.answer(text, True, ctx.choice.confidence, (), (), ())
    in_range = [r for r in rows if r["inRange"]]
    listed = "; ".join(_priced(r) for r in in_range[:SHOWN])
    ranked = " Ranked by your preferences." if ctx.customer else ""
    if u.price is None:
        text = f"{_count(len(rows))} {wanted}: {listed}.{ranked}"
        return ctx.answer(text, True, ctx.choice.confidence, tuple(r["product"] for r in rows), products, tuple(rows))
    priced = [r for r in rows if r["price"] is not None]
    hm_note = f" ({PRICE_NOTE})" if any(r["priceSource"] == "purchases" for r in priced) else ""
    if not priced:
        text = (
            f"I can't tell: {len(rows)} catalog products match {_without_price(u)}, but none has a price in the graph "
            f"(the catalog lists no price and nobody bought them), e.g. "
            + "; ".join(f"{r['name']} ({r['product']})" for r in rows[:SHOWN])
            + "."
        )
        return ctx.answer(text, False, 0.0, (), products, tuple(rows))
    unpriced = len(rows) - len(priced)
    missing = f" {unpriced} more match but have no price." if unpriced else ""
    if not in_range:
        text = f"None: {len(priced)} products match {_without_price(u)} with a price, none within it.{hm_note}{missing}"
        return ctx.answer(text, True, ctx.choice.confidence, (), products, tuple(rows))
    text = f"{len(in_range)} of {len(priced)} priced products match {wanted}: {listed}.{hm_note}{missing}{ranked}"
    value = tuple(r["product"] for r in in_range)
    in_products = tuple(MatchedProduct(r["product"], r["name"], "search result") for r in in_range)
    return ctx.answer(text, True, ctx.choice.confidence, value, in_products, tuple(rows))


def _count(n: int) -> str:
    if n >= SEARCH_LIMIT:
        return f"at least {n} catalog products match"
    return f"{n} catalog product matches" if n == 1 else f"{n} catalog products match"


def _priced(row: dict[str, Any]) -> str:
    if row["price"] is None:
        return f"{row['name']} ({row['product']}, no price)"
    source = "list price" if row["priceSource"] == "list" else f"median of {row['purchaseLines']} purchases"
    return f"{row['name']} ({row['product']}, {row['price']:.4g}, {source})"


def _without_price(understood: Any) -> str:
    text = understood_text(understood)
    return text.rsplit(", price", 1)[0]


def _look_anchor(ctx: Asking) -> tuple[list[str], str, str | None, list[str] | None]:
    """The groups to dress around, how to name them, the product (if any) and the genders to suggest for.

    Categories named in the question come first ("this skirt"); otherwise the product's own categories
    (named by id, or the photo's same-product match); otherwise, for a photo of a lookalike, the
    detector's class for its main object. Genders: those named, else the product's, else the group's
    usual gender when it has one (:data:`USUAL_GENDER`).
    """
    vocab = load_vocabulary()
    categories = ctx.understood.ids("Category")
    genders = _gender_scope(ctx.understood.ids("Gender"))
    subject = ctx.subject() if ctx.image is not None or ctx.understood.of("Product") else None
    product = subject.product if subject is not None and subject.same else None
    if product is not None:
        facts = ctx.query(
            "assistant/ask_product_facts",
            {"productIds": [product], "relations": ["IN_CATEGORY", "FOR_GENDER"], "minConfidence": MIN_FACT},
        )
        categories = categories or [f["id"] for f in facts if f["relation"] == "IN_CATEGORY"]
        genders = genders or _gender_scope([f["id"] for f in facts if f["relation"] == "FOR_GENDER"])
    look = ctx.look()
    if not categories and look is not None and look.detected_class is not None:
        from shopgraph.vision import class_named

        groups = list(class_named(look.detected_class).groups)
        return groups, f"{look.detected_class} items like the one in your photo", None, genders
    anchors = sorted({vocab.category_ancestor(c, 2) for c in categories if vocab.category_level(c) >= 2})
    if genders is None and anchors:
        usual = ctx.query("assistant/ask_group_genders", {"categories": anchors})
        if usual and usual[0]["share"] >= USUAL_GENDER:
            genders = _gender_scope([usual[0]["gender"]])
    text = ", ".join(vocab.term("Category", a).name for a in anchors)
    if subject is not None and product is not None:
        text += f" like {subject.name or product} ({product})"
    return anchors, text, product, genders


def _gender_scope(genders: list[str]) -> list[str] | None:
    return sorted({g for e in genders for g in GENDER_SCOPE.get(e, [e])}) or None
