// name: recommend
// purpose: Products to recommend to a customer, each with its reasons. Candidates are the products nearest to the customer's recommender vector (vector index product_rec_embedding), re-ranked with graph signals: the customer's PREFERS shares for the product's brand, category (with its taxonomy ancestors), colour and style, and whether the catalog lists it; at most perCategory products per leaf category. A customer without a recommender vector gets the products linked to their preferences instead, ranked by the same boosts (source 'preferences').
// mode: read
// param: customerId (string, required) the customer's id
// param: k (int, default 10) products to return
// param: candidates (int, default 100) nearest products taken from the vector index before re-ranking (raise it when the customer has bought many of them); without a vector, the best this many by preferences
// param: keepPurchased (bool, default false) also recommend products the customer has bought (repurchases)
// param: perCategory (int, default 3) at most this many products of one leaf category (diversity); a product without a category is its own
// param: modelWeight (float, default 1.0) weight of the recommender's cosine similarity
// param: brandWeight (float, default 0.2) weight of the customer's PREFERS share of the product's brand
// param: categoryWeight (float, default 0.2) weight of the summed PREFERS shares of the product's category and its ancestors
// param: colourWeight (float, default 0.1) weight of the customer's PREFERS share of the product's colour
// param: styleWeight (float, default 0.1) weight of the customer's PREFERS share of the product's style
// param: availableWeight (float, default 0.1) added when the catalog lists the product (inCatalog), so products known only from purchases rank lower
// param: similarTo (float, default 0.5) name a purchased product as "similar" when its recommender cosine with the candidate is at least this
// param: exhaustive (bool, default false) take the candidates from a scan of every product's recommender vector instead of the vector index: exact nearest neighbours, slower; compare the two to check the index's recall
// returns: product, name, brand, category, colour, score, similarity, source, reasons
// needs: `shopgraph train` (Customer and Product recEmbedding) and `shopgraph reason preferences`; without recEmbedding it ranks by preferences alone
// score = modelWeight * cos(customer, product)                      (0 without a customer vector)
//       + brandWeight * Σ share(PREFERS to the product's brands)
//       + categoryWeight * Σ share(PREFERS to its categories and their ancestors, each once)
//       + colourWeight * Σ share(PREFERS to its colours) + styleWeight * Σ share(PREFERS to its styles)
//       + availableWeight * [product.inCatalog]
// where cos = 2 * vector.similarity.cosine - 1 (the function returns (1 + cos) / 2) and a share is the term's
// weight over the total of its kind, so each Σ is at most 1. similarity is cos, rounded to 4 decimals.
MATCH (c:Customer {id: $customerId})
CALL (c) {
  WITH c WHERE c.recEmbedding IS NOT NULL AND NOT $exhaustive
  CALL db.index.vector.queryNodes('product_rec_embedding', $candidates, c.recEmbedding) YIELD node
  RETURN node AS p, 'model' AS source
  UNION
  // The same $candidates exactly: the index is approximate (HNSW over int8-quantised vectors). The scan
  // sits in a subquery of its own so that the planner filters on $exhaustive before it, not after.
  WITH c WHERE c.recEmbedding IS NOT NULL AND $exhaustive
  CALL (c) {
    MATCH (p:Product) WHERE p.recEmbedding IS NOT NULL
    WITH p ORDER BY vector.similarity.cosine(c.recEmbedding, p.recEmbedding) DESC, p.id
    LIMIT $candidates
    RETURN p
  }
  RETURN p, 'model' AS source
  UNION
  // Without a vector: the best $candidates by the same boosts, summed set-wise over the customer's PREFERS.
  WITH c WHERE c.recEmbedding IS NULL
  CALL (c) {
    MATCH (c)-[r:PREFERS]->(t)<-[:HAS_BRAND|HAS_COLOUR|HAS_STYLE]-(p:Product)
    RETURN p, r
    UNION ALL
    MATCH (c)-[r:PREFERS]->(:Category)<-[:SUBCATEGORY_OF*0..]-(:Category)<-[:IN_CATEGORY]-(p:Product)
    RETURN p, r
  }
  WITH c, p, sum(r.share * CASE r.kind WHEN 'Brand' THEN $brandWeight WHEN 'Category' THEN $categoryWeight
                                       WHEN 'Colour' THEN $colourWeight ELSE $styleWeight END) AS boost
  WHERE $keepPurchased OR NOT EXISTS { (c)-[:PURCHASED]->(p) }
  WITH p, boost + $availableWeight * CASE WHEN p.inCatalog THEN 1 ELSE 0 END AS boost
  ORDER BY boost DESC, p.id
  LIMIT $candidates
  RETURN p, 'preferences' AS source
}
WITH c, p, source
WHERE $keepPurchased OR NOT EXISTS { (c)-[:PURCHASED]->(p) }
WITH c, p, source,
     CASE WHEN source = 'model' AND p.recEmbedding IS NOT NULL
          THEN 2 * vector.similarity.cosine(c.recEmbedding, p.recEmbedding) - 1 END AS similarity,
     [(c)-[r:PREFERS]->(t:Brand)<-[:HAS_BRAND]-(p) | {r: r, t: t}] AS brands,
     COLLECT { MATCH (p)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(t:Category)<-[r:PREFERS]-(c)
               RETURN DISTINCT {r: r, t: t} AS m ORDER BY m.t.level DESC, m.r.support DESC, m.t.id } AS categories,
     [(c)-[r:PREFERS]->(t:Colour)<-[:HAS_COLOUR]-(p) | {r: r, t: t}] AS colours,
     [(c)-[r:PREFERS]->(t:Style)<-[:HAS_STYLE]-(p) | {r: r, t: t}] AS styles,
     COLLECT { MATCH (c)-[:PURCHASED]->(x:Product)
               WHERE x <> p AND x.recEmbedding IS NOT NULL AND p.recEmbedding IS NOT NULL
               WITH DISTINCT x, 2 * vector.similarity.cosine(x.recEmbedding, p.recEmbedding) - 1 AS cos
               WHERE cos >= $similarTo
               RETURN {x: x, cos: cos} AS m ORDER BY m.cos DESC, m.x.id LIMIT 1 } AS near
WITH c, p, source, similarity, brands, categories, colours, styles, near,
     round($modelWeight * coalesce(similarity, 0.0)
           + $brandWeight * reduce(s = 0.0, m IN brands | s + m.r.share)
           + $categoryWeight * reduce(s = 0.0, m IN categories | s + m.r.share)
           + $colourWeight * reduce(s = 0.0, m IN colours | s + m.r.share)
           + $styleWeight * reduce(s = 0.0, m IN styles | s + m.r.share)
           + $availableWeight * CASE WHEN p.inCatalog THEN 1 ELSE 0 END, 4) AS score,
     COLLECT { MATCH (p)-[f:IN_CATEGORY]->(k:Category) RETURN k ORDER BY f.confidence DESC, k.id LIMIT 1 }[0] AS leaf
ORDER BY score DESC, p.id
WITH coalesce(leaf.id, p.id) AS slot,
     collect({p: p, leaf: leaf, source: source, similarity: similarity, score: score, brands: brands,
              categories: categories, colours: colours, styles: styles, near: near,
              bought: EXISTS { (c)-[:PURCHASED]->(p) }})[..$perCategory] AS kept
UNWIND kept AS row
WITH row ORDER BY row.score DESC, row.p.id LIMIT $k
WITH row, row.p AS p,
     [m IN row.brands | 'you bought ' + m.r.support + ' item' + CASE m.r.support WHEN 1 THEN '' ELSE 's' END
                        + ' from ' + m.t.name]
     + [m IN row.categories[..1] | 'you bought ' + m.r.support + ' item' + CASE m.r.support WHEN 1 THEN '' ELSE 's' END
                                   + ' in ' + m.t.name]
     + [m IN row.colours + row.styles | 'you bought ' + m.r.support + ' ' + m.t.name + ' item'
                                        + CASE m.r.support WHEN 1 THEN '' ELSE 's' END]
     + [m IN row.near | 'similar to ' + m.x.name + ' you bought (' + toString(round(m.cos, 2)) + ')']
     + CASE WHEN row.bought THEN ['you bought it before'] ELSE [] END
     + CASE WHEN row.p.inCatalog THEN [] ELSE ['not in the catalog: known only from purchases'] END AS reasons
RETURN p.id AS product, p.name AS name,
       COLLECT { MATCH (p)-[f:HAS_BRAND]->(b:Brand) RETURN b.name ORDER BY f.confidence DESC, b.name }[0] AS brand,
       row.leaf.id AS category,
       COLLECT { MATCH (p)-[f:HAS_COLOUR]->(k:Colour) RETURN k.id ORDER BY f.confidence DESC, k.id }[0] AS colour,
       row.score AS score, round(row.similarity, 4) AS similarity, row.source AS source, reasons
ORDER BY score DESC, product
