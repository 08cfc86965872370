"""The documented generic format for a user's own catalog, customers and purchases.

Catalog: CSV with a header, or JSON Lines (``.jsonl``), one product per row:

======================  ========  ==============================================
field                   required  meaning
======================  ========  ==============================================
``id``                  yes       the product id in your system
``name``                yes       display name ("Puma Men Black Running Shoes")
``brand``               no        brand name; learned from names when empty
``category``            no        your category label; linked to the taxonomy
``colour``              no        one or more colours, ``;``-separated
``material``            no        one or more materials, ``;``-separated
``gender``              no        Men, Women, Boys, Girls, Unisex, Kids
``style``               no        Casual, Formal, Sports, Ethnic, Party, ...
``pattern``             no        Solid, Striped, Checked, Printed, ...
``description``         no        free text; materials are extracted from it
``price``               no        list price, a number
``image``               no        path of a product photo
``available_from``      no        the day it went on sale (YYYY-MM-DD); the
                                  recommender may propose it from then on,
                                  even before anybody bought it
======================  ========  ==============================================

Customers: CSV ``id`` (required), ``age``. Purchases: CSV ``date`` (YYYY-MM-DD),
``customer_id``, ``product_id`` (required), ``price``, ``channel`` (``store``,
``online``, 1 or 2). See docs/formats.md.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from shopgraph.graphstore.core.text import slug
from shopgraph.graphstore.core.vocab import Vocabulary
from shopgraph.graphstore.ingest.extract import BrandLexicon, NameExtractor, extract_materials
from shopgraph.graphstore.ingest.facts import (
    BrandRef,
    CustomerRecord,
    Fact,
    ProductRecord,
    PurchaseRecord,
    SourceCategory,
)
from shopgraph.graphstore.ingest.readers.csvio import Row, read_rows
from shopgraph.graphstore.ingest.readers.fields import (
    RowError,
    parse_date,
    parse_float,
    parse_int,
    require,
    require_id,
)
from shopgraph.graphstore.ingest.readers.hm import PurchaseIds
from shopgraph.graphstore.ingest.readers.jsonl import FieldKind, read_jsonl
from shopgraph.graphstore.ingest.readers.rejects import RejectLog

CATALOG_REQUIRED = ["id", "name"]
# What each field may hold in JSON Lines: the list fields are the ones split on ";" in CSV.
CATALOG_FIELDS: dict[str, FieldKind] = {
    "id": "id",
    "name": "text",
    "brand": "text",
    "category": "text",
    "colour": "list",
    "material": "list",
    "gender": "list",
    "style": "list",
    "pattern": "list",
    "description": "text",
    "price": "number",
    "image": "text",
    "available_from": "text",
}
CUSTOMER_FIELDS: dict[str, FieldKind] = {"id": "id", "age": "number"}
PURCHASE_FIELDS: dict[str, FieldKind] = {
    "date": "text",
    "customer_id": "id",
    "product_id": "id",
    "price": "number",
    "channel": "text",
}
_LISTS = [
    ("colour", "Colour", "HAS_COLOUR"),
    ("material", "Material", "MADE_OF"),
    ("gender", "Gender", "FOR_GENDER"),
    ("style", "Style", "HAS_STYLE"),
    ("pattern", "Pattern", "HAS_PATTERN"),
]
_CHANNELS = {"1": 1, "store": 1, "2": 2, "online": 2}


def _rows(
    path: Path, fields: dict[str, FieldKind], required: list[str], rejects: RejectLog, encoding: str | None
) -> Iterator[Row]:
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        return read_jsonl(path, fields, required, rejects, encoding)
    return read_rows(path, required, rejects, encoding=encoding)


def _column_facts(values: dict[str, str], vocab: Vocabulary, rejects: RejectLog, file: str, line: int) -> list[Fact]:
    facts = []
    for field, label, rel in _LISTS:
        for value in filter(None, (v.strip() for v in values.get(field, "").split(";"))):
            term = vocab.lexicons[label].lookup(value)
            if term is None:
                rejects.repair(
                    file, line, f"{field} {value!r} is not in the {label} vocabulary; kept the rest of the row", ""
                )
                continue
            facts.append(Fact(rel, term, f"column:{field}", 1.0))
    return facts


def read_generic_catalog(
    path: Path, vocab: Vocabulary, rejects: RejectLog, source: str, encoding: str | None = None
) -> Iterator[ProductRecord]:
    """Stream ``ProductRecord``s from a catalog in the generic format (CSV or JSON Lines) in ``encoding``.

    Values that the vocabulary does not know are reported (status ``repaired``)
    and the rest of the row is kept; the category label is always kept as the
    product's ``SourceCategory``. Rows without an id or name, with a bad price or
    date, or (JSON Lines) with a value its field does not allow are rejected.
    """
    names = [
        row.values["name"]
        for row in _rows(path, CATALOG_FIELDS, CATALOG_REQUIRED, RejectLog(None), encoding)
        if not row.values.get("brand")
    ]
    brands = BrandLexicon.learn(names, vocab.lexicons["Gender"]) if names else None
    extractor = NameExtractor(vocab, brands)
    source_file = f"{source}:{path.name}"
    for row in _rows(path, CATALOG_FIELDS, CATALOG_REQUIRED, rejects, encoding):
        v = row.values
        try:
            pid = require_id(v, "id")
            name = require(v, "name")
            price = parse_float(v, "price")
            available_from = parse_date(v, "available_from") if v.get("available_from", "").strip() else None
        except RowError as e:
            rejects.reject(path.name, row.line, str(e), row.raw)
            continue
        brand_name = v.get("brand", "").strip()
        extraction = extractor.extract(name, with_brand=not brand_name)
        facts = _column_facts(v, vocab, rejects, path.name, row.line) + extraction.facts
        brand: BrandRef | None = None
        if brand_name:
            brand = BrandRef(id=slug(brand_name), name=brand_name)
            facts.append(Fact("HAS_BRAND", brand.id, "column:brand", 1.0))
        elif extraction.brand is not None:
            brand = extraction.brand.brand
            facts.append(Fact("HAS_BRAND", brand.id, extraction.brand.rule, extraction.brand.confidence))
        categories = []
        label = v.get("category", "").strip()
        if label:
            mapped = vocab.category_for(source, label) or vocab.lexicons["Category"].lookup(label)
            categories.append(SourceCategory(f"{source}:category:{slug(label)}", source, "category", label, mapped))
            if mapped is not None:
                facts.append(Fact("IN_CATEGORY", mapped, "column:category", 1.0))
        description = v.get("description", "").strip()
        facts += extract_materials(description, vocab)
        yield ProductRecord(
            id=f"{source}:{pid}",
            source=source,
            source_id=pid,
            source_file=source_file,
            line=row.line,
            name=name,
            properties={
                "description": description or None,
                "price": price,
                "image": v.get("image", "").strip() or None,
                "availableFrom": available_from,
            },
            facts=facts,
            brand=brand,
            source_categories=categories,
        )


def read_generic_customers(
    path: Path, rejects: RejectLog, source: str, encoding: str | None = None
) -> Iterator[CustomerRecord]:
    """Stream ``CustomerRecord``s from a generic customers CSV or JSON Lines file (``id``, optional ``age``)."""
    for row in _rows(path, CUSTOMER_FIELDS, ["id"], rejects, encoding):
        try:
            cid = require_id(row.values, "id")
            age = parse_int(row.values, "age")
        except RowError as e:
            rejects.reject(path.name, row.line, str(e), row.raw)
            continue
        yield CustomerRecord(cid, source, f"{source}:{path.name}", row.line, {"age": age})


def read_generic_purchases(
    path: Path, rejects: RejectLog, source: str, encoding: str | None = None
) -> Iterator[PurchaseRecord]:
    """Stream ``PurchaseRecord``s from generic purchases (``date, customer_id, product_id, price, channel``)."""
    ids = PurchaseIds(source)
    for row in _rows(path, PURCHASE_FIELDS, ["date", "customer_id", "product_id"], rejects, encoding):
        v = row.values
        try:
            day = parse_date(v, "date")
            customer = require_id(v, "customer_id")
            product = require_id(v, "product_id")
            price = parse_float(v, "price")
            channel_text = v.get("channel", "").strip().lower()
            if channel_text and channel_text not in _CHANNELS:
                raise RowError(f"unknown channel {channel_text!r}: expected store, online, 1 or 2")
            channel = _CHANNELS.get(channel_text)
        except RowError as e:
            rejects.reject(path.name, row.line, str(e), row.raw)
            continue
        yield PurchaseRecord(
            ids.next(customer, product, day, price, channel),
            customer,
            f"{source}:{product}",
            day,
            price,
            channel,
            source,
            f"{source}:{path.name}",
            row.line,
        )
