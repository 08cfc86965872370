// name: preference_history
// purpose: How a customer's taste changed: per period (quarter, half-year or year) the brands, categories, colours, styles, materials and patterns of the products they bought in it, each with its share of that period's purchases and the change since their previous period with purchases. Computed from the purchase dates and the product facts, not from PREFERS (which describes only the present).
// mode: read
// param: customerId (string, required) the customer's id
// param: period (string, default quarter) quarter (2024-Q1), half (2024-H1) or year (2024)
// param: kinds (list<string>, default Brand,Category,Colour,Style,Material,Pattern) which kinds of terms to show
// param: categoryLevel (int, default 2) the taxonomy level categories are counted at: 1 department, 2 group (Tops), 3 leaf (T-shirt)
// param: limit (int, default 3) terms per kind and period, most bought first
// param: minConfidence (float, default 0.5) only facts at least this sure count
// returns: period, purchases, kind, id, name, count, share, previousShare, change
// needs: foundation (customers, purchases, catalog)
// count = the period's purchases of products linked to the term; share = count / Σ counts of the kind in the period
// previousShare = the term's share in the customer's previous period with purchases (0 if absent; null for the first)
// change = share - previousShare
MATCH (:Customer {id: $customerId})-[r:PURCHASED]->(p:Product)
WHERE $period IN ['quarter', 'half', 'year']
WITH r, p, toString(r.date.year) + CASE $period
       WHEN 'quarter' THEN '-Q' + r.date.quarter
       WHEN 'half' THEN '-H' + ((r.date.month - 1) / 6 + 1)
       ELSE '' END AS period
WITH period, collect({r: r, p: p}) AS lines
ORDER BY period
WITH collect({period: period, purchases: size(lines), lines: lines}) AS periods
UNWIND range(0, size(periods) - 1) AS i
WITH periods[i] AS current, CASE WHEN i > 0 THEN periods[i - 1] END AS previous
UNWIND [current, previous] AS slot
WITH current, previous, slot WHERE slot IS NOT NULL
UNWIND slot.lines AS line
WITH current, previous, slot, line.r AS r, line.p AS p
CALL (p) {
  MATCH (p)-[f:HAS_BRAND|HAS_COLOUR|HAS_STYLE|MADE_OF|HAS_PATTERN]->(t)
  WHERE f.confidence >= $minConfidence
  RETURN t
  UNION
  MATCH (p)-[f:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(t:Category {level: $categoryLevel})
  WHERE f.confidence >= $minConfidence
  RETURN t
}
WITH current, previous, slot, t, labels(t)[0] AS kind, count(DISTINCT r) AS n
WHERE kind IN $kinds
WITH current, previous, slot, kind, collect({t: t, n: n}) AS terms, sum(n) AS total
UNWIND terms AS term
WITH current, previous, slot, kind, term.t AS t, toFloat(term.n) / total AS share, term.n AS n
WITH current, previous, kind, t,
     sum(CASE WHEN slot = current THEN n ELSE 0 END) AS count,
     sum(CASE WHEN slot = current THEN share ELSE 0.0 END) AS share,
     sum(CASE WHEN slot = previous THEN share ELSE 0.0 END) AS previousShare
WHERE count > 0
WITH current, previous, kind, t, count, share, previousShare
ORDER BY current.period, kind, count DESC, t.id
WITH current, previous, kind, collect({t: t, count: count, share: share, previousShare: previousShare})[..$limit] AS top
UNWIND top AS row
RETURN current.period AS period, current.purchases AS purchases, kind, row.t.id AS id, row.t.name AS name,
       row.count AS count, round(row.share, 4) AS share,
       CASE WHEN previous IS NULL THEN null ELSE round(row.previousShare, 4) END AS previousShare,
       CASE WHEN previous IS NULL THEN null ELSE round(row.share - row.previousShare, 4) END AS change
ORDER BY period, kind, count DESC, id
