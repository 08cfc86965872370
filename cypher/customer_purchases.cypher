// name: customer_purchases
// purpose: A customer's purchases, newest first, with each product's brand and category (the most confident fact, then by name) and colours.
// mode: read
// param: customerId (string, required) the customer's id
// param: limit (int, default 25) rows
// returns: date, product, name, brand, category, colour, price, channel, inCatalog
// needs: foundation (customers, purchases)
MATCH (:Customer {id: $customerId})-[r:PURCHASED]->(p:Product)
RETURN r.date AS date, p.id AS product, p.name AS name,
       COLLECT { MATCH (p)-[f:HAS_BRAND]->(b) RETURN b.name ORDER BY f.confidence DESC, b.name }[0] AS brand,
       COLLECT { MATCH (p)-[f:IN_CATEGORY]->(c) RETURN c.name ORDER BY f.confidence DESC, c.name }[0] AS category,
       COLLECT { MATCH (p)-[:HAS_COLOUR]->(k) RETURN k.name ORDER BY k.name } AS colour,
       r.price AS price, r.channelName AS channel, p.inCatalog AS inCatalog
ORDER BY date DESC, product, r.id
LIMIT $limit
