// name: ask_sample_photos
// purpose: For the shopper's page (shopgraph serve): catalog photos a shopper can pick to ask about, one per product, with the product's name; the photo's path is what the page's /photo endpoint serves.
// mode: read
// param: limit (int, default 12) photos
// returns: image, path, product, name
// needs: vision (`shopgraph ingest images` of catalog photos, after the catalog)
MATCH (img:Image)-[:DEPICTS]->(p:Product)
WHERE img.path IS NOT NULL
WITH p, img
ORDER BY p.id, img.path
WITH p, collect(img)[0] AS img
RETURN img.id AS image, img.path AS path, p.id AS product, p.name AS name
ORDER BY product
LIMIT $limit
