"""The fairness audit's internal Cypher (``relational.audit``); the analyst versions are ``cypher/audit_*.cypher``."""

from __future__ import annotations

# Every catalog or bought product with the groups the audit measures: its most confident brand and
# gender, its department's name, its purchase lines and the mean price they paid (null: none priced).
AUDIT_PRODUCTS = """
MATCH (p:Product)
WHERE p.inCatalog = true OR EXISTS { (:Customer)-[:PURCHASED]->(p) }
CALL (p) {
  OPTIONAL MATCH (:Customer)-[r:PURCHASED]->(p)
  RETURN count(r) AS purchases, avg(r.price) AS price
}
RETURN p.id AS id, coalesce(p.inCatalog, false) AS inCatalog,
       COLLECT { MATCH (p)-[f:HAS_BRAND]->(b:Brand) RETURN b.name ORDER BY f.confidence DESC, b.name }[0] AS brand,
       COLLECT { MATCH (p)-[:IN_DEPARTMENT]->(d:Department) RETURN d.name ORDER BY d.name }[0] AS department,
       COLLECT { MATCH (p)-[f:FOR_GENDER]->(g:Gender) RETURN g.id ORDER BY f.confidence DESC, g.id }[0] AS gender,
       purchases, price
ORDER BY id
"""

# Every customer with a purchase: age and the mean price they paid.
AUDIT_CUSTOMERS = """
MATCH (c:Customer) WHERE EXISTS { (c)-[:PURCHASED]->() }
CALL (c) {
  MATCH (c)-[r:PURCHASED]->()
  RETURN avg(r.price) AS paid
}
RETURN c.id AS id, c.age AS age, paid
ORDER BY id
"""

# The served lists: each customer's RECOMMENDED entries up to rank $k.
AUDIT_RECOMMENDED = """
MATCH (c:Customer)-[r:RECOMMENDED]->(p:Product)
WHERE r.rank <= $k
RETURN c.id AS customer, p.id AS product, r.rank AS rank
ORDER BY customer, rank
"""
