// name: ask_group_genders
// purpose: For the shopping assistant: whom the catalog's products in some categories (or below them) are for: products per gender, most first; "what goes with this skirt?" then suggests for the skirts' usual gender.
// mode: read
// param: categories (list<string>, required) category ids
// param: minConfidence (float, default 0.5) lowest confidence of a category or gender fact that counts
// returns: gender, products, share
// needs: foundation (catalog)
MATCH (p:Product {inCatalog: true})-[f:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(c:Category)
WHERE c.id IN $categories AND f.confidence >= $minConfidence
WITH DISTINCT p
WITH collect(p) AS products
UNWIND products AS p
MATCH (p)-[h:FOR_GENDER]->(g:Gender)
WHERE h.confidence >= $minConfidence
WITH g, count(DISTINCT p) AS n, size(products) AS total
RETURN g.id AS gender, n AS products, round(toFloat(n) / total, 4) AS share
ORDER BY products DESC, gender
