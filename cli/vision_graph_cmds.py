"""``shopgraph ingest images`` and ``shopgraph similar``: photos into the graph, and visual search.

The vision plugin (torch, Ultralytics) is imported inside the commands, so that ``shopgraph``
starts fast and works without the ``vision`` extra for everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from .common import driver, settings
from .render import console, info, json_option, print_json, print_pairs, print_table, progress_bar

if TYPE_CHECKING:
    from vision.ingest import Depiction, ImageIngestReport

EXIT_FILES_FAILED = 9
"""Exit code of ``ingest images`` when at least one file could not be read as an image."""

_model_option = click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="YOLO segmentation weights (.pt). Default: vision/models/shopgraph-seg.pt",
)


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@_model_option
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=32,
    show_default=True,
    help="Images per batch (detector and write transaction).",
)
@click.option("--reprocess", is_flag=True, help="Process images this model version has already processed.")
@click.option(
    "--save-previews",
    "previews_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write a preview (masks, boxes, labels) of every processed image into this folder.",
)
@click.option(
    "--map",
    "map_csv",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="CSV with columns path,product_id naming the product each photo shows.",
)
@json_option
def images(
    paths: tuple[str, ...],
    model_path: Path | None,
    batch_size: int,
    reprocess: bool,
    previews_dir: Path | None,
    map_csv: Path | None,
    as_json: bool,
) -> None:
    """Detect, segment, colour-match and embed photos, and write them as Image and Detection nodes.

    PATH is a file, a folder (searched recursively for images) or a glob pattern. Photos
    laid out like the catalogs' (Myntra images/<id>.jpg, H&M images/<3 digits>/<article_id>.jpg)
    or listed in --map are linked to their product, with whether the detection agrees with the
    catalog's category and colour. Images this model version has processed are skipped, so an
    interrupted run continues where it stopped. Exit code 0 when every file was read, 9 when
    some could not be (each is listed with its reason).

    \b
    Example:
      shopgraph ingest images ../shared/datasets/myntra/images --save-previews previews/
      shopgraph ingest images 'photos/*.jpg' --map photos/products.csv --json
    """
    from vision.ingest import expand_paths, ingest_images, load_product_map

    config = settings()
    product_map = load_product_map(map_csv) if map_csv else None
    files, problems = expand_paths(paths)
    with driver(config) as handle, progress_bar("images", len(files) + len(problems)) as update:
        report = ingest_images(
            handle,
            paths,
            model_path=model_path,
            batch_size=batch_size,
            reprocess=reprocess,
            previews_dir=previews_dir,
            product_map=product_map,
            progress=update,
            database=config.database,
        )
    if as_json:
        print_json(report)
    else:
        _print_report(report)
    if report.failed:
        raise SystemExit(EXIT_FILES_FAILED)


def _print_report(report: ImageIngestReport) -> None:
    """The summary table, the disagreements with the catalog, and the failed files."""
    depictions = report.depictions
    per_image = {stage: seconds / report.ok * 1000 for stage, seconds in report.timings.items()} if report.ok else {}
    print_pairs(
        {
            "model version": report.model_version,
            "files seen": report.files_seen,
            "processed": report.ok,
            "skipped (done before)": report.skipped,
            "failed": len(report.failed),
            "detections written": report.detections_written,
            "images without detections": report.images_without_detections,
            "images of catalog products": report.depicted,
            "category agrees / disagrees": _agreement(depictions, "category_agrees"),
            "colour agrees / disagrees": _agreement(depictions, "colour_agrees"),
            "nodes created": report.write.nodes_created,
            "relationships created": report.write.relationships_created,
            "ms per processed image": ", ".join(f"{k} {v:.0f}" for k, v in per_image.items()),
            "seconds": round(report.seconds, 2),
        },
        title="Ingested images",
    )
    disagreements = [d for d in depictions if d.category_agrees is False or d.colour_agrees is False]
    if disagreements:
        print_table(
            [
                {
                    "product": d.product,
                    "detected category": d.detected_category,
                    "category agrees": d.category_agrees,
                    "detected colour": d.detected_colour,
                    "colour agrees": d.colour_agrees,
                }
                for d in disagreements[:20]
            ],
            title=f"Photos that disagree with the catalog ({len(disagreements)}; first 20)",
        )
    for failure in report.failed:
        info(f"failed: {failure.path}: {failure.reason}")


def _agreement(depictions: Sequence[Depiction], flag: str) -> str:
    values = [getattr(d, flag) for d in depictions]
    return f"{values.count(True)} / {values.count(False)}"


@click.command()
@click.option(
    "--image",
    "image_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The photo to search with.",
)
@click.option("-k", "k", type=click.IntRange(1), default=5, show_default=True, help="Products per detected object.")
@_model_option
@json_option
def similar(image_path: Path, k: int, model_path: Path | None, as_json: bool) -> None:
    """Find the catalog products that look like the objects in a photo (visual search).

    Every object the detector finds in the photo is compared with the detections of the
    catalog photos ingested with `shopgraph ingest images`; a photo with no detected
    object is compared as a whole. Scores are (1 + cosine) / 2 of EfficientNet-Lite0 embeddings.

    \b
    Example:
      shopgraph similar --image street_photo.jpg -k 3
    """
    from vision.search import similar_products

    config = settings()
    with driver(config) as handle:
        results = similar_products(handle, image_path, k=k, model_path=model_path, database=config.database)
    if as_json:
        print_json(results)
        return
    for result in results:
        if result.index is None:
            title = "the whole photo (no object detected)"
        else:
            title = f"object {result.index}: {result.class_name} {result.confidence:.2f}, colour {result.colour}"
        rows = [
            {
                "product": m.product,
                "name": m.name,
                "brand": m.brand,
                "category": m.category,
                "colour": m.colour,
                "score": m.score,
            }
            for m in result.matches
        ]
        if rows:
            print_table(rows, title=title)
        else:
            console.print(f"{title}: no catalog photo found; ingest catalog photos first")
