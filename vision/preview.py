"""Preview images: what the detector saw, drawn on the photo, for people to check by eye.

Each detection gets its mask as a translucent fill (``out = (1 − α)·photo + α·class colour``,
α = 0.4), its box, and a label ``<class> <confidence> <colour>`` on a filled strip above the box.
The class colours are fixed, so the same class looks the same in every preview.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from shopgraph.vision.classes import CLASS_NAMES
from shopgraph.vision.detector import Detection

ALPHA = 0.4
# One distinct RGB colour per detector class (Tableau-like palette), in CLASS_NAMES order.
_PALETTE: tuple[tuple[int, int, int], ...] = (
    (31, 119, 180),
    (255, 127, 14),
    (44, 160, 44),
    (214, 39, 40),
    (148, 103, 189),
    (140, 86, 75),
    (227, 119, 194),
    (127, 127, 127),
    (188, 189, 34),
    (23, 190, 207),
    (0, 0, 128),
    (128, 128, 0),
)


def class_colour(class_name: str) -> tuple[int, int, int]:
    """The RGB colour that draws ``class_name`` (grey for a name outside ``CLASS_NAMES``)."""
    if class_name not in CLASS_NAMES:
        return (127, 127, 127)
    return _PALETTE[CLASS_NAMES.index(class_name) % len(_PALETTE)]


def draw_preview(
    rgb: NDArray[np.uint8], detections: Sequence[Detection], colours: Sequence[str | None] | None = None
) -> NDArray[np.uint8]:
    """A copy of ``rgb`` with every detection's mask, box and label drawn on it.

    Args:
        rgb: ``H×W×3`` uint8 RGB photo.
        detections: what was found in it.
        colours: the matched Colour id of each detection (None: unknown), shown in the label.

    Raises:
        ValueError: ``colours`` is given with a length other than ``detections``'.
    """
    if colours is not None and len(colours) != len(detections):
        raise ValueError(f"{len(colours)} colours for {len(detections)} detections")
    out = rgb.astype(np.float32)
    for detection in detections:
        colour = np.array(class_colour(detection.class_name), dtype=np.float32)
        out[detection.mask] = (1 - ALPHA) * out[detection.mask] + ALPHA * colour
    canvas = np.ascontiguousarray(np.clip(out, 0, 255).astype(np.uint8))
    scale = max(0.35, min(canvas.shape[:2]) / 700)
    thickness = max(1, round(scale * 2))
    for i, detection in enumerate(detections):
        colour_rgb = class_colour(detection.class_name)
        x1, y1, x2, y2 = (round(v) for v in detection.box)
        cv2.rectangle(canvas, (x1, y1), (x2, y2), colour_rgb, thickness)
        label = f"{detection.class_name} {detection.confidence:.2f}"
        if colours is not None and colours[i]:
            label += f" {colours[i]}"
        (text_w, text_h), baseline = cv2.getTextSize(label, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        top = max(0, y1 - text_h - baseline - 2)
        cv2.rectangle(canvas, (x1, top), (x1 + text_w + 2, top + text_h + baseline + 2), colour_rgb, cv2.FILLED)
        cv2.putText(
            canvas, label, (x1 + 1, top + text_h + 1), cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), 1, cv2.LINE_AA
        )
    return canvas


def save_preview(
    path: Path, rgb: NDArray[np.uint8], detections: Sequence[Detection], colours: Sequence[str | None] | None = None
) -> Path:
    """Draw the preview (:func:`draw_preview`) and write it to ``path`` as JPEG (quality 90); returns ``path``.

    Raises:
        OSError: the file cannot be written.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(draw_preview(rgb, detections, colours)).save(path, format="JPEG", quality=90)
    return path
