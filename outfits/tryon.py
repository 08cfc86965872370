"""A 2D preview of a look on a photo of a person: each cut-out pasted over the body region it is worn on.

The regions come from the vision plugin's body-pose model (:func:`shopgraph.vision.find_person`):
the bottom over the legs, the dress from shoulders to below the knees, the top over the torso
(pasted after the bottom, so it covers the waistband), shoes over the feet and a bag at the more
visible hand. Each cut-out is scaled to fit its region with its aspect kept, centred across it and
aligned to its top, and pasted at ``OPACITY`` through its mask.

This is an honest preview, not a try-on: the garment is not warped to the pose, draped, or hidden
behind arms; sizes follow the body boxes, not the garment's size; belts, jewellery and other
accessories with no region are listed as not placed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from shopgraph.outfits.builder import Look
from shopgraph.vision import Box, PersonRegions, ProductCutout

OPACITY = 0.92
# Paste order (later covers earlier) and the region each slot is worn on.
_ORDER = ("bottom", "dress", "top", "shoes", "extra")


@dataclass(frozen=True)
class TryOn:
    """The preview (H×W×3 uint8), the box each product was pasted into, and what could not be placed and why."""

    image: NDArray[np.uint8]
    placed: dict[str, tuple[int, int, int, int]]
    not_placed: dict[str, str]


def _region(slot: str, group_is_bag: bool, regions: PersonRegions) -> Box | None:
    if slot == "extra":
        return regions.hand if group_is_bag else None
    return {"top": regions.torso, "bottom": regions.legs, "dress": regions.dress, "shoes": regions.feet}[slot]


def _paste(canvas: Image.Image, cutout: ProductCutout, box: Box) -> tuple[int, int, int, int]:
    picture = Image.fromarray(cutout.rgba, "RGBA")
    scale = min(box.width / picture.width, box.height / picture.height)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    picture = picture.resize(size, Image.Resampling.LANCZOS)
    alpha = np.asarray(picture.getchannel("A"), dtype=np.float64) * OPACITY
    picture.putalpha(Image.fromarray(alpha.astype(np.uint8), "L"))
    left = box.x0 + (box.width - picture.width) // 2
    canvas.paste(picture, (left, box.y0), picture)
    return left, box.y0, left + picture.width, box.y0 + picture.height


def dress_person(
    rgb: NDArray[np.uint8],
    regions: PersonRegions,
    look: Look,
    cutouts: Mapping[str, ProductCutout | None],
    bags: frozenset[str],
) -> TryOn:
    """``look``'s pieces over the person in ``rgb`` (module docstring); ``bags``: the look's products that are bags."""
    canvas = Image.fromarray(np.ascontiguousarray(rgb), "RGB")
    placed: dict[str, tuple[int, int, int, int]] = {}
    not_placed: dict[str, str] = {}
    pieces = sorted(look.pieces, key=lambda p: _ORDER.index(p.slot) if p.slot in _ORDER else len(_ORDER))
    for piece in pieces:
        cutout = cutouts.get(piece.product)
        box = _region(piece.slot, piece.product in bags, regions)
        if cutout is None:
            not_placed[piece.product] = "no photo"
        elif box is None:
            not_placed[piece.product] = f"no body region for the {piece.slot} in this photo"
        else:
            placed[piece.product] = _paste(canvas, cutout, box)
    return TryOn(np.asarray(canvas, dtype=np.uint8), placed, not_placed)
