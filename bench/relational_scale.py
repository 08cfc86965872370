"""Train and evaluate the relational model on the H&M data and on it scaled: time, CPU and peak memory.

    python -m bench.relational_scale --scales 1,10 --eval-cutoffs 2 --out bench/out/relational_scale
    python -m bench.relational_scale --quick   # smoke test: scale 0.1, 1 cut-off, 1 epoch, one KGE model

For each scale ``s`` of ``--scales``, against a fresh Neo4j of its own (``bench.ingest_scale.benchmark_server``:
home under ``--out``, free ports, stopped at the end, also on error):

1. **Data** (``bench.scale_data``): ``s`` times the real catalog (11,800 H&M articles + 3,500 Myntra
   styles, in that proportion) and ``s`` times the real 15,696 H&M transactions, each copy of them
   bought by its own copy of the 682 real customers; loaded with the library's loaders, each in a
   subprocess (``bench.ingest_scale.run_load``), timed apart from the model.
2. **Vectors of the copies.** A copy keeps its original's name and description, so it gets the
   original's ``textEmbedding`` and ``textEmbeddingOf`` (looked up by that hash of its own text, as
   ``relational.features.embed_product_texts`` would write them), and ``train_models`` embeds
   nothing again; a copy of a product with photos gets one ``Image`` (``id``, ``embedding``) per
   photo of the original, ``DEPICTS`` it: all that ``relational.export.read_snapshot`` reads, so
   photos grow with the catalog. The originals' vectors are read once from the dev graph (the local
   server of ``graphstore.core.config.load_settings()``, which holds the real H&M and Myntra data, texts
   embedded and 704 photos linked) and kept in ``<out>/dev-vectors.npz``; delete it to read again.
3. **Train**, then **evaluate**, each in a fresh subprocess, so that its CPU time and peak RSS are
   its own: ``relational.pipeline.train_models`` with the project's defaults (8 recommender epochs,
   TransE, DistMult and ComplEx compared, INFERRED facts written) and ``evaluate_models`` (the six
   baselines, the three fusions and the model with the repurchase prior) on ``--eval-cutoffs``
   cut-offs of the rolling split (the CLI default is 8), both on the H&M purchases
   (``purchase_source="hm"``). Measured: wall time of the
   subprocess (interpreter and imports included, as ``shopgraph train`` pays them), its user + system
   CPU (``getrusage``), its peak RSS (``VmHWM``: Linux carries ``ru_maxrss`` over the ``exec`` of a
   spawned child, see ``shopgraph.relational.memory.peak_rss_mib``), the server's CPU and peak RSS meanwhile,
   and the steps' own seconds (``TrainReport.seconds``, each method's fit per cut-off).
4. **Per cut-off.** From the evaluation's progress events, the wall time of each cut-off (all its
   fits, lists and scores); ``8 cut-offs (extrapolated)`` is the evaluation's wall time with the
   measured cut-offs replaced by 8 of their mean. The measured cut-offs are the latest, fitted on
   the most purchases, so that is an upper bound of the real 8-cut-off run.

Results, and the growth of each measure from the first scale to the others (all in one command, on
one machine state), go to ``<out>/result.json`` (rewritten after each scale) and, as Markdown, to
``<out>/result.md`` and stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Literal

import numpy as np
import psutil
from neo4j import Driver
from numpy.typing import NDArray

from shopgraph.cypher.internal import bench as bq
from shopgraph.cypher.internal import relational as rq
from shopgraph.graphstore.core.config import Settings, load_settings
from shopgraph.graphstore.core.connection import connect
from shopgraph.graphstore.core.runner import read, write_batches
from shopgraph.graphstore.ingest.loader import Kind
from shopgraph.relational.data import FACT_RELATIONS
from shopgraph.relational.features import product_text, text_hash
from shopgraph.relational.memory import peak_rss_mib

from .ingest_scale import (
    BenchServer,
    LoadSpec,
    benchmark_server,
    cpu_seconds,
    machine_info,
    run_auto_commit,
    run_load,
    server_info,
)
from .query_latency import copy_originals
from .scale_data import REAL_DATASETS, RealFiles, data_rows, scale

FULL_CUTOFFS = 8  # evaluate_models' default, what `shopgraph evaluate` runs

TEXT_BATCH = 1000
PHOTO_BATCH = 250  # 1,280 floats a row


# --- the originals' vectors, from the dev graph -------------------------------------------


@dataclass(frozen=True)
class DevVectors:
    """The real products' vectors: text vectors by ``textEmbeddingOf`` hash, photo vectors by product id."""

    text_hashes: NDArray[np.str_]
    text: NDArray[np.float32]
    photo_products: NDArray[np.str_]
    """One entry per photo: the product it depicts (a product has as many rows as photos)."""
    photos: NDArray[np.float32]

    def save(self, path: Path) -> None:
        np.savez(path, **asdict(self))

    @classmethod
    def load(cls, path: Path) -> DevVectors:
        with np.load(path, allow_pickle=False) as data:
            return cls(**{k: data[k] for k in data.files})


def read_dev_vectors(driver: Driver) -> DevVectors:
    """Every stored text vector (one per text hash) and every photo vector of a product, from ``driver``'s graph."""
    texts = read(driver, bq.DEV_TEXT_VECTORS)
    photos = read(driver, rq.SNAPSHOT_IMAGES)
    return DevVectors(
        text_hashes=np.array([r["hash"] for r in texts]),
        text=np.array([r["vector"] for r in texts], dtype=np.float32),
        photo_products=np.array([r["product"] for r in photos]),
        photos=np.array([r["embedding"] for r in photos], dtype=np.float32),
    )


def dev_vectors(cache: Path) -> DevVectors:
    """The vectors from ``cache``, or read from the dev graph now and saved there."""
    if cache.exists():
        print(f"dev-graph vectors from {cache}", file=sys.stderr, flush=True)
        return DevVectors.load(cache)
    driver = connect(load_settings())
    try:
        vectors = read_dev_vectors(driver)
    finally:
        driver.close()
    vectors.save(cache)
    print(
        f"dev-graph vectors: {len(vectors.text_hashes):,} texts, {len(vectors.photos):,} photos, saved to {cache}",
        file=sys.stderr,
        flush=True,
    )
    return vectors


# --- the copies' vectors ------------------------------------------------------------------


def copy_texts(driver: Driver, dev: DevVectors) -> dict[str, int]:
    """Give every product whose text's hash ``dev`` holds that vector and hash, as ``embed_product_texts`` would.

    Returns:
        ``written``, and ``not_in_cache``: products with text but no cached vector (left for
        ``train_models`` to embed, which its ``texts_embedded`` then counts).
    """
    at = {digest: i for i, digest in enumerate(dev.text_hashes.tolist())}
    records = read(driver, rq.TEXT_EMBEDDING_CANDIDATES)
    found: list[tuple[str, str]] = []
    missing = 0
    for r in records:
        text = product_text(r["name"], r["description"])
        if not text:
            continue
        digest = text_hash(text)
        if digest in at:
            found.append((r["id"], digest))
        else:
            missing += 1

    # Rows are made batch by batch: 150,000 vectors as Python lists would take gigabytes.
    def rows() -> Iterator[dict[str, Any]]:
        for pid, digest in found:
            yield {"id": pid, "vector": dev.text[at[digest]].tolist(), "textHash": digest}

    written = write_batches(
        driver, rq.WRITE_TEXT_EMBEDDINGS, rows(), batch_size=TEXT_BATCH, what="copied text vectors"
    ).returned
    return {"written": written, "not_in_cache": missing}


def copy_photos(driver: Driver, dev: DevVectors, original: Callable[[str], str]) -> int:
    """One ``Image`` per photo of its original for every product of the graph, ``DEPICTS`` it; returns how many."""
    photos: dict[str, list[int]] = {}
    for row, pid in enumerate(dev.photo_products.tolist()):
        photos.setdefault(pid, []).append(row)
    records = read(driver, bq.SCALED_PRODUCTS)

    def rows() -> Iterator[dict[str, Any]]:
        for r in records:
            for n, row in enumerate(photos.get(original(r["id"]), [])):
                yield {"id": f"bench-photo:{r['id']}:{n}", "product": r["id"], "embedding": dev.photos[row].tolist()}

    return write_batches(driver, bq.COPY_PHOTOS, rows(), batch_size=PHOTO_BATCH, what="copied photos").returned


# --- one measured step, in a subprocess ---------------------------------------------------


@dataclass(frozen=True)
class StepSpec:
    """One step to measure: ``train`` or ``evaluate`` on the server of ``settings``, files under ``folder``."""

    step: Literal["train", "evaluate"]
    settings: Settings
    folder: Path
    seed: int
    cutoffs: int
    quick: bool
    """1 recommender epoch, DistMult alone for 1 epoch, the attention fusion alone: a smoke test."""


def cutoff_seconds(events: Sequence[tuple[float, str]], first_fit_s: float) -> list[float]:
    """Wall seconds of each cut-off of an evaluation, from its progress events.

    Args:
        events: ``(seconds since the start, "method @ date")`` after each fit, listed and scored,
            in order (``evaluate`` fits every method at one cut-off before the next).
        first_fit_s: the first fit's own seconds; the first cut-off starts that long before the
            first event (the first method's lists and scores, not counted, are a popularity list's).

    Returns:
        Per cut-off in order: from the end of the one before (or the start of the first fit) to its
        last event.
    """
    ends: dict[str, float] = {}
    for seconds, label in events:
        ends[label.rpartition(" @ ")[2]] = seconds
    start = events[0][0] - first_fit_s if events else 0.0
    walls = []
    for end in ends.values():
        walls.append(end - start)
        start = end
    return walls


def _train(driver: Driver, spec: StepSpec, say: Callable[[str], None]) -> dict[str, Any]:
    from shopgraph.relational.pipeline import RecommenderSettings, train_models

    quick: dict[str, Any] = {"kge_models": ("distmult",), "kge_epochs": 1} if spec.quick else {}
    settings = RecommenderSettings(seed=spec.seed, epochs=1 if spec.quick else RecommenderSettings.epochs)
    report = train_models(driver, spec.folder / "models", settings=settings, purchase_source="hm", say=say, **quick)
    return {
        "customers": report.customers,
        "products": report.products,
        "purchases": report.purchases,
        "products_with_photo": report.products_with_photo,
        "texts_embedded": report.texts_embedded,
        "kge_triples": report.kge["triples"],
        "kge_fit_seconds": {r["model"]: round(r["seconds"], 1) for r in report.kge["results"]},
        "inferred": report.inferred,
        "rec_epochs": settings.epochs,
        "seconds": {k: round(v, 1) for k, v in report.seconds.items()},
        "report_peak_rss_mib": round(report.peak_rss_mib, 1),
    }


def _evaluate(driver: Driver, spec: StepSpec, say: Callable[[str], None]) -> dict[str, Any]:
    from shopgraph.relational.pipeline import RecommenderSettings, evaluate_models

    settings = RecommenderSettings(seed=spec.seed, epochs=1 if spec.quick else RecommenderSettings.epochs)
    quick: dict[str, Any] = {"fusions": ("attention",)} if spec.quick else {}
    events: list[tuple[float, str]] = []
    started = time.perf_counter()

    def progress(done: int, total: int, what: str) -> None:
        events.append((time.perf_counter() - started, what))
        say(f"{done}/{total} fitted: {what} ({events[-1][0]:.0f} s)")

    result = evaluate_models(
        driver,
        spec.folder / "evaluation",
        settings=settings,
        purchase_source="hm",
        cutoffs=spec.cutoffs,
        progress=progress,
        say=say,
        **quick,
    )
    report = result.report
    walls = cutoff_seconds(events, report.methods[0].per_cutoff[0].fit_seconds)
    return {
        "cutoffs": report.to_dict()["cutoffs"],
        "catalog_size": report.catalog_size,
        "pairs": report.total_pairs,
        "cutoff_seconds": [round(s, 1) for s in walls],
        "methods": {
            m.name: {
                "fit_seconds": [round(r.fit_seconds, 2) for r in m.per_cutoff],
                "map": round(m.metrics["map"], 4),
            }
            for m in report.methods
        },
        "report_peak_rss_mib": round(result.peak_rss_mib, 1),
    }


def run_step(spec: StepSpec) -> dict[str, Any]:
    """Run one step in this (fresh) process; its results, wall time of the call, and this process's CPU and peak RSS."""

    def say(line: str) -> None:
        print(f"  {spec.step}: {line}", file=sys.stderr, flush=True)

    work = _train if spec.step == "train" else _evaluate
    driver = connect(spec.settings)
    try:
        started = time.perf_counter()
        result = work(driver, spec, say)
        call_s = time.perf_counter() - started
    finally:
        driver.close()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        **result,
        "call_seconds": round(call_s, 1),
        "cpu_seconds": round(usage.ru_utime + usage.ru_stime, 1),
        "peak_rss_mib": round(peak_rss_mib(), 1),
    }


def measure_step(bench: BenchServer, spec: StepSpec) -> dict[str, Any]:
    """``run_step(spec)`` in a new subprocess; adds its wall time and the server's CPU and peak RSS meanwhile."""
    print(f"{spec.step} ({spec.folder.name})", file=sys.stderr, flush=True)
    server = psutil.Process(bench.pid)
    server_before = cpu_seconds(server)
    load_before = os.getloadavg()
    bench.monitor.reset()
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        result = pool.submit(run_step, spec).result()
    result.update(
        {
            "wall_seconds": round(time.perf_counter() - started, 1),
            "server_cpu_seconds": round(cpu_seconds(server) - server_before, 1),
            "server_peak_rss_mib": bench.monitor.peak_mib,
            "load_average": [load_before, os.getloadavg()],
        }
    )
    print(
        f"  {spec.step}: {result['wall_seconds']:.0f} s wall, {result['cpu_seconds']:.0f} s CPU, "
        f"peak RSS {result['peak_rss_mib']:.0f} MiB",
        file=sys.stderr,
        flush=True,
    )
    return result


# --- one scale ----------------------------------------------------------------------------


def scale_label(factor: float) -> str:
    """``1``, ``10``, ``0.05``: a scale as the folder names and tables show it."""
    return f"{factor:g}"


def run_scale(factor: float, args: argparse.Namespace, real: RealFiles, dev: DevVectors) -> dict[str, Any]:
    """Generate and load scale ``factor``, copy the vectors, train and evaluate; the measurements."""
    folder = args.out.resolve() / f"scale-{scale_label(factor)}"
    products = round(factor * (data_rows(real.articles) + data_rows(real.styles)))
    purchases = round(factor * data_rows(real.transactions))
    print(f"scale {factor:g}: {products:,} products, {purchases:,} purchases", file=sys.stderr, flush=True)
    started = time.perf_counter()
    files = scale(folder / "data", products, purchases, args.seed, real)
    result: dict[str, Any] = {"scale": factor, "generated": files.counts}
    result["generate_seconds"] = round(time.perf_counter() - started, 1)
    with benchmark_server(args.out.resolve() / "home", 0, 0) as bench:
        driver = bench.driver
        result["server"] = server_info(driver, bench.settings)
        inputs: list[tuple[str, Kind, Path]] = [
            ("H&M products (articles.csv)", "catalog", files.articles),
            ("Myntra products (styles.csv)", "catalog", files.styles),
            ("customers", "customers", files.customers),
            ("purchases (transactions.csv)", "purchases", files.transactions),
        ]
        loads = [
            run_load(LoadSpec(name, kind, path, args.batch_size, bench.settings, bench.pid), bench.monitor)
            for name, kind, path in inputs
        ]
        result["loads"] = [
            {
                "name": r.name,
                "rows": r.rows,
                "seconds": round(r.write_seconds, 1),
                "rows_per_s": round(r.rows_per_s),
                "peak_rss_mib": r.peak_rss_mib,
                "server_peak_rss_mib": r.server_peak_rss_mib,
            }
            for r in loads
        ]
        print("copying text and photo vectors", file=sys.stderr, flush=True)
        started = time.perf_counter()
        result["texts"] = copy_texts(driver, dev)
        result["text_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        original = copy_originals(real, files.counts["hm_articles"], files.counts["customer_copies"])[0]
        result["photos"] = copy_photos(driver, dev, original)
        result["photo_seconds"] = round(time.perf_counter() - started, 1)
        started = time.perf_counter()
        run_auto_commit(driver, bq.AWAIT_INDEXES)
        result["await_indexes_seconds"] = round(time.perf_counter() - started, 1)
        facts = read(driver, bq.FACT_COUNT, {"types": list(FACT_RELATIONS)})
        result["graph"] = {**read(driver, bq.GRAPH_COUNTS)[0], "facts": facts[0]["facts"]}
        print(f"graph: {result['graph']}, {result['photos']:,} photos", file=sys.stderr, flush=True)
        for step in ("train", "evaluate"):
            spec = StepSpec(step, bench.settings, folder, args.seed, args.eval_cutoffs, args.quick)
            result[step] = measure_step(bench, spec)
    return result


# --- summary, growth and the report -------------------------------------------------------


def extrapolated_seconds(wall_s: float, cutoffs: Sequence[float], full: int = FULL_CUTOFFS) -> float:
    """``wall_s`` with the measured ``cutoffs`` (their seconds) replaced by ``full`` cut-offs of their mean."""
    if not cutoffs:
        return wall_s
    return wall_s - sum(cutoffs) + full * sum(cutoffs) / len(cutoffs)


def summary(result: dict[str, Any]) -> dict[str, float]:
    """The headline measures of one scale, by label (sizes as the train step read them)."""
    train, evaluate = result["train"], result["evaluate"]
    cutoffs = evaluate["cutoff_seconds"]
    return {
        "products": train["products"],
        "customers": train["customers"],
        "purchases": train["purchases"],
        "facts": result["graph"]["facts"],
        "products with photo": train["products_with_photo"],
        "load s (4 files)": round(sum(r["seconds"] for r in result["loads"]), 1),
        "train wall s": train["wall_seconds"],
        "train CPU s": train["cpu_seconds"],
        "train peak RSS MiB": train["peak_rss_mib"],
        f"evaluate wall s ({len(cutoffs)} cut-offs)": evaluate["wall_seconds"],
        "evaluate CPU s": evaluate["cpu_seconds"],
        "evaluate peak RSS MiB": evaluate["peak_rss_mib"],
        "evaluate s per cut-off (mean)": round(sum(cutoffs) / len(cutoffs), 1),
        f"evaluate wall s, {FULL_CUTOFFS} cut-offs (extrapolated)": round(
            extrapolated_seconds(evaluate["wall_seconds"], cutoffs), 1
        ),
        "server peak RSS MiB (train / evaluate)": max(train["server_peak_rss_mib"], evaluate["server_peak_rss_mib"]),
    }


def growth(summaries: Sequence[dict[str, float]]) -> list[dict[str, float | None]]:
    """Each later scale's measures divided by the first scale's (``None`` where the first is 0)."""
    base = summaries[0]
    return [{k: round(v / base[k], 2) if base[k] else None for k, v in s.items()} for s in summaries[1:]]


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|---|" + "---:|" * (len(header) - 1)]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def _n(value: float | None) -> str:
    if value is None:
        return ""
    return f"{value:,.0f}" if abs(value) >= 100 or float(value).is_integer() else f"{value:,.1f}"


def markdown(result: dict[str, Any]) -> str:
    """The results as Markdown, for docs/benchmarks.md."""
    scales = result["scales"]
    labels = [f"{scale_label(s['scale'])}x" for s in scales]
    summaries = [summary(s) for s in scales]
    ratios = growth(summaries)
    ratio_labels = [f"{label} ÷ {labels[0]}" for label in labels[1:]]
    m, server = result["machine"], scales[0]["server"]
    lines = [
        f"Command: `{result['command']}`  ",
        f"Date: {result['date']}; machine: {m['cpus']} CPUs, {m['memory_gib']} GiB RAM, load average (1/5/15 min) "
        f"{'/'.join(f'{x:.1f}' for x in result['load_average_start'])} at the start, "
        f"{'/'.join(f'{x:.1f}' for x in m['load_average'])} at the end; Neo4j "
        f"{server['components'].get('Neo4j Kernel', '?')} (heap {server['memory'].get('server.memory.heap.max_size')}, "
        f"page cache {server['memory'].get('server.memory.pagecache.size')}); whole run "
        f"{result['total_seconds'] / 60:.1f} min; evaluation on {result['eval_cutoffs']} cut-off(s)"
        + (" (--quick: 1 epoch, DistMult only, attention fusion only)" if result["quick"] else "")
        + ".",
        "",
    ]
    rows = [
        [key, *(_n(s[key]) for s in summaries), *(f"**{r[key]}×**" if r[key] else "" for r in ratios)]
        for key in summaries[0]
    ]
    lines += _table(["", *labels, *ratio_labels], rows)
    lines += ["", "Steps, seconds (train: `TrainReport.seconds`; evaluate: wall time of each cut-off):", ""]
    steps: list[str] = list(scales[0]["train"]["seconds"])
    rows = [[f"train: {k}", *(_n(s["train"]["seconds"].get(k)) for s in scales)] for k in steps]
    rows += [
        [f"train: KGE fit, {model}", *(_n(s["train"]["kge_fit_seconds"].get(model)) for s in scales)]
        for model in scales[0]["train"]["kge_fit_seconds"]
    ]
    for i, cutoff in enumerate(scales[0]["evaluate"]["cutoffs"]):
        rows.append([f"evaluate: cut-off {cutoff['date']}", *(_n(s["evaluate"]["cutoff_seconds"][i]) for s in scales)])
    for name in scales[0]["evaluate"]["methods"]:
        rows.append(
            [
                f"evaluate: {name} fit, per cut-off",
                *(" / ".join(f"{x:.1f}" for x in s["evaluate"]["methods"][name]["fit_seconds"]) for s in scales),
            ]
        )
    lines += _table(["step", *labels], rows)
    lines += ["", "Loading each scale (not in the figures above):", ""]
    rows = [
        [load["name"], *(f"{s['loads'][i]['rows']:,} rows, {s['loads'][i]['seconds']:.1f} s" for s in scales)]
        for i, load in enumerate(scales[0]["loads"])
    ]
    rows.append(["text vectors copied", *(f"{s['texts']['written']:,}, {s['text_seconds']:.1f} s" for s in scales)])
    rows.append(["photos copied (Image + DEPICTS)", *(f"{s['photos']:,}, {s['photo_seconds']:.1f} s" for s in scales)])
    rows.append(["vector indexes online", *(f"{s['await_indexes_seconds']:.1f} s" for s in scales)])
    lines += _table(["", *labels], rows)
    return "\n".join(lines) + "\n"


def _scales(text: str) -> list[float]:
    return [float(x) for x in text.split(",")]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m bench.relational_scale", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--scales", type=_scales, default=None, help="comma-separated scale factors (default 1,10; --quick 0.1)"
    )
    parser.add_argument(
        "--eval-cutoffs",
        type=int,
        default=None,
        help=f"cut-offs of the evaluation (default 2, --quick 1; CLI {FULL_CUTOFFS})",
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 1 epoch, one KGE model for 1 epoch, one fusion"
    )
    parser.add_argument(
        "--datasets", type=Path, default=REAL_DATASETS, help="folder with hm/ and myntra/ of the real files"
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=Path("bench/out/relational_scale"),
        help="folder for data, server, models, cached vectors and results",
    )
    parser.add_argument("--batch-size", type=int, default=2000, help="rows per transaction of the loads")
    parser.add_argument("--seed", type=int, default=0, help="seed of the scaled data's draws and of the models")
    args = parser.parse_args(argv)
    if args.scales is None:
        args.scales = [0.1] if args.quick else [1.0, 10.0]
    if args.eval_cutoffs is None:
        args.eval_cutoffs = 1 if args.quick else 2
    if args.eval_cutoffs < 1 or any(s <= 0 for s in args.scales):
        parser.error(
            f"scales and cut-offs must be positive, got --scales {args.scales} --eval-cutoffs {args.eval_cutoffs}"
        )
    return args


def main(argv: list[str] | None = None) -> None:
    """Run every scale; write ``result.json`` (after each scale) and ``result.md`` to ``--out``; print the latter."""
    args = parse_args(argv)
    out: Path = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result: dict[str, Any] = {
        "command": "python -m bench.relational_scale " + " ".join(sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_start": os.getloadavg(),
        "seed": args.seed,
        "eval_cutoffs": args.eval_cutoffs,
        "quick": args.quick,
        "scales": [],
    }
    real = RealFiles.under(args.datasets)
    dev = dev_vectors(out / "dev-vectors.npz")
    for factor in args.scales:
        result["scales"].append(run_scale(factor, args, real, dev))
        result["machine"] = machine_info()
        result["total_seconds"] = round(time.perf_counter() - started, 1)
        (out / "result.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    report = markdown(result)
    (out / "result.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
