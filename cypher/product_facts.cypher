// name: product_facts
// purpose: Everything the graph asserts about one product, with the provenance of each fact: source file, extraction rule(s) and confidence.
// mode: read
// param: productId (string, required) the product id, e.g. myntra:15970 or hm:0108775015
// returns: relationship, label, id, name, confidence, rule, rules, source
// needs: foundation (catalog)
MATCH (p:Product {id: $productId})-[f]->(t)
WHERE type(f) <> 'PURCHASED'
RETURN type(f) AS relationship, labels(t)[0] AS label, t.id AS id, t.name AS name,
       f.confidence AS confidence, f.rule AS rule, f.rules AS rules, f.source AS source
ORDER BY relationship, confidence DESC, id
