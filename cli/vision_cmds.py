"""``shopgraph vision ...``: build the detector's training set, train it, evaluate it.

The vision plugin (torch, Ultralytics, OpenCV) is imported inside each command.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from shopgraph.cli.common import settings
from shopgraph.cli.render import (
    info,
    json_option,
    library_chatter_to_stderr,
    print_json,
    print_pairs,
    print_table,
    spinner,
)
from shopgraph.graphstore.core.defaults import VISION


def _home() -> Path:
    return settings().home / "vision"


def _progress(update: Any) -> Any:
    return lambda stage, done, total: update(f"{stage}: {done}/{total}")


_datasets_option = click.option(
    "--datasets",
    "datasets_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=Path("../shared/datasets"),
    show_default=True,
    help="Folder with myntra/ and hm/.",
)


def _save_option(what: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    return click.option(
        "--save",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help=f"Also write {what} as JSON to this file.",
    )


def _save_json(path: Path | None, data: Any) -> None:
    """Write ``data`` as indented JSON to ``path`` (its folder made), unless ``path`` is None."""
    if path is None:
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")


@click.group()
def vision() -> None:
    """The product detector-segmenter: training data, training and evaluation (offline, CPU or GPU)."""


@vision.command("build-dataset")
@_datasets_option
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder. Default: <home>/vision/dataset",
)
@click.option("--seed", type=int, default=VISION.seed, show_default=True)
@click.option(
    "--imgsz", type=click.IntRange(32), default=VISION.imgsz, show_default=True, help="Image size (long side)."
)
@click.option(
    "--holdout",
    type=click.FloatRange(0, 1, min_open=True, max_open=True),
    default=VISION.holdout,
    show_default=True,
    help="Share of products held out per class.",
)
@click.option(
    "--train-cap",
    type=click.IntRange(1),
    default=VISION.train_cap,
    show_default=True,
    help="Most real training photos per class.",
)
@click.option(
    "--composites",
    type=click.IntRange(0),
    default=VISION.train_composites,
    show_default=True,
    help="Training composites.",
)
@click.option(
    "--val-composites",
    type=click.IntRange(0),
    default=VISION.val_composites,
    show_default=True,
    help="Held-out composites.",
)
@click.option(
    "--workers", type=click.IntRange(1), default=VISION.dataset_workers, show_default=True, help="Cut-out processes."
)
@json_option
def build_dataset(
    datasets_dir: Path,
    out_dir: Path | None,
    seed: int,
    imgsz: int,
    holdout: float,
    train_cap: int,
    composites: int,
    val_composites: int,
    workers: int,
    as_json: bool,
) -> None:
    """Cut products out of the catalog photos and write a YOLO segmentation data set.

    \b
    Example:
      shopgraph vision build-dataset --datasets ../shared/datasets --seed 0
    """
    from shopgraph.vision import dataset as dataset_lib

    out_dir = out_dir or _home() / "dataset"
    with library_chatter_to_stderr(), spinner("building the data set") as update:
        report = dataset_lib.build_dataset(
            out_dir,
            datasets_dir,
            seed=seed,
            imgsz=imgsz,
            holdout=holdout,
            train_cap=train_cap,
            train_composites=composites,
            val_composites=val_composites,
            workers=workers,
            progress=_progress(update),
        )
    if as_json:
        print_json(report)
        return
    print_pairs(
        {
            "data file": report.data_yaml,
            "manifest": report.manifest,
            "photos": report.photos,
            "skipped (no class)": report.skipped_no_class,
            "rejected cut-outs": sum(report.rejected.values()),
            "accepted cut-outs": report.accepted,
            "products train / held out": f"{report.products_train} / {report.products_heldout}",
            "composites train / val": f"{report.composites_train} / {report.composites_val}",
            "objects dropped as hidden": report.dropped_hidden,
            "mask area p05 / p50 / p95": " / ".join(str(report.mask_area[k]) for k in ("p05", "p50", "p95")),
        },
        title="data set",
    )
    print_table(
        [
            {
                "class": name,
                "real train": report.real_train.get(name, 0),
                "real test": report.real_test.get(name, 0),
                "composite objects train": report.composite_objects_train.get(name, 0),
                "composite objects val": report.composite_objects_val.get(name, 0),
            }
            for name in report.real_train
        ],
        title="per class",
    )
    print_pairs(report.rejected, title="rejected cut-outs by reason")


@vision.command("train")
@click.option(
    "--data",
    "data_yaml",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="data.yaml. Default: <home>/vision/dataset/data.yaml",
)
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Run folder. Default: <home>/vision/runs/seg<imgsz>",
)
@click.option("--epochs", type=click.IntRange(1), default=VISION.epochs, show_default=True)
@click.option("--imgsz", type=click.IntRange(32), default=VISION.imgsz, show_default=True)
@click.option("--batch", type=click.IntRange(1), default=VISION.batch, show_default=True)
@click.option(
    "--resume/--no-resume", default=True, show_default=True, help="Continue from <out>/weights/last.pt if it exists."
)
@click.option("--device", default=None, help="cpu, 0, 1...; default: the first GPU if any, else cpu.")
@click.option("--seed", type=int, default=VISION.seed, show_default=True)
@click.option("--workers", type=click.IntRange(0), default=None, help="Data-loader processes; default: CPUs - 1.")
@click.option(
    "--export",
    "export_to",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also copy the best weights, without optimiser state, to this file.",
)
@json_option
def train(
    data_yaml: Path | None,
    out_dir: Path | None,
    epochs: int,
    imgsz: int,
    batch: int,
    resume: bool,
    device: str | None,
    seed: int,
    workers: int | None,
    export_to: Path | None,
    as_json: bool,
) -> None:
    """Train YOLO11n-seg from scratch (its model YAML, offline) on the data set.

    \b
    Example:
      shopgraph vision train --epochs 20 --imgsz 256 --export vision/models/shopgraph-seg.pt
    """
    from shopgraph.vision import train as train_lib
    from shopgraph.vision.ultralytics_env import ultralytics_logging

    data_yaml = data_yaml or _home() / "dataset" / "data.yaml"
    out_dir = out_dir or _home() / "runs" / f"seg{imgsz}"
    info(f"training in {out_dir} (Ultralytics' own log follows)")
    # Ultralytics' own training log goes to stderr, keeping stdout for the result (and --json).
    with ultralytics_logging(logging.INFO, sys.stderr), contextlib.redirect_stdout(sys.stderr):
        report = train_lib.train(
            data_yaml,
            out_dir,
            epochs=epochs,
            imgsz=imgsz,
            batch=batch,
            resume=resume,
            device=device,
            seed=seed,
            workers=workers,
        )
    exported = train_lib.export_weights(report.best, export_to) if export_to else None
    if as_json:
        print_json({**dataclasses.asdict(report), "exported": exported})
        return
    print_pairs(
        {
            "best weights": report.best,
            "exported": exported,
            "status": report.status,
            "seconds": report.seconds,
            **{k: v for k, v in report.metrics.items() if k.startswith("metrics/")},
        },
        title="training",
    )


@vision.command("train-recogniser")
@_datasets_option
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write the recogniser. Default: <home>/vision/recogniser.npz (ship it as "
    "vision/models/recogniser.npz).",
)
@click.option(
    "--detector/--no-detector",
    "with_detector",
    default=True,
    show_default=True,
    help="Also run the detector on the held-out photos (its row and the combination).",
)
@_save_option("the report")
@json_option
def train_recogniser(
    datasets_dir: Path, out: Path | None, with_detector: bool, save: Path | None, as_json: bool
) -> None:
    """Train the recogniser (class, fine category, colour from a crop's embedding and pixels) on
    every catalog photo, and measure it against the detector and kNN on held-out products.

    \b
    Example:
      shopgraph vision train-recogniser --out vision/models/recogniser.npz --save vision/models/recogniser.json
    """
    from shopgraph.vision.recogniser_training import train_recogniser as train_lib

    out = out or _home() / "recogniser.npz"
    with library_chatter_to_stderr(), spinner("training the recogniser") as update:
        report = train_lib(
            datasets_dir, out, _home() / "cache", with_detector=with_detector, progress=_progress(update)
        )
    data = report.to_dict()
    _save_json(save, data)
    if as_json:
        print_json(data)
        return
    rows = [
        {
            "task": task,
            "method": method,
            **{kind: f"{acc:.1%} [{lo:.1%}, {hi:.1%}]" for kind, (acc, lo, hi) in kinds.items()},
        }
        for task, methods in report.table.items()
        for method, kinds in methods.items()
    ]
    print_table(rows, ["task", "method", "all", "catalog", "worn"], title="held-out products: accuracy [95% interval]")
    print_table(
        [{"class": name, **figures} for name, figures in report.per_class.items()],
        ["class", "photos", "accuracy"],
        title="per class (the recogniser's class answer)",
    )
    print_pairs({"recogniser": report.model, "photos": report.photos, "seconds": report.seconds}, title="training")


@vision.command("evaluate")
@click.option(
    "--weights",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=VISION.weights,
    show_default=f"the shipped vision/models/{VISION.weights.name}",
)
@click.option(
    "--dataset",
    "dataset_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Data set folder. Default: <home>/vision/dataset",
)
@click.option("--imgsz", type=click.IntRange(32), default=VISION.imgsz, show_default=True)
@click.option(
    "--conf",
    type=click.FloatRange(0, 1),
    default=VISION.eval_conf,
    show_default=True,
    help="Lowest detection confidence considered.",
)
@click.option("--device", default=VISION.eval_device, show_default=True)
@click.option("--limit", type=click.IntRange(1), default=None, help="Only the first N held-out photos.")
@click.option(
    "--map/--no-map", "with_map", default=True, show_default=True, help="Also run Ultralytics' mAP validation."
)
@click.option(
    "--examples",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Write annotated street/portrait photos (shipped in packages) to this folder.",
)
@_save_option("the metrics")
@json_option
def evaluate(
    weights: Path,
    dataset_dir: Path | None,
    imgsz: int,
    conf: float,
    device: str,
    limit: int | None,
    with_map: bool,
    examples: Path | None,
    save: Path | None,
    as_json: bool,
) -> None:
    """Evaluate weights on held-out products: mAP, top-1 class accuracy, mask IoU, colour accuracy.

    \b
    Example:
      shopgraph vision evaluate --weights vision/models/shopgraph-seg.pt --examples vision/models/examples
    """
    from shopgraph.vision import evaluate as evaluate_lib

    dataset_dir = dataset_dir or _home() / "dataset"
    with library_chatter_to_stderr(), spinner("evaluating") as update:
        report = evaluate_lib.evaluate(
            weights,
            dataset_dir,
            imgsz=imgsz,
            conf=conf,
            device=device,
            limit=limit,
            with_map=with_map,
            progress=_progress(update),
        )
        annotated = (
            evaluate_lib.annotate_photos(weights, evaluate_lib.scene_photos(), examples, imgsz=imgsz, device=device)
            if examples
            else []
        )
    data = evaluate_lib.report_dict(report, annotated)
    _save_json(save, data)
    if as_json:
        print_json(data)
        return
    print_pairs(
        {
            **{f"composites {k}": v for k, v in report.composites.items()},
            **{f"real photos {k}": v for k, v in report.real_map.items()},
            **data["catalog_test"],
        },
        title="held-out products",
    )
    print_table([{"class": k, **v} for k, v in report.per_class.items()], title="per class")
    print_table(
        [{"truth": t, "predicted": p, "photos": n} for t, p, n in report.top_confusions],
        title="most frequent confusions",
    )
    for a in annotated:
        info(f"{a.path}: {', '.join(f'{n} {c:.2f}' for n, c in a.detections) or 'no detection'}")
