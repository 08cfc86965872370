// name: ask_find_product
// purpose: For the shopping assistant ("what colour is the Puma Heroes track pant?"): catalog products whose name has any of the given words, or a word one or two edits from one, through the full-text index product_text; with their brand, categories and colours so the assistant can rank them by how much of the name matched.
// mode: read
// param: lucene (string, required) the words as a Lucene query of optional, fuzzy terms, e.g. heroes~1 puma~1 (only letters, digits and ~)
// param: limit (int, default 50) rows
// returns: product, name, brand, categories, colours, score
// needs: foundation (catalog; schema migration 2 for the full-text index)
CALL db.index.fulltext.queryNodes('product_text', $lucene) YIELD node, score
WHERE node.inCatalog = true
WITH node, score
ORDER BY score DESC, node.id
LIMIT $limit
OPTIONAL MATCH (node)-[:HAS_BRAND]->(b:Brand)
OPTIONAL MATCH (node)-[:IN_CATEGORY]->(c:Category)
OPTIONAL MATCH (node)-[:HAS_COLOUR]->(k:Colour)
RETURN node.id AS product, node.name AS name, head(collect(DISTINCT b.id)) AS brand,
       collect(DISTINCT c.id) AS categories, collect(DISTINCT k.id) AS colours, round(score, 4) AS score
ORDER BY score DESC, product
