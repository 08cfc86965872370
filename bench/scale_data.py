"""Scaled copies of the real H&M and Myntra files, for the ingestion benchmark.

Every generated row is a copy of a real row under a new id, written as it is
produced (memory does not grow with the output, only with the real files' sizes):

* ``articles.csv`` (H&M format) and ``styles.csv`` (Myntra format): the real
  catalogs copied over and over, in the real proportion (11,800 H&M articles to
  3,500 Myntra styles, 77% / 23%), their row counts adding up to ``products``.
  Copy ``k`` of H&M row ``i`` gets article id ``f"{k + 1:04d}{i:06d}"`` (10 digits,
  unique); copy ``k`` of Myntra style ``n`` gets id ``n + (k + 1) * 1_000_000``.
  Rows the real files hold malformed (unquoted commas) stay malformed.
* ``customers.csv``: one copy of the real customers per copy of the real
  transactions, so each customer keeps the real number of purchases.
* ``transactions.csv``: copies of the real transactions, ``purchases`` rows in all,
  in date order (the loader keeps purchase-id counters for the current date only
  while the input is in date order). Copy ``k`` of a row is bought by copy ``k`` of
  its customer. A real purchase of a catalog article becomes a purchase of one of
  that article's copies (drawn at random, fixed seed); a real purchase of an
  article missing from the catalog (68% of the real rows) stays a purchase of a
  missing article, drawn from a pool of missing ids as many times larger than
  the real one as the H&M catalog is, so missing and known products keep their
  real proportion too.
"""

from __future__ import annotations

import csv
import hashlib
import math
import random
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from pathlib import Path

REAL_DATASETS = Path(__file__).resolve().parents[1].parent / "shared" / "datasets"
"""``../shared/datasets`` beside the repository, as the tests and other benchmarks expect it."""
_MAX_COPIES = 8999  # four-digit copy prefixes 0001..8999 for catalog ids, 9000+ for missing articles
_MISSING_PREFIX = 9000


@dataclass(frozen=True)
class RealFiles:
    """The real input files that get copied."""

    articles: Path
    styles: Path
    customers: Path
    transactions: Path

    @classmethod
    def under(cls, root: Path) -> RealFiles:
        """The files at their places in the shared datasets folder ``root``."""
        return cls(
            articles=root / "hm" / "articles.csv",
            styles=root / "myntra" / "styles.csv",
            customers=root / "hm" / "customers.csv",
            transactions=root / "hm" / "transactions.csv",
        )


@dataclass
class ScaledFiles:
    """The generated files and what they hold."""

    articles: Path
    styles: Path
    customers: Path
    transactions: Path
    counts: dict[str, int] = field(default_factory=dict)


def data_rows(path: Path) -> int:
    """CSV records of ``path`` less the header (quoted newlines are counted right)."""
    with path.open(newline="", encoding="utf-8") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def _records(path: Path) -> Generator[list[str], None, None]:
    """The header, then each record of the CSV file ``path``, streamed."""
    with path.open(newline="", encoding="utf-8") as handle:
        yield from csv.reader(handle)


def split_products(products: int, hm_real: int, myntra_real: int) -> tuple[int, int]:
    """H&M and Myntra row counts adding up to ``products``, in the real files' proportion."""
    hm = round(products * hm_real / (hm_real + myntra_real))
    return hm, products - hm


def hm_copy_id(copy: int, index: int) -> str:
    """The 10-digit article id of copy ``copy`` of the H&M article on data row ``index``."""
    if copy >= _MAX_COPIES or index >= 1_000_000:
        raise ValueError(f"copy {copy} of row {index} does not fit a 10-digit article id")
    return f"{copy + 1:04d}{index:06d}"


def missing_copy_id(copy: int, index: int) -> str:
    """The 10-digit id of copy ``copy`` of the ``index``-th distinct article missing from the catalog."""
    if _MISSING_PREFIX + copy > 9999 or index >= 1_000_000:
        raise ValueError(f"copy {copy} of missing article {index} does not fit a 10-digit article id")
    return f"{_MISSING_PREFIX + copy:04d}{index:06d}"


def customer_copy_id(copy: int, real_id: str) -> str:
    """A new 64-hex-digit customer id (the real ids' form) for copy ``copy`` of ``real_id``."""
    return hashlib.sha256(f"{copy}:{real_id}".encode()).hexdigest()


Rewrite = Callable[[int, int, list[str], dict[str, int]], None]
"""``rewrite(copy, index, record, columns)`` changes, in place, copy ``copy`` of data row ``index``."""


def write_copies(source: Path, dest: Path, rows: int, rewrite: Rewrite) -> int:
    """Write ``rows`` data rows to ``dest``: the rows of ``source`` over and over, each passed through ``rewrite``.

    Args:
        source: a CSV file with a header.
        dest: the file to write (same header).
        rows: how many data rows to write.
        rewrite: gives each copy its new ids; ``columns`` maps column names to positions.

    Returns:
        The number of rows written.
    """
    written = 0
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        copy = 0
        while written < rows:
            records = _records(source)
            header = next(records)
            if copy == 0:
                writer.writerow(header)
            columns = {name: at for at, name in enumerate(header)}
            for index, record in enumerate(records):
                if written == rows:
                    break
                rewrite(copy, index, record, columns)
                writer.writerow(record)
                written += 1
            records.close()
            copy += 1
    return written


def _article_copy(copy: int, index: int, record: list[str], columns: dict[str, int]) -> None:
    record[columns["article_id"]] = hm_copy_id(copy, index)
    record[columns["product_code"]] = f"{copy + 1}{record[columns['product_code']]}"


def _style_copy(copy: int, _index: int, record: list[str], columns: dict[str, int]) -> None:
    record[columns["id"]] = str(int(record[columns["id"]]) + (copy + 1) * 1_000_000)


def _customer_copy(copy: int, _index: int, record: list[str], columns: dict[str, int]) -> None:
    record[columns["customer_id"]] = customer_copy_id(copy, record[columns["customer_id"]])


def write_articles(source: Path, dest: Path, rows: int) -> int:
    """``rows`` copies of H&M articles under ``hm_copy_id`` ids; ``product_code`` gets the copy number prefixed."""
    return write_copies(source, dest, rows, _article_copy)


def write_styles(source: Path, dest: Path, rows: int) -> int:
    """``rows`` copies of Myntra styles under new integer ids (``id + (copy + 1) * 1_000_000``)."""
    return write_copies(source, dest, rows, _style_copy)


def write_customers(source: Path, dest: Path, copies: int) -> int:
    """``copies`` copies of the real customers under ``customer_copy_id`` ids."""
    return write_copies(source, dest, copies * data_rows(source), _customer_copy)


def _days(path: Path) -> Iterator[tuple[list[str], list[tuple[int, list[str]]]]]:
    """The header, then the rows of each date with their data-row index, for a file in date order.

    Raises:
        ValueError: the file is not in date order.
    """
    records = _records(path)
    header = next(records)
    date_at = header.index("t_dat")
    day: list[tuple[int, list[str]]] = []
    for index, record in enumerate(records):
        if day and record[date_at] != day[0][1][date_at]:
            if record[date_at] < day[0][1][date_at]:
                raise ValueError(f"{path}: data row {index} goes back to {record[date_at]}; expected date order")
            yield header, day
            day = []
        day.append((index, record))
    if day:
        yield header, day


def write_transactions(real: RealFiles, dest: Path, rows: int, hm_rows: int, seed: int) -> dict[str, int]:
    """``rows`` copies of the real transactions, in date order, mapped onto the scaled files.

    Args:
        real: the real files (transactions, and articles to tell catalog articles from missing ones).
        dest: the file to write.
        rows: how many purchases to write.
        hm_rows: rows of the scaled H&M catalog (``write_articles``), to know which copies exist.
        seed: seed of the draws of article copies.

    Returns:
        Counts: purchases written, of catalog articles, of missing ones, customer copies used.
    """
    real_rows = data_rows(real.transactions)
    copies = math.ceil(rows / real_rows)
    articles = _records(real.articles)
    id_at = next(articles).index("article_id")
    article_row = {record[id_at]: index for index, record in enumerate(articles)}
    catalog_real = len(article_row)
    full_copies, partial = divmod(hm_rows, catalog_real)
    missing_copies = max(1, round(hm_rows / catalog_real))
    missing_index: dict[str, int] = {}
    rng = random.Random(seed)
    counts = {"purchases": 0, "of_catalog_articles": 0, "of_missing_articles": 0, "customer_copies": copies}
    dest.parent.mkdir(parents=True, exist_ok=True)
    with dest.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        for day_number, (header, day) in enumerate(_days(real.transactions)):
            if day_number == 0:
                writer.writerow(header)
            customer_at, article_at = header.index("customer_id"), header.index("article_id")
            for copy in range(copies):
                for index, record in day:
                    if copy * real_rows + index >= rows:
                        continue
                    row = list(record)
                    row[customer_at] = customer_copy_id(copy, record[customer_at])
                    at = article_row.get(record[article_at])
                    available = full_copies + (1 if at is not None and at < partial else 0)
                    if at is not None and available:
                        row[article_at] = hm_copy_id(rng.randrange(available), at)
                        counts["of_catalog_articles"] += 1
                    else:
                        missing = missing_index.setdefault(record[article_at], len(missing_index))
                        row[article_at] = missing_copy_id(rng.randrange(missing_copies), missing)
                        counts["of_missing_articles"] += 1
                    writer.writerow(row)
                    counts["purchases"] += 1
    return counts


def head(source: Path, dest: Path, rows: int, skip: int = 0) -> Path:
    """Write data rows ``skip`` .. ``skip + rows`` of ``source`` (with its header) to ``dest``; returns ``dest``."""
    with dest.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        records = _records(source)
        writer.writerow(next(records))
        for index, record in enumerate(records):
            if index >= skip + rows:
                break
            if index >= skip:
                writer.writerow(record)
        records.close()
    return dest


def scale(out: Path, products: int, purchases: int, seed: int = 7, real: RealFiles | None = None) -> ScaledFiles:
    """Generate the scaled catalog, customers and purchases under ``out``.

    Args:
        out: folder for ``articles.csv``, ``styles.csv``, ``customers.csv`` and ``transactions.csv``.
        products: H&M articles plus Myntra styles to write.
        purchases: transactions to write.
        seed: seed of the random draws (which copy of an article a purchase buys).
        real: the real files; those of ``REAL_DATASETS`` by default.

    Returns:
        The paths and the row counts written.
    """
    real = real or RealFiles.under(REAL_DATASETS)
    hm_rows, myntra_rows = split_products(products, data_rows(real.articles), data_rows(real.styles))
    files = ScaledFiles(
        articles=out / "articles.csv",
        styles=out / "styles.csv",
        customers=out / "customers.csv",
        transactions=out / "transactions.csv",
    )
    files.counts["hm_articles"] = write_articles(real.articles, files.articles, hm_rows)
    files.counts["myntra_styles"] = write_styles(real.styles, files.styles, myntra_rows)
    purchase_counts = write_transactions(real, files.transactions, purchases, hm_rows, seed)
    files.counts.update(purchase_counts)
    files.counts["customers"] = write_customers(real.customers, files.customers, purchase_counts["customer_copies"])
    return files
