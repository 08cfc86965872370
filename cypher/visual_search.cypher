// name: visual_search
// purpose: Catalog products whose photos look most like an embedding (of a photo or of a detection's masked crop, from vision/embed.py), by the vector indexes of schema migration 3; one row per product, best first. score is the index's cosine score (1 + cos) / 2, 1 for identical.
// mode: read
// param: embedding (json, required) the query embedding: 1280 floats, L2-normalised
// param: index (string, default detection_embedding) detection_embedding (crops of current detections) or image_embedding (whole photos)
// param: k (int, default 5) products to return
// param: candidates (int, default 100) nearest nodes taken from the index before keeping photos that depict products
// returns: product, name, productCode, brand, category, colour, score, image, detection
// needs: vision (`shopgraph ingest images` of catalog photos, after the catalog)
CALL db.index.vector.queryNodes($index, $candidates, $embedding) YIELD node, score
OPTIONAL MATCH (owner:Image)-[:HAS_DETECTION]->(node)
WITH node, score, coalesce(owner, node) AS img
WHERE node:Image OR node.current = true
MATCH (img:Image)-[:DEPICTS]->(p:Product)
WITH p, img, node, score
ORDER BY score DESC
WITH p, collect({img: img, node: node, score: score})[0] AS best
ORDER BY best.score DESC, p.id
LIMIT $k
RETURN p.id AS product, p.name AS name, p.productCode AS productCode,
       COLLECT { MATCH (p)-[f:HAS_BRAND]->(b:Brand) RETURN b.name ORDER BY f.confidence DESC, b.name }[0] AS brand,
       COLLECT { MATCH (p)-[f:IN_CATEGORY]->(c:Category) RETURN c.id ORDER BY f.confidence DESC, c.id }[0] AS category,
       COLLECT { MATCH (p)-[f:HAS_COLOUR]->(c:Colour) RETURN c.id ORDER BY f.confidence DESC, c.id }[0] AS colour,
       round(best.score, 4) AS score, best.img.path AS image,
       CASE WHEN best.node <> best.img THEN best.node.id END AS detection
ORDER BY score DESC, product
