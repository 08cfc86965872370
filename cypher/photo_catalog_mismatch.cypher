// name: photo_catalog_mismatch
// purpose: Products whose photo disagrees with the catalog: the main object the detector found in the photo is of another category (not the product's category or an ancestor) or of another colour (not the product's colour or of its family). A data-quality list for analysts: either the catalog row or the photo mapping is likely wrong.
// mode: read
// param: check (string, default any) any, category or colour: which disagreement to list
// param: limit (int, default 50) rows
// returns: product, name, catalogCategory, detectedCategory, categoryAgrees, catalogColour, detectedColour, colourAgrees, image, modelVersion
// needs: vision (`shopgraph ingest images` of catalog photos, after the catalog)
// The agreement flags are set on DEPICTS by the image ingestion (docs/graph-model.md, "Does the photo agree with the catalog?").
MATCH (i:Image)-[r:DEPICTS]->(p:Product)
WHERE (r.categoryAgrees = false AND $check IN ['any', 'category'])
   OR (r.colourAgrees = false AND $check IN ['any', 'colour'])
RETURN p.id AS product, p.name AS name,
       COLLECT { MATCH (p)-[f:IN_CATEGORY]->(k:Category) RETURN k.id ORDER BY f.confidence DESC, k.id } AS catalogCategory,
       r.detectedCategory AS detectedCategory, r.categoryAgrees AS categoryAgrees,
       COLLECT { MATCH (p)-[f:HAS_COLOUR]->(k:Colour) RETURN k.id ORDER BY f.confidence DESC, k.id } AS catalogColour,
       r.detectedColour AS detectedColour, r.colourAgrees AS colourAgrees,
       i.path AS image, r.modelVersion AS modelVersion
ORDER BY product, image
LIMIT $limit
