// name: ask_product_facts
// purpose: For the shopping assistant: some products' facts of the given relationship types, asserted and inferred, each with its provenance (rule, source, confidence; for inferred facts the model version and score); a product with no such fact gives one row with relation null.
// mode: read
// param: productIds (list<string>, required) product ids, e.g. myntra:10008,hm:0399223001
// param: relations (list<string>, required) relationship types, e.g. HAS_BRAND,HAS_COLOUR,MADE_OF
// param: minConfidence (float, default 0.0) lowest confidence (asserted facts) or score (inferred ones) kept
// returns: product, productName, inCatalog, relation, label, id, value, confidence, rule, rules, source, inferred, modelVersion, rank
// needs: foundation (catalog); inferred facts need `shopgraph` relational model's write-back
UNWIND $productIds AS productId
MATCH (p:Product {id: productId})
OPTIONAL CALL (p) {
  MATCH (p)-[f]->(t)
  WHERE type(f) IN $relations AND f.confidence >= $minConfidence
  RETURN type(f) AS relation, t, f.confidence AS confidence, f.rule AS rule, f.rules AS rules, f.source AS source,
         false AS inferred, null AS modelVersion, null AS rank
  UNION
  MATCH (p)-[f:INFERRED]->(t)
  WHERE f.relation IN $relations AND f.score >= $minConfidence
  RETURN f.relation AS relation, t, f.score AS confidence, 'model:' + f.modelVersion AS rule, null AS rules,
         null AS source, true AS inferred, f.modelVersion AS modelVersion, f.rank AS rank
}
RETURN p.id AS product, p.name AS productName, p.inCatalog AS inCatalog, relation, labels(t)[0] AS label,
       t.id AS id, t.name AS value, round(confidence, 4) AS confidence, rule, rules, source, inferred,
       modelVersion, rank
ORDER BY product, relation, inferred, confidence DESC, id
