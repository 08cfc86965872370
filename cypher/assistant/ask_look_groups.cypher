// name: ask_look_groups
// purpose: For the shopping assistant ("what goes with this skirt?"): every taxonomy group (level 2) not excluded, as an association rule anchor → group over customers' purchases: together = customers who bought from both, confidence = together / anchor customers, lift = confidence / (group customers / all purchasing customers); highest confidence first, then the most bought groups (the order to fall back on when nobody bought the anchor).
// mode: read
// param: anchors (list<string>, required) the level-2 category ids of the item to dress around
// param: exclude (list<string>, default null) level-2 category ids never suggested
// param: limit (int, default 10) groups
// returns: group, name, together, anchorCustomers, groupCustomers, confidence, lift
// needs: foundation (catalog, customers, purchases)
CALL () {
  OPTIONAL MATCH (c:Customer)-[:PURCHASED]->(:Product)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(a:Category)
  WHERE a.id IN $anchors
  RETURN collect(DISTINCT c) AS buyers
}
WITH buyers, size(buyers) AS anchorCustomers,
     COUNT { MATCH (x:Customer) WHERE EXISTS { (x)-[:PURCHASED]->(:Product) } } AS allCustomers
MATCH (g:Category {level: 2})
WHERE NOT g.id IN $anchors AND NOT g.id IN coalesce($exclude, [])
CALL (g, buyers) {
  MATCH (x:Customer)-[:PURCHASED]->(:Product)-[:IN_CATEGORY]->(:Category)-[:SUBCATEGORY_OF*0..]->(g)
  WITH DISTINCT x
  RETURN count(x) AS groupCustomers, count(CASE WHEN x IN buyers THEN 1 END) AS together
}
WITH g, together, anchorCustomers, groupCustomers, allCustomers,
     CASE WHEN anchorCustomers > 0 THEN toFloat(together) / anchorCustomers END AS confidence
WHERE groupCustomers > 0
RETURN g.id AS group, g.name AS name, together, anchorCustomers, groupCustomers, round(confidence, 4) AS confidence,
       round(confidence / (toFloat(groupCustomers) / allCustomers), 4) AS lift
ORDER BY coalesce(confidence, 0.0) DESC, groupCustomers DESC, group
LIMIT $limit
