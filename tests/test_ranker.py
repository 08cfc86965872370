"""Candidate sources, pair features and the learned ranker, on hand-made snapshots whose rows can be
checked by hand, and the no-leakage property on the shipped sample read from the real graph."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from shopgraph.relational.candidates import (
    SourceSettings,
    age_band,
    candidate_recall,
    copurchase_matrix,
    generate,
)
from shopgraph.relational.data import AVAILABLE_UNKNOWN, Facts, Purchases, Snapshot
from shopgraph.relational.ranker import FeatureCache, LearnedRanker, RankerSettings
from shopgraph.relational.ranker_features import labels, pair_features, rank_within
from shopgraph.relational.ranker_vectors import GridVectors
from shopgraph.relational.reasons import explain
from shopgraph.relational.split import make_task


def snapshot(lines: list[tuple[int, int, int]], products: int, groups: list[int] | None = None, **kw) -> Snapshot:
    """Customers 0..n-1 and products 0..products-1; ``lines`` are (customer, product, day)."""
    customer, product, day = (np.array(col) for col in zip(*lines, strict=True))
    customers = int(customer.max()) + 1
    return Snapshot(
        customer_ids=[f"c{i}" for i in range(customers)],
        product_ids=[f"hm:{i:010d}" for i in range(products)],
        term_ids={},
        purchases=Purchases(customer.astype(np.int64), product.astype(np.int64), day.astype(np.int32)),
        facts={},
        in_catalog=np.ones(products, dtype=bool),
        product_group=None if groups is None else np.array(groups, dtype=np.int64),
        **kw,
    )


def row(matrix, r: int) -> dict[int, float]:
    m = matrix.tocsr()
    span = slice(m.indptr[r], m.indptr[r + 1])
    return {int(c): float(v) for c, v in zip(m.indices[span], m.data[span], strict=True)}


# Customer 0 bought product 0 on day 90 and product 2 on day 96; customer 1 bought 0 and 1 on day 95
# (one basket) and 3 on day 50; customer 2 bought 1 on day 99. Products 0 and 1 are one variant group.
LINES = [(0, 0, 90), (0, 2, 96), (1, 0, 95), (1, 1, 95), (1, 3, 50), (2, 1, 99), (2, 5, 100)]
GROUPS = [0, 0, 1, 2, 3, 4]


def test_repurchase_weighs_each_own_line_by_its_recency() -> None:
    view = snapshot(LINES, 6, GROUPS).until(100)
    got = generate(view, np.array([0, 1]), SourceSettings(half_life=10.0), ["repurchase"]).sources["repurchase"]
    assert row(got, 0) == pytest.approx({0: 2 ** (-10 / 10), 2: 2 ** (-4 / 10)})
    assert row(got, 1) == pytest.approx({0: 2 ** (-0.5), 1: 2 ** (-0.5), 3: 2 ** (-5.0)})


def test_siblings_are_the_other_bought_products_of_the_groups_they_bought() -> None:
    view = snapshot(LINES, 6, GROUPS).until(100)  # product 5 is bought on day 100: not available yet
    got = generate(view, np.array([0, 2]), SourceSettings(half_life=10.0), ["siblings"]).sources["siblings"]
    assert row(got, 0) == pytest.approx({1: 2 ** (-1.0)}), "product 1 is product 0's sibling"
    assert row(got, 1) == pytest.approx({0: 2 ** (-0.1)})


def test_copurchase_counts_baskets_and_scores_by_own_recency() -> None:
    view = snapshot(LINES, 6, GROUPS).until(100)
    co = copurchase_matrix(view.purchases, 6, 100, SourceSettings(basket_days=7, basket_lookback=180)).toarray()
    assert co[0, 1] == co[1, 0] == 1, "customer 1's basket {0, 1} (both on day 95)"
    assert co[0, 2] == 0, "customer 0's days 90 and 96 fall in different 7-day periods counted back from day 99"
    assert co[0, 3] == 0, "day 50 and day 95 are different periods"
    got = generate(view, np.array([2]), SourceSettings(half_life=10.0), ["copurchase"]).sources["copurchase"]
    assert row(got, 0) == pytest.approx({0: 2 ** (-0.1)}), "customer 2 bought 1 (day 99), bought with 0"


def test_popularity_by_age_band_and_content_neighbours() -> None:
    ages = np.array([20.0, 40.0, np.nan], dtype=np.float32)
    assert age_band(ages).tolist() == [0, 2, 5]
    text = np.zeros((6, 2), dtype=np.float32)
    text[0], text[2], text[3] = (1, 0), (0.6, 0.8), (0, 1)
    view = snapshot(LINES, 6, GROUPS, customer_age=ages, text=text).until(100)
    got = generate(view, np.array([0, 1]), SourceSettings(popular_half_life=7.0), ["popular_age", "text"]).sources
    assert row(got["popular_age"], 0) == {}, "customer 0 is alone in their band and bought all of its products"
    assert row(got["popular_age"], 1) == {}
    # Customer 1's recent products with text: 0 (day 95) and 3 (day 50); profile ∝ (1, 1); own ones are left out.
    assert row(got["text"], 1) == pytest.approx({2: (0.6 + 0.8) / np.sqrt(2)})


def test_candidate_recall_counts_window_purchases_found() -> None:
    full = snapshot([*LINES, (0, 1, 101), (0, 4, 102), (1, 2, 103)], 6, GROUPS)
    task = make_task(full, 100, 28)
    candidates = generate(full.until(100), task.customers, SourceSettings(), ["repurchase", "siblings", "popular"])
    recall = candidate_recall(candidates, task.truth, sizes=(1, 50))
    # The window's purchases: customer 0 buys 1 and 4, customer 1 buys 2, customer 2 buys 5 (day 100).
    assert recall["siblings"][50] == (1, 4), "customer 0's product 1"
    assert recall["popular"][50] == (2, 4), "1 for customer 0 and 2 for customer 1: both bought before"
    assert recall["union"][50] == (2, 4), "products 4 and 5 were never bought before: no source proposes them"


def test_features_of_a_pair_by_hand() -> None:
    view = snapshot(LINES, 6, GROUPS).until(100)
    candidates = generate(view, np.array([0]), SourceSettings(half_life=10.0), ["repurchase", "siblings"])
    features = pair_features(view, candidates, SourceSettings(half_life=10.0))
    assert features.products.tolist() == [0, 1, 2]
    at = {int(p): i for i, p in enumerate(features.products)}
    col = features.column
    assert col("own_count")[at[0]] == 1 and col("own_days")[at[0]] == 10
    assert np.isnan(col("own_days")[at[1]]) and col("sibling_count")[at[1]] == 1 and col("sibling_days")[at[1]] == 10
    assert col("pop_7")[at[1]] == 2 and col("pop_28")[at[2]] == 1 and col("item_buyers")[at[1]] == 2
    assert col("item_first_days")[at[0]] == 10 and col("cust_lines")[at[0]] == 2 and col("cust_days")[at[0]] == 4
    assert col("src_siblings")[at[1]] == pytest.approx(2 ** (-1.0))
    # The rule's order of the customer's own products: 2 (day 96) before 0 (day 90).
    assert col("own_rank")[at[2]] == 1 and col("own_rank")[at[0]] == 2 and np.isnan(col("own_rank")[at[1]])
    assert col("sibling_rank")[at[1]] == 1 and np.isnan(col("sibling_rank")[[at[0], at[2]]]).all()
    assert np.isnan(col("text_rank")).all(), "no text vectors, no place by them"


def test_places_within_a_customer_order_by_the_keys_and_skip_nan() -> None:
    rows = np.array([0, 0, 0, 0, 1, 1])
    first = np.array([0.2, 0.9, np.nan, 0.2, 0.5, 0.1])
    second = np.array([1.0, 0.0, 0.0, 3.0, 0.0, 0.0])
    got = rank_within(rows, first, second)
    assert got[[0, 1, 3, 4, 5]].tolist() == [3, 1, 2, 1, 2] and np.isnan(got[2])


def test_no_feature_sees_the_window_after_the_cutoff() -> None:
    """Whatever is bought on or after the cut-off, the features at the cut-off stay the same."""
    base = snapshot(LINES, 6, GROUPS)
    later = snapshot([*LINES, (0, 1, 100), (0, 3, 101), (2, 0, 120), (1, 4, 100)], 6, GROUPS)
    for full in (base, later):
        view = full.until(100)
        assert int(view.purchases.day.max()) < 100
    a = pair_features(base.until(100), generate(base.until(100), np.array([0, 1, 2])))
    b = pair_features(later.until(100), generate(later.until(100), np.array([0, 1, 2])))
    assert a.names == b.names and np.array_equal(a.products, b.products)
    assert np.array_equal(a.values, b.values, equal_nan=True)


def _busy_snapshot(seed: int) -> Snapshot:
    """200 customers, 60 products in 20 groups of 3, 400 days; customers repeat their own groups."""
    rng = np.random.default_rng(seed)
    lines = []
    for c in range(200):
        favourite = rng.integers(0, 20, size=2)
        for _ in range(rng.integers(3, 12)):
            g = favourite[rng.integers(0, 2)] if rng.random() < 0.7 else rng.integers(0, 20)
            lines.append((c, int(g * 3 + rng.integers(0, 3)), int(rng.integers(0, 400))))
    return snapshot(lines, 60, [p // 3 for p in range(60)])


def test_the_ranker_is_deterministic_learns_only_before_the_cutoff_and_beats_chance() -> None:
    full = _busy_snapshot(0)
    view = full.until(372)
    first, second = (LearnedRanker(RankerSettings(embeddings=(), trees=50)) for _ in range(2))
    first.fit(view)
    second.fit(view)
    task = make_task(full, 372, 28)
    lists = first.recommend(task.customers, 12)
    assert np.array_equal(lists, second.recommend(task.customers, 12)), "same seed, same lists"
    assert lists.shape == (len(task), 12) and (lists >= 0).all()
    hits = sum(len(set(r.tolist()) & t) for r, t in zip(lists, task.truth, strict=True))
    bought = sum(len(t) for t in task.truth)
    assert hits / bought > 12 / 60 * 1.3, "well above a random list of 12 of 60 products"
    assert first.importance and max(first.importance, key=first.importance.get).startswith(
        ("group", "sibling", "own", "src")
    )

    # The view ends before the evaluated window, so changing that window changes nothing learned.
    changed = snapshot(
        [
            (int(c), int(p), int(d))
            for c, p, d in zip(*(full.purchases.customer, full.purchases.product, full.purchases.day), strict=True)
            if d < 372
        ]
        + [(0, 0, 380), (1, 1, 390)],
        60,
        [p // 3 for p in range(60)],
    )
    third = LearnedRanker(RankerSettings(embeddings=(), trees=50))
    third.fit(changed.until(372))
    assert np.array_equal(lists, third.recommend(task.customers, 12))


def test_labels_mark_bought_pairs() -> None:
    view = snapshot(LINES, 6, GROUPS).until(100)
    features = pair_features(view, generate(view, np.array([0, 1]), sources=["repurchase"]))
    assert labels(features, [{2}, {3, 4}]).tolist() == [0, 1, 0, 0, 1]


def test_grid_vectors_fit_only_at_grid_days_and_never_see_the_grid_day() -> None:
    full = _busy_snapshot(1)
    seen: list[int] = []

    def fit(view: Snapshot) -> tuple[np.ndarray, np.ndarray]:
        seen.append(int(view.purchases.day.max()))
        return np.ones((view.num_customers, 2), np.float32), np.ones((view.num_products, 2), np.float32)

    grid = GridVectors(fit, anchor=100, step=28)
    assert [grid.grid_day(d) for d in (100, 127, 128, 155, 156)] == [100, 100, 128, 128, 156]
    for day in (130, 140, 155, 160, 130):
        grid(full.until(day))
    assert grid.fits == 2, "days 130-155 share the fit at grid day 128; 160 needs the one at 156"
    assert seen[0] < 128 and seen[1] < 156, "each fit sees only purchases before its grid day"
    customers, products = grid(full.until(131))
    assert np.allclose(np.linalg.norm(customers, axis=1), 1.0) and np.allclose(np.linalg.norm(products, axis=1), 1.0)


def test_products_never_bought_before_the_cutoff_are_never_ranked() -> None:
    """Availability: adding 20 products nobody bought (a catalog's unsold stock) changes no list."""
    base = _busy_snapshot(2)
    bought = base.purchases
    lines = list(zip(bought.customer.tolist(), bought.product.tolist(), bought.day.tolist(), strict=True))
    wider = snapshot(lines, 80, [p // 3 for p in range(80)])
    customers = make_task(base, 372, 28).customers
    lists = []
    for data in (base, wider):
        ranker = LearnedRanker(RankerSettings(embeddings=(), trees=30))
        ranker.fit(data.until(372))
        lists.append(ranker.recommend(customers, 12))
    assert np.array_equal(lists[0], lists[1])
    assert lists[1].max() < 60


def test_reasons_say_only_what_holds_for_the_pair_and_cite_the_customers_own_product() -> None:
    view = snapshot(LINES, 6, GROUPS).until(100)
    candidates = generate(view, np.array([0]), SourceSettings(half_life=10.0), ["repurchase", "siblings"])
    features = pair_features(view, candidates, SourceSettings(half_life=10.0))
    at = {int(p): i for i, p in enumerate(features.products)}
    names = features.names
    contrib = np.zeros((2, len(names) + 1))
    # Product 1 (a sibling of customer 0's product 0): own_count pushes it up most, as for an
    # average pair, but customer 0 never bought product 1, so "you bought it before" must not show.
    contrib[:, names.index("own_count")] = 3.0
    contrib[:, names.index("sibling_count")] = 1.0
    contrib[:, names.index("pop_28")] = 0.5
    pairs = np.array([at[1], at[0]])
    said = explain(view, np.array([0]), features, contrib, pairs)
    assert [r.kind for r in said[0]] == ["sibling", "popular"]
    assert said[0][0].text == "another colour of hm:0000000000 you bought" and said[0][0].product == "hm:0000000000"
    assert said[0][0].weight == pytest.approx(1.0 / 1.5)
    assert said[0][1].text == "popular: bought 2 times in the last 28 days", "customers 1 and 2"
    # Product 0 was bought by customer 0 once: the repurchase reason holds and leads.
    assert said[1][0].kind == "repurchase" and said[1][0].text == "you bought it before (1×)"


def test_preference_shares_are_recomputed_from_the_view_and_said_with_the_category() -> None:
    # Categories: products 0, 1, 2 are dresses, 3 and 4 shirts, 5 has none.
    facts = {
        "IN_CATEGORY": Facts(
            "IN_CATEGORY", "Category", np.array([0, 1, 2, 3, 4]), np.array([0, 0, 0, 1, 1]), np.ones(5, np.float32)
        )
    }
    full = snapshot(LINES, 6, GROUPS)
    full = replace(full, facts=facts, term_ids={"Category": ["dresses", "shirts"]})
    view = full.until(100)
    candidates = generate(view, np.array([0, 1]), SourceSettings(), ["repurchase", "siblings", "popular"])
    features = pair_features(view, candidates)
    share = {
        (int(r), int(p)): float(v)
        for r, p, v in zip(features.rows, features.products, features.column("pref_category"), strict=True)
    }
    # Customer 0 bought 0 and 2 (both dresses); customer 1 bought 0, 1 (dresses) and 3 (a shirt).
    assert share[(0, 1)] == 1.0 and share[(0, 3)] == 0.0
    assert share[(1, 3)] == pytest.approx(1 / 3) and share[(1, 2)] == pytest.approx(2 / 3)
    # Purchases after the cut-off change no share.
    later = replace(full, purchases=snapshot([*LINES, (0, 3, 100), (0, 4, 101)], 6, GROUPS).purchases)
    again = pair_features(
        later.until(100),
        generate(later.until(100), np.array([0, 1]), SourceSettings(), ["repurchase", "siblings", "popular"]),
    )
    assert np.array_equal(again.column("pref_category"), features.column("pref_category"))

    contrib = np.zeros((1, len(features.names) + 1))
    contrib[0, features.names.index("pref_category")] = 1.0
    pair = next(i for i, (r, p) in enumerate(zip(features.rows, features.products, strict=True)) if (r, p) == (1, 2))
    said = explain(view, np.array([0, 1]), features, contrib, np.array([pair]))
    assert [(r.kind, r.text) for r in said[0]] == [("preference", "dresses: 67% of what you bought")]


def test_a_catalog_launch_date_makes_a_never_bought_product_a_candidate_from_that_day() -> None:
    # Product 4 (group 3, with product 5 added to it) was never bought; the catalog says it went on sale on day 101.
    groups = [0, 0, 1, 2, 3, 3]
    launch = np.full(6, AVAILABLE_UNKNOWN, dtype=np.int32)
    launch[4] = 101
    full = replace(snapshot(LINES, 6, groups), available_from=launch)
    customer = np.array([2])  # bought 1 on day 99 and 5 on day 100
    for cutoff, expected in ((102, {0: 2 ** (-0.3), 4: 2 ** (-0.2)}), (101, {0: 2 ** (-0.2)})):
        view = full.until(cutoff)
        got = generate(view, customer, SourceSettings(half_life=10.0), ["siblings"]).sources["siblings"]
        assert row(got, 0) == pytest.approx(expected), f"cut-off {cutoff}"
    without = generate(snapshot(LINES, 6, groups).until(102), customer, SourceSettings(half_life=10.0), ["siblings"])
    assert 4 not in row(without.sources["siblings"], 0), "no date: never bought means not a candidate"


def test_own_first_puts_the_customers_own_products_before_the_rest_in_the_models_order() -> None:
    view = _busy_snapshot(3).until(372)
    learned, own_first = (
        LearnedRanker(RankerSettings(embeddings=(), trees=30, own_first=o, own_order="model", own_first_max=0))
        for o in (False, True)
    )
    learned.fit(view)
    own_first.fit(view)
    customers = np.unique(view.purchases.customer)[:50]
    a, b = learned.recommend(customers, 12), own_first.recommend(customers, 12)
    for r, c in enumerate(customers):
        own = set(view.purchases.product[view.purchases.customer == c].tolist())
        flags = [int(p) in own for p in b[r]]
        assert flags == sorted(flags, reverse=True), "own products first"
        mine = [int(p) for p in a[r] if int(p) in own]
        assert [int(p) for p in b[r] if int(p) in own][: len(mine)] == mine, "in the model's order"


def test_own_first_by_recency_leads_with_the_latest_own_products_at_most_the_set_number() -> None:
    view = _busy_snapshot(3).until(372)
    learned = LearnedRanker(RankerSettings(embeddings=(), trees=30, own_first=False))
    learned.fit(view)
    customers = np.unique(view.purchases.customer)[:50]
    base = learned.recommend(customers, 12)
    checked = 0
    for limit in (1, 2, 0):
        ranker = LearnedRanker(
            RankerSettings(embeddings=(), trees=30, own_first=True, own_order="recency", own_first_max=limit)
        )
        ranker.fit(view)
        lists = ranker.recommend(customers, 12)
        for r, c in enumerate(customers):
            mine = view.purchases.customer == c
            last: dict[int, int] = {}
            count: dict[int, int] = {}
            for p, d in zip(view.purchases.product[mine].tolist(), view.purchases.day[mine].tolist(), strict=True):
                last[p] = max(last.get(p, -1), d)
                count[p] = count.get(p, 0) + 1
            # The rule's order, last bought first, then most bought (ties: the model's order).
            key = {p: (-last[p], -count[p]) for p in last}
            size = min(limit or len(last), len(last), 12)
            head = lists[r][:size].tolist()
            assert all(p in key for p in head) and [key[p] for p in head] == sorted(key[p] for p in head)
            assert max(key[p] for p in head) <= min((key[p] for p in key if p not in head), default=(0, 0))
            # Behind the head, the model's own order of everything else.
            rest = [int(p) for p in base[r] if int(p) not in head]
            assert lists[r][size:].tolist()[: len(rest)] == rest[: 12 - size], (limit, int(c))
            checked += len(head) > 0
    assert checked == 150


def test_a_product_bought_before_always_says_so_first() -> None:
    view = snapshot(LINES, 6, GROUPS).until(100)
    candidates = generate(view, np.array([0]), SourceSettings(half_life=10.0), ["repurchase", "siblings"])
    features = pair_features(view, candidates, SourceSettings(half_life=10.0))
    at = {int(p): i for i, p in enumerate(features.products)}
    contrib = np.zeros((1, len(features.names) + 1))
    contrib[0, features.names.index("own_days")] = -0.5  # the model pushes the old purchase down...
    contrib[0, features.names.index("pop_28")] = 1.0  # ...and up for its popularity
    said = explain(view, np.array([0]), features, contrib, np.array([at[0]]))
    assert [(r.kind, r.text, r.weight) for r in said[0]] == [
        ("repurchase", "you bought it before (1×)", 0.0),
        ("popular", "popular: bought 2 times in the last 28 days", 1.0),
    ]


def test_a_shared_feature_cache_changes_no_list_and_serves_the_repeated_cutoffs() -> None:
    full = _busy_snapshot(4)
    cache = FeatureCache()
    for cutoff in (344, 372):  # 28 days apart: the later one's training cut-offs repeat the earlier's
        view = full.until(cutoff)
        customers = make_task(full, cutoff, 28).customers
        alone, shared, other = (
            LearnedRanker(RankerSettings(embeddings=(), trees=30)),
            LearnedRanker(RankerSettings(embeddings=(), trees=30), cache=cache),
            LearnedRanker(RankerSettings(embeddings=(), trees=30, own_first=True), cache=cache),
        )
        for ranker in (alone, shared, other):
            ranker.fit(view)
        assert np.array_equal(alone.recommend(customers, 12), shared.recommend(customers, 12))
    # Cut-off 344: 16 training views and the evaluated one computed, the second ranker's 16 shared.
    # Cut-off 372 trains at 344 (the customers and view just scored), 337, 330, 323 (new) and
    # 316 ... 239 (12 of 344's), then scores at 372 (new); its second ranker shares all 16.
    assert cache.misses == 17 + 3 + 1
    assert cache.hits == 16 + (1 + 12) + 16


def _categorised(full: Snapshot) -> Snapshot:
    """``full`` with products 0, 1, 2 as dresses and 3, 4 as shirts (5 has no category)."""
    facts = {
        "IN_CATEGORY": Facts(
            "IN_CATEGORY", "Category", np.array([0, 1, 2, 3, 4]), np.array([0, 0, 0, 1, 1]), np.ones(5, np.float32)
        )
    }
    return replace(full, facts=facts, term_ids={"Category": ["dresses", "shirts"]})


def test_new_arrivals_are_recent_first_sales_in_the_customers_categories() -> None:
    view = _categorised(snapshot(LINES, 6, GROUPS)).until(100)
    # First sales: product 0 on day 90, 1 on 95, 2 on 96, 3 on 50; product 5 on day 100 is after the cut-off.
    got = generate(view, np.array([0, 1, 2]), SourceSettings(new_days=14), ["new_arrivals"]).sources["new_arrivals"]
    # Customer 0 bought dresses only: product 1 (not their own), 2 lines in days 86-99, scores 1 × (1 + 2).
    assert row(got, 0) == pytest.approx({1: 3.0})
    # Customer 1: 2 of their 3 products are dresses; product 2 has 1 line in the period.
    assert row(got, 1) == pytest.approx({2: 2 / 3 * 2})
    # Customer 2 bought dress 1: dresses 0 (2 lines) and 2 (1 line); product 3 (first sold day 50) is not new.
    assert row(got, 2) == pytest.approx({0: 3.0, 2: 2.0})
    shorter = generate(view, np.array([2]), SourceSettings(new_days=5), ["new_arrivals"]).sources["new_arrivals"]
    assert row(shorter, 0) == pytest.approx({2: 2.0}), "product 0 was first sold on day 90, before day 95"
    uncategorised = generate(snapshot(LINES, 6, GROUPS).until(100), np.array([2]), sources=["new_arrivals"])
    assert uncategorised.sources["new_arrivals"].nnz == 0, "without categories there is nothing to match"


def _priced(lines: list[tuple[int, int, int]], prices: list[float], channels: list[int]) -> Snapshot:
    base = snapshot(lines, 6, GROUPS)
    purchases = replace(
        base.purchases, price=np.array(prices, dtype=np.float32), channel=np.array(channels, dtype=np.int8)
    )
    return replace(base, purchases=purchases)


# LINES with a price and channel each (channel 0: unknown, price NaN: unknown).
PRICES = [10.0, 30.0, 20.0, 40.0, np.nan, 60.0, 99.0]
CHANNELS = [1, 1, 1, 2, 0, 2, 2]


def test_price_and_channel_features_by_hand_and_blind_to_the_window() -> None:
    full = _priced(LINES, PRICES, CHANNELS)
    view = full.until(100)
    candidates = generate(view, np.array([0, 1]), SourceSettings(half_life=10.0), ["repurchase", "siblings"])
    features = pair_features(view, candidates)
    value = {
        (int(r), int(p)): {n: float(features.values[i, features.names.index(n)]) for n in features.names}
        for i, (r, p) in enumerate(zip(features.rows, features.products, strict=True))
    }
    # Mean prices paid before day 100: product 0 (10, 20) 15, product 1 (40, 60) 50, product 2 30;
    # customer 0 paid 20 a line on average, customer 1 30 (the line without a price does not count).
    assert value[(0, 0)]["item_price"] == pytest.approx(15.0) and value[(0, 0)]["price_ratio"] == pytest.approx(0.75)
    assert value[(0, 1)]["price_ratio"] == pytest.approx(2.5) and np.isnan(value[(1, 3)]["item_price"])
    assert value[(1, 0)]["price_ratio"] == pytest.approx(0.5)
    # Customer 0 bought only in channel 1: product 0 (channel 1 twice) matches fully, product 1
    # (channel 2 twice) not at all; customer 1 is half in each (their third line has no channel).
    assert value[(0, 0)]["channel_match"] == 1.0 and value[(0, 1)]["channel_match"] == 0.0
    assert value[(1, 1)]["channel_match"] == pytest.approx(0.5)
    assert np.isnan(value[(1, 3)]["channel_match"]), "product 3's only line has no channel"
    later = _priced([*LINES, (0, 1, 100), (1, 0, 105)], [*PRICES, 1000.0, 1.0], [*CHANNELS, 1, 1])
    again = pair_features(
        later.until(100),
        generate(later.until(100), np.array([0, 1]), SourceSettings(half_life=10.0), ["repurchase", "siblings"]),
    )
    assert again.names == features.names and np.array_equal(again.values, features.values, equal_nan=True)
    plain = pair_features(snapshot(LINES, 6, GROUPS).until(100), candidates)
    assert not {"item_price", "price_ratio", "channel_match"} & set(plain.names), "data without them: left out"

    contrib = np.zeros((2, len(features.names) + 1))
    contrib[:, features.names.index("price_ratio")] = 1.0
    pairs = np.array([next(i for i, key in enumerate(value) if key == pair) for pair in ((0, 0), (0, 1))])
    said = explain(view, np.array([0, 1]), features, contrib, pairs)
    assert said[0][0].kind == "repurchase" and said[0][1].text == "in your price range (75% of what you usually pay)"
    assert "price" not in [r.kind for r in said[1]], "2.5 times their usual price is not their price range"
