// name: cold_start
// purpose: Products for a new customer who has stated a few preferences (brands, colours, categories) instead of a purchase history. A product scores for each stated kind it matches: its brand or a parent brand (SUB_BRAND_OF); its colour, or at familyMatch strength a colour of the same family (SHADE_OF); its category or one of the category's ancestors (SUBCATEGORY_OF). Popularity (customers who bought it) breaks ties. Only catalog products; at most perCategory per leaf category.
// mode: read
// param: brands (list<string>, default null) brand ids or names, e.g. puma,levi's
// param: colours (list<string>, default null) colour ids, names or synonyms, e.g. red,navy blue
// param: categories (list<string>, default null) category ids, names or synonyms at any level, e.g. shoes,jeans
// param: k (int, default 10) products to return
// param: perCategory (int, default 3) at most this many products of one leaf category (diversity)
// param: brandWeight (float, default 1.0) score of a brand match
// param: colourWeight (float, default 1.0) score of an exact colour match
// param: categoryWeight (float, default 1.0) score of a category match
// param: familyMatch (float, default 0.5) fraction of colourWeight for a colour of the same family as a stated one
// returns: product, name, brand, category, colour, score, popularity, reasons
// needs: foundation (catalog; purchases for popularity)
// score = brandWeight * [brand matches] + colourWeight * (1 exact | familyMatch same family | 0) + categoryWeight * [category matches]
// Stated values match a vocabulary node's id, name or synonyms, ignoring case.
WITH [s IN coalesce($brands, []) | toLower(trim(s))] AS brandAsk,
     [s IN coalesce($colours, []) | toLower(trim(s))] AS colourAsk,
     [s IN coalesce($categories, []) | toLower(trim(s))] AS categoryAsk
CALL (brandAsk, colourAsk, categoryAsk) {
  MATCH (t:Brand) WHERE toLower(t.id) IN brandAsk OR toLower(t.name) IN brandAsk
  RETURN t
  UNION
  MATCH (t:Colour) WHERE toLower(t.id) IN colourAsk OR toLower(t.name) IN colourAsk
                      OR any(s IN coalesce(t.synonyms, []) WHERE toLower(s) IN colourAsk)
  RETURN t
  UNION
  MATCH (t:Category) WHERE toLower(t.id) IN categoryAsk OR toLower(t.name) IN categoryAsk
                        OR any(s IN coalesce(t.synonyms, []) WHERE toLower(s) IN categoryAsk)
  RETURN t
}
WITH collect(t) AS asked
CALL (asked) {
  UNWIND asked AS t
  MATCH (p:Product {inCatalog: true})-[:HAS_BRAND]->(b:Brand)-[:SUB_BRAND_OF*0..]->(t:Brand)
  RETURN p, 0 AS kind, 1.0 AS strength, b AS found, t AS wanted
  UNION ALL
  UNWIND asked AS t
  MATCH (t:Colour)
  WITH t, coalesce(head([(t)-[:SHADE_OF]->(f) | f]), t) AS family
  MATCH (family)<-[:SHADE_OF*0..1]-(k:Colour)<-[:HAS_COLOUR]-(p:Product {inCatalog: true})
  RETURN p, 1 AS kind, CASE WHEN k = t THEN 1.0 ELSE $familyMatch END AS strength, k AS found, t AS wanted
  UNION ALL
  UNWIND asked AS t
  MATCH (p:Product {inCatalog: true})-[:IN_CATEGORY]->(k:Category)-[:SUBCATEGORY_OF*0..]->(t:Category)
  RETURN p, 2 AS kind, 1.0 AS strength, k AS found, t AS wanted
}
// The best match of each kind: exact before family, the most specific category asked for.
WITH p, kind, found, wanted, strength
ORDER BY strength DESC, coalesce(wanted.level, 0) DESC, found.id, wanted.id
WITH p, kind, collect({found: found, wanted: wanted, strength: strength})[0] AS hit
ORDER BY kind
WITH p, collect(hit {.*, kind: kind}) AS hits,
     round(sum(hit.strength * CASE kind WHEN 0 THEN $brandWeight WHEN 1 THEN $colourWeight ELSE $categoryWeight END), 4)
       AS score
WITH p, hits, score,
     COUNT { MATCH (buyer:Customer)-[:PURCHASED]->(p) RETURN DISTINCT buyer } AS popularity,
     COLLECT { MATCH (p)-[f:IN_CATEGORY]->(k:Category) RETURN k ORDER BY f.confidence DESC, k.id LIMIT 1 }[0] AS leaf
ORDER BY score DESC, popularity DESC, p.id
WITH coalesce(leaf.id, p.id) AS slot,
     collect({p: p, leaf: leaf, popularity: popularity, score: score, hits: hits})[..$perCategory] AS kept
UNWIND kept AS row
WITH row ORDER BY row.score DESC, row.popularity DESC, row.p.id LIMIT $k
WITH row, row.p AS p,
     [m IN row.hits | CASE
        WHEN m.found = m.wanted THEN 'you asked for ' + m.wanted.name
        WHEN m.kind = 0 THEN m.found.name + ' is a line of ' + m.wanted.name + ' you asked for'
        WHEN m.kind = 1 THEN m.found.name + ' is in the colour family of ' + m.wanted.name + ' you asked for'
        ELSE m.found.name + ' is in ' + m.wanted.name + ' you asked for' END]
     + CASE row.popularity WHEN 0 THEN [] WHEN 1 THEN ['bought by 1 customer']
                           ELSE ['bought by ' + row.popularity + ' customers'] END AS reasons
RETURN p.id AS product, p.name AS name,
       COLLECT { MATCH (p)-[f:HAS_BRAND]->(b:Brand) RETURN b.name ORDER BY f.confidence DESC, b.name }[0] AS brand,
       row.leaf.id AS category,
       COLLECT { MATCH (p)-[f:HAS_COLOUR]->(k:Colour) RETURN k.id ORDER BY f.confidence DESC, k.id }[0] AS colour,
       row.score AS score, row.popularity AS popularity, reasons
ORDER BY score DESC, popularity DESC, product
