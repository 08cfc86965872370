// name: audit_exposure_department
// purpose: Fairness audit: position-weighted exposure of each department in the served RECOMMENDED lists, a product's group being the IN_DEPARTMENT department's name. Exposure of an entry at rank r is 1/log2(r+1); a group's exposure share is its items' summed exposure over that of all items with a known group, set against its share of the catalog's products and of the purchase lines, with the total variation distance ½Σ|exposure − share| of each. `shopgraph audit recommendations` gives the same figures with the baselines beside them.
// mode: read
// param: k (int, default 12) list length audited: RECOMMENDED entries with rank <= k
// returns: department, exposureShare, catalogShare, purchaseShare, tvdCatalog, tvdPurchases
// needs: `shopgraph train` (RECOMMENDED), purchases (purchase shares)
MATCH (p:Product)
CALL (p) {
  OPTIONAL MATCH (:Customer)-[r:RECOMMENDED]->(p)
  WHERE r.rank <= $k
  RETURN toFloat(sum(1.0 / (log(r.rank + 1) / log(2)))) AS exposure
}
CALL (p) {
  OPTIONAL MATCH (:Customer)-[b:PURCHASED]->(p)
  RETURN count(b) AS purchases
}
WITH p, exposure, purchases
WHERE p.inCatalog = true OR purchases > 0
WITH p, exposure, purchases, COLLECT { MATCH (p)-[:IN_DEPARTMENT]->(t:Department) RETURN t.name ORDER BY t.name }[0] AS grp
WHERE grp IS NOT NULL
WITH grp, sum(exposure) AS exposure, sum(CASE WHEN p.inCatalog THEN 1 ELSE 0 END) AS products, sum(purchases) AS purchases
WITH collect({grp: grp, exposure: exposure, products: products, purchases: purchases}) AS rows,
     sum(exposure) AS e, sum(products) AS c, sum(purchases) AS b
UNWIND rows AS row
WITH row.grp AS grp,
     CASE WHEN e > 0 THEN row.exposure / e ELSE 0.0 END AS es,
     CASE WHEN c > 0 THEN toFloat(row.products) / c ELSE 0.0 END AS cs,
     CASE WHEN b > 0 THEN toFloat(row.purchases) / b ELSE 0.0 END AS ps
WITH collect({grp: grp, es: es, cs: cs, ps: ps}) AS shares, 0.5 * sum(abs(es - cs)) AS tvdC, 0.5 * sum(abs(es - ps)) AS tvdP
UNWIND shares AS s
RETURN s.grp AS department, s.es AS exposureShare, s.cs AS catalogShare, s.ps AS purchaseShare,
       tvdC AS tvdCatalog, tvdP AS tvdPurchases
ORDER BY exposureShare DESC, department
