"""What an evaluation can claim: each method against the strongest baseline, with intervals, by segment.

A difference is claimed only when its paired-bootstrap 95 % interval (``metrics.paired_bootstrap``
over the (customer, cut-off) pairs that every method scored) lies above 0. Segments: **repeat
buyers** bought again in the window something they had bought before; **explorers** bought only
products new to them. MAP's ratio to the reference is reported beside the difference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.relational.evaluate import EvaluationReport, MethodResult
from shopgraph.relational.metrics import paired_bootstrap

COMPARED = ("map", "recall", "hit_rate")  # the metrics of a claimed win (MAP@k, recall@k, hit rate)


@dataclass(frozen=True)
class Difference:
    """``method − reference`` on one metric: the mean over pairs and its 95 % interval."""

    metric: str
    mean: float
    low: float
    high: float

    @property
    def above_zero(self) -> bool:
        return self.low > 0


@dataclass(frozen=True)
class Comparison:
    """Every method against ``reference`` (the baseline with the best MAP), and per segment."""

    reference: str
    differences: dict[str, dict[str, Difference]]  # method -> metric -> difference
    ratios: dict[str, float]  # method -> MAP / reference MAP
    segments: dict[str, dict[str, dict[str, float]]]  # method -> segment -> metric -> mean
    segment_pairs: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference": self.reference,
            "differences": {
                m: {k: {"mean": d.mean, "low": d.low, "high": d.high} for k, d in by.items()}
                for m, by in self.differences.items()
            },
            "map_ratio": self.ratios,
            "segments": self.segments,
            "segment_pairs": self.segment_pairs,
        }


def strongest(report: EvaluationReport, baselines: Sequence[str]) -> MethodResult:
    """The baseline among ``baselines`` with the highest MAP (the first listed on a tie).

    Raises:
        ConfigError: none of ``baselines`` is in the report.
    """
    found = [m for m in report.methods if m.name in baselines]
    if not found:
        raise ConfigError(f"no baseline among {', '.join(baselines)} in the evaluation")
    return max(found, key=lambda m: m.metrics["map"])


def compare(report: EvaluationReport, baselines: Sequence[str], samples: int = 2000, seed: int = 0) -> Comparison:
    """Each method of ``report`` against the strongest of ``baselines`` (see the module docstring)."""
    reference = strongest(report, baselines)
    differences: dict[str, dict[str, Difference]] = {}
    ratios: dict[str, float] = {}
    segments: dict[str, dict[str, dict[str, float]]] = {}
    repeat = reference.repeat()
    masks = {"repeat buyers": repeat, "explorers": ~repeat}
    for method in report.methods:
        segments[method.name] = {
            name: {m: float(method.values(m)[mask].mean()) if mask.any() else 0.0 for m in COMPARED}
            for name, mask in masks.items()
        }
        base_map = reference.metrics["map"]
        ratios[method.name] = method.metrics["map"] / base_map if base_map > 0 else float("nan")
        if method.name == reference.name:
            continue
        differences[method.name] = {
            m: Difference(m, *paired_bootstrap(method.values(m), reference.values(m), samples, seed)) for m in COMPARED
        }
    return Comparison(
        reference.name, differences, ratios, segments, {name: int(mask.sum()) for name, mask in masks.items()}
    )


def render_comparison(comparison: Comparison, k: int) -> str:
    """Two Markdown tables: the differences to the reference with intervals, and the segments."""
    labels = {"map": f"MAP@{k}", "recall": f"Recall@{k}", "hit_rate": "hit rate"}
    lines = [
        f"Difference to the strongest baseline, **{comparison.reference}** (paired bootstrap, 95 % interval; "
        "**bold**: the interval lies above 0).",
        "",
        "| method | MAP ratio | " + " | ".join(f"Δ {labels[m]}" for m in COMPARED) + " |",
        "|---|---:|" + "---:|" * len(COMPARED),
    ]
    for method, by in comparison.differences.items():
        cells = []
        for m in COMPARED:
            d = by[m]
            text = f"{d.mean:+.4f} [{d.low:+.4f}, {d.high:+.4f}]"
            cells.append(f"**{text}**" if d.above_zero else text)
        ratio = comparison.ratios[method]
        lines.append(f"| {method} | {ratio:.2f}× | " + " | ".join(cells) + " |")
    pairs = comparison.segment_pairs
    lines += [
        "",
        f"By segment: repeat buyers ({pairs['repeat buyers']} pairs) bought again something of their own; "
        f"explorers ({pairs['explorers']} pairs) only products new to them.",
        "",
        "| method | "
        + " | ".join(f"{labels[m]} repeat" for m in COMPARED)
        + " | "
        + " | ".join(f"{labels[m]} explore" for m in COMPARED)
        + " |",
        "|---|" + "---:|" * (2 * len(COMPARED)),
    ]
    for method, segment in comparison.segments.items():
        cells = [f"{segment['repeat buyers'][m]:.4f}" for m in COMPARED]
        cells += [f"{segment['explorers'][m]:.4f}" for m in COMPARED]
        lines.append(f"| {method} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_candidate_recall(recall: dict[str, dict[int, tuple[int, int]]]) -> str:
    """The candidate-recall table: per source and for the union, the share of the windows'
    (customer, product) purchases among each customer's top-N candidates."""
    sizes = sorted({n for by in recall.values() for n in by})
    lines = [
        "Candidate recall: the share of the windows' distinct (customer, product) purchases found among "
        "a source's top-N candidates for that customer (the ceiling of any ranker on that source).",
        "",
        "| source | " + " | ".join(f"recall@{n}" for n in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for source, by in recall.items():
        cells = [f"{by[n][0] / by[n][1]:.4f}" if by[n][1] else "0" for n in sizes]
        lines.append(f"| {source} | " + " | ".join(cells) + " |")
    total = next(iter(recall.values()))[sizes[0]][1] if recall else 0
    return "\n".join(lines) + f"\n\n{total} (customer, product) purchases in the windows.\n"


def add_recall(
    total: dict[str, dict[int, tuple[int, int]]], part: dict[str, dict[int, tuple[int, int]]]
) -> dict[str, dict[int, tuple[int, int]]]:
    """Sum two candidate-recall counts (one cut-off's into the running total)."""
    for source, by in part.items():
        into = total.setdefault(source, {})
        for n, (hits, bought) in by.items():
            h, b = into.get(n, (0, 0))
            into[n] = (h + hits, b + bought)
    return total


def render_ablation(report: EvaluationReport, base: str, k: int, samples: int = 2000, seed: int = 0) -> str:
    """The ablation table: every ranker variant's MAP@k and its paired-bootstrap difference to ``base``
    (the ranker without any learned-vector feature).

    Raises:
        ConfigError: ``base`` is not in the report.
    """
    by_name = {m.name: m for m in report.methods}
    if base not in by_name:
        raise ConfigError(f"the ablation's base {base!r} is not in the evaluation")
    reference = by_name[base]
    lines = [
        f"Ablation: each ranker variant against the ranker without any learned-vector feature (**{base}**); "
        "`ranker - preferences` is `ranker` without the preference shares from the catalog's facts; "
        "`ranker` puts the customer's latest own product first, then ranks the rest by score; "
        "`ranker, learned order` ranks everything by score (`ranker, own first`, the other way round). "
        "Paired bootstrap, 95 % interval, **bold** when it lies above 0.",
        "",
        f"| ranker | MAP@{k} | Δ MAP@{k} | Δ Recall@{k} |",
        "|---|---:|---:|---:|",
    ]
    for method in report.methods:
        if not method.name.startswith("ranker"):
            continue
        cells = []
        for metric in ("map", "recall"):
            if method.name == base:
                cells.append("—")
                continue
            d = Difference(metric, *paired_bootstrap(method.values(metric), reference.values(metric), samples, seed))
            text = f"{d.mean:+.4f} [{d.low:+.4f}, {d.high:+.4f}]"
            cells.append(f"**{text}**" if d.above_zero else text)
        lines.append(f"| {method.name} | {method.metrics['map']:.4f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def render_importance(importance: dict[str, float], top: int = 12) -> str:
    """The ranker's features by share of LightGBM's total split gain, largest first."""
    ranked = sorted(importance.items(), key=lambda item: -item[1])[:top]
    lines = ["Ranker features by share of split gain (the last cut-off's model):", "", "| feature | gain share |"]
    lines.append("|---|---:|")
    lines += [f"| {name} | {share:.3f} |" for name, share in ranked]
    return "\n".join(lines) + "\n"
