"""Visual search: the catalog products that look like what a photo shows.

The photo is analysed by :class:`vision.analyse.PhotoAnalyser` exactly as ``ingest_images``
analyses catalog photos (segmented, every detection colour-matched to the graph's Colour nodes and
its masked crop embedded); each detection's embedding is then looked up in the
``detection_embedding`` vector index by the named query ``cypher/visual_search.cypher``, which
keeps the neighbours that belong to photos depicting a product and returns the best products with
their brand, category and colour. A photo in which the detector finds nothing is searched as a
whole, in the ``image_embedding`` index.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from neo4j import Driver

from shopgraph.graphstore.core import graph_model
from shopgraph.graphstore.core.defaults import RECOMMEND
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.runner import run_query
from shopgraph.vision.analyse import PhotoAnalyser
from shopgraph.vision.images import load_image
from shopgraph.vision.ingest import colour_matcher

QUERY = "visual_search"
DETECTION_INDEX = graph_model.DETECTION_INDEX.name  # detection_embedding
IMAGE_INDEX = graph_model.IMAGE_INDEX.name  # image_embedding


@dataclass(frozen=True)
class ProductMatch:
    """A catalog product and how close its best photo (or detection in it) is; ``score`` = (1 + cos) / 2."""

    product: str
    name: str | None
    brand: str | None
    category: str | None
    colour: str | None
    score: float
    image: str | None
    detection: str | None


@dataclass(frozen=True)
class DetectionMatches:
    """The products closest to one detection of the query photo.

    ``index`` is None (and the other detection fields too) when the photo had no detection and
    was searched as a whole.
    """

    index: int | None
    class_name: str | None
    category: str | None
    confidence: float | None
    box: tuple[float, float, float, float] | None
    colour: str | None
    matches: tuple[ProductMatch, ...]
    polygon: tuple[tuple[float, float], ...] = ()


def similar_products(
    driver: Driver,
    image_path: Path,
    k: int = RECOMMEND.visual_k,
    model_path: Path | None = None,
    candidates: int = 100,
    database: str | None = None,
    analyser: PhotoAnalyser | None = None,
) -> list[DetectionMatches]:
    """The ``k`` closest catalog products for every object detected in the photo at ``image_path``.

    Args:
        driver: an open driver to a graph with ingested catalog photos (``ingest_images``).
        image_path: the query photo.
        k: products per detection (default 5).
        model_path: YOLO segmentation weights; default ``vision/models/shopgraph-seg.pt``.
        candidates: nearest index entries fetched per detection before keeping those of photos
            that depict products (default 100); raise it if the graph holds many photos of no product.
        database: the database to read.
        analyser: models already loaded (:meth:`PhotoAnalyser.load`), for a process that searches many
            photos; default: loaded for this call from ``model_path``.

    Returns:
        One entry per detection, most confident first; a single whole-photo entry if there is none.

    Raises:
        ValueError: ``k`` or ``candidates`` is not positive, or ``candidates`` < ``k``; or both
            ``model_path`` and ``analyser`` are given.
        InputError: the photo cannot be loaded (the reason says why) or the weights cannot.
        QueryError: the vector index is missing or the query fails.
    """
    if k <= 0 or candidates < k:
        raise ValueError(f"need 0 < k <= candidates, got k={k}, candidates={candidates}")
    photo = load_image(image_path)
    if photo.pixels is None:
        raise InputError(f"{image_path}: {photo.reason}")
    if analyser is not None and model_path is not None:
        raise ValueError("give either model_path or a loaded analyser, not both")
    analyser = analyser or PhotoAnalyser.load(model_path)
    analysis = analyser.analyse(photo, colours=colour_matcher(driver, database=database))
    if not analysis.objects:
        return [
            DetectionMatches(
                None,
                None,
                None,
                None,
                None,
                None,
                _search(driver, analysis.embedding.tolist(), IMAGE_INDEX, k, candidates, database),
            )
        ]
    return [
        DetectionMatches(
            found.index,
            found.class_name,
            found.category,
            found.confidence,
            found.box,
            found.colour_name,
            _search(driver, found.embedding.tolist(), DETECTION_INDEX, k, candidates, database),
            found.detection.polygon,
        )
        for found in analysis.objects
    ]


def _search(
    driver: Driver, embedding: list[float], index: str, k: int, candidates: int, database: str | None
) -> tuple[ProductMatch, ...]:
    params = {"embedding": embedding, "index": index, "k": k, "candidates": candidates}
    rows = run_query(driver, QUERY, params, database).rows
    return tuple(
        ProductMatch(
            product=row["product"],
            name=row["name"],
            brand=row["brand"],
            category=row["category"],
            colour=row["colour"],
            score=float(row["score"]),
            image=row["image"],
            detection=row["detection"],
        )
        for row in rows
    )
