"""The controlled vocabulary of the graph: taxonomy, colours, materials, styles, patterns, genders.

The vocabulary ships as CSV files in ``graphstore/data/vocab/`` so that analysts can
read and extend it without touching code. Each term has a stable ``id`` (the node
key in Neo4j), a display ``name`` and synonyms used to link text to it.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.graphstore.core.text import Lexicon, fold


@dataclass(frozen=True)
class Term:
    """One vocabulary entry. ``parent`` is the taxonomy parent (categories) or colour family."""

    id: str
    name: str
    synonyms: tuple[str, ...] = ()
    parent: str | None = None
    hex: str | None = None
    family: str | None = None

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.name, *self.synonyms)


@dataclass(frozen=True)
class Vocabulary:
    """All vocabularies, keyed by the node label they become."""

    terms: dict[str, dict[str, Term]]
    category_map: dict[tuple[str, str], str]
    lexicons: dict[str, Lexicon] = field(compare=False)

    def term(self, label: str, term_id: str) -> Term:
        return self.terms[label][term_id]

    def category_for(self, source: str, value: str) -> str | None:
        """Shared-taxonomy category id for a retailer's own category label, or None."""
        return self.category_map.get((source, fold(value).strip()))

    def category_level(self, category_id: str) -> int:
        """Depth in the taxonomy: 1 for departments, 2 for groups, 3 for leaves."""
        level, term = 1, self.terms["Category"][category_id]
        while term.parent:
            level += 1
            term = self.terms["Category"][term.parent]
        return level

    def category_ancestor(self, category_id: str, level: int) -> str:
        """The ancestor of ``category_id`` at taxonomy depth ``level`` (itself if already there)."""
        chain = [category_id]
        while (parent := self.terms["Category"][chain[-1]].parent) is not None:
            chain.append(parent)
        chain.reverse()
        return chain[min(level, len(chain)) - 1]


def _rows(name: str) -> Iterator[dict[str, str]]:
    text = resources.files("shopgraph.graphstore").joinpath("data", "vocab", name).read_text(encoding="utf-8")
    yield from csv.DictReader(text.splitlines())


def _split(value: str | None) -> tuple[str, ...]:
    return tuple(s.strip() for s in (value or "").split("|") if s.strip())


@cache
def load_vocabulary() -> Vocabulary:
    """Read the shipped vocabulary files once and build the text lexicons.

    Raises:
        ConfigError: a category mapping or colour family names an unknown term.
    """
    terms: dict[str, dict[str, Term]] = {}
    for label, filename in [
        ("Category", "categories.csv"),
        ("Colour", "colours.csv"),
        ("Material", "materials.csv"),
        ("Style", "styles.csv"),
        ("Pattern", "patterns.csv"),
        ("Gender", "genders.csv"),
    ]:
        terms[label] = {
            r["id"]: Term(
                id=r["id"],
                name=r["name"],
                synonyms=_split(r.get("synonyms")),
                parent=r.get("parent") or None,
                hex=r.get("hex") or None,
                family=r.get("family") or None,
            )
            for r in _rows(filename)
        }
    categories = terms["Category"]
    for term in categories.values():
        if term.parent and term.parent not in categories:
            raise ConfigError(f"categories.csv: {term.id} has unknown parent {term.parent!r}")
    for term in terms["Colour"].values():
        if term.family not in terms["Colour"]:
            raise ConfigError(f"colours.csv: {term.id} has unknown family {term.family!r}")

    category_map: dict[tuple[str, str], str] = {}
    for r in _rows("category_map.csv"):
        if r["category"] not in categories:
            raise ConfigError(f"category_map.csv: {r['value']!r} maps to unknown category {r['category']!r}")
        category_map[(r["source"], fold(r["value"]).strip())] = r["category"]

    lexicons: dict[str, Lexicon] = {}
    for label, by_id in terms.items():
        lexicon = Lexicon()
        ordered = list(by_id.values())
        if label == "Category":
            # Leaves first, so "Tops" in a product name links to the leaf Top, not the group.
            has_children = {t.parent for t in ordered if t.parent}
            ordered.sort(key=lambda t: t.id in has_children)
        for term in ordered:
            lexicon.add(term.id, term.spellings)
        lexicons[label] = lexicon
    return Vocabulary(terms=terms, category_map=category_map, lexicons=lexicons)
