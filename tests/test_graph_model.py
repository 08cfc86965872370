"""graphstore.core.graph_model: the one vocabulary of the graph, and what derives from it (no server)."""

from __future__ import annotations

import hashlib

import pytest

from shopgraph.cypher.internal import relational as rq
from shopgraph.cypher.internal import schema as sq
from shopgraph.graphstore.core import graph_model as gm
from shopgraph.graphstore.core.schema import MIGRATIONS
from shopgraph.graphstore.core.vocab import detector_classes, gender_scopes, load_vocabulary, outfit_slots
from shopgraph.graphstore.ingest.facts import FACT_TYPES
from shopgraph.relational.data import FACT_RELATIONS


def test_fact_types_point_at_labels_and_the_learned_ones_are_a_subset() -> None:
    assert FACT_TYPES is gm.FACT_TYPES
    assert dict(gm.FACT_TYPES) == {
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
    # The relational model's relations were a copy of the first seven; now they derive.
    assert FACT_RELATIONS is gm.LEARNED_FACT_TYPES
    assert list(FACT_RELATIONS) == [
        "HAS_BRAND",
        "IN_CATEGORY",
        "HAS_COLOUR",
        "MADE_OF",
        "HAS_STYLE",
        "HAS_PATTERN",
        "FOR_GENDER",
    ]
    assert all(gm.FACT_TYPES[rel] == label for rel, label in FACT_RELATIONS.items())
    assert set(gm.FACT_TYPES.values()) <= gm.LABELS and set(gm.FACT_TYPES) <= gm.REL_TYPES
    with pytest.raises(TypeError):
        gm.FACT_TYPES["LIKES"] = "Brand"  # type: ignore[index]


def test_vector_indexes_have_their_names_labels_and_dimensions() -> None:
    assert [(i.name, i.label, i.property, i.dimensions) for i in gm.VECTOR_INDEXES] == [
        ("image_embedding", "Image", "embedding", 1280),
        ("detection_embedding", "Detection", "embedding", 1280),
        ("product_text_embedding", "Product", "textEmbedding", 384),
        ("product_rec_embedding", "Product", "recEmbedding", 64),
        ("customer_rec_embedding", "Customer", "recEmbedding", 64),
        ("product_kge_embedding", "Product", "kgeEmbedding", 64),
        ("brand_kge_embedding", "Brand", "kgeEmbedding", 64),
        ("category_kge_embedding", "Category", "kgeEmbedding", 64),
        ("colour_kge_embedding", "Colour", "kgeEmbedding", 64),
        ("material_kge_embedding", "Material", "kgeEmbedding", 64),
        ("style_kge_embedding", "Style", "kgeEmbedding", 64),
        ("pattern_kge_embedding", "Pattern", "kgeEmbedding", 64),
    ]
    assert {i.similarity for i in gm.VECTOR_INDEXES} == {"cosine"}
    assert gm.vector_index("Customer", "recEmbedding").name == "customer_rec_embedding"
    assert gm.vector_index_named("detection_embedding") is gm.DETECTION_INDEX
    with pytest.raises(KeyError, match=r"no vector index on Customer.textEmbedding; indexed: Image.embedding"):
        gm.vector_index("Customer", "textEmbedding")
    with pytest.raises(KeyError, match="no vector index 'photo_embedding'"):
        gm.vector_index_named("photo_embedding")


def test_plugins_take_their_dimensions_and_index_names_from_the_model() -> None:
    from shopgraph.graphstore.core.textembed import DIMENSIONS
    from shopgraph.relational.hetero import IMAGE_DIM, TEXT_DIM
    from shopgraph.vision.embed import EMBEDDING_DIM
    from shopgraph.vision.search import DETECTION_INDEX, IMAGE_INDEX

    assert (DIMENSIONS, TEXT_DIM, IMAGE_DIM, EMBEDDING_DIM) == (384, 384, 1280, 1280)
    assert (DETECTION_INDEX, IMAGE_INDEX) == ("detection_embedding", "image_embedding")
    # The write-back writes exactly the model indexes, each with its stamps.
    assert list(rq.WRITE_EMBEDDINGS) == [(i.label, i.property) for i in gm.MODEL_INDEXES]
    assert "n.`recModelVersion` = $version" in rq.WRITE_EMBEDDINGS[("Customer", "recEmbedding")]


def test_name_quotes_only_labels_and_types_of_the_model() -> None:
    assert gm.name("Product") == "`Product`" and gm.name("HAS_BRAND") == "`HAS_BRAND`"
    assert gm.quote("odd`label") == "`odd``label`"
    for bad in ("Shoe", "Product`) DETACH DELETE (n", "product", "", "HAS_BRAND|PURCHASED"):
        with pytest.raises(ValueError, match="is not a label or relationship type of the shopgraph schema"):
            gm.name(bad)
    assert gm.LABELS >= {"Product", "Customer", "Image", "Detection", "SchemaMigration", *gm.VOCABULARY_LABELS}
    assert "PURCHASED" in gm.REL_TYPES and "Product" not in gm.REL_TYPES


def test_applied_migrations_never_change() -> None:
    # sha256 of each migration's statements joined by newlines, as applied before the graph model
    # existed: a change here means an applied database would differ from a fresh one.
    pinned = {
        1: "865b47e4ca20e48764437a70fb607898a8e6e217c4716308f8a284ab94de5488",
        2: "451ea0e24f185c96e27807d96247c9c3ec671db71d4a41793acb25e3440b7d0a",
        3: "2f29c267bb0e1d4586548fc5ce0c97eed48d7217d250aaf3aefd8ecd1b451bb2",
        4: "df930640cb1ca5e86a0f7592f572e424fb9cd92df15aafbe86d3413541869d53",
        5: "59b3a9589718b16ac688b7b86815109ce1ee1ae089fc3f8389b2f7b6506a6be2",
        6: "beaeb87c11e9e107e9067d598a3d29f7b54e947519d0b0e9973fb36cd9083809",
    }
    got = {m.version: hashlib.sha256("\n".join(m.statements).encode()).hexdigest() for m in MIGRATIONS}
    assert got == pinned
    assert sq.create_vector_index(gm.IMAGE_INDEX) == (
        "CREATE VECTOR INDEX image_embedding IF NOT EXISTS FOR (n:`Image`) ON n.embedding "
        "OPTIONS {indexConfig: {`vector.dimensions`: 1280, `vector.similarity_function`: 'cosine'}}"
    )
    # Every vector index of the model is created by some migration.
    created = "\n".join(s for m in MIGRATIONS for s in m.statements)
    assert all(f"CREATE VECTOR INDEX {i.name} IF NOT EXISTS" in created for i in gm.VECTOR_INDEXES)


# --- taxonomy-like data files next to the vocabulary -----------------------------------------


def test_detector_classes_are_the_table_vision_used_before() -> None:
    from shopgraph.vision.classes import CLASS_NAMES, CLASSES, class_for_group

    assert [(c.name, c.category, c.groups) for c in CLASSES] == [
        ("top", "tops", ("tops", "ethnic-wear")),
        ("knitwear", "knitwear", ("knitwear",)),
        ("outerwear", "outerwear", ("outerwear",)),
        ("bottoms", "bottoms", ("bottoms",)),
        ("skirt", "skirts", ("skirts",)),
        ("dress", "dresses", ("dresses",)),
        ("underwear", "underwear", ("underwear",)),
        ("swimwear", "swimwear", ("swimwear",)),
        ("hosiery", "hosiery", ("hosiery",)),
        ("footwear", "footwear", ("shoes", "sandals-group")),
        ("bag", "bags", ("bags",)),
        (
            "accessory",
            "accessories",
            (
                "jewellery",
                "belts",
                "hair-accessories",
                "eyewear",
                "headwear",
                "watches",
                "scarves",
                "small-accessories",
            ),
        ),
    ]
    assert [c.name for c in detector_classes()] == list(CLASS_NAMES)
    assert class_for_group("sandals-group") == CLASSES[9] and class_for_group("nightwear") is None


def test_outfit_slots_and_gender_scopes_are_the_tables_the_assistant_used_before() -> None:
    from shopgraph.assistant.catalog import GENDER_SCOPE

    assert {group: sorted(parts) for group, parts in outfit_slots().items()} == {
        "tops": ["upper"],
        "knitwear": ["upper"],
        "outerwear": ["outer"],
        "bottoms": ["lower"],
        "skirts": ["lower"],
        "dresses": ["lower", "upper"],
        "ethnic-wear": ["lower", "upper"],
        "sets": ["lower", "upper"],
        "shoes": ["feet"],
        "sandals-group": ["feet"],
        "bags": ["bag"],
        "eyewear": ["eyes"],
        "headwear": ["head"],
        "jewellery": ["jewellery"],
        "watches": ["wrist"],
        "belts": ["waist"],
        "scarves": ["neck"],
    }
    assert GENDER_SCOPE == {
        "men": ["men", "unisex"],
        "women": ["women", "unisex"],
        "boys": ["boys", "kids", "unisex"],
        "girls": ["girls", "kids", "unisex"],
        "kids": ["kids", "boys", "girls"],
        "unisex": ["unisex"],
    }
    assert set(gender_scopes()) == set(load_vocabulary().terms["Gender"])
