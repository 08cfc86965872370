// name: ask_entity_names
// purpose: For the shopping assistant: the brands a shopper's question can name, with how many products each has; assistant/linking.py links question words to them.
// mode: read
// returns: id, name, products
// needs: foundation (catalog)
MATCH (b:Brand)
RETURN b.id AS id, b.name AS name, COUNT { (b)<-[:HAS_BRAND]-(:Product) } AS products
ORDER BY products DESC, id
