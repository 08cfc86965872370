"""``shopgraph privacy export``: everything the graph holds about one customer, as data (the right of access)."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from neo4j import Driver

from shopgraph.cypher.internal import privacy as q
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.runner import Row, plain, read_transaction
from shopgraph.graphstore.privacy.forget import graph_id
from shopgraph.graphstore.privacy.scan import data_files, holds, needles


@dataclass(frozen=True)
class CustomerExport:
    """One customer's data: the node's properties (the recommender vector included), purchases,
    preferences, served recommendations, any other relationship, and the files of the data
    directory (outside the Neo4j server's folders) that hold their id or vector."""

    id: str
    properties: dict[str, Any]
    purchases: list[Row]
    preferences: list[Row]
    recommended: list[Row]
    other_relationships: list[Row]
    files: dict[str, list[str]]

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def export_customer(
    driver: Driver, settings: Settings, customer_id: str, database: str | None = None
) -> CustomerExport:
    """Everything stored about ``customer_id`` (raw id or, for a pseudonymised graph, its raw id
    or its pseudonym), read in one transaction so the parts agree.

    Raises:
        InputError: no such customer in the graph.
        QueryError: a read failed.
    """
    known = graph_id(driver, settings, customer_id, database)
    if known is None:
        raise InputError(f"privacy export: no customer {customer_id!r} in the graph")

    def work(tx: Any) -> dict[str, list[Row]]:
        params = {"id": known}
        statements = {
            "customer": q.EXPORT_CUSTOMER,
            "purchases": q.EXPORT_PURCHASES,
            "preferences": q.EXPORT_PREFERENCES,
            "recommended": q.EXPORT_RECOMMENDED,
            "other": q.EXPORT_OTHER_RELATIONSHIPS,
        }
        return {k: [{f: plain(v) for f, v in r.items()} for r in tx.run(s, params)] for k, s in statements.items()}

    parts = read_transaction(driver, work, what="exporting the customer", database=database)
    properties = parts["customer"][0]["properties"]
    patterns = needles(sorted({customer_id, known}), properties.get("recEmbedding"))
    files = {
        str(path.relative_to(settings.home)): list(found)
        for path in data_files(settings.home)
        if (found := holds(path, patterns))
    }
    return CustomerExport(
        id=known,
        properties=properties,
        purchases=parts["purchases"],
        preferences=parts["preferences"],
        recommended=parts["recommended"],
        other_relationships=parts["other"],
        files=files,
    )
