"""What a shopper's photo shows: its main object, that object's colour, and the embedding to search with.

The photo goes through the vision plugin exactly as ``vision.search.similar_products`` sends it:
loaded (:func:`vision.images.load_image`), segmented (:class:`vision.detector.Detector`), the
detection's masked crop embedded (:class:`vision.embed.Embedder`) and its dominant colour matched to
the graph's Colour nodes. A question says "this", so only the *main detection* counts: the one
with the largest mask (ties: the more confident), the rule the vision plugin uses to check catalog
photos (docs/graph-model.md). A photo with no detection is embedded whole and searched in the
``image_embedding`` index. The models are loaded once per process.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from neo4j import Driver

from shopgraph.graphstore.core.errors import InputError

if TYPE_CHECKING:
    from shopgraph.vision.detector import Detector
    from shopgraph.vision.embed import Embedder

DETECTION_INDEX = "detection_embedding"
IMAGE_INDEX = "image_embedding"


@dataclass(frozen=True)
class PhotoLook:
    """The photo's main object as the vision models see it.

    ``detected_class``, ``category``, ``confidence``, ``colour`` and ``colour_delta_e`` (CIEDE2000
    between the object's dominant L*a*b* and the matched Colour) are None when nothing was
    detected; ``index`` names the vector index ``embedding`` (1280 floats, norm 1) is searched in.
    """

    path: Path
    detected_class: str | None
    category: str | None
    confidence: float | None
    colour: str | None
    colour_delta_e: float | None
    index: str
    embedding: tuple[float, ...]


def look_at(driver: Driver, path: Path, model_path: Path | None = None, database: str | None = None) -> PhotoLook:
    """Detect, colour-match and embed the main object of the photo at ``path``.

    Raises:
        InputError: the photo cannot be loaded (the reason says why), the detector weights cannot,
            or the graph has no Colour references (run ``shopgraph db init``).
    """
    from shopgraph.vision.embed import masked_crop
    from shopgraph.vision.images import load_image
    from shopgraph.vision.ingest import colour_matcher

    photo = load_image(path)
    if photo.pixels is None:
        raise InputError(f"{path}: {photo.reason}")
    detector, embedder = _models(model_path)
    detections = detector.detect([photo.pixels])[0]
    if not detections:
        whole = embedder.embed([photo.pixels])[0]
        return PhotoLook(path, None, None, None, None, None, IMAGE_INDEX, tuple(float(v) for v in whole))
    main = max(detections, key=lambda d: (d.mask_area, d.confidence))
    vector = embedder.embed([masked_crop(photo.pixels, main.mask, main.box)])[0]
    colour = colour_matcher(driver, database=database).dominant(photo.pixels, main.mask)
    return PhotoLook(
        path,
        main.class_name,
        main.category,
        round(main.confidence, 4),
        colour.colour if colour else None,
        colour.delta_e if colour else None,
        DETECTION_INDEX,
        tuple(float(v) for v in vector),
    )


@lru_cache(maxsize=2)
def _models(model_path: Path | None) -> tuple[Detector, Embedder]:
    from shopgraph.vision.detector import Detector
    from shopgraph.vision.embed import Embedder

    return Detector.load(model_path), Embedder.load()
