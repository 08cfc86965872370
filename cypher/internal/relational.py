"""The relational model's internal Cypher, as named constants.

Values always travel as ``$parameters`` and batches as ``UNWIND $rows``, as in ``cypher.internal.graphstore``.
Labels, relationship types and property names cannot be parameters, so the queries that vary by
them are generated here, once, from the graph model's allow-lists (``LEARNED_FACT_TYPES``,
``MODEL_INDEXES``) through ``graph_model.name`` and ``quote``; nothing from callers is ever spliced in.
"""

from __future__ import annotations

from shopgraph.graphstore.core.graph_model import LEARNED_FACT_TYPES as FACT_RELATIONS
from shopgraph.graphstore.core.graph_model import MODEL_INDEXES, name, quote

# Which purchases a snapshot reads: all (``$source`` null), or one source's. PURCHASED.source is
# "<source>:<file name>" ("hm:transactions.csv"), so "hm" selects every H&M file and the full value
# one file.
_PURCHASE_FILTER = "($source IS NULL OR r.source = $source OR r.source STARTS WITH $source + ':')"

# --- reading a snapshot ---------------------------------------------------------------------

SNAPSHOT_CUSTOMERS = f"""
MATCH (c:Customer)-[r:PURCHASED]->(:Product)
WHERE {_PURCHASE_FILTER}
WITH DISTINCT c
RETURN c.id AS id, c.age AS age
ORDER BY id
"""

# Every catalog product and every product bought in the selected purchases, with its variant group
# (``productCode``: the colours of one H&M product share it) and what the text features need: the
# stored embedding (if asked for) and the text it should have been made from.
SNAPSHOT_PRODUCTS = f"""
MATCH (p:Product)
WHERE p.inCatalog = true OR EXISTS {{ MATCH (:Customer)-[r:PURCHASED]->(p) WHERE {_PURCHASE_FILTER} }}
RETURN p.id AS id, coalesce(p.inCatalog, false) AS inCatalog, p.productCode AS productCode,
       p.availableFrom AS availableFrom,
       CASE WHEN $withText THEN p.name END AS name,
       CASE WHEN $withText THEN p.description END AS description,
       CASE WHEN $withText THEN p.textEmbedding END AS textEmbedding,
       CASE WHEN $withText THEN p.textEmbeddingOf END AS textEmbeddingOf
ORDER BY id
"""

SNAPSHOT_PURCHASES = f"""
MATCH (c:Customer)-[r:PURCHASED]->(p:Product)
WHERE {_PURCHASE_FILTER}
RETURN c.id AS customer, p.id AS product, r.date AS date, r.price AS price, r.channel AS channel
ORDER BY date, customer, product, r.id
"""

# One query per fact relation; a fact without a confidence is an asserted one (1.0).
SNAPSHOT_FACTS: dict[str, str] = {
    rel: f"""
MATCH (p:Product)-[r:{name(rel)}]->(t:{name(label)})
RETURN p.id AS product, t.id AS term, coalesce(r.confidence, 1.0) AS confidence
ORDER BY product, term
"""
    for rel, label in FACT_RELATIONS.items()
}

SNAPSHOT_IMAGES = """
MATCH (i:Image)-[:DEPICTS]->(p:Product)
WHERE i.embedding IS NOT NULL
RETURN p.id AS product, i.embedding AS embedding
ORDER BY product, i.id
"""

# --- product text embeddings ----------------------------------------------------------------

# Products that have text to embed, or an embedding whose text has since gone.
TEXT_EMBEDDING_CANDIDATES = """
MATCH (p:Product)
WHERE p.name IS NOT NULL OR p.description IS NOT NULL OR p.textEmbeddingOf IS NOT NULL
RETURN p.id AS id, p.name AS name, p.description AS description, p.textEmbeddingOf AS textEmbeddingOf
ORDER BY id
"""

WRITE_TEXT_EMBEDDINGS = """
UNWIND $rows AS row
MATCH (p:Product {id: row.id})
SET p.textEmbedding = row.vector, p.textEmbeddingOf = row.textHash
RETURN count(p) AS n
"""

REMOVE_TEXT_EMBEDDINGS = """
UNWIND $rows AS row
MATCH (p:Product {id: row.id})
REMOVE p.textEmbedding, p.textEmbeddingOf
RETURN count(p) AS n
"""

# --- write-back -----------------------------------------------------------------------------


def _stamps(prop: str) -> tuple[str, str]:
    prefix = prop.removesuffix("Embedding")
    return quote(f"{prefix}ModelVersion"), quote(f"{prefix}TrainedAt")


# Per vector-indexed (label, property) written by a model (the text embedding has its own writer):
# set the vectors and the model stamps, ``<prefix>ModelVersion`` and ``<prefix>TrainedAt``.
WRITE_EMBEDDINGS: dict[tuple[str, str], str] = {
    (label, prop): f"""
UNWIND $rows AS row
MATCH (n:{name(label)} {{id: row.id}})
SET n.{quote(prop)} = row.vector, n.{_stamps(prop)[0]} = $version, n.{_stamps(prop)[1]} = $trainedAt
RETURN count(n) AS n
"""
    for label, prop in ((index.label, index.property) for index in MODEL_INDEXES)
}

# At most $limit nodes whose vector is not of ``$version``; run until it removes none.
CLEAR_STALE_EMBEDDINGS: dict[tuple[str, str], str] = {
    (label, prop): f"""
MATCH (n:{name(label)})
WHERE n.{quote(prop)} IS NOT NULL AND (n.{_stamps(prop)[0]} IS NULL OR n.{_stamps(prop)[0]} <> $version)
WITH n LIMIT $limit
REMOVE n.{quote(prop)}, n.{_stamps(prop)[0]}, n.{_stamps(prop)[1]}
RETURN count(n) AS n
"""
    for (label, prop) in WRITE_EMBEDDINGS
}

# Inferred facts, one query per term label. MERGE keys on product, term and relation, so a
# re-run updates in place; asserted facts are other relationship types and are never matched.
WRITE_INFERRED: dict[str, str] = {
    label: f"""
UNWIND $rows AS row
MATCH (p:Product {{id: row.product}})
MATCH (t:{name(label)} {{id: row.term}})
MERGE (p)-[r:INFERRED {{relation: row.relation}}]->(t)
SET r.score = row.score, r.rank = row.rank, r.modelVersion = $version, r.trainedAt = $trainedAt
RETURN count(r) AS n
"""
    for label in sorted(set(FACT_RELATIONS.values()))
}

# A product's inferred facts of one relation are replaced as a whole: any not in this run's list go.
DELETE_REPLACED_INFERRED = """
UNWIND $groups AS g
MATCH (:Product {id: g.product})-[r:INFERRED]->(t)
WHERE r.relation = g.relation AND NOT t.id IN g.terms
DELETE r
"""

# After a model's proposals are written: a product the new model proposes nothing for (it gained an
# asserted fact, or its proposals fell below the threshold) must not keep an older model's guess.
DELETE_STALE_INFERRED = """
MATCH (:Product)-[r:INFERRED]->()
WHERE r.relation = $relation AND r.modelVersion <> $version
CALL (r) { DELETE r } IN TRANSACTIONS OF 5000 ROWS
RETURN count(*) AS n
"""

# The latest recommender run, and how much of the graph it does not cover: purchasing customers and
# bought or catalog products whose vectors another version (or none) wrote. Both 0: it is current.
CURRENT_RECOMMENDER = """
MATCH (m:ModelRun {kind: 'recommender'})
WITH m ORDER BY m.trainedAt DESC LIMIT 1
RETURN m.id AS version, m.trainedAt AS trainedAt,
       COUNT { MATCH (c:Customer) WHERE EXISTS { (c)-[:PURCHASED]->(:Product) }
               AND coalesce(c.recModelVersion, '') <> m.id } AS staleCustomers,
       COUNT { MATCH (p:Product) WHERE (p.inCatalog = true OR EXISTS { (:Customer)-[:PURCHASED]->(p) })
               AND coalesce(p.recModelVersion, '') <> m.id } AS staleProducts
"""

# A run is current when written: a stale mark left by `shopgraph privacy forget` goes.
RECORD_MODEL_RUN = """
MERGE (m:ModelRun {id: $version})
SET m.kind = $kind, m.trainedAt = $trainedAt, m.seed = $seed, m.params = $params, m.metrics = $metrics,
    m.stale = null, m.staleSince = null
"""

# The ranked lists of `shopgraph train`: each listed customer's RECOMMENDED become exactly its rows
# (MERGE on customer and product, so a re-run of the same model changes nothing; entries no longer
# listed are deleted in the same transaction).
WRITE_RECOMMENDED = """
UNWIND $rows AS row
MATCH (c:Customer {id: row.customer})
CALL (c, row) {
  UNWIND row.items AS item
  MATCH (p:Product {id: item.product})
  MERGE (c)-[r:RECOMMENDED]->(p)
  SET r.rank = item.rank, r.score = item.score, r.sources = item.sources, r.reasons = item.reasons,
      r.modelVersion = $version, r.trainedAt = $trainedAt
  RETURN count(r) AS written
}
CALL (c, row) {
  MATCH (c)-[old:RECOMMENDED]->(q:Product)
  WHERE NOT q.id IN [item IN row.items | item.product]
  DELETE old
  RETURN count(old) AS removed
}
RETURN sum(written) AS n
"""

# After a full write: lists of another model version (customers this run did not list) go.
DELETE_STALE_RECOMMENDED = """
MATCH (:Customer)-[r:RECOMMENDED]->()
WHERE r.modelVersion <> $version
CALL (r) { DELETE r } IN TRANSACTIONS OF 5000 ROWS
RETURN count(*) AS n
"""

# Names of the products the reasons cite, to say them in words.
PRODUCT_NAMES = """
UNWIND $ids AS id
MATCH (p:Product {id: id})
RETURN p.id AS id, p.name AS name
"""
