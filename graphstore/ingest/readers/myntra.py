"""Reader for the Myntra "Fashion Product Images" catalog (``styles.csv``).

Columns: ``id, gender, masterCategory, subCategory, articleType, baseColour,
season, year, usage, productDisplayName``. There is no brand column: brands are
learned from the names in a first pass (``BrandLexicon``), then each row is
extracted in a second pass. The name is the last column, and the public file has
rows with unquoted commas in it: those are repaired and reported.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from shopgraph.graphstore.core.text import slug
from shopgraph.graphstore.core.vocab import Vocabulary
from shopgraph.graphstore.ingest.extract import BrandLexicon, NameExtractor
from shopgraph.graphstore.ingest.facts import Fact, ProductRecord, SourceCategory
from shopgraph.graphstore.ingest.readers.csvio import read_rows
from shopgraph.graphstore.ingest.readers.fields import RowError, digits, image_beside, parse_int, require
from shopgraph.graphstore.ingest.readers.rejects import RejectLog

SOURCE = "myntra"
COLUMNS = [
    "id",
    "gender",
    "masterCategory",
    "subCategory",
    "articleType",
    "baseColour",
    "season",
    "year",
    "usage",
    "productDisplayName",
]
NAME = "productDisplayName"
_TAXONOMY = ["masterCategory", "subCategory", "articleType"]


def learn_brands(path: Path, vocab: Vocabulary, encoding: str | None = None) -> BrandLexicon:
    """First pass: the brand lexicon of the names in ``path``."""
    rows = read_rows(path, COLUMNS, RejectLog(None), overflow_into=NAME, encoding=encoding)
    names = (row.values[NAME] for row in rows)
    return BrandLexicon.learn(names, vocab.lexicons["Gender"])


def column_facts(values: dict[str, str], vocab: Vocabulary) -> list[Fact]:
    """Facts from the structured columns: gender, articleType, baseColour, usage."""
    facts: list[Fact] = []
    lookups = [
        ("gender", "Gender", "FOR_GENDER"),
        ("baseColour", "Colour", "HAS_COLOUR"),
        ("usage", "Style", "HAS_STYLE"),
    ]
    for column, label, rel in lookups:
        value = values.get(column, "").strip()
        term = vocab.lexicons[label].lookup(value) if value else None
        if term is not None:
            facts.append(Fact(rel, term, f"column:{column}", 1.0))
    category = vocab.category_for(SOURCE, values.get("articleType", ""))
    if category is not None:
        facts.append(Fact("IN_CATEGORY", category, "column:articleType", 1.0))
    return facts


def source_categories(values: dict[str, str], vocab: Vocabulary) -> list[SourceCategory]:
    """Myntra's own three-level category path, the leaf mapped onto the shared taxonomy."""
    path: list[SourceCategory] = []
    for field in _TAXONOMY:
        value = values.get(field, "").strip()
        if not value:
            break
        mapped = vocab.category_for(SOURCE, value) if field == "articleType" else None
        path.append(SourceCategory(f"{SOURCE}:{field}:{slug(value)}", SOURCE, field, value, mapped))
    return path


def read_myntra_styles(
    path: Path,
    vocab: Vocabulary,
    rejects: RejectLog,
    brands: BrandLexicon | None = None,
    encoding: str | None = None,
) -> Iterator[ProductRecord]:
    """Stream ``ProductRecord``s from a Myntra ``styles.csv``.

    Args:
        path: the styles.csv file; photos are looked up in ``images/<id>.jpg`` beside it.
        vocab: the shared vocabulary.
        rejects: receives rows without an id or name, or with a bad id or year.
        brands: a brand lexicon; learned from ``path`` when None.
        encoding: the file's text encoding; None for UTF-8 or UTF-16/32 with a byte-order mark.

    Raises:
        InputError: the file is missing columns or cannot be read.
    """
    brands = brands if brands is not None else learn_brands(path, vocab, encoding)
    extractor = NameExtractor(vocab, brands)
    source_file = f"{SOURCE}:{path.name}"
    for row in read_rows(path, COLUMNS, rejects, overflow_into=NAME, encoding=encoding):
        try:
            raw_id = digits(require(row.values, "id"), "id")
            name = require(row.values, NAME)
            year = parse_int(row.values, "year")
        except RowError as e:
            rejects.reject(path.name, row.line, str(e), row.raw)
            continue
        extraction = extractor.extract(name)
        record = ProductRecord(
            id=f"{SOURCE}:{raw_id}",
            source=SOURCE,
            source_id=raw_id,
            source_file=source_file,
            line=row.line,
            name=name,
            properties={
                "season": row.values["season"].strip() or None,
                "year": year,
                "image": image_beside(path, f"images/{raw_id}.jpg"),
            },
            facts=column_facts(row.values, vocab) + extraction.facts,
            brand=extraction.brand.brand if extraction.brand else None,
            source_categories=source_categories(row.values, vocab),
        )
        if extraction.brand is not None:
            record.facts.append(
                Fact("HAS_BRAND", extraction.brand.brand.id, extraction.brand.rule, extraction.brand.confidence)
            )
        yield record
