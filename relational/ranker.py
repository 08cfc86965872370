"""The learned ranker: candidates from the graph, ranked by LightGBM LambdaRank.

``fit(view)`` learns only from ``view`` (the graph before the evaluated cut-off). Inside it, it
places ``train_cutoffs`` earlier cut-offs ``t_j = ref − horizon − (j − 1)·train_step`` (``ref`` = the
view's cut-off, j = 1 … train_cutoffs),
generates each one's candidates and features from ``view.until(t_j)``, and labels a pair 1 when
the customer bought the product in ``[t_j, t_j + horizon)``: every label lies before ``ref``, so
the evaluated window is never seen. Groups are (customer, ``t_j``); groups without a bought
candidate teach a ranker nothing and are dropped.

``recommend`` generates the candidates at ``ref`` for the customers asked, scores them and keeps
each one's top k, filled from the decayed popularity list when a customer has fewer candidates.

The model is ``lightgbm.LGBMRanker(objective="lambdarank")`` with a fixed seed and one thread,
so the same view gives the same lists.
"""

from __future__ import annotations

import hashlib
from collections import OrderedDict
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.errors import ConfigError, ShopgraphError
from shopgraph.relational.candidates import SOURCES, SourceSettings, generate, popularity
from shopgraph.relational.data import Snapshot
from shopgraph.relational.ranker_features import PairFeatures, labels, pair_features
from shopgraph.relational.split import make_task

# The learned-vector inputs a ranker may use (the ablation switches them one by one).
EMBEDDINGS = ("text", "photo", "gnn", "kge")
ABLATION_BASE = "ranker - no vectors"  # the ablation's reference: the ranker without any of them

VectorSource = Callable[[Snapshot], tuple[NDArray[np.float32], NDArray[np.float32]]]
"""Fits a model on a view and returns its (customer, product) unit vectors by position."""


class FeatureCache:
    """Pair features shared by the rankers of one evaluation, least recently used out first.

    An evaluation fits several rankers (the variants of the ablation) at each of its cut-offs, and
    each ranker computes candidates and features at its 16 training cut-offs, most of which the
    next evaluated cut-off's rankers need again (a week apart, against 28 days between evaluated
    cut-offs). All views come from one snapshot, so a view is named by its reference day and
    purchase count; the same view, customers, sources and vectors give the same features.
    ``max_bytes`` bounds the memory held.
    """

    def __init__(self, max_bytes: int = 1 << 30) -> None:
        self.max_bytes = max_bytes
        self.hits = 0
        self.misses = 0
        self._entries: OrderedDict[Hashable, PairFeatures] = OrderedDict()
        self._bytes = 0

    def get(self, key: Hashable, compute: Callable[[], PairFeatures]) -> PairFeatures:
        """The features under ``key``, computed by ``compute()`` the first time."""
        if key in self._entries:
            self._entries.move_to_end(key)
            self.hits += 1
            return self._entries[key]
        self.misses += 1
        features = compute()
        size = features.values.nbytes + features.rows.nbytes + features.products.nbytes
        self._entries[key] = features
        self._bytes += size
        while self._bytes > self.max_bytes and len(self._entries) > 1:
            _, old = self._entries.popitem(last=False)
            self._bytes -= old.values.nbytes + old.rows.nbytes + old.products.nbytes
        return features


@dataclass(frozen=True)
class RankerSettings:
    """The ranker's knobs: what it may use, how far back it learns, and LightGBM's size."""

    embeddings: tuple[str, ...] = ("text", "photo")
    preferences: bool = True  # the pref_* features (preference shares from the catalog's facts)
    # Put the customer's own past products first, in ``own_order`` ("model": by score; "recency":
    # the rule's, last bought first, then most bought), at most ``own_first_max`` of them (0: all);
    # the rest by score. Chosen on the tuning cut-offs (docs/relational-model.md): the one latest own
    # product ahead (1.12x the strongest rule there) beats all own products ahead (1.04x), which
    # gives the explorers' slots away, and the model's order alone (0.95x), which misplaces the
    # repeat buyers' products.
    own_first: bool = True
    own_order: str = "recency"
    own_first_max: int = 1
    train_cutoffs: int = 16  # earlier cut-offs whose windows are the training labels
    train_step: int = 7  # days between them (their windows overlap: more groups from little data)
    horizon: int = 28
    objective: str = "lambdarank"  # or "binary": pointwise log-loss, the scores ranked per customer
    # Chosen on the tuning cut-offs (8 cut-offs 224 days before the evaluated ones, H&M data):
    # small trees beat LightGBM's defaults (300 trees, 31 leaves: 0.71x of the strongest rule
    # there) on a few thousand labelled groups. docs/relational-model.md has the table.
    trees: int = 100
    learning_rate: float = 0.05
    leaves: int = 7
    min_child_samples: int = 5
    seed: int = 0
    sources: SourceSettings = field(default_factory=SourceSettings)


class LearnedRanker:
    """A :class:`~relational.data.Recommender`: candidate sources, then a LambdaRank model."""

    def __init__(
        self,
        settings: RankerSettings | None = None,
        vector_sources: dict[str, VectorSource] | None = None,
        name: str | None = None,
        cache: FeatureCache | None = None,
    ) -> None:
        self.settings = settings or RankerSettings()
        self.cache = cache
        unknown = [e for e in self.settings.embeddings if e not in EMBEDDINGS]
        if unknown:
            raise ConfigError(f"unknown ranker embedding {unknown[0]!r}; known: {', '.join(EMBEDDINGS)}")
        if self.settings.own_order not in ("model", "recency"):
            raise ConfigError(f"unknown ranker own_order {self.settings.own_order!r}; known: model, recency")
        missing = [e for e in self.settings.embeddings if e in ("gnn", "kge") and e not in (vector_sources or {})]
        if missing:
            raise ConfigError(f"the ranker uses {missing[0]} vectors but was given no way to compute them")
        self.vector_sources = {k: v for k, v in (vector_sources or {}).items() if k in self.settings.embeddings}
        self.name = name or "ranker"
        self.history: list[dict[str, float]] = []
        self.feature_names: tuple[str, ...] = ()
        self.importance: dict[str, float] = {}
        self.training_groups = 0
        self._model: object | None = None
        self._view: Snapshot | None = None

    def _sources(self) -> tuple[str, ...]:
        off = {"text", "photo"} - set(self.settings.embeddings)
        return tuple(s for s in SOURCES if s not in off)

    def _features(
        self, view: Snapshot, customers: NDArray[np.int64], vectors: dict[str, tuple[NDArray, NDArray]]
    ) -> PairFeatures:
        def compute() -> PairFeatures:
            candidates = generate(view, customers, self.settings.sources, self._sources())
            extra = {f"{k}_cos": v for k, v in vectors.items()}
            return pair_features(view, candidates, self.settings.sources, extra)

        if self.cache is None:
            features = compute()
        else:
            key = (
                view.reference_day(),
                len(view.purchases),
                hashlib.sha256(customers.tobytes()).hexdigest(),
                self._sources(),
                self.settings.sources,
                tuple(sorted(vectors)),
            )
            features = self.cache.get(key, compute)
        drop = [
            f"{e}_{kind}" for e in ("text", "photo") if e not in self.settings.embeddings for kind in ("cos", "rank")
        ]
        keep = [
            i
            for i, n in enumerate(features.names)
            if n not in drop and (self.settings.preferences or not n.startswith("pref_"))
        ]
        return PairFeatures(
            features.rows, features.products, tuple(features.names[i] for i in keep), features.values[:, keep]
        )

    def _vectors(self, view: Snapshot) -> dict[str, tuple[NDArray, NDArray]]:
        return {name: fit(view) for name, fit in self.vector_sources.items()}

    def fit(self, data: Snapshot) -> None:
        """Learn from the ``train_cutoffs`` windows before ``data``'s cut-off (module docstring).

        When no earlier window has a customer who bought one of their candidates, there is nothing
        to learn: the ranker then orders candidates by own purchase count, then 28-day popularity
        (``training_groups`` is 0 and ``importance`` empty, so a report can say so).
        """
        import lightgbm as lgb

        ref = data.reference_day()
        blocks: list[tuple[PairFeatures, NDArray[np.int32], NDArray[np.int64]]] = []
        for j in range(self.settings.train_cutoffs, 0, -1):
            cutoff = ref - self.settings.horizon - (j - 1) * self.settings.train_step
            earlier = data.until(cutoff)
            window = data.until(cutoff + self.settings.horizon)
            task = make_task(window, cutoff, self.settings.horizon)
            if not len(task):
                continue
            features = self._features(earlier, task.customers, self._vectors(earlier))
            y = labels(features, task.truth)
            group_key = features.rows + j * (data.num_customers + 1)
            blocks.append((features, y, group_key))
        X_parts, y_parts, g_parts = [], [], []
        for features, y, key in blocks:
            positive_groups = np.unique(key[y > 0])
            keep = np.isin(key, positive_groups)
            X_parts.append(features.values[keep])
            y_parts.append(y[keep])
            g_parts.append(key[keep])
        self._view = data
        if not X_parts or not sum(part.shape[0] for part in X_parts):
            # Too little history to learn from (a new shop, a small sample): rank by the rule the
            # model would otherwise have to beat, so a user's own data still gets lists.
            self._model = None
            self.feature_names = blocks[-1][0].names if blocks else ()
            self.importance, self.training_groups = {}, 0
            self.history = [{"epoch": 0, "loss": 0.0, "groups": 0.0, "rows": 0.0}]
            return
        X, y, key = np.concatenate(X_parts), np.concatenate(y_parts), np.concatenate(g_parts)
        order = np.argsort(key, kind="stable")
        X, y, key = X[order], y[order], key[order]
        _, sizes = np.unique(key, return_counts=True)
        self.feature_names = blocks[-1][0].names
        common: dict[str, Any] = dict(
            n_estimators=self.settings.trees,
            learning_rate=self.settings.learning_rate,
            num_leaves=self.settings.leaves,
            min_child_samples=self.settings.min_child_samples,
            random_state=self.settings.seed,
            n_jobs=1,
            deterministic=True,
            force_row_wise=True,
            verbose=-1,
        )
        if self.settings.objective == "lambdarank":
            model = lgb.LGBMRanker(objective="lambdarank", **common)
            model.fit(X, y, group=sizes)
        elif self.settings.objective == "binary":
            model = lgb.LGBMClassifier(objective="binary", **common)
            model.fit(X, y)
        else:
            raise ConfigError(f"unknown ranker objective {self.settings.objective!r}; known: lambdarank, binary")
        self._model = model
        self.training_groups = int(sizes.shape[0])
        gains = model.booster_.feature_importance(importance_type="gain")
        total = float(gains.sum()) or 1.0
        self.importance = {n: float(g) / total for n, g in zip(self.feature_names, gains, strict=True)}
        self.history = [{"epoch": 1, "loss": 0.0, "groups": float(self.training_groups), "rows": float(X.shape[0])}]

    def scored(self, customers: NDArray[np.int64]) -> tuple[PairFeatures, NDArray[np.float64]]:
        """The candidates of ``customers`` at the fitted view's cut-off, their features and model scores."""
        if self._view is None:
            raise ShopgraphError(f"{self.name}: recommend() called before fit()")
        features = self._features(self._view, customers, self._vectors(self._view))
        if self.feature_names and features.names != self.feature_names:
            raise ShopgraphError(f"{self.name}: features changed between fit and recommend")
        if not features.values.shape[0]:
            return features, np.zeros(0)
        if self._model is None:  # fitted without labelled groups: own purchases by count, then popular
            scores = features.column("own_count") * 1e6 + features.column("pop_28")
            return features, np.asarray(scores, dtype=np.float64)
        if self.settings.objective == "binary":
            scores = self._model.predict_proba(features.values)[:, 1]  # type: ignore[attr-defined]
        else:
            scores = self._model.predict(features.values)  # type: ignore[attr-defined]
        return features, np.asarray(scores, dtype=np.float64)

    def digest(self) -> str:
        """The first 12 hex of the SHA-256 of the fitted trees and settings: the same data and seed
        give the same digest, any change another."""
        text = repr(self.settings) + (self._model.booster_.model_to_string() if self._model is not None else "rule")  # type: ignore[attr-defined]
        return hashlib.sha256(text.encode()).hexdigest()[:12]

    def contributions(self, features: PairFeatures, rows: NDArray[np.int64]) -> NDArray[np.float64]:
        """LightGBM's ``pred_contrib`` of feature rows ``rows``: ``(len(rows), features + 1)``, one
        additive contribution per feature and the bias last (their sum is the raw score). Without a
        model (nothing to learn from), the fallback's own two terms."""
        values = features.values[rows]
        if self._model is None:
            out = np.zeros((rows.shape[0], len(features.names) + 1))
            out[:, features.names.index("own_count")] = values[:, features.names.index("own_count")]
            out[:, features.names.index("pop_28")] = values[:, features.names.index("pop_28")] * 1e-6
            return out
        raw = self._model.predict(values, pred_contrib=True)  # type: ignore[attr-defined]
        return np.asarray(raw, dtype=np.float64)

    def ranked(
        self, customers: NDArray[np.int64], k: int
    ) -> tuple[PairFeatures, NDArray[np.float64], list[NDArray[np.int64]]]:
        """The scored candidates and, per customer, the feature rows of its best ``k``, best first
        (score descending, then product position; with ``own_first`` the customer's own products
        before the others, in ``own_order``)."""
        features, scores = self.scored(customers)
        keys: tuple[NDArray, ...] = (features.products, -scores)
        if self.settings.own_first and features.values.shape[0]:
            keys += self._own_keys(features, scores)
        order = np.lexsort((*keys, features.rows))
        rows = features.rows[order]
        starts = np.searchsorted(rows, np.arange(customers.shape[0]))
        ends = np.searchsorted(rows, np.arange(customers.shape[0]), side="right")
        best = [order[starts[r] : ends[r]][:k] for r in range(customers.shape[0])]
        return features, scores, best

    def _own_keys(self, features: PairFeatures, scores: NDArray[np.float64]) -> tuple[NDArray, ...]:
        """The sort keys (least significant first) that put the customer's own products ahead, in
        ``own_order``, at most ``own_first_max`` of them (the rest keep their place by score)."""
        counts = features.column("own_count")
        head = counts > 0
        extra: tuple[NDArray, ...] = ()
        if self.settings.own_order == "recency":
            # The rule's order: fewest days since the last purchase, then the most purchases.
            extra = (np.where(head, -counts, 0.0), np.where(head, features.column("own_days"), 0.0))
        if self.settings.own_first_max > 0:
            order = np.lexsort((features.products, -scores, *extra, -head.astype(np.int8), features.rows))
            grouped = features.rows[order]
            first = np.searchsorted(grouped, grouped)  # each row's group start in ``order``
            place = np.empty(order.shape[0], dtype=np.int64)
            place[order] = np.arange(order.shape[0]) - first
            head &= place < self.settings.own_first_max
            extra = tuple(np.where(head, key, 0.0) for key in extra)
        return (*extra, -head.astype(np.int8))

    def popular(self, k: int) -> NDArray[np.int64]:
        """The ``k`` products with the highest 7-day-half-life popularity at the fitted cut-off."""
        view = self._view
        if view is None:
            raise ShopgraphError(f"{self.name}: popular() called before fit()")
        weights = popularity(view.purchases, view.num_products, view.reference_day(), 7.0)
        found = np.flatnonzero(weights > 0)
        return found[np.lexsort((found, -weights[found]))][:k]

    def recommend(self, customers: NDArray[np.int64], k: int) -> NDArray[np.int64]:
        """Top-``k`` product positions per customer (candidates by model score, then popular; -1 pads)."""
        if k < 1:
            raise ConfigError(f"recommend: k must be at least 1, got {k}")
        features, _, best = self.ranked(customers, k)
        popular = self.popular(k * 2)
        out = np.full((customers.shape[0], k), -1, dtype=np.int64)
        for r, rows in enumerate(best):
            own = features.products[rows]
            merged = np.concatenate([own, popular[~np.isin(popular, own)]])[:k]
            out[r, : merged.shape[0]] = merged
        return out


def ranker_factories(
    settings: RankerSettings | None = None,
    vector_sources: dict[str, VectorSource] | None = None,
    ablation: bool = False,
    cache: FeatureCache | None = None,
) -> list[Callable[[], LearnedRanker]]:
    """The ranker with text and photo features (``ranker``), and with ``ablation`` its variants:
    the same with ``own_first`` switched (``ranker, own first`` or ``ranker, learned order``),
    without the catalog-fact preference shares, without any learned-vector feature, then each of
    text, photo, GNN, KGE added to that alone (those whose vectors ``vector_sources`` can compute),
    then all together. ``settings`` gives every other knob; ``cache`` is shared by all of them."""
    base = settings or RankerSettings()

    def make(name: str, embeddings: Sequence[str], preferences: bool = True) -> Callable[[], LearnedRanker]:
        settings = replace(base, embeddings=tuple(embeddings), preferences=preferences and base.preferences)
        return lambda: LearnedRanker(settings, vector_sources, name, cache)

    available = [e for e in EMBEDDINGS if e in ("text", "photo") or e in (vector_sources or {})]
    factories = [make("ranker", ("text", "photo"))]
    if ablation:
        other = replace(base, embeddings=("text", "photo"), own_first=not base.own_first)
        other_name = "ranker, learned order" if base.own_first else "ranker, own first"
        factories.append(lambda: LearnedRanker(other, vector_sources, other_name, cache))
        factories.append(make("ranker - preferences", ("text", "photo"), preferences=False))
        factories.append(make(ABLATION_BASE, ()))
        factories += [make(f"ranker + {e} only", (e,)) for e in available]
        factories.append(make("ranker + all vectors", available))
    return factories
