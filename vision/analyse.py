"""Analyse a photo: find its objects, outline them, name their colours and embed them.

This is the vision plugin's one way of looking at a photo. Graph ingestion
(:func:`vision.ingest.ingest_images`), visual search (:func:`vision.search.similar_products`)
and the shopper assistant all call it, so a shopper's photo is seen exactly as catalog photos are.

For each photo:

1. load and hash the file (:func:`vision.images.load_image`), unless it comes loaded;
2. detect and segment its objects (:class:`vision.detector.Detector`): our own
   :class:`~vision.detector.Detection` records, no Ultralytics object;
3. match each object's dominant colour under its mask to reference colours
   (:class:`vision.colour.ColourMatcher`: k-means in L*a*b*, then CIEDE2000);
4. embed the whole photo and each object's masked crop (:class:`vision.embed.Embedder`,
   EfficientNet-Lite0, 1280 floats of norm 1). A batch is embedded in one pass: the whole
   photos first, then the crops in detection order;
5. name each object from its crop's embedding and its pixels (:class:`vision.recognise.Recogniser`,
   when one is loaded): the class (with the detector's class as evidence where training found
   that it helps), the fine category and the colour. The object's detection then carries the
   recogniser's class and its colour the recogniser's shade (the palette match stays the fallback
   when no recogniser is loaded); the detector's own class is kept as ``detector_class``.

:func:`analyse_photo` loads the models for one call; :class:`PhotoAnalyser` holds them for many.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, MutableMapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import cast

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.errors import InputError
from shopgraph.vision.classes import class_named
from shopgraph.vision.colour import ColourMatch, ColourMatcher, colour_features
from shopgraph.vision.detector import Detection, Detector
from shopgraph.vision.embed import Embedder, masked_crop
from shopgraph.vision.images import LoadedImage, load_image
from shopgraph.vision.preview import save_preview
from shopgraph.vision.recognise import RECOGNISER_FILE, Recogniser, Recognition

STAGES = ("detect", "colour", "embed", "recognise")
"""The stages :meth:`PhotoAnalyser.analyse_batch` times."""


@dataclass(frozen=True)
class AnalysedObject:
    """One object found in a photo: its detection, its dominant colour and its crop's embedding.

    Attributes:
        detection: class, Category id, confidence, box, outline polygon, mask and mask area.
        colour: the matched colour with the dominant L*a*b* value and its ΔE00; None if the
            mask is empty.
        embedding: the masked crop's embedding, 1280 float32 of norm 1.
        recognition: what the recogniser named (class, fine category, colour, with their
            probabilities); None without a recogniser. ``detection`` and ``colour`` already carry
            its class and shade.
        detector_class: the detector's own class, where the recogniser named the object.
    """

    detection: Detection
    colour: ColourMatch | None
    embedding: NDArray[np.float32] = field(repr=False, compare=False)
    recognition: Recognition | None = None
    detector_class: str | None = None

    @property
    def index(self) -> int:
        """Rank in its photo, 0 for the most confident."""
        return self.detection.index

    @property
    def class_name(self) -> str:
        return self.detection.class_name

    @property
    def category(self) -> str:
        return self.detection.category

    @property
    def confidence(self) -> float:
        return self.detection.confidence

    @property
    def fine_category(self) -> str | None:
        """The taxonomy leaf the recogniser names (``dress``, ``sneakers``...), or None without one."""
        return self.recognition.fine if self.recognition else None

    @property
    def box(self) -> tuple[float, float, float, float]:
        return self.detection.box

    @property
    def mask_area(self) -> int:
        return self.detection.mask_area

    @property
    def colour_name(self) -> str | None:
        """The matched colour's id (``navy``, ``white``...), or None."""
        return self.colour.colour if self.colour else None

    @property
    def lab(self) -> tuple[float, float, float] | None:
        """The dominant L*a*b* value under the mask, or None."""
        return self.colour.lab if self.colour else None


@dataclass(frozen=True)
class PhotoAnalysis:
    """What the vision models see in one photo.

    Attributes:
        photo: the loaded file (path, SHA-256, size, pixels, repair notes).
        model_version: the models' version: the detector's weights (``<stem>@<12 hex>``), then
            ``+recogniser@<12 hex>`` when a recogniser named the objects.
        embedding_model: the embedder's id (``efficientnet-lite0-...``).
        embedding: the whole photo's embedding, 1280 float32 of norm 1.
        objects: the objects found, most confident first (empty when none is).
    """

    photo: LoadedImage
    model_version: str
    embedding_model: str
    embedding: NDArray[np.float32] = field(repr=False, compare=False)
    objects: tuple[AnalysedObject, ...] = ()

    def __post_init__(self) -> None:
        if self.photo.pixels is None or self.photo.sha256 is None:
            raise ValueError(f"a PhotoAnalysis needs a loaded photo; {self.photo.path}: {self.photo.reason}")

    @property
    def path(self) -> Path:
        return self.photo.path

    @property
    def sha256(self) -> str:
        """The photo's id in the graph: hex SHA-256 of the file's bytes."""
        return cast(str, self.photo.sha256)  # set: checked in __post_init__

    @property
    def width(self) -> int:
        return self.photo.width

    @property
    def height(self) -> int:
        return self.photo.height

    @property
    def pixels(self) -> NDArray[np.uint8]:
        """``H×W×3`` uint8 RGB, as the models saw it."""
        return cast(NDArray[np.uint8], self.photo.pixels)  # set: checked in __post_init__

    @property
    def detections(self) -> tuple[Detection, ...]:
        return tuple(o.detection for o in self.objects)

    @property
    def main(self) -> AnalysedObject | None:
        """The main object: the largest mask, ties broken by confidence; None without objects.

        The rule the catalog check uses (docs/graph-model.md) and what "this" means in a question.
        """
        if not self.objects:
            return None
        return max(self.objects, key=lambda o: (o.mask_area, o.confidence))

    def save_preview(self, path: Path) -> Path:
        """Write the photo with each object's mask, box and ``<class> <confidence> <colour>`` label
        drawn on it (:func:`vision.preview.save_preview`) to ``path`` as JPEG; returns ``path``.

        Raises:
            OSError: the file cannot be written.
        """
        return save_preview(path, self.pixels, self.detections, [o.colour_name for o in self.objects])


PhotoInput = Path | str | LoadedImage
"""A photo to analyse: a file path, or an image already loaded by :func:`vision.images.load_image`."""


class PhotoAnalyser:
    """The loaded models that analyse photos; build it with :meth:`load`.

    Args:
        detector: the segmentation model.
        embedder: the embedding model.
        colours: the reference colours objects are matched to; build them from the graph with
            :func:`vision.ingest.colour_matcher` (what ingestion writes against) or from the
            shipped vocabulary with :meth:`ColourMatcher.from_vocabulary`.
        recogniser: names each object's class, fine category and colour (:func:`shipped_recogniser`);
            None keeps the detector's class and the palette colour.
    """

    def __init__(
        self, detector: Detector, embedder: Embedder, colours: ColourMatcher, recogniser: Recogniser | None = None
    ) -> None:
        self.detector = detector
        self.embedder = embedder
        self.colours = colours
        self.recogniser = recogniser

    def __repr__(self) -> str:
        return (
            f"PhotoAnalyser({self.detector!r}, {self.embedder!r}, colours={len(self.colours.ids)}, "
            f"recogniser={self.recogniser!r})"
        )

    @classmethod
    def load(cls, model_path: Path | None = None, colours: ColourMatcher | None = None) -> PhotoAnalyser:
        """The shipped models (or the detector weights at ``model_path``).

        ``colours`` defaults to the shipped colour vocabulary (the values ``db init`` writes
        onto the graph's Colour nodes), without ``multi`` and ``transparent``.

        Raises:
            InputError: the detector or embedder weights cannot be loaded.
        """
        return cls(
            Detector.load(model_path), Embedder.load(), colours or ColourMatcher.from_vocabulary(), shipped_recogniser()
        )

    @property
    def model_version(self) -> str:
        """The detector's version, and the recogniser's after a ``+`` when there is one: a new
        version of either makes new detections (and retires the old ones) on re-ingestion."""
        if self.recogniser is None:
            return self.detector.version
        return f"{self.detector.version}+{self.recogniser.version}"

    @property
    def embedding_model(self) -> str:
        return self.embedder.name

    def analyse(self, image: PhotoInput, colours: ColourMatcher | None = None) -> PhotoAnalysis:
        """Analyse one photo; ``colours`` overrides the analyser's reference colours for this call.

        Raises:
            InputError: the photo cannot be loaded (the reason says why).
        """
        photo = image if isinstance(image, LoadedImage) else load_image(Path(image))
        if photo.pixels is None:
            raise InputError(f"{photo.path}: {photo.reason}")
        return self.analyse_batch([photo], colours=colours)[0]

    def analyse_batch(
        self,
        photos: Sequence[LoadedImage],
        timings: MutableMapping[str, float] | None = None,
        colours: ColourMatcher | None = None,
    ) -> list[PhotoAnalysis]:
        """Analyse loaded photos together: one detector batch, one embedding pass.

        Args:
            photos: images loaded without error (``photo.pixels`` set).
            timings: if given, the seconds spent in each of ``STAGES`` are added to it.
            colours: overrides the analyser's reference colours for this call.

        Returns:
            One analysis per photo, in order.

        Raises:
            ValueError: a photo has no pixels (it failed to load).
        """
        failed = [str(p.path) for p in photos if p.pixels is None or p.sha256 is None]
        if failed:
            raise ValueError(f"cannot analyse photos that did not load: {failed}")
        if not photos:
            return []
        matcher = colours or self.colours
        spent = timings if timings is not None else dict.fromkeys(STAGES, 0.0)
        pixels = [p.pixels for p in photos if p.pixels is not None]
        with _timed(spent, "detect"):
            found = self.detector.detect(pixels)
        with _timed(spent, "colour"):
            matched = [[matcher.dominant(im, d.mask) for d in dets] for im, dets in zip(pixels, found, strict=True)]
        with _timed(spent, "embed"):
            crops = [masked_crop(im, d.mask, d.box) for im, dets in zip(pixels, found, strict=True) for d in dets]
            vectors = self.embedder.embed([*pixels, *crops])
        flat = [(d, c) for dets, cols in zip(found, matched, strict=True) for d, c in zip(dets, cols, strict=True)]
        with _timed(spent, "recognise"):
            named = self._recognise(pixels, found, flat, vectors[len(pixels) :], matcher)
        analyses = []
        seen = 0  # vectors: the whole photos first, then the crops in detection order, as named is
        for photo, whole, dets in zip(photos, vectors, found, strict=False):
            objects = tuple(named[seen : seen + len(dets)])
            analyses.append(PhotoAnalysis(photo, self.model_version, self.embedding_model, whole, objects))
            seen += len(dets)
        return analyses

    def _recognise(
        self,
        pixels: Sequence[NDArray[np.uint8]],
        found: Sequence[tuple[Detection, ...]],
        flat: Sequence[tuple[Detection, ColourMatch | None]],
        crop_vectors: NDArray[np.float32],
        matcher: ColourMatcher,
    ) -> list[AnalysedObject]:
        """Each detection as an :class:`AnalysedObject`, named by the recogniser when there is one."""
        if self.recogniser is None or not flat:
            return [AnalysedObject(d, c, crop_vectors[i]) for i, (d, c) in enumerate(flat)]
        described = np.stack(
            [colour_features(im, d.mask) for im, dets in zip(pixels, found, strict=True) for d in dets]
        )
        said = self.recogniser.recognise(crop_vectors, described, [(d.class_name, d.confidence) for d, _ in flat])
        out = []
        for i, ((d, c), r) in enumerate(zip(flat, said, strict=True)):
            detection = replace(d, class_name=r.class_name, category=class_named(r.class_name).category)
            colour = matcher.named(r.colour, c) if c is not None else None
            out.append(AnalysedObject(detection, colour, crop_vectors[i], r, d.class_name))
        return out


def analyse_photo(
    image: PhotoInput,
    *,
    detector: Detector | None = None,
    embedder: Embedder | None = None,
    colours: ColourMatcher | None = None,
) -> PhotoAnalysis:
    """Detect, segment, colour-match and embed the objects of one photo.

    Args:
        image: a photo file, or an image loaded by :func:`vision.images.load_image`.
        detector: the segmentation model; default the shipped ``vision/models/shopgraph-seg.pt``.
        embedder: the embedding model; default EfficientNet-Lite0 with its ImageNet weights.
        colours: reference colours; default the shipped colour vocabulary.

    The models given as None are loaded for this call; hold a :class:`PhotoAnalyser` to
    analyse many photos.

    Raises:
        InputError: the photo or a model's weights cannot be loaded.
    """
    analyser = PhotoAnalyser(
        detector or Detector.load(),
        embedder or Embedder.load(),
        colours or ColourMatcher.from_vocabulary(),
        shipped_recogniser(),
    )
    return analyser.analyse(image)


def shipped_recogniser() -> Recogniser | None:
    """The recogniser that ships beside the detector (``vision/models/recogniser.npz``), or None
    when that file is not there (then the detector's class and the palette colour are the answers).

    Raises:
        InputError: the file is there but cannot be read.
    """
    return Recogniser.load(RECOGNISER_FILE) if RECOGNISER_FILE.is_file() else None


@contextmanager
def _timed(timings: MutableMapping[str, float], stage: str) -> Iterator[None]:
    """Adds the seconds spent in the ``with`` block to ``timings[stage]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - started
