"""Complete looks around a product: the rules and the score that pick each piece, with the reasons.

A look follows a template of ``outfit_looks.csv``: ``separates`` (top, bottom, shoes, extra) or
``dress`` (dress, shoes, extra); the anchor's taxonomy group decides which, and fills its own slot.
The other slots are filled in the template's order, each with the best candidate by

    score(c) = Σ_f w_f · f(c)      (weights ``OUTFITS.weights``)

over the catalog products of the slot's groups that pass the **gender rule** (a candidate has no
gender, or one in the scope of the anchor's genders, ``gender_scopes.csv``; a unisex anchor goes
with everything) and the **style rule** (when both have styles, they share one: no running shoes
with a party dress), and are not yet in the look nor owned by the shopper. The features:

- ``co_purchase = ln(1 + together(anchor, c))``, customers who bought both within the window;
- ``category_pair = clip(ln lift(cat(anchor), cat(c)), −2, 2)``, the leaf categories' co-purchase lift;
- ``harmony``: the mean colour-harmony score of ``c`` with every piece already in the look
  (:mod:`outfits.harmony`);
- ``style``: +1 when ``c`` shares a style with the anchor, 0 when either has none (−1, both styled
  and none shared, is left out by the style rule);
- ``popularity = ln(1 + recent(c))``, buyers in the recent days before the reference day;
- ``preference = share(colour(c)) + share(category(c))`` of the shopper's preferences (0 without one).

Sizes are not a rule: neither data set the project loads (H&M, Myntra) records a size, and the
purchase format has no size column. Ties go to the product with more buyers, then the smaller id.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from shopgraph.graphstore.core.defaults import OUTFITS, OutfitDefaults
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.vocab import LookSlot, gender_scopes, load_vocabulary, outfit_looks
from shopgraph.outfits.data import LookData, LookProduct
from shopgraph.outfits.harmony import describe, harmony
from shopgraph.outfits.stats import LookStats

FEATURES = ("co_purchase", "category_pair", "harmony", "style", "popularity", "preference")
Preferences = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class Piece:
    """One product of a look: the slot it fills, its score, features and the reasons it was picked."""

    slot: str
    product: str
    name: str
    category: str | None
    colour: str | None
    photo: bool
    score: float
    features: dict[str, float] = field(default_factory=dict)
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True)
class Look:
    """A complete look: its rank, template, the anchor's id, the pieces (anchor first) and their summed score."""

    rank: int
    template: str
    anchor: str
    pieces: tuple[Piece, ...]
    score: float
    reasons: tuple[str, ...]
    missing: tuple[str, ...] = ()  # slots no candidate could fill


def template_for(product: LookProduct) -> tuple[str, LookSlot]:
    """The look template whose slot holds ``product``'s group, and that slot.

    Raises:
        InputError: no template has a slot for the product's group.
    """
    for name, slots in outfit_looks().items():
        for slot in slots:
            if product.group in slot.groups:
                return name, slot
    raise InputError(f"{product.id} ({product.group}) is not worn as part of a look (outfit_looks.csv)")


def gender_fits(anchor: LookProduct, candidate: LookProduct) -> bool:
    """The gender rule: the candidate has no gender, the anchor is unisex or has none, or the candidate's
    genders meet the scope of the anchor's (``gender_scopes.csv``: women → women, unisex)."""
    if not candidate.genders or not anchor.genders or "unisex" in anchor.genders:
        return True
    scopes = gender_scopes()
    scope = {g for gender in anchor.genders for g in scopes.get(gender, (gender,))}
    return bool(scope & set(candidate.genders))


def fits(anchor: LookProduct, candidate: LookProduct) -> bool:
    """The look's hard rules: the gender rule, and no clash of styles (both styled, none shared)."""
    return gender_fits(anchor, candidate) and style_agreement(anchor, candidate) >= 0


def style_agreement(anchor: LookProduct, candidate: LookProduct) -> float:
    """+1 for a shared style, −1 when both have styles and share none, 0 when either has none."""
    if not anchor.styles or not candidate.styles:
        return 0.0
    return 1.0 if set(anchor.styles) & set(candidate.styles) else -1.0


def features(
    stats: LookStats,
    anchor: LookProduct,
    look: Sequence[LookProduct],
    candidate: LookProduct,
    preferences: Preferences,
    defaults: OutfitDefaults = OUTFITS,
) -> dict[str, float]:
    """The candidate's features (module docstring) against the ``anchor`` and the pieces of the ``look`` so far."""
    lift, _ = stats.pair_lift(anchor.category, candidate.category)
    scores = [harmony(p.shade, candidate.shade, defaults).score for p in look]
    return {
        "co_purchase": math.log1p(stats.together_count(anchor.id, candidate.id)),
        "category_pair": min(2.0, max(-2.0, math.log(lift))),
        "harmony": math.fsum(scores) / len(scores) if scores else 0.0,
        "style": style_agreement(anchor, candidate),
        "popularity": math.log1p(stats.recent[candidate.id]),
        "preference": preferences.get("Colour", {}).get(candidate.colour or "", 0.0)
        + preferences.get("Category", {}).get(candidate.category or "", 0.0),
    }


def score(values: Mapping[str, float], weights: Mapping[str, float]) -> float:
    """``Σ_f w_f · f``."""
    return math.fsum(weights.get(f, 0.0) * values[f] for f in FEATURES)


def rank_slot(
    data: LookData,
    stats: LookStats,
    anchor: LookProduct,
    slot: LookSlot,
    look: Sequence[LookProduct],
    preferences: Preferences,
    exclude: frozenset[str] = frozenset(),
    weights: Mapping[str, float] | None = None,
    defaults: OutfitDefaults = OUTFITS,
) -> list[tuple[LookProduct, float, dict[str, float]]]:
    """Every candidate for ``slot`` that passes the gender rule, best first: (product, score, features)."""
    weights = dict(defaults.weights) if weights is None else weights
    taken = exclude | {p.id for p in look}
    ranked = []
    for candidate in data.products.values():
        if candidate.group not in slot.groups or candidate.id in taken or not fits(anchor, candidate):
            continue
        values = features(stats, anchor, look, candidate, preferences, defaults)
        ranked.append((candidate, score(values, weights), values))
    ranked.sort(key=lambda r: (-r[1], -stats.buyers[r[0].id], r[0].id))
    return ranked


def _reasons(
    stats: LookStats, anchor: LookProduct, look: Sequence[LookProduct], candidate: LookProduct, preferences: Preferences
) -> tuple[str, ...]:
    """What supports the pick, in words: only the evidence that is there."""
    vocab = load_vocabulary()
    reasons = []
    together = stats.together_count(anchor.id, candidate.id)
    if together:
        plural = "s" if together > 1 else ""
        reasons.append(f"bought within {stats.window_days} days of {anchor.name} by {together} customer{plural}")
    lift, n_ab = stats.pair_lift(anchor.category, candidate.category)
    if n_ab >= 2 and lift >= 1.1 and anchor.category and candidate.category:
        a, b = vocab.terms["Category"][anchor.category].name, vocab.terms["Category"][candidate.category].name
        reasons.append(f"{n_ab} shoppers bought {a} and {b} within {stats.window_days} days (lift {lift:.1f})")
    reasons.append(describe(anchor.shade, candidate.shade, harmony(anchor.shade, candidate.shade)))
    for piece in look:
        if piece is not anchor and piece.shade.name:
            reasons.append(describe(piece.shade, candidate.shade, harmony(piece.shade, candidate.shade)))
    agreement = style_agreement(anchor, candidate)
    if agreement > 0:
        shared = sorted(set(anchor.styles) & set(candidate.styles))
        reasons.append(f"same style as {anchor.name}: {', '.join(shared)}")
    if candidate.genders:
        reasons.append(f"for {', '.join(candidate.genders)}, as {anchor.name} ({', '.join(anchor.genders) or 'any'})")
    if stats.recent[candidate.id]:
        n = stats.recent[candidate.id]
        who = "1 customer" if n == 1 else f"{n} customers"
        reasons.append(f"{who} bought it in the last {OUTFITS.recent_days} days")
    for kind, term in (("Colour", candidate.colour), ("Category", candidate.category)):
        share = preferences.get(kind, {}).get(term or "", 0.0)
        if share >= 0.1 and term:
            reasons.append(f"{vocab.terms[kind][term].name}: {share:.0%} of your purchases")
    return tuple(reasons)


def _piece(slot: str, product: LookProduct, value: float, values: dict[str, float], reasons: tuple[str, ...]) -> Piece:
    return Piece(
        slot,
        product.id,
        product.name,
        product.category,
        product.colour,
        product.photo,
        round(value, 4),
        {k: round(v, 4) for k, v in values.items()},
        reasons,
    )


def build_looks(
    data: LookData,
    stats: LookStats,
    anchor_id: str,
    looks: int = OUTFITS.looks,
    preferences: Preferences | None = None,
    exclude: frozenset[str] = frozenset(),
    photos_only: bool = False,
    defaults: OutfitDefaults = OUTFITS,
) -> list[Look]:
    """Up to ``looks`` complete looks around ``anchor_id``; look ``i`` takes the ``i``-th best candidate of
    the first open slot, and each later slot its best candidate not used by an earlier look (when
    there is one). A slot no candidate can fill is listed in the look's ``missing``.

    Args:
        preferences: the shopper's shares by kind (``stats.preference_shares`` or PREFERS); None: no shopper.
        exclude: products never proposed (the shopper's own).
        photos_only: propose only products a photo depicts (for a board made of cut-outs).

    Raises:
        InputError: ``anchor_id`` is not a catalog product worn as part of a look.
    """
    anchor = data.products.get(anchor_id)
    if anchor is None:
        raise InputError(f"{anchor_id} is not a catalog product of a group worn in a look (outfit_looks.csv)")
    template, own = template_for(anchor)
    slots = [s for s in outfit_looks()[template] if s != own]
    prefs = preferences or {}
    if photos_only:
        exclude = exclude | {p for p, product in data.products.items() if not product.photo}
    first = rank_slot(data, stats, anchor, slots[0], [anchor], prefs, exclude, defaults=defaults) if slots else []
    built: list[Look] = []
    used: set[str] = set()
    anchor_piece = Piece(
        own.slot,
        anchor.id,
        anchor.name,
        anchor.category,
        anchor.colour,
        anchor.photo,
        0.0,
        reasons=("the look is built around it",),
    )
    # One look per candidate of the first open slot (one look when it has none, or nothing is open).
    for rank in range(1, max(1, min(looks, len(first))) + 1):
        chosen = [anchor]
        pieces = [anchor_piece]
        missing = []
        for index, slot in enumerate(slots):
            if index == 0 and not first:
                missing.append(slot.slot)
                continue
            if index == 0:
                product, value, values = first[rank - 1]
            else:
                ranked = rank_slot(data, stats, anchor, slot, chosen, prefs, exclude, defaults=defaults)
                fresh = [r for r in ranked if r[0].id not in used]
                if not (fresh or ranked):
                    missing.append(slot.slot)
                    continue
                product, value, values = (fresh or ranked)[0]
            pieces.append(_piece(slot.slot, product, value, values, _reasons(stats, anchor, chosen, product, prefs)))
            chosen.append(product)
        used.update(p.product for p in pieces[1:])
        total = round(math.fsum(p.score for p in pieces), 4)
        built.append(Look(rank, template, anchor.id, tuple(pieces), total, _look_reasons(chosen), tuple(missing)))
    return built


def _look_reasons(chosen: Sequence[LookProduct]) -> tuple[str, ...]:
    """The look's colour story: each pair's harmony rule, once per rule."""
    rules: dict[str, int] = {}
    for i, first in enumerate(chosen):
        for second in chosen[i + 1 :]:
            rule = harmony(first.shade, second.shade).rule
            rules[rule] = rules.get(rule, 0) + 1
    return tuple(f"{n} colour pair{'s' if n > 1 else ''} {rule}" for rule, n in sorted(rules.items()))
