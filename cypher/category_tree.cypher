// name: category_tree
// purpose: The shared category taxonomy with product counts per node (including descendants) and each retailer's own labels that map onto it.
// mode: read
// param: minProducts (int, default 1) hide categories with fewer products
// returns: level, path, id, products, retailerLabels
// needs: foundation (db init; catalog for the counts)
MATCH path = (c:Category)-[:SUBCATEGORY_OF*0..]->(root:Category)
WHERE NOT (root)-[:SUBCATEGORY_OF]->()
WITH c, [n IN reverse(nodes(path)) | n.name] AS names
WITH c, names, COUNT { MATCH (:Product)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(c) } AS products
WHERE products >= $minProducts
RETURN c.level AS level, reduce(s = '', n IN names | s + CASE WHEN s = '' THEN '' ELSE ' > ' END + n) AS path, c.id AS id, products,
       COLLECT { MATCH (s:SourceCategory)-[:MAPS_TO]->(c) WITH s.source + ':' + s.name AS label ORDER BY label RETURN label } AS retailerLabels
ORDER BY path
