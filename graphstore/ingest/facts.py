"""Typed records that readers produce and the writer consumes.

A ``Fact`` is one extracted relation from a product to a vocabulary term, with
its provenance: the extraction rule and a confidence in [0, 1]. The graph keeps
one relationship per (product, type, target); when several rules find the same
fact, ``merge_facts`` keeps the highest confidence and lists every rule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# The allow-list of fact types (relationship type → target label) is the graph model's FACT_TYPES.
from shopgraph.graphstore.core.graph_model import FACT_TYPES


@dataclass(frozen=True)
class Fact:
    """``(product)-[rel]->(target)``, found by ``rule`` with ``confidence``."""

    rel: str
    target: str
    rule: str
    confidence: float

    def __post_init__(self) -> None:
        if self.rel not in FACT_TYPES:
            raise ValueError(f"unknown fact type {self.rel!r}; known: {sorted(FACT_TYPES)}")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"confidence must be in [0, 1], got {self.confidence}")


@dataclass(frozen=True)
class MergedFact:
    rel: str
    target: str
    rule: str
    rules: tuple[str, ...]
    confidence: float


def merge_facts(facts: Iterable[Fact]) -> list[MergedFact]:
    """One fact per (rel, target): the best rule leads, all agreeing rules are kept.

    Agreement raises confidence: ``c = 1 - Π(1 - c_i)`` over the agreeing rules
    (noisy-OR), so two independent 0.7 rules give 0.91.
    """
    grouped: dict[tuple[str, str], list[Fact]] = {}
    for fact in facts:
        grouped.setdefault((fact.rel, fact.target), []).append(fact)
    merged = []
    for (rel, target), group in grouped.items():
        group.sort(key=lambda f: -f.confidence)
        miss = 1.0
        for fact in group:
            miss *= 1.0 - fact.confidence
        rules = tuple(dict.fromkeys(f.rule for f in group))
        merged.append(MergedFact(rel, target, group[0].rule, rules, round(1.0 - miss, 4)))
    return merged


@dataclass(frozen=True)
class SourceCategory:
    """A retailer's own category label, kept next to the shared taxonomy it maps to."""

    id: str
    source: str
    field: str
    name: str
    category: str | None


@dataclass(frozen=True)
class BrandRef:
    """A brand; ``parent`` is the brand it is a line of ("Adidas Originals" → Adidas)."""

    id: str
    name: str
    parent: BrandRef | None = None


@dataclass
class ProductRecord:
    """One catalog row, parsed and enriched, ready to write."""

    id: str
    source: str
    source_id: str
    source_file: str
    line: int
    name: str
    properties: dict[str, Any] = field(default_factory=dict)
    facts: list[Fact] = field(default_factory=list)
    brand: BrandRef | None = None
    source_categories: list[SourceCategory] = field(default_factory=list)
    department: dict[str, Any] | None = None


@dataclass(frozen=True)
class CustomerRecord:
    id: str
    source: str
    source_file: str
    line: int
    properties: dict[str, Any]


@dataclass(frozen=True)
class PurchaseRecord:
    """One purchase line. ``id`` is stable across re-runs of the same file (see readers.purchase_id)."""

    id: str
    customer: str
    product: str
    date: date
    price: float | None
    channel: int | None
    source: str
    source_file: str
    line: int
