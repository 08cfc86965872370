"""Knowledge reasoning over purchase history: customers' preferences (``PREFERS``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from neo4j import Driver

from shopgraph.graphstore.core.defaults import PREFERENCES
from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.graphstore.core.runner import run_maintenance


@dataclass(frozen=True)
class PreferenceReport:
    customers: int
    preferences: int
    half_life_days: float
    as_of: str | None


def compute_preferences(
    driver: Driver,
    half_life_days: float = PREFERENCES.half_life_days,
    as_of: date | None = None,
    min_confidence: float = PREFERENCES.min_confidence,
    min_support: int = PREFERENCES.min_support,
    database: str | None = None,
) -> PreferenceReport:
    """Recompute every customer's ``PREFERS`` relationships with ``cypher/compute_preferences.cypher``.

    A purchase made ``a`` days before ``as_of`` weighs ``0.5 ** (a / half_life_days)``;
    a term's weight is the sum over the customer's purchases linked to it, its
    ``share`` the weight over the total of its kind.

    Args:
        driver: an open driver.
        half_life_days: recency half-life, > 0 (default 90).
        as_of: reference date; default the latest purchase in the graph.
        min_confidence: facts below this confidence are ignored (default 0.5).
        min_support: minimum purchases behind a preference (default 1).
        database: target database.

    Raises:
        ConfigError: a parameter is out of range.
        QueryError: the server refused the query.
    """
    if half_life_days <= 0:
        raise ConfigError(f"half_life_days must be positive, got {half_life_days}")
    if not 0 <= min_confidence <= 1:
        raise ConfigError(f"min_confidence must be in [0, 1], got {min_confidence}")
    result = run_maintenance(
        driver,
        "compute_preferences",
        {
            "halfLifeDays": float(half_life_days),
            "asOf": as_of.isoformat() if as_of else None,
            "minConfidence": float(min_confidence),
            "minSupport": int(min_support),
        },
        database,
    )
    row = result.rows[0] if result.rows else {"customers": 0, "preferences": 0}
    return PreferenceReport(
        customers=row["customers"] or 0,
        preferences=row["preferences"] or 0,
        half_life_days=half_life_days,
        as_of=as_of.isoformat() if as_of else None,
    )
