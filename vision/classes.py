"""The detector's classes and how they map onto the shared category taxonomy.

The table is data: ``graphstore/data/vocab/detector_classes.csv`` (one row per class, in YOLO
class-index order: name, the Category node it links to, the level-2 taxonomy groups it covers),
read through ``graphstore.core.vocab.detector_classes``.

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

from shopgraph.graphstore.core.vocab import detector_classes


@dataclass(frozen=True)
class DetectorClass:
    """One class: its ``name`` (the YOLO label), the ``category`` node it links to, the groups it covers."""

    name: str
    category: str
    groups: tuple[str, ...]


CLASSES: tuple[DetectorClass, ...] = tuple(DetectorClass(c.name, c.category, c.groups) for c in detector_classes())

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
