// name: ask_find_product
// purpose: For the shopping assistant ("what colour is the Puma Heroes track pant?"): catalog products whose name contains every one of the given words, found through the full-text index product_text; best match first.
// mode: read
// param: lucene (string, required) the words as a Lucene query in which each is required, e.g. +puma +heroes (only letters and digits)
// param: words (list<string>, required) the same words, lower case; each must occur in the product's name
// param: limit (int, default 5) rows
// returns: product, name, score
// needs: foundation (catalog; schema migration 2 for the full-text index)
CALL db.index.fulltext.queryNodes('product_text', $lucene) YIELD node, score
WHERE node.inCatalog = true AND all(word IN $words WHERE toLower(node.name) CONTAINS word)
RETURN node.id AS product, node.name AS name, round(score, 4) AS score
ORDER BY score DESC, product
LIMIT $limit
