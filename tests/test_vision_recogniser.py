"""The recogniser: its softmax heads, colour families, the detector's evidence, saving and loading,
the pieces its training measures with, and colour features — all checked against values by hand."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from shopgraph.vision.colour import COLOUR_FEATURES, ColourMatcher, colour_features
from shopgraph.vision.recognise import LinearHead, Recogniser
from shopgraph.vision.recogniser_training import _combine, _folds, bootstrap, fit_head, knn_vote


def head(labels: tuple[str, ...], weights: list[list[float]], bias: list[float] | None = None) -> LinearHead:
    n = len(weights[0])
    return LinearHead(
        labels,
        np.zeros(n, np.float32),
        np.ones(n, np.float32),
        np.array(weights, np.float32),
        np.array(bias or [0.0] * len(labels), np.float32),
    )


def test_a_head_is_a_softmax_over_standardised_inputs() -> None:
    h = LinearHead(
        ("a", "b"),
        np.array([1.0], np.float32),
        np.array([2.0], np.float32),
        np.array([[1.0], [-1.0]], np.float32),
        np.zeros(2, np.float32),
    )
    p = h.probabilities(np.array([[3.0]]))  # (3 − 1) / 2 = 1: logits 1 and −1
    assert p[0] == pytest.approx([np.exp(1) / (np.exp(1) + np.exp(-1)), np.exp(-1) / (np.exp(1) + np.exp(-1))])


def _recogniser(meta: dict | None = None) -> Recogniser:
    # Inputs: the embedding is 2 floats, the colour features 1 (colour head reads [colour, embedding]).
    heads = {
        "class": head(("dress", "top"), [[2.0, 0.0], [0.0, 2.0]]),
        "fine": head(("shirt dress", "t-shirt"), [[1.0, 0.0], [0.0, 1.0]]),
        "colour": head(("navy", "light-blue", "red"), [[1.0, 0.0, 0.0], [0.9, 0.0, 0.0], [-1.0, 0.0, 0.0]]),
    }
    return Recogniser(heads, {"navy": "blue", "light-blue": "blue", "red": "red"}, meta or {"version": "recogniser@x"})


def test_the_family_sums_its_shades_so_two_blues_beat_one_red() -> None:
    r = _recogniser()
    said = r.recognise(np.array([[1.0, 0.0]]), np.array([[0.1]]))[0]
    logits = np.array([0.1, 0.09, -0.1])
    p = np.exp(logits) / np.exp(logits).sum()
    assert (said.class_name, said.fine, said.colour) == ("dress", "shirt dress", "navy")
    assert said.colour_confidence == pytest.approx(p[0], abs=1e-4)
    assert said.colour_family == "blue" and said.colour_family_confidence == pytest.approx(p[0] + p[1], abs=1e-4)


def test_the_detectors_class_counts_with_the_weight_chosen_in_training() -> None:
    embedding, colour = np.array([[0.55, 0.45]]), np.array([[0.0]])  # the head leans "dress": logits 1.1, 0.9
    assert _recogniser().recognise(embedding, colour, [("top", 0.9)])[0].class_name == "dress", "weight 0: ignored"
    weighted = _recogniser({"version": "v", "detectorWeight": 1.0})
    said = weighted.recognise(embedding, colour, [("top", 0.9)])[0]
    # p'(top) ∝ e^0.9 · e^(1 · 0.9) against p'(dress) ∝ e^1.1
    assert said.class_name == "top"
    assert said.class_confidence == pytest.approx(np.exp(1.8) / (np.exp(1.8) + np.exp(1.1)), abs=1e-4)
    labels = ("dress", "top")
    again = _combine(
        np.array([[np.exp(1.1), np.exp(0.9)]]) / (np.exp(1.1) + np.exp(0.9)),
        labels,
        np.array(["top"]),
        np.array([0.9]),
        1.0,
    )
    assert again.tolist() == ["top"], "training's combination is the same formula"


def test_saved_and_loaded_it_says_the_same(tmp_path: Path) -> None:
    r = _recogniser({"version": "recogniser@abc", "detectorWeight": 0.5})
    path = r.save(tmp_path / "r.npz")
    back = Recogniser.load(path)
    x, c = np.array([[0.3, 0.7], [0.9, 0.1]]), np.array([[0.2], [-0.4]])
    assert back.recognise(x, c) == r.recognise(x, c)
    assert back.version == "recogniser@abc" and back.detector_weight == 0.5 and back.families == r.families


def test_fit_head_learns_separable_classes_and_knn_votes_by_similarity() -> None:
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 0.3, (40, 3)) + [2, 0, 0], rng.normal(0, 0.3, (40, 3)) + [0, 2, 0]])
    y = np.array(["a"] * 40 + ["b"] * 40)
    h = fit_head(x, y, 1.0)
    assert h.labels == ("a", "b") and h.weights.shape == (2, 3)
    predicted = np.array(h.labels)[np.argmax(h.probabilities(np.array([[2.0, 0, 0], [0, 2.0, 0]])), axis=1)]
    assert predicted.tolist() == ["a", "b"]
    train = np.array([[1.0, 0.0], [0.8, 0.6], [0.0, 1.0]], np.float32)
    votes = knn_vote(train, np.array(["a", "b", "b"]), np.array([[1.0, 0.0], [0.0, 1.0]], np.float32), 2)
    # Row 1: neighbours a (cos 1.0) and b (0.8): a wins on weight; row 2: b (1.0) and b (0.6).
    assert votes.tolist() == ["a", "b"]


def test_folds_keep_a_products_photos_together_and_bootstrap_brackets_the_rate() -> None:
    products = ["p1", "p1", "p2", "p3", "p3", "p4"]
    fold = _folds(products, 2, 0)
    assert fold[0] == fold[1] and fold[3] == fold[4] and set(fold.tolist()) == {0, 1}
    hits = np.array([True, True, False, True, False, True])
    acc, low, high = bootstrap(hits, products)
    assert acc == pytest.approx(4 / 6, abs=1e-4) and low <= acc <= high and 0 <= low and high <= 1
    assert bootstrap(np.ones(3, bool), ["a", "b", "c"]) == (1.0, 1.0, 1.0)


def test_colour_features_describe_the_masked_pixels_and_the_background() -> None:
    rgb = np.full((20, 20, 3), 255, np.uint8)
    rgb[5:15, 5:15] = (200, 0, 0)  # a red square on white
    mask = np.zeros((20, 20), bool)
    mask[5:15, 5:15] = True
    f = colour_features(rgb, mask)
    assert f.shape == (COLOUR_FEATURES,) and f.dtype == np.float32
    hist = f[: COLOUR_FEATURES - 13]
    assert np.count_nonzero(hist) == 1 and hist.max() == pytest.approx(1.0), "one colour: one bin holds every pixel"
    mean_l, mean_a = f[COLOUR_FEATURES - 13] * 100, f[COLOUR_FEATURES - 12] * 100
    assert 40 < mean_l < 45 and mean_a > 60, "L*a*b* of (200, 0, 0) is about (42, 67, 56)"
    assert f[-3] * 100 == pytest.approx(100.0, abs=0.5) and abs(f[-2] * 100) < 0.5, "the white background"
    assert not colour_features(rgb, np.zeros((20, 20), bool)).any()


def test_a_named_colour_keeps_the_measured_lab_with_its_distance_to_the_new_name() -> None:
    matcher = ColourMatcher({"red": (53.2, 80.1, 67.2), "navy": (12.97, 47.5, -64.7)})
    measured = matcher.dominant(np.full((4, 4, 3), (255, 0, 0), np.uint8), np.ones((4, 4), bool))
    assert measured is not None and measured.colour == "red"
    renamed = matcher.named("navy", measured)
    assert renamed.colour == "navy" and renamed.lab == measured.lab and renamed.delta_e > 30
    assert matcher.named("beige", measured) is measured, "a name without a reference keeps the match"


def test_training_on_real_photos_holds_out_whole_products_and_saves_what_it_measured(
    datasets: Path, tmp_path: Path
) -> None:
    """The first 150 photos of each catalog: a small run of the same procedure as the shipped one."""
    from shopgraph.vision.recogniser_training import photo_table, train_recogniser

    report = train_recogniser(datasets, tmp_path / "r.npz", tmp_path / "cache", with_detector=False, limit=150)
    table = photo_table(datasets, tmp_path / "cache", limit=150)  # read back from the cache
    assert table.embeddings.shape == (len(table.photos), 1280) and table.colour.shape[0] == len(table.photos)
    assert sum(report.photos["train"].values()) + sum(report.photos["test"].values()) == len(table.photos)
    assert sum(report.skipped.values()) + len(table.photos) == 300
    train = {p.product for p, s in zip(table.photos, table.split, strict=True) if s == "train"}
    test = {p.product for p, s in zip(table.photos, table.split, strict=True) if s == "test"}
    assert train and test and not train & test, "no product has photos on both sides"
    assert set(report.table) == {"class", "fine", "colour", "colour family"}
    assert set(report.table["class"]) == {"probe", "knn"} and set(report.table["colour"]) == {"probe", "ciede2000"}
    for methods in report.table.values():
        for kinds in methods.values():
            acc, low, high = kinds["all"]
            assert 0 <= low <= acc <= high <= 1
    # 150 photos a catalog are enough to beat chance (1/12) by far on the class.
    assert report.table["class"]["probe"]["all"][0] > 0.5
    loaded = Recogniser.load(report.model)
    assert loaded.detector_weight == 0.0 and loaded.meta["heldOut"] == report.to_dict()["table"]
    said = loaded.recognise(table.embeddings[:3], table.colour[:3])
    assert [s.class_name in loaded.heads["class"].labels for s in said] == [True, True, True]
