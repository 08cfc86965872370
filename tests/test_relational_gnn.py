"""The heterogeneous GNN recommender: HeteroData conversion, sampling, fusion, fit and checkpoints.

Fast and without Neo4j: every snapshot here is built by hand.
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import torch
from torch_geometric.loader import LinkNeighborLoader
from torch_geometric.sampler import NegativeSampling

from shopgraph.graphstore.core.errors import ConfigError, InputError
from shopgraph.relational.data import Facts, Purchases, Snapshot
from shopgraph.relational.hetero import BOUGHT, REV_BOUGHT, TorchNeighborSampler, to_hetero_data
from shopgraph.relational.models.fusion import AttentionFusion, ConcatFusion, ProductFusion, make_fusion
from shopgraph.relational.models.hetero_sage import HeteroSAGE
from shopgraph.relational.training.gnn import GNNRecommender


def _purchases(rows: list[tuple[int, int, int]]) -> Purchases:
    customer, product, day = zip(*rows, strict=True)
    return Purchases(np.array(customer, np.int64), np.array(product, np.int64), np.array(day, np.int32))


def _facts(relation: str, label: str, rows: list[tuple[int, int, float]]) -> Facts:
    product, term, confidence = zip(*rows, strict=True)
    return Facts(
        relation, label, np.array(product, np.int64), np.array(term, np.int64), np.array(confidence, np.float32)
    )


def tiny() -> Snapshot:
    """3 customers, 4 products (3 in the catalog), 2 brands, 1 colour, no materials; a photo of product 0 only."""
    text = np.zeros((4, 384), np.float32)
    text[0, 0] = text[1, 1] = text[2, 2] = 1.0
    image = np.zeros((4, 1280), np.float32)
    image[0, 5] = 1.0
    return Snapshot(
        customer_ids=["c0", "c1", "c2"],
        product_ids=["p0", "p1", "p2", "p3"],
        term_ids={"Brand": ["a", "b"], "Colour": ["red"], "Material": []},
        # c0 buys p1 twice (days 12 and 10), c2 buys p3 (not in the catalog) on day 20.
        purchases=_purchases([(0, 1, 12), (1, 0, 11), (0, 1, 10), (2, 3, 20), (0, 2, 15)]),
        facts={
            "HAS_BRAND": _facts("HAS_BRAND", "Brand", [(0, 0, 1.0), (1, 1, 1.0), (2, 1, 0.5), (2, 1, 0.8)]),
            "HAS_COLOUR": _facts("HAS_COLOUR", "Colour", [(0, 0, 0.6), (2, 0, 1.0)]),
        },
        in_catalog=np.array([True, True, True, False]),
        text=text,
        image=image,
    )


# to_hetero_data --------------------------------------------------------------------------------


def test_hetero_nodes_and_features():
    data = to_hetero_data(tiny())
    assert sorted(data.node_types) == ["brand", "colour", "customer", "product"]  # no Material term: no node type
    assert {t: data[t].num_nodes for t in data.node_types} == {"customer": 3, "product": 4, "brand": 2, "colour": 1}
    assert data["product"].text.shape == (4, 384) and data["product"].image.shape == (4, 1280)
    assert data["product"].has_text.tolist() == [True, True, True, False]
    assert data["product"].has_image.tolist() == [True, False, False, False]
    assert data["product"].in_catalog.tolist() == [True, True, True, False]


def test_hetero_purchase_edges_are_distinct_pairs_with_first_day_and_count():
    data = to_hetero_data(tiny())
    bought = data[BOUGHT]
    assert bought.edge_index.tolist() == [[0, 0, 1, 2], [1, 2, 0, 3]]
    assert bought.time.tolist() == [10, 15, 11, 20]
    assert bought.last_time.tolist() == [12, 15, 11, 20]
    assert bought.edge_weight.tolist() == [2.0, 1.0, 1.0, 1.0]
    reverse = data[REV_BOUGHT]
    assert reverse.edge_index.tolist() == [[1, 2, 0, 3], [0, 0, 1, 2]]
    assert reverse.time.tolist() == [10, 15, 11, 20]
    assert reverse.last_time.tolist() == [12, 15, 11, 20]
    assert reverse.edge_weight.tolist() == [2.0, 1.0, 1.0, 1.0]


def test_hetero_fact_edges_keep_the_highest_confidence_and_have_reverses():
    data = to_hetero_data(tiny())
    assert sorted(data.edge_types) == sorted(
        [
            ("customer", "bought", "product"),
            ("product", "rev_bought", "customer"),
            ("product", "has_brand", "brand"),
            ("brand", "rev_has_brand", "product"),
            ("product", "has_colour", "colour"),
            ("colour", "rev_has_colour", "product"),
        ]
    )
    brand = data["product", "has_brand", "brand"]
    assert brand.edge_index.tolist() == [[0, 1, 2], [0, 1, 1]]
    assert brand.edge_weight.tolist() == pytest.approx([1.0, 1.0, 0.8])
    assert data["brand", "rev_has_brand", "product"].edge_index.tolist() == [[0, 1, 1], [0, 1, 2]]
    colour = data["product", "has_colour", "colour"]
    assert colour.edge_index.tolist() == [[0, 2], [0, 0]]
    assert colour.edge_weight.tolist() == pytest.approx([0.6, 1.0])


def test_hetero_missing_features_are_zero_rows():
    snap = tiny()
    data = to_hetero_data(Snapshot(**{**snap.__dict__, "text": None, "image": None}))
    assert float(data["product"].text.abs().sum()) == 0.0 and float(data["product"].image.abs().sum()) == 0.0
    assert not data["product"].has_text.any() and not data["product"].has_image.any()


def test_hetero_until_keeps_only_earlier_purchases():
    data = to_hetero_data(tiny().until(12))
    assert data[BOUGHT].edge_index.tolist() == [[0, 1], [1, 0]]
    assert data[BOUGHT].time.tolist() == [10, 11]
    assert data[BOUGHT].edge_weight.tolist() == [1.0, 1.0]  # the second purchase of (c0, p1) is on day 12


def test_hetero_rejects_positions_out_of_range():
    snap = tiny()
    bad = Snapshot(**{**snap.__dict__, "purchases": _purchases([(0, 4, 1)])})
    with pytest.raises(InputError, match=r"purchases.product: positions must lie in \[0, 4\), got \[4, 4\]"):
        to_hetero_data(bad)


# Sampling ----------------------------------------------------------------------------------------


def test_sampler_takes_at_most_k_real_neighbours_per_node():
    data = to_hetero_data(tiny())
    torch.manual_seed(0)
    sampler = TorchNeighborSampler(data, [1])
    out = sampler._sample({"product": torch.tensor([1, 2])})
    assert out.node["product"].tolist() == [1, 2]
    rows, cols = out.row[BOUGHT], out.col[BOUGHT]
    # p1 has one buyer (c0), p2 one (c0): both sampled, c0 added once.
    assert out.node["customer"].tolist() == [0]
    assert sorted(zip(cols.tolist(), rows.tolist(), strict=True)) == [(0, 0), (1, 0)]
    edge_ids = sampler.perm[BOUGHT][out.edge[BOUGHT]]
    pairs = data[BOUGHT].edge_index[:, edge_ids].t().tolist()
    assert sorted(map(tuple, pairs)) == [(0, 1), (0, 2)]
    # brand b has products 1 and 2 but one neighbour per node is sampled from each edge type.
    brand = ("brand", "rev_has_brand", "product")
    assert out.col[brand].tolist() == [0, 1] and out.node["brand"].tolist() == [1]


def test_sampler_all_neighbours_with_minus_one_and_two_hops():
    data = to_hetero_data(tiny())
    out = TorchNeighborSampler(data, [-1, -1])._sample({"customer": torch.tensor([0])})
    # hop 1: c0's products 1 and 2; hop 2: their buyers (only c0, already in), brands and colour.
    assert out.node["product"].tolist() == [1, 2]
    assert out.node["brand"].tolist() == [1] and out.node["colour"].tolist() == [0]
    assert out.num_sampled_nodes["product"] == [0, 2, 0]


# Fusion ------------------------------------------------------------------------------------------


def _modalities(n: int = 5, dim: int = 8) -> tuple[torch.Tensor, ...]:
    gen = torch.Generator().manual_seed(0)
    ident = torch.randn(n, dim, generator=gen)
    text = torch.randn(n, 384, generator=gen)
    image = torch.randn(n, 1280, generator=gen)
    has_text = torch.tensor([True, True, False, True, False])
    has_image = torch.tensor([True, False, False, True, True])
    return ident, text, image, has_text, has_image


@pytest.mark.parametrize("kind", ["concat", "product", "attention"])
def test_fusion_shapes_and_missing_modalities_are_ignored(kind):
    torch.manual_seed(0)
    fusion = make_fusion(kind, 8)
    ident, text, image, has_text, has_image = _modalities()
    out = fusion(ident, text, image, has_text, has_image)
    assert out.shape == (5, 8)
    # Rows 1 and 2 have no photo: another photo vector must not change them.
    other = fusion(ident, text, image + 1.0, has_text, has_image)
    assert torch.equal(out[1:3], other[1:3])
    assert not torch.allclose(out[0], other[0])


def test_attention_gives_a_missing_modality_zero_weight():
    torch.manual_seed(0)
    fusion = AttentionFusion(8)
    alpha = fusion.attention(*fusion.stack(*_modalities()))
    assert fusion.modalities == ("id", "text", "image")
    assert alpha.shape == (5, 3)
    assert torch.allclose(alpha.sum(dim=1), torch.ones(5))
    assert alpha[2].tolist() == [1.0, 0.0, 0.0]  # neither text nor photo: all on the id
    assert alpha[1, 2] == 0.0 and alpha[1, 1] > 0.0 and alpha[4, 1] == 0.0


def test_product_fusion_formula_with_only_the_id():
    torch.manual_seed(0)
    fusion = ProductFusion(8)
    ident, text, image, _, _ = _modalities()
    none = torch.zeros(5, dtype=torch.bool)
    # Σ a_m p_m = p_id and ⊙ = p_id ⊙ 1 ⊙ 1.
    expected = ident + fusion.out(ident)
    assert torch.allclose(fusion(ident, text, image, none, none), expected)


def test_concat_fusion_without_modalities_switched_off():
    fusion = ConcatFusion(8, use_text=False, use_images=False)
    assert fusion.modalities == ("id",) and fusion.text_proj is None and fusion.out.in_features == 8


def test_make_fusion_rejects_unknown_kind():
    with pytest.raises(ConfigError, match="unknown fusion 'sum'; known: concat, product, attention"):
        make_fusion("sum", 8)


# The recommender --------------------------------------------------------------------------------

GROUPS, PER_GROUP, CUSTOMERS, CUTOFF, NEW = 4, 8, 48, 200, 34


def grouped() -> Snapshot:
    """Customers in 4 taste groups, each buying only its group's 8 products, before and after day 200.

    Products of one group share a category and a text direction; products 32-33 are known only
    from purchases after the cut-off (not in the catalog), so no model may recommend them there;
    product 34 is a new catalog product of group 0 that nobody has bought.
    """
    rng = np.random.default_rng(0)
    products = GROUPS * PER_GROUP + 3
    rows = []
    for c in range(CUSTOMERS):
        group = c % GROUPS
        for _ in range(5):
            rows.append((c, group * PER_GROUP + int(rng.integers(PER_GROUP)), int(rng.integers(100, 200))))
        for _ in range(2):
            rows.append((c, group * PER_GROUP + int(rng.integers(PER_GROUP)), int(rng.integers(200, 230))))
    rows += [(0, 32, 210), (1, 33, 215)]
    text = np.zeros((products, 384), np.float32)
    for p in range(GROUPS * PER_GROUP):
        text[p, p // PER_GROUP] = 1.0
    text[NEW, 0] = 1.0
    category = [(p, p // PER_GROUP, 1.0) for p in range(GROUPS * PER_GROUP)] + [(NEW, 0, 1.0)]
    return Snapshot(
        customer_ids=[f"c{i}" for i in range(CUSTOMERS)],
        product_ids=[f"p{i}" for i in range(products)],
        term_ids={"Category": [f"k{g}" for g in range(GROUPS)]},
        purchases=_purchases(rows),
        facts={"IN_CATEGORY": _facts("IN_CATEGORY", "Category", category)},
        in_catalog=np.isin(np.arange(products), [32, 33], invert=True),
        text=text,
    )


def _model(**kwargs) -> GNNRecommender:
    return GNNRecommender(**{"epochs": 8, "batch_size": 64, "dim": 16, **kwargs})


def _hits(recs: np.ndarray, snap: Snapshot) -> int:
    after = snap.purchases.between(CUTOFF, CUTOFF + 100)
    truth = {(int(c), int(p)) for c, p in zip(after.customer, after.product, strict=True)}
    return sum((c, int(p)) in truth for c in range(CUSTOMERS) for p in recs[c])


@pytest.fixture(scope="module")
def fitted() -> tuple[GNNRecommender, Snapshot]:
    snap = grouped()
    model = _model()
    model.fit(snap.until(CUTOFF))
    return model, snap


def test_fit_learns_the_groups_and_beats_random(fitted):
    model, snap = fitted
    recs = model.recommend(np.arange(CUSTOMERS), 4)
    assert recs.shape == (CUSTOMERS, 4)
    group_of = np.r_[np.arange(GROUPS * PER_GROUP) // PER_GROUP, -1, -1, 0]  # products 32, 33: none; 34: 0
    in_group = np.mean(group_of[recs] == (np.arange(CUSTOMERS) % GROUPS)[:, None])
    assert in_group == 1.0
    rng = np.random.default_rng(0)
    random = np.stack([rng.choice(GROUPS * PER_GROUP, 4, replace=False) for _ in range(CUSTOMERS)])
    # 91 distinct (customer, product) pairs bought after the cut-off. A random 4 of the 32 catalog
    # products hits each with chance 1/8 (about 11); 4 of the customer's group's 8 about half (45).
    assert _hits(random, snap) == 14
    assert _hits(recs, snap) >= 40
    assert [row["epoch"] for row in model.history] == list(range(1, 9))
    assert model.history[-1]["loss"] < model.history[0]["loss"]


def test_fit_uses_only_purchases_before_the_cutoff(fitted):
    model, snap = fitted
    bought = model.graph[BOUGHT]
    assert int(bought.time.max()) < CUTOFF
    before = snap.purchases.before(CUTOFF)
    assert bought.edge_index.size(1) == len(
        {(int(c), int(p)) for c, p in zip(before.customer, before.product, strict=True)}
    )
    assert float(bought.edge_weight.sum()) == len(before)
    # Products 32 and 33 exist only because of later purchases: never candidates.
    recs = model.recommend(np.arange(CUSTOMERS), 35)
    assert not np.isin(recs, [32, 33]).any()
    assert (recs[:, 33:] == -1).all() and (recs[:, :33] >= 0).all()


def test_a_new_catalog_product_reaches_its_group_through_text_and_category(fitted):
    model, _ = fitted
    users, items = model.customer_embeddings(), model.product_embeddings()
    group = np.arange(CUSTOMERS) % GROUPS
    cosine = users @ items[NEW]
    # Nobody bought it, yet every customer of group 0 is closer to it than any other customer.
    assert cosine[group == 0].min() > cosine[group != 0].max()


def test_bought_candidates_leave_out_unbought_products():
    model = _model(candidates="bought", epochs=1)
    model.fit(grouped().until(CUTOFF))
    assert model.name == "gnn-attention-bought"
    recs = model.recommend(np.arange(CUSTOMERS), 35)
    assert not np.isin(recs, [32, 33, NEW]).any()
    assert (recs[:, 32:] == -1).all() and (recs[:, :32] >= 0).all()


def test_embeddings_are_unit_vectors_that_rank_like_the_model(fitted):
    model, _ = fitted
    users, items = model.customer_embeddings(), model.product_embeddings()
    assert users.shape == (CUSTOMERS, 16) and items.shape == (35, 16)
    assert np.allclose(np.linalg.norm(users, axis=1), 1.0, atol=1e-5)
    assert np.allclose(np.linalg.norm(items, axis=1), 1.0, atol=1e-5)
    candidates = np.r_[0:32, NEW]
    cosine = users[:5] @ items[candidates].T
    expected = candidates[np.argsort(-cosine, axis=1, kind="stable")[:, :3]]
    assert np.array_equal(model.recommend(np.arange(5), 3), expected)


def test_attention_weights_sum_to_one_and_photos_get_none(fitted):
    model, _ = fitted
    weights = model.attention_weights()
    assert set(weights) == {"id", "text", "image"}
    assert sum(weights.values()) == pytest.approx(1.0)
    assert weights["image"] == 0.0 and weights["text"] > 0.0


def test_two_fits_with_one_seed_are_identical_and_leave_the_global_rng_alone(fitted):
    model, snap = fitted
    state = torch.random.get_rng_state()
    again = _model()
    again.fit(snap.until(CUTOFF))
    assert torch.equal(torch.random.get_rng_state(), state)
    assert np.array_equal(again.customer_embeddings(), model.customer_embeddings())
    assert np.array_equal(again.product_embeddings(), model.product_embeddings())
    other = _model(seed=1)
    other.fit(snap.until(CUTOFF))
    assert not np.array_equal(other.product_embeddings(), model.product_embeddings())


def test_checkpoint_round_trip(fitted, tmp_path: Path):
    model, _ = fitted
    loaded = GNNRecommender.load(model.save(tmp_path / "model.pt"))
    assert loaded.name == model.name == "gnn-attention"
    assert loaded.config == model.config and loaded.cutoff == CUTOFF
    assert loaded.product_ids == model.product_ids and loaded.history == model.history
    customers = np.arange(CUSTOMERS)
    assert np.array_equal(loaded.recommend(customers, 6), model.recommend(customers, 6))
    assert np.array_equal(loaded.product_embeddings(), model.product_embeddings())
    assert loaded.attention_weights() == model.attention_weights()
    again = GNNRecommender.load(loaded.save(tmp_path / "again.pt"))
    assert np.array_equal(again.recommend(customers, 6), model.recommend(customers, 6))


def test_load_rejects_a_file_that_is_not_a_checkpoint(tmp_path: Path):
    path = tmp_path / "weights.pt"
    torch.save({"something": torch.zeros(2)}, path)
    with pytest.raises(InputError, match="weights.pt: not a GNNRecommender checkpoint"):
        GNNRecommender.load(path)


def test_fit_saves_a_checkpoint_per_cutoff(tmp_path: Path):
    model = _model(fusion="concat", epochs=1, checkpoint_dir=tmp_path)
    model.fit(grouped().until(CUTOFF))
    assert sorted(p.name for p in tmp_path.iterdir()) == [f"gnn-concat-{CUTOFF}.pt"]
    assert model.attention_weights() is None


def test_repurchase_prior_is_added_to_the_cosine_and_puts_own_products_first():
    snap = grouped()
    model = _model(fusion="product", epochs=1, repurchase=10.0)
    model.fit(snap.until(CUTOFF))
    assert model.name == "gnn-product+repurchase10"
    before = snap.purchases.before(CUTOFF)
    mine = before.customer == 0
    prior = np.zeros(snap.num_products)
    np.add.at(prior, before.product[mine], 0.5 ** ((CUTOFF - before.day[mine]) / 180.0))
    cosine = model.customer_embeddings()[0] @ model.product_embeddings().T
    expected = cosine + 10.0 * prior
    scores = model.scores(np.array([0]))[0].numpy()
    known = np.isfinite(scores)
    assert np.allclose(scores[known], expected[known], atol=1e-5)
    own = set(before.product[mine].tolist())
    # Every own purchase is at most 100 days old: a boost of at least 10 · 0.5^(100/180) ≈ 6.8 > 2.
    assert set(model.recommend(np.array([0]), len(own))[0].tolist()) == own
    # Without the prior it ranks as the same model fitted with repurchase=0.
    alone = _model(fusion="product", epochs=1)
    alone.fit(snap.until(CUTOFF))
    assert np.allclose(model.scores(np.array([0]), with_prior=False)[0][known].numpy(), cosine[known], atol=1e-5)
    every = np.arange(snap.num_customers)
    assert np.array_equal(model.recommend(every, 5, with_prior=False), alone.recommend(every, 5))


def test_a_model_with_the_prior_can_share_the_fit_of_one_without():
    view = grouped().until(CUTOFF)
    alone, prior = _model(fusion="product", epochs=1), _model(fusion="product", epochs=1, repurchase=10.0)
    assert alone.fit_key == prior.fit_key != _model(fusion="product", epochs=2).fit_key
    alone.fit(view)
    prior.share_fit(alone)
    fitted = _model(fusion="product", epochs=1, repurchase=10.0)
    fitted.fit(view)
    every = np.arange(view.num_customers)
    assert np.array_equal(prior.recommend(every, 5), fitted.recommend(every, 5))
    assert not np.array_equal(prior.recommend(every, 5), alone.recommend(every, 5))
    assert prior.history == alone.history and prior.cutoff == CUTOFF
    with pytest.raises(ConfigError, match="cannot share the fit of gnn-product, fitted with another configuration"):
        _model(fusion="product", epochs=2).share_fit(alone)


def test_embedding_tables_get_sparse_gradients_and_only_batch_rows_move():
    view = grouped().until(CUTOFF)
    model = _model(epochs=1, batch_size=4)
    model.fit(view)
    network = model._fitted().network
    assert all(table.sparse for table in network.embedding.values())
    # An initialised-but-never-sampled row keeps its initial value under SparseAdam; re-creating the
    # network from the same seed gives the initial tables to compare with.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        graph = model.graph
        fresh = type(network)(
            {t: graph[t].num_nodes for t in graph.node_types}, graph.edge_types, make_fusion("attention", 16), 2
        )
    moved = (fresh.embedding["customer"].weight != network.embedding["customer"].weight).any(dim=1)
    bought = np.unique(view.purchases.customer)
    assert moved[torch.from_numpy(bought)].all()
    assert not moved[~torch.isin(torch.arange(view.num_customers), torch.from_numpy(bought))].any()


def test_a_sampled_batch_computes_only_its_seeds_and_gets_the_untrimmed_vectors():
    graph = to_hetero_data(grouped().until(CUTOFF))
    torch.manual_seed(0)
    loader = LinkNeighborLoader(
        graph,
        num_neighbors=[3, 2],
        edge_label_index=(BOUGHT, graph[BOUGHT].edge_index),
        neg_sampling=NegativeSampling("triplet", amount=1),
        batch_size=8,
        neighbor_sampler=TorchNeighborSampler(graph, [3, 2]),
    )
    batch = next(iter(loader))
    network = HeteroSAGE(
        {t: graph[t].num_nodes for t in graph.node_types}, graph.edge_types, make_fusion("concat", 8), 2
    )
    drop = {e: torch.isin(batch[e].e_id, batch[BOUGHT].input_id) for e in (BOUGHT, REV_BOUGHT)}
    trimmed = network(batch, drop)
    whole = copy.copy(batch)
    for node_type in whole.node_types:
        del whole[node_type].num_sampled_nodes
    untrimmed = network(whole, drop)
    for node_type in ("customer", "product"):
        seeds = batch[node_type].num_sampled_nodes[0]
        assert trimmed[node_type].shape[0] == seeds < untrimmed[node_type].shape[0]
        assert torch.allclose(trimmed[node_type], untrimmed[node_type][:seeds], atol=1e-6)


def test_half_life_weights_recent_purchases_more():
    snap = grouped().until(CUTOFF)
    plain, recent = _model(epochs=2), _model(epochs=2, half_life_days=10.0)
    plain.fit(snap)
    recent.fit(snap)
    assert recent.name == "gnn-attention-halflife10"
    assert not np.allclose(plain.customer_embeddings(), recent.customer_embeddings())


def test_config_errors():
    with pytest.raises(ConfigError, match=r"layers=3 but num_neighbors=\[10, 5\] has 2 hops"):
        GNNRecommender(layers=3)
    with pytest.raises(ConfigError, match="unknown fusion 'max'"):
        GNNRecommender(fusion="max")
    with pytest.raises(ConfigError, match="half_life_days must be positive, got 0"):
        GNNRecommender(half_life_days=0)
    with pytest.raises(ConfigError, match="candidates must be one of known, bought, got 'all'"):
        GNNRecommender(candidates="all")
    with pytest.raises(ConfigError, match="not fitted"):
        GNNRecommender().recommend(np.array([0]), 3)
    with pytest.raises(InputError, match="no purchases"):
        GNNRecommender().fit(grouped().until(0))
