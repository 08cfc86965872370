"""Vision benchmark: photos into the graph against a bare Ultralytics ``predict`` loop, same files, same run.

    python -m bench.vision_pipeline --images 200 --out bench/out/vision

Steps, all in one command against a fresh Neo4j of its own (home under ``--out``,
free ports, stopped at the end, also on error; as ``bench.ingest_scale`` does it):

1. A fixed-seed sample of ``--images`` real catalog photos, half from
   ``<datasets>/myntra/images`` and half from ``<datasets>/hm/images``, shuffled together,
   referenced where they are (their paths tell ``ingest_images`` which product each shows),
   and ``--warmup`` other photos for the warm-ups. Every file is read once beforehand, so
   no phase pays for a cold disk cache.
2. ``init_schema``, then the real H&M ``articles.csv`` and Myntra ``styles.csv`` loaded
   with ``ingest_catalog``, so the photos get their ``DEPICTS`` links as in real use.
3. For each batch size of ``--batch-sizes``, each phase in a fresh subprocess (its peak RSS
   is ``VmHWM``, its own alone):

   * **bare**: ``YOLO(weights).predict(<out>/photos.txt, imgsz, batch, conf, iou,
     stream=True, verbose=False)``: Ultralytics reading the files and batching them
     itself, at the size the model was trained at (what ``Detector`` uses), after a
     warm-up on the warm-up photos. The paths go in a list file because Ultralytics
     (8.4) decodes a Python list of paths whole, up front, and runs it as one batch,
     whatever ``batch`` says;
   * **bare + retina masks**: the same with ``retina_masks=True``, as ``Detector`` calls
     it (masks at each photo's own resolution): the part of the pipeline's detect stage
     that is Ultralytics' own work;
   * **pipeline**: ``vision.ingest.ingest_images(driver, paths, model_path=weights,
     batch_size=b)`` into the graph: load, detect + segment, colour, embed (the whole
     photo and each detection's masked crop), write, link. A warm-up call on the
     warm-up photos first, whose Image and Detection nodes are then deleted, as are
     those of the previous batch size before it;
   * **pipeline, tuned** (only if ``--phases`` names ``pipeline-tuned``; a what-if, not the
     library as shipped): the same call with two settings patched in from outside, the
     embedder's batch at ``--tuned-embed-batch`` instead of 16, and torch left at every
     CPU instead of the ``cpu_count - 1`` threads that Ultralytics sets (process-wide, so
     for the embedder too) when a model first predicts on the CPU.

Rates are photos per second over the whole call (the pipeline's includes loading its
models, which the report shows apart as "setup": ``report.seconds`` minus its stages).
The ratio is pipeline ÷ bare. Results go to ``<out>/vision_pipeline.json`` and, as
Markdown, to ``<out>/vision_pipeline.md`` and stdout.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal, cast

from shopgraph.cypher.internal import bench as bq
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.connection import connect
from shopgraph.graphstore.core.runner import read
from shopgraph.graphstore.ingest.loader import ingest_catalog
from shopgraph.relational.memory import peak_rss_mib

from .ingest_scale import (
    MIB,
    ServerMonitor,
    _Meter,
    _table,
    benchmark_server,
    machine_info,
    run_auto_commit,
    server_info,
)
from .scale_data import REAL_DATASETS, RealFiles

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_WEIGHTS = ROOT / "vision" / "models" / "shopgraph-seg.pt"
CONF, IOU = 0.25, 0.7  # Detector's defaults, which ingest_images uses
SOURCES = ("myntra", "hm")
STAGES = ("load", "detect", "colour", "embed", "recognise", "write", "link", "setup")
Kind = Literal["bare", "bare-retina", "pipeline", "pipeline-tuned"]
KIND_NAMES: dict[str, str] = {
    "bare": "bare predict",
    "bare-retina": "bare predict, retina masks",
    "pipeline": "ingest_images",
    "pipeline-tuned": "ingest_images, tuned (what-if)",
}
DEFAULT_PHASES = ["bare", "bare-retina", "pipeline"]
PIPELINES = ("pipeline", "pipeline-tuned")


# --- the photos -------------------------------------------------------------------------


def sample_photos(datasets: Path, images: int, warmup: int, seed: int) -> tuple[list[Path], list[Path]]:
    """``images`` photos to measure and ``warmup`` others, half from each source, shuffled.

    Raises:
        SystemExit: a source folder has too few photos.
    """
    rng = random.Random(seed)
    measured: list[Path] = []
    warm: list[Path] = []
    for i, source in enumerate(SOURCES):
        pool = sorted((datasets / source / "images").rglob("*.jpg"))
        n, w = (images + 1 - i) // 2, (warmup + 1 - i) // 2  # the first source takes the odd one
        if n + w > len(pool):
            raise SystemExit(f"{datasets / source / 'images'} has {len(pool)} photos, fewer than {n + w} asked for")
        picked = rng.sample(pool, n + w)
        measured += picked[:n]
        warm += picked[n:]
    rng.shuffle(measured)
    rng.shuffle(warm)
    return measured, warm


# --- one phase, in a subprocess ---------------------------------------------------------


@dataclass(frozen=True)
class PhaseSpec:
    """One measured phase: which kind, over which photos, at which batch size."""

    kind: Kind
    photos: tuple[str, ...]
    warmup: tuple[str, ...]
    photos_file: Path
    warmup_file: Path
    weights: Path
    batch_size: int
    settings: Settings
    server_pid: int
    tuned_embed_batch: int = 16


@dataclass
class PhaseResult:
    """What one phase did and cost. Times in seconds, memory in MiB."""

    kind: str
    batch_size: int
    images: int
    seconds: float
    detections: int
    imgsz: int
    stages: dict[str, float]
    cpu_seconds: float
    server_cpu_seconds: float
    other_cpu_cores: float
    rss_start_mib: float
    rss_ready_mib: float
    peak_rss_mib: float
    """Peak RSS of the whole subprocess (``VmHWM``): imports, models, warm-up and the measured part."""
    measured_peak_rss_mib: float | None
    """Peak RSS of the measured part alone (``VmHWM`` reset after the warm-up); None where it cannot be reset."""
    torch_threads: int
    extra: dict[str, Any] = field(default_factory=dict)
    server_peak_rss_mib: float = 0.0

    @property
    def images_per_s(self) -> float:
        return self.images / self.seconds if self.seconds else 0.0


def phase(spec: PhaseSpec) -> PhaseResult:
    """Run one phase (see the module docstring); runs in a fresh subprocess."""
    meter = _Meter(spec.server_pid)
    start = meter.sample(0)
    run = _pipeline if spec.kind in PIPELINES else _bare
    images, detections, imgsz, stages, extra, ready_rss, measured_peak = run(spec, meter)
    end = meter.sample(images)
    import torch  # loaded by now

    return PhaseResult(
        kind=spec.kind,
        batch_size=spec.batch_size,
        images=images,
        seconds=end.seconds,
        detections=detections,
        imgsz=imgsz,
        stages=stages,
        cpu_seconds=end.loader_cpu_s,
        server_cpu_seconds=end.server_cpu_s,
        other_cpu_cores=round(max(end.machine_busy_s - end.loader_cpu_s - end.server_cpu_s, 0.0) / end.seconds, 2),
        rss_start_mib=start.rss_mib,
        rss_ready_mib=ready_rss,
        peak_rss_mib=round(peak_rss_mib(), 1),
        measured_peak_rss_mib=measured_peak,
        torch_threads=torch.get_num_threads(),
        extra=extra,
    )


def _rss_mib() -> float:
    import psutil

    return round(psutil.Process().memory_info().rss / MIB, 1)


def _reset_peak_rss() -> bool:
    """Restart ``VmHWM`` from the current RSS (``5`` into ``/proc/self/clear_refs``, Linux 4.0+); False if refused."""
    try:
        Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
    except OSError:
        return False
    return True


PhaseOutput = tuple[int, int, int, dict[str, float], dict[str, Any], float, float | None]
"""photos, detections, imgsz, stage seconds, extras, RSS when ready, peak RSS of the measured part."""


def _trained_imgsz(weights: Path) -> int:
    """The inference size ``Detector`` uses when not told: the size the model was trained at (else 640)."""
    from shopgraph.vision.ultralytics_env import configure_ultralytics

    configure_ultralytics()
    from ultralytics import YOLO

    return int(YOLO(str(weights), task="segment").overrides.get("imgsz", 640))


def _bare(spec: PhaseSpec, meter: _Meter) -> PhaseOutput:
    """Ultralytics alone: ``predict`` over the paths, its own loading and batching, results consumed as they come."""
    from shopgraph.vision.ultralytics_env import configure_ultralytics, ultralytics_logging

    configure_ultralytics()
    from ultralytics import YOLO

    with ultralytics_logging():
        model = YOLO(str(spec.weights), task="segment")
        imgsz = _trained_imgsz(spec.weights)
        options: dict[str, Any] = {
            "imgsz": imgsz,
            "batch": spec.batch_size,
            "conf": CONF,
            "iou": IOU,
            "stream": True,
            "verbose": False,
        }
        if spec.kind == "bare-retina":
            options.update(retina_masks=True, rect=False)

        def detections(source: Path) -> tuple[int, int, float]:
            count, images, predict_s = 0, 0, 0.0
            result: Any  # an Ultralytics Results, read here and dropped
            for result in model.predict(str(source), **options):
                images += 1
                count += len(result.boxes) if result.boxes is not None else 0
                predict_s += sum(result.speed.values()) / 1000  # ms per image: preprocess, inference, postprocess
            return images, count, predict_s

        detections(spec.warmup_file)
        ready = _rss_mib()
        reset = _reset_peak_rss()
        meter.restart()
        images, count, predict_s = detections(spec.photos_file)
    peak = round(peak_rss_mib(), 1) if reset else None
    return images, count, imgsz, {}, {"ultralytics_speed_s": round(predict_s, 3)}, ready, peak


def _pipeline(spec: PhaseSpec, meter: _Meter) -> PhaseOutput:
    """``ingest_images`` into the benchmark's graph, after a warm-up call whose nodes are deleted again."""
    from shopgraph.vision.ingest import ingest_images

    if spec.kind == "pipeline-tuned":
        _tune(spec.tuned_embed_batch)
    driver = connect(spec.settings)
    try:
        run_auto_commit(driver, bq.CLEAR_IMAGES)
        ingest_images(driver, spec.warmup, model_path=spec.weights, batch_size=spec.batch_size)
        run_auto_commit(driver, bq.CLEAR_IMAGES)
        ready = _rss_mib()
        reset = _reset_peak_rss()
        meter.restart()
        report = ingest_images(driver, spec.photos, model_path=spec.weights, batch_size=spec.batch_size)
    finally:
        driver.close()
    peak = round(peak_rss_mib(), 1) if reset else None
    stages = {stage: round(report.timings.get(stage, 0.0), 3) for stage in STAGES if stage != "setup"}
    stages["setup"] = round(report.seconds - sum(report.timings.values()), 3)
    w = report.write
    extra = {
        "report_seconds": round(report.seconds, 3),
        "ok": report.ok,
        "skipped": report.skipped,
        "failed": [(f.path, f.reason) for f in report.failed],
        "depicted": report.depicted,
        "images_without_detections": report.images_without_detections,
        "model_version": report.model_version,
        "embedding_model": report.embedding_model,
        "embeddings": report.ok + report.detections_written,
        "write": {
            "batches": w.batches,
            "nodes_created": w.nodes_created,
            "relationships_created": w.relationships_created,
            "properties_set": w.properties_set,
        },
    }
    return report.files_seen, report.detections_written, _trained_imgsz(spec.weights), stages, extra, ready, peak


def _tune(embed_batch: int) -> None:
    """The what-if of ``pipeline-tuned``: patch the embedder's batch and Ultralytics' CPU thread count from outside."""
    import os

    from ultralytics.utils import torch_utils

    from shopgraph.vision import ingest as vision_ingest
    from shopgraph.vision.embed import Embedder

    class TunedEmbedder(Embedder):
        @classmethod
        def load(cls, weights: Path | None = None, batch_size: int = embed_batch) -> Embedder:
            return Embedder.load(weights, batch_size)

    vision_ingest.Embedder = TunedEmbedder  # type: ignore[misc]
    torch_utils.NUM_THREADS = os.cpu_count() or 1  # what select_device() passes to torch.set_num_threads


def run_phase(spec: PhaseSpec, monitor: ServerMonitor) -> PhaseResult:
    """``phase(spec)`` in a new subprocess, with the server's peak RSS meanwhile."""
    print(f"{KIND_NAMES[spec.kind]}, batch {spec.batch_size}: {len(spec.photos)} photos", file=sys.stderr, flush=True)
    monitor.reset()
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        result = pool.submit(phase, spec).result()
    result.server_peak_rss_mib = monitor.peak_mib
    print(
        f"  done: {result.images} photos in {result.seconds:.1f} s = {result.images_per_s:.1f}/s, "
        f"{result.detections} detections, peak RSS {result.peak_rss_mib:.0f} MiB",
        file=sys.stderr,
        flush=True,
    )
    return result


# --- the benchmark ----------------------------------------------------------------------


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Sample the photos, start a server, load the catalogs, run every phase; return the results."""
    out: Path = args.out.resolve()
    started = time.perf_counter()
    weights: Path = args.weights.resolve()
    if not weights.is_file():
        raise SystemExit(f"no weights at {weights}: pass --weights")
    photos, warmup = sample_photos(args.datasets, args.images, args.warmup, args.seed)
    for path in (*photos, *warmup):
        path.read_bytes()  # into the page cache, so that no phase reads from a cold disk
    real = RealFiles.under(args.datasets)
    out.mkdir(parents=True, exist_ok=True)
    photos_file, warmup_file = out / "photos.txt", out / "warmup.txt"
    photos_file.write_text("".join(f"{p.resolve()}\n" for p in photos), encoding="utf-8")
    warmup_file.write_text("".join(f"{p.resolve()}\n" for p in warmup), encoding="utf-8")

    phases: list[PhaseResult] = []
    with benchmark_server(out / "home", args.bolt_port, args.http_port) as bench:
        settings, driver, server_pid, monitor = bench.settings, bench.driver, bench.pid, bench.monitor
        result: dict[str, Any] = {"server": server_info(driver, settings)}
        catalogs = {}
        for name, path in (("hm", real.articles), ("myntra", real.styles)):
            report = ingest_catalog(driver, path, rejects_path=out / f"rejects-{name}.csv")
            catalogs[name] = {"file": str(path), "loaded": report.written, "seconds": round(report.write.seconds, 1)}
            print(f"catalog {path}: {report.written:,} products", file=sys.stderr, flush=True)

        for batch_size in args.batch_sizes:
            for kind in args.phases:
                spec = PhaseSpec(
                    cast(Kind, kind),
                    tuple(map(str, photos)),
                    tuple(map(str, warmup)),
                    photos_file,
                    warmup_file,
                    weights,
                    batch_size,
                    settings,
                    server_pid,
                    args.tuned_embed_batch,
                )
                phases.append(run_phase(spec, monitor))
        result["graph"] = read(driver, bq.VISION_GRAPH_CHECKS)[0]
    result.update(
        {
            "command": "python -m bench.vision_pipeline " + " ".join(sys.argv[1:]),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": machine_info(),
            "weights": str(weights),
            "photos": {source: sum(1 for p in photos if f"/{source}/" in str(p)) for source in SOURCES},
            "warmup_photos": len(warmup),
            "seed": args.seed,
            "catalogs": catalogs,
            "total_seconds": round(time.perf_counter() - started, 1),
            "phases": [{**asdict(p), "images_per_s": round(p.images_per_s, 2)} for p in phases],
            "ratios": ratios(phases),
        }
    )
    return result


def ratios(phases: list[PhaseResult]) -> dict[str, dict[str, float]]:
    """Per batch size: each pipeline's photos/s ÷ bare photos/s (and ÷ bare with retina masks)."""
    out: dict[str, dict[str, float]] = {}
    for batch_size in sorted({p.batch_size for p in phases}):
        rate = {p.kind: p.images_per_s for p in phases if p.batch_size == batch_size}
        out[str(batch_size)] = {
            f"{pipe}/{kind}": round(rate[pipe] / rate[kind], 3)
            for pipe in PIPELINES
            for kind in ("bare", "bare-retina")
            if rate.get(pipe) and rate.get(kind)
        }
    return out


# --- the report -------------------------------------------------------------------------


def markdown(result: dict[str, Any]) -> str:
    """The results as Markdown tables, for docs/benchmarks.md."""
    m, s, phases = result["machine"], result["server"], result["phases"]
    first = next((p for p in phases if p["kind"] == "pipeline"), phases[0])
    first_bare = next((p for p in phases if p["kind"] == "bare"), phases[0])
    lines = [
        f"Command: `{result['command']}`  ",
        f"Date: {result['date']}; machine: {m['cpus']} CPUs, {m['memory_gib']} GiB RAM, load average (1/5/15 min) "
        f"{'/'.join(f'{x:.1f}' for x in m['load_average'])} at the end; Python {m['python']}; "
        f"Neo4j {s['components'].get('Neo4j Kernel', '?')}; "
        f"torch threads after predict {first_bare['torch_threads']}.  ",
        f"Model: `{Path(result['weights']).name}` ({first['extra'].get('model_version', '?')}), imgsz "
        f"{first['imgsz']}, conf {CONF}, iou {IOU}; embeddings {first['extra'].get('embedding_model', '?')}.  ",
        f"Photos: {result['photos']['myntra']} Myntra (224×224) + {result['photos']['hm']} H&M (360×540), "
        f"seed {result['seed']}; {result['warmup_photos']} others for the warm-ups; whole run "
        f"{result['total_seconds'] / 60:.1f} min.",
        "",
    ]
    rows = []
    for p in phases:
        ratio = ""
        if p["kind"] in PIPELINES:
            r, key = result["ratios"].get(str(p["batch_size"]), {}), p["kind"]
            ratio = f"**{r[f'{key}/bare']:.2f}**" if f"{key}/bare" in r else "?"
            if f"{key}/bare-retina" in r:
                ratio += f" ({r[f'{key}/bare-retina']:.2f})"
        rows.append(
            [
                KIND_NAMES[p["kind"]],
                p["batch_size"],
                p["images"],
                p["detections"],
                f"{p['seconds']:.1f}",
                f"{p['images_per_s']:.1f}",
                ratio,
                f"{p['cpu_seconds']:.1f}",
                f"{p['server_cpu_seconds']:.1f}",
                f"{p['other_cpu_cores']:.2f}",
                f"{p['rss_ready_mib']:.0f}",
                _mib(p["measured_peak_rss_mib"]),
                f"{p['peak_rss_mib']:.0f}",
            ]
        )
    lines += _table(
        [
            "phase",
            "batch",
            "photos",
            "detections",
            "s",
            "photos/s",
            "pipeline ÷ bare (÷ bare retina)",
            "CPU s",
            "server CPU s",
            "others' CPU (cores)",
            "RSS ready MiB",
            "peak RSS, measured part MiB",
            "peak RSS, whole process MiB",
        ],
        rows,
    )
    lines += [
        "",
        "Stages of `ingest_images` (seconds, from `ImageIngestReport.timings`; setup is the rest of "
        "`report.seconds`: loading both models, the colour references, the per-batch skip query):",
        "",
    ]
    rows = []
    for p in phases:
        if p["kind"] not in PIPELINES:
            continue
        total = sum(p["stages"].values())
        per_image = 1000 * total / p["images"]
        shares = [f"{p['stages'][s]:.2f} ({100 * p['stages'][s] / total:.0f}%)" for s in STAGES]
        rows.append(
            [
                KIND_NAMES[p["kind"]],
                p["batch_size"],
                *shares,
                f"{total:.2f}",
                f"{per_image:.0f}",
                p["extra"]["embeddings"],
                p["extra"]["depicted"],
            ]
        )
    lines += _table(["phase", "batch", *STAGES, "total", "ms / photo", "embeddings", "photos linked to products"], rows)
    g = result["graph"]
    lines += [
        "",
        f"Graph at the end: {g['images']} Image nodes, {g['detections']} Detection nodes "
        f"({g['detectionEmbeddings']} with embeddings), {g['depicts']} DEPICTS; Image nodes with "
        f"`detectionCount`: {g['withDetectionCount']}, with `detections`: {g['withDetections']}.",
    ]
    return "\n".join(lines) + "\n"


def _mib(value: float | None) -> str:
    return "?" if value is None else f"{value:.0f}"


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",")]


def _kinds(text: str) -> list[str]:
    kinds = text.split(",")
    unknown = sorted(set(kinds) - set(KIND_NAMES))
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown phases {unknown}; choose from {sorted(KIND_NAMES)}")
    return kinds


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m bench.vision_pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=200, help="photos measured, half Myntra and half H&M")
    parser.add_argument("--warmup", type=int, default=32, help="other photos for the warm-ups")
    parser.add_argument(
        "--batch-sizes",
        type=_ints,
        default=[8, 16, 32],
        help="batch sizes (detector batch = write transaction), comma-separated",
    )
    parser.add_argument(
        "--phases",
        type=_kinds,
        default=DEFAULT_PHASES,
        help=f"phases per batch size, in order, comma-separated, of {','.join(KIND_NAMES)} "
        f"(default {','.join(DEFAULT_PHASES)})",
    )
    parser.add_argument(
        "--tuned-embed-batch",
        type=int,
        default=4,
        help="embedder batch of the pipeline-tuned phase (the library's is 16)",
    )
    parser.add_argument("--weights", type=Path, default=DEFAULT_WEIGHTS, help="YOLO segmentation weights")
    parser.add_argument(
        "--datasets",
        type=Path,
        default=REAL_DATASETS,
        help="folder with myntra/ and hm/ (images/ and the catalog files)",
    )
    parser.add_argument("--out", type=Path, default=Path("bench/out/vision"), help="folder for server and results")
    parser.add_argument("--seed", type=int, default=7, help="seed of the photo sample")
    parser.add_argument("--bolt-port", type=int, default=0, help="Bolt port of the benchmark server (0: a free one)")
    parser.add_argument("--http-port", type=int, default=0, help="HTTP port of the benchmark server (0: a free one)")
    args = parser.parse_args(argv)
    if args.images <= 0 or args.warmup <= 0 or args.tuned_embed_batch <= 0 or min(args.batch_sizes) <= 0:
        parser.error(
            f"--images, --warmup, --tuned-embed-batch and --batch-sizes must be positive, got "
            f"{args.images}, {args.warmup}, {args.tuned_embed_batch}, {args.batch_sizes}"
        )
    return args


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; write ``vision_pipeline.json`` and ``.md`` under ``--out``; print the Markdown."""
    args = parse_args(argv)
    result = benchmark(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "vision_pipeline.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    report = markdown(result)
    (args.out / "vision_pipeline.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
