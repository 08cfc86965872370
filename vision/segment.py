"""Cut a product out of its catalog photo: classical foreground segmentation on a plain background.

Catalog photos show one product on a white (Myntra) or light grey (H&M) studio background.
The background is modelled from the image border, the pixels that differ from it are the product:

1. Convert to CIE L*a*b* (D65), where Euclidean distance follows perceived difference.
2. Fit the background as a plane over the border band, ``bg(x, y) = c0 + c1·x + c2·y`` per Lab
   channel, by least squares on the border pixels within ``_INLIER_DE`` of the border median
   (studio backgrounds have a soft light gradient; products that touch the border are outliers).
3. Distance image ``d(x, y) = ||Lab(x, y) − bg(x, y)||₂`` (the CIE76 ΔE to the background).
4. Hysteresis threshold: seeds where ``d`` is above Otsu's threshold of ``d`` (the product's clear
   parts), grown through connected pixels above a low threshold (``max(_LOW_FLOOR, 4·σ_border)``),
   so light parts of a product that touch its dark parts are kept but background noise is not.
5. Morphology: closing (joins seams and thin gaps), holes filled, opening (drops speckle); the
   components at least ``_KEEP_FRACTION`` of the largest are kept (pairs of shoes, earrings).

A mask is rejected (:class:`Cutout` with ``reason``) when the border is not a plain background,
when the mask is nearly empty or covers nearly the whole photo, or when the photo shows a person
wearing the product (a frontal face is found: the foreground is then the whole person, not the
product): those photos are not usable as ground truth.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import cv2
import numpy as np
from numpy.typing import NDArray
from scipy import ndimage
from skimage.color import rgb2lab
from skimage.data import lbp_frontal_face_cascade_filename
from skimage.feature import Cascade
from skimage.filters import apply_hysteresis_threshold, threshold_otsu

_BORDER = 3  # border band width in pixels, at the working size
_INLIER_DE = 12.0  # border pixels further than this from the border median are not background
_MIN_INLIERS = 0.6  # below this share of background-like border pixels the background is not plain
_LOW_FLOOR = 4.0  # ΔE: lowest hysteresis threshold (JPEG noise and soft shadows stay below)
_HIGH_FLOOR = 10.0  # ΔE: lowest seed threshold, for low-contrast photos where Otsu falls into noise
_CANNY_LOW, _CANNY_HIGH = 8, 24  # grey-level gradients; JPEG noise on a studio background stays below
_KEEP_FRACTION = 0.15
_MIN_AREA = 0.02
_MAX_AREA = 0.95
_WORK_SIDE = 320  # segmentation runs at this long side, the mask is scaled back


@dataclass(frozen=True)
class Cutout:
    """A foreground mask (H×W bool, the photo's size) and why it was rejected (None: accepted)."""

    mask: NDArray[np.bool_]
    area: float
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.reason is None


def background_distance(rgb: NDArray[np.uint8], border: int = _BORDER) -> tuple[NDArray[np.float64], float, float]:
    """ΔE (CIE76) of every pixel to the background plane fitted on the border band (steps 1-3 above).

    Returns:
        ``(distance H×W, share of border pixels that are background-like, σ of their residual ΔE)``.
    """
    lab = rgb2lab(rgb)
    h, w = lab.shape[:2]
    band = np.zeros((h, w), dtype=bool)
    band[:border], band[-border:], band[:, :border], band[:, -border:] = True, True, True, True
    ys, xs = np.nonzero(band)
    samples = lab[ys, xs]
    inliers = np.linalg.norm(samples - np.median(samples, axis=0), axis=1) < _INLIER_DE
    share = float(inliers.mean())
    if inliers.sum() < 3:
        inliers = np.ones_like(inliers)
    design = np.column_stack([np.ones(int(inliers.sum())), xs[inliers] / w, ys[inliers] / h])
    coef, *_ = np.linalg.lstsq(design, samples[inliers], rcond=None)
    gy, gx = np.mgrid[0:h, 0:w]
    background = coef[0] + (gx / w)[..., None] * coef[1] + (gy / h)[..., None] * coef[2]
    distance = np.linalg.norm(lab - background, axis=2)
    sigma = float(distance[ys[inliers], xs[inliers]].std())
    return distance, share, sigma


def foreground_mask(rgb: NDArray[np.uint8], check_person: bool = False) -> Cutout:
    """The product's mask in a catalog photo ``rgb`` (H×W×3 uint8), with the plausibility checks.

    ``check_person`` (default False) runs the face check, for catalogs whose photos show models;
    it costs ~0.1 s a photo and finds false faces in prints on flat-laid garments.

    ``area`` is the mask's share of the photo. ``reason`` names the failed check: ``"background"``
    (border not plain), ``"empty"`` (area < 2 %), ``"too large"`` (area > 95 %), ``"person"`` (a
    frontal face at least 6 % of the photo's width: a model wears the product).

    Raises:
        ValueError: ``rgb`` is not an H×W×3 uint8 array.
    """
    if rgb.ndim != 3 or rgb.shape[2] != 3 or rgb.dtype != np.uint8:
        raise ValueError(f"expected an H×W×3 uint8 image, got shape {rgb.shape} dtype {rgb.dtype}")
    h, w = rgb.shape[:2]
    scale = min(1.0, _WORK_SIDE / max(h, w))
    small = rgb
    if scale < 1:
        small = np.asarray(
            cv2.resize(rgb, (round(w * scale), round(h * scale)), interpolation=cv2.INTER_AREA), np.uint8
        )
    distance, share, sigma = background_distance(small)
    mask = _threshold(distance, sigma, _edges(small))
    if scale < 1:
        mask = cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
    area = float(mask.mean())
    if share < _MIN_INLIERS:
        reason: str | None = "background"
    elif area < _MIN_AREA:
        reason = "empty"
    elif area > _MAX_AREA:
        reason = "too large"
    elif check_person and has_face(small):
        reason = "person"
    else:
        reason = None
    return Cutout(mask, area, reason)


@cache
def _face_detector() -> Cascade:
    return Cascade(lbp_frontal_face_cascade_filename())


def has_face(rgb: NDArray[np.uint8]) -> bool:
    """True if OpenCV's LBP frontal-face cascade (shipped with scikit-image) finds a face ≥ 6 % of the width."""
    side = max(12, round(0.06 * rgb.shape[1]))
    faces = _face_detector().detect_multi_scale(
        img=rgb, scale_factor=1.2, step_ratio=1, min_size=(side, side), max_size=(rgb.shape[0], rgb.shape[1])
    )
    return len(faces) > 0


def _edges(rgb: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Canny edges of the lightness: the outline of a white product on a white background."""
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(cv2.GaussianBlur(grey, (5, 5), 1.2), _CANNY_LOW, _CANNY_HIGH).astype(bool)
    # Photo frames and scan lines at the very border are not product outlines; they would close
    # around the whole photo when holes are filled.
    margin = max(_BORDER, max(grey.shape) // 50)
    edges[:margin], edges[-margin:], edges[:, :margin], edges[:, -margin:] = False, False, False, False
    return edges


def _threshold(distance: NDArray[np.float64], sigma: float, edges: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Steps 4-5: hysteresis threshold or edges, then closing, hole filling, opening and component selection."""
    low = max(_LOW_FLOOR, 4.0 * sigma)
    high = max(_HIGH_FLOOR, low + 1.0, float(threshold_otsu(distance)))
    mask = apply_hysteresis_threshold(distance, low, high) | edges
    side = max(distance.shape)
    disk = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * max(1, side // 100) + 1,) * 2)
    mask = cv2.morphologyEx(mask.astype(np.uint8), cv2.MORPH_CLOSE, disk)
    mask = ndimage.binary_fill_holes(mask).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, disk)
    return keep_largest(mask.astype(bool), _KEEP_FRACTION)


def keep_largest(mask: NDArray[np.bool_], fraction: float) -> NDArray[np.bool_]:
    """The connected components of ``mask`` (8-connected) whose area is ≥ ``fraction`` × the largest's."""
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask.astype(np.uint8), connectivity=8)
    if count <= 1:
        return np.zeros_like(mask, dtype=bool)
    areas = stats[1:, cv2.CC_STAT_AREA]
    keep = np.flatnonzero(areas >= fraction * areas.max()) + 1
    return np.isin(labels, keep)


def mask_polygon(mask: NDArray[np.bool_], epsilon: float = 1.0) -> NDArray[np.float64]:
    """One polygon (N×2, pixel x, y) that covers every component of ``mask``.

    YOLO segmentation labels hold one polygon per object, so separate components (a pair of
    shoes) are joined the way Ultralytics' own converters do: each further contour is spliced in
    at the pair of closest points and the path returns along the same zero-width bridge, which
    adds no area when the polygon is filled. Outer contours only (holes are filled beforehand).
    Simplified with Douglas-Peucker at ``epsilon`` pixels.

    Raises:
        ValueError: ``mask`` is empty.
    """
    contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    contours = sorted((c for c in contours if len(c) >= 3), key=cv2.contourArea, reverse=True)
    if not contours:
        raise ValueError("mask_polygon: the mask has no component with 3 or more boundary points")
    simplified = [cv2.approxPolyDP(c, epsilon, True).reshape(-1, 2).astype(np.float64) for c in contours]
    polygon = simplified[0]
    for part in simplified[1:]:
        gaps = np.linalg.norm(polygon[:, None, :] - part[None, :, :], axis=2)
        i, j = np.unravel_index(int(np.argmin(gaps)), gaps.shape)
        part = np.roll(part, -j, axis=0)
        polygon = np.concatenate([polygon[: i + 1], part, part[:1], polygon[i:]])
    return polygon


def polygon_mask(polygon: NDArray[np.float64], shape: tuple[int, int]) -> NDArray[np.bool_]:
    """Rasterise a polygon (N×2 pixel x, y) into an H×W mask; the inverse of :func:`mask_polygon`."""
    canvas = np.zeros(shape, dtype=np.uint8)
    cv2.fillPoly(canvas, [np.round(polygon).astype(np.int32)], 1)
    return canvas.astype(bool)
