// name: ask_search_products
// purpose: For the shopping assistant ("which Puma shoes are under 2000?"): catalog products with the given brands, categories (or anything below them), colours (a family also matches its shades), genders, materials, patterns and styles, each with a price: the catalog's list price, else the median price of its purchase lines; inRange says whether that price is within the bounds (false when there is no price). In range first, then by the customer's preferences, then by purchases.
// mode: read
// param: brands (list<string>, default null) brand ids (a brand also matches its sub-brands); null: any
// param: categories (list<string>, default null) category ids; null: any
// param: colours (list<string>, default null) colour ids; null: any
// param: genders (list<string>, default null) gender ids; null: any
// param: materials (list<string>, default null) material ids (asserted MADE_OF facts); null: any
// param: patterns (list<string>, default null) pattern ids; null: any
// param: styles (list<string>, default null) style ids; null: any
// param: minPrice (float, default null) lowest price; null: no lower bound
// param: maxPrice (float, default null) highest price; null: no upper bound
// param: customerId (string, default null) rank this customer's preferred brands, colours and categories first
// param: minConfidence (float, default 0.5) lowest confidence of a fact that counts
// param: limit (int, default 200) rows
// returns: product, name, brand, category, colours, price, priceSource, purchaseLines, inRange, affinity, purchases
// needs: foundation (catalog; purchases for prices derived from them)
MATCH (p:Product {inCatalog: true})
WHERE ($brands IS NULL OR EXISTS {
        MATCH (p)-[f:HAS_BRAND]->(:Brand)-[:SUB_BRAND_OF*0..]->(b:Brand)
        WHERE f.confidence >= $minConfidence AND b.id IN $brands })
  AND ($categories IS NULL OR EXISTS {
        MATCH (p)-[f:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(c:Category)
        WHERE f.confidence >= $minConfidence AND c.id IN $categories })
  AND ($colours IS NULL OR EXISTS {
        MATCH (p)-[f:HAS_COLOUR]->(k:Colour)
        WHERE f.confidence >= $minConfidence
          AND (k.id IN $colours OR EXISTS { MATCH (k)-[:SHADE_OF]->(h:Colour) WHERE h.id IN $colours }) })
  AND ($genders IS NULL OR EXISTS {
        MATCH (p)-[f:FOR_GENDER]->(g:Gender) WHERE f.confidence >= $minConfidence AND g.id IN $genders })
  AND ($materials IS NULL OR EXISTS {
        MATCH (p)-[f:MADE_OF]->(m:Material) WHERE f.confidence >= $minConfidence AND m.id IN $materials })
  AND ($patterns IS NULL OR EXISTS {
        MATCH (p)-[f:HAS_PATTERN]->(t:Pattern) WHERE f.confidence >= $minConfidence AND t.id IN $patterns })
  AND ($styles IS NULL OR EXISTS {
        MATCH (p)-[f:HAS_STYLE]->(s:Style) WHERE f.confidence >= $minConfidence AND s.id IN $styles })
CALL (p) {
  OPTIONAL MATCH (:Customer)-[r:PURCHASED]->(p)
  RETURN percentileDisc(r.price, 0.5) AS median, count(r.price) AS lines, count(r) AS purchases
}
CALL (p) {
  OPTIONAL MATCH (:Customer {id: $customerId})-[pr:PREFERS]->(t)<-[:HAS_BRAND|HAS_COLOUR|IN_CATEGORY]-(p)
  RETURN coalesce(sum(pr.share), 0.0) AS affinity
}
WITH p, coalesce(p.price, median) AS price, lines, purchases, affinity,
     CASE WHEN p.price IS NOT NULL THEN 'list' WHEN lines > 0 THEN 'purchases' END AS priceSource
WITH p, price, priceSource, lines, purchases, affinity,
     CASE WHEN $minPrice IS NULL AND $maxPrice IS NULL THEN true
          WHEN price IS NULL THEN false
          ELSE ($minPrice IS NULL OR price >= $minPrice) AND ($maxPrice IS NULL OR price <= $maxPrice) END AS inRange
RETURN p.id AS product, p.name AS name,
       COLLECT { MATCH (p)-[f:HAS_BRAND]->(b:Brand) RETURN b.name ORDER BY f.confidence DESC, b.name }[0] AS brand,
       COLLECT { MATCH (p)-[f:IN_CATEGORY]->(c:Category) RETURN c.id ORDER BY f.confidence DESC, c.id }[0] AS category,
       COLLECT { MATCH (p)-[f:HAS_COLOUR]->(c:Colour) WHERE f.confidence >= $minConfidence
                 RETURN c.id ORDER BY f.confidence DESC, c.id } AS colours,
       price, priceSource, lines AS purchaseLines, inRange, round(affinity, 4) AS affinity, purchases
ORDER BY inRange DESC, affinity DESC, purchases DESC, product
LIMIT $limit
