// name: similar_products
// purpose: Catalog products similar to one product, by embedding, by shared attributes, or both, with the shared facts as reasons. embedding is the mean of the cosines available for both products: text (product_text_embedding, name and description), photos (the closest pair of their Image embeddings) and recommender (product_rec_embedding, products bought by similar customers). attributes is the weighted Jaccard index of their facts (brand, category with its ancestors, colour, material, style, pattern, gender), weighted by each fact's confidence.
// mode: read
// param: productId (string, required) the product to match
// param: by (string, default combined) embedding, attributes or combined: what ranks (both columns are always filled)
// param: k (int, default 10) products to return
// param: candidates (int, default 100) products taken from each vector index and by shared attributes before ranking
// param: embeddingWeight (float, default 0.5) weight of embedding in combined
// param: attributeWeight (float, default 0.5) weight of attributes in combined
// param: minSimilarity (float, default 0.5) an embedding cosine at least this is listed among the reasons
// param: exhaustive (bool, default false) take the embedding candidates from a scan of every product's (and photo's) vector instead of the vector indexes: exact nearest neighbours, slower; compare the two to check the indexes' recall
// returns: product, name, brand, category, colour, score, embedding, attributes, reasons
// needs: foundation (catalog); for the embedding part `shopgraph train` (text and recommender vectors) and `shopgraph ingest images`
// embedding = mean of { cos(text), max cos over photo pairs, cos(recommender) } over those both products have; cos = 2 * vector.similarity.cosine - 1
// attributes = Σ_t min(a_t, b_t) / Σ_t max(a_t, b_t), a_t = confidence of the fact linking product a to term t (0 if none);
//              a category fact also links the product to the category's ancestors, with the same confidence
// candidates = the nearest $candidates of each vector index (not for by attributes; with exhaustive, the exact nearest
//              by a scan of every vector) and the $candidates products with the highest attributes (not for by embedding)
// score = embedding | attributes | embeddingWeight * coalesce(embedding, 0) + attributeWeight * attributes
MATCH (a:Product {id: $productId})
WHERE $by IN ['embedding', 'attributes', 'combined']
CALL (a) {
  CALL (a) {
    MATCH (a)-[f:HAS_BRAND|HAS_COLOUR|MADE_OF|HAS_STYLE|HAS_PATTERN|FOR_GENDER]->(t) RETURN t, f.confidence AS c
    UNION ALL
    MATCH (a)-[f:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(t) RETURN t, f.confidence AS c
  }
  WITH t, max(c) AS c
  RETURN collect({t: t, c: c}) AS aFacts, sum(c) AS aTotal
}
// Attribute candidates: every catalog product sharing a fact, scored set-wise, the best $candidates kept.
CALL (a, aFacts, aTotal) {
  WITH a, aFacts, aTotal WHERE $by <> 'embedding'
  UNWIND aFacts AS af
  WITH a, aTotal, af.t AS t, af.c AS ca
  CALL (t) {
    MATCH (p:Product)-[f:HAS_BRAND|HAS_COLOUR|MADE_OF|HAS_STYLE|HAS_PATTERN|FOR_GENDER]->(t) RETURN p, f.confidence AS cp
    UNION ALL
    MATCH (p:Product)-[f:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(t) RETURN p, f.confidence AS cp
  }
  WITH a, aTotal, p, t, ca, max(cp) AS cp
  WHERE p <> a AND p.inCatalog = true
  WITH aTotal, p, sum(CASE WHEN ca < cp THEN ca ELSE cp END) AS inter
  CALL (p) {
    CALL (p) {
      MATCH (p)-[f:HAS_BRAND|HAS_COLOUR|MADE_OF|HAS_STYLE|HAS_PATTERN|FOR_GENDER]->(t) RETURN t, f.confidence AS c
      UNION ALL
      MATCH (p)-[f:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(t) RETURN t, f.confidence AS c
    }
    WITH t, max(c) AS c
    RETURN sum(c) AS pTotal
  }
  WITH p, inter / (aTotal + pTotal - inter) AS jaccard
  ORDER BY jaccard DESC, p.id
  LIMIT $candidates
  RETURN collect(p) AS byFacts
}
CALL (a, byFacts) {
  UNWIND byFacts AS p
  RETURN p
  UNION
  WITH a WHERE $by <> 'attributes' AND a.textEmbedding IS NOT NULL AND NOT $exhaustive
  CALL db.index.vector.queryNodes('product_text_embedding', $candidates, a.textEmbedding) YIELD node
  RETURN node AS p
  UNION
  WITH a WHERE $by <> 'attributes' AND a.recEmbedding IS NOT NULL AND NOT $exhaustive
  CALL db.index.vector.queryNodes('product_rec_embedding', $candidates, a.recEmbedding) YIELD node
  RETURN node AS p
  UNION
  WITH a WHERE $by <> 'attributes' AND NOT $exhaustive
  MATCH (a)<-[:DEPICTS]-(photo:Image) WHERE photo.embedding IS NOT NULL
  CALL db.index.vector.queryNodes('image_embedding', $candidates, photo.embedding) YIELD node
  MATCH (node)-[:DEPICTS]->(p:Product)
  RETURN p
  UNION
  // The same candidates exactly, from every vector: the indexes are approximate (HNSW over int8-quantised
  // vectors). Each scan sits in a subquery of its own so that the planner filters on $exhaustive before it.
  WITH a WHERE $by <> 'attributes' AND a.textEmbedding IS NOT NULL AND $exhaustive
  CALL (a) {
    MATCH (p:Product) WHERE p.textEmbedding IS NOT NULL
    WITH p ORDER BY vector.similarity.cosine(a.textEmbedding, p.textEmbedding) DESC, p.id
    LIMIT $candidates
    RETURN p
  }
  RETURN p
  UNION
  WITH a WHERE $by <> 'attributes' AND a.recEmbedding IS NOT NULL AND $exhaustive
  CALL (a) {
    MATCH (p:Product) WHERE p.recEmbedding IS NOT NULL
    WITH p ORDER BY vector.similarity.cosine(a.recEmbedding, p.recEmbedding) DESC, p.id
    LIMIT $candidates
    RETURN p
  }
  RETURN p
  UNION
  WITH a WHERE $by <> 'attributes' AND $exhaustive
  MATCH (a)<-[:DEPICTS]-(photo:Image) WHERE photo.embedding IS NOT NULL
  CALL (photo) {
    MATCH (node:Image) WHERE node.embedding IS NOT NULL
    WITH photo, node ORDER BY vector.similarity.cosine(photo.embedding, node.embedding) DESC, node.id
    LIMIT $candidates
    RETURN node
  }
  MATCH (node)-[:DEPICTS]->(p:Product)
  RETURN p
}
WITH a, aFacts, aTotal, p WHERE p <> a AND p.inCatalog = true
CALL (p, aFacts) {
  CALL (p) {
    MATCH (p)-[f:HAS_BRAND|HAS_COLOUR|MADE_OF|HAS_STYLE|HAS_PATTERN|FOR_GENDER]->(t) RETURN t, f.confidence AS c
    UNION ALL
    MATCH (p)-[f:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(t) RETURN t, f.confidence AS c
  }
  WITH t, max(c) AS cp
  WITH t, cp, [x IN aFacts WHERE x.t = t | x.c][0] AS ca
  ORDER BY t.id
  RETURN sum(cp) AS pTotal, sum(CASE WHEN ca IS NULL THEN 0.0 WHEN ca < cp THEN ca ELSE cp END) AS inter,
         collect(CASE WHEN ca IS NOT NULL THEN t END) AS shared
}
WITH a, p, shared, CASE WHEN aTotal + pTotal - inter > 0 THEN inter / (aTotal + pTotal - inter) ELSE 0.0 END AS attributes,
     CASE WHEN a.textEmbedding IS NOT NULL AND p.textEmbedding IS NOT NULL
          THEN 2 * vector.similarity.cosine(a.textEmbedding, p.textEmbedding) - 1 END AS text,
     COLLECT { MATCH (a)<-[:DEPICTS]-(i:Image), (p)<-[:DEPICTS]-(j:Image)
               WHERE i.embedding IS NOT NULL AND j.embedding IS NOT NULL
               RETURN 2 * vector.similarity.cosine(i.embedding, j.embedding) - 1 AS cos ORDER BY cos DESC LIMIT 1 }[0] AS photo,
     CASE WHEN a.recEmbedding IS NOT NULL AND p.recEmbedding IS NOT NULL
          THEN 2 * vector.similarity.cosine(a.recEmbedding, p.recEmbedding) - 1 END AS buyers
WITH a, p, attributes, shared, text, photo, buyers, [s IN [text, photo, buyers] WHERE s IS NOT NULL] AS sims
WITH a, p, attributes, shared, text, photo, buyers,
     CASE WHEN size(sims) > 0 THEN reduce(s = 0.0, x IN sims | s + x) / size(sims) END AS embedding
WITH a, p, attributes, shared, text, photo, buyers, embedding,
     round(CASE $by WHEN 'embedding' THEN embedding
                    WHEN 'attributes' THEN attributes
                    ELSE $embeddingWeight * coalesce(embedding, 0.0) + $attributeWeight * attributes END, 4) AS score
WHERE score IS NOT NULL AND ($by <> 'attributes' OR attributes > 0)
ORDER BY score DESC, p.id
LIMIT $k
WITH a, p, attributes, text, photo, buyers, embedding, score,
     [t IN shared WHERE t:Brand | t] AS brands,
     [t IN shared WHERE t:Category | t] AS categories,
     [t IN shared WHERE t:Colour | t] AS colours,
     [t IN shared WHERE t:Material | t] + [t IN shared WHERE t:Style | t] + [t IN shared WHERE t:Pattern | t]
     + [t IN shared WHERE t:Gender | t] AS others,
     COLLECT { MATCH (a)-[:HAS_COLOUR]->(ka:Colour), (p)-[:HAS_COLOUR]->(kp:Colour)
               WITH coalesce(head([(ka)-[:SHADE_OF]->(f) | f]), ka) AS fa, coalesce(head([(kp)-[:SHADE_OF]->(f) | f]), kp) AS fp
               WHERE fa = fp RETURN DISTINCT fa.name AS family ORDER BY family } AS families
RETURN p.id AS product, p.name AS name,
       COLLECT { MATCH (p)-[f:HAS_BRAND]->(b:Brand) RETURN b.name ORDER BY f.confidence DESC, b.name }[0] AS brand,
       COLLECT { MATCH (p)-[f:IN_CATEGORY]->(k:Category) RETURN k.id ORDER BY f.confidence DESC, k.id }[0] AS category,
       COLLECT { MATCH (p)-[f:HAS_COLOUR]->(k:Colour) RETURN k.id ORDER BY f.confidence DESC, k.id }[0] AS colour,
       score, round(embedding, 4) AS embedding, round(attributes, 4) AS attributes,
       [t IN brands | 'same brand: ' + t.name]
       + [t IN categories WHERE t.level = reduce(m = 0, x IN categories | CASE WHEN x.level > m THEN x.level ELSE m END)
          | 'same category: ' + t.name]
       + CASE WHEN size(colours) > 0 THEN [t IN colours | 'same colour: ' + t.name]
              ELSE [f IN families | 'same colour family: ' + f] END
       + [t IN others | 'same ' + toLower(labels(t)[0]) + ': ' + t.name]
       + CASE WHEN coalesce(text, -1) < $minSimilarity THEN [] ELSE ['similar description (' + toString(round(text, 2)) + ')'] END
       + CASE WHEN coalesce(photo, -1) < $minSimilarity THEN [] ELSE ['similar photos (' + toString(round(photo, 2)) + ')'] END
       + CASE WHEN coalesce(buyers, -1) < $minSimilarity THEN [] ELSE ['bought by similar customers (' + toString(round(buyers, 2)) + ')'] END
       AS reasons
ORDER BY score DESC, product
