"""The one way shopgraph runs Cypher: reads, writes, batched writes and the named queries of ``cypher/``.

Every function takes the driver first and ``database`` last (the server default when None); the
statements come from ``cypher/`` (named ``.cypher`` files or the constants of ``cypher/internal``),
values always as parameters.

* :func:`read` and :func:`write` run one statement in a managed transaction, which the driver
  retries on transient errors (deadlocks, leader switches, a server briefly unavailable);
  ``write(..., auto_commit=True)`` runs it in an auto-commit transaction instead, as
  ``CALL { ... } IN TRANSACTIONS`` requires (not retried).
* :func:`read_transaction` runs a unit of work of several reads in one read transaction, so they
  see one state of the graph.
* :func:`write_batches` (and :class:`BatchWriter`, which it uses) writes rows in batches of one
  managed write transaction each, counting what the server changed. A batch that still fails
  after the driver's retries raises ``WriteFailed`` naming its input; the batches before it are
  committed, and since every write is a MERGE keyed on stable ids, re-running the same input
  finishes the job without duplicating anything.
* :func:`run_query` and :func:`run_maintenance` run the named analyst and maintenance queries.

Driver errors are re-raised as :class:`QueryError` (reads) or :class:`WriteFailed` (writes) with
``from e``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Generic, TypeVar

from neo4j import READ_ACCESS, Driver, ManagedTransaction, RoutingControl
from neo4j.exceptions import DriverError, Neo4jError
from neo4j.graph import Node, Path, Relationship
from neo4j.time import Date, DateTime, Duration

from shopgraph import cypher
from shopgraph.graphstore.core.errors import QueryError, WriteFailed

T = TypeVar("T")
R = TypeVar("R")

Progress = Callable[[int], None]
"""Called with the number of input rows written so far."""

Row = dict[str, Any]


# --- values -----------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A driver value as plain Python: dates as ISO strings, nodes as property dicts."""
    if isinstance(value, (Date, DateTime)):
        return value.iso_format()
    if isinstance(value, Duration):
        return str(value)
    if isinstance(value, Node):
        return {"labels": sorted(value.labels), **{k: plain(v) for k, v in value.items()}}
    if isinstance(value, Relationship):
        return {"type": value.type, **{k: plain(v) for k, v in value.items()}}
    if isinstance(value, Path):
        return [plain(n) for n in value.nodes]
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def _reason(e: Exception) -> str:
    if isinstance(e, Neo4jError):
        return f"{e.code}: {e.message}".strip() if e.code else str(e.message or e)
    return str(e)


def _what(statement: str) -> str:
    first = " ".join(statement.split())
    return f"statement `{first[:60]}{'...' if len(first) > 60 else ''}`"


# --- counters ---------------------------------------------------------------------------------


@dataclass
class WriteSummary:
    """What a write (or a run of batches) changed, from the server's own counters.

    ``rows`` and ``batches`` count the input of :func:`write_batches`; ``returned`` sums what the
    batches' work returned (for a statement, its ``n`` column: ``RETURN count(x) AS n``);
    ``seconds`` is the wall time.
    """

    rows: int = 0
    batches: int = 0
    nodes_created: int = 0
    nodes_deleted: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0
    returned: int = 0
    seconds: float = 0.0

    def reset(self) -> None:
        self.__dict__.update(WriteSummary().__dict__)

    def add_counters(self, counters: object) -> None:
        self.nodes_created += getattr(counters, "nodes_created", 0)
        self.nodes_deleted += getattr(counters, "nodes_deleted", 0)
        self.relationships_created += getattr(counters, "relationships_created", 0)
        self.relationships_deleted += getattr(counters, "relationships_deleted", 0)
        self.properties_set += getattr(counters, "properties_set", 0)


@dataclass(frozen=True)
class WriteResult:
    """The rows a write statement returned and what it changed."""

    records: list[Row]
    summary: WriteSummary = field(default_factory=WriteSummary)


# --- one statement ----------------------------------------------------------------------------


def read(
    driver: Driver,
    statement: str,
    params: Mapping[str, Any] | None = None,
    *,
    what: str | None = None,
    database: str | None = None,
) -> list[Row]:
    """Run ``statement`` in a managed read transaction; its rows as dicts of driver values.

    Args:
        what: names the statement in an error ("the colour references"); default its first words.

    Raises:
        QueryError: the server refused the statement or could not be reached after retries.
    """
    try:
        records, _, _ = driver.execute_query(
            statement, dict(params or {}), database_=database, routing_=RoutingControl.READ
        )
    except (Neo4jError, DriverError) as e:
        raise QueryError(f"{what or _what(statement)} failed: {_reason(e)}") from e
    return [dict(r) for r in records]


def write(
    driver: Driver,
    statement: str,
    params: Mapping[str, Any] | None = None,
    *,
    auto_commit: bool = False,
    what: str | None = None,
    database: str | None = None,
) -> WriteResult:
    """Run ``statement`` in a managed write transaction (or an auto-commit one); its rows and counters.

    Args:
        auto_commit: run it with ``session.run``, as ``CALL { ... } IN TRANSACTIONS`` needs; such a
            statement is not retried by the driver.
        what: names the statement in an error; default its first words.

    Raises:
        WriteFailed: the server refused the statement or could not be reached after retries.
    """
    started = time.perf_counter()
    summary = WriteSummary()
    try:
        if auto_commit:
            with driver.session(database=database) as session:
                result = session.run(statement, dict(params or {}))
                records = [dict(r) for r in result]
                summary.add_counters(result.consume().counters)
        else:
            eager = driver.execute_query(statement, dict(params or {}), database_=database)
            records = [dict(r) for r in eager.records]
            summary.add_counters(eager.summary.counters)
    except (Neo4jError, DriverError) as e:
        raise WriteFailed(f"{what or _what(statement)} failed: {_reason(e)}") from e
    summary.seconds = time.perf_counter() - started
    return WriteResult(records, summary)


def read_transaction(
    driver: Driver,
    work: Callable[..., R],
    *args: Any,
    what: str = "reading the graph",
    database: str | None = None,
) -> R:
    """``work(tx, *args)`` in one managed read transaction (retried as a whole): several reads, one state.

    Raises:
        QueryError: a statement of ``work`` failed after retries.
    """
    try:
        with driver.session(database=database, default_access_mode=READ_ACCESS) as session:
            return session.execute_read(work, *args)
    except (Neo4jError, DriverError) as e:
        raise QueryError(f"{what} failed: {_reason(e)}") from e


# --- batches ----------------------------------------------------------------------------------


class Batch(Generic[T]):
    """A batch of records and the transaction that runs its statements, collecting counters."""

    def __init__(self, tx: ManagedTransaction, records: list[T], summary: WriteSummary) -> None:
        self.tx = tx
        self.records = records
        self._summary = summary

    def run(self, query: str, **params: Any) -> list[Row]:
        """Run one statement in the batch's transaction, add its counters to the summary; its rows."""
        result = self.tx.run(query, params)
        rows = [dict(r) for r in result]
        self._summary.add_counters(result.consume().counters)
        return rows


def chunks(records: Iterable[T], size: int) -> Iterator[list[T]]:
    """Consecutive lists of at most ``size`` records, read lazily."""
    iterator = iter(records)
    while chunk := list(islice(iterator, size)):
        yield chunk


class BatchWriter:
    """Writes records in batches; ``driver`` is passed in, the constructor does no I/O.

    Args:
        driver: an open driver.
        batch_size: records per transaction (default 2000).
        max_retry_s: how long the driver keeps retrying a batch on transient errors.
        database: target database, or the server default.
    """

    def __init__(self, driver: Driver, batch_size: int = 2000, max_retry_s: float = 30.0, database: str | None = None):
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, got {batch_size}")
        self.driver = driver
        self.batch_size = batch_size
        self.max_retry_s = max_retry_s
        self.database = database

    def write(
        self,
        records: Iterable[T],
        work: Callable[[Batch[T]], int | None],
        describe: Callable[[list[T]], str],
        progress: Progress | None = None,
    ) -> WriteSummary:
        """Write ``records`` in batches, each by ``work`` in one transaction.

        Args:
            records: the input, consumed lazily.
            work: runs the batch's statements through ``Batch.run``; what it returns (a count, or
                None) is added to ``WriteSummary.returned`` once the batch is committed.
            describe: names a failed batch's input for the error ("lines 2-2001 of styles.csv").
            progress: called after each committed batch with the rows written so far.

        Raises:
            WriteFailed: a batch failed after its retries.
        """
        summary = WriteSummary()
        started = time.perf_counter()
        with self.driver.session(database=self.database, max_transaction_retry_time=self.max_retry_s) as session:
            for chunk in chunks(records, self.batch_size):
                attempt = WriteSummary()

                def unit(tx: ManagedTransaction, chunk: list[T] = chunk, attempt: WriteSummary = attempt) -> int:
                    # A retried transaction starts again from zero counters.
                    attempt.reset()
                    return work(Batch(tx, chunk, attempt)) or 0

                try:
                    returned = session.execute_write(unit)
                except (Neo4jError, DriverError) as e:
                    raise WriteFailed(
                        f"writing {describe(chunk)} failed after retries: {_reason(e)}. "
                        f"{summary.rows} earlier rows are committed; re-running the same input is safe."
                    ) from e
                summary.add_counters(attempt)
                summary.returned += returned
                summary.rows += len(chunk)
                summary.batches += 1
                if progress is not None:
                    progress(summary.rows)
        summary.seconds = time.perf_counter() - started
        return summary


def write_batches(
    driver: Driver,
    statement_or_work: str | Callable[[Batch[T]], int | None],
    rows: Iterable[T],
    *,
    batch_size: int = 2000,
    params: Mapping[str, Any] | None = None,
    what: str = "rows",
    describe: Callable[[list[T]], str] | None = None,
    progress: Progress | None = None,
    max_retry_s: float = 30.0,
    database: str | None = None,
) -> WriteSummary:
    """Write ``rows`` in batches of ``batch_size``, one managed write transaction per batch.

    Args:
        statement_or_work: an ``UNWIND $rows AS row ...`` statement, run with ``rows`` = the batch
            and ``params``; its ``n`` column (``RETURN count(x) AS n``), if any, is summed into
            ``WriteSummary.returned``. Or a function of a :class:`Batch` that runs several
            statements through ``Batch.run`` and returns a count or None.
        rows: the input, consumed lazily.
        params: further parameters of the statement (ignored with a work function).
        what: names the input in an error, as ``"<what> (rows 1-1000)"``; ``describe`` overrides it.
        describe: names a failed batch's input from its rows.
        progress: called after each committed batch with the rows written so far.
        max_retry_s: how long the driver keeps retrying a batch on transient errors (default 30).

    Returns:
        The summed server counters, rows, batches, ``returned`` and seconds.

    Raises:
        ValueError: ``batch_size`` is not positive.
        WriteFailed: a batch failed after its retries (the earlier batches are committed).
    """
    writer = BatchWriter(driver, batch_size, max_retry_s=max_retry_s, database=database)
    work: Callable[[Batch[T]], int | None]
    if isinstance(statement_or_work, str):
        statement, extra = statement_or_work, dict(params or {})

        def run_statement(batch: Batch[T]) -> int:
            found = batch.run(statement, **extra, rows=batch.records)
            return sum(int(r["n"]) for r in found if r.get("n") is not None)

        work = run_statement

    else:
        work = statement_or_work
    if describe is not None:
        return writer.write(rows, work, describe, progress)
    done = [0]

    def by_position(chunk: list[T]) -> str:
        return f"{what} (rows {done[0] + 1}-{done[0] + len(chunk)})"

    def counting(written: int) -> None:
        done[0] = written
        if progress is not None:
            progress(written)

    return writer.write(rows, work, by_position, counting)


# --- the named queries of cypher/ -------------------------------------------------------------


@dataclass(frozen=True)
class QueryResult:
    """Rows of a named query, as plain JSON-ready values."""

    name: str
    columns: list[str]
    rows: list[dict[str, Any]]


def run_query(
    driver: Driver, name: str, params: Mapping[str, Any] | None = None, database: str | None = None
) -> QueryResult:
    """Run the read-mode query ``name`` in a read transaction (the server refuses writes in it).

    Raises:
        QueryError: unknown query, a write-mode query, bad parameters, or a Cypher error.
    """
    query = cypher.load(name)
    if query.mode != "read":
        raise QueryError(f"query {name} is a {query.mode}-mode query; `shopgraph query` runs read-only queries")
    bound = query.bind(params or {})

    def work(tx: ManagedTransaction) -> tuple[list[str], list[dict[str, Any]]]:
        result = tx.run(query.statements[0], **bound)
        keys = list(result.keys())
        return keys, [{k: plain(v) for k, v in record.items()} for record in result]

    try:
        with driver.session(database=database, default_access_mode=READ_ACCESS) as session:
            columns, rows = session.execute_read(work)
    except Neo4jError as e:
        raise QueryError(f"query {name} failed: {e.message or e}") from e
    return QueryResult(name, columns, rows)


def run_maintenance(
    driver: Driver, name: str, params: Mapping[str, Any] | None = None, database: str | None = None
) -> QueryResult:
    """Run the write-mode query ``name``, statement by statement, each in its own auto-commit transaction.

    Auto-commit is required by ``CALL { ... } IN TRANSACTIONS``, which these
    queries use to commit in batches. The result is the last statement's rows.

    Raises:
        QueryError: unknown query, bad parameters, or a Cypher error.
    """
    query = cypher.load(name)
    bound = query.bind(params or {})
    columns: list[str] = []
    rows: list[dict[str, Any]] = []
    try:
        with driver.session(database=database) as session:
            for statement in query.statements:
                result = session.run(statement, **bound)
                columns = list(result.keys())
                rows = [{k: plain(v) for k, v in record.items()} for record in result]
    except Neo4jError as e:
        raise QueryError(f"query {name} failed: {e.message or e}") from e
    return QueryResult(name, columns, rows)


def run_statement(
    driver: Driver,
    statement: str,
    params: Mapping[str, Any] | None = None,
    *,
    write: bool = False,
    database: str | None = None,
) -> QueryResult:
    """Run one statement a user typed (as cypher-shell does) in a managed read, or with ``write`` a write, transaction.

    The statement is the user's own; its values still travel as ``params``. On a cluster the
    read transaction goes to a reader, the write one to the leader.

    Raises:
        QueryError: the server refused the statement (a write in read mode included).
    """

    def work(tx: ManagedTransaction) -> tuple[list[str], list[dict[str, Any]]]:
        result = tx.run(statement, dict(params or {}))
        keys = list(result.keys())
        return keys, [{k: plain(v) for k, v in record.items()} for record in result]

    access = "WRITE" if write else "READ"
    try:
        with driver.session(database=database, default_access_mode=access) as session:
            columns, rows = session.execute_write(work) if write else session.execute_read(work)
    except (Neo4jError, DriverError) as e:
        raise QueryError(f"{_what(statement)} failed: {_reason(e)}") from e
    return QueryResult("statement", columns, rows)
