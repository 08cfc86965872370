"""The privacy plugin's internal Cypher (``graphstore.privacy``): a customer's footprint, export and erasure.

Values always travel as ``$parameters``; the customer is matched on its unique ``id``.
"""

from __future__ import annotations

# What the graph holds about one customer, counted, with the vector the recommender wrote.
CUSTOMER_FOOTPRINT = """
MATCH (c:Customer {id: $id})
RETURN c.recEmbedding AS vector,
       COUNT { (c)-[:PURCHASED]->() } AS purchases,
       COUNT { (c)-[:PREFERS]->() } AS preferences,
       COUNT { (c)-[:RECOMMENDED]->() } AS recommended,
       COUNT { (c)--() } AS relationships
"""

# --- export -----------------------------------------------------------------------------------

EXPORT_CUSTOMER = "MATCH (c:Customer {id: $id}) RETURN properties(c) AS properties, labels(c) AS labels"

EXPORT_PURCHASES = """
MATCH (:Customer {id: $id})-[r:PURCHASED]->(p:Product)
RETURN r.id AS id, p.id AS product, p.name AS name, r.date AS date, r.price AS price,
       r.channel AS channel, r.channelName AS channelName, r.source AS source
ORDER BY date, id
"""

EXPORT_PREFERENCES = """
MATCH (:Customer {id: $id})-[r:PREFERS]->(t)
RETURN labels(t)[0] AS label, t.id AS term, t.name AS name, properties(r) AS properties
ORDER BY label, term
"""

EXPORT_RECOMMENDED = """
MATCH (:Customer {id: $id})-[r:RECOMMENDED]->(p:Product)
RETURN r.rank AS rank, p.id AS product, p.name AS name, r.score AS score, r.sources AS sources,
       r.reasons AS reasons, r.modelVersion AS modelVersion, r.trainedAt AS trainedAt
ORDER BY rank
"""

# Every other relationship touching the customer, whatever its type, so the export misses nothing.
EXPORT_OTHER_RELATIONSHIPS = """
MATCH (c:Customer {id: $id})-[r]-(n)
WHERE NOT type(r) IN ['PURCHASED', 'PREFERS', 'RECOMMENDED']
RETURN type(r) AS type, CASE WHEN startNode(r) = c THEN 'out' ELSE 'in' END AS direction,
       labels(n) AS labels, n.id AS other, properties(r) AS properties
ORDER BY type, other
"""

# --- erasure ----------------------------------------------------------------------------------

# The customer with every relationship, the looks the fitting room styled for them (an Outfit's id is
# a hash of the customer's id, so it would still point at them), then the products that existed only
# through their purchases (not in the catalog, bought by nobody else): such a product tells what they bought.
FORGET_CUSTOMER = """
MATCH (c:Customer {id: $id})
CALL (c) {
  MATCH (o:Outfit)-[:STYLED_FOR]->(c)
  DETACH DELETE o
}
OPTIONAL MATCH (c)-[:PURCHASED]->(p:Product)
WHERE coalesce(p.inCatalog, false) = false
WITH c, collect(DISTINCT p) AS onlyTheirs
DETACH DELETE c
WITH onlyTheirs
UNWIND onlyTheirs AS p
WITH p WHERE NOT EXISTS { (:Customer)-[:PURCHASED]->(p) }
DETACH DELETE p
RETURN count(p) AS n
"""

# Models trained on the forgotten customer's purchases: stale until the next `shopgraph train`
# (whose RECORD_MODEL_RUN clears the mark).
MARK_MODELS_STALE = """
MATCH (m:ModelRun)
SET m.stale = true, m.staleSince = date($today)
RETURN count(m) AS n
"""
