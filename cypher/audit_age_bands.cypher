// name: audit_age_bands
// purpose: Fairness audit by customer age band (<25, 25-34, 35-44, 45-54, 55-64, 65+, unknown): do some groups get systematically narrower or pricier RECOMMENDED lists? Per band: customers with a purchase, the mean over customers of their list's mean item price (an item's price: the mean paid for it), the mean price the band paid, and the mean number of distinct departments per list. `shopgraph audit recommendations` adds bootstrap intervals and the distinct-item ratio at equal band size.
// mode: read
// param: k (int, default 12) list length audited: RECOMMENDED entries with rank <= k
// returns: band, customers, meanListPrice, meanPaid, meanDepartments
// needs: `shopgraph train` (RECOMMENDED), customers' ages, purchases with prices
MATCH (c:Customer)
WHERE EXISTS { (c)-[:PURCHASED]->() }
WITH c,
     CASE WHEN c.age IS NULL THEN [7, 'unknown'] WHEN c.age < 25 THEN [1, '<25'] WHEN c.age < 35 THEN [2, '25-34']
          WHEN c.age < 45 THEN [3, '35-44'] WHEN c.age < 55 THEN [4, '45-54'] WHEN c.age < 65 THEN [5, '55-64']
          ELSE [6, '65+'] END AS band
CALL (c) {
  MATCH (c)-[r:PURCHASED]->()
  RETURN avg(r.price) AS paid
}
CALL (c) {
  OPTIONAL MATCH (c)-[r:RECOMMENDED]->(p:Product)
  WHERE r.rank <= $k
  CALL (p) {
    OPTIONAL MATCH (:Customer)-[b:PURCHASED]->(p)
    RETURN avg(b.price) AS price
  }
  RETURN avg(price) AS listPrice,
         count(DISTINCT COLLECT { MATCH (p)-[:IN_DEPARTMENT]->(d:Department) RETURN d.name ORDER BY d.name }[0]) AS departments
}
WITH band, count(c) AS customers, avg(listPrice) AS meanListPrice, avg(paid) AS meanPaid,
     avg(departments) AS meanDepartments
ORDER BY band[0]
RETURN band[1] AS band, customers, meanListPrice, meanPaid, meanDepartments
