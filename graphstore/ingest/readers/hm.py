"""Readers for the H&M Personalized Fashion Recommendations files.

``articles.csv`` (catalog), ``customers.csv`` and ``transactions.csv`` /
``transactions_train.csv``. Article ids come in two formats: the original
10-digit zero-padded string ("0111565001") and, in some re-publications, an
integer that lost its leading zero (111565001); both become ``hm:0111565001``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from pathlib import Path

from shopgraph.graphstore.core.text import slug, tokens
from shopgraph.graphstore.core.vocab import Vocabulary
from shopgraph.graphstore.ingest.extract import NameExtractor, extract_materials
from shopgraph.graphstore.ingest.facts import (
    BrandRef,
    CustomerRecord,
    Fact,
    ProductRecord,
    PurchaseRecord,
    SourceCategory,
)
from shopgraph.graphstore.ingest.readers.csvio import read_rows
from shopgraph.graphstore.ingest.readers.fields import (
    RowError,
    digits,
    image_beside,
    parse_date,
    parse_float,
    parse_int,
    require,
    require_id,
)
from shopgraph.graphstore.ingest.readers.rejects import RejectLog

SOURCE = "hm"
BRAND = BrandRef(id="h-m", name="H&M")
ARTICLE_COLUMNS = [
    "article_id",
    "prod_name",
    "product_type_name",
    "product_group_name",
    "graphical_appearance_name",
    "colour_group_name",
    "department_name",
    "index_name",
    "index_group_name",
    "section_name",
    "garment_group_name",
    "detail_desc",
]
CUSTOMER_COLUMNS = ["customer_id", "FN", "Active", "club_member_status", "fashion_news_frequency", "age", "postal_code"]
TRANSACTION_COLUMNS = ["t_dat", "customer_id", "article_id", "price", "sales_channel_id"]
CHANNELS = {1: "store", 2: "online"}

# index_group_name → gender when the section name does not say it.
_INDEX_GROUP_GENDER = {"ladieswear": "women", "divided": "women", "menswear": "men", "baby/children": "kids"}
_SOURCE_TAXONOMY = ["product_group_name", "product_type_name"]
# Appearance values that name a pattern only in H&M's vocabulary ("Denim" is a material in text).
_APPEARANCE = {"denim": "denim-wash"}


def article_id(text: str) -> str:
    """Normalise an H&M article id to its 10-digit form; RowError if it is not one."""
    return digits(text, "article_id", most=10).zfill(10)


def _gender(values: dict[str, str], vocab: Vocabulary) -> Fact | None:
    mentions = vocab.lexicons["Gender"].find(tokens(values.get("section_name", "")))
    specific = [m.term for m in mentions if m.term != "kids"] or [m.term for m in mentions]
    if specific:
        return Fact("FOR_GENDER", specific[0], "column:section_name", 0.9)
    group = values.get("index_group_name", "").strip().lower()
    if group in _INDEX_GROUP_GENDER:
        return Fact("FOR_GENDER", _INDEX_GROUP_GENDER[group], "column:index_group_name", 0.9)
    return None


def _colour(value: str, vocab: Vocabulary) -> Fact | None:
    """H&M colour groups: exact names, and "Other Pink" style groups as their family at lower confidence."""
    value = value.strip()
    lexicon = vocab.lexicons["Colour"]
    term = lexicon.lookup(value)
    if term is not None:
        return Fact("HAS_COLOUR", term, "column:colour_group_name", 1.0)
    if value.lower().startswith("other "):
        family = lexicon.lookup(value[6:])
        if family is not None:
            return Fact(
                "HAS_COLOUR", vocab.term("Colour", family).family or family, "column:colour_group_name:other", 0.6
            )
    return None


def article_facts(values: dict[str, str], vocab: Vocabulary) -> list[Fact]:
    """Facts from the structured article columns (category, colour, pattern, gender, sport style)."""
    facts: list[Fact] = [Fact("HAS_BRAND", BRAND.id, "constant:retailer", 1.0)]
    category = vocab.category_for(SOURCE, values["product_type_name"])
    if category is not None:
        facts.append(Fact("IN_CATEGORY", category, "column:product_type_name", 1.0))
    colour = _colour(values["colour_group_name"], vocab)
    if colour is not None:
        facts.append(colour)
    appearance = values["graphical_appearance_name"].strip()
    pattern = _APPEARANCE.get(appearance.lower()) or vocab.lexicons["Pattern"].lookup(appearance)
    if pattern is not None:
        facts.append(Fact("HAS_PATTERN", pattern, "column:graphical_appearance_name", 1.0))
    gender = _gender(values, vocab)
    if gender is not None:
        facts.append(gender)
    if values["index_group_name"].strip().lower() == "sport":
        facts.append(Fact("HAS_STYLE", "sports", "column:index_group_name", 0.9))
    return facts


def read_hm_articles(
    path: Path, vocab: Vocabulary, rejects: RejectLog, encoding: str | None = None
) -> Iterator[ProductRecord]:
    """Stream ``ProductRecord``s from an H&M ``articles.csv`` (either id format) in ``encoding``.

    Materials come from ``detail_desc``; more colours, patterns and styles from
    ``prod_name``. Photos are looked up in ``images/<first 3 digits>/<id>.jpg``.

    Raises:
        InputError: the file is missing columns or cannot be read.
    """
    names = NameExtractor(vocab, brands=None)
    source_file = f"{SOURCE}:{path.name}"
    for row in read_rows(path, ARTICLE_COLUMNS, rejects, encoding=encoding):
        v = row.values
        try:
            aid = article_id(require(v, "article_id"))
            name = require(v, "prod_name")
        except RowError as e:
            rejects.reject(path.name, row.line, str(e), row.raw)
            continue
        description = v["detail_desc"].strip()
        name_facts = [f for f in names.extract(name, with_brand=False).facts if f.rel != "FOR_GENDER"]
        department_no = v.get("department_no", "").strip()
        yield ProductRecord(
            id=f"{SOURCE}:{aid}",
            source=SOURCE,
            source_id=aid,
            source_file=source_file,
            line=row.line,
            name=name,
            properties={
                "description": description or None,
                "productCode": v.get("product_code", "").strip() or None,
                "image": image_beside(path, f"images/{aid[:3]}/{aid}.jpg"),
            },
            facts=article_facts(v, vocab) + name_facts + extract_materials(description, vocab),
            brand=BRAND,
            source_categories=_source_categories(v, vocab),
            department={
                "id": f"{SOURCE}:{department_no or slug(v['department_name'])}",
                "name": v["department_name"].strip(),
                "indexName": v["index_name"].strip(),
                "indexGroup": v["index_group_name"].strip(),
                "section": v["section_name"].strip(),
                "garmentGroup": v["garment_group_name"].strip(),
            },
        )


def _source_categories(values: dict[str, str], vocab: Vocabulary) -> list[SourceCategory]:
    path = []
    for field in _SOURCE_TAXONOMY:
        value = values[field].strip()
        mapped = vocab.category_for(SOURCE, value) if field == "product_type_name" else None
        path.append(SourceCategory(f"{SOURCE}:{field}:{slug(value)}", SOURCE, field, value, mapped))
    return path


def read_hm_customers(
    path: Path, rejects: RejectLog, source: str = SOURCE, encoding: str | None = None
) -> Iterator[CustomerRecord]:
    """Stream ``CustomerRecord``s from an H&M ``customers.csv``; rows without an id or with a bad age are rejected."""
    source_file = f"{source}:{path.name}"
    for row in read_rows(path, CUSTOMER_COLUMNS, rejects, encoding=encoding):
        v = row.values
        try:
            cid = require_id(v, "customer_id")
            age = parse_int(v, "age")
        except RowError as e:
            rejects.reject(path.name, row.line, str(e), row.raw)
            continue
        yield CustomerRecord(
            id=cid,
            source=source,
            source_file=source_file,
            line=row.line,
            properties={
                "age": age,
                "clubMemberStatus": v["club_member_status"].strip() or None,
                "fashionNewsFrequency": v["fashion_news_frequency"].strip() or None,
                "fn": v["FN"].strip() == "1.0" or v["FN"].strip() == "1",
                "active": v["Active"].strip() == "1.0" or v["Active"].strip() == "1",
                "postalCode": v["postal_code"].strip() or None,
            },
        )


class PurchaseIds:
    """Stable purchase ids for files without a transaction id.

    The id hashes the row's content, the number of identical rows before it in
    the same date-ordered stretch of the file, and that stretch's number, so two
    identical purchases stay two purchases and a re-run of the same file yields
    the same ids. A stretch ends where the date goes backwards; within one, a row
    can only repeat an earlier row of the same date, so counters are kept for the
    current date alone and memory does not grow with the file, sorted or not.
    """

    def __init__(self, source: str) -> None:
        self._source = source
        self._counts: dict[tuple[object, ...], int] = {}
        self._latest: date | None = None
        self._stretch = 0

    def next(self, customer: str, product: str, day: date, price: float | None, channel: int | None) -> str:
        """The id of the next purchase row with these values."""
        if self._latest is None or day != self._latest:
            if self._latest is not None and day < self._latest:
                self._stretch += 1
            self._counts.clear()
            self._latest = day
        key = (customer, product, day, price, channel)
        occurrence = self._counts.get(key, 0)
        self._counts[key] = occurrence + 1
        digest = hashlib.sha1(repr((*key, self._stretch, occurrence)).encode()).hexdigest()[:20]
        return f"{self._source}:{digest}"


def read_hm_transactions(
    path: Path,
    rejects: RejectLog,
    source: str = SOURCE,
    product_id_column: str = "article_id",
    normalise_product: bool = True,
    encoding: str | None = None,
) -> Iterator[PurchaseRecord]:
    """Stream ``PurchaseRecord``s from an H&M ``transactions.csv`` (or ``transactions_train.csv``).

    Rows with a bad date, a missing customer or article, a negative price or an
    unknown sales channel are rejected with the reason.
    """
    columns = [product_id_column if c == "article_id" else c for c in TRANSACTION_COLUMNS]
    ids = PurchaseIds(source)
    source_file = f"{source}:{path.name}"
    for row in read_rows(path, columns, rejects, encoding=encoding):
        v = row.values
        try:
            day = parse_date(v, "t_dat")
            customer = require_id(v, "customer_id")
            raw_product = require_id(v, product_id_column)
            product = article_id(raw_product) if normalise_product else raw_product
            price = parse_float(v, "price")
            channel = parse_int(v, "sales_channel_id")
            if channel is not None and channel not in CHANNELS:
                raise RowError(f"unknown sales_channel_id {channel}: expected one of {sorted(CHANNELS)}")
        except RowError as e:
            rejects.reject(path.name, row.line, str(e), row.raw)
            continue
        yield PurchaseRecord(
            id=ids.next(customer, product, day, price, channel),
            customer=customer,
            product=f"{source}:{product}",
            date=day,
            price=price,
            channel=channel,
            source=source,
            source_file=source_file,
            line=row.line,
        )
