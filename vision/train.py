"""Train the product detector-segmenter: Ultralytics YOLO11n-seg from its model YAML, offline.

No pretrained weights ship for this task (and none can be downloaded here), so the network
starts from random weights built from ``yolo11n-seg.yaml``. Training is resumable: with
``resume=True`` and an existing ``<out_dir>/weights/last.pt`` the run continues from that
checkpoint (its epoch count, optimiser state and data), whatever the other arguments say; a
finished run is reported as it is, not trained again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from shopgraph.graphstore.core.defaults import VISION
from shopgraph.graphstore.core.errors import ShopgraphError
from shopgraph.vision.ultralytics_env import configure_ultralytics

MODEL_YAML = "yolo11n-seg.yaml"


class TrainingFailed(ShopgraphError):
    """Ultralytics stopped with an error, or left no weights behind."""

    exit_code = 8


@dataclass(frozen=True)
class TrainReport:
    """Where the weights are, how long it took, and the last validation metrics (name → value).

    ``status`` is ``"trained"`` (a new run), ``"resumed"`` (continued from ``last.pt``) or
    ``"finished"`` (``last.pt`` was already a finished run: nothing was trained).
    """

    out_dir: Path
    best: Path
    last: Path
    epochs: int
    imgsz: int
    device: str
    status: str
    seconds: float
    metrics: dict[str, float] = field(default_factory=dict)


def default_device() -> str:
    """``"0"`` (the first CUDA GPU) when torch sees one, else ``"cpu"``."""
    import torch

    return "0" if torch.cuda.is_available() else "cpu"


def default_workers() -> int:
    """Data-loader processes: one fewer than the CPUs this process may use, at least 1, at most 8."""
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, min(8, cpus - 1))


def train(
    data_yaml: Path,
    out_dir: Path,
    epochs: int = VISION.epochs,
    imgsz: int = VISION.imgsz,
    batch: int = VISION.batch,
    resume: bool = True,
    device: str | None = None,
    seed: int = VISION.seed,
    workers: int | None = None,
    close_mosaic: int = 3,
    optimizer: str = "AdamW",
    lr0: float = 0.002,
    warmup_epochs: float = 1.0,
    overrides: Mapping[str, Any] | None = None,
) -> TrainReport:
    """Train YOLO11n-seg on ``data_yaml``; weights in ``<out_dir>/weights/{best,last}.pt``.

    Args:
        data_yaml: the ``data.yaml`` of :func:`vision.dataset.build_dataset`.
        out_dir: the run folder (Ultralytics ``project``/``name`` are set so it is exactly this).
        epochs, imgsz, batch: Ultralytics' training arguments (defaults 20, 256, 16: ``defaults.VISION``).
        resume: continue from ``<out_dir>/weights/last.pt`` if it exists (default True).
        device: ``"cpu"``, ``"0"``...; default :func:`default_device`.
        seed: Ultralytics' seed, with ``deterministic=True``.
        workers: data-loader processes; default :func:`default_workers`.
        close_mosaic: last epochs without mosaic augmentation (default 3: short runs keep mosaic
            for most epochs, then see whole single-product images, as at inference).
        optimizer, lr0, warmup_epochs: AdamW at 0.002 after 1 warm-up epoch (defaults). Ultralytics'
            "auto" picks AdamW at 0.002·5/(4 + nc) ≈ 0.0006 for short runs, a fine-tuning rate; from
            random weights and in few epochs the higher rate learns faster.
        overrides: more Ultralytics training arguments (they win over the ones above).

    Raises:
        FileNotFoundError: ``data_yaml`` does not exist.
        TrainingFailed: Ultralytics raised, or no ``best.pt``/``last.pt`` was written.
    """
    if not data_yaml.is_file():
        raise FileNotFoundError(f"data file {data_yaml} not found: build the dataset first")
    configure_ultralytics()
    from ultralytics import YOLO

    out_dir = out_dir.resolve()
    last = out_dir / "weights" / "last.pt"
    checkpoint = _checkpoint_args(last) if resume and last.is_file() else None
    status = "trained" if checkpoint is None else "finished" if checkpoint["finished"] else "resumed"
    if checkpoint is not None:
        epochs, imgsz = int(checkpoint["epochs"]), int(checkpoint["imgsz"])
    device = device or default_device()
    started = time.monotonic()
    try:
        if status == "resumed":
            YOLO(str(last)).train(resume=True)
        elif status == "trained":
            arguments: dict[str, Any] = {
                "data": str(data_yaml.resolve()),
                "epochs": epochs,
                "imgsz": imgsz,
                "batch": batch,
                "device": device,
                "seed": seed,
                "deterministic": True,
                "workers": workers if workers is not None else default_workers(),
                "project": str(out_dir.parent),
                "name": out_dir.name,
                "exist_ok": True,
                # No pretrained checkpoint exists to start from, and AMP checks download one.
                "pretrained": False,
                "amp": False,
                # Plots need a TTF font that Ultralytics would download.
                "plots": False,
                "close_mosaic": close_mosaic,
                "optimizer": optimizer,
                "lr0": lr0,
                "warmup_epochs": warmup_epochs,
                "cache": "ram",
                "verbose": True,
            }
            arguments.update(overrides or {})
            YOLO(MODEL_YAML, task="segment").train(**arguments)
    except Exception as e:  # Ultralytics raises bare Exceptions, RuntimeErrors and more
        raise TrainingFailed(f"training in {out_dir} failed: {e}") from e
    best = out_dir / "weights" / "best.pt"
    if not best.is_file() and not last.is_file():
        raise TrainingFailed(f"training in {out_dir} wrote no weights")
    return TrainReport(
        out_dir=out_dir,
        best=best if best.is_file() else last,
        last=last,
        epochs=epochs,
        imgsz=imgsz,
        device=device,
        status=status,
        seconds=round(time.monotonic() - started, 1),
        metrics=read_metrics(out_dir),
    )


def _checkpoint_args(path: Path) -> dict[str, Any]:
    """``epochs`` and ``imgsz`` a checkpoint was trained with, and whether its run is ``finished``.

    Ultralytics marks a finished run's checkpoint with ``epoch == -1`` (optimiser stripped); resuming
    it raises, so a finished run is reported instead of retrained.
    """
    from ultralytics.utils.torch_utils import torch_load

    try:
        ckpt = torch_load(str(path), map_location="cpu")
    except Exception as e:  # a truncated or foreign file
        raise TrainingFailed(f"cannot read checkpoint {path}: {e}") from e
    args = ckpt.get("train_args") or {}
    return {"epochs": args.get("epochs", 0), "imgsz": args.get("imgsz", 0), "finished": ckpt.get("epoch", -1) == -1}


def export_weights(weights: Path, dest: Path, max_mb: float = 10.0) -> Path:
    """Copy ``weights`` to ``dest`` without the optimiser state (half-precision model, no EMA copy).

    Raises:
        FileNotFoundError: ``weights`` does not exist.
        TrainingFailed: ``weights`` is not an Ultralytics checkpoint, or the stripped file is
            still larger than ``max_mb`` MB.
    """
    if not weights.is_file():
        raise FileNotFoundError(f"weights {weights} not found")
    configure_ultralytics()
    from ultralytics.utils.torch_utils import strip_optimizer

    dest.parent.mkdir(parents=True, exist_ok=True)
    if not strip_optimizer(str(weights), str(dest)):
        raise TrainingFailed(f"{weights} is not an Ultralytics checkpoint")
    size_mb = dest.stat().st_size / 1e6
    if size_mb > max_mb:
        raise TrainingFailed(f"{dest} is {size_mb:.1f} MB, over the {max_mb} MB limit")
    return dest


def read_metrics(out_dir: Path) -> dict[str, float]:
    """The last row of Ultralytics' ``results.csv`` in ``out_dir`` (column → value); empty if none."""
    path = out_dir / "results.csv"
    if not path.is_file():
        return {}
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if len(lines) < 2:
        return {}
    header = [h.strip() for h in lines[0].split(",")]
    values = [v.strip() for v in lines[-1].split(",")]
    return {h: float(v) for h, v in zip(header, values, strict=False) if _is_number(v)}


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True
