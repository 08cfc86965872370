"""The graph schema as versioned migrations, and the seeded vocabulary.

Each migration is a list of idempotent statements (``IF NOT EXISTS``); applied
versions are recorded as ``(:SchemaMigration {version})`` nodes, so ``db init``
applies only what is new and is safe to run any number of times. A schema
change is a new migration appended to ``MIGRATIONS``, never an edit of an old one.
"""

from __future__ import annotations

from dataclasses import dataclass

from neo4j import Driver

from shopgraph.cypher.internal import graphstore as q
from shopgraph.cypher.internal import schema as sq
from shopgraph.graphstore.core.colour import hex_to_lab
from shopgraph.graphstore.core.runner import read, write
from shopgraph.graphstore.core.vocab import Vocabulary, load_vocabulary


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    statements: tuple[str, ...]


# The statements are in ``cypher/internal/schema.py``; each migration names its vector indexes, whose
# labels, properties and dimensions come from ``graphstore.core.graph_model.VECTOR_INDEXES`` (by name).
MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "uniqueness constraints on node keys and purchase ids", sq.MIGRATION_1),
    Migration(2, "lookup indexes for analysts' queries", sq.MIGRATION_2),
    Migration(3, "vision: image and detection keys, vector indexes on their embeddings", sq.MIGRATION_3),
    Migration(
        4, "purchase source index: ingestion's coverage report reads one file's purchases, not all", sq.MIGRATION_4
    ),
    Migration(
        5,
        "relational model and shopper answers: model runs, policies, inferred facts, embedding vector indexes",
        sq.MIGRATION_5,
    ),
    Migration(6, "fitting room: outfit keys", sq.MIGRATION_6),
)


@dataclass(frozen=True)
class SchemaReport:
    applied: tuple[int, ...]
    version: int
    vocabulary_terms: int


def apply_migrations(driver: Driver, database: str | None = None) -> tuple[int, ...]:
    """Apply every migration not yet recorded; returns the versions applied now.

    Raises:
        QueryError: the applied versions cannot be read.
        WriteFailed: a statement was refused by the server (named in the message).
    """
    done = {
        r["version"] for r in read(driver, sq.APPLIED_MIGRATIONS, what="reading the schema version", database=database)
    }
    applied = []
    for migration in MIGRATIONS:
        if migration.version in done:
            continue
        for statement in migration.statements:
            write(
                driver,
                statement,
                what=f"migration {migration.version} ({migration.name}) on `{statement}`",
                database=database,
            )
        write(
            driver,
            sq.RECORD_MIGRATION,
            {"version": migration.version, "name": migration.name},
            what=f"recording migration {migration.version}",
            database=database,
        )
        applied.append(migration.version)
    return tuple(applied)


def seed_vocabulary(driver: Driver, vocab: Vocabulary | None = None, database: str | None = None) -> int:
    """MERGE every vocabulary term, the category tree and the colour families; returns the term count.

    Colours carry their reference sRGB ``hex`` and CIE L*a*b* ``lab`` values, which the
    vision plugin matches detected colours against.

    Raises:
        WriteFailed: the server refused a write.
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
        write(driver, q.SEED_TERMS[label], {"rows": rows}, what=f"seeding {label} terms", database=database)
        total += len(rows)
    parents = [{"id": t.id, "parent": t.parent} for t in vocab.terms["Category"].values() if t.parent]
    write(driver, q.SEED_CATEGORY_PARENTS, {"rows": parents}, what="seeding the category tree", database=database)
    families = [{"id": t.id, "family": t.family} for t in vocab.terms["Colour"].values() if t.family != t.id]
    write(driver, q.SEED_COLOUR_FAMILIES, {"rows": families}, what="seeding colour families", database=database)
    return total


def init_schema(driver: Driver, database: str | None = None) -> SchemaReport:
    """Apply pending migrations and seed the vocabulary; idempotent."""
    applied = apply_migrations(driver, database)
    terms = seed_vocabulary(driver, database=database)
    return SchemaReport(applied=applied, version=MIGRATIONS[-1].version, vocabulary_terms=terms)
