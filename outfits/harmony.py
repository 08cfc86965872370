"""Colour harmony of two pieces of a look, by rules in CIE L*C*h (the polar form of L*a*b*).

From L*a*b* (D65, as the Colour nodes' ``lab``): chroma ``C* = √(a*² + b*²)`` and hue angle
``h = atan2(b*, a*)`` in degrees, 0-360. The hue difference of two colours is the shorter way
round the circle, ``Δh = min(|h₁ − h₂|, 360 − |h₁ − h₂|)``. The rules, first match wins:

1. **unknown**: either piece has no colour, or is multicoloured (no one hue to compare), unless denim;
2. **neutral**: either piece is neutral — greyish (``C* ≤ neutral_chroma``: black, white, grey,
   beige, cream), dark and muted (``L* ≤ dark_lightness`` and ``C* ≤ dark_chroma``: navy, dark
   brown) or denim, which is worn as a neutral whatever its blue; a neutral goes with anything;
3. **analogous**: ``Δh ≤ analogous_deg`` (neighbours on the hue circle, or one hue in two shades);
4. **complementary**: ``|Δh − 180| ≤ complementary_deg`` (opposites: red with teal, orange with blue);
5. **clash**: two saturated hues neither close nor opposite.

Each rule has a score in [0, 1] (``OUTFITS.harmony_scores``); thresholds from ``OUTFITS``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, cast

from shopgraph.graphstore.core.defaults import OUTFITS, OutfitDefaults

Rule = Literal["unknown", "neutral", "analogous", "complementary", "clash"]
Lab = tuple[float, float, float]


@dataclass(frozen=True)
class Shade:
    """A piece's colour as harmony sees it: its name, L*a*b* (None: no colour known) and whether it is denim."""

    name: str | None
    lab: Lab | None
    denim: bool = False
    multi: bool = False


@dataclass(frozen=True)
class Harmony:
    """The rule two colours meet, its score, and the hue difference in degrees (None when a hue does not count)."""

    rule: Rule
    score: float
    hue_difference: float | None


def lch(lab: Lab) -> tuple[float, float, float]:
    """L*a*b* → (L*, C*, h°): ``C* = √(a*² + b*²)``, ``h = atan2(b*, a*)`` in degrees in [0, 360)."""
    lightness, a, b = lab
    return lightness, math.hypot(a, b), math.degrees(math.atan2(b, a)) % 360.0


def hue_difference(h1: float, h2: float) -> float:
    """The shorter angle between two hues in degrees: ``min(|h₁ − h₂|, 360 − |h₁ − h₂|)``, in [0, 180]."""
    d = abs(h1 - h2) % 360.0
    return min(d, 360.0 - d)


def is_neutral(shade: Shade, defaults: OutfitDefaults = OUTFITS) -> bool:
    """Whether ``shade`` goes with anything: denim, ``C* ≤ neutral_chroma``, or ``L* ≤ dark_lightness`` and
    ``C* ≤ dark_chroma``. False without a colour."""
    if shade.denim:
        return True
    if shade.lab is None or shade.multi:
        return False
    lightness, chroma, _ = lch(shade.lab)
    return chroma <= defaults.neutral_chroma or (
        lightness <= defaults.dark_lightness and chroma <= defaults.dark_chroma
    )


def harmony(first: Shade, second: Shade, defaults: OutfitDefaults = OUTFITS) -> Harmony:
    """The harmony rule ``first`` and ``second`` meet (module docstring) and its score."""
    scores = dict(defaults.harmony_scores)
    if not (_known(first) and _known(second)):
        return Harmony("unknown", scores["unknown"], None)
    if is_neutral(first, defaults) or is_neutral(second, defaults):
        return Harmony("neutral", scores["neutral"], None)
    # Both known and neither denim (a neutral), so both have an L*a*b* value.
    delta = round(hue_difference(lch(cast(Lab, first.lab))[2], lch(cast(Lab, second.lab))[2]), 1)
    if delta <= defaults.analogous_deg:
        return Harmony("analogous", scores["analogous"], delta)
    if abs(delta - 180.0) <= defaults.complementary_deg:
        return Harmony("complementary", scores["complementary"], delta)
    return Harmony("clash", scores["clash"], delta)


def _known(shade: Shade) -> bool:
    """Denim, or one colour with an L*a*b* value."""
    return shade.denim or (shade.lab is not None and not shade.multi)


def describe(first: Shade, second: Shade, result: Harmony) -> str:
    """A reason for people: ``"navy blue and beige: neutral goes with anything"``."""
    names = f"{first.name or 'no colour'} and {second.name or 'no colour'}"
    if result.rule == "neutral":
        return f"{names}: neutral goes with anything"
    if result.rule == "unknown":
        return f"{names}: colour harmony unknown"
    return f"{names}: {result.rule} hues, {result.hue_difference:.0f}° apart"
