"""Compare recommenders on rolling time splits: one table and one plot, the same split for every method.

At each cut-off every method is built fresh, fitted on ``snapshot.until(cutoff)`` only, and asked
for the top-k of the customers who bought both before the cut-off and in the ``horizon`` days
after it (``split.make_task``). Metrics are averaged over all (customer, cut-off) pairs.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator
from numpy.typing import NDArray

from shopgraph.graphstore.core.defaults import EVALUATION
from shopgraph.graphstore.core.errors import ConfigError, ShopgraphError
from shopgraph.relational.data import Recommender, Snapshot, from_day
from shopgraph.relational.metrics import METRICS, per_row, score
from shopgraph.relational.split import make_task, rolling_cutoffs

METRIC_LABELS = {
    "map": "MAP@{k}",
    "recall": "Recall@{k}",
    "ndcg": "NDCG@{k}",
    "hit_rate": "hit rate",
    "coverage": "coverage",
}


@dataclass(frozen=True)
class CutoffResult:
    """One method at one cut-off: its metrics over that cut-off's pairs and its training curve."""

    cutoff: int
    pairs: int
    metrics: dict[str, float]
    fit_seconds: float
    history: list[dict[str, float]]
    # Per pair (the task's customer order, the same for every method): each metric's value, and
    # whether the customer is a repeat buyer at this cut-off (``split.EvalTask.repeat``).
    rows: dict[str, NDArray[np.float64]] = field(default_factory=dict, repr=False, compare=False)
    repeat: NDArray[np.bool_] | None = field(default=None, repr=False, compare=False)


@dataclass(frozen=True)
class MethodResult:
    """One method over all cut-offs.

    ``metrics``: MAP, recall, NDCG and hit rate are means over all (customer, cut-off) pairs
    (each cut-off weighted by its pair count); coverage, a property of a whole set of lists, is the
    mean of the per-cut-off coverages. ``fit_seconds`` is the mean fitting time per cut-off.
    """

    name: str
    metrics: dict[str, float]
    pairs: int
    fit_seconds: float
    per_cutoff: list[CutoffResult]

    def values(self, metric: str) -> NDArray[np.float64]:
        """``metric`` per (customer, cut-off) pair, cut-offs in order: paired across methods."""
        return np.concatenate([r.rows[metric] for r in self.per_cutoff]) if self.per_cutoff else np.zeros(0)

    def repeat(self) -> NDArray[np.bool_]:
        """Per pair, in :meth:`values` order: a repeat buyer (True) or an explorer."""
        parts = [r.repeat if r.repeat is not None else np.zeros(r.pairs, dtype=bool) for r in self.per_cutoff]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)

    @property
    def history(self) -> list[dict[str, float]]:
        """The training curve of the last cut-off (empty for methods that do not train)."""
        return self.per_cutoff[-1].history if self.per_cutoff else []


@dataclass(frozen=True)
class EvaluationReport:
    """Every method on the same split. ``pairs[i]`` customers were scored at ``cutoffs[i]``."""

    k: int
    horizon: int
    cutoffs: list[int]
    pairs: list[int]
    catalog_size: int
    methods: list[MethodResult]

    @property
    def total_pairs(self) -> int:
        return sum(self.pairs)

    def best(self, metric: str) -> str:
        """The name of the method with the highest ``metric`` (the first listed on a tie)."""
        return max(self.methods, key=lambda m: m.metrics[metric]).name

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-ready data: days as integers with their ISO dates."""
        return {
            "k": self.k,
            "horizon": self.horizon,
            "catalog_size": self.catalog_size,
            "pairs": self.total_pairs,
            "cutoffs": [
                {"day": c, "date": from_day(c).isoformat(), "pairs": n}
                for c, n in zip(self.cutoffs, self.pairs, strict=True)
            ],
            "methods": [
                {
                    "name": m.name,
                    "metrics": m.metrics,
                    "pairs": m.pairs,
                    "fit_seconds": m.fit_seconds,
                    "per_cutoff": [
                        {
                            "cutoff": r.cutoff,
                            "pairs": r.pairs,
                            "metrics": r.metrics,
                            "fit_seconds": r.fit_seconds,
                            "history": r.history,
                        }
                        for r in m.per_cutoff
                    ],
                }
                for m in self.methods
            ],
        }


Progress = Callable[[int, int, str], None]


def evaluate(
    snapshot: Snapshot,
    factories: Sequence[Callable[[], Recommender]],
    *,
    cutoffs: Sequence[int] | None = None,
    k: int = EVALUATION.k,
    horizon: int = EVALUATION.horizon_days,
    progress: Progress | None = None,
) -> EvaluationReport:
    """Fit and score every method at every cut-off on ``snapshot``.

    Args:
        snapshot: the whole graph as arrays; each method only ever sees ``snapshot.until(cutoff)``.
        factories: each returns a fresh, unfitted recommender (called once per cut-off).
        cutoffs: cut-off days; default :func:`~relational.split.rolling_cutoffs` of the last
            purchase day (8 cut-offs, 28 days apart, the last window ending on that day).
        k: list length scored (default 12, as in the H&M competition).
        horizon: days after a cut-off whose purchases are the truth (default 28).
        progress: called with (fits done, fits in all, "method @ date") after each fit.

    Cut-offs with nobody to score are listed with 0 pairs and fit nothing.

    A method may declare a ``fit_key`` (any hashable) and a ``share_fit(other)`` method: when an
    earlier method at the same cut-off has the same key, this one adopts its fit instead of
    repeating it (e.g. the GNN with and without its repurchase prior rank from the same vectors),
    and its ``fit_seconds`` is the adoption's, near 0.

    Raises:
        ConfigError: no factories, ``k`` or ``horizon`` below 1, two methods with one name, no
            purchases to place default cut-offs, or no customer to score at any cut-off.
        ShopgraphError: a method returned lists of the wrong shape.
    """
    if not factories:
        raise ConfigError("evaluate: no methods to evaluate")
    if k < 1 or horizon < 1:
        raise ConfigError(f"evaluate: k and horizon must be at least 1, got k={k}, horizon={horizon}")
    if cutoffs is None:
        if not len(snapshot.purchases):
            raise ConfigError("evaluate: the snapshot has no purchases to place cut-offs")
        cutoffs = rolling_cutoffs(int(snapshot.purchases.day.max()), horizon=horizon)
    days = sorted(int(c) for c in cutoffs)
    tasks = [make_task(snapshot, c, horizon) for c in days]
    if not any(len(t) for t in tasks):
        raise ConfigError(f"evaluate: no customer bought both before and within {horizon} days after any cut-off")
    runs = [t for t in tasks if len(t)]
    total = len(runs) * len(factories)
    results: dict[str, list[CutoffResult]] = {}
    done = 0
    for task in runs:
        view = snapshot.until(task.cutoff)
        fitted: dict[Hashable, Recommender] = {}
        for factory in factories:
            method = factory()
            if task is runs[0] and method.name in results:
                raise ConfigError(f"evaluate: two methods are named {method.name!r}")
            key = getattr(method, "fit_key", None)
            started = time.perf_counter()
            if key is not None and key in fitted:
                method.share_fit(fitted[key])  # type: ignore[attr-defined]
            else:
                method.fit(view)
                if key is not None:
                    fitted[key] = method
            seconds = time.perf_counter() - started
            recs = np.asarray(method.recommend(task.customers, k))
            if recs.shape != (len(task), k):
                raise ShopgraphError(
                    f"evaluate: {method.name} returned lists of shape {recs.shape}, expected {(len(task), k)}"
                )
            history = [dict(row) for row in getattr(method, "history", [])]
            metrics = score(recs, task.truth, k, snapshot.num_products)
            rows = per_row(recs, task.truth, k)
            result = CutoffResult(task.cutoff, len(task), metrics, seconds, history, rows, task.repeat)
            results.setdefault(method.name, []).append(result)
            done += 1
            if progress is not None:
                progress(done, total, f"{method.name} @ {from_day(task.cutoff).isoformat()}")
    return EvaluationReport(
        k=k,
        horizon=horizon,
        cutoffs=days,
        pairs=[len(t) for t in tasks],
        catalog_size=snapshot.num_products,
        methods=[_summarise(name, rows) for name, rows in results.items()],
    )


def _summarise(name: str, rows: list[CutoffResult]) -> MethodResult:
    pairs = sum(r.pairs for r in rows)
    metrics = {m: sum(r.metrics[m] * r.pairs for r in rows) / pairs for m in METRICS if m != "coverage"}
    metrics["coverage"] = sum(r.metrics["coverage"] for r in rows) / len(rows)
    fit = sum(r.fit_seconds for r in rows) / len(rows)
    return MethodResult(name, {m: metrics[m] for m in METRICS}, pairs, fit, rows)


def render_markdown(report: EvaluationReport) -> str:
    """One Markdown table, a row per method; the best value of each metric column in bold.

    Columns: method, MAP@k, Recall@k, NDCG@k, hit rate, coverage (4 decimals), pairs, fit s
    (mean seconds per fit). A caption line names the cut-offs and the horizon.
    """
    labels = [METRIC_LABELS[m].format(k=report.k) for m in METRICS]
    best = {m: max(x.metrics[m] for x in report.methods) for m in METRICS}
    first, last = from_day(report.cutoffs[0]).isoformat(), from_day(report.cutoffs[-1]).isoformat()
    lines = [
        f"{len(report.cutoffs)} cut-offs from {first} to {last}, {report.horizon}-day windows, "
        f"{report.total_pairs} (customer, cut-off) pairs, catalog of {report.catalog_size} products.",
        "",
        "| method | " + " | ".join(labels) + " | pairs | fit s |",
        "|---|" + "---:|" * (len(labels) + 2),
    ]
    for method in report.methods:
        cells = []
        for m in METRICS:
            text = f"{method.metrics[m]:.4f}"
            cells.append(f"**{text}**" if method.metrics[m] == best[m] else text)
        lines.append(f"| {method.name} | " + " | ".join(cells) + f" | {method.pairs} | {method.fit_seconds:.2f} |")
    return "\n".join(lines) + "\n"


def plot_report(report: EvaluationReport, path: Path) -> Path:
    """Write one PNG: a bar chart per metric across methods, and the last cut-off's training curves.

    Returns ``path``. Methods that do not train are left out of the curves panel.
    """
    names = [m.name for m in report.methods]
    figure = Figure(figsize=(15, 8), layout="constrained")
    axes = figure.subplots(2, 3).ravel()
    colours = [f"C{i}" for i in range(len(names))]
    for ax, metric in zip(axes, METRICS, strict=False):
        values = [m.metrics[metric] for m in report.methods]
        ax.bar(range(len(names)), values, color=colours)
        ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
        ax.set_title(METRIC_LABELS[metric].format(k=report.k))
    curves = axes[len(METRICS)]
    for method, colour in zip(report.methods, colours, strict=True):
        if method.history:
            epochs = [row["epoch"] for row in method.history]
            curves.plot(epochs, [row["loss"] for row in method.history], color=colour, label=method.name)
    last_cutoff = report.methods[0].per_cutoff[-1].cutoff
    curves.set_title(f"training loss, cut-off {from_day(last_cutoff).isoformat()}")
    curves.set_xlabel("epoch")
    curves.xaxis.set_major_locator(MaxNLocator(integer=True))
    if curves.has_data():
        curves.legend(fontsize=8)
    else:
        curves.text(0.5, 0.5, "no method trains", ha="center", va="center", transform=curves.transAxes)
    figure.suptitle(f"{report.total_pairs} (customer, cut-off) pairs over {len(report.cutoffs)} cut-offs")
    path.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(path, format="png", dpi=100)
    return path
