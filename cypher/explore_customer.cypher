// name: explore_customer
// purpose: For Neo4j Browser: the most active customer, their purchases, and the brands, categories and colours they prefer, as a graph.
// mode: read
// returns: path
// needs: foundation (purchases) and `shopgraph reason preferences`
MATCH (c:Customer)
WITH c ORDER BY COUNT { (c)-[:PURCHASED]->(:Product {inCatalog: true}) } DESC, c.id LIMIT 1
MATCH path = (c)-[r:PURCHASED|PREFERS]->(x)
WHERE x:Product OR x:Brand OR x:Colour OR (x:Category AND x.level = 3)
RETURN path
ORDER BY type(r), x.id, r.id
LIMIT 60
