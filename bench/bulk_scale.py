"""Bulk first load (neo4j-admin import) against the online loader and one row per transaction, at scale.

    nice -n 10 .venv/bin/python -m bench.bulk_scale --products 1000000 --purchases 10000000 --out /tmp/bulk

Steps, all in one command, each server a fresh one of its own (home under ``--out``, free ports,
stopped at the end, also on error):

1. ``bench.scale_data`` writes the scaled catalog, customers and purchases under ``<out>/data``
   (copies of real H&M and Myntra rows under new ids, streamed to disk). A slice is cut from the
   head of the H&M articles, the customers and the purchases (``--slice-*``).
2. **Online** (``graphstore.ingest.loader``, batches of ``--batch-size``) on the slice, with the
   one-row-per-transaction baseline beside it in the same server (``bench.ingest_scale``'s loads:
   each in a subprocess of its own, warm-ups first, RSS and rows/s at every tenth of the input).
3. **Bulk on the same slice** (``graphstore.ingest.bulk.bulk_import`` into a fresh, never-started
   home): the like-for-like comparison.
4. **Bulk on everything** (H&M and Myntra catalogs, customers, purchases) into another fresh home:
   the first load end to end, from the input files to every index online, with its counts checked.

Every bulk import runs in a subprocess of its own, so its peak RSS (``ru_maxrss``) is the Python
side's alone; the neo4j-admin JVM's peak RSS is sampled by ``graphstore.server.admin``. What
the online loader would take for everything is extrapolated from its slice rates, which is valid
only as far as its rate is flat over the slice: the tenths are reported to show whether it is.
Results go to ``<out>/bulk_scale.json`` and, as Markdown, to ``<out>/bulk_scale.md`` and stdout.
The scaled files and the homes are deleted at the end unless ``--keep``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from shopgraph.cypher.internal import bench as bq
from shopgraph.graphstore.core.connection import connect
from shopgraph.graphstore.core.runner import read
from shopgraph.graphstore.core.schema import init_schema
from shopgraph.graphstore.ingest.bulk import BulkImportReport, bulk_import
from shopgraph.graphstore.ingest.loader import resolve_input
from shopgraph.graphstore.server import local as server

from .ingest_scale import (
    LoadResult,
    LoadSpec,
    bench_settings,
    benchmark_server,
    free_port,
    machine_info,
    run_auto_commit,
    run_load,
)
from .scale_data import REAL_DATASETS, RealFiles, ScaledFiles, head, scale

MB = 1_000_000


@dataclass(frozen=True)
class BulkInput:
    """The files of one bulk import (catalogs in order, customers, purchases) and the home it goes to."""

    home: Path
    catalogs: tuple[Path, ...]
    customers: Path
    purchases: Path


def run_bulk(spec: BulkInput) -> dict[str, Any]:
    """Bulk-import ``spec`` into a fresh home; the report and the graph's counts. Runs in a subprocess."""
    settings = bench_settings(spec.home, free_port(), free_port())
    server.stop(settings)
    shutil.rmtree(settings.home, ignore_errors=True)
    server.install(settings)
    started = time.perf_counter()
    try:
        report = bulk_import(
            settings,
            [resolve_input("catalog", path) for path in spec.catalogs],
            resolve_input("customers", spec.customers),
            resolve_input("purchases", spec.purchases),
            progress=lambda message: print(f"  bulk: {message}", file=sys.stderr, flush=True),
        )
        wall = time.perf_counter() - started
        with connect(settings) as driver:
            graph = read(driver, bq.GRAPH_COUNTS)[0]
    finally:
        server.stop(settings)
    return {"report": _report_dict(report), "wall_seconds": round(wall, 1), "graph": graph}


def _report_dict(report: BulkImportReport) -> dict[str, Any]:
    data = asdict(report)
    data["files"] = [f.as_dict() for f in report.files]
    return data


def bulk_in_subprocess(spec: BulkInput) -> dict[str, Any]:
    """``run_bulk(spec)`` in a fresh subprocess (its peak RSS is the import's own)."""
    print(f"bulk import: {', '.join(p.name for p in spec.catalogs)}, {spec.purchases.name}", file=sys.stderr)
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(run_bulk, spec).result()


@dataclass(frozen=True)
class Slice:
    """The head of the scaled files: what the online loader and the like-for-like bulk import load."""

    articles: Path
    customers: Path
    purchases: Path
    naive_products: Path
    naive_purchases: Path
    warmup_products: Path
    warmup_naive_products: Path
    warmup_naive_purchases: Path


def cut(files: ScaledFiles, folder: Path, args: argparse.Namespace) -> Slice:
    """The measured slices from the first rows on; the warm-up and baseline rows come after them."""
    folder.mkdir(parents=True, exist_ok=True)
    n_products, n_purchases = args.slice_products, args.slice_purchases
    return Slice(
        articles=head(files.articles, folder / "articles.csv", n_products),
        customers=head(files.customers, folder / "customers.csv", args.slice_customers),
        purchases=head(files.transactions, folder / "transactions.csv", n_purchases),
        naive_products=head(files.articles, folder / "naive-articles.csv", args.naive_products, n_products),
        naive_purchases=head(files.transactions, folder / "naive-transactions.csv", args.naive_purchases, n_purchases),
        warmup_products=head(
            files.articles, folder / "warmup-articles.csv", args.warmup_products, n_products + args.naive_products
        ),
        warmup_naive_products=head(
            files.articles,
            folder / "warmup-naive-articles.csv",
            args.warmup_naive,
            n_products + args.naive_products + args.warmup_products,
        ),
        warmup_naive_purchases=head(
            files.transactions,
            folder / "warmup-naive-transactions.csv",
            args.warmup_naive,
            n_purchases + args.naive_purchases,
        ),
    )


def online(piece: Slice, out: Path, batch_size: int) -> dict[str, LoadResult]:
    """The online loader on the slice, and one row per transaction beside it, in one fresh server."""
    loads: dict[str, LoadResult] = {}
    with benchmark_server(out / "home-online", None, None) as bench:

        def spec(name: str, kind: Any, path: Path, size: int) -> LoadSpec:
            return LoadSpec(name, kind, path, size, bench.settings, bench.pid)

        # Warm each path up before it is measured (a fresh JVM compiles as it goes); then start clean.
        run_load(spec("warm-up: products, batched", "catalog", piece.warmup_products, batch_size), bench.monitor)
        run_load(spec("warm-up: products, one per tx", "catalog", piece.warmup_naive_products, 1), bench.monitor)
        loads["naive_products"] = run_load(
            spec("products, one row per transaction", "catalog", piece.naive_products, 1), bench.monitor
        )
        run_auto_commit(bench.driver, bq.WIPE)
        init_schema(bench.driver)
        loads["products"] = run_load(spec("products", "catalog", piece.articles, batch_size), bench.monitor)
        loads["customers"] = run_load(spec("customers", "customers", piece.customers, batch_size), bench.monitor)
        run_load(spec("warm-up: purchases, one per tx", "purchases", piece.warmup_naive_purchases, 1), bench.monitor)
        loads["naive_purchases"] = run_load(
            spec("purchases, one row per transaction", "purchases", piece.naive_purchases, 1), bench.monitor
        )
        run_auto_commit(bench.driver, *bq.RESET_PURCHASES)
        loads["purchases"] = run_load(spec("purchases", "purchases", piece.purchases, batch_size), bench.monitor)
        loads["graph"] = read(bench.driver, bq.GRAPH_COUNTS)[0]  # type: ignore[assignment]
    return loads


def flatness(result: LoadResult) -> float:
    """Rows/s of the last tenth of a load over rows/s of its first tenth (1.0: a flat, linear rate)."""
    samples = result.samples
    if len(samples) < 3:
        return 1.0
    first = samples[0].rows / samples[0].seconds
    last = (samples[-1].rows - samples[-2].rows) / (samples[-1].seconds - samples[-2].seconds)
    return round(last / first, 2)


def summarise(
    loads: dict[str, Any], bulk_slice: dict[str, Any], bulk_full: dict[str, Any], counts: dict[str, int]
) -> dict[str, Any]:
    """The ratios and the extrapolation the report states."""
    rate = {k: loads[k].rows_per_s for k in ("products", "customers", "purchases", "naive_products", "naive_purchases")}
    online_slice_s = sum(loads[k].write_seconds for k in ("products", "customers", "purchases"))
    online_slice_rows = sum(loads[k].rows for k in ("products", "customers", "purchases"))
    slice_report = bulk_slice["report"]
    full_report = bulk_full["report"]
    slice_rows = sum(f["read"] for f in slice_report["files"])
    full_rows = sum(f["read"] for f in full_report["files"])
    products_full = counts["hm_articles"] + counts["myntra_styles"]
    # Extrapolated: each kind's rows at its slice rate (valid where the slice's rate is flat).
    online_full_s = (
        products_full / rate["products"]
        + counts["customers"] / rate["customers"]
        + counts["purchases"] / rate["purchases"]
    )
    return {
        "online_vs_one_row_per_tx": {
            "products": round(rate["products"] / rate["naive_products"], 1),
            "purchases": round(rate["purchases"] / rate["naive_purchases"], 1),
        },
        "flatness_last_over_first_tenth": {k: flatness(loads[k]) for k in ("products", "customers", "purchases")},
        "slice": {
            "rows": slice_rows,
            "online_rows": online_slice_rows,
            "online_seconds": round(online_slice_s, 1),
            "bulk_seconds": slice_report["seconds"]["total"],
            "bulk_vs_online": round(online_slice_s / slice_report["seconds"]["total"], 1),
        },
        "full": {
            "rows": full_rows,
            "bulk_seconds": full_report["seconds"]["total"],
            "bulk_rows_per_s": round(full_rows / full_report["seconds"]["total"]),
            "online_seconds_extrapolated": round(online_full_s),
            "bulk_vs_online_extrapolated": round(online_full_s / full_report["seconds"]["total"], 1),
        },
    }


def _mb(value: float) -> str:
    return f"{value / MB:,.0f}"


def markdown(result: dict[str, Any]) -> str:
    """The report's tables."""
    loads, s = result["online"], result["summary"]
    lines = [
        f"Run {result['date']}, `{result['command']}`; machine: {result['machine']['cpus']} CPUs, "
        f"{result['machine']['memory_gib']} GiB, load average at start {result['machine']['load_average_start']}.",
        "",
        "Online loader on the slice, and one row per transaction beside it (same server):",
        "",
        "| load | rows | s | rows/s | last/first tenth rows/s | loader peak RSS MB | server peak RSS MB |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for key in ("naive_products", "products", "customers", "naive_purchases", "purchases"):
        r = loads[key]
        flat = s["flatness_last_over_first_tenth"].get(key, "")
        lines.append(
            f"| {r['name']} | {r['rows']:,} | {r['write_seconds']:.1f} | {r['rows_per_s']:,.0f} | {flat} | "
            f"{r['peak_rss_mib'] * 1.048576:,.0f} | {r['server_peak_rss_mib'] * 1.048576:,.0f} |"
        )
    ratio = s["online_vs_one_row_per_tx"]
    lines += [
        "",
        f"Online / one row per transaction: **{ratio['products']}×** products, **{ratio['purchases']}×** purchases "
        "(target 100×).",
        "",
        "Bulk imports (`bulk_import`, end to end: files → CSVs → neo4j-admin → server started → "
        "migrations → indexes online):",
        "",
        "| input | rows read | prepare s | import s | start s | schema + indexes s | total s | rows/s | "
        "neo4j-admin peak RSS MB | Python peak RSS MB | CSV MB | store MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, key in (("slice", "bulk_slice"), ("everything", "bulk_full")):
        rep = result[key]["report"]
        sec = rep["seconds"]
        rows = sum(f["read"] for f in rep["files"])
        lines.append(
            f"| {name} | {rows:,} | {sec['prepare']:.0f} | {sec['import']:.0f} | {sec['start']:.0f} | "
            f"{sec['schema']:.0f} | {sec['total']:.0f} | {rows / sec['total']:,.0f} | "
            f"{_mb(rep['import_peak_rss_bytes'])} | {_mb(rep['python_peak_rss_bytes'])} | {_mb(rep['csv_bytes'])} | "
            f"{_mb(rep['store_bytes'])} |"
        )
    sl, full = s["slice"], s["full"]
    lines += [
        "",
        f"Same input (the slice, {sl['rows']:,} rows): online {sl['online_seconds']} s (its three loads' write time) "
        f"vs bulk {sl['bulk_seconds']} s end to end: **{sl['bulk_vs_online']}×** (target 10×).",
        f"Everything ({full['rows']:,} rows): bulk {full['bulk_seconds']:.0f} s end to end; the online loader "
        f"extrapolated from its slice rates: {full['online_seconds_extrapolated']:,} s, "
        f"**{full['bulk_vs_online_extrapolated']}×** (extrapolated; valid as far as the rates above are flat).",
        f"Graph after the full bulk import: {json.dumps(result['bulk_full']['graph'])}.",
    ]
    return "\n".join(lines) + "\n"


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Generate, load online, bulk-import the slice and everything; the results."""
    out: Path = args.out.resolve()
    started = time.perf_counter()
    load_before = os.getloadavg()
    print(f"generating {args.products:,} products and {args.purchases:,} purchases", file=sys.stderr, flush=True)
    files = scale(out / "data", args.products, args.purchases, args.seed, RealFiles.under(args.datasets))
    generation_s = time.perf_counter() - started
    input_bytes = sum(p.stat().st_size for p in (files.articles, files.styles, files.customers, files.transactions))
    piece = cut(files, out / "data" / "slice", args)
    loads = online(piece, out, args.batch_size)
    graph_online = loads.pop("graph")
    # Each phase's results are saved as they come, so a later failure keeps the earlier figures.
    partial = out / "bulk_scale.partial.json"
    done: dict[str, Any] = {"online": {k: asdict(v) for k, v in loads.items()}}
    partial.write_text(json.dumps(done, default=str), encoding="utf-8")
    bulk_slice = bulk_in_subprocess(
        BulkInput(out / "home-bulk-slice", (piece.articles,), piece.customers, piece.purchases)
    )
    done["bulk_slice"] = bulk_slice
    partial.write_text(json.dumps(done, default=str), encoding="utf-8")
    bulk_full = bulk_in_subprocess(
        BulkInput(out / "home-bulk-full", (files.articles, files.styles), files.customers, files.transactions)
    )
    done["bulk_full"] = bulk_full
    done["generated"] = files.counts
    partial.write_text(json.dumps(done, default=str), encoding="utf-8")
    summary = summarise(loads, bulk_slice, bulk_full, files.counts)
    result = {
        "command": "python -m bench.bulk_scale " + " ".join(sys.argv[1:]),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {**machine_info(), "load_average_start": load_before},
        "generated": files.counts,
        "generation_seconds": round(generation_s, 1),
        "input_bytes": input_bytes,
        "online": {k: {**asdict(v), "rows_per_s": round(v.rows_per_s, 1)} for k, v in loads.items()},
        "online_graph": graph_online,
        "bulk_slice": bulk_slice,
        "bulk_full": bulk_full,
        "summary": summary,
        "total_seconds": round(time.perf_counter() - started, 1),
    }
    if not args.keep:
        for folder in ("data", "home-online", "home-bulk-slice", "home-bulk-full"):
            shutil.rmtree(out / folder, ignore_errors=True)
    return result


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m bench.bulk_scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=1_000_000, help="H&M + Myntra products to generate")
    parser.add_argument("--purchases", type=int, default=10_000_000, help="purchases to generate")
    parser.add_argument("--datasets", type=Path, default=REAL_DATASETS, help="folder with the real hm/ and myntra/")
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="folder for data, servers and results")
    parser.add_argument("--batch-size", type=int, default=2000, help="rows per transaction of the online loads")
    parser.add_argument("--slice-products", type=int, default=20_000, help="H&M products of the slice")
    parser.add_argument("--slice-customers", type=int, default=20_000, help="customers of the slice")
    parser.add_argument("--slice-purchases", type=int, default=200_000, help="purchases of the slice")
    parser.add_argument("--naive-products", type=int, default=1000, help="products loaded one row per transaction")
    parser.add_argument("--naive-purchases", type=int, default=5000, help="purchases loaded one row per transaction")
    parser.add_argument("--warmup-products", type=int, default=5000, help="products loaded in batches to warm up")
    parser.add_argument("--warmup-naive", type=int, default=500, help="rows loaded one per transaction to warm up")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generator")
    parser.add_argument("--keep", action="store_true", help="keep the scaled files and the homes")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; write ``bulk_scale.json`` and ``bulk_scale.md`` under ``--out``; print the Markdown."""
    args = parse_args(argv)
    result = benchmark(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "bulk_scale.json").write_text(json.dumps(result, indent=2, default=str) + "\n", encoding="utf-8")
    report = markdown(result)
    (args.out / "bulk_scale.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
