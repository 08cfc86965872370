"""Photos made the way shoppers take them, from catalog photos: to calibrate and measure the assistant on.

A shopper's photo of a product differs from the catalog's: cropped off-centre, flipped, a little
rotated, in other light, blurred, re-encoded as a small JPEG, or taken against a busy background.
:func:`shopper_photo` applies :data:`EDITS` of those kinds to a catalog photo, each with random
strength from a seeded generator, so a measurement can be re-run exactly.

The background edit cuts the product out of the catalog's plain backdrop (pixels within
:data:`BACKDROP_DISTANCE` in RGB of the border's median colour count as backdrop) and pastes it
over a generated busy scene (colour gradient, random blocks and stripes).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

BACKDROP_DISTANCE = 28.0
"""RGB distance from the border's median colour under which a pixel is the catalog's backdrop."""


def crop(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Keep 70-90 % of each side, off-centre."""
    w, h = image.size
    keep = rng.uniform(0.7, 0.9)
    cw, ch = int(w * keep), int(h * keep)
    x, y = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
    return image.crop((x, y, x + cw, y + ch))


def flip(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Mirror left to right (a selfie camera)."""
    return image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)


def rotate(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Turn by 4-12 degrees either way, the corners filled with the border's colour."""
    angle = float(rng.uniform(4, 12) * rng.choice([-1, 1]))
    fill = tuple(int(v) for v in border_colour(np.asarray(image)))
    return image.rotate(angle, resample=Image.Resampling.BILINEAR, expand=False, fillcolor=fill)


def light(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Other light: brightness ×0.75-1.25, contrast ×0.8-1.2 and a warm or cool cast of up to 8 % per channel."""
    out = ImageEnhance.Brightness(image).enhance(float(rng.uniform(0.75, 1.25)))
    out = ImageEnhance.Contrast(out).enhance(float(rng.uniform(0.8, 1.2)))
    cast = 1 + rng.uniform(0, 0.08) * np.array([1.0, 0.3, -1.0]) * rng.choice([-1, 1])
    pixels = np.clip(np.asarray(out, dtype=np.float32) * cast, 0, 255).astype(np.uint8)
    return Image.fromarray(pixels)


def blur(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Gaussian blur of radius 0.8-2 pixels (a shaky hand)."""
    return image.filter(ImageFilter.GaussianBlur(float(rng.uniform(0.8, 2.0))))


def small_jpeg(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Down to 40-70 % of the size and re-encoded as JPEG of quality 25-60 (a messaging app)."""
    import io

    scale = rng.uniform(0.4, 0.7)
    size = (max(32, int(image.width * scale)), max(32, int(image.height * scale)))
    buffer = io.BytesIO()
    image.resize(size, Image.Resampling.BILINEAR).save(buffer, "JPEG", quality=int(rng.integers(25, 61)))
    buffer.seek(0)
    return Image.open(buffer).convert("RGB")


def busy_background(image: Image.Image, rng: np.random.Generator) -> Image.Image:
    """The product cut out of the catalog backdrop and pasted over a generated busy scene."""
    pixels = np.asarray(image)
    keep = product_mask(pixels)
    scene = _scene(image.size, rng)
    out = np.where(keep[..., None], pixels, np.asarray(scene))
    return Image.fromarray(out.astype(np.uint8))


EDITS: dict[str, Callable[[Image.Image, np.random.Generator], Image.Image]] = {
    "busy_background": busy_background,
    "crop": crop,
    "flip": flip,
    "rotate": rotate,
    "light": light,
    "blur": blur,
    "small_jpeg": small_jpeg,
}
"""The edits, by name, in the order :func:`shopper_photo` applies them (the scene first, then the camera's)."""


def shopper_photo(
    image: Image.Image, rng: np.random.Generator, edits: Sequence[str] | None = None, count: int = 3
) -> tuple[Image.Image, tuple[str, ...]]:
    """A shopper-like photo of ``image`` and the names of the edits applied.

    Args:
        image: a catalog photo.
        rng: the random generator (seed it for a repeatable photo).
        edits: the edits to apply (names of :data:`EDITS`); default ``count`` drawn at random.
        count: how many edits to draw when ``edits`` is None.

    Raises:
        KeyError: an edit name is not one of :data:`EDITS`.
    """
    names = list(EDITS)
    chosen = set(edits) if edits is not None else set(rng.choice(names, size=count, replace=False).tolist())
    unknown = chosen - set(names)
    if unknown:
        raise KeyError(f"no such edit {sorted(unknown)}; edits: {', '.join(names)}")
    out = image.convert("RGB")
    applied = tuple(n for n in names if n in chosen)
    for name in applied:
        out = EDITS[name](out, rng)
    return out, applied


def border_colour(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    """Median RGB of the outermost 4-pixel frame: the catalog's backdrop colour."""
    sides = (pixels[:4], pixels[-4:], pixels[:, :4], pixels[:, -4:])
    frame = np.concatenate([side.reshape(-1, 3) for side in sides])
    return np.median(frame.astype(np.float64), axis=0)


def product_mask(pixels: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Pixels that are not the backdrop: farther than :data:`BACKDROP_DISTANCE` from :func:`border_colour`."""
    distance = np.linalg.norm(pixels.astype(np.float64) - border_colour(pixels), axis=2)
    return distance > BACKDROP_DISTANCE


def _scene(size: tuple[int, int], rng: np.random.Generator) -> Image.Image:
    w, h = size
    top, bottom = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
    ramp = np.linspace(0, 1, h)[:, None, None]
    gradient = (top * (1 - ramp) + bottom * ramp) * np.ones((1, w, 1))
    scene = Image.fromarray(gradient.astype(np.uint8))
    draw = ImageDraw.Draw(scene)
    for _ in range(int(rng.integers(6, 14))):
        x0, y0 = int(rng.integers(0, w)), int(rng.integers(0, h))
        x1, y1 = x0 + int(rng.integers(w // 10, w // 2)), y0 + int(rng.integers(h // 10, h // 2))
        colour = tuple(int(v) for v in rng.integers(0, 256, 3))
        if rng.random() < 0.5:
            draw.rectangle((x0, y0, x1, y1), fill=colour)
        else:
            draw.line((x0, y0, x1, y1), fill=colour, width=int(rng.integers(3, 12)))
    return scene
