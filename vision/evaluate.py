"""Evaluate the trained detector-segmenter on held-out products, and draw its predictions.

Two tests, both on products that never appear in training (see :mod:`vision.dataset`):

- Ultralytics validation on the held-out composites (``val`` split): box and mask mAP at IoU 0.5
  and mAP averaged over IoU 0.5:0.95, and the same on the held-out real photos (``test`` split).
- The catalog test, per held-out real photo: the highest-confidence detection is *the* answer.
  Top-1 accuracy = share of photos whose answer's class is the catalog's class (a photo with no
  detection counts as wrong). Mask IoU = |P ∩ G| / |P ∪ G| of the answer's mask P and the cut-out
  G (0 without a detection). Colour: :meth:`vision.colour.ColourMatcher.dominant` under P against
  the catalog colour, exact and by colour family; the same under G gives the colour pipeline's own
  ceiling, so mask errors and colour-matching errors can be told apart.
"""

from __future__ import annotations

import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from shopgraph.graphstore.core.defaults import VISION
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.vocab import Vocabulary, load_vocabulary
from shopgraph.vision.classes import CLASS_NAMES
from shopgraph.vision.colour import ColourMatcher
from shopgraph.vision.composite import package_file
from shopgraph.vision.dataset import read_manifest
from shopgraph.vision.ultralytics_env import configure_ultralytics, ultralytics_logging

Progress = Callable[[str, int, int], None]
# Colours a pixel cluster cannot have; catalog rows with them are not scored for colour.
_UNSCORED_COLOURS = frozenset({"multi", "transparent"})
_PALETTE = [
    (230, 25, 75),
    (60, 180, 75),
    (255, 225, 25),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (250, 190, 190),
    (0, 128, 128),
    (170, 110, 40),
]


@dataclass(frozen=True)
class Detection:
    """One predicted object: class index and name, confidence, box (x1, y1, x2, y2 pixels), mask (H×W bool)."""

    label: int
    name: str
    confidence: float
    box: tuple[float, float, float, float]
    mask: NDArray[np.bool_]


@dataclass(frozen=True)
class PhotoResult:
    """The catalog test on one photo: truth, answer (None: no detection), mask IoU and colours."""

    image: str
    item: str
    photo: str
    truth: str
    predicted: str | None
    confidence: float
    mask_iou: float
    colour: str | None
    colour_predicted: str | None
    colour_from_cutout: str | None


@dataclass
class EvalReport:
    """All numbers of :func:`evaluate` (shares in [0, 1]); ``failures`` lists misclassified photos."""

    weights: Path
    dataset_dir: Path
    imgsz: int
    composites: dict[str, float] = field(default_factory=dict)
    real_map: dict[str, float] = field(default_factory=dict)
    photos: int = 0
    top1_accuracy: float = 0.0
    no_detection: int = 0
    mask_iou_mean: float = 0.0
    mask_iou_median: float = 0.0
    colour_scored: int = 0
    colour_exact: float = 0.0
    colour_family: float = 0.0
    colour_exact_cutout: float = 0.0
    colour_family_cutout: float = 0.0
    per_class: dict[str, dict[str, float]] = field(default_factory=dict)
    confusion: dict[str, dict[str, int]] = field(default_factory=dict)
    top_confusions: list[tuple[str, str, int]] = field(default_factory=list)
    failures: list[PhotoResult] = field(default_factory=list)
    seconds: float = 0.0


def load_model(weights: Path) -> Any:
    """An Ultralytics YOLO model from a local ``.pt`` file (offline).

    Raises:
        FileNotFoundError: ``weights`` does not exist (a bare name would trigger a download).
    """
    if not weights.is_file():
        raise FileNotFoundError(f"weights {weights} not found")
    configure_ultralytics()
    from ultralytics import YOLO

    return YOLO(str(weights))


def predict(
    model: Any, rgb: NDArray[np.uint8], imgsz: int = 256, conf: float = 0.05, device: str = "cpu"
) -> list[Detection]:
    """Detections in ``rgb`` (H×W×3 uint8), best first, with masks at the photo's own size."""
    results = model.predict(rgb[..., ::-1], imgsz=imgsz, conf=conf, device=device, retina_masks=True, verbose=False)
    result = results[0]
    if result.boxes is None or len(result.boxes) == 0 or result.masks is None:
        return []
    boxes = result.boxes.xyxy.cpu().numpy()
    classes = result.boxes.cls.cpu().numpy().astype(int)
    scores = result.boxes.conf.cpu().numpy()
    masks = result.masks.data.cpu().numpy() > 0.5
    h, w = rgb.shape[:2]
    detections = []
    for i in np.argsort(-scores):
        mask = masks[i]
        if mask.shape != (h, w):
            mask = cv2.resize(mask.astype(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).astype(bool)
        b = boxes[i]
        detections.append(
            Detection(
                int(classes[i]),
                CLASS_NAMES[int(classes[i])],
                float(scores[i]),
                (float(b[0]), float(b[1]), float(b[2]), float(b[3])),
                mask,
            )
        )
    return detections


def mask_iou(a: NDArray[np.bool_], b: NDArray[np.bool_]) -> float:
    """Intersection over union |a ∩ b| / |a ∪ b| of two same-shaped masks (1.0 if both are empty)."""
    union = np.logical_or(a, b).sum()
    return 1.0 if union == 0 else float(np.logical_and(a, b).sum() / union)


def ultralytics_map(
    weights: Path, data_yaml: Path, split: str, imgsz: int, batch: int = 16, device: str = "cpu"
) -> dict[str, float]:
    """Ultralytics validation of ``weights`` on ``split`` of ``data_yaml``: box and mask mAP50 and mAP50-95.

    Raises:
        FileNotFoundError: ``weights`` does not exist.
    """
    model = load_model(weights)
    with tempfile.TemporaryDirectory(prefix="shopgraph-val-") as tmp, ultralytics_logging():
        metrics = model.val(
            data=str(data_yaml),
            split=split,
            imgsz=imgsz,
            batch=batch,
            device=device,
            plots=False,
            workers=1,
            project=tmp,
            name="val",
            verbose=False,
        )
    return {
        "box_map50": round(float(metrics.box.map50), 4),
        "box_map50_95": round(float(metrics.box.map), 4),
        "mask_map50": round(float(metrics.seg.map50), 4),
        "mask_map50_95": round(float(metrics.seg.map), 4),
    }


def evaluate(
    weights: Path,
    dataset_dir: Path,
    imgsz: int = VISION.imgsz,
    conf: float = VISION.eval_conf,
    device: str = VISION.eval_device,
    limit: int | None = None,
    with_map: bool = True,
    vocab: Vocabulary | None = None,
    progress: Progress | None = None,
) -> EvalReport:
    """Evaluate ``weights`` on the held-out part of the data set in ``dataset_dir``.

    Args:
        weights: a ``.pt`` file.
        dataset_dir: the folder :func:`vision.dataset.build_dataset` wrote (``data.yaml``,
            ``manifest.csv``, ``masks/test``).
        imgsz: inference size (default 256, the training size).
        conf: lowest detection confidence considered (default 0.05; the catalog test takes the
            single best detection, so a low floor only turns "no detection" into a low-confidence answer).
        device: ``"cpu"`` or a CUDA index.
        limit: evaluate only the first ``limit`` held-out photos (a quick look); None for all.
        with_map: also run the Ultralytics validations (mAP on composites and on real photos).
        vocab: the vocabulary for colour families; default the shipped one.
        progress: called with ``(stage, done, total)``.

    Raises:
        FileNotFoundError: ``weights`` does not exist.
        InputError: the data set has no manifest or no held-out photos.
    """
    started = time.monotonic()
    vocab = vocab or load_vocabulary()
    rows = [r for r in read_manifest(dataset_dir) if r.split == "test" and r.kind == "real"]
    if not rows:
        raise InputError(f"{dataset_dir}/manifest.csv lists no held-out real photos")
    rows = rows[:limit] if limit is not None else rows
    report = EvalReport(weights, dataset_dir, imgsz)
    if with_map:
        if progress:
            progress("mAP on held-out composites", 0, 2)
        report.composites = ultralytics_map(weights, dataset_dir / "data.yaml", "val", imgsz, device=device)
        if progress:
            progress("mAP on held-out real photos", 1, 2)
        report.real_map = ultralytics_map(weights, dataset_dir / "data.yaml", "test", imgsz, device=device)

    model = load_model(weights)
    matcher = ColourMatcher.from_vocabulary(vocab)
    results: list[PhotoResult] = []
    for done, row in enumerate(rows, 1):
        results.append(
            _photo_result(
                model,
                matcher,
                dataset_dir,
                row.image,
                row.items[0],
                row.photos[0],
                row.classes[0],
                row.colour,
                imgsz,
                conf,
                device,
            )
        )
        if progress and (done % 25 == 0 or done == len(rows)):
            progress("held-out photos", done, len(rows))
    _summarise(report, results, vocab)
    report.seconds = round(time.monotonic() - started, 1)
    return report


def _photo_result(
    model: Any,
    matcher: ColourMatcher,
    dataset_dir: Path,
    image: str,
    item: str,
    photo: str,
    truth: str,
    colour: str | None,
    imgsz: int,
    conf: float,
    device: str,
) -> PhotoResult:
    rgb = np.asarray(Image.open(photo).convert("RGB"))
    cutout = np.asarray(Image.open(dataset_dir / "masks" / "test" / f"{Path(image).stem}.png")) > 127
    detections = predict(model, rgb, imgsz, conf, device)
    best = detections[0] if detections else None
    scored = colour if colour not in _UNSCORED_COLOURS else None
    predicted_colour = matcher.dominant(rgb, best.mask) if best is not None and scored else None
    cutout_colour = matcher.dominant(rgb, cutout) if scored else None
    return PhotoResult(
        image=image,
        item=item,
        photo=photo,
        truth=truth,
        predicted=best.name if best else None,
        confidence=round(best.confidence, 4) if best else 0.0,
        mask_iou=round(mask_iou(best.mask, cutout), 4) if best else 0.0,
        colour=scored,
        colour_predicted=predicted_colour.colour if predicted_colour else None,
        colour_from_cutout=cutout_colour.colour if cutout_colour else None,
    )


def _summarise(report: EvalReport, results: Sequence[PhotoResult], vocab: Vocabulary) -> None:
    """Fill the accuracy, IoU, colour, per-class and confusion fields of ``report`` from ``results``."""

    def family(colour: str | None) -> str | None:
        return None if colour is None else vocab.term("Colour", colour).family or colour

    n = len(results)
    report.photos = n
    report.top1_accuracy = round(sum(r.predicted == r.truth for r in results) / n, 4)
    report.no_detection = sum(r.predicted is None for r in results)
    ious = np.array([r.mask_iou for r in results])
    report.mask_iou_mean, report.mask_iou_median = round(float(ious.mean()), 4), round(float(np.median(ious)), 4)
    coloured = [r for r in results if r.colour is not None]
    report.colour_scored = len(coloured)
    if coloured:
        m = len(coloured)
        report.colour_exact = round(sum(r.colour_predicted == r.colour for r in coloured) / m, 4)
        report.colour_family = round(sum(family(r.colour_predicted) == family(r.colour) for r in coloured) / m, 4)
        report.colour_exact_cutout = round(sum(r.colour_from_cutout == r.colour for r in coloured) / m, 4)
        report.colour_family_cutout = round(
            sum(family(r.colour_from_cutout) == family(r.colour) for r in coloured) / m, 4
        )
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    for r in results:
        confusion[r.truth][r.predicted or "(none)"] += 1
    for name in CLASS_NAMES:
        mine = [r for r in results if r.truth == name]
        if mine:
            report.per_class[name] = {
                "photos": len(mine),
                "accuracy": round(sum(r.predicted == name for r in mine) / len(mine), 4),
                "mask_iou": round(float(np.mean([r.mask_iou for r in mine])), 4),
            }
    report.confusion = {t: dict(c.most_common()) for t, c in sorted(confusion.items())}
    pairs = Counter({(t, p): k for t, c in confusion.items() for p, k in c.items() if p != t})
    report.top_confusions = [(t, p, k) for (t, p), k in pairs.most_common(10)]
    report.failures = [r for r in results if r.predicted != r.truth]


def draw_detections(rgb: NDArray[np.uint8], detections: Sequence[Detection], alpha: float = 0.45) -> NDArray[np.uint8]:
    """``rgb`` with each detection's mask tinted, its box and ``name confidence`` drawn (OpenCV's built-in font)."""
    canvas = rgb.astype(np.float32)
    for d in detections:
        tint = np.array(_PALETTE[d.label % len(_PALETTE)], dtype=np.float32)
        canvas[d.mask] = (1 - alpha) * canvas[d.mask] + alpha * tint
    out = np.clip(canvas, 0, 255).astype(np.uint8)
    scale = max(0.4, max(rgb.shape[:2]) / 1000)
    for d in detections:
        colour = _PALETTE[d.label % len(_PALETTE)]
        x1, y1, x2, y2 = (round(v) for v in d.box)
        cv2.rectangle(out, (x1, y1), (x2, y2), colour, max(1, round(2 * scale)))
        text = f"{d.name} {d.confidence:.2f}"
        (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_SIMPLEX, scale, 1)
        y = max(th + 4, y1)
        cv2.rectangle(out, (x1, y - th - 4), (x1 + tw + 4, y), colour, -1)
        cv2.putText(out, text, (x1 + 2, y - 3), cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), 1, cv2.LINE_AA)
    return out


@dataclass(frozen=True)
class AnnotatedPhoto:
    """An annotated copy of ``source`` written to ``path``, with its detections (name, confidence)."""

    source: Path
    path: Path
    detections: tuple[tuple[str, float], ...]


def annotate_photos(
    weights: Path,
    photos: Sequence[Path],
    out_dir: Path,
    imgsz: int = VISION.imgsz,
    conf: float = 0.25,
    device: str = VISION.eval_device,
    max_side: int = 640,
) -> list[AnnotatedPhoto]:
    """Run the model on ``photos`` and write annotated JPEGs (long side ≤ ``max_side``) to ``out_dir``.

    Raises:
        FileNotFoundError: ``weights`` or a photo does not exist.
    """
    model = load_model(weights)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for source in photos:
        if not source.is_file():
            raise FileNotFoundError(f"photo {source} not found")
        rgb = np.asarray(Image.open(source).convert("RGB"))
        detections = predict(model, rgb, imgsz, conf, device)
        image = Image.fromarray(draw_detections(rgb, detections))
        image.thumbnail((max_side, max_side))
        path = out_dir / f"{source.stem}.jpg"
        image.save(path, quality=85)
        written.append(AnnotatedPhoto(source, path, tuple((d.name, round(d.confidence, 3)) for d in detections)))
    return written


def scene_photos() -> list[Path]:
    """Real street and portrait photos that ship inside installed packages (people in clothes), if present."""
    candidates = [
        ("ultralytics", "assets/bus.jpg"),
        ("ultralytics", "assets/zidane.jpg"),
        ("skimage", "data/astronaut.png"),
        ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg"),
    ]
    paths = [package_file(package, relative) for package, relative in candidates]
    return [p for p in paths if p is not None]


def report_dict(report: EvalReport, examples: Sequence[AnnotatedPhoto] = (), failures: int = 40) -> dict[str, Any]:
    """``report`` as JSON-ready data (the shape of ``vision/models/metrics.json``).

    At most ``failures`` misclassified photos are listed, spread over the true classes.
    """
    return {
        "weights": str(report.weights),
        "dataset": str(report.dataset_dir),
        "imgsz": report.imgsz,
        "heldout_composites": report.composites,
        "heldout_real_photos_map": report.real_map,
        "catalog_test": {
            "photos": report.photos,
            "top1_accuracy": report.top1_accuracy,
            "no_detection": report.no_detection,
            "mask_iou_mean": report.mask_iou_mean,
            "mask_iou_median": report.mask_iou_median,
            "colour_scored": report.colour_scored,
            "colour_exact": report.colour_exact,
            "colour_family": report.colour_family,
            "colour_exact_cutout_mask": report.colour_exact_cutout,
            "colour_family_cutout_mask": report.colour_family_cutout,
        },
        "per_class": report.per_class,
        "confusion": report.confusion,
        "top_confusions": [{"truth": t, "predicted": p, "photos": n} for t, p, n in report.top_confusions],
        "failures": [
            {
                "item": f.item,
                "truth": f.truth,
                "predicted": f.predicted,
                "confidence": f.confidence,
                "mask_iou": f.mask_iou,
                "photo": f.photo,
            }
            for f in _spread(report.failures, failures)
        ],
        "examples": [
            {"photo": a.source.name, "annotated": str(a.path), "detections": [list(d) for d in a.detections]}
            for a in examples
        ],
        "seconds": report.seconds,
    }


def _spread(failures: Sequence[PhotoResult], limit: int) -> list[PhotoResult]:
    """At most ``limit`` failures taken round-robin over the true classes, so every class shows its errors."""
    by_class: dict[str, list[PhotoResult]] = defaultdict(list)
    for f in failures:
        by_class[f.truth].append(f)
    chosen: list[PhotoResult] = []
    rank = 0
    while len(chosen) < limit and any(rank < len(v) for v in by_class.values()):
        chosen.extend(v[rank] for _, v in sorted(by_class.items()) if rank < len(v))
        rank += 1
    return chosen[:limit]
