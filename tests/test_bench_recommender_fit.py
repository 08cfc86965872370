"""bench.recommender_fit's in-memory scaling of a snapshot: what each copy holds."""

from __future__ import annotations

import numpy as np

from bench.recommender_fit import scaled
from shopgraph.relational.data import Facts, Purchases, Snapshot


def _snapshot() -> Snapshot:
    return Snapshot(
        customer_ids=["c0", "c1"],
        product_ids=["p0", "p1", "p2"],
        term_ids={"Brand": ["b0"]},
        purchases=Purchases(np.array([0, 1]), np.array([2, 0]), np.array([10, 11], dtype=np.int32)),
        facts={
            "HAS_BRAND": Facts("HAS_BRAND", "Brand", np.array([1]), np.array([0]), np.array([0.9], dtype=np.float32))
        },
        in_catalog=np.array([True, False, True]),
        text=np.eye(3, 4, dtype=np.float32),
    )


def test_each_copy_has_its_own_customers_and_products_and_shares_the_terms() -> None:
    big = scaled(_snapshot(), 3)
    assert big.customer_ids == ["c0#0", "c1#0", "c0#1", "c1#1", "c0#2", "c1#2"]
    assert big.product_ids[3:6] == ["p0#1", "p1#1", "p2#1"]
    # copy i of customer c buys copy i of the same product on the same day
    assert big.purchases.customer.tolist() == [0, 1, 2, 3, 4, 5]
    assert big.purchases.product.tolist() == [2, 0, 5, 3, 8, 6]
    assert big.purchases.day.tolist() == [10, 11] * 3
    facts = big.facts["HAS_BRAND"]
    assert facts.product.tolist() == [1, 4, 7] and facts.term.tolist() == [0, 0, 0]
    assert big.term_ids == {"Brand": ["b0"]}
    assert big.in_catalog.tolist() == [True, False, True] * 3
    assert big.text is not None and big.text.shape == (9, 4) and np.array_equal(big.text[6:], np.eye(3, 4))
    assert big.image is None


def test_one_copy_is_the_snapshot_itself() -> None:
    snapshot = _snapshot()
    assert scaled(snapshot, 1) is snapshot
