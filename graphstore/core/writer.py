"""Batched, retried, idempotent writes: one transaction per batch of ``UNWIND`` queries.

A batch runs as one managed write transaction (``session.execute_write``), which
the driver retries on transient errors (deadlocks, leader switches, a server
briefly unavailable) for up to ``max_retry_s``. A batch that still fails raises
``WriteFailed`` naming the input lines it held; the batches before it are
committed, and since every write is a MERGE keyed on stable ids, re-running the
same input finishes the job without duplicating anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from typing import Any, Generic, TypeVar

from neo4j import Driver, ManagedTransaction
from neo4j.exceptions import DriverError, Neo4jError

from shopgraph.graphstore.core.errors import WriteFailed

T = TypeVar("T")

Progress = Callable[[int], None]
"""Called with the number of input rows written so far."""


@dataclass
class WriteSummary:
    """What a run of batches changed, from the server's own counters."""

    rows: int = 0
    batches: int = 0
    nodes_created: int = 0
    nodes_deleted: int = 0
    relationships_created: int = 0
    relationships_deleted: int = 0
    properties_set: int = 0
    seconds: float = 0.0

    def reset(self) -> None:
        self.__dict__.update(WriteSummary().__dict__)

    def add_counters(self, counters: object) -> None:
        self.nodes_created += getattr(counters, "nodes_created", 0)
        self.nodes_deleted += getattr(counters, "nodes_deleted", 0)
        self.relationships_created += getattr(counters, "relationships_created", 0)
        self.relationships_deleted += getattr(counters, "relationships_deleted", 0)
        self.properties_set += getattr(counters, "properties_set", 0)


class Batch(Generic[T]):
    """A batch of records and the transaction that runs its queries, collecting counters."""

    def __init__(self, tx: ManagedTransaction, records: list[T], summary: WriteSummary) -> None:
        self.tx = tx
        self.records = records
        self._summary = summary

    def run(self, query: str, **params: Any) -> None:
        """Run one query in the batch's transaction and add its counters to the summary."""
        counters = self.tx.run(query, params).consume().counters
        self._summary.add_counters(counters)


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
        work: Callable[[Batch[T]], None],
        describe: Callable[[list[T]], str],
        progress: Progress | None = None,
    ) -> WriteSummary:
        """Write ``records`` in batches, each by ``work`` in one transaction.

        Args:
            records: the input, consumed lazily.
            work: runs the batch's queries through ``Batch.run``.
            describe: names a failed batch's input for the error ("lines 2-2001 of styles.csv").
            progress: called after each committed batch.

        Raises:
            WriteFailed: a batch failed after its retries.
        """
        summary = WriteSummary()
        started = time.perf_counter()
        with self.driver.session(database=self.database, max_transaction_retry_time=self.max_retry_s) as session:
            for chunk in chunks(records, self.batch_size):
                attempt = WriteSummary()

                def unit(tx: ManagedTransaction, chunk: list[T] = chunk, attempt: WriteSummary = attempt) -> None:
                    # A retried transaction starts again from zero counters.
                    attempt.reset()
                    work(Batch(tx, chunk, attempt))

                try:
                    session.execute_write(unit)
                except (Neo4jError, DriverError) as e:
                    reason = f"{e.code}: {e.message}" if isinstance(e, Neo4jError) else str(e)
                    raise WriteFailed(
                        f"writing {describe(chunk)} failed after retries: {reason.strip()}. "
                        f"{summary.rows} earlier rows are committed; re-running the same input is safe."
                    ) from e
                summary.add_counters(attempt)
                summary.rows += len(chunk)
                summary.batches += 1
                if progress is not None:
                    progress(summary.rows)
        summary.seconds = time.perf_counter() - started
        return summary
