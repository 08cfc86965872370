"""A product cut out of its photo with the mask the vision plugin stored on its Detection.

Detections keep their mask as an outline, ``Detection.polygon`` flattened to ``[x0, y0, x1, y1, ...]``
in the photo's pixels (:meth:`vision.detector.Detection.flat_polygon`), and a ``box``
``[x1, y1, x2, y2]``. :func:`cut_out` fills the outline back into a mask (``cv2.fillPoly``; the
parts of one mask are joined by zero-width bridges, so one polygon fills them all), crops the photo
to the mask's bounding box and makes every pixel outside the mask transparent. Without an outline it
falls back to the bounding crop: the photo inside the box, else the whole photo, fully opaque, and
says so (``masked`` false).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray


@dataclass(frozen=True)
class ProductCutout:
    """``rgba`` (h×w×4 uint8; alpha 255 on the product, 0 elsewhere) and whether it came from a mask
    (``masked``) or is a bounding crop (``note`` says which crop)."""

    rgba: NDArray[np.uint8]
    masked: bool
    note: str | None = None


def polygon_mask(polygon: Sequence[float], height: int, width: int) -> NDArray[np.bool_]:
    """The ``height``×``width`` mask inside a flattened outline ``[x0, y0, x1, y1, ...]``.

    Raises:
        ValueError: the outline has an odd number of values.
    """
    if len(polygon) % 2:
        raise ValueError(f"a flattened polygon needs x, y pairs; got {len(polygon)} values")
    mask = np.zeros((height, width), dtype=np.uint8)
    if len(polygon) >= 6:
        points = np.round(np.asarray(polygon, dtype=np.float64).reshape(-1, 2)).astype(np.int32)
        cv2.fillPoly(mask, [points], 1)
    return mask.astype(bool)


def cut_out(
    rgb: NDArray[np.uint8], polygon: Sequence[float] | None = None, box: Sequence[float] | None = None
) -> ProductCutout:
    """The product in ``rgb`` (H×W×3 uint8) cut out by its stored outline, else its bounding crop (module docstring)."""
    height, width = rgb.shape[:2]
    mask = polygon_mask(polygon, height, width) if polygon else None
    if mask is not None and mask.any():
        ys, xs = np.nonzero(mask)
        y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
        alpha = mask[y0:y1, x0:x1].astype(np.uint8) * 255
        return ProductCutout(np.dstack([rgb[y0:y1, x0:x1], alpha]), True)
    if box is not None and len(box) == 4:
        x0, y0 = max(0, int(box[0])), max(0, int(box[1]))
        x1, y1 = min(width, int(round(box[2]))), min(height, int(round(box[3])))
        if x1 > x0 and y1 > y0:
            crop = rgb[y0:y1, x0:x1]
            opaque = np.full(crop.shape[:2], 255, dtype=np.uint8)
            return ProductCutout(np.dstack([crop, opaque]), False, "no mask: the detection's box")
    opaque = np.full((height, width), 255, dtype=np.uint8)
    return ProductCutout(np.dstack([rgb, opaque]), False, "no mask: the whole photo")
