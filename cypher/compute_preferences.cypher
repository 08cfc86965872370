// name: compute_preferences
// purpose: Derive each customer's preferred brands, colours, categories (with their taxonomy parents), styles, materials and patterns from their purchase history, weighted by recency, as (:Customer)-[:PREFERS]->(term) relationships. Recomputable at any time: each customer's old PREFERS are replaced in the same transaction as the new ones.
// mode: write
// param: halfLifeDays (float, default 90) a purchase's weight halves every halfLifeDays: w = 0.5 ^ (ageDays / halfLifeDays)
// param: asOf (date, default null) the reference date; default: the latest purchase date in the graph. Purchases after it are ignored.
// param: minConfidence (float, default 0.5) only facts at least this sure count
// param: minSupport (int, default 1) a preference needs at least this many purchases
// returns: customers, preferences
// needs: foundation (customers, purchases, product facts)
// weight(c, t) = Σ over c's purchases of products linked to t of 0.5 ^ (ageDays / halfLifeDays)
// share(c, t) = weight(c, t) / Σ weight(c, t') over the terms t' of the same kind (Brand, Colour, ...)
MATCH (:Customer)-[p0:PURCHASED]->()
WITH coalesce(date($asOf), max(p0.date)) AS asOf
MATCH (c:Customer) WHERE EXISTS { (c)-[:PURCHASED]->() }
CALL (c, asOf) {
  OPTIONAL MATCH (c)-[old:PREFERS]->()
  DELETE old
  WITH DISTINCT c, asOf
  MATCH (c)-[r:PURCHASED]->(p:Product)
  WHERE r.date <= asOf
  WITH c, asOf, p, r, 0.5 ^ (duration.inDays(r.date, asOf).days / $halfLifeDays) AS w
  CALL (p) {
    MATCH (p)-[f:HAS_BRAND|HAS_COLOUR|HAS_STYLE|MADE_OF|HAS_PATTERN]->(t)
    WHERE f.confidence >= $minConfidence
    RETURN t
    UNION
    MATCH (p)-[f:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(t)
    WHERE f.confidence >= $minConfidence
    RETURN t
  }
  WITH c, asOf, t, labels(t)[0] AS kind, sum(w) AS weight, count(r) AS support, max(r.date) AS lastPurchase
  WHERE support >= $minSupport
  WITH c, asOf, kind, collect({t: t, weight: weight, support: support, last: lastPurchase}) AS items, sum(weight) AS total
  UNWIND items AS item
  WITH c, asOf, kind, item, total, item.t AS t
  MERGE (c)-[pref:PREFERS]->(t)
  SET pref.kind = kind,
      pref.weight = item.weight,
      pref.share = CASE WHEN total > 0 THEN item.weight / total ELSE 0.0 END,
      pref.support = item.support,
      pref.lastPurchase = item.last,
      pref.halfLifeDays = $halfLifeDays,
      pref.asOf = asOf,
      pref.derivedBy = 'compute_preferences'
  RETURN count(pref) AS written
} IN TRANSACTIONS OF 200 ROWS
RETURN count(DISTINCT c) AS customers, sum(written) AS preferences
