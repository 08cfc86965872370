// name: ask_visual_in_colour
// purpose: For the shopping assistant ("show me similar ones in black"): catalog products whose photos look most like an embedding, of the given kinds (taxonomy groups) and with one of the given colours (a colour family such as black or blue also matches its shades), best first; score is the vector index's (1 + cos) / 2.
// mode: read
// param: embedding (json, required) the query embedding: 1280 floats, L2-normalised (vision/embed.py)
// param: index (string, default detection_embedding) detection_embedding (crops of current detections) or image_embedding (whole photos)
// param: colours (list<string>, default null) colour ids; null keeps every colour
// param: groups (list<string>, default null) category ids a product must be in (or below); null: any
// param: exclude (list<string>, default null) product ids left out (the product in the photo itself)
// param: minConfidence (float, default 0.5) lowest confidence of a colour fact that counts
// param: k (int, default 5) products to return
// param: candidates (int, default 1000) nearest nodes taken from the index before filtering
// returns: product, name, brand, category, group, colours, score, image
// needs: vision (`shopgraph ingest images` of catalog photos, after the catalog)
CALL db.index.vector.queryNodes($index, $candidates, $embedding) YIELD node, score
OPTIONAL MATCH (owner:Image)-[:HAS_DETECTION]->(node)
WITH node, score, coalesce(owner, node) AS img
WHERE node:Image OR node.current = true
MATCH (img:Image)-[:DEPICTS]->(p:Product)
WHERE NOT p.id IN coalesce($exclude, [])
  AND ($groups IS NULL OR EXISTS {
    MATCH (p)-[f:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(g:Category)
    WHERE f.confidence >= $minConfidence AND g.id IN $groups
  })
  AND ($colours IS NULL OR EXISTS {
    MATCH (p)-[f:HAS_COLOUR]->(k:Colour)
    WHERE f.confidence >= $minConfidence
      AND (k.id IN $colours OR EXISTS { MATCH (k)-[:SHADE_OF]->(h:Colour) WHERE h.id IN $colours })
  })
WITH p, max(score) AS score, collect(img.path)[0] AS image
ORDER BY score DESC, p.id
LIMIT $k
RETURN p.id AS product, p.name AS name,
       COLLECT { MATCH (p)-[f:HAS_BRAND]->(b:Brand) RETURN b.name ORDER BY f.confidence DESC, b.name }[0] AS brand,
       COLLECT { MATCH (p)-[f:IN_CATEGORY]->(c:Category) RETURN c.id ORDER BY f.confidence DESC, c.id }[0] AS category,
       COLLECT { MATCH (p)-[f:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(g:Category {level: 2})
                 RETURN g.id ORDER BY f.confidence DESC, g.id }[0] AS group,
       COLLECT { MATCH (p)-[f:HAS_COLOUR]->(c:Colour) WHERE f.confidence >= $minConfidence
                 RETURN c.id ORDER BY f.confidence DESC, c.id } AS colours,
       round(score, 4) AS score, image
ORDER BY score DESC, product
