// name: ask_look_products
// purpose: For the shopping assistant ("what goes with this skirt?"): the catalog products to suggest from each group: those bought by the same customers as the anchor product first, then the customer's preferred brands, colours and categories, then the most purchased.
// mode: read
// param: groups (list<string>, required) category ids to suggest from (usually from ask_look_groups)
// param: genders (list<string>, default null) gender ids a product must be for; null: any
// param: productId (string, default null) the item to dress around
// param: customerId (string, default null) rank this customer's preferences first
// param: minConfidence (float, default 0.5) lowest confidence of a category or gender fact that counts
// param: perGroup (int, default 2) products per group
// returns: group, product, name, brand, colours, together, affinity, purchases
// needs: foundation (catalog, customers, purchases)
UNWIND $groups AS groupId
MATCH (g:Category {id: groupId})
CALL (g) {
  MATCH (p:Product {inCatalog: true})-[f:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(g)
  WHERE f.confidence >= $minConfidence AND ($productId IS NULL OR p.id <> $productId)
    AND ($genders IS NULL OR EXISTS {
          MATCH (p)-[h:FOR_GENDER]->(x:Gender) WHERE h.confidence >= $minConfidence AND x.id IN $genders })
  WITH DISTINCT p
  CALL (p) {
    OPTIONAL MATCH (:Customer {id: $customerId})-[pr:PREFERS]->(t)<-[:HAS_BRAND|HAS_COLOUR|IN_CATEGORY]-(p)
    RETURN coalesce(sum(pr.share), 0.0) AS affinity
  }
  WITH p, affinity,
       COUNT { MATCH (:Product {id: $productId})<-[:PURCHASED]-(:Customer)-[:PURCHASED]->(p) } AS together,
       COUNT { MATCH (:Customer)-[:PURCHASED]->(p) } AS purchases
  ORDER BY together DESC, affinity DESC, purchases DESC, p.id
  LIMIT $perGroup
  RETURN p, together, affinity, purchases
}
RETURN g.id AS group, p.id AS product, p.name AS name,
       COLLECT { MATCH (p)-[f:HAS_BRAND]->(b:Brand) RETURN b.name ORDER BY f.confidence DESC, b.name }[0] AS brand,
       COLLECT { MATCH (p)-[f:HAS_COLOUR]->(c:Colour) WHERE f.confidence >= $minConfidence
                 RETURN c.id ORDER BY f.confidence DESC, c.id } AS colours,
       together, round(affinity, 4) AS affinity, purchases
ORDER BY group, together DESC, affinity DESC, purchases DESC, product
