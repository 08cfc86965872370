"""The graph schema as versioned migrations, and the seeded vocabulary.

Each migration is a list of idempotent statements (``IF NOT EXISTS``); applied
versions are recorded as ``(:SchemaMigration {version})`` nodes, so ``db init``
applies only what is new and is safe to run any number of times. A schema
change is a new migration appended to ``MIGRATIONS``, never an edit of an old one.
"""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import Driver
from neo4j.exceptions import Neo4jError

from shopgraph.cypher.internal import graphstore as q
from shopgraph.graphstore.core.colour import hex_to_lab
from shopgraph.graphstore.core.errors import WriteFailed
from shopgraph.graphstore.core.vocab import Vocabulary, load_vocabulary

# Spelled out rather than derived from queries.LABELS: an applied migration must not change
# when a later plugin adds labels.
_KEYED_LABELS = [
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
]


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


# Embedding properties written by the relational model and the text embedder, and their indexes:
# (index name, label, property, dimensions). Queries name the index; the model writes the property.
TEXT_EMBEDDING_DIM = 384  # all-MiniLM-L6-v2
REC_EMBEDDING_DIM = 64  # customer and product vectors of the recommender, one space
KGE_EMBEDDING_DIM = 64  # knowledge-graph entity vectors (ComplEx: 32 real + 32 imaginary parts)
KGE_LABELS = ("Product", "Brand", "Category", "Colour", "Material", "Style", "Pattern")
VECTOR_INDEXES: tuple[tuple[str, str, str, int], ...] = (
    ("product_text_embedding", "Product", "textEmbedding", TEXT_EMBEDDING_DIM),
    ("product_rec_embedding", "Product", "recEmbedding", REC_EMBEDDING_DIM),
    ("customer_rec_embedding", "Customer", "recEmbedding", REC_EMBEDDING_DIM),
    *((f"{label.lower()}_kge_embedding", label, "kgeEmbedding", KGE_EMBEDDING_DIM) for label in KGE_LABELS),
)

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        1,
        "uniqueness constraints on node keys and purchase ids",
        tuple(
            f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{q.name(label)}) REQUIRE n.id IS UNIQUE"
            for label in _KEYED_LABELS
        )
        + (
            "CREATE CONSTRAINT schema_migration_version IF NOT EXISTS "
            "FOR (m:SchemaMigration) REQUIRE m.version IS UNIQUE",
            "CREATE CONSTRAINT purchased_id IF NOT EXISTS FOR ()-[r:PURCHASED]-() REQUIRE r.id IS UNIQUE",
        ),
    ),
    Migration(
        2,
        "lookup indexes for analysts' queries",
        (
            "CREATE INDEX product_source IF NOT EXISTS FOR (p:Product) ON (p.source)",
            "CREATE INDEX product_in_catalog IF NOT EXISTS FOR (p:Product) ON (p.inCatalog)",
            "CREATE TEXT INDEX product_name IF NOT EXISTS FOR (p:Product) ON (p.name)",
            "CREATE INDEX brand_name IF NOT EXISTS FOR (b:Brand) ON (b.name)",
            "CREATE INDEX purchased_date IF NOT EXISTS FOR ()-[r:PURCHASED]-() ON (r.date)",
            "CREATE INDEX prefers_kind IF NOT EXISTS FOR ()-[r:PREFERS]-() ON (r.kind)",
            "CREATE FULLTEXT INDEX product_text IF NOT EXISTS FOR (p:Product) ON EACH [p.name, p.description]",
        ),
    ),
    Migration(
        3,
        "vision: image and detection keys, vector indexes on their embeddings",
        tuple(
            f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{q.name(label)}) REQUIRE n.id IS UNIQUE"
            for label in ("Image", "Detection")
        )
        + tuple(
            # 1280: EfficientNet-Lite0's pooled features (vision.embed.EMBEDDING_DIM), L2-normalised.
            f"CREATE VECTOR INDEX {label.lower()}_embedding IF NOT EXISTS FOR (n:{q.name(label)}) ON n.embedding "
            "OPTIONS {indexConfig: {`vector.dimensions`: 1280, `vector.similarity_function`: 'cosine'}}"
            for label in ("Image", "Detection")
        )
        # Vector indexes populate in the background; visual search needs them online.
        + ("CALL db.awaitIndexes(300)",),
    ),
    Migration(
        4,
        "purchase source index: ingestion's coverage report reads one file's purchases, not all",
        ("CREATE INDEX purchased_source IF NOT EXISTS FOR ()-[r:PURCHASED]-() ON (r.source)",),
    ),
    Migration(
        5,
        "relational model and shopper answers: model runs, policies, inferred facts, embedding vector indexes",
        tuple(
            f"CREATE CONSTRAINT {label.lower()}_id IF NOT EXISTS FOR (n:{q.name(label)}) REQUIRE n.id IS UNIQUE"
            for label in ("ModelRun", "Policy")
        )
        + ("CREATE INDEX inferred_relation IF NOT EXISTS FOR ()-[r:INFERRED]-() ON (r.relation)",)
        + tuple(
            f"CREATE VECTOR INDEX {index} IF NOT EXISTS FOR (n:{q.name(label)}) ON n.{prop} "
            f"OPTIONS {{indexConfig: {{`vector.dimensions`: {dims}, `vector.similarity_function`: 'cosine'}}}}"
            for index, label, prop, dims in VECTOR_INDEXES
        )
        + ("CALL db.awaitIndexes(300)",),
    ),
)


@dataclass(frozen=True)
class SchemaReport:
    applied: tuple[int, ...]
    version: int
    vocabulary_terms: int


def apply_migrations(driver: Driver, database: str | None = None) -> tuple[int, ...]:
    """Apply every migration not yet recorded; returns the versions applied now.

    Raises:
        WriteFailed: a statement was refused by the server (named in the message).
    """
    records, _, _ = driver.execute_query(q.APPLIED_MIGRATIONS, database_=database)
    done = {r["version"] for r in records}
    applied = []
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        for statement in migration.statements:
            try:
                driver.execute_query(statement, database_=database)
            except Neo4jError as e:
                raise WriteFailed(
                    f"migration {migration.version} ({migration.name}) failed on: {statement}: {e}"
                ) from e
        driver.execute_query(q.RECORD_MIGRATION, version=migration.version, name=migration.name, database_=database)
        applied.append(migration.version)
    return tuple(applied)


def seed_vocabulary(driver: Driver, vocab: Vocabulary | None = None, database: str | None = None) -> int:
    """MERGE every vocabulary term, the category tree and the colour families; returns the term count.

    Colours carry their reference sRGB ``hex`` and CIE L*a*b* ``lab`` values, which the
    vision plugin matches detected colours against.
    """
    vocab = vocab or load_vocabulary()
    total = 0
    for label, terms in vocab.terms.items():
        rows = []
        for term in terms.values():
            props: dict[str, object] = {}
            if label == "Category":
                props = {"level": vocab.category_level(term.id)}
            elif label == "Colour":
                props = {
                    "hex": term.hex,
                    "lab": list(hex_to_lab(term.hex)) if term.hex else None,
                    "family": term.family,
                }
            rows.append({"id": term.id, "name": term.name, "synonyms": list(term.synonyms), "props": props})
        driver.execute_query(q.SEED_TERMS.format(label=q.name(label)), rows=rows, database_=database)
        total += len(rows)
    parents = [{"id": t.id, "parent": t.parent} for t in vocab.terms["Category"].values() if t.parent]
    driver.execute_query(q.SEED_CATEGORY_PARENTS, rows=parents, database_=database)
    families = [{"id": t.id, "family": t.family} for t in vocab.terms["Colour"].values() if t.family != t.id]
    driver.execute_query(q.SEED_COLOUR_FAMILIES, rows=families, database_=database)
    return total


def init_schema(driver: Driver, database: str | None = None) -> SchemaReport:
    """Apply pending migrations and seed the vocabulary; idempotent."""
    applied = apply_migrations(driver, database)
    terms = seed_vocabulary(driver, database=database)
    return SchemaReport(applied=applied, version=MIGRATIONS[-1].version, vocabulary_terms=terms)
