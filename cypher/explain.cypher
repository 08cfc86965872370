// name: explain
// purpose: Why a product suits a customer: the graph paths that justify it, one row each, strongest first. Kinds: purchased (they bought it before); brand, category, colour, material, style, pattern (how many of their purchases share the fact; for categories the most specific shared one); same-category (a purchase of the same leaf category and colour, or colour family); looks-like (a purchase whose photo is close to the product's); recommender (the model's similarity of customer and product); co-purchase (other customers who bought one of their purchases also bought it).
// mode: read
// param: customerId (string, required) the customer's id
// param: productId (string, required) the product to explain
// param: minSimilarity (float, default 0.5) a photo cosine at least this counts as "looks like"
// returns: kind, text, evidence, strength
// needs: foundation (customers, purchases, catalog); `shopgraph ingest images` for looks-like; `shopgraph train` for recommender
// strength: shared facts n / (the customer's purchases); same-category 1 for the same colour, 0.5 for the same family;
// looks-like and recommender the cosine (2 * vector.similarity.cosine - 1); co-purchase m / n, of the n other customers
// who bought X, m also bought the product. evidence: the ids of the purchased products behind the reason (the model
// version for recommender).
MATCH (c:Customer {id: $customerId}), (p:Product {id: $productId})
WITH c, p, COUNT { (c)-[:PURCHASED]->() } AS total
CALL (c, p, total) {
  MATCH (c)-[r:PURCHASED]->(p)
  WITH p, count(r) AS n, max(r.date) AS last
  RETURN 'purchased' AS kind,
         'you bought it ' + CASE n WHEN 1 THEN 'once' ELSE n + ' times' END + ', last on ' + toString(last) AS text,
         [p.id] AS evidence, 1.0 AS strength
  UNION
  MATCH (p)-[:HAS_BRAND|HAS_COLOUR|MADE_OF|HAS_STYLE|HAS_PATTERN]->(t)<-[:HAS_BRAND|HAS_COLOUR|MADE_OF|HAS_STYLE|HAS_PATTERN]-(x:Product)<-[r:PURCHASED]-(c)
  WHERE x <> p
  WITH t, r, x ORDER BY x.id
  WITH t, toLower(labels(t)[0]) AS kind, count(DISTINCT r) AS n, collect(DISTINCT x.id) AS evidence
  RETURN kind,
         'you bought ' + n + CASE kind WHEN 'brand' THEN ' item' + CASE n WHEN 1 THEN '' ELSE 's' END + ' from ' + t.name
                                   ELSE ' ' + t.name + ' item' + CASE n WHEN 1 THEN '' ELSE 's' END END AS text,
         evidence, toFloat(n) / total AS strength
  UNION
  MATCH (p)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(t:Category)
        <-[:SUBCATEGORY_OF*0..]-(:Category)<-[:IN_CATEGORY]-(x:Product)<-[r:PURCHASED]-(c)
  WHERE x <> p
  WITH t, r, x ORDER BY x.id
  WITH t, count(DISTINCT r) AS n, collect(DISTINCT x.id) AS evidence
  ORDER BY t.level DESC, n DESC, t.id
  LIMIT 1
  RETURN 'category' AS kind, 'you bought ' + n + ' item' + CASE n WHEN 1 THEN '' ELSE 's' END + ' in ' + t.name AS text,
         evidence, toFloat(n) / total AS strength
  UNION
  MATCH (p)-[:IN_CATEGORY]->(k:Category)<-[:IN_CATEGORY]-(x:Product)<-[:PURCHASED]-(c)
  MATCH (p)-[:HAS_COLOUR]->(pc:Colour), (x)-[:HAS_COLOUR]->(xc:Colour)
  WHERE x <> p
  WITH DISTINCT k, x, pc, xc, coalesce(head([(pc)-[:SHADE_OF]->(f) | f]), pc) AS family
  WHERE pc = xc OR family = coalesce(head([(xc)-[:SHADE_OF]->(f) | f]), xc)
  WITH x, collect({k: k, pc: pc, family: family, s: CASE WHEN pc = xc THEN 1.0 ELSE 0.5 END}) AS matches
  WITH x, reduce(best = matches[0], m IN matches | CASE WHEN m.s > best.s THEN m ELSE best END) AS m
  RETURN 'same-category' AS kind,
         CASE m.s WHEN 1.0 THEN 'same colour (' + m.pc.name + ') and category (' + m.k.name + ') as ' + x.name + ' you bought'
                  ELSE 'same category (' + m.k.name + ') and colour family (' + m.family.name + ') as ' + x.name + ' you bought' END AS text,
         [x.id] AS evidence, m.s AS strength
  UNION
  MATCH (p)<-[:DEPICTS]-(i:Image), (x:Product)<-[:DEPICTS]-(j:Image)
  WHERE x <> p AND EXISTS { (c)-[:PURCHASED]->(x) } AND i.embedding IS NOT NULL AND j.embedding IS NOT NULL
  WITH x, max(2 * vector.similarity.cosine(i.embedding, j.embedding) - 1) AS cos
  WHERE cos >= $minSimilarity
  RETURN 'looks-like' AS kind, 'looks like ' + x.name + ' you bought (' + toString(round(cos, 2)) + ')' AS text,
         [x.id] AS evidence, cos AS strength
  UNION
  WITH c, p WHERE c.recEmbedding IS NOT NULL AND p.recEmbedding IS NOT NULL
  WITH c, 2 * vector.similarity.cosine(c.recEmbedding, p.recEmbedding) - 1 AS cos
  RETURN 'recommender' AS kind, 'the recommender rates it ' + toString(round(cos, 2)) + ' for you' AS text,
         [v IN [c.recModelVersion] WHERE v IS NOT NULL] AS evidence, cos AS strength
  UNION
  MATCH (c)-[:PURCHASED]->(x:Product)<-[:PURCHASED]-(o:Customer)
  WHERE x <> p AND o <> c
  WITH x, collect(DISTINCT o) AS others
  WITH x, size(others) AS n, size([o IN others WHERE EXISTS { (o)-[:PURCHASED]->(p) }]) AS m
  WHERE m > 0
  RETURN 'co-purchase' AS kind,
         m + ' other customer' + CASE m WHEN 1 THEN '' ELSE 's' END + ' who bought ' + x.name + ' also bought it' AS text,
         [x.id] AS evidence, toFloat(m) / n AS strength
}
RETURN kind, text, evidence, round(strength, 4) AS strength
ORDER BY strength DESC, kind, text
