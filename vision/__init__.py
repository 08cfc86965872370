"""The vision plugin: product photos into the graph as Image and Detection nodes.

It trains and runs an Ultralytics YOLO segmentation model on catalog photos to outline
objects, names each one with a recogniser (linear heads over its crop's embedding and
colours: class, fine category, colour), labels each detection with the graph's own Category
and Colour nodes, embeds it with
EfficientNet-Lite0 for visual search, and talks to the rest of shopgraph only
through the graph and the public API below.

The public API (other plugins import only these names, from ``shopgraph.vision``)::

    from shopgraph.vision import analyse_photo

    analysis = analyse_photo("tests/data/images/10008.jpg")   # detect, segment, colour, embed
    main = analysis.main                                       # the largest object, or None
    main.class_name, main.colour_name, main.embedding.shape    # "tshirt", "navy", (1280,)
    main.fine_category, main.detector_class                    # "t-shirt", the detector's own class

- :func:`analyse_photo`, :class:`PhotoAnalyser` (models loaded once, for many photos),
  :class:`PhotoAnalysis`, :class:`AnalysedObject`, :class:`Recognition`: what the models see in a photo;
- :func:`ingest_images`: photos into the graph; :func:`similar_products`: visual search;
- :func:`colour_matcher` (the graph's Colour nodes as references), :class:`ColourMatcher`;
- :func:`class_named`: a detector class with its Category and taxonomy groups;
- :func:`cut_out`, :class:`ProductCutout`: a product cut out of its photo by its stored mask outline;
- :func:`find_person`, :class:`PersonRegions`, :class:`Box`, :func:`person_model_missing`: a person's
  torso, legs, feet and hand boxes and mask, by the body-pose model a package ships.

Names are imported on first use, so ``import shopgraph.vision`` loads neither torch nor
Ultralytics.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

# public name -> module that defines it
_API: dict[str, str] = {
    "AnalysedObject": "shopgraph.vision.analyse",
    "PhotoAnalyser": "shopgraph.vision.analyse",
    "PhotoAnalysis": "shopgraph.vision.analyse",
    "analyse_photo": "shopgraph.vision.analyse",
    "ColourMatch": "shopgraph.vision.colour",
    "ColourMatcher": "shopgraph.vision.colour",
    "class_named": "shopgraph.vision.classes",
    "ProductCutout": "shopgraph.vision.cutout",
    "cut_out": "shopgraph.vision.cutout",
    "Box": "shopgraph.vision.person",
    "PersonRegions": "shopgraph.vision.person",
    "find_person": "shopgraph.vision.person",
    "person_model_missing": "shopgraph.vision.person",
    "Detection": "shopgraph.vision.detector",
    "ImageIngestReport": "shopgraph.vision.ingest",
    "colour_matcher": "shopgraph.vision.ingest",
    "ingest_images": "shopgraph.vision.ingest",
    "DetectionMatches": "shopgraph.vision.search",
    "ProductMatch": "shopgraph.vision.search",
    "Recognition": "shopgraph.vision.recognise",
    "similar_products": "shopgraph.vision.search",
}

__all__ = [
    "AnalysedObject",
    "Box",
    "ColourMatch",
    "ColourMatcher",
    "Detection",
    "DetectionMatches",
    "ImageIngestReport",
    "PersonRegions",
    "PhotoAnalyser",
    "PhotoAnalysis",
    "ProductCutout",
    "ProductMatch",
    "Recognition",
    "analyse_photo",
    "class_named",
    "colour_matcher",
    "cut_out",
    "find_person",
    "ingest_images",
    "person_model_missing",
    "similar_products",
]

if TYPE_CHECKING:
    from shopgraph.vision.analyse import AnalysedObject, PhotoAnalyser, PhotoAnalysis, analyse_photo
    from shopgraph.vision.classes import class_named
    from shopgraph.vision.colour import ColourMatch, ColourMatcher
    from shopgraph.vision.cutout import ProductCutout, cut_out
    from shopgraph.vision.detector import Detection
    from shopgraph.vision.ingest import ImageIngestReport, colour_matcher, ingest_images
    from shopgraph.vision.person import Box, PersonRegions, find_person, person_model_missing
    from shopgraph.vision.recognise import Recognition
    from shopgraph.vision.search import DetectionMatches, ProductMatch, similar_products


def __getattr__(name: str) -> Any:
    module = _API.get(name)
    if module is None:
        raise AttributeError(f"module 'shopgraph.vision' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_API))
