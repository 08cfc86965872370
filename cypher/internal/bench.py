"""The benchmarks' own Cypher (``bench/``), as named constants: set-up, clean-up and checks around what they measure.

What the benchmarks measure runs the product's own statements (``cypher/*.cypher`` and the other
modules of ``cypher/internal``); these only prepare and inspect the benchmark's throw-away
database. Values always travel as ``$parameters``.
"""

from __future__ import annotations

from shopgraph.graphstore.core.graph_model import name

# --- clean-up (auto-commit: CALL { } IN TRANSACTIONS) ------------------------------------------

# Empty the benchmark database.
WIPE = "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS"

# Undo a purchases load: the purchases, and the products and customers only purchases created.
RESET_PURCHASES = (
    "MATCH ()-[r:PURCHASED]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS",
    "MATCH (p:Product) WHERE p.inCatalog = false CALL (p) { DETACH DELETE p } IN TRANSACTIONS OF 10000 ROWS",
    "MATCH (c:Customer) WHERE c.inCustomerFile = false CALL (c) { DETACH DELETE c } IN TRANSACTIONS OF 10000 ROWS",
)

# Remove every photo and detection (bench.vision_pipeline, between phases).
CLEAR_IMAGES = "MATCH (n) WHERE n:Image OR n:Detection CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS"

# Wait for vector indexes populated after a bulk write; the scaled graphs take long.
AWAIT_INDEXES = "CALL db.awaitIndexes(7200)"

# --- what the server is ---------------------------------------------------------------------

COMPONENTS = "CALL dbms.components() YIELD name, versions RETURN name, versions"


def profiled(statement: str) -> str:
    """``statement`` run with ``PROFILE``: the server returns its plan with db hits."""
    return "PROFILE " + statement


# --- checks of the graph a benchmark built ------------------------------------------------------

GRAPH_COUNTS = """
CALL () { MATCH (n) RETURN count(n) AS nodes }
CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships }
CALL () { MATCH (p:Product) RETURN count(p) AS products }
CALL () { MATCH (p:Product) WHERE p.inCatalog = false RETURN count(p) AS productsNotInCatalog }
CALL () { MATCH (c:Customer) RETURN count(c) AS customers }
CALL () { MATCH ()-[r:PURCHASED]->() RETURN count(r) AS purchases }
RETURN nodes, relationships, products, productsNotInCatalog, customers, purchases
"""

VISION_GRAPH_CHECKS = """
CALL () { MATCH (i:Image) RETURN count(i) AS images }
CALL () { MATCH (d:Detection) RETURN count(d) AS detections }
CALL () { MATCH (:Image)-[r:DEPICTS]->(:Product) RETURN count(r) AS depicts }
CALL () { MATCH (i:Image) WHERE i.detectionCount IS NOT NULL RETURN count(i) AS withDetectionCount }
CALL () { MATCH (i:Image) WHERE i.detections IS NOT NULL RETURN count(i) AS withDetections }
CALL () { MATCH (d:Detection) WHERE d.embedding IS NOT NULL RETURN count(d) AS detectionEmbeddings }
RETURN images, detections, depicts, withDetectionCount, withDetections, detectionEmbeddings
"""

VECTOR_COUNTS = """
CALL () { MATCH (p:Product) WHERE p.recEmbedding IS NOT NULL RETURN count(p) AS productRecVectors }
CALL () { MATCH (p:Product) WHERE p.textEmbedding IS NOT NULL RETURN count(p) AS productTextVectors }
CALL () { MATCH (c:Customer) WHERE c.recEmbedding IS NOT NULL RETURN count(c) AS customerRecVectors }
CALL () { MATCH (c:Customer) WHERE EXISTS { (c)-[:PURCHASED]->() } RETURN count(c) AS customersWithPurchases }
CALL () { MATCH ()-[r:PREFERS]->() RETURN count(r) AS prefers }
RETURN productRecVectors, productTextVectors, customerRecVectors, customersWithPurchases, prefers
"""

# Facts of the given types ($types: relationship type names).
FACT_COUNT = "MATCH (:Product)-[r]->() WHERE type(r) IN $types RETURN count(r) AS facts"

# --- copying the dev graph's vectors onto a scaled graph ----------------------------------------

# Every stored product text vector, one per text hash.
DEV_TEXT_VECTORS = """
MATCH (p:Product)
WHERE p.textEmbedding IS NOT NULL AND p.textEmbeddingOf IS NOT NULL
WITH p.textEmbeddingOf AS hash, collect(p.textEmbedding)[0] AS vector
RETURN hash, vector
ORDER BY hash
"""

# What read_snapshot reads of a photo: an Image with an embedding that DEPICTS the product. The
# database is fresh, so CREATE; the id (Image's key) names the product copy and the photo's place.
COPY_PHOTOS = """
UNWIND $rows AS row
MATCH (p:Product {id: row.product})
CREATE (i:Image {id: row.id, embedding: row.embedding})-[:DEPICTS]->(p)
RETURN count(i) AS n
"""

# The dev graph's recommender and text vectors, to give the scaled copies.
REAL_PRODUCT_VECTORS = """
MATCH (p:Product) WHERE p.recEmbedding IS NOT NULL OR p.textEmbedding IS NOT NULL
RETURN p.id AS id, p.recEmbedding AS rec, p.textEmbedding AS text, p.textEmbeddingOf AS textOf,
       p.recModelVersion AS version, p.recTrainedAt AS trainedAt
ORDER BY id
"""
REAL_CUSTOMER_VECTORS = """
MATCH (c:Customer) WHERE c.recEmbedding IS NOT NULL RETURN c.id AS id, c.recEmbedding AS rec ORDER BY id
"""

SCALED_PRODUCTS = "MATCH (p:Product) RETURN p.id AS id ORDER BY id"
SCALED_CUSTOMERS = "MATCH (c:Customer) WHERE EXISTS { (c)-[:PURCHASED]->() } RETURN c.id AS id ORDER BY id"

# The nearest $k by a vector index, for the recall check (the node's own vector as the query).
INDEX_NEAREST: dict[str, str] = {
    label: f"MATCH (n:{name(label)} {{id: $id}}) "
    "CALL db.index.vector.queryNodes($index, $k, n[$prop]) YIELD node RETURN node.id AS id"
    for label in ("Customer", "Product")
}

# bench.served_latency: a graph of the served lists' shape, built set-wise (no loader needed).
SERVED_PRODUCTS = """
UNWIND $rows AS row
CREATE (p:Product {id: row.id, name: row.name, productCode: row.code, inCatalog: true})
SET p.recEmbedding = row.vector, p.recModelVersion = $version
"""
SERVED_CUSTOMERS = """
UNWIND $rows AS row
CREATE (c:Customer {id: row.id})
SET c.recEmbedding = row.vector, c.recModelVersion = $version
WITH c, row
CALL (c, row) {
  UNWIND row.bought AS pid
  MATCH (p:Product {id: pid})
  CREATE (c)-[:PURCHASED {date: date('2020-09-01'), quantity: 1, source: 'bench'}]->(p)
}
CALL (c, row) {
  UNWIND range(0, size(row.listed) - 1) AS i
  MATCH (p:Product {id: row.listed[i]})
  CREATE (c)-[:RECOMMENDED {rank: i + 1, score: 1.0 - i * 0.01, sources: row.sources[i], reasons: row.reasons[i],
                            modelVersion: $version, trainedAt: datetime()}]->(p)
}
"""

# --- bench.ask_shopper ---------------------------------------------------------------------------

# The products whose catalog photo the benchmark graph holds.
PRODUCTS_WITH_PHOTOS = "MATCH (:Image)-[:DEPICTS]->(p:Product) RETURN DISTINCT p.id AS product"
