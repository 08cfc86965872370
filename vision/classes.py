"""The detector's classes and how they map onto the shared category taxonomy.

Chosen from the photos in ../shared/datasets: taxonomy groups with enough photos
(level 2 of graphstore/data/vocab/categories.csv) become a class each; the small
accessory groups share one class, and shoes with sandals become ``footwear``.
Counts of photos per group at the time (Myntra + H&M): tops 1,207, bottoms 752,
knitwear 452, dresses 387, underwear 306, swimwear 244, shoes 243, outerwear 184,
bags 135, hosiery 123, skirts 108, ethnic wear 59 (kurtas: with tops), sandals 59;
jewellery, belts, hair accessories, eyewear, headwear, watches, scarves and small
accessories 430 together. Nightwear (40), sets (9), beauty and miscellaneous items
are left out: too few photos to learn from.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DetectorClass:
    """One class: its ``name`` (the YOLO label), the ``category`` node it links to, the groups it covers."""

    name: str
    category: str
    groups: tuple[str, ...]


CLASSES: tuple[DetectorClass, ...] = (
    DetectorClass("top", "tops", ("tops", "ethnic-wear")),
    DetectorClass("knitwear", "knitwear", ("knitwear",)),
    DetectorClass("outerwear", "outerwear", ("outerwear",)),
    DetectorClass("bottoms", "bottoms", ("bottoms",)),
    DetectorClass("skirt", "skirts", ("skirts",)),
    DetectorClass("dress", "dresses", ("dresses",)),
    DetectorClass("underwear", "underwear", ("underwear",)),
    DetectorClass("swimwear", "swimwear", ("swimwear",)),
    DetectorClass("hosiery", "hosiery", ("hosiery",)),
    DetectorClass("footwear", "footwear", ("shoes", "sandals-group")),
    DetectorClass("bag", "bags", ("bags",)),
    DetectorClass(
        "accessory",
        "accessories",
        ("jewellery", "belts", "hair-accessories", "eyewear", "headwear", "watches", "scarves", "small-accessories"),
    ),
)

CLASS_NAMES: tuple[str, ...] = tuple(c.name for c in CLASSES)
_BY_GROUP = {group: c for c in CLASSES for group in c.groups}


def class_for_group(group: str) -> DetectorClass | None:
    """The detector class of a taxonomy group (level-2 category id), or None if it is left out."""
    return _BY_GROUP.get(group)


def class_named(name: str) -> DetectorClass:
    """The class called ``name``.

    Raises:
        KeyError: no such class.
    """
    for c in CLASSES:
        if c.name == name:
            return c
    raise KeyError(f"no detector class {name!r}; classes: {', '.join(CLASS_NAMES)}")
