"""The controlled vocabulary of the graph: taxonomy, colours, materials, styles, patterns, genders.

The vocabulary ships as CSV files in ``graphstore/data/vocab/`` so that analysts can
read and extend it without touching code. Each term has a stable ``id`` (the node
key in Neo4j), a display ``name`` and synonyms used to link text to it.

Next to it lie the taxonomy-like tables the plugins read: the detector's classes
(``detector_classes.csv``, read by ``vision.classes``), the body parts an outfit's groups cover
(``outfit_slots.csv``), the slots of a complete look (``outfit_looks.csv``, read by the fitting
room) and which genders a shopper's gender includes (``gender_scopes.csv``),
both read by the assistant. Lists inside a cell are ``|``-separated.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from importlib import resources

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.graphstore.core.graph_model import VOCABULARY_LABELS
from shopgraph.graphstore.core.text import Lexicon, fold

# The file each vocabulary label is read from.
VOCABULARY_FILES = {
    "Category": "categories.csv",
    "Colour": "colours.csv",
    "Material": "materials.csv",
    "Style": "styles.csv",
    "Pattern": "patterns.csv",
    "Gender": "genders.csv",
}


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

    def colour_family(self, colour_id: str) -> str:
        """The family of a Colour id (``blue`` for ``navy-blue``); an unknown id is its own family."""
        term = self.terms["Colour"].get(colour_id)
        return term.family if term is not None and term.family else colour_id

    def category_lineage(self, category_id: str) -> list[str]:
        """``category_id`` and its ancestors, itself first (``["t-shirt", "tops", "apparel"]``)."""
        chain = [category_id]
        while (parent := self.terms["Category"][chain[-1]].parent) is not None:
            chain.append(parent)
        return chain

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
    for label in VOCABULARY_LABELS:
        filename = VOCABULARY_FILES[label]
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


# --- taxonomy-like data that plugins read (also CSV files in graphstore/data/vocab/) --------------


@dataclass(frozen=True)
class DetectorClassRow:
    """One row of ``detector_classes.csv``: the YOLO label ``name``, its Category node, the level-2 groups it covers."""

    name: str
    category: str
    groups: tuple[str, ...]


def _check_categories(filename: str, ids: Iterable[str], level: int | None = None) -> None:
    vocab = load_vocabulary()
    for category in ids:
        if category not in vocab.terms["Category"]:
            raise ConfigError(f"{filename}: unknown category {category!r}")
        if level is not None and vocab.category_level(category) != level:
            raise ConfigError(f"{filename}: {category!r} is not a taxonomy group (level {level})")


@cache
def detector_classes() -> tuple[DetectorClassRow, ...]:
    """The detector's classes from ``detector_classes.csv``, in class-index order (row 1 is class 0).

    Raises:
        ConfigError: a class names an unknown category or a group that is not a level-2 category.
    """
    rows = tuple(DetectorClassRow(r["name"], r["category"], _split(r["groups"])) for r in _rows("detector_classes.csv"))
    _check_categories("detector_classes.csv", [r.category for r in rows])
    _check_categories("detector_classes.csv", [g for r in rows for g in r.groups], level=2)
    return rows


@cache
def outfit_slots() -> dict[str, frozenset[str]]:
    """``{taxonomy group: parts of the body it covers}`` from ``outfit_slots.csv``; groups not listed
    (underwear, swimwear, beauty, ...) are not part of a look.

    Raises:
        ConfigError: a row names a category that is not a level-2 group.
    """
    slots = {r["group"]: frozenset(_split(r["covers"])) for r in _rows("outfit_slots.csv")}
    _check_categories("outfit_slots.csv", list(slots), level=2)
    return slots


@dataclass(frozen=True)
class LookSlot:
    """A slot of a look template (``outfit_looks.csv``): the template, the slot's name, the groups that fill it."""

    look: str
    slot: str
    groups: tuple[str, ...]


@cache
def outfit_looks() -> dict[str, tuple[LookSlot, ...]]:
    """``{look template: its slots, in the order a look is completed}`` from ``outfit_looks.csv``
    (``separates``: top, bottom, shoes, extra; ``dress``: dress, shoes, extra).

    Raises:
        ConfigError: a row names a category that is not a level-2 group, or a group that
            ``outfit_slots.csv`` does not say is worn as part of a look.
    """
    looks: dict[str, list[LookSlot]] = {}
    for r in _rows("outfit_looks.csv"):
        looks.setdefault(r["look"], []).append(LookSlot(r["look"], r["slot"], _split(r["groups"])))
    groups = [g for slots in looks.values() for s in slots for g in s.groups]
    _check_categories("outfit_looks.csv", groups, level=2)
    unworn = sorted(set(groups) - set(outfit_slots()))
    if unworn:
        raise ConfigError(f"outfit_looks.csv: groups not in outfit_slots.csv: {unworn}")
    return {look: tuple(slots) for look, slots in looks.items()}


@cache
def gender_scopes() -> dict[str, tuple[str, ...]]:
    """``{gender: the genders a shopper asking for it wants}`` from ``gender_scopes.csv``
    (men's items with unisex ones; kids' departments cover boys and girls).

    Raises:
        ConfigError: a row names a gender that ``genders.csv`` does not define.
    """
    scopes = {r["gender"]: _split(r["scope"]) for r in _rows("gender_scopes.csv")}
    genders = load_vocabulary().terms["Gender"]
    for gender, scope in scopes.items():
        unknown = [g for g in (gender, *scope) if g not in genders]
        if unknown:
            raise ConfigError(f"gender_scopes.csv: {gender}: unknown genders {unknown}")
    return scopes


@cache
def chinese_names() -> dict[tuple[str, str], tuple[str, ...]]:
    """``{(label, term id): Chinese spellings}`` from ``zh.csv``, the display name first (``("Colour", "red"):
    ("红色", "红")``); the assistant links and answers Chinese questions with them.

    Raises:
        ConfigError: a row names an unknown label or term, or has no spelling.
    """
    terms = load_vocabulary().terms
    names: dict[tuple[str, str], tuple[str, ...]] = {}
    for line, r in enumerate(_rows("zh.csv"), start=2):
        if r["label"] not in terms or r["id"] not in terms[r["label"]]:
            raise ConfigError(f"zh.csv:{line}: unknown {r['label']} {r['id']!r}")
        spellings = _split(r["zh"])
        if not spellings:
            raise ConfigError(f"zh.csv:{line}: field zh: no spelling for {r['id']!r}")
        names[(r["label"], r["id"])] = spellings
    return names
