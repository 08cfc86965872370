"""Graph statistics: the count of every label and relationship type."""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import Driver

from shopgraph.cypher.internal import graphstore as q
from shopgraph.graphstore.core.runner import read


@dataclass(frozen=True)
class GraphStats:
    labels: dict[str, int]
    relationships: dict[str, int]

    @property
    def nodes(self) -> int:
        return sum(self.labels.values())

    @property
    def relationship_total(self) -> int:
        return sum(self.relationships.values())


def graph_stats(driver: Driver, database: str | None = None) -> GraphStats:
    """Counts per label and per relationship type, from the server's count store (constant time each).

    A node with two labels counts under both, so ``nodes`` can exceed the number of nodes.

    Raises:
        QueryError: a count failed.
    """
    labels = read(driver, q.LABEL_COUNTS, what="listing labels", database=database)
    types = read(driver, q.REL_TYPE_LIST, what="listing relationship types", database=database)
    label_counts = {}
    for record in labels:
        rows = read(driver, q.count_label(record["label"]), what=f"counting {record['label']}", database=database)
        label_counts[record["label"]] = rows[0]["n"]
    rel_counts = {}
    for record in types:
        rel = record["relationshipType"]
        rows = read(driver, q.count_rel(rel), what=f"counting {rel}", database=database)
        rel_counts[rel] = rows[0]["n"]
    return GraphStats(
        labels={k: v for k, v in label_counts.items() if v},
        relationships={k: v for k, v in rel_counts.items() if v},
    )
