"""``shopgraph evaluate``: the recommender against six baselines on a rolling time split.

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


@click.command()
@click.option(
    "--fusion",
    "fusions",
    type=click.Choice(FUSIONS),
    multiple=True,
    help="Fusion variants to compare (repeatable). Default: all three (the ablation).",
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
@click.option("--no-baselines", is_flag=True, help="Evaluate the recommender only.")
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
    no_baselines: bool,
    repurchase_prior: float,
    out_dir: Path | None,
    as_json: bool,
) -> None:
    """Compare the recommender with six baselines on a rolling time split of the purchases.

    At each cut-off every method learns from the purchases before it only and recommends
    k products to each customer who bought both before it and in the horizon after it;
    metrics are averaged over all (customer, cut-off) pairs.

    \b
    Example:
      shopgraph evaluate --source hm
      shopgraph evaluate --fusion attention --cutoffs 4 --no-baselines --json
    """
    from shopgraph.relational.pipeline import evaluate_models

    config = settings()
    folder = out_dir or config.home / "models" / "evaluation"
    with library_chatter_to_stderr(), driver(config) as handle, progress_bar("evaluating", None) as update:
        result = evaluate_models(
            handle,
            folder,
            settings=recommender_settings(RECOMMENDER.fusion, epochs, seed, no_text, no_images),
            fusions=fusions or RECOMMENDER.fusions,
            baselines=not no_baselines,
            repurchase_prior=repurchase_prior,
            purchase_source=purchase_source,
            cutoffs=cutoffs,
            step=step,
            horizon=horizon,
            k=k,
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
    info(f"report: {result.files['markdown']}, {result.files['json']}, plot {result.files['plot']}")
    info(f"time {result.seconds:.0f} s, peak memory {result.peak_rss_mib:,.0f} MiB")
