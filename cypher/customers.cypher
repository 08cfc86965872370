// name: customers
// purpose: Customers with how many purchases they made, of how many products, and when they last bought; most purchases first. Customer ids are long hashes in the H&M data: copy one from here into customer_profile, recommend or explain.
// mode: read
// param: limit (int, default 20) customers to list
// param: source (string, default null) only customers of this source (e.g. hm); all when omitted
// returns: id, purchases, products, lastPurchase, age, source
// needs: foundation (customers, purchases)
MATCH (c:Customer)
WHERE $source IS NULL OR c.source = $source
OPTIONAL MATCH (c)-[r:PURCHASED]->(p:Product)
WITH c, count(r) AS purchases, count(DISTINCT p) AS products, max(r.date) AS lastPurchase
RETURN c.id AS id, purchases, products, lastPurchase, c.age AS age, c.source AS source
ORDER BY purchases DESC, lastPurchase DESC, id
LIMIT $limit
