"""What the fitting room reads from the graph: the products a look is made of and who bought them when.

:func:`read_look_data` reads, in one read transaction, every catalog product of the taxonomy groups
of ``outfit_looks.csv`` with the facts the builder's rules use, and every purchase line of those
products. Days are ordinals (``date.toordinal()``), so a time split is a comparison of integers.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from neo4j import Driver, ManagedTransaction

from shopgraph.cypher.internal import outfits as q
from shopgraph.graphstore.core.runner import read, read_transaction
from shopgraph.graphstore.core.vocab import outfit_looks
from shopgraph.outfits.harmony import Shade


@dataclass(frozen=True)
class LookProduct:
    """A catalog product that can be part of a look, with what the rules read.

    ``group`` is its taxonomy group (level 2), ``category`` its most specific category, ``colour``
    its most confident Colour id (None: the catalog names none), ``shade`` that colour for the
    harmony rules, ``photo`` whether an Image depicts it.
    """

    id: str
    name: str
    group: str
    category: str | None
    genders: tuple[str, ...]
    colour: str | None
    colour_family: str | None
    shade: Shade
    styles: tuple[str, ...]
    photo: bool


@dataclass(frozen=True)
class Purchase:
    """One purchase line: ``customer`` bought ``product`` on ``day`` (an ordinal)."""

    customer: str
    product: str
    day: int


@dataclass(frozen=True)
class LookData:
    """The look products by id and their purchase lines, in date order."""

    products: dict[str, LookProduct]
    purchases: tuple[Purchase, ...]

    def last_day(self) -> int | None:
        """The day of the latest purchase line (None without any)."""
        return self.purchases[-1].day if self.purchases else None


def look_groups() -> list[str]:
    """Every taxonomy group a slot of ``outfit_looks.csv`` names, sorted."""
    return sorted({g for slots in outfit_looks().values() for s in slots for g in s.groups})


def _product(row: dict[str, Any]) -> LookProduct:
    colour = row["colour"] if isinstance(row["colour"], dict) else None
    lab = colour.get("lab") if colour else None
    name = str(colour["name"]) if colour else None
    return LookProduct(
        id=str(row["id"]),
        name=str(row["name"] or row["id"]),
        group=str(row["group"]),
        category=str(row["category"]) if row["category"] else None,
        genders=tuple(str(g) for g in row["genders"]),
        colour=str(colour["id"]) if colour else None,
        colour_family=str(colour["family"]) if colour and colour.get("family") else None,
        shade=Shade(
            name=name.lower() if name else None,
            lab=(float(lab[0]), float(lab[1]), float(lab[2])) if lab else None,
            denim=bool(row["denim"]),
            multi=bool(colour and colour["id"] == "multi"),
        ),
        styles=tuple(str(s) for s in row["styles"]),
        photo=bool(row["photo"]),
    )


def _ordinal(value: Any) -> int:
    """A driver date as a day ordinal."""
    return date(value.year, value.month, value.day).toordinal()


def _read(tx: ManagedTransaction, groups: list[str]) -> LookData:
    products = {p.id: p for p in (_product(r.data()) for r in tx.run(q.LOOK_PRODUCTS, groups=groups))}
    lines = tx.run(q.LOOK_PURCHASES, products=list(products))
    purchases = tuple(Purchase(str(r["customer"]), str(r["product"]), _ordinal(r["date"])) for r in lines)
    return LookData(products, purchases)


def read_look_data(driver: Driver, database: str | None = None) -> LookData:
    """The look products and their purchase lines, read in one transaction.

    Raises:
        QueryError: the graph could not be read.
    """
    return read_transaction(driver, _read, look_groups(), what="reading the look products", database=database)


def subject_kind(driver: Driver, subject: str, database: str | None = None) -> tuple[bool, bool]:
    """Whether ``subject`` is a Customer id and whether it is a Product id."""
    row = read(driver, q.SUBJECT_KIND, {"id": subject}, what="looking up the subject", database=database)[0]
    return bool(row["customer"]), bool(row["product"])


def stored_preferences(driver: Driver, customer: str, database: str | None = None) -> dict[str, dict[str, float]]:
    """The customer's PREFERS shares ``{kind: {term: share}}`` for colours, categories and styles (empty: none)."""
    shares: dict[str, dict[str, float]] = {}
    rows = read(driver, q.CUSTOMER_PREFERENCES, {"customer": customer}, what="reading preferences", database=database)
    for r in rows:
        shares.setdefault(str(r["kind"]), {})[str(r["term"])] = float(r["share"] or 0.0)
    return shares
