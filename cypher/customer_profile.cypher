// name: customer_profile
// purpose: A customer's preference profile: the brands, colours, categories, styles, materials and patterns they prefer, strongest first within each kind, with the evidence (purchases) behind each.
// mode: read
// param: customerId (string, required) the customer's id
// param: limit (int, default 5) preferences per kind
// returns: kind, id, name, weight, share, support, lastPurchase
// needs: foundation (customers, purchases) and `shopgraph reason preferences`
MATCH (c:Customer {id: $customerId})-[pref:PREFERS]->(t)
WITH pref.kind AS kind, t, pref
ORDER BY kind, pref.weight DESC, t.id
WITH kind, collect({t: t, pref: pref})[..$limit] AS top
UNWIND top AS item
RETURN kind, item.t.id AS id, item.t.name AS name,
       round(item.pref.weight, 4) AS weight, round(item.pref.share, 4) AS share,
       item.pref.support AS support, item.pref.lastPurchase AS lastPurchase
ORDER BY kind, weight DESC, id
