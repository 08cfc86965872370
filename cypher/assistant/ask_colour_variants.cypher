// name: ask_colour_variants
// purpose: For the shopping assistant ("do you have this in red?"): catalog products that may be the same item in another colour: tier 1 the articles sharing the product's productCode (H&M's colour variants of one product), tier 2 products of the same brand, category and gender (the assistant keeps those whose names differ only in colour words as the same item, the others as alternatives); a colour family such as red also matches its shades.
// mode: read
// param: productId (string, required) the product the shopper means
// param: colours (list<string>, default null) colour ids wanted; null lists every colour
// param: minConfidence (float, default 0.5) lowest confidence of a fact that counts
// param: limit (int, default 200) rows
// returns: product, name, colours, tier, referenceName, why
// needs: foundation (catalog)
MATCH (ref:Product {id: $productId})
CALL (ref) {
  MATCH (v:Product {inCatalog: true})
  WHERE ref.productCode IS NOT NULL AND v.source = ref.source AND v.productCode = ref.productCode AND v <> ref
  RETURN v, 1 AS tier
  UNION
  MATCH (ref)-[b1:HAS_BRAND]->(:Brand)<-[b2:HAS_BRAND]-(v:Product {inCatalog: true}),
        (ref)-[c1:IN_CATEGORY]->(:Category)<-[c2:IN_CATEGORY]-(v)
  WHERE v <> ref AND b1.confidence >= $minConfidence AND b2.confidence >= $minConfidence
    AND c1.confidence >= $minConfidence AND c2.confidence >= $minConfidence
    AND NOT EXISTS { MATCH (ref)-[:FOR_GENDER]->(g:Gender) WHERE NOT EXISTS { (v)-[:FOR_GENDER]->(g) } }
  RETURN v, 2 AS tier
}
WITH ref, v, min(tier) AS tier
WITH ref, v, tier, [(v)-[f:HAS_COLOUR]->(k:Colour) WHERE f.confidence >= $minConfidence | k] AS ks
WHERE $colours IS NULL
   OR any(k IN ks WHERE k.id IN $colours OR EXISTS { MATCH (k)-[:SHADE_OF]->(h:Colour) WHERE h.id IN $colours })
RETURN v.id AS product, v.name AS name, [k IN ks | k.id] AS colours, tier, ref.name AS referenceName,
       CASE tier WHEN 1 THEN 'same product code ' + ref.productCode ELSE 'same brand, category and gender' END AS why
ORDER BY tier, product
LIMIT $limit
