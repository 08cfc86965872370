// name: visual_search_embedding
// purpose: Catalog products whose photos look most like a given embedding (of a photo or of a detection's masked crop, from vision/embed.py), optionally within one category. The vector index only proposes candidates: its int8-quantised scores are approximate, so each candidate is re-scored with the exact cosine, and the order is that of the exact cosine. One row per product, its closest photo (or detection) first.
// mode: read
// param: embedding (list<float>, required) the query embedding: 1280 floats (comma-separated on the command line)
// param: index (string, default image_embedding) image_embedding (whole photos) or detection_embedding (crops of current detections)
// param: category (string, default null) only products of this category or its subcategories, e.g. footwear
// param: k (int, default 5) products to return
// param: candidates (int, default 100) nearest photos or detections taken from the index before re-scoring and filtering
// returns: product, name, brand, category, colour, similarity, image, detection
// needs: vision (`shopgraph ingest images` of catalog photos, after the catalog)
// similarity = cos(embedding, photo or detection embedding) = 2 * vector.similarity.cosine - 1, in [-1, 1]
CALL db.index.vector.queryNodes($index, $candidates, $embedding) YIELD node
OPTIONAL MATCH (owner:Image)-[:HAS_DETECTION]->(node)
WITH node, coalesce(owner, node) AS img
WHERE node:Image OR node.current = true
MATCH (img:Image)-[:DEPICTS]->(p:Product)
WHERE $category IS NULL
   OR EXISTS { (p)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(:Category {id: $category}) }
WITH p, img, node, 2 * vector.similarity.cosine($embedding, node.embedding) - 1 AS cos
ORDER BY cos DESC, img.id, node.id
WITH p, collect({img: img, node: node, cos: cos})[0] AS best
ORDER BY best.cos DESC, p.id
LIMIT $k
RETURN p.id AS product, p.name AS name,
       COLLECT { MATCH (p)-[f:HAS_BRAND]->(b:Brand) RETURN b.name ORDER BY f.confidence DESC, b.name }[0] AS brand,
       COLLECT { MATCH (p)-[f:IN_CATEGORY]->(c:Category) RETURN c.id ORDER BY f.confidence DESC, c.id }[0] AS category,
       COLLECT { MATCH (p)-[f:HAS_COLOUR]->(c:Colour) RETURN c.id ORDER BY f.confidence DESC, c.id }[0] AS colour,
       round(best.cos, 4) AS similarity, best.img.path AS image,
       CASE WHEN best.node <> best.img THEN best.node.id END AS detection
ORDER BY similarity DESC, product
