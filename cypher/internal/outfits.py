"""The fitting room's internal Cypher, as named constants.

Analysts' view of the same co-purchases: ``cypher/complete_the_look.cypher``.

Values always travel as ``$parameters`` and batches as ``UNWIND $rows``, as in ``cypher.internal.graphstore``.
"""

from __future__ import annotations

# Catalog products of the taxonomy groups a look is made of, with what the builder's rules read: the
# most confident category (the deeper one on a tie; "Slacks tie belt" names a belt less surely than
# its product type names trousers) and its group, genders, the most confident colour (with its
# L*a*b* and family), whether it is made of denim, its styles, and whether a photo depicts it.
LOOK_PRODUCTS = """
MATCH (p:Product {inCatalog: true})-[f:IN_CATEGORY]->(k:Category)-[:SUBCATEGORY_OF*0..]->(g:Category {level: 2})
WITH p, f, k, g ORDER BY f.confidence DESC, k.level DESC, k.id
WITH p, collect(g.id)[0] AS grp, collect(k.id)[0] AS category
WHERE grp IN $groups
RETURN p.id AS id, p.name AS name, grp AS `group`, category,
       COLLECT { MATCH (p)-[:FOR_GENDER]->(x:Gender) RETURN x.id ORDER BY x.id } AS genders,
       COLLECT { MATCH (p)-[f:HAS_COLOUR]->(k:Colour) RETURN k {.id, .name, .lab, .family}
                 ORDER BY f.confidence DESC, k.id }[0] AS colour,
       EXISTS { (p)-[:MADE_OF]->(:Material {id: 'denim'}) } AS denim,
       COLLECT { MATCH (p)-[:HAS_STYLE]->(s:Style) RETURN s.id ORDER BY s.id } AS styles,
       EXISTS { (:Image)-[:DEPICTS]->(p) } AS photo
ORDER BY id
"""

# Every purchase line of those products: who bought what, when.
LOOK_PURCHASES = """
MATCH (c:Customer)-[r:PURCHASED]->(p:Product {inCatalog: true})
WHERE p.id IN $products AND r.date IS NOT NULL
RETURN c.id AS customer, p.id AS product, r.date AS date
ORDER BY date, customer, product
"""

# What a subject id names: a customer, a product, both or neither.
SUBJECT_KIND = """
RETURN EXISTS { MATCH (:Customer {id: $id}) } AS customer, EXISTS { MATCH (:Product {id: $id}) } AS product
"""

# A customer's PREFERS (compute_preferences), by kind: {kind, term, share}.
CUSTOMER_PREFERENCES = """
MATCH (:Customer {id: $customer})-[r:PREFERS]->(t)
WHERE r.kind IN ['Colour', 'Category', 'Style']
RETURN r.kind AS kind, t.id AS term, r.share AS share
ORDER BY kind, term
"""

# Each product's photo and the mask of its main detection (the one DEPICTS names, else the largest
# current one): the image's path and size, the outline as [x0, y0, x1, y1, ...] and the box.
CUTOUT_SOURCES = """
UNWIND $products AS id
MATCH (img:Image)-[r:DEPICTS]->(p:Product {id: id})
CALL (img, r) {
  OPTIONAL MATCH (img)-[:HAS_DETECTION]->(d:Detection)
  WHERE d.id = r.detection OR (r.detection IS NULL AND d.current)
  RETURN d ORDER BY d.maskArea DESC LIMIT 1
}
WITH p, img, d ORDER BY img.id
WITH p, collect({img: img, d: d})[0] AS first
RETURN p.id AS product, first.img.path AS path, first.img.width AS width, first.img.height AS height,
       first.d.polygon AS polygon, first.d.box AS box, first.d.id AS detection
"""

# Outfits: one node per (subject, rank), its pieces replaced by the new ones on every run. The id
# is a hash of the subject; a shopper is named only by STYLED_FOR, never in a property, so that
# removing a customer's relationships (and their outfits) removes every trace of them.
UPSERT_OUTFITS = """
UNWIND $rows AS row
MERGE (o:Outfit {id: row.id})
SET o.subjectKind = row.subjectKind, o.rank = row.rank, o.look = row.look, o.score = row.score,
    o.reasons = row.reasons, o.anchor = row.anchor, o.notes = row.notes, o.builtAt = datetime()
WITH o, row
OPTIONAL MATCH (o)-[old:INCLUDES]->(p:Product)
WHERE NOT p.id IN [x IN row.pieces | x.product]
DELETE old
WITH DISTINCT o, row
UNWIND row.pieces AS piece
MATCH (p:Product {id: piece.product})
MERGE (o)-[r:INCLUDES]->(p)
SET r.slot = piece.slot, r.position = piece.position
WITH DISTINCT o, row
CALL (o, row) {
  MATCH (c:Customer {id: row.customer})
  MERGE (o)-[:STYLED_FOR]->(c)
}
RETURN count(o) AS n
"""

# A subject's outfits (ids starting with its prefix) of a rank above the looks built now: an earlier
# run built more.
DELETE_STALE_OUTFITS = """
MATCH (o:Outfit)
WHERE o.id STARTS WITH $prefix AND o.rank > $looks
DETACH DELETE o
RETURN count(*) AS n
"""
