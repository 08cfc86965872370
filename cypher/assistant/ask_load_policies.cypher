// name: ask_load_policies
// purpose: Write the shop's policies (assistant/policies.py reads them from a CSV): one Policy node per row, its APPLIES_TO links replaced by the row's categories and brands (a brand not yet in the graph is created with its display name).
// mode: write
// param: rows (json, required) [{id, props: {kind, title, text, returnable, days, minDays, source, sourceLine}, categories: [id], brands: [{id, name}]}]
// returns: policies, links
// needs: the vocabulary (`shopgraph db init`)
UNWIND $rows AS row
MERGE (pol:Policy {id: row.id})
SET pol += row.props
WITH pol, row
CALL (pol) {
  OPTIONAL MATCH (pol)-[old:APPLIES_TO]->()
  DELETE old
}
CALL (pol, row) {
  UNWIND row.categories AS categoryId
  MATCH (c:Category {id: categoryId})
  MERGE (pol)-[:APPLIES_TO]->(c)
  RETURN count(*) AS categoryLinks
}
CALL (pol, row) {
  UNWIND row.brands AS brand
  MERGE (b:Brand {id: brand.id})
  ON CREATE SET b.name = brand.name
  MERGE (pol)-[:APPLIES_TO]->(b)
  RETURN count(*) AS brandLinks
}
RETURN count(pol) AS policies, sum(categoryLinks + brandLinks) AS links
