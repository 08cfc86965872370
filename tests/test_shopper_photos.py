"""Shopper-like photos made from catalog photos (``assistant.shopper_photos``), without a server."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from shopgraph.assistant.shopper_photos import EDITS, border_colour, product_mask, shopper_photo

from .conftest import DATA

PHOTO = DATA / "images" / "10016.jpg"


def test_the_same_seed_makes_the_same_photo() -> None:
    image = Image.open(PHOTO)
    a, edits_a = shopper_photo(image, np.random.default_rng(7))
    b, edits_b = shopper_photo(image, np.random.default_rng(7))
    assert edits_a == edits_b and len(edits_a) == 3
    assert np.array_equal(np.asarray(a), np.asarray(b))
    c, _ = shopper_photo(image, np.random.default_rng(8))
    assert not (c.size == a.size and np.array_equal(np.asarray(a), np.asarray(c)))


def test_each_edit_changes_the_photo_as_named() -> None:
    image = Image.open(PHOTO).convert("RGB")
    pixels = np.asarray(image)
    flipped, _ = shopper_photo(image, np.random.default_rng(0), ["flip"])
    assert np.array_equal(np.asarray(flipped), pixels[:, ::-1])
    cropped, _ = shopper_photo(image, np.random.default_rng(0), ["crop"])
    assert 0.7 * image.width <= cropped.width <= 0.9 * image.width
    small, _ = shopper_photo(image, np.random.default_rng(0), ["small_jpeg"])
    assert small.width <= 0.7 * image.width + 1
    scene, _ = shopper_photo(image, np.random.default_rng(0), ["busy_background"])
    scene_pixels = np.asarray(scene)
    keep = product_mask(pixels)
    assert np.array_equal(scene_pixels[keep], pixels[keep])
    assert np.abs(scene_pixels[~keep].astype(int) - border_colour(pixels)).mean() > 20
    with pytest.raises(KeyError, match="no such edit"):
        shopper_photo(image, np.random.default_rng(0), ["sepia"])
    assert set(EDITS) == {"busy_background", "crop", "flip", "rotate", "light", "blur", "small_jpeg"}


def test_the_product_is_cut_out_of_a_plain_backdrop() -> None:
    pixels = np.full((40, 30, 3), 245, dtype=np.uint8)
    pixels[10:30, 8:22] = (200, 30, 40)
    assert border_colour(pixels).tolist() == [245.0, 245.0, 245.0]
    mask = product_mask(pixels)
    assert mask.sum() == 20 * 14 and mask[10:30, 8:22].all()
