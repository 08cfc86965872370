"""What a shopper's photo shows: its main object, that object's colour, and the embedding to search with.

The photo goes through the vision plugin's public API, :class:`shopgraph.vision.PhotoAnalyser`, as
``similar_products`` and ingestion send photos: segmented, every detection's masked crop embedded
and its dominant colour matched to the graph's Colour nodes. A question says "this", so only the
*main detection* counts (``PhotoAnalysis.main``): the one with the largest mask (ties: the more
confident), the rule the vision plugin uses to check catalog photos (docs/graph-model.md). A photo
with no detection is embedded whole and searched in the ``image_embedding`` index. The models are
loaded once per process.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from neo4j import Driver

from shopgraph.graphstore.core import graph_model
from shopgraph.graphstore.core.errors import InputError

if TYPE_CHECKING:
    from shopgraph.vision import PhotoAnalyser, Recognition

DETECTION_INDEX = graph_model.DETECTION_INDEX.name  # detection_embedding
IMAGE_INDEX = graph_model.IMAGE_INDEX.name  # image_embedding


@dataclass(frozen=True)
class PhotoLook:
    """The photo's main object as the vision models see it.

    ``detected_class``, ``category``, ``confidence``, ``colour`` and ``colour_delta_e`` (CIEDE2000
    between the object's dominant L*a*b* and the matched Colour) are None when nothing was
    detected; ``index`` names the vector index ``embedding`` (1280 floats, norm 1) is searched in.
    ``recognition`` is what the vision plugin's recogniser said of the object (class, fine category
    and colour, each with its probability), None without a detection or a recogniser.
    """

    path: Path
    detected_class: str | None
    category: str | None
    confidence: float | None
    colour: str | None
    colour_delta_e: float | None
    index: str
    embedding: tuple[float, ...]
    recognition: Recognition | None = None


def look_at(driver: Driver, path: Path, model_path: Path | None = None, database: str | None = None) -> PhotoLook:
    """Detect, colour-match and embed the main object of the photo at ``path``.

    The last :data:`REMEMBERED` looks are kept by the file's SHA-256, so several questions about one
    photo analyse it once.

    Raises:
        InputError: the photo cannot be loaded (the reason says why), the detector weights cannot,
            or the graph has no Colour references (run ``shopgraph db init``).
    """
    try:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as e:
        raise InputError(f"{path}: cannot read the photo ({e.strerror or e})") from e
    key = (digest, model_path, database)
    if key in _looks:
        _looks.move_to_end(key)
        return dataclasses.replace(_looks[key], path=path)
    look = _look(driver, path, model_path, database)
    _looks[key] = look
    if len(_looks) > REMEMBERED:
        _looks.popitem(last=False)
    return look


REMEMBERED = 64
"""Photos whose looks :func:`look_at` keeps."""
_looks: OrderedDict[tuple[str, Path | None, str | None], PhotoLook] = OrderedDict()


def _look(driver: Driver, path: Path, model_path: Path | None, database: str | None) -> PhotoLook:
    from shopgraph.vision import colour_matcher

    analyser = _analyser(model_path)
    analysis = analyser.analyse(path, colours=colour_matcher(driver, database=database))
    main = analysis.main
    if main is None:
        whole = analysis.embedding
        return PhotoLook(path, None, None, None, None, None, IMAGE_INDEX, tuple(float(v) for v in whole))
    return PhotoLook(
        path,
        main.class_name,
        main.category,
        round(main.confidence, 4),
        main.colour_name,
        main.colour.delta_e if main.colour else None,
        DETECTION_INDEX,
        tuple(float(v) for v in main.embedding),
        main.recognition,
    )


def photo_analyser(model_path: Path | None = None) -> PhotoAnalyser:
    """The vision models :func:`look_at` analyses photos with, loaded once per process and weights file.

    A long-running process (``shopgraph serve``) loads them once at its start and hands them to
    ``shopgraph.vision.similar_products``, so one copy serves both.

    Raises:
        InputError: the detector or embedder weights cannot be loaded.
    """
    return _analyser(model_path)


@lru_cache(maxsize=2)
def _analyser(model_path: Path | None) -> PhotoAnalyser:
    from shopgraph.vision import PhotoAnalyser

    return PhotoAnalyser.load(model_path)
