"""``shopgraph ingest ...``: catalogs, customers and purchases into the graph."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import info, json_option, print_json, print_pairs, progress_bar
from shopgraph.graphstore.ingest import loader as lib

EXIT_ROWS_REJECTED = 8


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
            click.option("--batch-size", type=click.IntRange(1), default=None, help="Rows per transaction."),
            json_option,
        ]
        for option in reversed(options):
            f = option(f)
        return f

    return wrap


def _run(
    kind: lib.Kind,
    ingest: Callable[..., lib.IngestReport],
    path: Path,
    fmt: str,
    source: str | None,
    rejects: Path | None,
    batch_size: int | None,
    as_json: bool,
) -> None:
    config = settings()
    rejects = rejects or lib.default_rejects_path(config.home, kind, path)
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
        )
    if as_json:
        print_json(report.as_dict())
    else:
        w = report.write
        pairs: dict[str, Any] = {
            "file": report.file,
            "format": report.format,
            "rows loaded": report.loaded,
            "rows rejected": report.rejected,
            "rows repaired": report.repaired,
            "nodes created": w.nodes_created,
            "relationships created": w.relationships_created,
            "relationships deleted": w.relationships_deleted,
            "properties set": w.properties_set,
            "batches": w.batches,
            "seconds": round(w.seconds, 2),
            "rows/s": round(report.loaded / w.seconds) if w.seconds else "",
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

    Re-running the same file changes nothing. Bad rows are skipped and listed,
    with file, line and reason, in a rejects report; the exit code is then 8.
    Photos that cannot be read are listed with the reason; the exit code is then 9.
    """


@ingest.command()
@_options(lib.FORMATS["catalog"])
def catalog(
    path: Path, fmt: str, source: str | None, rejects: Path | None, batch_size: int | None, as_json: bool
) -> None:
    """Load a product catalog: Myntra styles.csv, H&M articles.csv, or the generic CSV/JSON Lines format.

    \b
    Example:
      shopgraph ingest catalog ../shared/datasets/myntra/styles.csv
      shopgraph ingest catalog my_products.jsonl --source mystore
    """
    _run("catalog", lib.ingest_catalog, path, fmt, source, rejects, batch_size, as_json)


@ingest.command()
@_options(lib.FORMATS["customers"])
def customers(
    path: Path, fmt: str, source: str | None, rejects: Path | None, batch_size: int | None, as_json: bool
) -> None:
    """Load customers: H&M customers.csv or a generic CSV (id, age).

    \b
    Example:
      shopgraph ingest customers ../shared/datasets/hm/customers.csv
    """
    _run("customers", lib.ingest_customers, path, fmt, source, rejects, batch_size, as_json)


@ingest.command()
@_options(lib.FORMATS["purchases"])
def purchases(
    path: Path, fmt: str, source: str | None, rejects: Path | None, batch_size: int | None, as_json: bool
) -> None:
    """Load purchases: H&M transactions.csv or a generic CSV (date, customer_id, product_id, price, channel).

    Purchases of products the catalog does not list are kept; the products are
    marked inCatalog=false and counted in the report.

    \b
    Example:
      shopgraph ingest purchases ../shared/datasets/hm/transactions.csv
    """
    _run("purchases", lib.ingest_purchases, path, fmt, source, rejects, batch_size, as_json)


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
