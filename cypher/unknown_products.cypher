// name: unknown_products
// purpose: Products known only from purchases (the catalog does not list them), most purchased first: a data-quality view of the purchase export.
// mode: read
// param: limit (int, default 20) rows
// returns: product, source, purchases, customers, firstPurchase, lastPurchase
// needs: foundation (purchases)
MATCH (p:Product {inCatalog: false})<-[r:PURCHASED]-(c:Customer)
RETURN p.id AS product, p.source AS source, count(r) AS purchases, count(DISTINCT c) AS customers,
       min(r.date) AS firstPurchase, max(r.date) AS lastPurchase
ORDER BY purchases DESC, product
LIMIT $limit
