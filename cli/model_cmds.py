"""``shopgraph train`` and ``shopgraph evaluate``: the relational model's two jobs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import console, info, json_option, print_json, print_pairs, print_table, progress_bar, spinner

_FUSIONS = ("concat", "product", "attention")
# relational.pipeline.REPURCHASE_PRIOR, not imported: importing the pipeline loads torch, too slow for --help.
_REPURCHASE_PRIOR = 2.0


def _model_options(f: Any) -> Any:
    for option in reversed(
        [
            click.option("--seed", type=int, default=0, show_default=True, help="Seed of every random choice."),
            click.option("--epochs", type=click.IntRange(1), default=8, show_default=True, help="Recommender epochs."),
            click.option(
                "--source",
                "purchase_source",
                metavar="SOURCE",
                help="Use the purchases of this source only (e.g. hm for hm:transactions.csv).",
            ),
            click.option("--no-images", is_flag=True, help="Leave photo embeddings out of the product features."),
            click.option("--no-text", is_flag=True, help="Leave text embeddings out of the product features."),
        ]
    ):
        f = option(f)
    return f


def _recommender(fusion: str, epochs: int, seed: int, no_text: bool, no_images: bool) -> Any:
    from shopgraph.relational.pipeline import RecommenderSettings

    return RecommenderSettings(fusion=fusion, epochs=epochs, seed=seed, use_text=not no_text, use_images=not no_images)


@click.command()
@click.option(
    "--fusion",
    type=click.Choice(_FUSIONS),
    default="attention",
    show_default=True,
    help="How product features (graph, text, photo) are fused.",
)
@_model_options
@click.option(
    "--kge-models",
    default="transe,distmult,complex",
    show_default=True,
    metavar="LIST",
    help="Knowledge-graph embedding models to compare; the best is written back.",
)
@click.option(
    "--models-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Checkpoint folder. Default: <SHOPGRAPH_HOME>/models",
)
@json_option
def train(
    fusion: str,
    seed: int,
    epochs: int,
    purchase_source: str | None,
    no_images: bool,
    no_text: bool,
    kge_models: str,
    models_dir: Path | None,
    as_json: bool,
) -> None:
    """Train the knowledge-graph embeddings and the recommender, and write their vectors onto the graph.

    Writes Product.textEmbedding, kgeEmbedding on products and attribute terms, INFERRED
    attribute proposals, and Customer/Product.recEmbedding, each stamped with its model
    version; records a ModelRun per model and saves checkpoints.

    \b
    Example:
      shopgraph train
      shopgraph train --source hm --fusion concat --epochs 12 --json
    """
    from shopgraph.relational.pipeline import train_models

    config = settings()
    folder = models_dir or config.home / "models"
    with driver(config) as handle, spinner("training") as status:
        report = train_models(
            handle,
            folder,
            settings=_recommender(fusion, epochs, seed, no_text, no_images),
            purchase_source=purchase_source,
            kge_models=[m.strip() for m in kge_models.split(",") if m.strip()],
            database=config.database,
            say=status,
        )
    if as_json:
        print_json(report.as_dict())
        return
    print_pairs(
        {
            "customers": f"{report.customers:,}",
            "products": f"{report.products:,} ({report.products_with_photo:,} with a photo)",
            "purchases": f"{report.purchases:,}",
            "texts embedded": f"{report.texts_embedded:,}",
            "KGE model written": report.kge_version,
            "KGE vectors": ", ".join(f"{label} {n:,}" for label, n in report.kge_vectors.items()),
            "inferred facts": ", ".join(f"{rel} {n:,}" for rel, n in report.inferred.items()) or "none",
            "recommender written": report.rec_version,
            "recommender vectors": ", ".join(f"{label} {n:,}" for label, n in report.rec_vectors.items()),
            "attention (id/text/image)": _attention(report.rec_attention),
            "final loss": f"{report.rec_history[-1]['loss']:.4f}" if report.rec_history else "-",
            "time": ", ".join(f"{step} {s:.0f} s" for step, s in report.seconds.items()),
            "peak memory": f"{report.peak_rss_mib:,.0f} MiB",
        },
        title="shopgraph train",
    )
    kge_rows = [
        {
            "model": r["model"] + (" (written)" if r["model"] == report.kge["best"] else ""),
            "valid MRR": r["valid"]["overall"]["mrr"],
            "test MRR": r["test"]["overall"]["mrr"],
            "Hits@1": r["test"]["overall"]["hits_at_1"],
            "Hits@10": r["test"]["overall"]["hits_at_10"],
            "fit s": r["seconds"],
        }
        for r in report.kge["results"]
    ]
    print_table(kge_rows, title="Knowledge-graph embeddings: filtered link prediction on held-out facts")
    info(f"checkpoints: {', '.join(report.checkpoints)}")
    console.print("next: shopgraph evaluate   |   shopgraph recommend CUSTOMER")


def _attention(weights: dict[str, float] | None) -> str:
    if not weights:
        return "-"
    return " / ".join(f"{weights.get(m, 0.0):.2f}" for m in ("id", "text", "image"))


@click.command()
@click.option(
    "--fusion",
    "fusions",
    type=click.Choice(_FUSIONS),
    multiple=True,
    help="Fusion variants to compare (repeatable). Default: all three (the ablation).",
)
@_model_options
@click.option("--cutoffs", type=click.IntRange(1), default=8, show_default=True, help="Rolling cut-offs.")
@click.option("--step", type=click.IntRange(1), default=28, show_default=True, help="Days between cut-offs.")
@click.option(
    "--horizon", type=click.IntRange(1), default=28, show_default=True, help="Days predicted after a cut-off."
)
@click.option("-k", "k", type=click.IntRange(1), default=12, show_default=True, help="Recommendations per customer.")
@click.option("--no-baselines", is_flag=True, help="Evaluate the recommender only.")
@click.option(
    "--repurchase-prior",
    type=click.FloatRange(0),
    default=_REPURCHASE_PRIOR,
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
    with driver(config) as handle, progress_bar("evaluating", None) as update:
        result = evaluate_models(
            handle,
            folder,
            settings=_recommender("attention", epochs, seed, no_text, no_images),
            fusions=fusions or _FUSIONS,
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
