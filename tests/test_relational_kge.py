"""Knowledge-graph embeddings: triples and split, filtered ranking, training, proposals, checkpoints."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pytest
import torch

from shopgraph.graphstore.core.errors import ConfigError, InputError
from shopgraph.relational.data import Facts, Purchases, Snapshot
from shopgraph.relational.kge_eval import (
    LinkMetrics,
    compare_kge,
    evaluate_kge,
    filtered_ranks,
    frequency_baseline,
    random_expectation,
)
from shopgraph.relational.kge_infer import check_proposals, propose_missing
from shopgraph.relational.training.checkpoints import load_kge, save_kge
from shopgraph.relational.training.kge import (
    TrainedKGE,
    best_temperature,
    entity_embeddings,
    score_tails,
    tail_probabilities,
    train_kge,
)
from shopgraph.relational.triples import KGTriples, build_triples

COLOURS = ["red", "blue", "green", "black", "white", "navy-blue"]
BRANDS = ["b0", "b1", "b2", "b3", "b4", "b5"]


def snapshot(
    facts: Mapping[str, tuple[str, Sequence[tuple[float, ...]]]],
    products: int,
    terms: dict[str, list[str]],
) -> Snapshot:
    """A snapshot with only catalog facts: relation -> (label, [(product, term[, confidence])])."""
    built = {}
    for relation, (label, rows) in facts.items():
        confidence = [row[2] if len(row) == 3 else 1.0 for row in rows]
        built[relation] = Facts(
            relation,
            label,
            np.array([row[0] for row in rows], dtype=np.int64),
            np.array([row[1] for row in rows], dtype=np.int64),
            np.array(confidence, dtype=np.float32),
        )
    empty = Purchases(np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.int32))
    return Snapshot([], [f"p{i}" for i in range(products)], terms, empty, built, np.ones(products, np.bool_))


def brand_colour_snapshot(per_brand: int = 12, without_colour: tuple[int, ...] = ()) -> Snapshot:
    """Products of brand i are always colour i: 6 brands, 6 colours, ``per_brand`` products each.
    Products in ``without_colour`` have a brand but no colour."""
    products = per_brand * len(BRANDS)
    brand = [(p, p % len(BRANDS)) for p in range(products)]
    colour = [(p, p % len(BRANDS)) for p in range(products) if p not in without_colour]
    return snapshot(
        {"HAS_BRAND": ("Brand", brand), "HAS_COLOUR": ("Colour", colour)},
        products,
        {"Brand": BRANDS, "Colour": COLOURS},
    )


# --- filtered ranking -------------------------------------------------------------------------


def test_filtered_ranks_remove_known_tails_and_share_ties() -> None:
    scores = np.array(
        [
            [0.9, 0.5, 0.7, 0.5, 0.1],  # 0.9 is another true tail (filtered); 0.7 above; one tie
            [0.3, 0.2, 0.9, 0.1, 0.0],  # best
            [0.4, 0.4, 0.4, 0.4, 0.4],  # all tied: the middle of five
        ]
    )
    target = np.array([1, 2, 4])
    excluded = np.zeros_like(scores, dtype=bool)
    excluded[0, 0] = True
    ranks = filtered_ranks(scores, target, excluded)
    assert ranks.tolist() == [2.5, 1.0, 3.0]
    assert filtered_ranks(scores[:1], target[:1], np.zeros((1, 5), bool)).tolist() == [3.5]  # raw rank
    metrics = LinkMetrics.of_ranks(ranks)
    assert metrics.triples == 3
    assert metrics.mrr == pytest.approx((1 / 2.5 + 1 + 1 / 3) / 3)
    assert metrics.hits_at_1 == pytest.approx(1 / 3)
    assert metrics.hits_at_10 == 1.0


def hand_scored() -> tuple[KGTriples, TrainedKGE]:
    """Two products, five colours; DistMult of dimension 1 with product and relation vectors 1, so
    every product scores the colours by their own value: C0 0.9, C1 0.5, C2 0.7, C3 0.5, C4 0.95.
    Known colours: P0 has C0 (train), C4 (valid), C1 (test); P1 has C2, C1 (train), C3 (test)."""
    triples = KGTriples(
        relations=("HAS_COLOUR",),
        labels=("Product", "Colour"),
        entity_ids=["P0", "P1", "C0", "C1", "C2", "C3", "C4"],
        entity_label=np.array([0, 0, 1, 1, 1, 1, 1]),
        label_range={"Product": (0, 2), "Colour": (2, 7)},
        train=np.array([[0, 0, 2], [1, 0, 4], [1, 0, 3]]),
        valid=np.array([[0, 0, 6]]),
        test=np.array([[0, 0, 3], [1, 0, 5]]),
        min_confidence=0.5,
        seed=0,
    )
    trained = train_kge(triples, "distmult", dim=1, epochs=1)
    with torch.no_grad():
        trained.module.node_emb.weight.copy_(torch.tensor([[1.0], [1.0], [0.9], [0.5], [0.7], [0.5], [0.95]]))
        trained.module.rel_emb.weight.copy_(torch.tensor([[1.0]]))
    return triples, trained


def test_evaluation_filters_train_valid_and_test_tails() -> None:
    triples, trained = hand_scored()
    test = evaluate_kge(trained, "test")
    # (P0, C1): C0 (train) and C4 (valid) are filtered, C2 is above, C3 ties -> 2.5.
    # (P1, C3): C2 and C1 (train) are filtered, C4 and C0 are above -> 3.
    assert test.overall == LinkMetrics(2, (1 / 2.5 + 1 / 3) / 2, 0.0, 1.0)
    assert test.relations == {"HAS_COLOUR": test.overall}
    # (P0, C4): C0 (train) and C1 (test) are filtered -> first.
    assert evaluate_kge(trained, "valid").overall == LinkMetrics(1, 1.0, 1.0, 1.0)


def test_reference_rankings_on_the_hand_example() -> None:
    triples, _ = hand_scored()
    # Train counts C0 1, C1 1, C2 1, C3 0, C4 0.
    # (P0, C1): C0, C4 filtered; C2 ties -> 1.5. (P1, C3): C1, C2 filtered; C0 above, C4 ties -> 2.5.
    assert frequency_baseline(triples).overall == LinkMetrics(2, (1 / 1.5 + 1 / 2.5) / 2, 0.0, 1.0)
    # Three candidates left in both rows: MRR = H3 / 3, Hits@1 = 1/3.
    expected = random_expectation(triples).overall
    assert expected.triples == 2
    assert expected.mrr == pytest.approx((1 + 1 / 2 + 1 / 3) / 3)
    assert expected.hits_at_1 == pytest.approx(1 / 3)
    assert expected.hits_at_10 == 1.0


@pytest.mark.parametrize("model", ["transe", "distmult", "complex"])
def test_matrix_scores_equal_the_models_forward(model: str) -> None:
    triples = build_triples(brand_colour_snapshot(), valid_share=0.0, test_share=0.0)
    trained = train_kge(triples, model, dim=8, epochs=2)
    heads = np.array([0, 5, 17])
    scores = score_tails(trained, heads, "HAS_COLOUR")
    candidates = torch.from_numpy(triples.candidates("HAS_COLOUR"))
    r = triples.relation_index("HAS_COLOUR")
    with torch.no_grad():
        forward = trained.module(
            torch.from_numpy(heads).repeat_interleave(len(candidates)),
            torch.full((len(heads) * len(candidates),), r),
            candidates.repeat(len(heads)),
        )
    np.testing.assert_allclose(scores, forward.view(len(heads), -1).numpy(), rtol=1e-5, atol=1e-6)


def test_best_temperature_recovers_the_logistic_optimum() -> None:
    # Two candidates scored 1 and 0; the first is right in 3 rows of 4. The likelihood is best
    # where sigmoid(1/T) = 3/4, i.e. T = 1 / ln 3.
    scores = np.array([[1.0, 0.0]] * 4)
    target = np.array([0, 0, 0, 1])
    temperature = best_temperature(scores, target, np.zeros((4, 2), bool))
    assert temperature == pytest.approx(1 / math.log(3), rel=2e-3)
    probabilities = tail_probabilities(scores[:1], temperature)
    assert probabilities[0].tolist() == pytest.approx([0.75, 0.25], abs=1e-3)


# --- triples and split --------------------------------------------------------------------------


def test_triples_share_one_entity_space_with_contiguous_labels() -> None:
    snap = snapshot(
        {
            "HAS_COLOUR": ("Colour", [(0, 2), (1, 0), (2, 2, 0.4)]),
            "MADE_OF": ("Material", [(1, 1)]),
            "HAS_STYLE": ("Style", [(3, 0, 0.3)]),
        },
        5,
        {"Colour": ["red", "blue", "green"], "Material": ["wool", "cotton"], "Style": ["casual"]},
    )
    triples = build_triples(snap, ["HAS_COLOUR", "MADE_OF", "HAS_STYLE"], valid_share=0, test_share=0)
    # Facts below 0.5 are dropped: p2's green and HAS_STYLE altogether; p3 and p4 have nothing left.
    assert triples.relations == ("HAS_COLOUR", "MADE_OF")
    assert triples.entity_ids == ["p0", "p1", "red", "green", "cotton"]
    assert triples.label_range == {"Product": (0, 2), "Colour": (2, 4), "Material": (4, 5)}
    assert triples.entity_label.tolist() == [0, 0, 1, 1, 2]
    assert triples.train.tolist() == [[0, 0, 3], [1, 0, 2], [1, 1, 4]]
    assert triples.candidates("HAS_COLOUR").tolist() == [2, 3]
    assert len(build_triples(snap, ["HAS_STYLE", "HAS_COLOUR"], min_confidence=0.3).relations) == 2


def test_split_sizes_and_every_held_out_entity_stays_in_train() -> None:
    # 10 products, each with a colour (2 colours) and a category (2 categories): all eligible.
    # 10 singleton materials: no material triple can leave train without losing its material.
    snap = snapshot(
        {
            "HAS_COLOUR": ("Colour", [(p, p % 2) for p in range(10)]),
            "IN_CATEGORY": ("Category", [(p, p % 2) for p in range(10)]),
            "MADE_OF": ("Material", [(p, p) for p in range(10)]),
        },
        10,
        {"Colour": ["red", "blue"], "Category": ["tops", "dress"], "Material": [f"m{i}" for i in range(10)]},
    )
    triples = build_triples(snap, ["HAS_COLOUR", "IN_CATEGORY", "MADE_OF"], valid_share=0.1, test_share=0.2, seed=3)
    per_relation = {
        name: [int((part[:, 1] == r).sum()) for part in (triples.train, triples.valid, triples.test)]
        for r, name in enumerate(triples.relations)
    }
    assert per_relation == {"HAS_COLOUR": [7, 1, 2], "IN_CATEGORY": [7, 1, 2], "MADE_OF": [10, 0, 0]}
    in_train = set(triples.train[:, 0].tolist()) | set(triples.train[:, 2].tolist())
    held = np.concatenate([triples.valid, triples.test])
    assert set(held[:, 0].tolist()) | set(held[:, 2].tolist()) <= in_train
    again = build_triples(snap, ["HAS_COLOUR", "IN_CATEGORY", "MADE_OF"], valid_share=0.1, test_share=0.2, seed=3)
    assert np.array_equal(again.test, triples.test) and np.array_equal(again.valid, triples.valid)


def test_a_product_with_one_fact_is_never_held_out() -> None:
    # p0..p3 each have only a colour; the colours are shared. Holding one out would leave its product
    # without a train triple, so nothing is held out whatever the shares.
    snap = snapshot({"HAS_COLOUR": ("Colour", [(0, 0), (1, 0), (2, 1), (3, 1)])}, 4, {"Colour": ["red", "blue"]})
    triples = build_triples(snap, ["HAS_COLOUR"], valid_share=0.25, test_share=0.5)
    assert len(triples.train) == 4 and len(triples.valid) == 0 and len(triples.test) == 0


def test_build_triples_rejects_bad_arguments() -> None:
    snap = brand_colour_snapshot()
    with pytest.raises(ConfigError, match="unknown relations"):
        build_triples(snap, ["HAS_SIZE"])
    with pytest.raises(ConfigError, match="sum below 1"):
        build_triples(snap, valid_share=0.5, test_share=0.5)
    with pytest.raises(ConfigError, match="no facts of MADE_OF"):
        build_triples(snap, ["MADE_OF"])


# --- training ---------------------------------------------------------------------------------


@pytest.mark.parametrize("model", ["transe", "distmult", "complex"])
def test_training_learns_that_a_brand_fixes_the_colour(model: str) -> None:
    triples = build_triples(brand_colour_snapshot(), valid_share=0.1, test_share=0.2, seed=1)
    trained = train_kge(triples, model, dim=16, epochs=100, batch_size=32, lr=0.02, seed=1)
    result = evaluate_kge(trained, "test")
    random = random_expectation(triples, "test")
    assert result.overall.triples == 28  # floor(0.2 * 72) per relation
    assert random.overall.mrr == pytest.approx((1 + 1 / 2 + 1 / 3 + 1 / 4 + 1 / 5 + 1 / 6) / 6)
    assert result.overall.mrr > 0.9 > random.overall.mrr + 0.45
    assert trained.history[-1] < trained.history[0]
    assert len(trained.history) == 100


def test_same_seed_same_model_other_seed_other_model() -> None:
    triples = build_triples(brand_colour_snapshot(), seed=0)
    first = train_kge(triples, "complex", dim=8, epochs=5, seed=7)
    second = train_kge(triples, "complex", dim=8, epochs=5, seed=7)
    other = train_kge(triples, "complex", dim=8, epochs=5, seed=8)
    a, b, c = (entity_embeddings(t)["Product"][1] for t in (first, second, other))
    assert np.array_equal(a, b)
    assert first.history == second.history
    assert first.version == second.version
    assert not np.array_equal(a, c)
    assert first.version != other.version


def test_training_rejects_bad_arguments() -> None:
    triples = build_triples(brand_colour_snapshot())
    with pytest.raises(ConfigError, match="unknown KGE model"):
        train_kge(triples, "rotate")
    with pytest.raises(ConfigError, match="dim must be even"):
        train_kge(triples, "complex", dim=63)
    with pytest.raises(ConfigError, match="epochs must be at least 1"):
        train_kge(triples, "transe", epochs=0)


def test_entity_embeddings_per_label_complex_concatenates_real_and_imaginary() -> None:
    triples = build_triples(brand_colour_snapshot())
    trained = train_kge(triples, "complex", dim=8, epochs=1)
    vectors = entity_embeddings(trained)
    assert list(vectors) == ["Product", "Brand", "Colour"]
    ids, matrix = vectors["Colour"]
    assert ids == COLOURS and matrix.shape == (6, 8) and matrix.dtype == np.float32
    start = triples.label_range["Colour"][0]
    np.testing.assert_array_equal(matrix[:, :4], trained.module.node_emb.weight.detach().numpy()[start : start + 6])
    np.testing.assert_array_equal(matrix[:, 4:], trained.module.node_emb_im.weight.detach().numpy()[start : start + 6])
    assert vectors["Product"][0] == [f"p{i}" for i in range(72)]


# --- checkpoints ------------------------------------------------------------------------------


def test_checkpoint_round_trip(tmp_path: Path) -> None:
    triples = build_triples(brand_colour_snapshot())
    trained = train_kge(triples, "transe", dim=8, epochs=3)
    path = tmp_path / "models" / "kge.pt"
    save_kge(trained, path)
    loaded = load_kge(path)
    assert loaded.config == trained.config
    assert loaded.version == trained.version
    assert loaded.history == trained.history
    assert loaded.temperature == trained.temperature
    assert loaded.trained_at == trained.trained_at
    assert loaded.triples.entity_ids == triples.entity_ids
    assert loaded.triples.label_range == triples.label_range
    assert np.array_equal(loaded.triples.test, triples.test)
    heads = np.arange(10)
    assert np.array_equal(score_tails(loaded, heads, "HAS_COLOUR"), score_tails(trained, heads, "HAS_COLOUR"))


def test_loading_a_file_that_is_not_a_checkpoint_names_it(tmp_path: Path) -> None:
    path = tmp_path / "notes.pt"
    path.write_text("not a model")
    with pytest.raises(InputError, match="notes.pt: not a KGE checkpoint"):
        load_kge(path)
    with pytest.raises(InputError, match="no such KGE checkpoint"):
        load_kge(tmp_path / "missing.pt")


# --- proposals --------------------------------------------------------------------------------


def test_proposals_only_for_products_lacking_the_relation_and_of_its_label() -> None:
    lacking = (1, 8, 15, 40)
    snap = brand_colour_snapshot(without_colour=lacking)
    trained = train_kge(build_triples(snap, seed=2), "distmult", dim=16, epochs=60, batch_size=32, seed=2)
    rows = propose_missing(trained, snap, "HAS_COLOUR", top=2)
    assert [(r.product_id, r.rank) for r in rows] == [(f"p{p}", rank) for p in lacking for rank in (1, 2)]
    assert all(r.relation == "HAS_COLOUR" and r.term_label == "Colour" and r.term_id in COLOURS for r in rows)
    assert all(0 <= r.score <= 1 for r in rows)
    # The brand's colour comes first: p1 is brand b1, so "blue".
    assert [r.term_id for r in rows if r.rank == 1] == [COLOURS[p % 6] for p in lacking]
    assert all(first.score >= second.score for first, second in zip(rows[::2], rows[1::2], strict=True))
    # Products that have a colour, or that the model does not know, get nothing.
    assert propose_missing(trained, snap, "HAS_COLOUR", products=["p0", "p2", "unknown"]) == []
    assert [r.product_id for r in propose_missing(trained, snap, "HAS_COLOUR", products=["p8", "p0"])] == ["p8"]
    confident = propose_missing(trained, snap, "HAS_COLOUR", top=2, min_score=0.5)
    assert [(r.product_id, r.rank) for r in confident] == [(f"p{p}", 1) for p in lacking]
    with pytest.raises(ConfigError, match="relation 'MADE_OF' has no triples"):
        propose_missing(trained, snap, "MADE_OF")


def test_check_proposals_hides_facts_and_scores_the_first_proposal() -> None:
    snap = brand_colour_snapshot()
    check = check_proposals(
        snap, "HAS_COLOUR", "distmult", holdout=0.25, seed=4, relations=["HAS_BRAND", "HAS_COLOUR"], dim=16, epochs=60
    )
    assert check.products == 18  # round(0.25 * 72)
    assert check.precision_at_1 == 1.0
    # Colours are balanced, so the most common one is right for the hidden products of one brand only.
    assert check.prior_precision_at_1 < 0.5
    assert check.category_precision_at_1 == check.prior_precision_at_1  # no categories: the prior
    assert 0 < check.mean_score <= 1


def test_compare_picks_the_best_valid_mrr_and_renders() -> None:
    snap = brand_colour_snapshot()
    report = compare_kge(snap, ["distmult", "transe"], seed=0, dim=8, epochs=2)
    assert [r.model for r in report.results] == ["distmult", "transe"]
    assert report.best == max(report.results, key=lambda r: r.valid.overall.mrr).model
    assert report.best_model is report.trained[report.best]
    assert report.triples == {"train": 116, "valid": 14, "test": 14}
    text = report.render()
    assert text.splitlines()[0] == "| model | valid MRR | test MRR | test Hits@1 | test Hits@10 | fit s |"
    assert "| HAS_COLOUR | 7 |" in text and "| frequency |" in text and "| random |" in text
    assert set(report.as_dict()) == {"best", "triples", "results", "baselines"}
