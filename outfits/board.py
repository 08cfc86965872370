"""A look as one "complete the look" board: the pieces' cut-outs laid out by slot, with captions and reasons.

The board is ``BOARD_WIDTH`` × ``BOARD_HEIGHT`` pixels on a light background: a title strip; the
garments in the left column (top above bottom, or the dress over both rows); shoes and the extra
(bag or accessory) in the right column; under each piece its name, colour and, for a piece
without a mask, how it was cut (bounding crop); and the look's reasons along the bottom. Each
cut-out is scaled to fit its tile (aspect kept) and pasted through its alpha mask. A piece with no
photo at all is shown as a swatch of its catalog colour, and the board says so.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from shopgraph.graphstore.core.vocab import load_vocabulary
from shopgraph.outfits.builder import Look, Piece
from shopgraph.vision import ProductCutout

BOARD_WIDTH, BOARD_HEIGHT = 960, 800
BACKGROUND = (246, 243, 238)
_INK = (40, 40, 40)
_CAPTION = 44  # pixels under each tile's picture for its caption
# Each slot's tile, (x0, y0, x1, y1).
TILES: dict[str, tuple[int, int, int, int]] = {
    "top": (20, 60, 500, 350),
    "bottom": (20, 360, 500, 650),
    "dress": (20, 60, 500, 650),
    "shoes": (520, 60, 940, 350),
    "extra": (520, 360, 940, 650),
}


_NOTES = {"no photo": "no photo: colour swatch", "box crop": "no mask: box crop"}


@dataclass(frozen=True)
class Board:
    """The rendered board (H×W×3 uint8) and, per product, how its picture was made."""

    image: NDArray[np.uint8]
    sources: dict[str, str]  # product -> "mask", "box crop", "whole photo" or "no photo"


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    return ImageFont.load_default(size=size)


def _fit(cutout: ProductCutout, width: int, height: int) -> Image.Image:
    picture = Image.fromarray(cutout.rgba, "RGBA")
    scale = min(width / picture.width, height / picture.height)
    size = (max(1, round(picture.width * scale)), max(1, round(picture.height * scale)))
    return picture.resize(size, Image.Resampling.LANCZOS)


def _source(cutout: ProductCutout | None) -> str:
    if cutout is None:
        return "no photo"
    if cutout.masked:
        return "mask"
    return "box crop" if cutout.note and "box" in cutout.note else "whole photo"


def _tile(canvas: Image.Image, draw: ImageDraw.ImageDraw, piece: Piece, cutout: ProductCutout | None) -> str:
    x0, y0, x1, y1 = TILES[piece.slot]
    draw.rectangle((x0, y0, x1, y1), fill=(255, 255, 255), outline=(225, 220, 212))
    inner_w, inner_h = x1 - x0 - 20, y1 - y0 - _CAPTION - 20
    source = _source(cutout)
    if cutout is not None:
        picture = _fit(cutout, inner_w, inner_h)
        left = x0 + 10 + (inner_w - picture.width) // 2
        top = y0 + 10 + (inner_h - picture.height) // 2
        canvas.paste(picture, (left, top), picture)
    else:
        term = load_vocabulary().terms["Colour"].get(piece.colour or "")
        swatch = term.hex if term and term.hex else "#CCCCCC"
        cx, cy, r = x0 + 10 + inner_w // 2, y0 + 10 + inner_h // 2, min(inner_w, inner_h) // 3
        draw.rounded_rectangle((cx - r, cy - r, cx + r, cy + r), radius=16, fill=swatch, outline=(200, 200, 200))
    label = f"{piece.slot}: {piece.name}"
    if piece.colour:
        label += f" ({piece.colour})"
    draw.text((x0 + 10, y1 - _CAPTION + 4), textwrap.shorten(label, 58), fill=_INK, font=_font(15))
    if source != "mask":
        note = _NOTES.get(source, "no mask: whole photo")
        draw.text((x0 + 10, y1 - _CAPTION + 24), note, fill=(150, 60, 40), font=_font(13))
    return source


def render_board(look: Look, cutouts: Mapping[str, ProductCutout | None], title: str) -> Board:
    """The board of ``look`` (module docstring); ``cutouts``: each piece's cut-out by product (None: no photo)."""
    canvas = Image.new("RGB", (BOARD_WIDTH, BOARD_HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(canvas)
    draw.text((20, 16), textwrap.shorten(title, 90), fill=_INK, font=_font(22))
    sources = {p.product: _tile(canvas, draw, p, cutouts.get(p.product)) for p in look.pieces}
    lines = list(look.reasons)
    for piece in look.pieces[1:]:
        lines.extend(f"{piece.slot}: {r}" for r in piece.reasons[:2])
    if any(s != "mask" for s in sources.values()):
        lines.append("pieces without a stored mask are shown as their photo's bounding crop or a colour swatch")
    y = 662
    for line in lines:
        for wrapped in textwrap.wrap(line, 120):
            if y > BOARD_HEIGHT - 18:
                break
            draw.text((20, y), wrapped, fill=_INK, font=_font(13))
            y += 17
    return Board(np.asarray(canvas, dtype=np.uint8), sources)
