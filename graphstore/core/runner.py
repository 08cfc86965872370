"""Running the named queries of ``cypher/``: read-only for analysts, write mode for maintenance."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from neo4j import READ_ACCESS, Driver, ManagedTransaction
from neo4j.exceptions import Neo4jError
from neo4j.graph import Node, Path, Relationship
from neo4j.time import Date, DateTime, Duration

from shopgraph import cypher
from shopgraph.graphstore.core.errors import QueryError


@dataclass(frozen=True)
class QueryResult:
    """Rows of a named query, as plain JSON-ready values."""

    name: str
    columns: list[str]
    rows: list[dict[str, Any]]


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
