"""Recommend products to a customer, each with the reasons the graph gives for it.

    python examples/recommend.py [CUSTOMER_ID] [K]

Run examples/load_catalog.py first. Without CUSTOMER_ID, takes the customer with the most purchases.
Without recommender vectors (`shopgraph train`), products are ranked by the customer's preferences.
"""

from __future__ import annotations

import sys

import shopgraph


def main(customer_id: str | None, k: int) -> None:
    settings = shopgraph.load_settings()
    driver = shopgraph.connect(settings)
    try:
        if customer_id is None:
            rows = shopgraph.run_query(driver, "customers", {"limit": 1}, settings.database).rows
            customer_id = rows[0]["id"]
        recs = shopgraph.recommend(driver, customer_id, k=k, database=settings.database)
        print(f"customer {customer_id[:12]}...: ranked by {recs.source}")
        if recs.note:
            print(f"  ({recs.note})")
        for item in recs.items:
            reasons = "; ".join(item.reasons) if item.reasons else "-"
            print(f"  {item.score:6.3f}  {item.product:<16} {(item.name or '')[:40]:<40} {reasons}")
    finally:
        driver.close()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None, int(sys.argv[2]) if len(sys.argv) > 2 else 5)
