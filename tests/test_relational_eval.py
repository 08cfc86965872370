"""The time-based evaluation: metrics by hand, the split, no leakage, each baseline's exact lists, the report."""

from __future__ import annotations

import json
import math
from collections.abc import Callable

import numpy as np
import pytest
import torch
from numpy.typing import NDArray

from shopgraph.graphstore.core.errors import ConfigError, ShopgraphError
from shopgraph.relational.baselines import (
    BPR,
    ItemKNN,
    LightGCN,
    Popularity,
    RecentPopularity,
    RepurchaseThenPopular,
    baseline_factories,
)
from shopgraph.relational.data import Purchases, Recommender, Snapshot
from shopgraph.relational.evaluate import evaluate, plot_report, render_markdown
from shopgraph.relational.metrics import average_precision_at_k, coverage, hit_rate, ndcg_at_k, recall_at_k, score
from shopgraph.relational.split import make_task, rolling_cutoffs

IDCG2 = 1 + 1 / math.log2(3)  # ideal DCG of two relevant products


def snapshot(rows: list[tuple[int, int, int]], customers: int, products: int) -> Snapshot:
    """A Snapshot of (customer, product, day) purchase lines and nothing else."""
    customer, product, day = np.array(rows, dtype=np.int64).T
    return Snapshot(
        customer_ids=[f"c{i}" for i in range(customers)],
        product_ids=[f"p{i}" for i in range(products)],
        term_ids={},
        purchases=Purchases(customer, product, day.astype(np.int32)),
        facts={},
        in_catalog=np.ones(products, dtype=bool),
    )


# --- metrics ---------------------------------------------------------------------------------


def test_metrics_hits_at_ranks_one_and_three() -> None:
    predicted, truth = [1, 2, 3, 4], {1, 3}
    assert average_precision_at_k(predicted, truth, 12) == pytest.approx((1 / 1 + 2 / 3) / 2)
    assert recall_at_k(predicted, truth, 12) == 1.0
    assert ndcg_at_k(predicted, truth, 12) == pytest.approx((1 + 1 / math.log2(4)) / IDCG2)
    assert hit_rate(predicted, truth, 12) == 1.0


def test_a_repeated_prediction_counts_once_but_takes_a_rank() -> None:
    predicted, truth = [5, 5, 7], {5, 7}
    # rank 1 hit (P=1), rank 2 repeat (miss), rank 3 hit (P=2/3)
    assert average_precision_at_k(predicted, truth, 12) == pytest.approx((1 + 2 / 3) / 2)
    assert recall_at_k(predicted, truth, 12) == 1.0
    assert ndcg_at_k(predicted, truth, 12) == pytest.approx(1.5 / IDCG2)
    # the repeat alone must not make a second hit
    assert average_precision_at_k([5, 5], {5, 7}, 12) == pytest.approx(0.5)
    assert recall_at_k([5, 5], {5, 7}, 12) == 0.5


def test_more_truth_than_k_normalises_by_k() -> None:
    predicted, truth = [1, 9, 2], {1, 2, 3}
    assert average_precision_at_k(predicted, truth, 2) == pytest.approx(1 / 2)
    assert recall_at_k(predicted, truth, 2) == pytest.approx(1 / 3)
    assert ndcg_at_k(predicted, truth, 2) == pytest.approx(1 / IDCG2)
    assert hit_rate(predicted, truth, 2) == 1.0
    assert hit_rate([9, 8, 1], truth, 2) == 0.0


def test_empty_and_padded_predictions() -> None:
    for empty in ([], [-1, -1, -1]):
        assert average_precision_at_k(empty, {1}, 12) == 0.0
        assert recall_at_k(empty, {1}, 12) == 0.0
        assert ndcg_at_k(empty, {1}, 12) == 0.0
        assert hit_rate(empty, {1}, 12) == 0.0
    assert average_precision_at_k([4, -1, -1], {4, 8}, 12) == pytest.approx(0.5)
    assert recall_at_k([4, -1, -1], {4, 8}, 12) == 0.5
    assert ndcg_at_k([4, -1, -1], {4, 8}, 12) == pytest.approx(1 / IDCG2)
    assert average_precision_at_k([1, 2], set(), 12) == 0.0


def test_coverage_counts_distinct_products_and_ignores_padding() -> None:
    recs = [[1, 2, -1], [2, 3, -1]]
    assert coverage(recs, 10, 3) == pytest.approx(0.3)
    assert coverage(recs, 10, 1) == pytest.approx(0.2)
    assert coverage([7, 7, -1], 4, 12) == pytest.approx(0.25)
    with pytest.raises(ConfigError, match="catalog_size"):
        coverage(recs, 0)


def test_score_averages_rows() -> None:
    recs = np.array([[1, 2, 3, 4], [5, 5, 7, -1], [-1, -1, -1, -1]])
    truth = [{1, 3}, {5, 7}, {9}]
    result = score(recs, truth, 4, 20)
    assert result["map"] == pytest.approx(((1 + 2 / 3) / 2 + (1 + 2 / 3) / 2 + 0) / 3)
    assert result["recall"] == pytest.approx(2 / 3)
    assert result["ndcg"] == pytest.approx(((1 + 0.5) / IDCG2 + 1.5 / IDCG2) / 3)
    assert result["hit_rate"] == pytest.approx(2 / 3)
    assert result["coverage"] == pytest.approx(6 / 20)
    assert list(result) == ["map", "recall", "ndcg", "hit_rate", "coverage"]
    with pytest.raises(ConfigError, match="3 truth rows"):
        score(recs[:2], truth, 4, 20)


# --- split -----------------------------------------------------------------------------------


def test_rolling_cutoffs_end_with_the_last_purchase_day() -> None:
    assert rolling_cutoffs(100) == [-123, -95, -67, -39, -11, 17, 45, 73]
    assert rolling_cutoffs(50, count=3, step=7, horizon=14) == [23, 30, 37]
    with pytest.raises(ConfigError, match="count must be at least 1, got 0"):
        rolling_cutoffs(50, count=0)


def test_make_task_scores_window_buyers_with_a_history() -> None:
    rows = [
        (0, 0, 5), (0, 1, 10), (0, 2, 10),  # history, two products in the window
        (1, 3, 12),  # window only: no history, left out
        (2, 1, 9), (2, 4, 14), (2, 4, 13), (2, 0, 15),  # day 15 is after the window
        (3, 2, 2),  # history only
        (4, 3, 3), (4, 3, 10),  # buys the same product again
    ]  # fmt: skip
    task = make_task(snapshot(rows, 5, 5), cutoff=10, horizon=5)
    assert task.customers.tolist() == [0, 2, 4]
    assert task.truth == [{1, 2}, {4}, {3}]
    assert (task.cutoff, task.horizon, len(task)) == (10, 5, 3)


# --- baselines on a hand example -------------------------------------------------------------

# Before cut-off 10: p0 bought 4 times, p1 twice (days 8, 9), p3 twice (days 9, 4); p2 only on the
# cut-off day itself; p4 never. Customer 3 has no history.
HAND = [(0, 0, 1), (1, 0, 2), (2, 0, 3), (2, 0, 4), (0, 1, 8), (1, 1, 9), (1, 3, 9), (2, 3, 4), (0, 2, 10)]
EVERYONE = np.array([0, 1, 2, 3])


def hand_view() -> Snapshot:
    return snapshot(HAND, 4, 5).until(10)


def test_popularity_counts_only_lines_before_the_cutoff() -> None:
    model = Popularity()
    model.fit(hand_view())
    assert model.counts.tolist() == [4, 2, 0, 2, 0]
    assert model.recommend(EVERYONE, 4).tolist() == [[0, 1, 3, -1]] * 4


def test_recent_popularity_counts_the_window_before_the_cutoff() -> None:
    model = RecentPopularity(window=3)
    model.fit(hand_view())
    assert model.counts.tolist() == [0, 2, 0, 1, 0]  # days 7, 8, 9 only
    # recent count first, all-time count breaks ties and fills: p1 (2), p3 (1), p0 (0, but 4 in all)
    assert model.recommend(EVERYONE, 4).tolist() == [[1, 3, 0, -1]] * 4


def test_repurchase_then_popular_orders_own_products_by_recency_then_frequency() -> None:
    model = RepurchaseThenPopular(window=3)
    model.fit(hand_view())
    assert model.recommend(EVERYONE, 4).tolist() == [
        [1, 0, 3, -1],  # p1 on day 8, p0 on day 1, then recent p3
        [1, 3, 0, -1],  # p1 and p3 both day 9, once each: by position; then p0 (day 2)
        [0, 3, 1, -1],  # p0 and p3 both day 4: p0 bought twice goes first
        [1, 3, 0, -1],  # no history: recent popularity
    ]
    assert model.recommend(np.array([0]), 2).tolist() == [[1, 0]]


def test_item_knn_sums_cosine_similarities_of_past_products() -> None:
    model = ItemKNN(window=3)
    model.fit(hand_view())
    # bought sets: c0 {p0, p1}, c1 {p0, p1, p3}, c2 {p0, p3}
    s = 2 / math.sqrt(6)
    assert model.similarity[0, 1] == pytest.approx(s)
    assert model.similarity[0, 3] == pytest.approx(s)
    assert model.similarity[1, 3] == pytest.approx(0.5)
    assert model.similarity[0, 0] == 0.0
    assert model.scores(np.array([0]))[0].tolist() == pytest.approx([s, s, 0, s + 0.5, 0])
    assert model.recommend(EVERYONE, 4).tolist() == [
        [3, 0, 1, -1],  # p3 = s + 0.5; p0 = p1 = s, p0 more popular
        [0, 1, 3, -1],  # p0 = 2s; p1 = p3 = s + 0.5, equally popular: by position
        [1, 0, 3, -1],  # p1 = s + 0.5; p0 = p3 = s
        [1, 3, 0, -1],  # no history: recent popularity
    ]


def test_item_knn_recency_weight_halves_per_half_life() -> None:
    model = ItemKNN(half_life=1, window=3)
    model.fit(hand_view())
    s = 2 / math.sqrt(6)
    w0, w1 = 2.0**-9, 2.0**-2  # c0 bought p0 nine days and p1 two days before the cut-off
    assert model.scores(np.array([0]))[0].tolist() == pytest.approx([w1 * s, w0 * s, 0, w0 * s + w1 * 0.5, 0])
    assert model.recommend(np.array([0]), 4).tolist() == [[0, 3, 1, -1]]


def two_groups(seed: int = 3) -> Snapshot:
    """Customers 0-19 buy four of products 0-9, customers 20-39 four of products 10-19."""
    rng = np.random.default_rng(seed)
    rows = []
    for c in range(40):
        group = 0 if c < 20 else 10
        for day, p in enumerate(rng.choice(10, size=4, replace=False)):
            rows.append((c, group + int(p), day))
    return snapshot(rows, 40, 20)


@pytest.mark.parametrize("make", [lambda: BPR(epochs=30, seed=1), lambda: LightGCN(epochs=30, seed=1)])
def test_embedding_baselines_are_reproducible_and_learn_the_groups(make) -> None:
    data = two_groups()
    customers = np.arange(40)
    first, second = make(), make()
    first.fit(data)
    second.fit(data)
    recs = first.recommend(customers, 5)
    assert recs.tolist() == second.recommend(customers, 5).tolist()
    assert first.history == second.history
    assert [row["epoch"] for row in first.history] == list(range(1, 31))
    assert first.history[-1]["loss"] < first.history[0]["loss"]
    own_group = (recs >= 10) == (customers[:, None] >= 20)
    assert own_group.mean() >= 0.9  # a random ranking puts half in the customer's group


def test_embedding_baselines_rank_only_products_bought_before_the_cutoff() -> None:
    for model in (BPR(epochs=2), LightGCN(epochs=2)):
        model.fit(hand_view())
        recs = model.recommend(EVERYONE, 4)
        assert sorted(recs[0].tolist()) == [-1, 0, 1, 3]
        assert np.isneginf(model.scores(EVERYONE)[:, [2, 4]]).all()


def test_recommend_before_fit_and_bad_settings_raise() -> None:
    with pytest.raises(ShopgraphError, match="popularity: recommend\\(\\) called before fit\\(\\)"):
        Popularity().recommend(EVERYONE, 3)
    with pytest.raises(ConfigError, match="k must be at least 1, got 0"):
        model = Popularity()
        model.fit(hand_view())
        model.recommend(EVERYONE, 0)
    with pytest.raises(ConfigError, match="layers must be at least 1, got 0"):
        LightGCN(layers=0)
    with pytest.raises(ConfigError, match="batches must be at least 1, got 0"):
        LightGCN(batches=0)
    with pytest.raises(ConfigError, match="batch_size must be at least 1, got 0"):
        BPR(batch_size=0)


def test_lightgcn_takes_a_fixed_number_of_batches_per_epoch() -> None:
    steps: list[int] = []
    model = LightGCN(epochs=2, batches=3)
    loss = model._loss
    model._loss = lambda u, i, j: (steps.append(u.numel()), loss(u, i, j))[1]  # type: ignore[method-assign]
    model.fit(two_groups())  # 160 distinct pairs: 3 batches of 54, 54 and 52
    assert steps == [54, 54, 52] * 2


def test_bpr_steps_move_only_the_rows_of_their_batch() -> None:
    model = BPR(epochs=1, batch_size=1000)
    data = hand_view()
    model.fit(data)
    assert model._p.sparse and model._q.sparse and model._b.sparse
    # Customer 3 bought nothing before the cut-off: SparseAdam never touched the row, so it is still
    # its initial draw.
    initial = torch.randn(data.num_customers, model.dim, generator=torch.Generator().manual_seed(0)) * 0.1
    bought = np.unique(data.purchases.customer)
    assert torch.equal(model._p.weight.detach()[3], initial[3]) and 3 not in bought
    assert not torch.equal(model._p.weight.detach()[bought[0]], initial[bought[0]])


# --- evaluation ------------------------------------------------------------------------------

# Every window purchase repeats the customer's last product. Scored pairs: cut-off 20 -> c0, c1,
# c5 (c2 has no history, c3 buys nothing in [20, 30)); cut-off 30 -> c1, c3 (c4 has no history).
SYNTH = [
    (0, 0, 5), (0, 0, 25),
    (1, 1, 15), (1, 1, 22), (1, 1, 35),
    (2, 2, 25),
    (3, 3, 10), (3, 3, 31),
    (4, 4, 32),
    (5, 2, 19), (5, 2, 20),
]  # fmt: skip


class Spy:
    """Records what it was fitted on; recommends nothing."""

    name = "spy"
    seen: list[tuple[int | None, int, int]] = []

    def fit(self, data: Snapshot) -> None:
        Spy.seen.append((data.cutoff, int(data.purchases.day.max()), len(data.purchases)))

    def recommend(self, customers: NDArray[np.int64], k: int) -> NDArray[np.int64]:
        return np.full((len(customers), k), -1, dtype=np.int64)


def test_no_method_sees_a_purchase_on_or_after_its_cutoff() -> None:
    Spy.seen = []
    evaluate(snapshot(SYNTH, 6, 5), [Spy], cutoffs=[30, 20], horizon=10)
    # (cut-off, last day seen, lines seen): all lines before the cut-off, none on or after it
    assert Spy.seen == [(20, 19, 4), (30, 25, 8)]


class Shared(Spy):
    """A spy with a fit key: methods with one key fit once per cut-off."""

    fits: list[str] = []
    adopted: list[tuple[str, str]] = []

    def __init__(self, name: str, key: str) -> None:
        self.name, self.fit_key = name, key

    def fit(self, data: Snapshot) -> None:
        Shared.fits.append(self.name)

    def share_fit(self, other: Shared) -> None:
        Shared.adopted.append((self.name, other.name))


def test_methods_with_one_fit_key_fit_once_per_cutoff() -> None:
    Shared.fits, Shared.adopted = [], []
    factories = [lambda: Shared("a", "x"), lambda: Shared("b", "y"), lambda: Shared("c", "x")]
    report = evaluate(snapshot(SYNTH, 6, 5), factories, cutoffs=[20, 30], horizon=10)
    assert Shared.fits == ["a", "b", "a", "b"]
    assert Shared.adopted == [("c", "a"), ("c", "a")]
    assert [m.name for m in report.methods] == ["a", "b", "c"]


def test_evaluate_end_to_end(tmp_path) -> None:
    data = snapshot(SYNTH, 6, 5)
    factories: list[Callable[[], Recommender]] = [Popularity, RepurchaseThenPopular, lambda: BPR(epochs=3)]
    progress: list[tuple[int, int, str]] = []
    report = evaluate(data, factories, cutoffs=[20, 30], horizon=10, progress=lambda *a: progress.append(a))
    assert report.cutoffs == [20, 30]
    assert report.pairs == [3, 2]
    assert report.total_pairs == 5
    assert progress[0] == (1, 6, "popularity @ 1970-01-21") and progress[-1][:2] == (6, 6)
    popularity, repurchase, bpr = report.methods
    assert [m.name for m in report.methods] == ["popularity", "repurchase_then_popular", "bpr"]
    assert all(m.pairs == 5 for m in report.methods)
    # popularity lists: [0, 1, 2, 3] at 20; [2, 0, 1, 3] at 30 (p2 three times, p0 and p1 twice)
    assert popularity.per_cutoff[0].metrics["map"] == pytest.approx((1 + 1 / 2 + 1 / 3) / 3)
    assert popularity.per_cutoff[1].metrics["map"] == pytest.approx((1 / 3 + 1 / 4) / 2)
    assert popularity.metrics["map"] == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 3 + 1 / 4) / 5)
    assert popularity.metrics["coverage"] == pytest.approx(4 / 5)
    assert repurchase.metrics == pytest.approx({"map": 1, "recall": 1, "ndcg": 1, "hit_rate": 1, "coverage": 4 / 5})
    assert popularity.history == [] and len(bpr.history) == 3
    assert report.best("map") == "repurchase_then_popular"
    assert json.loads(json.dumps(report.to_dict()))["cutoffs"][0] == {"day": 20, "date": "1970-01-21", "pairs": 3}

    table = render_markdown(report)
    lines = table.splitlines()
    assert lines[0] == (
        "2 cut-offs from 1970-01-21 to 1970-01-31, 10-day windows, 5 (customer, cut-off) pairs, catalog of 5 products."
    )
    assert lines[2] == "| method | MAP@12 | Recall@12 | NDCG@12 | hit rate | coverage | pairs | fit s |"
    assert lines[5].startswith("| repurchase_then_popular | **1.0000** | **1.0000** | **1.0000** | **1.0000** |")
    assert lines[4].startswith("| popularity | 0.4833 | **1.0000** | ")

    png = plot_report(report, tmp_path / "plots" / "report.png")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000


def test_default_cutoffs_are_rolling_and_empty_cutoffs_are_listed() -> None:
    report = evaluate(snapshot(SYNTH, 6, 5), [Popularity])
    assert report.cutoffs == rolling_cutoffs(35)
    # only the last cut-off (day 8) has a history behind a window purchase: c0 (day 5, then 25)
    assert report.pairs == [0, 0, 0, 0, 0, 0, 0, 1]
    assert len(report.methods[0].per_cutoff) == 1


def test_evaluate_rejects_clashing_names_and_bad_lists() -> None:
    data = snapshot(SYNTH, 6, 5)
    with pytest.raises(ConfigError, match="two methods are named 'popularity'"):
        evaluate(data, [Popularity, Popularity], cutoffs=[20], horizon=10)

    class Short(Spy):
        name = "short"

        def recommend(self, customers: NDArray[np.int64], k: int) -> NDArray[np.int64]:
            return np.zeros((len(customers), k - 1), dtype=np.int64)

    with pytest.raises(ShopgraphError, match=r"short returned lists of shape \(3, 11\), expected \(3, 12\)"):
        evaluate(data, [Short], cutoffs=[20], horizon=10)
    with pytest.raises(ConfigError, match="no customer bought"):
        evaluate(data, [Popularity], cutoffs=[0], horizon=10)


def test_baseline_factories_build_the_eight_baselines() -> None:
    names = [factory().name for factory in baseline_factories()]
    assert names == [
        "popularity",
        "recent_popularity",
        "repurchase_then_popular",
        "repurchase_siblings_popular",
        "repurchase_copurchase_popular",
        "item_knn",
        "bpr",
        "lightgcn",
    ]
