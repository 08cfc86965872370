"""Is the recommender's lead real? Seeds and paired bootstrap intervals on the rolling time split.

    python -m bench.relational_significance --source hm --seeds 0,1,2 --out bench/out/significance
    python -m bench.relational_significance --source hm --shift 224 --cutoffs 6 --gnn '{"negatives": 5}'

Reads the graph of the configured server once (``relational.export.read_snapshot``), then at each
cut-off of ``relational.split.rolling_cutoffs`` (the last window ending ``--shift`` days before
the last purchase: 0 for the evaluated period, 224 for the tuning cut-offs before it) fits the
two strongest baselines (repurchase-then-popular, LightGCN) and the GNN once per seed, and keeps
every (customer, cut-off) pair's average precision at 12 for: each baseline, the GNN alone (its
cosines) and the GNN with the repurchase prior (``β = --prior``; same fit, same vectors).

For each method against each baseline it reports the mean difference of AP over the pairs and a
95 % interval from a paired bootstrap: resample the pairs with replacement ``--resamples``
times, the same resample for both methods, and take the 2.5th and 97.5th percentiles of the
mean difference. An interval that holds 0 is a tie at this data size.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.config import load_settings
from shopgraph.graphstore.core.connection import connect
from shopgraph.relational.baselines import LightGCN, RepurchaseThenPopular
from shopgraph.relational.data import Recommender, Snapshot, from_day
from shopgraph.relational.export import read_snapshot
from shopgraph.relational.metrics import average_precision_at_k
from shopgraph.relational.pipeline import REPURCHASE_PRIOR, RecommenderSettings, one_thread
from shopgraph.relational.split import EvalTask, make_task, rolling_cutoffs
from shopgraph.relational.training.gnn import GNNRecommender

K = 12
BASELINES = ("repurchase_then_popular", "lightgcn")


def _ap(recommendations: NDArray[np.int64], task: EvalTask) -> list[float]:
    return [average_precision_at_k(r, t, K) for r, t in zip(recommendations, task.truth, strict=True)]


def pair_scores(
    snapshot: Snapshot, cutoffs: list[int], seeds: list[int], gnn: dict[str, Any], prior: float
) -> dict[str, NDArray[np.float64]]:
    """AP@12 of every (customer, cut-off) pair, per method, the pairs in the same order for all.

    Methods: the two baselines, ``gnn seed S`` (cosines alone) and ``gnn+prior seed S``.
    """
    scores: dict[str, list[float]] = {}
    for cutoff in cutoffs:
        task = make_task(snapshot, cutoff)
        if not len(task):
            continue
        view = snapshot.until(cutoff)
        baselines: list[Recommender] = [RepurchaseThenPopular(), LightGCN()]
        for method in baselines:
            method.fit(view)
            scores.setdefault(method.name, []).extend(_ap(method.recommend(task.customers, K), task))
        for seed in seeds:
            model = GNNRecommender(**{**gnn, "seed": seed, "repurchase": prior})
            model.fit(view)
            scores.setdefault(f"gnn+prior seed {seed}", []).extend(_ap(model.recommend(task.customers, K), task))
            alone = model.recommend(task.customers, K, with_prior=False)
            scores.setdefault(f"gnn seed {seed}", []).extend(_ap(alone, task))
        print(f"{from_day(cutoff)}: {len(task)} pairs", file=sys.stderr, flush=True)
    return {name: np.asarray(values) for name, values in scores.items()}


def paired_interval(a: NDArray[np.float64], b: NDArray[np.float64], resamples: int, seed: int) -> tuple[float, float]:
    """95 % paired-bootstrap interval of ``mean(a − b)`` (pairs resampled with replacement)."""
    difference = a - b
    rng = np.random.default_rng(seed)
    means = np.array([difference[rng.integers(0, difference.size, difference.size)].mean() for _ in range(resamples)])
    return float(np.percentile(means, 2.5)), float(np.percentile(means, 97.5))


def compare(scores: dict[str, NDArray[np.float64]], resamples: int, seed: int = 0) -> list[dict[str, Any]]:
    """One row per method: MAP@12 and, against each baseline, the mean difference and its interval."""
    rows = []
    for name, values in scores.items():
        row: dict[str, Any] = {"method": name, "map": float(values.mean()), "pairs": int(values.size)}
        for baseline in BASELINES:
            if baseline != name:
                low, high = paired_interval(values, scores[baseline], resamples, seed)
                row[f"vs {baseline}"] = {"difference": float((values - scores[baseline]).mean()), "ci95": [low, high]}
        rows.append(row)
    return rows


def markdown(result: dict[str, Any]) -> str:
    """The comparison as a Markdown table, with the command and the split."""
    lines = [
        f"`{result['command']}` ({result['date']}): cut-offs {result['cutoffs'][0]} to {result['cutoffs'][-1]}, "
        f"{result['rows'][0]['pairs']} (customer, cut-off) pairs, {result['resamples']:,} bootstrap resamples.",
        "",
        "| method | MAP@12 | − repurchase then popular [95 % CI] | − LightGCN [95 % CI] |",
        "|---|---:|---:|---:|",
    ]
    for row in result["rows"]:
        cells = []
        for baseline in BASELINES:
            versus = row.get(f"vs {baseline}")
            if versus is None:
                cells.append("")
                continue
            low, high = versus["ci95"]
            cells.append(f"{versus['difference']:+.4f} [{low:+.4f}, {high:+.4f}]")
        lines.append(f"| {row['method']} | {row['map']:.4f} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--source", default=None, help="purchases of this source only (e.g. hm)")
    parser.add_argument("--seeds", default="0,1,2", help="GNN seeds, comma-separated")
    parser.add_argument("--cutoffs", type=int, default=8, help="rolling cut-offs")
    parser.add_argument("--shift", type=int, default=0, help="days before the last purchase the last window ends")
    parser.add_argument("--gnn", default="{}", help="GNNRecommender arguments, JSON (default: as evaluate)")
    parser.add_argument("--prior", type=float, default=REPURCHASE_PRIOR, help="β of the repurchase prior")
    parser.add_argument("--resamples", type=int, default=10_000, help="bootstrap resamples")
    parser.add_argument("--out", type=Path, default=Path("bench/out/significance"), help="folder for the results")
    args = parser.parse_args(argv)
    args.seeds = [int(s) for s in args.seeds.split(",")]
    args.gnn = json.loads(args.gnn)
    if args.cutoffs < 1 or args.resamples < 1 or args.shift < 0:
        parser.error("--cutoffs and --resamples must be positive and --shift not negative")
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    driver = connect(load_settings())
    try:
        snapshot = read_snapshot(driver, purchase_source=args.source)
    finally:
        driver.close()
    cutoffs = rolling_cutoffs(int(snapshot.purchases.day.max()) - args.shift, count=args.cutoffs)
    with one_thread():
        # What `shopgraph evaluate` fits, unless --gnn says otherwise.
        settings = RecommenderSettings()
        gnn = {"fusion": settings.fusion, "epochs": settings.epochs, **args.gnn}
        scores = pair_scores(snapshot, cutoffs, args.seeds, gnn, args.prior)
    result = {
        "command": "python -m bench.relational_significance " + " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cutoffs": [from_day(c).isoformat() for c in cutoffs],
        "seeds": args.seeds,
        "gnn": gnn,
        "prior": args.prior,
        "resamples": args.resamples,
        "rows": compare(scores, args.resamples),
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "result.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    text = markdown(result)
    (args.out / "result.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
