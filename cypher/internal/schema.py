"""The schema's migration statements, one tuple per version (``graphstore.core.schema.MIGRATIONS``).

An applied migration must never change: the database records only its version. So the labels and
index names of each version are spelled out here rather than derived from the graph model's
current lists (a later plugin adding a label must not alter migration 1); dimensions come from the
graph model's ``VectorIndex`` records, looked up by name, and a test pins every statement's text.
A schema change is a new tuple, never an edit of an old one.
"""

from __future__ import annotations

from shopgraph.graphstore.core.graph_model import VectorIndex, name, vector_index_named

# Vector indexes populate in the background; visual search and recommendations need them online.
AWAIT_INDEXES = "CALL db.awaitIndexes(300)"

APPLIED_MIGRATIONS = "MATCH (m:SchemaMigration) RETURN m.version AS version ORDER BY version"
RECORD_MIGRATION = """
MERGE (m:SchemaMigration {version: $version})
SET m.name = $name, m.appliedAt = datetime()
"""


def unique_id(label: str) -> str:
    """The uniqueness constraint ``<label>_id`` on ``label.id`` (the node key)."""
    return f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{name(label)}) REQUIRE n.id IS UNIQUE"


def create_vector_index(index: VectorIndex) -> str:
    """``CREATE VECTOR INDEX`` for ``index``, with its dimensions and similarity function."""
    return (
        f"CREATE VECTOR INDEX {index.name} IF NOT EXISTS FOR (n:{name(index.label)}) ON n.{index.property} "
        f"OPTIONS {{indexConfig: {{`vector.dimensions`: {index.dimensions}, "
        f"`vector.similarity_function`: '{index.similarity}'}}}}"
    )


# 1: uniqueness constraints on node keys and purchase ids.
MIGRATION_1: tuple[str, ...] = (
    *(
        unique_id(label)
        for label in (
            "Product",
            "Brand",
            "Category",
            "Colour",
            "Material",
            "Style",
            "Pattern",
            "Gender",
            "Department",
            "SourceCategory",
            "Customer",
        )
    ),
    "CREATE CONSTRAINT schema_migration_version IF NOT EXISTS FOR (m:SchemaMigration) REQUIRE m.version IS UNIQUE",
    "CREATE CONSTRAINT purchased_id IF NOT EXISTS FOR ()-[r:PURCHASED]-() REQUIRE r.id IS UNIQUE",
)

# 2: lookup indexes for analysts' queries.
MIGRATION_2: tuple[str, ...] = (
    "CREATE INDEX product_source IF NOT EXISTS FOR (p:Product) ON (p.source)",
    "CREATE INDEX product_in_catalog IF NOT EXISTS FOR (p:Product) ON (p.inCatalog)",
    "CREATE TEXT INDEX product_name IF NOT EXISTS FOR (p:Product) ON (p.name)",
    "CREATE INDEX brand_name IF NOT EXISTS FOR (b:Brand) ON (b.name)",
    "CREATE INDEX purchased_date IF NOT EXISTS FOR ()-[r:PURCHASED]-() ON (r.date)",
    "CREATE INDEX prefers_kind IF NOT EXISTS FOR ()-[r:PREFERS]-() ON (r.kind)",
    "CREATE FULLTEXT INDEX product_text IF NOT EXISTS FOR (p:Product) ON EACH [p.name, p.description]",
)

# 3: vision's image and detection keys, vector indexes on their embeddings.
MIGRATION_3: tuple[str, ...] = (
    unique_id("Image"),
    unique_id("Detection"),
    create_vector_index(vector_index_named("image_embedding")),
    create_vector_index(vector_index_named("detection_embedding")),
    AWAIT_INDEXES,
)

# 4: purchase source index: ingestion's coverage report reads one file's purchases, not all.
MIGRATION_4: tuple[str, ...] = ("CREATE INDEX purchased_source IF NOT EXISTS FOR ()-[r:PURCHASED]-() ON (r.source)",)

# 5: relational model and shopper answers: model runs, policies, inferred facts, embedding vector indexes.
MIGRATION_5: tuple[str, ...] = (
    unique_id("ModelRun"),
    unique_id("Policy"),
    "CREATE INDEX inferred_relation IF NOT EXISTS FOR ()-[r:INFERRED]-() ON (r.relation)",
    *(
        create_vector_index(vector_index_named(index))
        for index in (
            "product_text_embedding",
            "product_rec_embedding",
            "customer_rec_embedding",
            "product_kge_embedding",
            "brand_kge_embedding",
            "category_kge_embedding",
            "colour_kge_embedding",
            "material_kge_embedding",
            "style_kge_embedding",
            "pattern_kge_embedding",
        )
    ),
    AWAIT_INDEXES,
)

MIGRATION_6: tuple[str, ...] = (unique_id("Outfit"),)

# Bulk first load (``graphstore.ingest.bulk``): the indexes the migrations built over imported data.
AWAIT_INDEXES_WITHIN = "CALL db.awaitIndexes($seconds)"
