"""Train and measure the recogniser (:mod:`vision.recognise`) on every usable catalog photo.

Data: every catalog row of ``../shared/datasets`` with a photo and a detector class
(:func:`vision.dataset.catalog_photos`), split by product exactly as the detector's data set is
(:func:`vision.dataset.split_products`, 15 % of each class's products held out, seed 0), so the
held-out products are ones neither the detector nor the recogniser ever saw. A photo whose
product is worn by a person (a face found: Myntra's model shots) is kept as kind ``worn``, with
the person's silhouette as its mask; the rest are kind ``catalog``.

Per photo: the classical foreground mask (:func:`vision.segment.foreground_mask`), the masked
crop's embedding and the masked pixels' colour features — what the photo pipeline computes for
each detected object.

Choices are made on the **training** products only, by 3-fold cross-validation grouped by product
(the regularisation ``C`` of each head, ``k`` of the kNN vote). The held-out products then give
the reported figures, with 95 % intervals from a bootstrap over held-out products (photos of one
product move together). The one choice that needs the detector's own outputs — how much weight
its class gets in the combination — is cross-fitted on the held-out set: each half of its
products is scored with the weight chosen on the other half (the detector saw the training
products, so its confidence there is not what it is on new ones).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from shopgraph.graphstore.core.defaults import VISION
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.vocab import Vocabulary, load_vocabulary
from shopgraph.vision.classes import CLASS_NAMES
from shopgraph.vision.colour import COLOUR_FEATURES, ColourMatcher, colour_features
from shopgraph.vision.dataset import CatalogPhoto, catalog_photos, split_products
from shopgraph.vision.detector import Detector
from shopgraph.vision.embed import Embedder, masked_crop
from shopgraph.vision.recognise import HEADS, LinearHead, Recogniser
from shopgraph.vision.segment import foreground_mask

Progress = Callable[[str, int, int], None]
UNSCORED_COLOURS = frozenset({"multi", "transparent"})  # not a colour a model can see in pixels
MIN_PHOTOS = 6  # a fine category or shade with fewer training photos gets no output of its own
C_GRID = (0.01, 0.03, 0.1, 0.3)
K_GRID = (5, 10, 20)
YOLO_WEIGHTS = (0.0, 0.5, 1.0, 2.0, 4.0)
BOOTSTRAP = 1000
DETECT_BATCH = 16  # held-out photos per detector call


@dataclass(frozen=True)
class PhotoTable:
    """The features of every usable photo, as parallel arrays (one row a photo)."""

    photos: tuple[CatalogPhoto, ...]
    kinds: NDArray[np.str_]  # "catalog" or "worn"
    split: NDArray[np.str_]  # "train" or "test"
    embeddings: NDArray[np.float32]  # (N, 1280)
    colour: NDArray[np.float32]  # (N, COLOUR_FEATURES)
    embedder: str  # the embedding model's id
    skipped: dict[str, int] = field(default_factory=dict)  # rejection reason -> photos

    def labels(self, head: str, vocab: Vocabulary) -> NDArray[np.str_]:
        """Per photo, the catalog's answer for ``head``: class, fine category (taxonomy leaf) or
        colour (Colour id; ``""`` where the catalog names none a model could see)."""
        if head == "class":
            return np.array([p.label for p in self.photos])
        if head == "fine":
            return np.array([p.category for p in self.photos])
        return np.array([p.colour if p.colour and p.colour not in UNSCORED_COLOURS else "" for p in self.photos])


def _digest(photos: Sequence[CatalogPhoto], embedder: str) -> str:
    """A key of ``photos`` (ids, paths, sizes), the embedder and the colour features' layout."""
    h = hashlib.sha256(f"{embedder}|{COLOUR_FEATURES}".encode())
    for p in photos:
        h.update(f"{p.item}|{p.path}|{p.path.stat().st_size if p.path.exists() else -1}\n".encode())
    return h.hexdigest()[:16]


CHUNK = 256  # photos cut out, described and embedded together, and cached as one file


def _chunk_features(
    photos: Sequence[CatalogPhoto], embedder: Embedder
) -> tuple[NDArray[np.bool_], list[str], NDArray[np.float32], NDArray[np.float32], dict[str, int]]:
    """Cut out, describe and embed ``photos``: (kept, kinds, embeddings, colour features, skipped)."""
    keep = np.zeros(len(photos), dtype=bool)
    kinds: list[str] = []
    crops: list[NDArray[np.uint8]] = []
    colours: list[NDArray[np.float32]] = []
    skipped: dict[str, int] = {}
    for i, photo in enumerate(photos):
        rgb = np.asarray(Image.open(photo.path).convert("RGB"))
        cut = foreground_mask(rgb, check_person=photo.source == "myntra")
        if cut.reason not in (None, "person"):
            skipped[cut.reason or ""] = skipped.get(cut.reason or "", 0) + 1
            continue
        keep[i] = True
        kinds.append("worn" if cut.reason == "person" else "catalog")
        ys, xs = np.nonzero(cut.mask)
        box = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
        crops.append(masked_crop(rgb, cut.mask, box))
        colours.append(colour_features(rgb, cut.mask))
    embeddings = embedder.embed(crops) if crops else np.zeros((0, 1280), np.float32)
    colour = np.stack(colours) if colours else np.zeros((0, COLOUR_FEATURES), np.float32)
    return keep, kinds, embeddings, colour, skipped


def photo_table(
    datasets_dir: Path, cache_dir: Path | None = None, progress: Progress | None = None, limit: int | None = None
) -> PhotoTable:
    """Features of every catalog photo under ``datasets_dir`` (module docstring).

    Photos are handled :data:`CHUNK` at a time, each chunk cached in ``cache_dir`` (keyed by its
    photos and the embedder), so an interrupted run continues where it stopped and a second run
    reads everything back. ``limit`` keeps the first ``limit`` photos of each source (for tests).

    Raises:
        InputError: no catalog under ``datasets_dir``, or no usable photo.
    """
    photos, _ = catalog_photos(datasets_dir)
    if limit is not None:
        photos = [p for s in ("myntra", "hm") for p in [q for q in photos if q.source == s][:limit]]
    photos = [p for p in photos if p.path.is_file()]
    split_of = split_products(photos, VISION.holdout, VISION.seed)
    embedder = Embedder.load()
    keep_parts, kinds, embeddings, colours = [], [], [], []
    skipped: dict[str, int] = {}
    for start in range(0, len(photos), CHUNK):
        chunk = photos[start : start + CHUNK]
        cache = cache_dir / f"recogniser-{_digest(chunk, embedder.name)}.npz" if cache_dir else None
        if cache is not None and cache.is_file():
            with np.load(cache, allow_pickle=False) as data:
                part = (
                    data["keep"],
                    [str(k) for k in data["kinds"]],
                    data["embeddings"],
                    data["colour"],
                    {str(k): int(v) for k, v in zip(data["skip_keys"], data["skip_counts"], strict=True)},
                )
        else:
            part = _chunk_features(chunk, embedder)
            if cache is not None:
                cache.parent.mkdir(parents=True, exist_ok=True)
                np.savez_compressed(
                    cache,
                    keep=part[0],
                    kinds=np.array(part[1], dtype=str),
                    embeddings=part[2],
                    colour=part[3],
                    skip_keys=np.array(list(part[4]), dtype=str),
                    skip_counts=np.array(list(part[4].values()), dtype=np.int64),
                )
        keep_parts.append(part[0])
        kinds += part[1]
        embeddings.append(part[2])
        colours.append(part[3])
        for reason, n in part[4].items():
            skipped[reason] = skipped.get(reason, 0) + n
        if progress:
            progress("photos described", min(start + CHUNK, len(photos)), len(photos))
    keep = np.concatenate(keep_parts) if keep_parts else np.zeros(0, bool)
    if not keep.any():
        raise InputError(f"no usable catalog photo under {datasets_dir}")
    kept = tuple(p for p, k in zip(photos, keep, strict=True) if k)
    return PhotoTable(
        kept,
        np.array(kinds),
        np.array([split_of[p.product] for p in kept]),
        np.concatenate(embeddings),
        np.concatenate(colours),
        embedder.name,
        skipped,
    )


def head_inputs(table: PhotoTable, head: str) -> NDArray[np.float32]:
    """What ``head`` reads: the embedding, or for ``colour`` the colour features and the embedding."""
    if head == "colour":
        return np.concatenate([table.colour, table.embeddings], axis=1)
    return table.embeddings


def fit_head(x: NDArray[np.floating], y: NDArray[np.str_], c: float, seed: int = VISION.seed) -> LinearHead:
    """A multinomial logistic regression (L2, strength ``1/c``) on standardised ``x``, as a :class:`LinearHead`."""
    from sklearn.linear_model import LogisticRegression

    mean = x.mean(axis=0)
    scale = x.std(axis=0) + 1e-6
    model = LogisticRegression(C=c, max_iter=300, random_state=seed)
    model.fit((x - mean) / scale, y)
    labels = tuple(str(label) for label in model.classes_)
    weights, bias = model.coef_, model.intercept_
    if len(labels) == 2:  # sklearn keeps one row for two classes: p(1) = σ(w·x + b)
        weights, bias = np.vstack([-weights[0] / 2, weights[0] / 2]), np.array([-bias[0] / 2, bias[0] / 2])
    return LinearHead(
        labels, mean.astype(np.float32), scale.astype(np.float32), weights.astype(np.float32), bias.astype(np.float32)
    )


def knn_vote(
    train_x: NDArray[np.float32], train_y: NDArray[np.str_], x: NDArray[np.float32], k: int
) -> NDArray[np.str_]:
    """The label of most cosine-weighted votes among each row's ``k`` nearest training rows (unit rows)."""
    sims = x @ train_x.T
    top = np.argpartition(-sims, min(k, sims.shape[1] - 1), axis=1)[:, :k]
    labels, codes = np.unique(train_y, return_inverse=True)
    votes = np.zeros((x.shape[0], labels.shape[0]))
    rows = np.repeat(np.arange(x.shape[0]), top.shape[1])
    np.add.at(votes, (rows, codes[top.ravel()]), np.maximum(sims[rows, top.ravel()], 0))
    return labels[np.argmax(votes, axis=1)]


def _folds(products: Sequence[str], n: int, seed: int) -> NDArray[np.int64]:
    """Fold 0..n-1 per row, the same for every row of one product."""
    unique = sorted(set(products))
    order = np.random.default_rng(seed).permutation(len(unique))
    fold_of = {unique[j]: i % n for i, j in enumerate(order)}
    return np.array([fold_of[p] for p in products])


def _trainable(y: NDArray[np.str_], rows: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Rows of ``rows`` whose label is known and has at least MIN_PHOTOS training rows."""
    labels, counts = np.unique(y[rows & (y != "")], return_counts=True)
    known = set(labels[counts >= MIN_PHOTOS].tolist())
    return rows & np.isin(y, list(known))


def choose_c(
    x: NDArray[np.floating], y: NDArray[np.str_], products: Sequence[str], folds: int = 3
) -> dict[float, float]:
    """Cross-validated accuracy (grouped by product) of each ``C`` of :data:`C_GRID` on these rows."""
    fold = _folds(products, folds, VISION.seed)
    scores: dict[float, float] = {}
    for c in C_GRID:
        hits = 0
        for f in range(folds):
            train = _trainable(y, fold != f)
            head = fit_head(x[train], y[train], c)
            test = fold == f
            predicted = np.array(head.labels)[np.argmax(head.probabilities(x[test]), axis=1)]
            hits += int(np.sum(predicted == y[test]))
        scores[c] = hits / len(y)
    return scores


def choose_k(x: NDArray[np.float32], y: NDArray[np.str_], products: Sequence[str], folds: int = 3) -> dict[int, float]:
    """Cross-validated accuracy (grouped by product) of each ``k`` of :data:`K_GRID`."""
    fold = _folds(products, folds, VISION.seed)
    scores: dict[int, float] = {}
    for k in K_GRID:
        hits = sum(
            int(np.sum(knn_vote(x[fold != f], y[fold != f], x[fold == f], k) == y[fold == f])) for f in range(folds)
        )
        scores[k] = hits / len(y)
    return scores


def bootstrap(hits: NDArray[np.bool_], products: Sequence[str], seed: int = VISION.seed) -> tuple[float, float, float]:
    """Accuracy of ``hits`` and its 95 % interval, resampling products (with their photos) :data:`BOOTSTRAP` times."""
    if hits.shape[0] == 0:
        return (float("nan"), float("nan"), float("nan"))
    unique, index = np.unique(np.asarray(products), return_inverse=True)
    per_hits = np.bincount(index, weights=hits.astype(np.float64), minlength=unique.shape[0])
    per_n = np.bincount(index, minlength=unique.shape[0]).astype(np.float64)
    rng = np.random.default_rng(seed)
    draws = rng.integers(0, unique.shape[0], size=(BOOTSTRAP, unique.shape[0]))
    rates = per_hits[draws].sum(axis=1) / per_n[draws].sum(axis=1)
    low, high = np.percentile(rates, [2.5, 97.5])
    return (round(float(hits.mean()), 4), round(float(low), 4), round(float(high), 4))


def detector_classes(
    table: PhotoTable, rows: NDArray[np.int64], weights: Path | None = None
) -> tuple[NDArray[np.str_], NDArray[np.float64]]:
    """The shipped detector's most confident class and its confidence on each photo of ``rows``
    (``""`` and 0 when it finds nothing)."""
    detector = Detector.load(weights)
    names, confs = [], []
    for start in range(0, rows.shape[0], DETECT_BATCH):
        batch = [
            np.asarray(Image.open(table.photos[int(i)].path).convert("RGB")) for i in rows[start : start + DETECT_BATCH]
        ]
        for found in detector.detect(batch):
            best = max(found, key=lambda d: d.confidence) if found else None
            names.append(best.class_name if best else "")
            confs.append(best.confidence if best else 0.0)
    return np.array(names), np.array(confs)


def _combine(
    probe: NDArray[np.float64], labels: Sequence[str], yolo: NDArray[np.str_], conf: NDArray[np.float64], w: float
) -> NDArray[np.str_]:
    """``argmax(log p + w · conf · [k = detector's class])`` per row (:meth:`Recogniser.probabilities`)."""
    index = {name: i for i, name in enumerate(labels)}
    score = np.log(probe + 1e-12)
    for r, (name, c) in enumerate(zip(yolo, conf, strict=True)):
        if name in index:
            score[r, index[name]] += w * c
    return np.array(labels)[np.argmax(score, axis=1)]


@dataclass
class RecogniserReport:
    """The comparison table, the chosen settings and the per-class figures of one training run."""

    photos: dict[str, dict[str, int]]  # split -> kind -> photos
    skipped: dict[str, int]
    choices: dict[str, Any]
    table: dict[str, dict[str, dict[str, tuple[float, float, float]]]]  # task -> method -> kind -> (acc, lo, hi)
    per_class: dict[str, dict[str, float]]
    confusions: list[tuple[str, str, int]]
    model: Path | None
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {
            "photos": self.photos,
            "skipped": self.skipped,
            "choices": self.choices,
            "table": {
                t: {m: {k: list(v) for k, v in kinds.items()} for m, kinds in methods.items()}
                for t, methods in self.table.items()
            },
            "perClass": self.per_class,
            "confusions": [list(c) for c in self.confusions],
            "model": str(self.model) if self.model else None,
            "seconds": self.seconds,
        }


def train_recogniser(
    datasets_dir: Path,
    out: Path | None,
    cache_dir: Path | None = None,
    with_detector: bool = True,
    limit: int | None = None,
    progress: Progress | None = None,
) -> RecogniserReport:
    """Choose, fit, measure and (with ``out``) save the recogniser (module docstring).

    Args:
        datasets_dir: the folder with ``myntra/`` and ``hm/``.
        out: where to write the ``.npz`` (None: measure only).
        cache_dir: where photo features are cached between runs.
        with_detector: also run the shipped detector on the held-out photos, for its row of the
            table and the combination (a minute on 2 cores).
        limit: the first ``limit`` photos of each source only (tests).
        progress: called with ``(stage, done, total)``.

    Raises:
        InputError: no usable photos, or too few to hold any out.
    """
    started = time.monotonic()
    vocab = load_vocabulary()
    table = photo_table(datasets_dir, cache_dir, progress, limit)
    train, test = table.split == "train", table.split == "test"
    if not test.any() or not train.any():
        raise InputError(f"too few products under {datasets_dir} to hold any out")
    products = [p.product for p in table.photos]
    train_products = [products[i] for i in np.flatnonzero(train)]

    def family(colours: NDArray[np.str_]) -> NDArray[np.str_]:
        return np.array([vocab.term("Colour", c).family or c if c else "" for c in colours])

    choices: dict[str, Any] = {}
    heads: dict[str, LinearHead] = {}
    probs: dict[str, NDArray[np.float64]] = {}
    for n, head in enumerate(HEADS):
        if progress:
            progress("heads fitted", n, len(HEADS))
        x, y = head_inputs(table, head), table.labels(head, vocab)
        rows = _trainable(y, train)
        tuned = choose_c(x[rows], y[rows], [products[i] for i in np.flatnonzero(rows)])
        c = max(tuned, key=lambda v: (tuned[v], -v))
        choices[f"{head}.C"] = {"chosen": c, "cv_accuracy": {str(k): round(v, 4) for k, v in tuned.items()}}
        heads[head] = fit_head(x[rows], y[rows], c)
        probs[head] = heads[head].probabilities(x[test])
    ks = choose_k(table.embeddings[train], table.labels("class", vocab)[train], train_products)
    k = max(ks, key=lambda v: (ks[v], -v))
    choices["knn.k"] = {"chosen": k, "cv_accuracy": {str(a): round(b, 4) for a, b in ks.items()}}

    test_rows = np.flatnonzero(test)
    test_products = [products[i] for i in test_rows]
    kinds = table.kinds[test]
    truth = {h: table.labels(h, vocab)[test] for h in HEADS}
    predicted: dict[str, dict[str, NDArray[np.str_]]] = {"class": {}, "fine": {}, "colour": {}, "colour family": {}}
    predicted["class"]["probe"] = np.array(heads["class"].labels)[np.argmax(probs["class"], axis=1)]
    predicted["class"]["knn"] = knn_vote(
        table.embeddings[train], table.labels("class", vocab)[train], table.embeddings[test], k
    )
    predicted["fine"]["probe"] = np.array(heads["fine"].labels)[np.argmax(probs["fine"], axis=1)]
    predicted["fine"]["knn"] = knn_vote(
        table.embeddings[train], table.labels("fine", vocab)[train], table.embeddings[test], k
    )
    recogniser = Recogniser(heads, {c: vocab.term("Colour", c).family or c for c in heads["colour"].labels}, {})
    families, family_p = recogniser.family_probabilities(probs["colour"])
    predicted["colour"]["probe"] = np.array(heads["colour"].labels)[np.argmax(probs["colour"], axis=1)]
    predicted["colour family"]["probe"] = np.array(families)[np.argmax(family_p, axis=1)]
    matcher = ColourMatcher.from_vocabulary(vocab)
    nearest = []
    for i in test_rows:
        rgb = np.asarray(Image.open(table.photos[int(i)].path).convert("RGB"))
        match = matcher.dominant(rgb, foreground_mask(rgb).mask)
        nearest.append(match.colour if match else "")
    predicted["colour"]["ciede2000"] = np.array(nearest)
    predicted["colour family"]["ciede2000"] = family(np.array(nearest))
    if with_detector:
        if progress:
            progress("detector on held-out photos", 0, 1)
        yolo, conf = detector_classes(table, test_rows)
        predicted["class"]["detector"] = yolo
        halves = _folds(test_products, 2, VISION.seed + 1)
        combined = np.empty(len(test_rows), dtype=object)
        chosen_w = []
        for half in (0, 1):
            other = halves != half
            accuracy = {
                w: float(
                    np.mean(
                        _combine(probs["class"][other], heads["class"].labels, yolo[other], conf[other], w)
                        == truth["class"][other]
                    )
                )
                for w in YOLO_WEIGHTS
            }
            w = max(accuracy, key=lambda v: (accuracy[v], -v))
            chosen_w.append(w)
            mine = halves == half
            combined[mine] = _combine(probs["class"][mine], heads["class"].labels, yolo[mine], conf[mine], w)
        predicted["class"]["probe + detector"] = combined.astype(str)
        choices["detector weight (cross-fitted halves)"] = chosen_w
        # The detector's class ships as evidence only where the cross-fitted combination beats
        # the probe alone; then with the weight the whole held-out set picks (the figure is the
        # cross-fitted one, an honest estimate of choosing it that way).
        overall = {
            w: float(np.mean(_combine(probs["class"], heads["class"].labels, yolo, conf, w) == truth["class"]))
            for w in YOLO_WEIGHTS
        }
        wins = np.mean(combined.astype(str) == truth["class"]) > np.mean(predicted["class"]["probe"] == truth["class"])
        choices["detectorWeight"] = max(overall, key=lambda v: (overall[v], -v)) if wins else 0.0

    result: dict[str, dict[str, dict[str, tuple[float, float, float]]]] = {}
    for task, methods in predicted.items():
        gold = truth["colour"] if task.startswith("colour") else truth[task]
        if task == "colour family":
            gold = family(gold)
        scored = gold != ""
        result[task] = {}
        for method, guess in methods.items():
            result[task][method] = {}
            for kind in ("all", "catalog", "worn"):
                rows = scored & ((kinds == kind) if kind != "all" else True)
                if rows.any():
                    result[task][method][kind] = bootstrap(
                        guess[rows] == gold[rows], [p for p, r in zip(test_products, rows, strict=True) if r]
                    )
    best_class = predicted["class"].get("probe + detector", predicted["class"]["probe"])
    per_class = {
        name: {
            "photos": int(np.sum(truth["class"] == name)),
            "accuracy": round(float(np.mean(best_class[truth["class"] == name] == name)), 4),
        }
        for name in CLASS_NAMES
        if np.any(truth["class"] == name)
    }
    pairs: dict[tuple[str, str], int] = {}
    for t, g in zip(truth["class"], best_class, strict=True):
        if t != g:
            pairs[(t, g)] = pairs.get((t, g), 0) + 1
    confusions = [(t, g, n) for (t, g), n in sorted(pairs.items(), key=lambda item: -item[1])[:10]]
    photos = {
        s: {kind: int(np.sum((table.split == s) & (table.kinds == kind))) for kind in ("catalog", "worn")}
        for s in ("train", "test")
    }
    report = RecogniserReport(photos, table.skipped, choices, result, per_class, confusions, None)
    if out is not None:
        version = hashlib.sha256(b"".join(h.weights.tobytes() for h in heads.values())).hexdigest()[:12]
        meta = {
            "version": f"recogniser@{version}",
            "data": str(datasets_dir),
            "embedder": table.embedder,
            "choices": choices,
            "heldOut": report.to_dict()["table"],
            "detectorWeight": choices.get("detectorWeight", 0.0),
        }
        report.model = Recogniser(heads, recogniser.families, meta).save(out)
    report.seconds = round(time.monotonic() - started, 1)
    return report
