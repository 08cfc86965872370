// name: audit_item_exposure
// purpose: Fairness audit: how unequally the served RECOMMENDED lists expose the catalog's items. Each entry at rank r weighs 1/log2(r+1); an item's exposure x is the sum over its entries. gini = Σ(2i − n − 1)·x_i / (n·Σx) over the n catalog products sorted by x ascending (0: all equal; near 1: a few items take it all); coverage = catalog products shown at least once / n.
// mode: read
// param: k (int, default 12) list length audited: RECOMMENDED entries with rank <= k
// returns: catalogProducts, shown, coverage, gini
// needs: `shopgraph train` (RECOMMENDED)
MATCH (p:Product)
WHERE p.inCatalog = true
CALL (p) {
  OPTIONAL MATCH (:Customer)-[r:RECOMMENDED]->(p)
  WHERE r.rank <= $k
  RETURN toFloat(sum(1.0 / (log(r.rank + 1) / log(2)))) AS x
}
WITH x ORDER BY x
WITH collect(x) AS xs
WITH xs, size(xs) AS n, reduce(s = 0.0, v IN xs | s + v) AS total, size([v IN xs WHERE v > 0]) AS shown
RETURN n AS catalogProducts, shown, CASE WHEN n > 0 THEN toFloat(shown) / n ELSE 0.0 END AS coverage,
       CASE WHEN total = 0 THEN 0.0
            ELSE reduce(s = 0.0, i IN range(0, n - 1) | s + (2.0 * (i + 1) - n - 1) * xs[i]) / (n * total) END AS gini
