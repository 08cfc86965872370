"""Looks into the graph: ``(:Outfit)-[:INCLUDES {slot, position}]->(:Product)``, and ``-[:STYLED_FOR]->(:Customer)``.

An outfit's id is ``outfit:<first 16 hex of SHA-256("<kind>:<subject>")>:<rank>``: the same request
writes the same nodes, so a re-run changes no node or relationship when the looks are the same,
replaces the pieces that changed, and removes the subject's looks of a rank beyond those built now.
A shopper is named only through ``STYLED_FOR``, never in a property.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from neo4j import Driver

from shopgraph.cypher.internal import outfits as q
from shopgraph.graphstore.core.runner import WriteSummary, write
from shopgraph.outfits.builder import Look


def outfit_prefix(kind: str, subject: str) -> str:
    """``outfit:<16 hex>:``, the id prefix of a subject's outfits."""
    return f"outfit:{hashlib.sha256(f'{kind}:{subject}'.encode()).hexdigest()[:16]}:"


def write_outfits(
    driver: Driver, kind: str, subject: str, looks: Sequence[Look], database: str | None = None
) -> WriteSummary:
    """MERGE the looks of ``subject`` (a ``customer`` or ``product`` id) and drop its outfits ranked past them.

    Raises:
        WriteFailed: the server refused a write.
    """
    prefix = outfit_prefix(kind, subject)
    rows = [
        {
            "id": f"{prefix}{look.rank}",
            "subjectKind": kind,
            "rank": look.rank,
            "look": look.template,
            "score": look.score,
            "reasons": list(look.reasons),
            "anchor": look.anchor,
            "notes": [f"no candidate for the {slot}" for slot in look.missing],
            "customer": subject if kind == "customer" else None,
            "pieces": [{"product": p.product, "slot": p.slot, "position": i} for i, p in enumerate(look.pieces)],
        }
        for look in looks
    ]
    summary = WriteSummary(rows=len(rows), batches=1)
    if rows:
        result = write(driver, q.UPSERT_OUTFITS, {"rows": rows}, what="writing outfits", database=database)
        _add(summary, result.summary)
    stale = write(
        driver,
        q.DELETE_STALE_OUTFITS,
        {"prefix": prefix, "looks": len(rows)},
        what="removing stale outfits",
        database=database,
    )
    _add(summary, stale.summary)
    return summary


def _add(total: WriteSummary, part: WriteSummary) -> None:
    for name in ("nodes_created", "nodes_deleted", "relationships_created", "relationships_deleted", "properties_set"):
        setattr(total, name, getattr(total, name) + getattr(part, name))
    total.seconds += part.seconds
