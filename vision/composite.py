"""Composite scenes: several product cut-outs pasted onto varied backgrounds, with occlusion-aware masks.

Catalog photos always show one centred product on a plain background; a detector trained only
on them learns "the non-white blob". Composites teach it several products at varied scales and
positions, overlapping, on backgrounds that are not plain: solid colours, gradients, smooth
noise textures and crops of real photos that ship inside installed packages.

Objects are pasted in order, so a later object hides the earlier ones where they overlap; each
object's label mask is its *visible* part. An object less than ``min_visible`` visible is
dropped from the labels (a placement is retried a few times first to keep overlaps moderate).
"""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

# Scene photos without people: photos of people in clothes would teach the detector that worn
# clothing is background, and the ones with people (bus.jpg, zidane.jpg, astronaut.png,
# grace_hopper.jpg) are kept unseen for the street-photo examples.
_SCENES: tuple[tuple[str, str], ...] = (
    ("skimage", "data/coffee.png"),
    ("skimage", "data/chelsea.png"),
    ("skimage", "data/rocket.jpg"),
    ("skimage", "data/brick.png"),
    ("skimage", "data/grass.png"),
    ("skimage", "data/gravel.png"),
    ("skimage", "data/motorcycle_left.png"),
    ("skimage", "data/hubble_deep_field.jpg"),
    ("skimage", "data/color.png"),
    ("skimage", "data/logo.png"),
    ("matplotlib", "mpl-data/sample_data/Minduka_Present_Blue_Pack.png"),
)


@dataclass(frozen=True)
class Piece:
    """A cut-out: ``rgb`` (h×w×3 uint8), its ``mask`` (h×w bool), its class index and a ``key`` (our id)."""

    rgb: NDArray[np.uint8]
    mask: NDArray[np.bool_]
    label: int
    key: str


@dataclass(frozen=True)
class PlacedObject:
    """An object in a composite: class index, the piece's key, its visible mask (canvas-sized) and visible share."""

    label: int
    key: str
    mask: NDArray[np.bool_]
    visible: float


@dataclass(frozen=True)
class Composite:
    """A composite image (S×S×3 uint8), its labelled objects, and how many were dropped as hidden."""

    image: NDArray[np.uint8]
    objects: tuple[PlacedObject, ...]
    dropped: int


def package_file(package: str, relative: str) -> Path | None:
    """The path of a data file inside an installed package, or None; the package is not imported.

    (Importing Ultralytics before :func:`vision.ultralytics_env.configure_ultralytics` would fix
    its settings directory and online mode too early.)
    """
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(next(iter(spec.submodule_search_locations))) / relative
    return path if path.is_file() else None


def load_scenes() -> list[NDArray[np.uint8]]:
    """The background scene photos of ``_SCENES`` that are installed, as RGB uint8 arrays."""
    paths = [package_file(package, relative) for package, relative in _SCENES]
    return [np.asarray(Image.open(p).convert("RGB")) for p in paths if p is not None]


def make_background(size: int, rng: np.random.Generator, scenes: Sequence[NDArray[np.uint8]]) -> NDArray[np.uint8]:
    """A ``size``×``size`` background: solid, two-colour linear gradient, smooth noise or a scene crop.

    Each kind is equally likely (a scene crop only if ``scenes`` is not empty). Scene crops take a
    random square of 30-100 % of the photo's short side, possibly mirrored.
    """
    kinds = ["solid", "gradient", "noise"] + (["scene"] if scenes else [])
    kind = kinds[int(rng.integers(len(kinds)))]
    if kind == "solid":
        return np.broadcast_to(rng.integers(0, 256, 3, dtype=np.uint8), (size, size, 3)).copy()
    if kind == "gradient":
        a, b = rng.uniform(0, 255, 3), rng.uniform(0, 255, 3)
        angle = rng.uniform(0, 2 * np.pi)
        yy, xx = np.mgrid[0:size, 0:size] / max(size - 1, 1)
        t = np.cos(angle) * xx + np.sin(angle) * yy
        t = (t - t.min()) / max(float(np.ptp(t)), 1e-9)
        return (a + (b - a) * t[..., None]).astype(np.uint8)
    if kind == "noise":
        # Smooth colour noise: white noise at a coarse grid, upsampled; a random texture scale.
        cells = int(rng.integers(2, 33))
        coarse = rng.uniform(0, 255, (cells, cells, 3)).astype(np.float32)
        texture = np.asarray(cv2.resize(coarse, (size, size), interpolation=cv2.INTER_CUBIC), dtype=np.float32)
        texture += rng.normal(0, rng.uniform(0, 12), texture.shape).astype(np.float32)
        return np.clip(texture, 0, 255).astype(np.uint8)
    scene = scenes[int(rng.integers(len(scenes)))]
    h, w = scene.shape[:2]
    side = int(min(h, w) * rng.uniform(0.3, 1.0))
    y, x = int(rng.integers(0, h - side + 1)), int(rng.integers(0, w - side + 1))
    crop = np.asarray(
        cv2.resize(scene[y : y + side, x : x + side], (size, size), interpolation=cv2.INTER_AREA), np.uint8
    )
    return crop[:, ::-1].copy() if rng.random() < 0.5 else crop


def compose(
    pieces: Sequence[Piece],
    background: NDArray[np.uint8],
    rng: np.random.Generator,
    scale: tuple[float, float] = (0.3, 0.75),
    min_visible: float = 0.3,
    tries: int = 10,
) -> Composite:
    """Paste ``pieces`` in order onto ``background`` (S×S×3) and label their visible parts.

    Each piece is mirrored with probability 0.5 and resized so that its long side is
    ``uniform(*scale)`` × S, then placed at a uniform position inside the canvas. A position is
    redrawn (up to ``tries`` times) while it would leave an earlier object less than
    ``min_visible`` of its own area visible; after that the hidden objects are dropped from the
    labels. The paste is alpha-blended with a 1-pixel feather so cut-out edges are not a cue.

    Raises:
        ValueError: ``background`` is not square, or ``scale`` is outside (0, 1].
    """
    size = background.shape[0]
    if background.shape[:2] != (size, size):
        raise ValueError(f"compose needs a square background, got {background.shape[:2]}")
    if not 0 < scale[0] <= scale[1] <= 1:
        raise ValueError(f"scale must satisfy 0 < low <= high <= 1, got {scale}")
    canvas = background.astype(np.float32)
    placed: list[tuple[Piece, NDArray[np.bool_], float]] = []  # piece, visible mask, full area
    for piece in pieces:
        rgb, mask = piece.rgb, piece.mask
        if rng.random() < 0.5:
            rgb, mask = rgb[:, ::-1], mask[:, ::-1]
        factor = rng.uniform(*scale) * size / max(rgb.shape[:2])
        w, h = max(2, round(rgb.shape[1] * factor)), max(2, round(rgb.shape[0] * factor))
        rgb = np.asarray(cv2.resize(np.ascontiguousarray(rgb), (w, h), interpolation=cv2.INTER_AREA), np.uint8)
        small = cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
        if not small.any():
            continue
        for _ in range(tries):
            x, y = int(rng.integers(0, size - w + 1)), int(rng.integers(0, size - h + 1))
            full = np.zeros((size, size), dtype=bool)
            full[y : y + h, x : x + w] = small
            if all((visible & ~full).sum() >= min_visible * area for _, visible, area in placed):
                break
        alpha = cv2.GaussianBlur(small.astype(np.float32), (3, 3), 0)[..., None]
        region = canvas[y : y + h, x : x + w]
        canvas[y : y + h, x : x + w] = alpha * rgb.astype(np.float32) + (1 - alpha) * region
        placed = [(p, visible & ~full, area) for p, visible, area in placed]
        placed.append((piece, full, float(full.sum())))
    objects = tuple(
        PlacedObject(p.label, p.key, visible, float(visible.sum()) / area)
        for p, visible, area in placed
        if visible.sum() >= min_visible * area
    )
    return Composite(np.clip(canvas, 0, 255).astype(np.uint8), objects, len(placed) - len(objects))
