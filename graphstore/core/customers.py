"""The customers in the graph: their ids (long hashes in the H&M data) with their purchase counts."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from shopgraph.graphstore.core.runner import run_query

if TYPE_CHECKING:
    from neo4j import Driver


@dataclass(frozen=True)
class CustomerSummary:
    """One customer: ``purchases`` PURCHASED relationships of ``products`` distinct products,
    the latest on ``last_purchase`` (ISO date, None without purchases)."""

    id: str
    purchases: int
    products: int
    last_purchase: str | None
    age: int | float | None
    source: str | None


def list_customers(
    driver: Driver, limit: int = 20, source: str | None = None, database: str | None = None
) -> tuple[CustomerSummary, ...]:
    """Customers, most purchases first, then latest purchase first (named query ``customers``).

    Args:
        driver: an open driver.
        limit: most customers returned (default 20), at least 1.
        source: only customers of this source (``hm``); all when None.
        database: the database to read.

    Raises:
        ValueError: ``limit`` is below 1.
        QueryError: the query fails.
    """
    if limit < 1:
        raise ValueError(f"limit must be at least 1, got {limit}")
    rows = run_query(driver, "customers", {"limit": limit, "source": source}, database).rows
    return tuple(
        CustomerSummary(
            id=row["id"],
            purchases=row["purchases"],
            products=row["products"],
            last_purchase=row["lastPurchase"],
            age=row["age"],
            source=row["source"],
        )
        for row in rows
    )
