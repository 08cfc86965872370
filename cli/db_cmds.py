"""``shopgraph db ...``: the schema, a bulk first load, and dumps of the local database."""

from __future__ import annotations

from pathlib import Path

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import info, json_option, print_json, print_pairs, print_table, spinner
from shopgraph.graphstore.core.schema import MIGRATIONS, init_schema

EXIT_ROWS_REJECTED = 8
"""Exit code of ``db import`` when at least one row was rejected (as for ``ingest``)."""


@click.group()
def db() -> None:
    """The graph schema, a bulk first load, and dumps of the local database."""


@db.command()
@json_option
def init(as_json: bool) -> None:
    """Create constraints and indexes (versioned migrations) and seed the vocabulary.

    Idempotent: run it as often as you like; only new migrations are applied.

    \b
    Example:
      shopgraph db init
    """
    config = settings()
    with driver(config) as handle:
        report = init_schema(handle, config.database)
    if as_json:
        print_json(report)
        return
    applied = ", ".join(f"{v} ({MIGRATIONS[v - 1].name})" for v in report.applied) or "none (up to date)"
    print_pairs(
        {
            "schema version": report.version,
            "migrations applied now": applied,
            "vocabulary terms": report.vocabulary_terms,
        },
        title="Schema",
    )


_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@db.command(name="import")
@click.option(
    "--catalog", "catalogs", type=_FILE, multiple=True, help="Catalog file (Myntra, H&M or generic; repeatable)."
)
@click.option("--customers", type=_FILE, default=None, help="Customers file (H&M or generic; detected).")
@click.option("--purchases", type=_FILE, default=None, help="Purchases file (H&M or generic; detected).")
@click.option("--source", default=None, help="Source name used in ids (<source>:<id>); default: the format.")
@click.option("--encoding", metavar="NAME", default=None, help="Text encoding of the files; default UTF-8.")
@click.option(
    "--work-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Where the import CSVs go. Default: <home>/neo4j/import/bulk",
)
@click.option("--keep-csv", is_flag=True, help="Keep the import CSVs afterwards.")
@json_option
def import_cmd(
    catalogs: tuple[Path, ...],
    customers: Path | None,
    purchases: Path | None,
    source: str | None,
    encoding: str | None,
    work_dir: Path | None,
    keep_csv: bool,
    as_json: bool,
) -> None:
    """Bulk first load of the local server with neo4j-admin import: fast, offline, into an empty database.

    Reads the files through the same readers as `shopgraph ingest`, writes the same ids,
    properties and facts (with provenance) as neo4j-admin CSVs, stops the server, imports, starts
    it, runs the migrations and waits for every index to come online. Rejected rows go to the
    same reports as with `ingest` (exit code 8). Refused on an external server (NEO4J_URI, exit
    2) and on a database that holds data (exit 11): later files go in with `shopgraph ingest`.

    \b
    Example:
      shopgraph db import --catalog ../shared/datasets/myntra/styles.csv \\
        --catalog ../shared/datasets/hm/articles.csv \\
        --customers ../shared/datasets/hm/customers.csv \\
        --purchases ../shared/datasets/hm/transactions.csv
    """
    from shopgraph.graphstore.ingest import bulk
    from shopgraph.graphstore.ingest import loader as lib

    if not (catalogs or customers or purchases):
        raise click.UsageError("give at least one of --catalog, --customers, --purchases")
    # A file that is not text, or of no known format, fails here: before the server is touched.
    resolved = [lib.resolve_input("catalog", path, "auto", source, encoding) for path in catalogs]
    people = lib.resolve_input("customers", customers, "auto", source, encoding) if customers else None
    bought = lib.resolve_input("purchases", purchases, "auto", source, encoding) if purchases else None
    with spinner("bulk import") as update:
        report = bulk.bulk_import(
            settings(),
            resolved,
            people,
            bought,
            work_folder=work_dir,
            keep_files=keep_csv,
            progress=update,
        )
    if as_json:
        print_json(report)
    else:
        print_table(
            [
                {
                    "file": Path(f.file).name,
                    "kind": f.kind,
                    "format": f.format,
                    "read": f.read,
                    "loaded": f.loaded,
                    "repaired": f.repaired,
                    "rejected": f.rejected,
                }
                for f in report.files
            ],
            title="Bulk import: files",
        )
        print_pairs(
            {
                **{f"nodes {k}": v for k, v in report.nodes.items()},
                **{f"relationships {k}": v for k, v in report.relationships.items()},
                **{f"seconds {k}": v for k, v in report.seconds.items()},
                "neo4j-admin peak memory (MB)": round(report.import_peak_rss_bytes / 1e6),
                "CSV (MB)": round(report.csv_bytes / 1e6),
                "store (MB)": round(report.store_bytes / 1e6),
            },
            title=f"Imported into {report.database}",
        )
        for f in report.files:
            if f.rejects_file:
                info(f"rejected/repaired rows of {Path(f.file).name} are listed in {f.rejects_file}")
    if report.rejected:
        raise SystemExit(EXIT_ROWS_REJECTED)


@db.command()
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@json_option
def dump(path: Path, as_json: bool) -> None:
    """Dump the local database to one file in Neo4j's dump format (neo4j-admin database dump).

    The server is stopped for the dump and started again. The file loads into any Neo4j 5
    (`neo4j-admin database load`, Docker, a cluster, Aura's import) or back with `db load`.

    \b
    Example:
      shopgraph db dump backups/shopgraph.dump
    """
    from shopgraph.graphstore.server import admin

    with spinner("dumping the database"):
        report = admin.dump_database(settings(), path)
    if as_json:
        print_json(report)
        return
    print_pairs(
        {
            "database": report.database,
            "file": report.path,
            "MB": round(report.bytes / 1e6, 1),
            "seconds": round(report.seconds, 1),
        },
        title="Dumped",
    )


@db.command()
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--overwrite", is_flag=True, help="Replace the existing database (its data is lost).")
@json_option
def load(path: Path, overwrite: bool, as_json: bool) -> None:
    """Load a dump file into the local database (neo4j-admin database load), replacing it.

    The server is stopped for the load and started again. Without --overwrite an existing
    database is kept and the command fails (exit 11).

    \b
    Example:
      shopgraph db load backups/shopgraph.dump --overwrite
    """
    from shopgraph.graphstore.server import admin

    with spinner("loading the dump"):
        report = admin.load_database(settings(), path, overwrite=overwrite)
    if as_json:
        print_json(report)
        return
    print_pairs(
        {"database": report.database, "file": report.path, "seconds": round(report.seconds, 1)},
        title="Loaded",
    )
