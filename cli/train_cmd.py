"""``shopgraph train``: the knowledge-graph embeddings and the recommender, written onto the graph.

The relational plugin (torch, PyTorch Geometric) is imported inside the command. The options
that ``shopgraph evaluate`` shares are here too (:func:`model_options`); their defaults, like
every default, come from :mod:`graphstore.core.defaults`, which the library reads as well.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import (
    console,
    info,
    json_option,
    library_chatter_to_stderr,
    print_json,
    print_pairs,
    print_table,
    spinner,
)
from shopgraph.graphstore.core.defaults import FUSIONS, RECOMMENDER


def model_options(f: Any) -> Any:
    """The recommender's options that ``train`` and ``evaluate`` share (seed, epochs, source, features)."""
    for option in reversed(
        [
            click.option(
                "--seed", type=int, default=RECOMMENDER.seed, show_default=True, help="Seed of every random choice."
            ),
            click.option(
                "--epochs",
                type=click.IntRange(1),
                default=RECOMMENDER.epochs,
                show_default=True,
                help="Recommender epochs.",
            ),
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


def recommender_settings(fusion: str, epochs: int, seed: int, no_text: bool, no_images: bool) -> Any:
    """The library's ``RecommenderSettings`` from the options (imported here: it loads torch)."""
    from shopgraph.relational.pipeline import RecommenderSettings

    return RecommenderSettings(fusion=fusion, epochs=epochs, seed=seed, use_text=not no_text, use_images=not no_images)


@click.command()
@click.option(
    "--fusion",
    type=click.Choice(FUSIONS),
    default=RECOMMENDER.fusion,
    show_default=True,
    help="How product features (graph, text, photo) are fused.",
)
@model_options
@click.option(
    "--kge-models",
    default=",".join(RECOMMENDER.kge_models),
    show_default=True,
    metavar="LIST",
    help="Knowledge-graph embedding models to compare; the best is written back.",
)
@click.option(
    "--models-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Checkpoint folder. Default: <SHOPGRAPH_HOME>/models",
)
@click.option(
    "--exposure-cap",
    metavar="DIMENSION:SHARE",
    default=None,
    help="Cut each served list so no price_band (or brand) takes more than SHARE of its places, "
    "e.g. price_band:0.5 (docs/fairness.md measures the cost). Default: no cap.",
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
    exposure_cap: str | None,
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
      shopgraph train --exposure-cap price_band:0.5
    """
    from shopgraph.relational.exposure_cap import parse_cap
    from shopgraph.relational.pipeline import train_models

    cap = parse_cap(exposure_cap) if exposure_cap else None
    config = settings()
    folder = models_dir or config.home / "models"
    with library_chatter_to_stderr(), driver(config) as handle, spinner("training") as status:
        report = train_models(
            handle,
            folder,
            settings=recommender_settings(fusion, epochs, seed, no_text, no_images),
            purchase_source=purchase_source,
            kge_models=[m.strip() for m in kge_models.split(",") if m.strip()],
            exposure_cap=cap,
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
    console.print("next: shopgraph evaluate   |   shopgraph customers list   |   shopgraph recommend CUSTOMER")


def _attention(weights: dict[str, float] | None) -> str:
    if not weights:
        return "-"
    return " / ".join(f"{weights.get(m, 0.0):.2f}" for m in ("id", "text", "image"))
