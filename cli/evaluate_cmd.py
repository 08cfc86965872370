"""``shopgraph evaluate``: the learned ranker and the GNN against eight baselines on a rolling time split.

The relational plugin (torch, PyTorch Geometric) is imported inside the command.
"""

from __future__ import annotations

from pathlib import Path

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import (
    console,
    info,
    json_option,
    library_chatter_to_stderr,
    print_json,
    print_table,
    progress_bar,
)
from shopgraph.cli.train_cmd import model_options, recommender_settings
from shopgraph.graphstore.core.defaults import EVALUATION, FUSIONS, RECOMMENDER


def interval(difference: dict[str, float]) -> str:
    """``+0.0012 [-0.0003, +0.0027]``, starred when the interval lies above 0."""
    text = f"{difference['mean']:+.4f} [{difference['low']:+.4f}, {difference['high']:+.4f}]"
    return text + (" *" if difference["low"] > 0 else "")


@click.command()
@click.option(
    "--fusion",
    "fusions",
    type=click.Choice(FUSIONS),
    multiple=True,
    help="GNN fusion variants to evaluate alone (repeatable; all three: the fusion ablation). Default: attention.",
)
@model_options
@click.option(
    "--cutoffs", type=click.IntRange(1), default=EVALUATION.cutoffs, show_default=True, help="Rolling cut-offs."
)
@click.option(
    "--step", type=click.IntRange(1), default=EVALUATION.step_days, show_default=True, help="Days between cut-offs."
)
@click.option(
    "--horizon",
    type=click.IntRange(1),
    default=EVALUATION.horizon_days,
    show_default=True,
    help="Days predicted after a cut-off.",
)
@click.option(
    "-k", "k", type=click.IntRange(1), default=EVALUATION.k, show_default=True, help="Recommendations per customer."
)
@click.option(
    "--earlier",
    "earlier_days",
    type=click.IntRange(0),
    default=0,
    show_default=True,
    help="Place every cut-off this many days earlier: the tuning part (224: the 8 cut-offs before the default 8).",
)
@click.option("--no-baselines", is_flag=True, help="Evaluate the recommender only.")
@click.option("--no-ranker", is_flag=True, help="Leave out the learned ranker (and its ablation).")
@click.option(
    "--ablation/--no-ablation",
    default=True,
    show_default=True,
    help="Also evaluate the ranker's variants: own products first, without preference shares, without "
    "learned vectors, with each of text, photo, GNN, KGE (about 3x the time).",
)
@click.option(
    "--repurchase-prior",
    type=click.FloatRange(0),
    default=RECOMMENDER.repurchase_prior,
    show_default=True,
    help="Also rank with the model plus this weight on the customer's own past purchases (0: leave out).",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for evaluation.md/.json/.png. Default: <SHOPGRAPH_HOME>/models/evaluation",
)
@json_option
def evaluate(
    fusions: tuple[str, ...],
    seed: int,
    epochs: int,
    purchase_source: str | None,
    no_images: bool,
    no_text: bool,
    cutoffs: int,
    step: int,
    horizon: int,
    k: int,
    earlier_days: int,
    no_baselines: bool,
    no_ranker: bool,
    ablation: bool,
    repurchase_prior: float,
    out_dir: Path | None,
    as_json: bool,
) -> None:
    """Compare the learned ranker and the GNN with eight baselines on a rolling time split.

    At each cut-off every method learns from the purchases before it only and recommends
    k products, among those someone bought before it, to each customer who bought both
    before it and in the horizon after it; metrics are averaged over all (customer, cut-off)
    pairs. Printed besides: each method against the strongest baseline with 95 % paired-
    bootstrap intervals, the candidate recall of every source, and the ranker's ablation.

    \b
    Example:
      shopgraph evaluate --source hm
      shopgraph evaluate --cutoffs 4 --no-ablation --json
    """
    from shopgraph.relational.pipeline import evaluate_models

    config = settings()
    folder = out_dir or config.home / "models" / "evaluation"
    with library_chatter_to_stderr(), driver(config) as handle, progress_bar("evaluating", None) as update:
        result = evaluate_models(
            handle,
            folder,
            settings=recommender_settings(RECOMMENDER.fusion, epochs, seed, no_text, no_images),
            fusions=fusions or (RECOMMENDER.fusion,),
            baselines=not no_baselines,
            rankers=not no_ranker,
            ablation=ablation,
            repurchase_prior=repurchase_prior,
            purchase_source=purchase_source,
            cutoffs=cutoffs,
            step=step,
            horizon=horizon,
            k=k,
            earlier_days=earlier_days,
            database=config.database,
            progress=lambda done, total, _what: update(done),
        )
    if as_json:
        print_json(result.as_dict())
        return
    report = result.report
    rows = [
        {
            "method": m.name,
            f"MAP@{k}": m.metrics["map"],
            f"Recall@{k}": m.metrics["recall"],
            f"NDCG@{k}": m.metrics["ndcg"],
            "hit rate": m.metrics["hit_rate"],
            "coverage": m.metrics["coverage"],
            "fit s": m.fit_seconds,
        }
        for m in report.methods
    ]
    print_table(
        rows,
        title=f"{len(report.cutoffs)} cut-offs, {report.total_pairs:,} (customer, cut-off) pairs, top {k}",
    )
    best = report.best("map")
    console.print(f"best MAP@{k}: {best}")
    comparison = result.extras.get("comparison")
    if comparison:
        differences = comparison["differences"]
        print_table(
            [
                {
                    "method": name,
                    "MAP ratio": comparison["map_ratio"][name],
                    **{
                        f"Δ {label} [95 %]": interval(by[metric])
                        for metric, label in (("map", f"MAP@{k}"), ("recall", f"Recall@{k}"), ("hit_rate", "hit rate"))
                    },
                }
                for name, by in differences.items()
            ],
            title=f"against the strongest baseline, {comparison['reference']} (paired bootstrap)",
        )
    recall = result.extras.get("candidateRecall") or {}
    if recall:
        print_table(
            [{"source": source, **{f"recall@{n}": share for n, share in by.items()}} for source, by in recall.items()],
            title="candidate recall: share of the windows' purchases among each source's top N",
        )
    info(f"report: {result.files['markdown']}, {result.files['json']}, plot {result.files['plot']}")
    info(f"time {result.seconds:.0f} s, peak memory {result.peak_rss_mib:,.0f} MiB")
