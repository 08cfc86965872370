"""graphstore.core.runner against the real Neo4j: reads, writes, batches, counters and errors."""

from __future__ import annotations

import pytest
from neo4j import BoltDriver, Driver, ManagedTransaction, Neo4jDriver

from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.errors import QueryError, WriteFailed
from shopgraph.graphstore.core.runner import Batch, read, read_transaction, run_statement, write, write_batches

# Test statements; the product's own are in cypher/.
MERGE_CUSTOMERS = "UNWIND $rows AS row MERGE (c:Customer {id: row.id}) SET c.tier = $tier RETURN count(c) AS n"
CUSTOMERS = "MATCH (c:Customer) WHERE c.id STARTS WITH $prefix RETURN c.id AS id, c.tier AS tier ORDER BY id"


def test_read_and_write_return_rows_and_the_servers_counters(driver: Driver) -> None:
    done = write(driver, "CREATE (c:Customer {id: $id, tier: 'gold'}) RETURN c.id AS id", {"id": "r-1"})
    assert done.records == [{"id": "r-1"}]
    assert (done.summary.nodes_created, done.summary.properties_set) == (1, 2)
    assert done.summary.seconds > 0
    assert read(driver, CUSTOMERS, {"prefix": "r-"}) == [{"id": "r-1", "tier": "gold"}]
    deleted = write(driver, "MATCH (c:Customer {id: $id}) DETACH DELETE c", {"id": "r-1"})
    assert (deleted.records, deleted.summary.nodes_deleted) == ([], 1)


def test_auto_commit_runs_call_in_transactions(driver: Driver) -> None:
    write_batches(driver, MERGE_CUSTOMERS, [{"id": f"a-{i}"} for i in range(5)], params={"tier": "x"})
    # CALL { } IN TRANSACTIONS is refused inside a managed transaction, allowed in auto-commit.
    statement = "MATCH (c:Customer) WHERE c.id STARTS WITH 'a-' CALL (c) { DETACH DELETE c } IN TRANSACTIONS OF 2 ROWS"
    with pytest.raises(WriteFailed, match=r"statement `MATCH \(c:Customer\).*` failed: Neo.DatabaseError"):
        write(driver, statement)
    assert write(driver, statement, auto_commit=True).summary.nodes_deleted == 5
    assert read(driver, CUSTOMERS, {"prefix": "a-"}) == []


def test_driver_errors_become_query_error_and_write_failed_naming_the_statement(driver: Driver) -> None:
    with pytest.raises(QueryError, match=r"the colour lookup failed: Neo.ClientError.Statement.SyntaxError") as e:
        read(driver, "MATCH (c:Colour RETURN c", what="the colour lookup")
    assert e.value.__cause__ is not None
    with pytest.raises(QueryError, match="Neo.ClientError.Statement.AccessMode"):
        read(driver, "CREATE (:Customer {id: 'never'})")
    with pytest.raises(WriteFailed, match=r"statement `RETURN 1 \+` failed: Neo.ClientError.Statement.SyntaxError"):
        write(driver, "RETURN 1 +")
    assert read(driver, CUSTOMERS, {"prefix": "never"}) == []


def test_write_batches_counts_rows_batches_changes_and_returned_counts(driver: Driver) -> None:
    progress: list[int] = []
    rows = ({"id": f"b-{i}"} for i in range(7))  # consumed lazily
    summary = write_batches(
        driver, MERGE_CUSTOMERS, rows, batch_size=3, params={"tier": "silver"}, progress=progress.append
    )
    assert (summary.rows, summary.batches, summary.returned) == (7, 3, 7)
    assert (summary.nodes_created, summary.properties_set) == (7, 14)
    assert progress == [3, 6, 7]
    again = write_batches(driver, MERGE_CUSTOMERS, [{"id": f"b-{i}"} for i in range(7)], params={"tier": "silver"})
    assert (again.nodes_created, again.properties_set, again.returned, again.batches) == (0, 7, 7, 1)
    assert [r["tier"] for r in read(driver, CUSTOMERS, {"prefix": "b-"})] == ["silver"] * 7


def test_a_failing_batch_raises_write_failed_naming_its_rows_after_earlier_batches_commit(driver: Driver) -> None:
    def work(batch: Batch[dict[str, str]]) -> int:
        if any(r["id"] == "c-4" for r in batch.records):
            batch.run("THIS IS NOT CYPHER")
        found = batch.run(MERGE_CUSTOMERS, rows=batch.records, tier="bronze")
        return int(found[0]["n"])

    rows = [{"id": f"c-{i}"} for i in range(1, 8)]
    with pytest.raises(
        WriteFailed,
        match=r"(?s)writing customers \(rows 4-6\) failed after retries: Neo.ClientError.Statement.SyntaxError"
        r".*3 earlier rows are committed; re-running the same input is safe",
    ) as e:
        write_batches(driver, work, rows, batch_size=3, what="customers")
    assert e.value.__cause__ is not None
    assert [r["id"] for r in read(driver, CUSTOMERS, {"prefix": "c-"})] == ["c-1", "c-2", "c-3"]
    with pytest.raises(WriteFailed, match=r"writing ids c-1\.\.c-2 failed after retries"):
        write_batches(
            driver, "UNWIND $rows AS row MERGE (", rows[:2], describe=lambda b: f"ids {b[0]['id']}..{b[-1]['id']}"
        )
    with pytest.raises(ValueError, match="batch_size must be positive, got 0"):
        write_batches(driver, MERGE_CUSTOMERS, rows, batch_size=0)


def test_read_transaction_runs_several_reads_in_one_transaction(driver: Driver) -> None:
    write_batches(driver, MERGE_CUSTOMERS, [{"id": "t-1"}, {"id": "t-2"}], params={"tier": "t"})

    def work(tx: ManagedTransaction, prefix: str) -> tuple[int, list[str]]:
        count = tx.run("MATCH (c:Customer) WHERE c.id STARTS WITH $p RETURN count(c) AS n", p=prefix).single()
        ids = [r["id"] for r in tx.run(CUSTOMERS, prefix=prefix)]
        return int(count["n"]) if count else 0, ids

    assert read_transaction(driver, work, "t-") == (2, ["t-1", "t-2"])
    with pytest.raises(QueryError, match="reading customers failed: Neo.ClientError.Statement.SyntaxError"):
        read_transaction(driver, lambda tx: tx.run("MATCH (").consume(), what="reading customers")


def test_the_driver_routes_when_the_session_runs_routed(driver: Driver, neo4j_settings: Settings) -> None:
    """SHOPGRAPH_TEST_ROUTING=1 (.ci/run's second run) must really reach the server through the routing driver."""
    assert isinstance(driver, Neo4jDriver if neo4j_settings.routing else BoltDriver)
    assert neo4j_settings.bolt_uri.startswith("neo4j://" if neo4j_settings.routing else "bolt://")


def test_a_typed_statement_runs_read_only_unless_asked_to_write(driver: Driver) -> None:
    with pytest.raises(QueryError, match=r"statement `CREATE \(c:Customer \{id: \$id\}\)` failed: Neo.ClientError"):
        run_statement(driver, "CREATE (c:Customer {id: $id})", {"id": "t-1"})
    created = run_statement(driver, "CREATE (c:Customer {id: $id}) RETURN c.id AS id", {"id": "t-1"}, write=True)
    assert (created.columns, created.rows) == (["id"], [{"id": "t-1"}])
    assert run_statement(driver, "MATCH (c:Customer) RETURN count(c) AS n").rows == [{"n": 1}]
