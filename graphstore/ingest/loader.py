"""Ingestion: a file in, typed records out of a reader, batches into Neo4j, a report back.

``ingest_catalog``, ``ingest_customers`` and ``ingest_purchases`` each detect the
file's format from its header (or take it explicitly), stream it through the
matching reader, write it in batches and return an ``IngestReport`` in which every
row read is accounted for: ``read = loaded + repaired + rejected``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from neo4j import Driver

from shopgraph.cypher.internal import graphstore as q
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.graph_model import FACT_TYPES
from shopgraph.graphstore.core.pseudonym import Pseudonymiser
from shopgraph.graphstore.core.runner import Batch, BatchWriter, Progress, WriteSummary, read
from shopgraph.graphstore.core.schema import seed_vocabulary
from shopgraph.graphstore.core.vocab import Vocabulary, load_vocabulary
from shopgraph.graphstore.ingest.facts import (
    CustomerRecord,
    MergedFact,
    ProductRecord,
    PurchaseRecord,
    merge_facts,
)
from shopgraph.graphstore.ingest.readers import (
    RejectLog,
    read_generic_catalog,
    read_generic_customers,
    read_generic_purchases,
    read_hm_articles,
    read_hm_customers,
    read_hm_transactions,
    read_myntra_styles,
)
from shopgraph.graphstore.ingest.readers.csvio import read_header
from shopgraph.graphstore.ingest.readers.hm import CHANNELS
from shopgraph.graphstore.ingest.readers.textfile import check_encoding, open_text, printable

Kind = Literal["catalog", "customers", "purchases"]
FORMATS: dict[Kind, tuple[str, ...]] = {
    "catalog": ("myntra", "hm", "generic"),
    "customers": ("hm", "generic"),
    "purchases": ("hm", "generic"),
}
# Header columns that identify each format, checked in order.
_SIGNATURES: dict[Kind, list[tuple[str, set[str]]]] = {
    "catalog": [
        ("myntra", {"productDisplayName", "articleType"}),
        ("hm", {"article_id", "prod_name"}),
        ("generic", {"id", "name"}),
    ],
    "customers": [("hm", {"customer_id", "club_member_status"}), ("generic", {"id"})],
    "purchases": [("hm", {"t_dat", "customer_id", "article_id"}), ("generic", {"date", "customer_id", "product_id"})],
}


@dataclass
class IngestReport:
    """What one file's ingestion did.

    Every row read ends in one of three counts: ``read = loaded + repaired + rejected``.
    ``loaded`` rows went into the graph as they were, ``repaired`` ones after a repair listed in
    the rejects report, ``rejected`` ones not at all (listed there with the reason).
    """

    kind: Kind
    file: str
    format: str
    source: str
    read: int
    loaded: int
    rejected: int
    repaired: int
    rejects_file: str | None
    write: WriteSummary
    first_errors: list[str] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def written(self) -> int:
        """Rows now in the graph: loaded as they were or after a repair."""
        return self.loaded + self.repaired

    def as_dict(self) -> dict[str, Any]:
        """The report as JSON-ready values (``write`` as a dict)."""
        data = dict(self.__dict__)
        data["write"] = dict(self.write.__dict__)
        return data


def detect_format(path: Path, kind: Kind, encoding: str | None = None) -> str:
    """The format of ``path`` from its header (``.jsonl`` files are generic).

    Raises:
        InputError: the file is not text in ``encoding``, or its header matches no known format of ``kind``.
    """
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        open_text(path, encoding).close()
        return "generic"
    header = set(read_header(path, encoding))
    for fmt, columns in _SIGNATURES[kind]:
        if columns <= header:
            return fmt
    expected = "; ".join(f"{fmt}: {sorted(cols)}" for fmt, cols in _SIGNATURES[kind])
    raise InputError(f"{path}: header {printable(str(sorted(header)))} matches no {kind} format (expected {expected})")


def default_rejects_path(home: Path, kind: Kind, path: Path) -> Path:
    """Where the rejects report of ``path`` goes by default: ``<home>/reports/rejects-<kind>-<file stem>.csv``."""
    return home / "reports" / f"rejects-{kind}-{path.stem}.csv"


def count_rows(path: Path) -> int:
    """Data lines in ``path`` (physical lines less the header), for progress totals."""
    with path.open("rb") as handle:
        lines = sum(chunk.count(b"\n") for chunk in iter(lambda: handle.read(1 << 20), b""))
    return max(lines - (0 if path.suffix.lower() in {".jsonl", ".ndjson"} else 1), 0)


def check_input(path: Path, kind: Kind, fmt: str = "auto", encoding: str | None = None) -> str:
    """The format of ``path`` (``fmt``, or detected if ``auto``) once its start is known to be text in ``encoding``.

    Raises:
        InputError: the file cannot be opened, is not text, or matches no ``kind`` format (or ``fmt`` is unknown).
    """
    if fmt == "auto":
        return detect_format(path, kind, encoding)
    if fmt not in FORMATS[kind]:
        raise InputError(f"unknown {kind} format {fmt!r}; known: {', '.join(FORMATS[kind])}")
    open_text(path, encoding).close()
    return fmt


def _default_source(path: Path, fmt: str) -> str:
    return fmt if fmt in ("myntra", "hm") else path.stem


@dataclass(frozen=True)
class InputFile:
    """An input file checked and resolved: its kind, detected format, source name and encoding."""

    kind: Kind
    path: Path
    format: str
    source: str
    encoding: str | None


def resolve_input(
    kind: Kind, path: Path, fmt: str = "auto", source: str | None = None, encoding: str | None = None
) -> InputFile:
    """``path`` checked as a ``kind`` file: format detected (``auto``) or checked, source defaulted.

    The source defaults to the format for the retailer formats, the file stem for generic.

    Raises:
        InputError: no such file, not text in ``encoding``, an unknown encoding, or a header of no known format.
    """
    encoding = check_encoding(encoding) if encoding else None
    fmt = check_input(path, kind, fmt, encoding)
    return InputFile(kind, path, fmt, source or _default_source(path, fmt), encoding)


def read_records(
    file: InputFile, rejects: RejectLog, vocab: Vocabulary
) -> Iterator[ProductRecord] | Iterator[CustomerRecord] | Iterator[PurchaseRecord]:
    """The records of ``file`` from the reader of its kind and format, bad rows going to ``rejects``."""
    path, source, encoding = file.path, file.source, file.encoding
    if file.kind == "catalog":
        if file.format == "myntra":
            return read_myntra_styles(path, vocab, rejects, encoding=encoding)
        if file.format == "hm":
            return read_hm_articles(path, vocab, rejects, encoding)
        return read_generic_catalog(path, vocab, rejects, source, encoding)
    if file.kind == "customers":
        if file.format == "hm":
            return read_hm_customers(path, rejects, source, encoding)
        return read_generic_customers(path, rejects, source, encoding)
    if file.format == "hm":
        return read_hm_transactions(path, rejects, source, encoding=encoding)
    return read_generic_purchases(path, rejects, source, encoding)


def customer_row(record: CustomerRecord) -> dict[str, Any]:
    """The parameter row of ``UPSERT_CUSTOMERS``."""
    return {"id": record.id, "source": record.source, "sourceFile": record.source_file, "props": record.properties}


def product_facts(record: ProductRecord) -> list[MergedFact]:
    """Every fact a catalog row asserts: its extracted facts merged, then its department and source category.

    The department (``IN_DEPARTMENT``) and the most specific source category (``LISTED_AS``) are
    read from columns, so they are asserted with confidence 1.
    """
    merged = merge_facts(record.facts)
    if record.department is not None:
        merged.append(_asserted("IN_DEPARTMENT", record.department["id"], "column:department_name"))
    if record.source_categories:
        leaf = record.source_categories[-1]
        merged.append(_asserted("LISTED_AS", leaf.id, f"column:{leaf.field}"))
    return merged


def source_category_rows(record: ProductRecord) -> list[dict[str, Any]]:
    """The row's source categories from the top down, each with its ``parent`` id and mapped ``category`` (or None)."""
    rows = []
    parent = None
    for sc in record.source_categories:
        rows.append(
            {
                "id": sc.id,
                "source": sc.source,
                "field": sc.field,
                "name": sc.name,
                "parent": parent,
                "category": sc.category,
            }
        )
        parent = sc.id
    return rows


def brand_rows(record: ProductRecord) -> list[dict[str, Any]]:
    """The row's brand and the brands it is a line of, each with its ``parent`` id and name (or None)."""
    rows = []
    brand = record.brand
    while brand is not None:
        rows.append(
            {
                "id": brand.id,
                "name": brand.name,
                "parent": brand.parent.id if brand.parent else None,
                "parentName": brand.parent.name if brand.parent else None,
            }
        )
        brand = brand.parent
    return rows


def product_row(record: ProductRecord, merged: list[MergedFact]) -> dict[str, Any]:
    """The parameter row of ``UPSERT_PRODUCTS`` (and ``DELETE_STALE_FACTS``, which reads ``factKeys``)."""
    return {
        "id": record.id,
        "source": record.source,
        "sourceId": record.source_id,
        "name": record.name,
        "sourceFile": record.source_file,
        "line": record.line,
        "props": record.properties,
        "factKeys": [f"{f.rel}|{f.target}" for f in merged],
    }


def fact_row(record: ProductRecord, fact: MergedFact) -> dict[str, Any]:
    """The parameter row of ``FACT_QUERIES[fact.rel]``: the fact with its provenance (rule, rules, confidence, file)."""
    return {
        "product": record.id,
        "target": fact.target,
        "rule": fact.rule,
        "rules": list(fact.rules),
        "confidence": fact.confidence,
        "source": record.source_file,
    }


def _product_batch(batch: Batch[ProductRecord]) -> None:
    products: list[dict[str, Any]] = []
    brands: dict[str, dict[str, Any]] = {}
    departments: dict[str, dict[str, Any]] = {}
    categories: dict[tuple[str, str | None], dict[str, Any]] = {}
    mappings: dict[tuple[str, str], dict[str, Any]] = {}
    facts: dict[str, list[dict[str, Any]]] = {rel: [] for rel in FACT_TYPES}
    for record in batch.records:
        merged = product_facts(record)
        if record.department is not None:
            departments[record.department["id"]] = {"id": record.department["id"], "props": record.department}
        for row in source_category_rows(record):
            # Keyed by edge, not by id: two values with one slug under two parents (or mapped to two
            # categories) keep both edges whatever the batch boundaries, as the bulk load does.
            categories[(row["id"], row["parent"])] = row
            if row["category"] is not None:
                mappings[(row["id"], row["category"])] = {"id": row["id"], "category": row["category"]}
        for row in brand_rows(record):
            brands.setdefault(row["id"], row)
        for fact in merged:
            facts[fact.rel].append(fact_row(record, fact))
        products.append(product_row(record, merged))
    batch.run(q.UPSERT_PRODUCTS, rows=products)
    if brands:
        batch.run(q.UPSERT_BRANDS, rows=list(brands.values()))
    if departments:
        batch.run(q.UPSERT_DEPARTMENTS, rows=list(departments.values()))
    if categories:
        batch.run(q.UPSERT_SOURCE_CATEGORIES, rows=list(categories.values()))
    if mappings:
        batch.run(q.MAP_SOURCE_CATEGORIES, rows=list(mappings.values()))
    for rel, rows in facts.items():
        if rows:
            batch.run(q.FACT_QUERIES[rel], rows=rows)
    batch.run(q.DELETE_STALE_FACTS, rows=products)


def _asserted(rel: str, target: str, rule: str) -> MergedFact:
    return MergedFact(rel, target, rule, (rule,), 1.0)


def _lines(records: list[Any]) -> str:
    return f"lines {records[0].line}-{records[-1].line} of {records[0].source_file}"


def _run(
    file: InputFile,
    vocab: Vocabulary,
    work: Callable[[Batch[Any]], None],
    writer: BatchWriter,
    rejects_path: Path | None,
    progress: Progress | None,
    pseudonymiser: Pseudonymiser | None = None,
) -> IngestReport:
    if rejects_path is not None:
        # A report left by an earlier run of the same file would describe rows that now load.
        rejects_path.unlink(missing_ok=True)
    with RejectLog(rejects_path, pseudonymiser is not None) as rejects:
        found = read_records(file, rejects, vocab)
        if pseudonymiser is not None:
            found = pseudonymised(found, pseudonymiser)
        summary = writer.write(found, work, _lines, progress)
    return file_report(file, rejects, summary)


def pseudonymised(records: Iterable[Any], pseudonymiser: Pseudonymiser) -> Iterator[Any]:
    """``records`` with customer ids (and the purchase ids hashed from them) replaced by their keyed pseudonyms."""
    for r in records:
        if isinstance(r, CustomerRecord):
            yield replace(r, id=pseudonymiser.customer(r.id))
        elif isinstance(r, PurchaseRecord):
            yield replace(r, id=pseudonymiser.purchase(r.id), customer=pseudonymiser.customer(r.customer))
        else:
            yield r


def file_report(file: InputFile, rejects: RejectLog, summary: WriteSummary) -> IngestReport:
    """The report of ``file`` read through ``rejects`` and written as ``summary`` says (``summary.rows`` rows)."""
    return IngestReport(
        kind=file.kind,
        file=str(file.path),
        format=file.format,
        source=file.source,
        read=rejects.rows_read,
        loaded=summary.rows - rejects.repaired,
        rejected=rejects.rejected,
        repaired=rejects.repaired,
        rejects_file=str(rejects.path) if rejects.path and (rejects.rejected or rejects.repaired) else None,
        write=summary,
        first_errors=rejects.first_errors,
    )


def ingest_catalog(
    driver: Driver,
    path: Path,
    fmt: str = "auto",
    source: str | None = None,
    rejects_path: Path | None = None,
    batch_size: int = 2000,
    progress: Progress | None = None,
    vocab: Vocabulary | None = None,
    database: str | None = None,
    encoding: str | None = None,
) -> IngestReport:
    """Load a product catalog file into the graph.

    Args:
        driver: an open driver.
        path: ``styles.csv`` (Myntra), ``articles.csv`` (H&M) or a generic CSV / JSON Lines catalog.
        fmt: ``auto`` (from the header), ``myntra``, ``hm`` or ``generic``.
        source: the source name used in product ids (``<source>:<id>``); defaults
            to the format for the retailer formats, the file stem for generic.
        rejects_path: CSV report of rejected and repaired rows (written only if any).
        batch_size: rows per transaction.
        progress: called with the number of rows written so far.
        vocab: the vocabulary (the shipped one by default).
        database: target database.
        encoding: the file's text encoding (``cp1252``, ``latin-1``, ``gb18030``, ...); None for
            UTF-8 (with or without a byte-order mark) or UTF-16/32 with a byte-order mark.

    Returns:
        The report: rows read, loaded, repaired, rejected, and the server's write counters.

    Raises:
        InputError: unreadable or non-text file, unknown encoding or format, or missing columns.
        WriteFailed: a batch failed after retries.
    """
    vocab = vocab or load_vocabulary()
    file = resolve_input("catalog", path, fmt, source, encoding)
    seed_vocabulary(driver, vocab, database)
    writer = BatchWriter(driver, batch_size, database=database)
    return _run(file, vocab, _product_batch, writer, rejects_path, progress)


def ingest_customers(
    driver: Driver,
    path: Path,
    fmt: str = "auto",
    source: str | None = None,
    rejects_path: Path | None = None,
    batch_size: int = 2000,
    progress: Progress | None = None,
    database: str | None = None,
    encoding: str | None = None,
    pseudonymiser: Pseudonymiser | None = None,
) -> IngestReport:
    """Load a customers file (H&M ``customers.csv`` or generic) into the graph; see ``ingest_catalog``.

    With ``pseudonymiser``, each customer's id is replaced by its keyed pseudonym before anything
    is written, and the rejects report leaves out the raw lines (see ``graphstore.core.pseudonym``).
    """
    file = resolve_input("customers", path, fmt, source, encoding)

    def work(batch: Batch[CustomerRecord]) -> None:
        batch.run(q.UPSERT_CUSTOMERS, rows=[customer_row(c) for c in batch.records])

    writer = BatchWriter(driver, batch_size, database=database)
    return _run(file, load_vocabulary(), work, writer, rejects_path, progress, pseudonymiser)


def purchase_rows(records: list[PurchaseRecord]) -> list[dict[str, Any]]:
    """Parameter rows for ``UPSERT_PURCHASES``."""
    return [
        {
            "id": p.id,
            "customer": p.customer,
            "product": p.product,
            "productSourceId": p.product.split(":", 1)[1],
            "date": p.date.isoformat(),
            "price": p.price,
            "channel": p.channel,
            "channelName": CHANNELS.get(p.channel) if p.channel else None,
            "source": p.source,
            "sourceFile": p.source_file,
        }
        for p in records
    ]


def ingest_purchases(
    driver: Driver,
    path: Path,
    fmt: str = "auto",
    source: str | None = None,
    rejects_path: Path | None = None,
    batch_size: int = 2000,
    progress: Progress | None = None,
    database: str | None = None,
    encoding: str | None = None,
    pseudonymiser: Pseudonymiser | None = None,
) -> IngestReport:
    """Load purchases (H&M ``transactions.csv`` or generic) into the graph; see ``ingest_catalog``.

    A purchase of a product that is not in the catalog is kept: the product is
    created with ``inCatalog: false`` (and becomes a full product if the catalog
    later lists it). Likewise for customers missing from the customers file
    (``inCustomerFile: false``). ``extra`` in the report counts both.

    With ``pseudonymiser``, the customer ids and the purchase ids hashed from them are replaced by
    keyed pseudonyms (the same as ``ingest_customers`` gives under the same key).
    """
    file = resolve_input("purchases", path, fmt, source, encoding)

    def work(batch: Batch[PurchaseRecord]) -> None:
        batch.run(q.UPSERT_PURCHASES, rows=purchase_rows(batch.records))

    writer = BatchWriter(driver, batch_size, database=database)
    report = _run(file, load_vocabulary(), work, writer, rejects_path, progress, pseudonymiser)
    coverage = read(
        driver,
        q.PURCHASE_COVERAGE,
        {"sourceFile": f"{file.source}:{path.name}"},
        what="reading the purchase coverage",
        database=database,
    )
    report.extra = dict(coverage[0]) if coverage else {}
    return report
