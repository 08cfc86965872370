// name: explore_taxonomy
// purpose: For Neo4j Browser: how both retailers' own category labels map onto the shared taxonomy, under Tops.
// mode: read
// returns: path
// needs: foundation (catalog)
MATCH path = (:SourceCategory)-[:MAPS_TO]->(:Category)-[:SUBCATEGORY_OF*1..2]->(:Category {id: 'apparel'})
WHERE ANY(n IN nodes(path) WHERE n.id = 'tops')
RETURN path
LIMIT 80
