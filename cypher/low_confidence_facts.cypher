// name: low_confidence_facts
// purpose: Extracted facts below a confidence threshold, for review: which rule produced them and from which file.
// mode: read
// param: maxConfidence (float, default 0.7) show facts at or below this confidence
// param: relationship (string, default null) only this relationship type, e.g. HAS_COLOUR
// param: limit (int, default 25) rows
// returns: product, name, relationship, value, confidence, rule, source
// needs: foundation (catalog)
MATCH (p:Product)-[f]->(t)
WHERE f.confidence <= $maxConfidence AND ($relationship IS NULL OR type(f) = $relationship)
RETURN p.id AS product, p.name AS name, type(f) AS relationship, t.name AS value,
       f.confidence AS confidence, f.rule AS rule, f.source AS source
ORDER BY confidence, product, relationship, value
LIMIT $limit
