"""The vision plugin's internal Cypher, as named constants (analysts' visual search: ``cypher/visual_search.cypher``).

Values always travel as ``$parameters`` and batches as ``UNWIND $rows``, as in ``cypher.internal.graphstore``.
"""

from __future__ import annotations

# Reference colours for matching pixels: every Colour node that has a CIE L*a*b* value.
COLOUR_REFERENCES = """
MATCH (c:Colour)
WHERE c.lab IS NOT NULL AND NOT c.id IN $exclude
RETURN c.id AS id, c.lab AS lab
ORDER BY id
"""

# Images that the model version has already processed (with or without detections).
PROCESSED_IMAGES = """
UNWIND $ids AS id
MATCH (img:Image {id: id})
WHERE img.modelVersion = $modelVersion
RETURN img.id AS id
"""

UPSERT_IMAGES = """
UNWIND $rows AS row
MERGE (img:Image {id: row.id})
SET img.sha256 = row.id, img.path = row.path, img.width = row.width, img.height = row.height,
    img.source = row.source, img.notes = row.notes, img.embedding = row.embedding,
    img.embeddingModel = row.embeddingModel, img.modelVersion = row.modelVersion,
    img.detectionCount = row.detectionCount, img.ingestedAt = datetime()
"""

# Reprocessing with the same model version replaces its detections.
DELETE_DETECTIONS_OF_VERSION = """
UNWIND $rows AS row
MATCH (:Image {id: row.id})-[:HAS_DETECTION]->(d:Detection {modelVersion: row.modelVersion})
DETACH DELETE d
"""

# Detections of other model versions stay, as history, but are no longer current.
RETIRE_OTHER_DETECTIONS = """
UNWIND $rows AS row
MATCH (:Image {id: row.id})-[:HAS_DETECTION]->(d:Detection)
WHERE d.modelVersion <> row.modelVersion AND d.current
SET d.current = false
"""

UPSERT_DETECTIONS = """
UNWIND $rows AS row
MATCH (img:Image {id: row.image})
MERGE (d:Detection {id: row.id})
SET d.index = row.index, d.class = row.class, d.confidence = row.confidence, d.box = row.box,
    d.polygon = row.polygon, d.maskArea = row.maskArea, d.maskShare = row.maskShare,
    d.colourLab = row.colourLab, d.colourDeltaE = row.colourDeltaE, d.modelVersion = row.modelVersion,
    d.embedding = row.embedding, d.current = true, d.detectorClass = row.detectorClass,
    d.classConfidence = row.classConfidence, d.fineCategory = row.fineCategory,
    d.fineConfidence = row.fineConfidence, d.colourConfidence = row.colourConfidence,
    d.colourFamily = row.colourFamily
MERGE (img)-[:HAS_DETECTION]->(d)
WITH d, row
MATCH (c:Category {id: row.category})
MERGE (d)-[:OF_CATEGORY]->(c)
"""

LINK_DETECTION_COLOURS = """
UNWIND $rows AS row
MATCH (d:Detection {id: row.id})
MATCH (c:Colour {id: row.colour})
MERGE (d)-[r:HAS_COLOUR]->(c)
SET r.deltaE = row.deltaE, r.share = row.share
"""

# (:Image)-[:DEPICTS]->(:Product) for images of known products, and whether the image's main
# detection (the current one with the largest mask) agrees with the catalog:
# - categoryAgrees: its category is one of the product's IN_CATEGORY categories or an ancestor;
# - colourAgrees: its colour is one of the product's colours or of the same family (SHADE_OF,
#   either way, or both shades of one family);
# each null when there is no detection or the catalog says nothing to compare with.
LINK_DEPICTED_PRODUCTS = """
UNWIND $rows AS row
MATCH (img:Image {id: row.image})
MATCH (p:Product {id: row.product})
MERGE (img)-[r:DEPICTS]->(p)
SET r.source = row.source
WITH img, p, r
CALL (img) {
  OPTIONAL MATCH (img)-[:HAS_DETECTION]->(d:Detection {current: true})
  RETURN d AS main
  ORDER BY d.maskArea DESC, d.confidence DESC
  LIMIT 1
}
OPTIONAL MATCH (main)-[:OF_CATEGORY]->(detectedCategory:Category)
OPTIONAL MATCH (main)-[:HAS_COLOUR]->(detectedColour:Colour)
WITH img, p, r, main, detectedCategory, detectedColour,
     EXISTS { (p)-[:IN_CATEGORY]->(:Category) } AS catalogHasCategory,
     EXISTS { (p)-[:HAS_COLOUR]->(:Colour) } AS catalogHasColour
SET r.detection = main.id, r.modelVersion = main.modelVersion,
    r.detectedCategory = detectedCategory.id, r.detectedColour = detectedColour.id,
    r.categoryAgrees = CASE
      WHEN detectedCategory IS NULL OR NOT catalogHasCategory THEN null
      ELSE EXISTS { (p)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(detectedCategory) }
    END,
    r.colourAgrees = CASE
      WHEN detectedColour IS NULL OR NOT catalogHasColour THEN null
      ELSE EXISTS { (p)-[:HAS_COLOUR]->(:Colour)-[:SHADE_OF*0..1]->(:Colour)<-[:SHADE_OF*0..1]-(detectedColour) }
    END,
    r.checkedAt = datetime()
RETURN img.id AS image, p.id AS product, r.detection AS detection,
       r.detectedCategory AS detectedCategory, r.detectedColour AS detectedColour,
       r.categoryAgrees AS categoryAgrees, r.colourAgrees AS colourAgrees
ORDER BY image, product
"""
