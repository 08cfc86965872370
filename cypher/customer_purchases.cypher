// name: customer_purchases
// purpose: A customer's purchases, newest first, with each product's brand, category and colour.
// mode: read
// param: customerId (string, required) the customer's id
// param: limit (int, default 25) rows
// returns: date, product, name, brand, category, colour, price, channel, inCatalog
// needs: foundation (customers, purchases)
MATCH (:Customer {id: $customerId})-[r:PURCHASED]->(p:Product)
RETURN r.date AS date, p.id AS product, p.name AS name,
       [(p)-[:HAS_BRAND]->(b) | b.name][0] AS brand,
       [(p)-[:IN_CATEGORY]->(c) | c.name][0] AS category,
       COLLECT { MATCH (p)-[:HAS_COLOUR]->(k) RETURN k.name ORDER BY k.name } AS colour,
       r.price AS price, r.channelName AS channel, p.inCatalog AS inCatalog
ORDER BY date DESC, product, r.id
LIMIT $limit
