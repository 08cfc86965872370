"""Bulk first load: the readers' records turned into neo4j-admin import CSVs and imported offline.

The online loader (``graphstore.ingest.loader``) writes through Cypher in batches; this path writes
the same records, through the same row builders (``product_facts``, ``product_row``,
``fact_row``, ``customer_row``, ``purchase_rows``), into typed CSVs (``bulk_csv``) and runs
``neo4j-admin database import full`` on the stopped local server. The graph it builds is the one
the online loader builds from the same files: the same ids (so later online loads of the same or
newer files merge into it), the same properties and facts with their provenance; afterwards the
migrations run (constraints, indexes, vector indexes), the vocabulary is seeded as ``db init``
seeds it, and the import waits for every index to come online.

Differences from the online loader, all of them about inputs the online loader would merge:

* a catalog or customers row repeating an id already read is rejected (to the same rejects
  report, with the reason); the online loader lets the last row win;
* departments, brands and source categories keep the properties of their first row.

Only the id sets of products and customers are held in memory (to create the stub nodes the online
loader creates for purchases of unknown products and customers); rows are streamed.
"""

from __future__ import annotations

import resource
import shutil
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neo4j import Driver

from shopgraph.cypher.internal import graphstore as q
from shopgraph.cypher.internal import schema as sq
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.connection import connect
from shopgraph.graphstore.core.defaults import ADMIN
from shopgraph.graphstore.core.errors import ConfigError, NotEmpty
from shopgraph.graphstore.core.graph_model import FACT_TYPES, VOCABULARY_LABELS
from shopgraph.graphstore.core.runner import WriteSummary, chunks, read, write
from shopgraph.graphstore.core.schema import SchemaReport, init_schema
from shopgraph.graphstore.core.vocab import Vocabulary, load_vocabulary
from shopgraph.graphstore.ingest.bulk_csv import ARRAY_DELIMITER_OPTION, CsvTable
from shopgraph.graphstore.ingest.facts import CustomerRecord, ProductRecord, PurchaseRecord
from shopgraph.graphstore.ingest.loader import (
    IngestReport,
    InputFile,
    brand_rows,
    customer_row,
    default_rejects_path,
    fact_row,
    file_report,
    product_facts,
    product_row,
    purchase_rows,
    read_records,
    source_category_rows,
)
from shopgraph.graphstore.ingest.readers import RejectLog
from shopgraph.graphstore.server import admin, local

Progress = Callable[[str], None] | None

# Labels a database holds right after `db init`: it counts as empty for a first load.
SCHEMA_LABELS: tuple[str, ...] = (*VOCABULARY_LABELS, "SchemaMigration")
_PURCHASE_BATCH = 5000


@dataclass(frozen=True)
class BulkImportReport:
    """What a bulk first load did, step by step.

    ``files`` has one report per input file (``write.rows`` rows went into the import;
    ``write.nodes_created`` / ``relationships_created`` are what that file added to it).
    ``nodes`` and ``relationships`` count the import's rows per label and type (the vocabulary's
    term nodes included, its tree edges, seeded afterwards, not). Seconds: ``prepare`` (reading
    the files and writing the CSVs), ``import`` (neo4j-admin), ``start`` (starting the server),
    ``schema`` (migrations, vocabulary, every index online), ``total``. Memory: the peak resident
    set of the neo4j-admin JVM and of this Python process. Disk: the CSVs (removed afterwards
    unless kept) and the database store after the import.
    """

    database: str
    files: list[IngestReport]
    nodes: dict[str, int]
    relationships: dict[str, int]
    schema: SchemaReport
    seconds: dict[str, float]
    import_peak_rss_bytes: int
    python_peak_rss_bytes: int
    csv_bytes: int
    store_bytes: int
    csv_folder: str | None

    @property
    def rejected(self) -> int:
        """Rows rejected over all files."""
        return sum(f.rejected for f in self.files)


@dataclass
class _Tables:
    """Every import table of a first load, created on first use."""

    folder: Path
    tables: dict[str, CsvTable] = field(default_factory=dict)

    def nodes(self, name: str, label: str) -> CsvTable:
        return self._table(name, "nodes", label, [f"id:ID({label})"], {})

    def rels(self, name: str, rel: str, start: str, end: str, fixed: dict[str, str] | None = None) -> CsvTable:
        return self._table(name, "relationships", rel, [f":START_ID({start})", f":END_ID({end})"], fixed or {})

    def _table(self, name: str, kind: str, label: str, keys: list[str], fixed: dict[str, str]) -> CsvTable:
        if name not in self.tables:
            self.tables[name] = CsvTable(self.folder, name, kind, label, keys, fixed)
        return self.tables[name]

    def close(self) -> None:
        for table in self.tables.values():
            table.close()

    def counts(self, kind: str) -> dict[str, int]:
        found: dict[str, int] = {}
        for table in self.tables.values():
            if table.kind == kind:
                found[table.label] = found.get(table.label, 0) + table.rows
        return dict(sorted(found.items()))


class ImportWriter:
    """Turns the readers' records into import tables under ``folder``, as the online loader would write them.

    Feed it the catalog, then customers, then purchases (purchases need the product and customer
    ids read before them); then :meth:`finish`. The constructor only creates the folder.
    """

    def __init__(self, folder: Path, vocab: Vocabulary) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        self._t = _Tables(folder)
        self._vocab = vocab
        self._products: set[str] = set()
        self._customers: set[str] = set()
        self._brands: dict[str, dict[str, Any]] = {}
        self._departments: dict[str, dict[str, Any]] = {}
        self._categories: dict[str, dict[str, Any]] = {}
        self._category_edges: set[tuple[str, str]] = set()
        self._mappings: set[tuple[str, str]] = set()
        self._brand_edges: set[tuple[str, str]] = set()
        self._targets: dict[str, set[str]] = {label: set(terms) for label, terms in vocab.terms.items()}
        for label, ids in self._targets.items():
            table = self._t.nodes(f"vocab-{label}", label)
            for term in sorted(ids):
                # Only the key: `init_schema` afterwards sets names, synonyms and colours as `db init` does.
                table.add([term], {})

    def catalog(self, records: Iterable[ProductRecord], rejects: RejectLog, file: InputFile) -> WriteSummary:
        """Write the products, their facts, brands, departments and source categories; duplicates are rejected."""
        summary = WriteSummary()
        products = self._t.nodes("products", "Product")
        for record in records:
            if record.id in self._products:
                rejects.reject(file.path.name, record.line, _duplicate("product", record.id), "")
                continue
            self._products.add(record.id)
            merged = product_facts(record)
            self._collect_product_nodes(record)
            row = product_row(record, merged)
            products.add(
                [record.id],
                {
                    "source": row["source"],
                    "sourceId": row["sourceId"],
                    "name": row["name"],
                    "sourceFile": row["sourceFile"],
                    "sourceLine": row["line"],
                    "inCatalog": True,
                    **row["props"],
                },
            )
            summary.nodes_created += 1
            for fact in merged:
                target_label = FACT_TYPES[fact.rel]
                # The online loader MATCHes the target: a fact naming no known node is not written.
                if fact.target not in self._targets.get(target_label, ()):
                    continue
                values = fact_row(record, fact)
                table = self._t.rels(f"fact-{fact.rel}", fact.rel, "Product", target_label)
                table.add(
                    [record.id, fact.target],
                    {k: values[k] for k in ("rule", "rules", "confidence", "source")},
                )
                summary.relationships_created += 1
            summary.rows += 1
        return summary

    def _collect_product_nodes(self, record: ProductRecord) -> None:
        for brand in brand_rows(record):
            self._brands.setdefault(brand["id"], {"name": brand["name"]})
            if brand["parent"] is not None:
                self._brands.setdefault(brand["parent"], {"name": brand["parentName"]})
                self._brand_edges.add((brand["id"], brand["parent"]))
        self._targets.setdefault("Brand", set()).update(self._brands)
        if record.department is not None:
            props = {k: v for k, v in record.department.items() if k != "id"}
            self._departments.setdefault(record.department["id"], props)
            self._targets.setdefault("Department", set()).add(record.department["id"])
        for category in source_category_rows(record):
            self._categories.setdefault(category["id"], {k: category[k] for k in ("source", "field", "name")})
            self._targets.setdefault("SourceCategory", set()).add(category["id"])
            if category["parent"] is not None:
                self._category_edges.add((category["id"], category["parent"]))
            if category["category"] in self._targets.get("Category", ()):
                self._mappings.add((category["id"], category["category"]))

    def customers(self, records: Iterable[CustomerRecord], rejects: RejectLog, file: InputFile) -> WriteSummary:
        """Write the customers of a customers file; duplicates are rejected."""
        summary = WriteSummary()
        table = self._t.nodes("customers", "Customer")
        for record in records:
            if record.id in self._customers:
                rejects.reject(file.path.name, record.line, _duplicate("customer", record.id), "")
                continue
            self._customers.add(record.id)
            row = customer_row(record)
            table.add(
                [record.id],
                {"source": row["source"], "sourceFile": row["sourceFile"], "inCustomerFile": True, **row["props"]},
            )
            summary.rows += 1
            summary.nodes_created += 1
        return summary

    def purchases(self, records: Iterable[PurchaseRecord]) -> tuple[WriteSummary, dict[str, int]]:
        """Write the purchases, with stub products and customers for ids no file listed; the coverage counts."""
        summary = WriteSummary()
        table = self._t.rels("purchased", "PURCHASED", "Customer", "Product", {"date": "date"})
        product_stubs = self._t.nodes("product-stubs", "Product")
        customer_stubs = self._t.nodes("customer-stubs", "Customer")
        catalog_products = set(self._products)
        coverage = dict.fromkeys(
            (
                "purchases",
                "purchasesOfCatalogProducts",
                "purchasesOfUnknownProducts",
                "unknownProducts",
                "unknownCustomers",
            ),
            0,
        )
        for batch in chunks(records, _PURCHASE_BATCH):
            for row in purchase_rows(batch):
                if row["customer"] not in self._customers:
                    self._customers.add(row["customer"])
                    customer_stubs.add([row["customer"]], {"source": row["source"], "inCustomerFile": False})
                    summary.nodes_created += 1
                    coverage["unknownCustomers"] += 1
                if row["product"] not in self._products:
                    self._products.add(row["product"])
                    product_stubs.add(
                        [row["product"]],
                        {"source": row["source"], "sourceId": row["productSourceId"], "inCatalog": False},
                    )
                    summary.nodes_created += 1
                    coverage["unknownProducts"] += 1
                known = row["product"] in catalog_products
                coverage["purchases"] += 1
                coverage["purchasesOfCatalogProducts" if known else "purchasesOfUnknownProducts"] += 1
                table.add(
                    [row["customer"], row["product"]],
                    {
                        "id": row["id"],
                        "date": row["date"],
                        "price": row["price"],
                        "channel": row["channel"],
                        "channelName": row["channelName"],
                        "source": row["sourceFile"],
                    },
                )
            summary.rows += len(batch)
            summary.relationships_created += len(batch)
        return summary, coverage

    def finish(self) -> _Tables:
        """Write the brands, departments and source categories collected, close every table; the tables."""
        brands = self._t.nodes("brands", "Brand")
        for brand_id, props in self._brands.items():
            brands.add([brand_id], props)
        departments = self._t.nodes("departments", "Department")
        for department_id, props in self._departments.items():
            departments.add([department_id], props)
        categories = self._t.nodes("source-categories", "SourceCategory")
        for category_id, props in self._categories.items():
            categories.add([category_id], props)
        edges = (
            ("sub-brand-of", "SUB_BRAND_OF", "Brand", "Brand", self._brand_edges),
            ("source-subcategory-of", "SUBCATEGORY_OF", "SourceCategory", "SourceCategory", self._category_edges),
            ("maps-to", "MAPS_TO", "SourceCategory", "Category", self._mappings),
        )
        for name, rel, start, end, pairs in edges:
            table = self._t.rels(name, rel, start, end)
            for pair in sorted(pairs):
                table.add(list(pair), {})
        self._t.close()
        return self._t


def _duplicate(kind: str, record_id: str) -> str:
    return f"duplicate {kind} id {record_id!r}: a bulk first load keeps the first row of each id"


def import_arguments(database: str, tables: _Tables, off_heap: str) -> list[str]:
    """The ``neo4j-admin database import full`` arguments for ``tables`` (only non-empty tables)."""
    args = [
        "database",
        "import",
        "full",
        database,
        "--overwrite-destination=true",
        f"--array-delimiter={ARRAY_DELIMITER_OPTION}",
        # The tables are built to be fault-free: one bad entry means a bug, so stop at the first.
        "--bad-tolerance=0",
        f"--max-off-heap-memory={off_heap}",
        f"--report-file={tables.folder / 'import.report'}",
    ]
    multiline = [str(p) for t in tables.tables.values() for p in t.multiline_files()]
    if multiline:
        args += ["--multiline-fields-format=v2", f"--multiline-fields={','.join(multiline)}"]
    for table in tables.tables.values():
        if table.rows:
            args += table.import_options()
    return args


def check_empty(driver: Driver, database: str | None = None) -> None:
    """Refuse a first load into a database that holds data (anything but the vocabulary and migrations).

    Raises:
        NotEmpty: the database holds data; the message says how to start from an empty one.
    """
    found = read(driver, q.HOLDS_DATA, {"schemaLabels": list(SCHEMA_LABELS)}, what="checking the database is empty")
    if found and found[0]["found"]:
        raise NotEmpty(
            "the database already holds data; a bulk first load replaces the whole database, so it only "
            "runs on an empty one. Fix: load more files with `shopgraph ingest ...` (online, idempotent), "
            "or `shopgraph db dump` it, then start from an empty home."
        )


def _read_file(
    file: InputFile, rejects_path: Path, vocab: Vocabulary, write_records: Callable[..., Any]
) -> tuple[IngestReport, Any]:
    rejects_path.unlink(missing_ok=True)
    with RejectLog(rejects_path) as rejects:
        records: Iterator[Any] = read_records(file, rejects, vocab)  # type: ignore[assignment]
        result = write_records(records, rejects)
    summary, extra = result if isinstance(result, tuple) else (result, {})
    report = file_report(file, rejects, summary)
    report.extra = extra
    return report, summary


def write_import_files(
    settings: Settings,
    folder: Path,
    catalogs: Sequence[InputFile],
    customers: InputFile | None,
    purchases: InputFile | None,
    vocab: Vocabulary,
    progress: Progress = None,
) -> tuple[_Tables, list[IngestReport]]:
    """Stream the input files through their readers into import tables under ``folder``; the tables and file reports.

    Rejects go to the report the online loader writes (``default_rejects_path``).
    """
    writer = ImportWriter(folder, vocab)
    reports = []
    for file in (*catalogs, customers, purchases):
        if file is None:
            continue
        _notify(progress, f"reading {file.path.name} ({file.kind}, {file.format})")
        rejects_path = default_rejects_path(settings.home, file.kind, file.path)
        started = time.perf_counter()
        if file.kind == "catalog":
            report, summary = _read_file(file, rejects_path, vocab, lambda r, j, f=file: writer.catalog(r, j, f))
        elif file.kind == "customers":
            report, summary = _read_file(file, rejects_path, vocab, lambda r, j, f=file: writer.customers(r, j, f))
        else:
            report, summary = _read_file(file, rejects_path, vocab, lambda r, _j: writer.purchases(r))
        summary.seconds = time.perf_counter() - started
        reports.append(report)
    return writer.finish(), reports


def bulk_import(
    settings: Settings,
    catalogs: Sequence[InputFile] = (),
    customers: InputFile | None = None,
    purchases: InputFile | None = None,
    *,
    work_folder: Path | None = None,
    keep_files: bool = False,
    vocab: Vocabulary | None = None,
    off_heap: str = ADMIN.import_off_heap,
    index_timeout_s: int = ADMIN.index_timeout_s,
    progress: Progress = None,
) -> BulkImportReport:
    """First load of an empty local database with ``neo4j-admin database import full``.

    Steps: refuse an external server or a database holding data; write the import CSVs (the
    server keeps running meanwhile); stop the server; import; start it; run the migrations and
    seed the vocabulary (``init_schema``); wait for every index to come online.

    Args:
        catalogs: catalog files, read in this order (a product id of a later one repeating an earlier
            one's is rejected); customers, purchases: one file each. Resolved with
            ``loader.resolve_input``; at least one file in all.
        work_folder: where the CSVs go (default ``<neo4j home>/import/bulk``); emptied first.
        keep_files: keep the CSVs after a successful import (default: removed).
        off_heap: the importer's off-heap memory cap (neo4j-admin ``--max-off-heap-memory``).
        index_timeout_s: how long to wait for the indexes to come online.
        progress: called with a message as each step starts.

    Raises:
        ConfigError: an external server is configured (NEO4J_URI), or no input file is given.
        NotEmpty: the database holds data.
        InputError: an input file is unreadable or malformed (nothing was imported then).
        ServerError: the server cannot be stopped or started, or neo4j-admin failed.
        WriteFailed: a migration failed after the import.
    """
    local.java_command(settings)  # refuses an external server and a missing install before any work
    files = [f for f in (*catalogs, customers, purchases) if f is not None]
    if not files:
        raise ConfigError("a bulk first load needs at least one input file (catalog, customers or purchases)")
    vocab = vocab or load_vocabulary()
    database = admin.database_name(settings)
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    if admin.database_exists(settings):
        _notify(progress, "checking the database is empty")
        local.start(settings)
        with _driver(settings) as driver:
            check_empty(driver, settings.database)
    folder = (work_folder or settings.neo4j_home / "import" / "bulk").absolute()
    shutil.rmtree(folder, ignore_errors=True)
    tables, reports = write_import_files(settings, folder, catalogs, customers, purchases, vocab, progress)
    csv_bytes = sum(t.bytes() for t in tables.tables.values())
    seconds["prepare"] = time.perf_counter() - started
    _notify(progress, "stopping the server for neo4j-admin import")
    with admin.server_stopped(settings, restart=False):
        _notify(progress, f"neo4j-admin database import full ({csv_bytes / 1e6:.0f} MB of CSV)")
        run = admin.run_admin(settings, import_arguments(database, tables, off_heap))
    seconds["import"] = run.seconds
    store_bytes = _store_bytes(settings, database)
    mark = time.perf_counter()
    _notify(progress, "starting the server")
    local.start(settings)
    seconds["start"] = time.perf_counter() - mark
    mark = time.perf_counter()
    _notify(progress, "migrations, vocabulary and indexes")
    with _driver(settings) as driver:
        schema = init_schema(driver, settings.database)
        write(
            driver,
            sq.AWAIT_INDEXES_WITHIN,
            {"seconds": index_timeout_s},
            what="waiting for the indexes to come online",
            database=settings.database,
        )
    seconds["schema"] = time.perf_counter() - mark
    seconds["total"] = time.perf_counter() - started
    if not keep_files:
        shutil.rmtree(folder, ignore_errors=True)
    return BulkImportReport(
        database=database,
        files=reports,
        nodes=tables.counts("nodes"),
        relationships=tables.counts("relationships"),
        schema=schema,
        seconds={k: round(v, 3) for k, v in seconds.items()},
        import_peak_rss_bytes=run.peak_rss_bytes,
        python_peak_rss_bytes=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        csv_bytes=csv_bytes,
        store_bytes=store_bytes,
        csv_folder=str(folder) if keep_files else None,
    )


@contextmanager
def _driver(settings: Settings) -> Iterator[Driver]:
    """A verified driver to the local server, closed on exit."""
    driver = connect(settings)
    try:
        yield driver
    finally:
        driver.close()


def _store_bytes(settings: Settings, database: str) -> int:
    data = settings.neo4j_home / "data"
    total = 0
    for folder in (data / "databases" / database, data / "transactions" / database):
        total += sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
    return total


def _notify(progress: Progress, message: str) -> None:
    if progress is not None:
        progress(message)
