// name: explore_brand
// purpose: For Neo4j Browser: the catalog's biggest brand with its products and their colours and categories, showing the provenance on each relationship.
// mode: read
// returns: path
// needs: foundation (catalog)
MATCH (b:Brand)<-[:HAS_BRAND]-(p:Product)
WITH b, count(p) AS n ORDER BY n DESC, b.id LIMIT 1
MATCH path = (b)<-[:HAS_BRAND]-(p:Product)-[r:HAS_COLOUR|IN_CATEGORY]->(t)
RETURN path
ORDER BY p.id, type(r), t.id
LIMIT 60
