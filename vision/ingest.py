"""Photos into the graph: Image and Detection nodes, their colours, categories and embeddings.

``ingest_images`` expands files, folders and glob patterns, and handles the images in batches:

1. load and hash every file (:mod:`vision.images`; a bad file is a failure with a reason, never
   an exception);
2. skip the images whose current detections come from this model version (``Image.modelVersion``),
   unless ``reprocess``; so a re-run writes nothing, and an interrupted run continues where it
   stopped, since each batch is committed in one transaction;
3. analyse them (:class:`vision.analyse.PhotoAnalyser`: detect and segment, match each detection's
   dominant colour to the graph's Colour nodes, embed the whole image and each detection's masked
   crop), draw previews if asked (:mod:`vision.preview`);
4. write the batch in one transaction of ``UNWIND`` queries (:mod:`cypher.internal.vision`);
5. at the end, link every image of a known product to it, ``(:Image)-[:DEPICTS]->(:Product)``,
   with whether its main detection agrees with the catalog (:func:`link_depicted_products`).

Model versions: an image's detections carry the version of the model that produced them.
Processing an image with another version (no ``reprocess`` needed) keeps the older detections,
marked ``current: false``; processing it again with the same version (``reprocess``) replaces
that version's detections.
"""

from __future__ import annotations

import csv
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
from neo4j import Driver
from numpy.typing import NDArray

from shopgraph.cypher.internal import vision as q
from shopgraph.graphstore.core.defaults import VISION
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.runner import Batch, BatchWriter, WriteSummary, read, write
from shopgraph.graphstore.ingest.readers.textfile import bad_character, open_text
from shopgraph.vision.analyse import AnalysedObject, PhotoAnalyser, PhotoAnalysis, shipped_recogniser
from shopgraph.vision.colour import ColourMatch, ColourMatcher
from shopgraph.vision.detector import Detection, Detector
from shopgraph.vision.embed import Embedder
from shopgraph.vision.images import LoadedImage, load_image
from shopgraph.vision.photo_paths import find_photos
from shopgraph.vision.preview import save_preview

NOT_PIXEL_COLOURS = ("multi", "transparent")
"""Colour nodes that no cluster of pixels can be: left out of colour matching."""
STAGES = ("load", "detect", "colour", "embed", "recognise", "preview", "write", "link")

FileStatus = Literal["ok", "skipped", "failed"]
Progress = Callable[[int], None]
"""Called with the number of files handled so far (processed, skipped or failed)."""


@dataclass(frozen=True)
class FileResult:
    """What happened to one file.

    ``status`` is ``ok`` (processed now), ``skipped`` (this model version had processed the same
    image before, or the same bytes came earlier in this run) or ``failed`` (``reason`` says why).
    """

    path: str
    status: FileStatus
    reason: str | None = None
    image: str | None = None
    detections: int = 0
    product: str | None = None
    notes: tuple[str, ...] = ()
    preview: str | None = None


@dataclass(frozen=True)
class Depiction:
    """A ``DEPICTS`` link and its agreement check; each flag is None when there is nothing to compare."""

    image: str
    product: str
    detection: str | None
    detected_category: str | None
    detected_colour: str | None
    category_agrees: bool | None
    colour_agrees: bool | None


@dataclass
class ImageIngestReport:
    """What one ``ingest_images`` run did.

    ``files_seen = ok + skipped + len(failed)``. ``timings`` holds the seconds spent in each stage
    (``STAGES``), summed over the run; ``seconds`` is the whole run's wall time.
    """

    model_version: str
    embedding_model: str
    files_seen: int = 0
    ok: int = 0
    skipped: int = 0
    failed: list[FileResult] = field(default_factory=list)
    detections_written: int = 0
    images_without_detections: int = 0
    depicted: int = 0
    seconds: float = 0.0
    timings: dict[str, float] = field(default_factory=lambda: dict.fromkeys(STAGES, 0.0))
    files: list[FileResult] = field(default_factory=list)
    depictions: list[Depiction] = field(default_factory=list)
    write: WriteSummary = field(default_factory=WriteSummary)

    def add(self, result: FileResult) -> None:
        """Count ``result`` and keep it."""
        self.files.append(result)
        self.files_seen += 1
        if result.status == "ok":
            self.ok += 1
            self.detections_written += result.detections
            self.images_without_detections += result.detections == 0
        elif result.status == "skipped":
            self.skipped += 1
        else:
            self.failed.append(result)


@dataclass(frozen=True)
class _Todo:
    """A loaded image to process: the file, its id (SHA-256), pixels, the product it shows and its source."""

    file: LoadedImage
    image: str
    pixels: NDArray[np.uint8]
    product: str | None
    source: str


@dataclass(frozen=True)
class _Processed:
    """An image to write and its analysis (one crop embedding per detection)."""

    todo: _Todo
    analysis: PhotoAnalysis

    @property
    def detections(self) -> tuple[Detection, ...]:
        return self.analysis.detections

    @property
    def colours(self) -> list[ColourMatch | None]:
        return [o.colour for o in self.analysis.objects]

    @property
    def embedding(self) -> NDArray[np.float32]:
        return self.analysis.embedding

    @property
    def crop_embeddings(self) -> list[NDArray[np.float32]]:
        return [o.embedding for o in self.analysis.objects]

    @property
    def file(self) -> LoadedImage:
        return self.todo.file

    @property
    def image(self) -> str:
        return self.todo.image


def expand_paths(paths: Iterable[str | Path]) -> tuple[list[Path], list[FileResult]]:
    """The files named by ``paths`` (:func:`vision.photo_paths.find_photos`), and what cannot be read.

    Files are kept as given, folders searched recursively for ``IMAGE_SUFFIXES``, glob patterns
    expanded; a path that does not exist, a dangling link, a folder or named pipe with a photo's
    name, a pattern that matches nothing: each is a ``failed`` result with its reason.

    Returns:
        ``(files, problems)``: the files in order, and the ``failed`` results.
    """
    files, problems = find_photos(paths)
    return files, [FileResult(path, "failed", reason) for path, reason in problems]


def product_for_path(path: Path) -> str | None:
    """The catalog product a photo shows, from the datasets' file layouts, or None.

    - Myntra: ``.../images/<id>.jpg`` (the id all digits) → ``myntra:<id>``;
    - H&M: ``.../images/<first 3 digits>/<article_id>.jpg`` (10 digits) → ``hm:<article_id>``.
    """
    stem, parent = path.stem, path.parent
    if stem.isdigit() and len(stem) == 10 and parent.name == stem[:3] and parent.parent.name == "images":
        return f"hm:{stem}"
    if stem.isdigit() and parent.name == "images":
        return f"myntra:{stem}"
    return None


def load_product_map(path: Path) -> dict[Path, str]:
    """A mapping CSV with columns ``path,product_id`` as ``{resolved photo path: product id}``.

    Relative paths are relative to the CSV's folder; product ids are graph ids
    (``myntra:15970``, ``hm:0108775015``, ``<source>:<id>``).

    Raises:
        InputError: the file is unreadable or not text, lacks a column, or has a row that cannot be
            parsed, with an empty value or with undecodable bytes.
    """
    mapping: dict[Path, str] = {}
    with open_text(path) as handle:
        reader = csv.DictReader(handle)
        try:
            missing = {"path", "product_id"} - set(reader.fieldnames or [])
            if missing:
                raise InputError(f"{path}: mapping CSV lacks columns {sorted(missing)}; expected path,product_id")
            for row in reader:
                line = reader.line_num
                photo, product = (row.get("path") or "").strip(), (row.get("product_id") or "").strip()
                if not photo or not product:
                    raise InputError(f"{path}, line {line}: empty path or product_id")
                why = bad_character(photo + product, "the row")
                if why is not None:
                    raise InputError(f"{path}, line {line}: {why}")
                try:
                    mapping[(path.parent / photo).resolve()] = product
                except (OSError, RuntimeError) as e:  # RuntimeError: a symbolic link loop
                    raise InputError(f"{path}, line {line}: cannot resolve {photo!r}: {e}") from e
        except csv.Error as e:
            raise InputError(f"{path}, line {reader.line_num}: cannot parse the row: {e}") from e
        except OSError as e:
            raise InputError(f"cannot read mapping CSV {path}: {e.strerror or e}") from e
    return mapping


def colour_matcher(
    driver: Driver, exclude: Sequence[str] = NOT_PIXEL_COLOURS, database: str | None = None
) -> ColourMatcher:
    """A ``ColourMatcher`` over the graph's Colour nodes and their ``lab`` values (one query).

    Raises:
        InputError: no Colour node has a ``lab`` value (the vocabulary is not seeded: run ``shopgraph db init``).
        QueryError: the colours cannot be read.
    """
    records = read(
        driver, q.COLOUR_REFERENCES, {"exclude": list(exclude)}, what="reading reference colours", database=database
    )
    if not records:
        raise InputError("the graph has no Colour nodes with a lab value; run `shopgraph db init` first")
    return ColourMatcher({r["id"]: (float(r["lab"][0]), float(r["lab"][1]), float(r["lab"][2])) for r in records})


def link_depicted_products(
    driver: Driver, links: Sequence[tuple[str, str, str]], batch_size: int = 1000, database: str | None = None
) -> list[Depiction]:
    """``(:Image)-[:DEPICTS]->(:Product)`` for ``(image id, product id, source)`` triples, with the agreement check.

    Links only to products that exist (a photo named like a catalog id of a catalog not loaded
    yet is linked when images are ingested again after the catalog). Recomputes the check for
    existing links, so it reflects the current detections and catalog facts. See
    ``docs/graph-model.md`` (Vision) for the rule.

    Returns:
        One ``Depiction`` per link made or refreshed (links to unknown products are absent).

    Raises:
        WriteFailed: the server refused a batch.
    """
    depictions = []
    for start in range(0, len(links), batch_size):
        rows = [{"image": i, "product": p, "source": s} for i, p, s in links[start : start + batch_size]]
        records = write(
            driver,
            q.LINK_DEPICTED_PRODUCTS,
            {"rows": rows},
            what=f"linking {len(rows)} images to their products",
            database=database,
        ).records
        depictions += [
            Depiction(
                image=r["image"],
                product=r["product"],
                detection=r["detection"],
                detected_category=r["detectedCategory"],
                detected_colour=r["detectedColour"],
                category_agrees=r["categoryAgrees"],
                colour_agrees=r["colourAgrees"],
            )
            for r in records
        ]
    return depictions


def _image_rows(images: Sequence[_Processed], model_version: str, embedding_model: str) -> list[dict[str, Any]]:
    """Parameter rows of ``UPSERT_IMAGES`` (and of the detection clean-up queries)."""
    return [
        {
            "id": p.image,
            "path": str(p.file.path.resolve()),
            "width": p.file.width,
            "height": p.file.height,
            "source": p.todo.source,
            "notes": list(p.file.notes),
            "embedding": p.embedding.tolist(),
            "embeddingModel": embedding_model,
            "modelVersion": model_version,
            "detectionCount": len(p.detections),
        }
        for p in images
    ]


def detection_id(image: str, model_version: str, index: int) -> str:
    """A detection's stable key: ``<image sha256>:<model version>:<index>``."""
    return f"{image}:{model_version}:{index}"


def _detection_rows(
    images: Sequence[_Processed], model_version: str
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Parameter rows of ``UPSERT_DETECTIONS`` and ``LINK_DETECTION_COLOURS``.

    ``maskShare = maskArea / (width · height)``; ``polygon`` is flattened to ``[x0, y0, x1, y1, ...]``.
    """
    detections, colours = [], []
    for p in images:
        pixels = p.file.width * p.file.height
        for obj in p.analysis.objects:
            detection, colour, embedding = obj.detection, obj.colour, obj.embedding
            key = detection_id(p.image, model_version, detection.index)
            detections.append(
                {
                    **_recognition_row(obj),
                    "image": p.image,
                    "id": key,
                    "index": detection.index,
                    "class": detection.class_name,
                    "category": detection.category,
                    "confidence": detection.confidence,
                    "box": list(detection.box),
                    "polygon": detection.flat_polygon(),
                    "maskArea": detection.mask_area,
                    "maskShare": round(detection.mask_area / pixels, 6),
                    "colourLab": list(colour.lab) if colour else None,
                    "colourDeltaE": colour.delta_e if colour else None,
                    "modelVersion": model_version,
                    "embedding": embedding.tolist(),
                }
            )
            if colour is not None:
                colours.append({"id": key, "colour": colour.colour, "deltaE": colour.delta_e, "share": colour.share})
    return detections, colours


def _recognition_row(obj: AnalysedObject) -> dict[str, Any]:
    """What the recogniser said of ``obj`` as Detection properties (all None without one)."""
    r = obj.recognition
    return {
        "detectorClass": obj.detector_class,
        "classConfidence": r.class_confidence if r else None,
        "fineCategory": r.fine if r else None,
        "fineConfidence": r.fine_confidence if r else None,
        "colourConfidence": r.colour_confidence if r else None,
        "colourFamily": r.colour_family if r else None,
    }


def _write_work(model_version: str, embedding_model: str) -> Callable[[Batch[_Processed]], None]:
    def work(batch: Batch[_Processed]) -> None:
        images = _image_rows(batch.records, model_version, embedding_model)
        detections, colours = _detection_rows(batch.records, model_version)
        batch.run(q.DELETE_DETECTIONS_OF_VERSION, rows=images)
        batch.run(q.RETIRE_OTHER_DETECTIONS, rows=images)
        batch.run(q.UPSERT_IMAGES, rows=images)
        if detections:
            batch.run(q.UPSERT_DETECTIONS, rows=detections)
        if colours:
            batch.run(q.LINK_DETECTION_COLOURS, rows=colours)

    return work


def _describe(records: list[_Processed]) -> str:
    return f"{len(records)} images ({records[0].file.path} ... {records[-1].file.path})"


@contextmanager
def _timed(timings: dict[str, float], stage: str) -> Iterator[None]:
    """Adds the seconds spent in the ``with`` block to ``timings[stage]``."""
    started = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] += time.perf_counter() - started


def ingest_images(
    driver: Driver,
    paths: Iterable[str | Path],
    model_path: Path | None = None,
    batch_size: int = VISION.ingest_batch_size,
    reprocess: bool = False,
    previews_dir: Path | None = None,
    product_map: Mapping[Path, str] | None = None,
    progress: Progress | None = None,
    database: str | None = None,
) -> ImageIngestReport:
    """Detect, segment, colour-match and embed photos, and write them into the graph.

    Args:
        driver: an open driver; the schema (migration 3) and the vocabulary must be in place.
        paths: files, folders (searched recursively) and glob patterns (:func:`expand_paths`).
        model_path: YOLO segmentation weights; default ``vision/models/shopgraph-seg.pt``.
        batch_size: images per detection batch and per write transaction (default 32).
        reprocess: process images this model version has already processed (replacing its
            detections) instead of skipping them.
        previews_dir: if given, write ``<stem>-<first 8 hex of sha256>.jpg`` previews there for
            the images processed in this run.
        product_map: ``{photo path: product id}`` (:func:`load_product_map`), consulted before the
            file-layout rules of :func:`product_for_path`.
        progress: called with the number of files handled so far.
        database: target database.

    Returns:
        The report; per-file problems are in it (``failed``), not raised.

    Raises:
        ValueError: ``batch_size`` is not positive.
        InputError: the model weights cannot be loaded, or the graph has no Colour references.
        WriteFailed: a batch could not be written; earlier batches are committed and a re-run
            continues after them.
    """
    if batch_size <= 0:
        raise ValueError(f"batch_size must be positive, got {batch_size}")
    started = time.perf_counter()
    files, problems = expand_paths(paths)
    analyser = PhotoAnalyser(
        Detector.load(model_path), Embedder.load(), colour_matcher(driver, database=database), shipped_recogniser()
    )
    version, embedder = analyser.model_version, analyser.embedder
    mapping = {path.resolve(): product for path, product in (product_map or {}).items()}
    report = ImageIngestReport(model_version=version, embedding_model=embedder.name)
    writer = BatchWriter(driver, batch_size=batch_size, database=database)
    work = _write_work(version, embedder.name)
    first_path: dict[str, Path] = {}
    links: dict[tuple[str, str], str] = {}
    for problem in problems:
        report.add(problem)

    for start in range(0, len(files), batch_size):
        with _timed(report.timings, "load"):
            loaded = [load_image(path) for path in files[start : start + batch_size]]
        todo: list[_Todo] = []
        done = _processed_before(driver, [f.sha256 for f in loaded if f.ok], version, reprocess, database)
        for file in loaded:
            if file.pixels is None or file.sha256 is None:
                report.add(FileResult(str(file.path), "failed", file.reason, file.sha256))
                continue
            product, source = _product(file.path, mapping)
            if product is not None:
                links[(file.sha256, product)] = source
            if file.sha256 in first_path:
                reason = f"same image as {first_path[file.sha256]}"
                report.add(FileResult(str(file.path), "skipped", reason, file.sha256, product=product))
            elif file.sha256 in done:
                reason = f"already processed by {version}"
                report.add(FileResult(str(file.path), "skipped", reason, file.sha256, product=product))
            else:
                todo.append(_Todo(file, file.sha256, file.pixels, product, source))
            first_path.setdefault(file.sha256, file.path)
        processed = _process(todo, analyser, report.timings)
        with _timed(report.timings, "write"):
            if processed:
                summary = writer.write(processed, work, _describe)
                report.write.add_counters(summary)
                report.write.rows += summary.rows
                report.write.batches += summary.batches
        for item in processed:
            preview = None
            if previews_dir is not None:
                with _timed(report.timings, "preview"):
                    preview = str(_save_preview(previews_dir, item))
            report.add(
                FileResult(
                    str(item.file.path),
                    "ok",
                    None,
                    item.image,
                    len(item.detections),
                    item.todo.product,
                    item.file.notes,
                    preview,
                )
            )
        if progress is not None:
            progress(report.files_seen)

    with _timed(report.timings, "link"):
        triples = [(image, product, source) for (image, product), source in links.items()]
        report.depictions = link_depicted_products(driver, triples, database=database)
    report.depicted = len({d.image for d in report.depictions})
    report.write.seconds = report.timings["write"]
    report.seconds = time.perf_counter() - started
    return report


def _processed_before(
    driver: Driver, ids: list[str | None], model_version: str, reprocess: bool, database: str | None
) -> set[str]:
    if reprocess or not ids:
        return set()
    records = read(
        driver,
        q.PROCESSED_IMAGES,
        {"ids": ids, "modelVersion": model_version},
        what="reading processed images",
        database=database,
    )
    return {r["id"] for r in records}


def _product(path: Path, mapping: Mapping[Path, str]) -> tuple[str | None, str]:
    """The product ``path`` shows and the image's ``source``: ``map``, ``myntra``, ``hm`` or ``file``."""
    if mapping:
        mapped = mapping.get(path.resolve())
        if mapped is not None:
            return mapped, "map"
    inferred = product_for_path(path)
    if inferred is not None:
        return inferred, inferred.split(":", 1)[0]
    return None, "file"


def _process(todo: Sequence[_Todo], analyser: PhotoAnalyser, timings: dict[str, float]) -> list[_Processed]:
    """Detection, colour and embeddings for a batch of loaded images (one embedding pass for all)."""
    analyses = analyser.analyse_batch([t.file for t in todo], timings)
    return [_Processed(t, a) for t, a in zip(todo, analyses, strict=True)]


def _save_preview(folder: Path, item: _Processed) -> Path:
    path = folder / f"{item.file.path.stem}-{item.image[:8]}.jpg"
    return save_preview(path, item.todo.pixels, item.detections, [c.colour if c else None for c in item.colours])
