// name: recommended
// purpose: The ranked list `shopgraph train` wrote for a customer: their RECOMMENDED relationships, best first, each with the candidate sources that proposed it and the reasons that drove the learned ranker's score (e.g. "another colour of X you bought", "bought with Y in 14 baskets", "popular with customers aged 25–34 this week"). Served as written: no scoring at query time. Empty for a customer new since training; recommend() then falls back to the vector and preference path.
// mode: read
// param: customerId (string, required) the customer's id
// param: k (int, default 10) products to return
// param: keepPurchased (bool, default true) keep products the customer has bought (the ranker recommends repurchases on purpose)
// returns: product, name, brand, category, colour, rank, score, sources, reasons, modelVersion, trainedAt
// needs: `shopgraph train` (it writes RECOMMENDED for every customer with a purchase)
// score: the ranker's LambdaRank score (comparable within one customer's list only); rank 1 is the best.
MATCH (c:Customer {id: $customerId})-[r:RECOMMENDED]->(p:Product)
WHERE $keepPurchased OR NOT EXISTS { (c)-[:PURCHASED]->(p) }
WITH c, r, p ORDER BY r.rank
LIMIT $k
RETURN p.id AS product, p.name AS name,
       COLLECT { MATCH (p)-[f:HAS_BRAND]->(b:Brand) RETURN b.name ORDER BY f.confidence DESC, b.name }[0] AS brand,
       COLLECT { MATCH (p)-[f:IN_CATEGORY]->(k:Category) RETURN k.id ORDER BY f.confidence DESC, k.id }[0] AS category,
       COLLECT { MATCH (p)-[f:HAS_COLOUR]->(k:Colour) RETURN k.id ORDER BY f.confidence DESC, k.id }[0] AS colour,
       r.rank AS rank, r.score AS score, r.sources AS sources, r.reasons AS reasons,
       r.modelVersion AS modelVersion, r.trainedAt AS trainedAt
ORDER BY rank
