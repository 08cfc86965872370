"""``shopgraph ingest ...``: catalogs, customers, purchases, policies and product photos into the graph.

The vision plugin (``ingest images``: torch, Ultralytics) and the assistant (``ingest policies``)
are imported inside their commands, so that the other commands start without them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from shopgraph.cli.common import driver, model_option, settings
from shopgraph.cli.render import (
    info,
    json_option,
    library_chatter_to_stderr,
    print_json,
    print_pairs,
    print_table,
    progress_bar,
)
from shopgraph.graphstore.core.defaults import VISION
from shopgraph.graphstore.core.errors import Busy, InputError
from shopgraph.graphstore.core.locks import hold
from shopgraph.graphstore.ingest import loader as lib
from shopgraph.graphstore.ingest.readers.textfile import check_encoding

if TYPE_CHECKING:
    from shopgraph.vision.ingest import Depiction, ImageIngestReport

EXIT_ROWS_REJECTED = 8
"""Exit code of ``ingest catalog|customers|purchases`` when at least one row was rejected."""
EXIT_FILES_FAILED = 9
"""Exit code of ``ingest images`` when at least one file could not be read as an image."""


def _encoding(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--encoding``'s codec name; a usage error (exit 2) for a name Python does not know."""
    try:
        return check_encoding(value) if value else None
    except InputError as e:
        raise click.BadParameter(str(e)) from None


def _options(formats: tuple[str, ...]) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """The arguments and options shared by the three ingest commands."""

    def wrap(f: Callable[..., Any]) -> Callable[..., Any]:
        options: list[Callable[[Callable[..., Any]], Callable[..., Any]]] = [
            click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
            click.option(
                "--format",
                "fmt",
                type=click.Choice(("auto", *formats)),
                default="auto",
                show_default=True,
                help="Input format; auto detects it from the header.",
            ),
            click.option(
                "--source", default=None, help="Source name used in ids (<source>:<id>); default: the format."
            ),
            click.option(
                "--rejects",
                type=click.Path(dir_okay=False, path_type=Path),
                default=None,
                help="Rejects report (CSV). Default: <home>/reports/rejects-<kind>-<file>.csv",
            ),
            click.option(
                "--encoding",
                metavar="NAME",
                default=None,
                callback=_encoding,
                help="Text encoding of the file (cp1252, latin-1, gb18030, ...). "
                "Default: UTF-8, or UTF-16/32 when the file starts with a byte-order mark.",
            ),
            click.option("--batch-size", type=click.IntRange(1), default=None, help="Rows per transaction."),
            json_option,
        ]
        for option in reversed(options):
            f = option(f)
        return f

    return wrap


pseudonymise_option = click.option(
    "--pseudonymise",
    is_flag=True,
    help="Replace customer ids by keyed pseudonyms (HMAC-SHA256 with <home>/pseudonym-key, made on "
    "first use, mode 0600); the same id always gets the same pseudonym. Rejected lines are not copied "
    "into the rejects report. See docs/privacy.md.",
)
"""``--pseudonymise`` of ``ingest customers`` and ``ingest purchases``."""


def _run(
    kind: lib.Kind,
    ingest: Callable[..., lib.IngestReport],
    path: Path,
    fmt: str,
    source: str | None,
    rejects: Path | None,
    encoding: str | None,
    batch_size: int | None,
    as_json: bool,
    pseudonymise: bool = False,
) -> None:
    config = settings()
    rejects = rejects or lib.default_rejects_path(config.home, kind, path)
    # A file that is not text, or not of the format, fails here: before a server or a progress bar.
    fmt = lib.check_input(path, kind, fmt, encoding)
    extra: dict[str, Any] = {}
    if pseudonymise:
        from shopgraph.graphstore.core.pseudonym import Pseudonymiser, secret_bytes

        extra["pseudonymiser"] = Pseudonymiser(secret_bytes(config.pseudonym_key_file))
    with driver(config) as handle, progress_bar(f"{kind} {path.name}", lib.count_rows(path)) as update:
        report = ingest(
            handle,
            path,
            fmt=fmt,
            source=source,
            rejects_path=rejects,
            batch_size=batch_size or config.batch_size,
            progress=update,
            database=config.database,
            encoding=encoding,
            **extra,
        )
    if as_json:
        print_json(report.as_dict())
    else:
        w = report.write
        pairs: dict[str, Any] = {
            "file": report.file,
            "format": report.format,
            "rows read": report.read,
            "rows loaded": report.loaded,
            "rows repaired (loaded after a repair)": report.repaired,
            "rows rejected": report.rejected,
            "nodes created": w.nodes_created,
            "relationships created": w.relationships_created,
            "relationships deleted": w.relationships_deleted,
            "properties set": w.properties_set,
            "batches": w.batches,
            "seconds": round(w.seconds, 2),
            "rows/s": round(report.written / w.seconds) if w.seconds else "",
        }
        pairs.update({k: v for k, v in report.extra.items()})
        print_pairs(pairs, title=f"Ingested {kind}")
        for line in report.first_errors:
            info(f"  {line}")
        if report.rejects_file:
            info(f"rejected/repaired rows are listed in {report.rejects_file}")
    if report.rejected:
        raise SystemExit(EXIT_ROWS_REJECTED)


@click.group()
def ingest() -> None:
    """Load catalogs, customers, purchases and product photos into the graph.

    Re-running the same file changes nothing. Every row read is loaded, repaired or
    rejected (read = loaded + repaired + rejected). Bad rows are skipped and listed,
    with file, line and reason, in a rejects report; the exit code is then 8. A file
    that is not text, or lacks the columns its format needs, loads nothing: exit 5.
    Photos that cannot be read are listed with the reason; the exit code is then 9.
    """


@ingest.command()
@_options(lib.FORMATS["catalog"])
def catalog(
    path: Path,
    fmt: str,
    source: str | None,
    rejects: Path | None,
    encoding: str | None,
    batch_size: int | None,
    as_json: bool,
) -> None:
    """Load a product catalog: Myntra styles.csv, H&M articles.csv, or the generic CSV/JSON Lines format.

    \b
    Example:
      shopgraph ingest catalog ../shared/datasets/myntra/styles.csv
      shopgraph ingest catalog my_products.jsonl --source mystore
    """
    _run("catalog", lib.ingest_catalog, path, fmt, source, rejects, encoding, batch_size, as_json)


@ingest.command()
@_options(lib.FORMATS["customers"])
@pseudonymise_option
def customers(
    path: Path,
    fmt: str,
    source: str | None,
    rejects: Path | None,
    encoding: str | None,
    batch_size: int | None,
    as_json: bool,
    pseudonymise: bool,
) -> None:
    """Load customers: H&M customers.csv or a generic CSV (id, age).

    \b
    Examples:
      shopgraph ingest customers ../shared/datasets/hm/customers.csv
      shopgraph ingest customers customers.csv --pseudonymise
    """
    _run("customers", lib.ingest_customers, path, fmt, source, rejects, encoding, batch_size, as_json, pseudonymise)


@ingest.command()
@_options(lib.FORMATS["purchases"])
@pseudonymise_option
def purchases(
    path: Path,
    fmt: str,
    source: str | None,
    rejects: Path | None,
    encoding: str | None,
    batch_size: int | None,
    as_json: bool,
    pseudonymise: bool,
) -> None:
    """Load purchases: H&M transactions.csv or a generic CSV (date, customer_id, product_id, price, channel).

    Purchases of products the catalog does not list are kept; the products are
    marked inCatalog=false and counted in the report.

    \b
    Examples:
      shopgraph ingest purchases ../shared/datasets/hm/transactions.csv
      shopgraph ingest purchases transactions.csv --pseudonymise
    """
    _run("purchases", lib.ingest_purchases, path, fmt, source, rejects, encoding, batch_size, as_json, pseudonymise)


@ingest.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path), required=False)
@json_option
def policies(path: Path | None, as_json: bool) -> None:
    """Load the shop's returns, sizes and delivery policies (CSV) as Policy nodes for `shopgraph ask`.

    Columns: id, kind (returns/sizes/delivery), title, applies_to (category:<id>|brand:<name>,
    empty for the shop-wide default), returnable, days, min_days, text. Without PATH, the
    example policies shipped in assistant/data/policies.csv are loaded. Re-running changes nothing.

    \b
    Example:
      shopgraph ingest policies
      shopgraph ingest policies my_policies.csv --json
    """
    from shopgraph.assistant.policies import load_policies

    config = settings()
    with driver(config) as handle:
        report = load_policies(handle, path, config.database)
    if as_json:
        print_json(report)
    else:
        print_pairs(
            {"file": report.file, "policies": report.policies, "links": report.links}, title="Ingested policies"
        )


@ingest.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@model_option
@click.option(
    "--batch-size",
    type=click.IntRange(1),
    default=VISION.ingest_batch_size,
    show_default=True,
    help="Images per batch (detector and write transaction).",
)
@click.option("--reprocess", is_flag=True, help="Process images this model version has already processed.")
@click.option(
    "--wait",
    is_flag=True,
    help=f"If another run is ingesting in one of these folders, wait for it (instead of exit code {Busy.exit_code}).",
)
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
    wait: bool,
    previews_dir: Path | None,
    map_csv: Path | None,
    as_json: bool,
) -> None:
    """Detect, segment, colour-match and embed photos, and write them as Image and Detection nodes.

    PATH is a file, a folder (searched recursively for images) or a glob pattern. Photos
    laid out like the catalogs' (Myntra images/<id>.jpg, H&M images/<3 digits>/<article_id>.jpg)
    or listed in --map are linked to their product, with whether the detection agrees with the
    catalog's category and colour. Images this model version has processed are skipped, so an
    interrupted run continues where it stopped. Every path named or found counts in "files
    seen"; one that cannot be read (not an image, a dangling link, a folder or pipe named like a
    photo) is listed under failed with its reason. Exit code 0 when every file was read, 9 when
    some could not be. One run at a time works in a folder: a second run in it exits with code 10,
    saying which run holds it, unless --wait.

    \b
    Example:
      shopgraph ingest images ../shared/datasets/myntra/images --save-previews previews/
      shopgraph ingest images 'photos/*.jpg' --map photos/products.csv --json
    """
    from shopgraph.vision.ingest import expand_paths, ingest_images, load_product_map
    from shopgraph.vision.photo_paths import folders_of

    config = settings()
    product_map = load_product_map(map_csv) if map_csv else None
    files, problems = expand_paths(paths)
    with (
        hold(config.home, "images", folders_of(paths), "shopgraph ingest images", wait=wait, waiting=info),
        library_chatter_to_stderr(),
        driver(config) as handle,
        progress_bar("images", len(files) + len(problems)) as update,
    ):
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
