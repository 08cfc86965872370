"""Internal Cypher of the graph core and ingestion, as named constants. Analysts' queries live in ``cypher/*.cypher``.

Values always travel as ``$parameters``; batches always ``UNWIND $rows``. Labels and
relationship types are never parameters in Cypher, so the few queries that vary
by type are generated here, once, from the allow-lists of the graph model
(``graphstore.core.graph_model``: ``FACT_TYPES``, ``LABELS``) through ``name()``.
The schema's migration statements are in ``cypher/internal/schema.py``.
"""

from __future__ import annotations

from shopgraph.graphstore.core.graph_model import FACT_TYPES, VOCABULARY_LABELS, name, quote

# Seeding the vocabulary (``graphstore.core.schema.seed_vocabulary``): one statement per label.
SEED_TERMS: dict[str, str] = {
    label: f"""
UNWIND $rows AS row
MERGE (t:{name(label)} {{id: row.id}})
SET t.name = row.name, t.synonyms = row.synonyms, t += row.props
"""
    for label in VOCABULARY_LABELS
}

SEED_CATEGORY_PARENTS = """
UNWIND $rows AS row
MATCH (child:Category {id: row.id}), (parent:Category {id: row.parent})
MERGE (child)-[:SUBCATEGORY_OF]->(parent)
"""

SEED_COLOUR_FAMILIES = """
UNWIND $rows AS row
MATCH (shade:Colour {id: row.id}), (family:Colour {id: row.family})
MERGE (shade)-[:SHADE_OF]->(family)
"""

UPSERT_PRODUCTS = """
UNWIND $rows AS row
MERGE (p:Product {id: row.id})
SET p.source = row.source, p.sourceId = row.sourceId, p.name = row.name,
    p.sourceFile = row.sourceFile, p.sourceLine = row.line, p.inCatalog = true,
    p += row.props
"""

UPSERT_BRANDS = """
UNWIND $rows AS row
MERGE (b:Brand {id: row.id})
ON CREATE SET b.name = row.name
WITH b, row WHERE row.parent IS NOT NULL
MERGE (parent:Brand {id: row.parent})
ON CREATE SET parent.name = row.parentName
MERGE (b)-[:SUB_BRAND_OF]->(parent)
"""

UPSERT_DEPARTMENTS = """
UNWIND $rows AS row
MERGE (d:Department {id: row.id})
SET d += row.props
"""

UPSERT_SOURCE_CATEGORIES = """
UNWIND $rows AS row
MERGE (s:SourceCategory {id: row.id})
SET s.source = row.source, s.field = row.field, s.name = row.name
WITH s, row WHERE row.parent IS NOT NULL
MATCH (parent:SourceCategory {id: row.parent})
MERGE (s)-[:SUBCATEGORY_OF]->(parent)
"""

MAP_SOURCE_CATEGORIES = """
UNWIND $rows AS row
MATCH (s:SourceCategory {id: row.id}), (c:Category {id: row.category})
MERGE (s)-[:MAPS_TO]->(c)
"""

FACT_QUERIES: dict[str, str] = {
    rel: f"""
UNWIND $rows AS row
MATCH (p:Product {{id: row.product}})
MATCH (t:{name(label)} {{id: row.target}})
MERGE (p)-[r:{name(rel)}]->(t)
SET r.rule = row.rule, r.rules = row.rules, r.confidence = row.confidence, r.source = row.source
"""
    for rel, label in FACT_TYPES.items()
}

# Facts this source asserted earlier that the current input no longer asserts. The type
# list keeps the expansion off a product's purchases, which can be many.
DELETE_STALE_FACTS = f"""
UNWIND $rows AS row
MATCH (p:Product {{id: row.id}})-[r:{"|".join(name(rel) for rel in FACT_TYPES)}]->(t)
WHERE r.source = row.sourceFile AND NOT (type(r) + '|' + t.id) IN row.factKeys
DELETE r
"""

UPSERT_CUSTOMERS = """
UNWIND $rows AS row
MERGE (c:Customer {id: row.id})
SET c.source = row.source, c.sourceFile = row.sourceFile, c.inCustomerFile = true, c += row.props
"""

UPSERT_PURCHASES = """
UNWIND $rows AS row
MERGE (c:Customer {id: row.customer})
ON CREATE SET c.source = row.source, c.inCustomerFile = false
MERGE (p:Product {id: row.product})
ON CREATE SET p.source = row.source, p.sourceId = row.productSourceId, p.inCatalog = false
MERGE (c)-[r:PURCHASED {id: row.id}]->(p)
SET r.date = date(row.date), r.price = row.price, r.channel = row.channel,
    r.channelName = row.channelName, r.source = row.sourceFile
"""

PURCHASE_COVERAGE = """
MATCH (c:Customer)-[r:PURCHASED]->(p:Product)
WHERE r.source = $sourceFile
RETURN count(r) AS purchases,
       count(CASE WHEN p.inCatalog THEN r END) AS purchasesOfCatalogProducts,
       count(CASE WHEN NOT p.inCatalog THEN r END) AS purchasesOfUnknownProducts,
       count(DISTINCT CASE WHEN NOT p.inCatalog THEN p END) AS unknownProducts,
       count(DISTINCT CASE WHEN NOT c.inCustomerFile THEN c END) AS unknownCustomers
"""

# Bulk first load (``graphstore.ingest.bulk``): does the database hold anything but the schema's own
# nodes (vocabulary terms, applied migrations)? One such node makes it non-empty.
HOLDS_DATA = """
RETURN EXISTS {
  MATCH (n) WHERE size(labels(n)) = 0 OR any(l IN labels(n) WHERE NOT l IN $schemaLabels)
} AS found
"""

# Graph statistics (``graphstore.core.stats``): every label and type the database holds, then one count each.
LABEL_COUNTS = "CALL db.labels() YIELD label RETURN label ORDER BY label"
REL_TYPE_LIST = "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType ORDER BY relationshipType"


def count_label(label: str) -> str:
    """Counts the nodes of ``label``, any label the database reports (quoted, not allow-listed)."""
    return f"MATCH (n:{quote(label)}) RETURN count(n) AS n"


def count_rel(rel: str) -> str:
    """Counts the relationships of type ``rel``, any type the database reports (quoted)."""
    return f"MATCH ()-[r:{quote(rel)}]->() RETURN count(r) AS n"


# Recommendations (relational.recommend): what a named query's empty answer means.
CUSTOMER_STATE = """
MATCH (c:Customer {id: $id})
RETURN c.recEmbedding IS NOT NULL AS embedded, COUNT { (c)-[:PREFERS]->() } AS preferences,
       COUNT { (c)-[:RECOMMENDED]->() } AS served, EXISTS { (:Customer)-[:RECOMMENDED]->() } AS anyServed
"""
PRODUCT_EXISTS = "MATCH (p:Product {id: $id}) RETURN p.id AS id"
# Stated preferences that name no vocabulary node, matched as cypher/cold_start.cypher matches them.
UNKNOWN_TERMS = """
UNWIND $brands AS value
WITH value WHERE NOT EXISTS {
  MATCH (t:Brand) WHERE toLower(t.id) = toLower(trim(value)) OR toLower(t.name) = toLower(trim(value))
}
RETURN 'brand' AS kind, value
UNION ALL
UNWIND $colours AS value
WITH value WHERE NOT EXISTS {
  MATCH (t:Colour) WHERE toLower(t.id) = toLower(trim(value)) OR toLower(t.name) = toLower(trim(value))
                      OR any(s IN coalesce(t.synonyms, []) WHERE toLower(s) = toLower(trim(value)))
}
RETURN 'colour' AS kind, value
UNION ALL
UNWIND $categories AS value
WITH value WHERE NOT EXISTS {
  MATCH (t:Category) WHERE toLower(t.id) = toLower(trim(value)) OR toLower(t.name) = toLower(trim(value))
                        OR any(s IN coalesce(t.synonyms, []) WHERE toLower(s) = toLower(trim(value)))
}
RETURN 'category' AS kind, value
"""

# --- the Browser guide's first slides (``graphstore.browser.guide``) ----------------------------
# Shown as runnable blocks: the reader presses ▶ in Neo4j Browser.

# The graph's labels and types as Browser draws them.
GUIDE_SCHEMA = "CALL db.schema.visualization()"
# Nodes per (first) label, most first.
GUIDE_NODE_COUNTS = "MATCH (n) RETURN labels(n)[0] AS label, count(*) AS nodes ORDER BY nodes DESC"


def guide_product_facts(product_literal: str) -> str:
    """One product and its facts, for the guide's graph-model slide.

    A guide block is text the reader runs as it stands, so the product id is written in as a Cypher
    literal: ``product_literal`` must come from ``guide.cypher_literal`` (quoted and escaped).
    """
    return f"MATCH path = (:Product {{id: {product_literal}}})-[]->() RETURN path"
