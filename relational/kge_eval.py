r"""Filtered link-prediction evaluation of knowledge-graph embeddings, and model comparison.

Task: tail prediction. For each held-out triple ``(product, relation, term)`` the true term is
ranked among every term of the label the relation points at (a brand among brands, never among
colours or products: other labels are not answers to "which brand?"), after removing the other
known true tails of ``(product, relation)`` in train, valid and test ("filtered" ranking, Bordes
et al. 2013). Heads are not predicted: the use is proposing a product's missing attribute.

Ties: a candidate scoring exactly the true term's score shares its position, and the true term
gets the mean rank of the tied group, ``rank = 1 + #higher + #tied / 2`` (``#tied`` excluding
itself), so a model that scores everything alike ranks at the middle, not at the top.

Metrics over ranks ``r_i``: ``MRR = (1/n) Σ 1/r_i``, ``Hits@k = (1/n) #{i: r_i ≤ k}``; "overall"
pools the triples of every relation (micro average). Two reference rankings come with each
report: ``frequency`` (terms by how many train triples of the relation use them, the majority
guess) and ``random`` (the expectation of a uniformly random order over ``C`` candidates left
after filtering: ``MRR = H_C / C`` with ``H_C = Σ_{k=1}^{C} 1/k``, ``Hits@k = min(k, C) / C``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.relational.data import Snapshot
from shopgraph.relational.training.kge import MODELS, TrainedKGE, score_tails, train_kge
from shopgraph.relational.triples import DEFAULT_RELATIONS, KGTriples, build_triples, filter_mask, known_tails

Split = Literal["valid", "test"]
CompareProgress = Callable[[str, int, int, float], None]
"""Called after each epoch with (model, epochs done, epochs, mean training loss of that epoch)."""


def filtered_ranks(
    scores: NDArray[np.floating[Any]], target: NDArray[np.int64], excluded: NDArray[np.bool_]
) -> NDArray[np.float64]:
    """Rank of ``scores[i, target[i]]`` in row ``i`` among the columns not ``excluded[i]``, 1 = best.

    ``rank = 1 + #{c: s_c > s_t} + #{c ≠ t: s_c = s_t} / 2`` over the columns not excluded; the
    target's own column must not be excluded.
    """
    s = np.asarray(scores, dtype=np.float64)
    true = s[np.arange(len(s)), target][:, None]
    kept = ~excluded
    higher = ((s > true) & kept).sum(axis=1)
    tied = ((s == true) & kept).sum(axis=1) - 1
    return 1.0 + higher + tied / 2.0


@dataclass(frozen=True)
class LinkMetrics:
    """Filtered tail-prediction metrics over ``triples`` held-out triples."""

    triples: int
    mrr: float
    hits_at_1: float
    hits_at_10: float

    @classmethod
    def of_ranks(cls, ranks: NDArray[np.float64]) -> LinkMetrics:
        """MRR and Hits@1/10 of ``ranks`` (all zero for no ranks)."""
        if len(ranks) == 0:
            return cls(0, 0.0, 0.0, 0.0)
        return cls(len(ranks), float(np.mean(1.0 / ranks)), float(np.mean(ranks <= 1)), float(np.mean(ranks <= 10)))


@dataclass(frozen=True)
class LinkPrediction:
    """Metrics per relation and over all held-out triples together (micro average)."""

    overall: LinkMetrics
    relations: dict[str, LinkMetrics]


def _rows_of(triples: KGTriples, split: Split) -> NDArray[np.int64]:
    if split not in ("valid", "test"):
        raise ConfigError(f"split must be 'valid' or 'test', got {split!r}")
    rows: NDArray[np.int64] = getattr(triples, split)
    return rows


def _evaluate(
    triples: KGTriples,
    split: Split,
    ranks_of: Callable[[str, NDArray[np.int64], NDArray[np.int64], NDArray[np.bool_]], NDArray[np.float64]],
) -> LinkPrediction:
    rows = _rows_of(triples, split)
    known = known_tails(triples)
    per_relation: dict[str, LinkMetrics] = {}
    pooled: list[NDArray[np.float64]] = []
    for r, relation in enumerate(triples.relations):
        held = rows[rows[:, 1] == r]
        candidates = triples.candidates(relation)
        ranks = ranks_of(relation, held, held[:, 2] - candidates[0], filter_mask(held, candidates, known))
        per_relation[relation] = LinkMetrics.of_ranks(ranks)
        pooled.append(ranks)
    return LinkPrediction(LinkMetrics.of_ranks(np.concatenate(pooled)), per_relation)


def evaluate_kge(trained: TrainedKGE, split: Split = "test") -> LinkPrediction:
    """Filtered tail-prediction metrics of ``trained`` on its ``valid`` or ``test`` triples."""

    def ranks(relation: str, held: NDArray[np.int64], target: NDArray[np.int64], excluded: NDArray[np.bool_]) -> Any:
        return filtered_ranks(score_tails(trained, held[:, 0], relation), target, excluded)

    return _evaluate(trained.triples, split, ranks)


def frequency_baseline(triples: KGTriples, split: Split = "test") -> LinkPrediction:
    """The same metrics for ranking every product's candidates by their train count in the relation."""

    def ranks(relation: str, held: NDArray[np.int64], target: NDArray[np.int64], excluded: NDArray[np.bool_]) -> Any:
        r = triples.relation_index(relation)
        start, stop = triples.tail_range(relation)
        tails = triples.train[triples.train[:, 1] == r, 2]
        counts = np.bincount(tails - start, minlength=stop - start).astype(np.float64)
        return filtered_ranks(np.broadcast_to(counts, excluded.shape), target, excluded)

    return _evaluate(triples, split, ranks)


def random_expectation(triples: KGTriples, split: Split = "test") -> LinkPrediction:
    """Expected metrics of a uniformly random ranking (formulas in the module docstring)."""
    rows = _rows_of(triples, split)
    known = known_tails(triples)
    per_relation: dict[str, LinkMetrics] = {}
    sums = np.zeros(3)
    for r, relation in enumerate(triples.relations):
        held = rows[rows[:, 1] == r]
        left = len(triples.candidates(relation)) - filter_mask(held, triples.candidates(relation), known).sum(axis=1)
        harmonic = np.array([np.sum(1.0 / np.arange(1, c + 1)) for c in left])
        parts = np.array([np.sum(harmonic / left), np.sum(1.0 / left), np.sum(np.minimum(10, left) / left)])
        sums += parts
        n = max(len(held), 1)
        per_relation[relation] = LinkMetrics(len(held), *(float(x) for x in parts / n))
    total = len(rows)
    overall = LinkMetrics(total, *(float(x) for x in sums / max(total, 1)))
    return LinkPrediction(overall, per_relation)


@dataclass
class ModelResult:
    """One model of a comparison: how it was trained and how it ranks."""

    model: str
    version: str
    seconds: float
    final_loss: float
    valid: LinkPrediction
    test: LinkPrediction


@dataclass
class KGEReport:
    """``compare_kge``'s outcome: each model on valid and test, the reference rankings on test, and
    ``best``, the model with the highest valid MRR (``trained`` holds every fitted model)."""

    results: list[ModelResult]
    baselines: dict[str, LinkPrediction]
    best: str
    triples: dict[str, int]
    trained: dict[str, TrainedKGE] = field(repr=False)

    @property
    def best_model(self) -> TrainedKGE:
        return self.trained[self.best]

    def as_dict(self) -> dict[str, Any]:
        """Plain data (for ``--json`` and ``ModelRun.metrics``), without the fitted models."""
        return {
            "best": self.best,
            "triples": dict(self.triples),
            "results": [asdict(r) for r in self.results],
            "baselines": {name: asdict(p) for name, p in self.baselines.items()},
        }

    def render(self) -> str:
        """Markdown: overall metrics per model and reference, then test MRR / Hits@1 / Hits@10 per relation."""
        lines = [
            "| model | valid MRR | test MRR | test Hits@1 | test Hits@10 | fit s |",
            "|---|---|---|---|---|---|",
        ]
        for r in self.results:
            t = r.test.overall
            mark = " (best)" if r.model == self.best else ""
            lines.append(
                f"| {r.model}{mark} | {r.valid.overall.mrr:.3f} | {t.mrr:.3f} | {t.hits_at_1:.3f} "
                f"| {t.hits_at_10:.3f} | {r.seconds:.1f} |"
            )
        for name, p in self.baselines.items():
            t = p.overall
            lines.append(f"| {name} | | {t.mrr:.3f} | {t.hits_at_1:.3f} | {t.hits_at_10:.3f} | |")
        columns = [(r.model, r.test) for r in self.results] + list(self.baselines.items())
        lines += [
            "",
            "| relation | test triples | " + " | ".join(name for name, _ in columns) + " |",
            "|---|---|" + "---|" * len(columns),
        ]
        relations = self.results[0].test.relations if self.results else {}
        for relation, metrics in relations.items():
            cells = " | ".join(_cell(p.relations[relation]) for _, p in columns)
            lines.append(f"| {relation} | {metrics.triples} | {cells} |")
        lines.append("")
        lines.append("Cells: MRR / Hits@1 / Hits@10, filtered tail prediction among the terms of the relation's label.")
        return "\n".join(lines)


def _cell(metrics: LinkMetrics) -> str:
    return f"{metrics.mrr:.3f} / {metrics.hits_at_1:.3f} / {metrics.hits_at_10:.3f}"


def compare_kge(
    snapshot: Snapshot,
    models: Sequence[str] = MODELS,
    *,
    seed: int = 0,
    relations: Sequence[str] = DEFAULT_RELATIONS,
    min_confidence: float = 0.5,
    dim: int = 64,
    epochs: int | None = None,
    progress: CompareProgress | None = None,
) -> KGEReport:
    """Train each of ``models`` on one split of the snapshot's facts and compare them.

    The split comes from ``build_triples(snapshot, relations, min_confidence=..., seed=seed)``;
    each model is trained with ``train_kge(..., dim=dim, epochs=epochs, seed=seed)`` (model
    defaults where ``None``), evaluated on valid (selection: ``best`` has the highest valid MRR,
    the first listed on a tie) and on test (the reported numbers), next to the ``frequency`` and
    ``random`` rankings on test.

    Raises:
        ConfigError: no model, an unknown model, or what ``build_triples`` / ``train_kge`` raise.
    """
    if not models:
        raise ConfigError("compare_kge needs at least one model")
    unknown = [m for m in models if m not in MODELS]
    if unknown:
        raise ConfigError(f"unknown KGE models {unknown}; known: {', '.join(MODELS)}")
    triples = build_triples(snapshot, relations, min_confidence=min_confidence, seed=seed)
    results: list[ModelResult] = []
    trained: dict[str, TrainedKGE] = {}
    for name in models:
        report = None if progress is None else (lambda e, n, loss, name=name: progress(name, e, n, loss))
        fitted = train_kge(triples, name, dim=dim, epochs=epochs, seed=seed, progress=report)
        trained[name] = fitted
        results.append(
            ModelResult(
                model=name,
                version=fitted.version,
                seconds=fitted.seconds,
                final_loss=fitted.history[-1],
                valid=evaluate_kge(fitted, "valid"),
                test=evaluate_kge(fitted, "test"),
            )
        )
    best = max(results, key=lambda r: r.valid.overall.mrr).model
    return KGEReport(
        results=results,
        baselines={"frequency": frequency_baseline(triples), "random": random_expectation(triples)},
        best=best,
        triples={"train": len(triples.train), "valid": len(triples.valid), "test": len(triples.test)},
        trained=trained,
    )
