"""The fitting room's pure parts: colour harmony, cut-outs from stored outlines, body regions, boards, previews.

Colours are the vocabulary's reference values (``colours.csv`` hex → L*a*b*), so every hue and
chroma below can be recomputed from the table: red #C8102E is L* 42.5, C* 74.9, h 28.5°.
"""

from __future__ import annotations

import numpy as np
import pytest

from shopgraph.graphstore.core.colour import hex_to_lab
from shopgraph.graphstore.core.vocab import load_vocabulary, outfit_looks, outfit_slots
from shopgraph.outfits.board import BACKGROUND, BOARD_HEIGHT, BOARD_WIDTH, render_board
from shopgraph.outfits.builder import Look, Piece
from shopgraph.outfits.evaluate import customer_bootstrap, in_tuning
from shopgraph.outfits.harmony import Shade, harmony, hue_difference, is_neutral, lch
from shopgraph.outfits.tryon import dress_person
from shopgraph.vision import Box, ProductCutout, cut_out
from shopgraph.vision.person import regions_from_landmarks


def shade(colour: str, denim: bool = False) -> Shade:
    term = load_vocabulary().terms["Colour"][colour]
    assert term.hex is not None
    return Shade(term.name.lower(), hex_to_lab(term.hex), denim, colour == "multi")


def test_lch_and_hue_difference_follow_their_formulas() -> None:
    lightness, chroma, hue = lch(hex_to_lab("#C8102E"))  # red
    assert (round(lightness, 1), round(chroma, 1), round(hue, 1)) == (42.5, 74.9, 28.5)
    assert lch((50.0, 0.0, -10.0)) == (50.0, 10.0, 270.0)
    assert hue_difference(350.0, 10.0) == 20.0  # the short way round
    assert hue_difference(10.0, 190.0) == 180.0
    assert hue_difference(0.0, 270.0) == 90.0


@pytest.mark.parametrize(
    ("first", "second", "rule", "score", "delta"),
    [
        ("red", "teal", "complementary", 0.8, 168.0),  # h 28.46° and 196.49°
        ("red", "dark-orange", "analogous", 0.9, 25.5),  # 28.46° and 53.92°
        ("red", "green", "clash", 0.2, 124.8),  # 28.46° and 153.22°
        ("red", "navy-blue", "neutral", 1.0, None),  # navy: L* 17.4, C* 22.4, dark and muted
        ("red", "beige", "neutral", 1.0, None),  # beige: C* 18.6
        ("red", "multi", "unknown", 0.5, None),
    ],
)
def test_harmony_rules_on_vocabulary_colours(
    first: str, second: str, rule: str, score: float, delta: float | None
) -> None:
    found = harmony(shade(first), shade(second))
    assert (found.rule, found.score, found.hue_difference) == (rule, score, delta)


def test_denim_is_neutral_whatever_its_blue_and_no_colour_is_unknown() -> None:
    assert harmony(shade("red"), shade("blue")).rule == "clash"  # 28.5° and 283.1°: 105.4° apart
    assert harmony(shade("red"), shade("blue", denim=True)).rule == "neutral"
    assert harmony(shade("red"), Shade(None, None)).rule == "unknown"
    assert harmony(Shade(None, None, denim=True), shade("red")).rule == "neutral"
    assert is_neutral(shade("black")) and is_neutral(shade("coffee-brown")) and not is_neutral(shade("khaki"))


def test_look_templates_fill_body_parts_once() -> None:
    slots = outfit_slots()
    for look, template in outfit_looks().items():
        worn = [frozenset().union(*(slots[g] for g in s.groups)) for s in template if s.slot != "extra"]
        for i, parts in enumerate(worn):
            for other in worn[i + 1 :]:
                assert not parts & other, (look, parts, other)
    assert [s.slot for s in outfit_looks()["separates"]] == ["top", "bottom", "shoes", "extra"]


def test_cut_out_fills_the_stored_outline_and_falls_back_to_the_box() -> None:
    rgb = np.zeros((40, 30, 3), dtype=np.uint8)
    rgb[:, :] = (10, 20, 30)
    square = [5.0, 8.0, 14.0, 8.0, 14.0, 17.0, 5.0, 17.0]  # corners included: 10 x 10 pixels
    cut = cut_out(rgb, square, [5, 8, 15, 18])
    assert (cut.masked, cut.note, cut.rgba.shape) == (True, None, (10, 10, 4))
    assert int((cut.rgba[..., 3] == 255).sum()) == 100
    triangle = cut_out(rgb, [0.0, 0.0, 9.0, 0.0, 0.0, 9.0])
    assert triangle.rgba.shape == (10, 10, 4) and int((triangle.rgba[..., 3] == 255).sum()) == 55
    boxed = cut_out(rgb, [], [2, 3, 12, 23])
    assert (boxed.masked, boxed.note, boxed.rgba.shape) == (False, "no mask: the detection's box", (20, 10, 4))
    whole = cut_out(rgb, None, None)
    assert (whole.masked, whole.note, whole.rgba.shape) == (False, "no mask: the whole photo", (40, 30, 4))
    with pytest.raises(ValueError, match="x, y pairs; got 3 values"):
        cut_out(rgb, [1.0, 2.0, 3.0])


POINTS = {
    "left_shoulder": (140.0, 100.0, 0.9),
    "right_shoulder": (100.0, 100.0, 0.9),
    "left_wrist": (150.0, 200.0, 0.2),
    "right_wrist": (90.0, 190.0, 0.8),
    "left_hip": (135.0, 200.0, 0.9),
    "right_hip": (105.0, 200.0, 0.9),
    "left_knee": (135.0, 280.0, 0.9),
    "right_knee": (105.0, 280.0, 0.9),
    "left_ankle": (135.0, 360.0, 0.9),
    "right_ankle": (105.0, 360.0, 0.9),
    "left_heel": (133.0, 365.0, 0.9),
    "right_heel": (107.0, 365.0, 0.9),
    "left_toes": (145.0, 370.0, 0.9),
    "right_toes": (95.0, 370.0, 0.9),
}


def test_body_regions_from_landmarks_in_shoulder_and_torso_units() -> None:
    # sw = 40 (shoulders 100..140), th = 100 (shoulders at 100, hips at 200)
    regions = regions_from_landmarks(POINTS, np.zeros((400, 300), dtype=bool))
    assert regions is not None
    assert regions.torso == Box(90, 90, 150, 210)  # x ± 0.25 sw, y − 0.1 th .. + 0.1 th
    assert regions.legs == Box(97, 200, 143, 360)  # x ± 0.2 sw, hips to ankles
    assert regions.dress == Box(90, 90, 150, 312)  # hem at 280 + 0.4 · (360 − 280)
    assert regions.feet == Box(85, 355, 155, 380)  # ± 0.25 sw, ankles − 0.05 th, toes + 0.1 th
    assert regions.hand == Box(76, 176, 104, 204)  # the right wrist (visibility 0.8), side 0.7 sw
    hidden = {**POINTS, "left_ankle": (135.0, 360.0, 0.1)}
    partial = regions_from_landmarks(hidden, np.zeros((400, 300), dtype=bool))
    assert partial is not None and (partial.legs, partial.feet, partial.dress) == (None, None, None)
    no_hips = {**POINTS, "left_hip": (135.0, 200.0, 0.0)}
    assert regions_from_landmarks(no_hips, np.zeros((400, 300), dtype=bool)) is None


def _look() -> Look:
    pieces = (
        Piece("top", "t", "Tee", "t-shirt", "red", True, 0.0),
        Piece("bottom", "b", "Jeans", "jeans", "blue", True, 1.0, reasons=("red and blue: clash",)),
        Piece("shoes", "s", "Sneakers", "sneakers", "white", False, 1.0),
    )
    return Look(1, "separates", "t", pieces, 2.0, ("1 colour pair clash",), ("extra",))


def _block(width: int, height: int, rgb: tuple[int, int, int]) -> ProductCutout:
    rgba = np.zeros((height, width, 4), dtype=np.uint8)
    rgba[..., :3] = rgb
    rgba[..., 3] = 255
    return ProductCutout(rgba, True)


def _painted(tile: np.ndarray, rgb: tuple[int, int, int]) -> tuple[int, int, int, int]:
    """(x, y, width, height) of the pixels of ``tile`` that are not the tile's white, whose centre is ``rgb``."""
    ys, xs = np.nonzero(np.any(tile != 255, axis=2))
    assert tuple(tile[(ys.min() + ys.max()) // 2, (xs.min() + xs.max()) // 2]) == rgb
    return int(xs.min()), int(ys.min()), int(xs.max() - xs.min() + 1), int(ys.max() - ys.min() + 1)


def test_board_places_each_cut_out_in_its_slot_with_its_aspect() -> None:
    cutouts = {"t": _block(50, 100, (200, 0, 0)), "b": _block(40, 40, (0, 0, 200)), "s": None}
    board = render_board(_look(), cutouts, "Look 1")
    assert board.image.shape == (BOARD_HEIGHT, BOARD_WIDTH, 3)
    assert board.sources == {"t": "mask", "b": "mask", "s": "no photo"}
    # The top tile's picture area is 460 x 226 at (30, 70): the 50 x 100 block scales by 2.26 to
    # 113 x 226, centred: x from 30 + (460 - 113) // 2 = 203.
    assert _painted(board.image[70:296, 30:490], (200, 0, 0)) == (203 - 30, 0, 113, 226)
    # The bottom's 40 x 40 block scales to 226 x 226, x from 30 + 117 = 147.
    assert _painted(board.image[370:596, 30:490], (0, 0, 200)) == (147 - 30, 0, 226, 226)
    white = load_vocabulary().terms["Colour"]["white"].hex
    assert white == "#F7F7F5"
    shoes = board.image[60:350, 520:940]
    assert int(np.all(shoes == (247, 247, 245), axis=2).sum()) > 10000  # the swatch, no photo
    assert tuple(board.image[5, 5]) == BACKGROUND


def test_preview_pastes_each_piece_into_its_body_region() -> None:
    regions = regions_from_landmarks(POINTS, np.zeros((400, 300), dtype=bool))
    assert regions is not None
    person = np.full((400, 300, 3), 90, dtype=np.uint8)
    cutouts = {"t": _block(60, 60, (200, 0, 0)), "b": _block(20, 80, (0, 0, 200)), "s": None}
    preview = dress_person(person, regions, _look(), cutouts, frozenset())
    # Legs 97..143 x 200..360: the 20 x 80 block scales by min(46/20, 160/80) = 2 to 40 x 160, centred.
    assert preview.placed == {"b": (100, 200, 140, 360), "t": (90, 90, 150, 150)}
    assert preview.not_placed == {"s": "no photo"}
    assert preview.image.shape == (400, 300, 3)
    # At 0.92 opacity over grey 90: red 200 → 0.92·200 + 0.08·90 = 191.2, blended as 8-bit.
    assert tuple(preview.image[120, 120]) == (191, 7, 7)


def test_customer_bootstrap_resamples_customers_with_their_events() -> None:
    values = np.array([1.0, 0.0, 0.0, 1.0])
    mean, low, high = customer_bootstrap(values, ["a", "a", "b", "c"], 2000, 0)
    assert mean == 0.5 and 0.0 <= low < 0.5 < high <= 1.0
    assert customer_bootstrap(np.array([]), [], 10, 0)[0] != customer_bootstrap(np.array([]), [], 10, 0)[0]  # nan
    assert in_tuning("u1", 1.0) and not in_tuning("u1", 0.0)
