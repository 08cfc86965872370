// name: top_brands
// purpose: Brands by number of products in the catalog and by purchases, optionally within one category of the shared taxonomy (and its subcategories).
// mode: read
// param: category (string, default null) a Category id such as tops or t-shirt; all categories when omitted
// param: limit (int, default 10) rows
// returns: brand, products, purchases, customers
// needs: foundation (catalog; purchases for the purchase counts)
MATCH (b:Brand)<-[:HAS_BRAND]-(p:Product)
WHERE $category IS NULL
   OR EXISTS { (p)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(:Category {id: $category}) }
WITH b, collect(p) AS products
RETURN b.name AS brand, size(products) AS products,
       COUNT { MATCH (:Customer)-[:PURCHASED]->(x) WHERE x IN products } AS purchases,
       COUNT { MATCH (c:Customer)-[:PURCHASED]->(x) WHERE x IN products RETURN DISTINCT c } AS customers
ORDER BY products DESC, purchases DESC, brand
LIMIT $limit
