// name: ask_policy
// purpose: For the shopping assistant ("can I return a swimsuit?"): the shop's policies of one kind that apply to the given categories and brands, most specific first: rank 0 a policy on the category itself or its leaf, 1 on its group, 2 on the brand (or a parent brand), 3 on its department, 4 the shop-wide default (a policy with no APPLIES_TO).
// mode: read
// param: kind (string, required) returns, sizes or delivery
// param: categories (list<string>, default null) category ids the question is about
// param: brands (list<string>, default null) brand ids the question is about
// returns: policy, kind, title, text, returnable, days, minDays, appliesTo, appliesToName, via, rank
// needs: policies (`shopgraph ingest policies`, or the demo)
CALL () {
  UNWIND coalesce($categories, []) AS categoryId
  MATCH (:Category {id: categoryId})-[:SUBCATEGORY_OF*0..]->(target:Category)<-[:APPLIES_TO]-(pol:Policy {kind: $kind})
  RETURN pol, target, categoryId AS via, CASE target.level WHEN 3 THEN 0 WHEN 2 THEN 1 ELSE 3 END AS rank
  UNION
  UNWIND coalesce($brands, []) AS brandId
  MATCH (:Brand {id: brandId})-[:SUB_BRAND_OF*0..]->(target:Brand)<-[:APPLIES_TO]-(pol:Policy {kind: $kind})
  RETURN pol, target, brandId AS via, 2 AS rank
  UNION
  MATCH (pol:Policy {kind: $kind})
  WHERE NOT EXISTS { (pol)-[:APPLIES_TO]->() }
  RETURN pol, null AS target, null AS via, 4 AS rank
}
WITH pol, target, via, rank
ORDER BY rank, pol.id
RETURN pol.id AS policy, pol.kind AS kind, pol.title AS title, pol.text AS text, pol.returnable AS returnable,
       pol.days AS days, pol.minDays AS minDays, target.id AS appliesTo, target.name AS appliesToName, via, rank
ORDER BY rank, policy
