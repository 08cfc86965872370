"""``shopgraph ingest images`` and ``shopgraph similar``: photos into the graph, and similar products.

``similar`` finds products like a catalog product (:mod:`graphstore.recommend`) or, with
``--image``, like the objects in a photo (visual search, :mod:`vision.search`).

The vision plugin (torch, Ultralytics) is imported inside the commands, so that ``shopgraph``
starts fast and works without the ``vision`` extra for everything else.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.recommend_cmds import print_similar
from shopgraph.cli.render import console, info, json_option, print_json, print_pairs, print_table, progress_bar
from shopgraph.graphstore.core.config import Settings
from shopgraph.relational.recommend import SIMILAR_BY
from shopgraph.relational.recommend import similar as similar_to_product

if TYPE_CHECKING:
    from shopgraph.vision.ingest import Depiction, ImageIngestReport

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
    from shopgraph.vision.ingest import expand_paths, ingest_images, load_product_map

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
@click.argument("product", required=False)
@click.option(
    "--by",
    type=click.Choice(SIMILAR_BY),
    default=None,
    help="With PRODUCT: rank by embedding, shared attributes, or both combined (default).",
)
@click.option(
    "--image",
    "image_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Search with this photo instead of a PRODUCT (visual search).",
)
@click.option(
    "-k",
    "k",
    type=click.IntRange(1),
    default=None,
    help="Products to show: default 10 for PRODUCT, 5 per detected object with --image.",
)
@_model_option
@json_option
def similar(
    product: str | None, by: str | None, image_path: Path | None, k: int | None, model_path: Path | None, as_json: bool
) -> None:
    """Find catalog products similar to a catalog PRODUCT, or to the objects in a photo (--image).

    For a PRODUCT, similarity is by embedding (mean cosine of the text, photo and recommender
    vectors both products have), by shared attributes (weighted Jaccard index of brand, category,
    colour, material, style and pattern), or both combined; each result lists the shared facts.
    With --image, every object the detector finds in the photo is compared with the detections of
    the catalog photos ingested with `shopgraph ingest images`; a photo with no detected object is
    compared as a whole. Those scores are (1 + cosine) / 2 of EfficientNet-Lite0 embeddings.

    \b
    Examples:
      shopgraph similar myntra:15970 --by attributes -k 5
      shopgraph similar --image street_photo.jpg -k 3
    """
    if product is not None and image_path is not None:
        raise click.UsageError("give either a PRODUCT id or --image PHOTO, not both")
    if image_path is not None and by is not None:
        raise click.UsageError("--by ranks catalog similarity of a PRODUCT; --image searches by photo")
    if product is not None and model_path is not None:
        raise click.UsageError("--model is the detector for --image; a PRODUCT needs none")
    config = settings()
    if product is not None:
        with driver(config) as handle:
            items = similar_to_product(handle, product, by or "combined", k or 10, database=config.database)
        if as_json:
            print_json(items)
        else:
            print_similar(product, by or "combined", items)
        return
    if image_path is None:
        raise click.UsageError("give a PRODUCT id, or --image PHOTO")
    _visual_search(config, image_path, k or 5, model_path, as_json)


def _visual_search(config: Settings, image_path: Path, k: int, model_path: Path | None, as_json: bool) -> None:
    from shopgraph.vision.search import similar_products

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
