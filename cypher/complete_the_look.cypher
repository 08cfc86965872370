// name: complete_the_look
// purpose: Products that go with one product: catalog products from a complementary category (a taxonomy group other than the anchor's, e.g. Tops with Trousers & Shorts, Shoes, Belts) that customers bought within a few days of buying the anchor, ranked by how many customers did and by lift; when those are fewer than k, completed with products of a complementary group that share the anchor's colour family or style. Products for another gender are left out (no gender, or unisex, fits all).
// mode: read
// param: productId (string, required) the anchor product
// param: days (int, default 30) two purchases by one customer at most this many days apart count as bought together
// param: k (int, default 10) products to return
// param: departments (list<string>, default apparel,footwear,accessories) only products under these top-level categories
// returns: rank, product, name, category, colour, source, together, lift, reasons
// needs: foundation (catalog, purchases)
// together(a, p) = customers who bought p within days of buying a
// lift(a, p) = together(a, p) * N / (buyers(a) * buyers(p)), N = customers with a purchase, buyers counted over all time
// source 'attributes' (no co-purchase): ranked by matches (same colour family, same style), then by buyers, then id
MATCH (a:Product {id: $productId})
WITH a,
     COLLECT { MATCH (a)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(g:Category {level: 2}) RETURN DISTINCT g } AS groups,
     COLLECT { MATCH (a)-[:FOR_GENDER]->(g:Gender) RETURN g.id } AS genders,
     COLLECT { MATCH (a)-[:HAS_COLOUR]->(k:Colour) RETURN DISTINCT coalesce(head([(k)-[:SHADE_OF]->(f) | f]), k) } AS families,
     COLLECT { MATCH (a)-[:HAS_STYLE]->(s:Style) RETURN s } AS styles,
     COUNT { MATCH (buyer:Customer)-[:PURCHASED]->(a) RETURN DISTINCT buyer } AS buyersA,
     COUNT { MATCH (c:Customer) WHERE EXISTS { (c)-[:PURCHASED]->() } } AS customers
WHERE size(groups) > 0
CALL (a, groups, genders) {
  MATCH (p:Product {inCatalog: true})-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(g:Category {level: 2})
        -[:SUBCATEGORY_OF]->(d:Category)
  WHERE d.id IN $departments AND NOT g IN groups AND p <> a
    AND (size(genders) = 0 OR 'unisex' IN genders
         OR NOT EXISTS { (p)-[:FOR_GENDER]->() }
         OR EXISTS { (p)-[:FOR_GENDER]->(x:Gender) WHERE x.id = 'unisex' OR x.id IN genders })
  RETURN DISTINCT p
}
CALL (a, p) {
  OPTIONAL MATCH (a)<-[ra:PURCHASED]-(c:Customer)-[rp:PURCHASED]->(p)
  WHERE abs(duration.inDays(ra.date, rp.date).days) <= $days
  RETURN count(DISTINCT c) AS together
}
WITH a, families, styles, buyersA, customers, p, together,
     COUNT { MATCH (buyer:Customer)-[:PURCHASED]->(p) RETURN DISTINCT buyer } AS buyersP,
     COLLECT { MATCH (p)-[:HAS_COLOUR]->(k:Colour) WITH coalesce(head([(k)-[:SHADE_OF]->(f) | f]), k) AS f
               WHERE f IN families RETURN DISTINCT f.name AS name ORDER BY name } AS sameFamily,
     COLLECT { MATCH (p)-[:HAS_STYLE]->(s:Style) WHERE s IN styles RETURN s.name AS name ORDER BY name } AS sameStyle
WITH a, p, together, buyersP, sameFamily, sameStyle,
     CASE WHEN together > 0 THEN round(toFloat(together) * customers / (buyersA * buyersP), 4) END AS lift,
     CASE WHEN together > 0 THEN 'co-purchase' ELSE 'attributes' END AS source
WHERE together > 0 OR size(sameFamily) + size(sameStyle) > 0
ORDER BY together DESC, lift DESC, size(sameFamily) + size(sameStyle) DESC, buyersP DESC, p.id
LIMIT $k
WITH a, collect({p: p, together: together, lift: lift, source: source, sameFamily: sameFamily, sameStyle: sameStyle}) AS picked
UNWIND range(0, size(picked) - 1) AS i
WITH a, i, picked[i] AS row, picked[i].p AS p
RETURN i + 1 AS rank, p.id AS product, p.name AS name,
       COLLECT { MATCH (p)-[f:IN_CATEGORY]->(k:Category) RETURN k.id ORDER BY f.confidence DESC, k.id }[0] AS category,
       COLLECT { MATCH (p)-[f:HAS_COLOUR]->(k:Colour) RETURN k.id ORDER BY f.confidence DESC, k.id }[0] AS colour,
       row.source AS source, row.together AS together, row.lift AS lift,
       CASE WHEN row.together = 0 THEN []
            ELSE ['bought within ' + $days + ' days of ' + a.name + ' by ' + row.together + ' customer'
                  + CASE row.together WHEN 1 THEN '' ELSE 's' END + ' (lift ' + toString(round(row.lift, 2)) + ')'] END
       + [f IN row.sameFamily | 'same colour family as ' + a.name + ': ' + f]
       + [s IN row.sameStyle | 'same style as ' + a.name + ': ' + s] AS reasons
ORDER BY rank
