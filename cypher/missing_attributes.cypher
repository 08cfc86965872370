// name: missing_attributes
// purpose: Catalog products that lack a brand, category, colour or material, counted per source, with a sample of them and the relational model's proposals for the gap (INFERRED, best rank first) where it made any. A data-quality view: which retailer's feed leaves what out, and what could fill it.
// mode: read
// param: source (string, default null) only this source, e.g. hm; all sources when omitted
// param: sample (int, default 5) product ids (and proposals) to show per row
// returns: source, attribute, missing, products, share, proposed, sample, proposals
// needs: foundation (catalog); the relational model's INFERRED facts (`shopgraph train`) for proposals
// share = missing / products (the source's catalog products); proposed = missing products with an INFERRED proposal
MATCH (p:Product {inCatalog: true})
WHERE $source IS NULL OR p.source = $source
WITH p.source AS source, collect(p) AS products
UNWIND [['brand', 'HAS_BRAND'], ['category', 'IN_CATEGORY'], ['colour', 'HAS_COLOUR'], ['material', 'MADE_OF']] AS attribute
WITH source, products, attribute[0] AS attribute, attribute[1] AS relation
UNWIND products AS p
WITH source, size(products) AS total, attribute, relation, p
WHERE NOT EXISTS { MATCH (p)-[f]->() WHERE type(f) = relation }
WITH source, total, attribute, relation, p,
     COLLECT { MATCH (p)-[i:INFERRED {relation: relation}]->(t)
               RETURN t.name + ' (' + toString(round(i.score, 2)) + ')' AS proposal ORDER BY i.rank, i.score DESC, t.id LIMIT 1 }[0] AS proposal
ORDER BY p.id
WITH source, total, attribute, count(p) AS missing, collect(p.id)[..$sample] AS sample,
     [x IN collect(CASE WHEN proposal IS NOT NULL THEN p.id + ': ' + proposal END) WHERE x IS NOT NULL] AS proposals
RETURN source, attribute, missing, total AS products, round(toFloat(missing) / total, 4) AS share,
       size(proposals) AS proposed, sample, proposals[..$sample] AS proposals
ORDER BY source, attribute
