"""The Ultralytics segmentation model behind one small interface, and its results as our own records.

Ultralytics ``Results`` objects mix data, plotting and file I/O and are read by column
position; they are converted here, at once, into frozen :class:`Detection` records, and no
Ultralytics object leaves this module. Ultralytics is imported only inside :meth:`Detector.load`,
after :func:`vision.ultralytics_env.configure_ultralytics` has switched it to offline mode.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.errors import InputError
from shopgraph.vision.classes import CLASS_NAMES, class_named
from shopgraph.vision.segment import mask_polygon
from shopgraph.vision.ultralytics_env import configure_ultralytics

DEFAULT_WEIGHTS = Path(__file__).resolve().parent / "models" / "shopgraph-seg.pt"
"""Where the trained model ships (``shopgraph vision train`` writes it)."""

_POLYGON_TOLERANCE = 0.003  # Douglas-Peucker ε as a share of the image's longer side


@dataclass(frozen=True)
class Detection:
    """One segmented object, in the pixel coordinates of the image it was found in.

    Attributes:
        index: rank in its image, 0 for the most confident.
        class_name: the detector class (``vision.classes.CLASS_NAMES``).
        category: the Category node id of that class (``vision.classes``).
        confidence: the model's score in [0, 1].
        box: ``(x1, y1, x2, y2)`` in pixels.
        polygon: the mask's outline, simplified by Douglas-Peucker (``cv2.approxPolyDP``) at
            ε = max(1, 0.003 · longer side) pixels, as ``(x, y)`` pixel pairs; separate parts of
            one mask (a pair of shoes) are joined by zero-width bridges. Empty if the mask is.
        mask_area: pixels in the mask.
        mask: ``H×W`` bool, the image's size.
    """

    index: int
    class_name: str
    category: str
    confidence: float
    box: tuple[float, float, float, float]
    polygon: tuple[tuple[float, float], ...]
    mask_area: int
    mask: NDArray[np.bool_] = field(repr=False, compare=False)

    def flat_polygon(self) -> list[float]:
        """``polygon`` as ``[x0, y0, x1, y1, ...]`` (how the graph stores it)."""
        return [v for point in self.polygon for v in point]


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of the file at ``path``, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def model_version(weights: Path) -> str:
    """The version string of a weights file: ``<file stem>@<first 12 hex of its SHA-256>``.

    Two files with the same content and name are the same version; retraining (new content)
    or a new name gives a new one. Example: ``shopgraph-seg@3f9a0c1d2e4b``.

    Raises:
        InputError: the file cannot be read.
    """
    try:
        return f"{weights.stem}@{file_sha256(weights)[:12]}"
    except OSError as e:
        raise InputError(f"cannot read model weights {weights}: {e.strerror or e}") from e


class Detector:
    """A loaded segmentation model; build it with :meth:`load`.

    Args:
        model: the Ultralytics ``YOLO`` model (kept private to this module).
        version: :func:`model_version` of its weights.
        weights: the weights file.
        conf: minimum confidence of a detection (default 0.25).
        iou: IoU threshold of non-maximum suppression (default 0.7).
        imgsz: inference size in pixels; None uses the size the model was trained at.
        device: torch device (``"cpu"``, ``"0"``); None lets Ultralytics choose.
    """

    def __init__(
        self,
        model: Any,
        version: str,
        weights: Path,
        conf: float = 0.25,
        iou: float = 0.7,
        imgsz: int | None = None,
        device: str | None = None,
    ) -> None:
        if not 0.0 <= conf <= 1.0 or not 0.0 <= iou <= 1.0:
            raise ValueError(f"conf and iou must be in [0, 1], got conf={conf}, iou={iou}")
        self._model = model
        self.version = version
        self.weights = weights
        self.conf = conf
        self.iou = iou
        self.imgsz = imgsz
        self.device = device

    def __repr__(self) -> str:
        return f"Detector(version={self.version!r}, conf={self.conf}, iou={self.iou}, imgsz={self.imgsz})"

    @classmethod
    def load(
        cls,
        weights: Path | None = None,
        conf: float = 0.25,
        iou: float = 0.7,
        imgsz: int | None = None,
        device: str | None = None,
    ) -> Detector:
        """Load a YOLO segmentation model trained on ``vision.classes``.

        Args:
            weights: a ``.pt`` file; default ``vision/models/shopgraph-seg.pt``.
            conf, iou, imgsz, device: see the class.

        Raises:
            InputError: the file is missing, is not a YOLO segmentation model, or has classes
                that ``vision.classes`` does not know.
        """
        weights = weights or DEFAULT_WEIGHTS
        if not weights.is_file():
            raise InputError(
                f"no model weights at {weights}: train them (shopgraph vision train) or pass the path of a .pt file"
            )
        version = model_version(weights)
        configure_ultralytics()
        from ultralytics import YOLO  # after configure_ultralytics: Ultralytics reads its settings on import

        try:
            model = YOLO(str(weights), task="segment")
        except Exception as e:  # torch and Ultralytics raise anything on a bad file
            raise InputError(f"{weights} is not a loadable YOLO model: {e}") from e
        if model.task != "segment":
            raise InputError(f"{weights} is a YOLO {model.task} model; a segmentation model is needed")
        unknown = sorted(set(model.names.values()) - set(CLASS_NAMES))
        if unknown:
            raise InputError(f"{weights} has classes {unknown} that vision.classes does not define ({CLASS_NAMES})")
        return cls(model, version, weights, conf, iou, imgsz, device)

    def detect(self, images: Sequence[NDArray[np.uint8]]) -> list[tuple[Detection, ...]]:
        """Segment a batch of ``H×W×3`` uint8 RGB images; one tuple of detections per image.

        Every image is letterboxed to the same square input (``rect=False``), so an image's
        detections do not depend on which other images share its batch. Masks are computed
        at the image's own resolution (``retina_masks``). Detections are sorted by confidence.
        """
        if not images:
            return []
        # Ultralytics reads numpy arrays as OpenCV BGR.
        batch = [np.ascontiguousarray(image[..., ::-1]) for image in images]
        import torch  # loaded with the model already; kept out of this module's import

        # Ultralytics' first CPU predict sets torch to (cores - 1) threads for the whole
        # process: one thread on 2 cores, which then also slows the embedder.
        threads = torch.get_num_threads()
        try:
            results = self._predict(batch)
        finally:
            torch.set_num_threads(threads)
        return [self._convert(result, image.shape[:2]) for result, image in zip(results, images, strict=True)]

    def _predict(self, batch: list[NDArray[np.uint8]]) -> list[Any]:
        return self._model.predict(
            batch,
            conf=self.conf,
            iou=self.iou,
            imgsz=self.imgsz or self._model.overrides.get("imgsz", 640),
            device=self.device,
            retina_masks=True,
            rect=False,
            batch=len(batch),
            verbose=False,
        )

    def _convert(self, result: Any, shape: tuple[int, ...]) -> tuple[Detection, ...]:
        """One Ultralytics ``Results`` as our records: plain floats, numpy masks, graph category ids."""
        if result.boxes is None or len(result.boxes) == 0:
            return ()
        boxes = result.boxes.xyxy.cpu().numpy().astype(np.float64)
        scores = result.boxes.conf.cpu().numpy().astype(np.float64)
        classes = result.boxes.cls.cpu().numpy().astype(int)
        masks = result.masks.data.cpu().numpy() > 0.5 if result.masks is not None else None
        height, width = int(shape[0]), int(shape[1])
        tolerance = max(1.0, _POLYGON_TOLERANCE * max(height, width))
        detections = []
        for rank, i in enumerate(np.argsort(-scores, kind="stable")):
            mask = masks[i] if masks is not None else np.zeros((height, width), dtype=bool)
            area = int(mask.sum())
            try:
                polygon = mask_polygon(mask, tolerance)
            except ValueError:  # an empty mask, or one of a pixel or two, has no outline
                polygon = np.zeros((0, 2))
            name = str(result.names[int(classes[i])])
            x1, y1, x2, y2 = (round(float(v), 2) for v in boxes[i])
            detections.append(
                Detection(
                    index=rank,
                    class_name=name,
                    category=class_named(name).category,
                    confidence=round(float(scores[i]), 4),
                    box=(x1, y1, x2, y2),
                    polygon=tuple((round(float(x), 1), round(float(y), 1)) for x, y in polygon),
                    mask_area=area,
                    mask=mask,
                )
            )
        return tuple(detections)
