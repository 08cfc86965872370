"""The graph model of shopgraph: every label, relationship type, fact type and vector index.

This module is the one place the graph's vocabulary is written down; schema migrations, the
internal Cypher of ``cypher/internal/``, ingestion, the relational model's export and write-back,
vision and the assistant all derive their names from it. It imports nothing of shopgraph, so every
layer may use it.

Labels and relationship types cannot be Cypher parameters; the statements that vary by them are
built from these allow-lists through :func:`name`, which refuses anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType
from typing import Literal

# --- labels -----------------------------------------------------------------------------------

# The vocabulary terms seeded from ``graphstore/data/vocab/*.csv`` (see ``graphstore.core.vocab``).
VOCABULARY_LABELS: tuple[str, ...] = ("Category", "Colour", "Material", "Style", "Pattern", "Gender")

# Every label shopgraph writes. ``name()`` refuses anything else.
LABELS: frozenset[str] = frozenset(
    {
        "Product",
        "Brand",
        *VOCABULARY_LABELS,
        "Department",
        "SourceCategory",
        "Customer",
        "ModelRun",
        "Policy",
        "SchemaMigration",
        "Image",
        "Detection",
        "Outfit",
    }
)

# --- relationship types -----------------------------------------------------------------------

# Fact types: relationship type → label of the node it points to. This table is the allow-list
# of extracted facts: only these types are ever written by ingestion (``graphstore.ingest.facts``).
FACT_TYPES: MappingProxyType[str, str] = MappingProxyType(
    {
        "HAS_BRAND": "Brand",
        "IN_CATEGORY": "Category",
        "HAS_COLOUR": "Colour",
        "MADE_OF": "Material",
        "HAS_STYLE": "Style",
        "HAS_PATTERN": "Pattern",
        "FOR_GENDER": "Gender",
        "IN_DEPARTMENT": "Department",
        "LISTED_AS": "SourceCategory",
    }
)

# The fact types the relational model learns from and infers (``relational.data.FACT_RELATIONS``):
# all but a product's retailer department and retailer category, which are the source's own labels.
LEARNED_FACT_TYPES: MappingProxyType[str, str] = MappingProxyType(
    {rel: label for rel, label in FACT_TYPES.items() if rel not in ("IN_DEPARTMENT", "LISTED_AS")}
)

REL_TYPES: frozenset[str] = frozenset(
    {
        *FACT_TYPES,
        "SUBCATEGORY_OF",
        "SHADE_OF",
        "MAPS_TO",
        "SUB_BRAND_OF",
        "PURCHASED",
        "PREFERS",
        "HAS_DETECTION",
        "OF_CATEGORY",
        "DEPICTS",
        "INFERRED",
        "RECOMMENDED",
        "APPLIES_TO",
        # (:Outfit)-[:INCLUDES {slot, position}]->(:Product): the pieces of a look the fitting room built;
        # (:Outfit)-[:STYLED_FOR]->(:Customer): the shopper it was built for (none: built around a product).
        "INCLUDES",
        "STYLED_FOR",
    }
)

# --- vector indexes ---------------------------------------------------------------------------

TEXT_EMBEDDING_DIM = 384
"""Product text vectors: all-MiniLM-L6-v2 of name and description (``graphstore.core.textembed``)."""
IMAGE_EMBEDDING_DIM = 1280
"""Photo and detection vectors: EfficientNet-Lite0's pooled features, L2-normalised (``vision.embed``)."""
REC_EMBEDDING_DIM = 64
"""Customer and product vectors of the recommender, one space."""
KGE_EMBEDDING_DIM = 64
"""Knowledge-graph entity vectors (ComplEx: 32 real + 32 imaginary parts)."""

# The labels whose nodes get a knowledge-graph embedding: products and the terms of learned facts
# but Gender (two or three nodes, nothing to search).
KGE_LABELS: tuple[str, ...] = ("Product", "Brand", "Category", "Colour", "Material", "Style", "Pattern")

Similarity = Literal["cosine", "euclidean"]


@dataclass(frozen=True)
class VectorIndex:
    """A vector index: ``name`` over ``label.property``, vectors of ``dimensions`` floats.

    Queries name the index (``db.index.vector.queryNodes(name, ...)``); the writer sets the property.
    """

    name: str
    label: str
    property: str
    dimensions: int
    similarity: Similarity = "cosine"


IMAGE_INDEX = VectorIndex("image_embedding", "Image", "embedding", IMAGE_EMBEDDING_DIM)
DETECTION_INDEX = VectorIndex("detection_embedding", "Detection", "embedding", IMAGE_EMBEDDING_DIM)
PRODUCT_TEXT_INDEX = VectorIndex("product_text_embedding", "Product", "textEmbedding", TEXT_EMBEDDING_DIM)

# The vectors a trained model writes back (``relational.writeback.write_embeddings``).
MODEL_INDEXES: tuple[VectorIndex, ...] = (
    VectorIndex("product_rec_embedding", "Product", "recEmbedding", REC_EMBEDDING_DIM),
    VectorIndex("customer_rec_embedding", "Customer", "recEmbedding", REC_EMBEDDING_DIM),
    *(VectorIndex(f"{label.lower()}_kge_embedding", label, "kgeEmbedding", KGE_EMBEDDING_DIM) for label in KGE_LABELS),
)

VECTOR_INDEXES: tuple[VectorIndex, ...] = (IMAGE_INDEX, DETECTION_INDEX, PRODUCT_TEXT_INDEX, *MODEL_INDEXES)
"""Every vector index of the graph."""

_BY_TARGET = {(i.label, i.property): i for i in VECTOR_INDEXES}
_BY_NAME = {i.name: i for i in VECTOR_INDEXES}


def vector_index(label: str, prop: str) -> VectorIndex:
    """The vector index on ``label.prop``.

    Raises:
        KeyError: no vector index covers ``label.prop`` (the message lists those that exist).
    """
    try:
        return _BY_TARGET[(label, prop)]
    except KeyError:
        known = ", ".join(f"{i.label}.{i.property}" for i in VECTOR_INDEXES)
        raise KeyError(f"no vector index on {label}.{prop}; indexed: {known}") from None


def vector_index_named(index: str) -> VectorIndex:
    """The vector index called ``index``.

    Raises:
        KeyError: no such index (the message lists the names).
    """
    try:
        return _BY_NAME[index]
    except KeyError:
        raise KeyError(f"no vector index {index!r}; indexes: {', '.join(_BY_NAME)}") from None


# --- escaping ---------------------------------------------------------------------------------

_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def quote(identifier: str) -> str:
    """``identifier`` as a backtick-quoted Cypher name (backticks inside doubled)."""
    return "`" + identifier.replace("`", "``") + "`"


def name(identifier: str) -> str:
    """``identifier`` quoted for Cypher, if it is a label or relationship type of the graph model.

    Raises:
        ValueError: ``identifier`` is not in ``LABELS`` or ``REL_TYPES``.
    """
    if identifier not in LABELS and identifier not in REL_TYPES or not _IDENTIFIER.match(identifier):
        raise ValueError(f"{identifier!r} is not a label or relationship type of the shopgraph schema")
    return quote(identifier)
