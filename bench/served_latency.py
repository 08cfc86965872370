"""``recommend`` served from ``RECOMMENDED`` against the vector-index path, at 100k products / 50k customers.

    python -m bench.served_latency --products 100000 --customers 50000 --runs 400 --out bench/out/served

One command, one fresh Neo4j of its own (``bench.ingest_scale.benchmark_server``: home under
``--out``, free ports, stopped at the end, also on error):

1. **Graph** of the served lists' shape, written set-wise (``cypher/internal/bench.py``):
   ``--products`` products with a 64-d unit ``recEmbedding`` (seeded Gaussian, normalised), and
   ``--customers`` customers, each with a ``recEmbedding``, ``--bought`` PURCHASED products and a
   ``RECOMMENDED`` list of ``--listed`` products (``rank``, ``score``, ``sources``, two reasons of the
   length the ranker writes), as ``shopgraph train`` leaves it. Then ``db.awaitIndexes``.
2. **Latency.** ``--warmup`` unmeasured customers, then ``--runs`` seeded random customers, each
   asked through the library's ``relational.recommend.recommend`` twice, one right after the other
   (which goes first alternating, so both see the same load): ``served=True`` reads the customer's
   ``RECOMMENDED`` (``cypher/recommended.cypher``), ``served=False`` ranks at query time from the
   ``product_rec_embedding`` vector index (``cypher/recommend.cypher``, ``candidates`` 100). Time:
   driver-side wall time of the whole call (the customer-state lookup, the query, every row read).

This graph has no PREFERS and no categories, so the vector path's re-ranking does less work than on
a real graph: its latency here is a lower bound, and the ratio understates the served path's lead.

Results: ``<out>/served_latency.json`` and, as Markdown, ``<out>/served_latency.md`` and stdout.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from shopgraph.cypher.internal import bench as bq
from shopgraph.graphstore.core.runner import read, write_batches
from shopgraph.relational.recommend import recommend

from .ingest_scale import benchmark_server, machine_info, server_info

VERSION = "bench@served"
REASONS = ("another colour of Jersey top basic you bought", "popular with customers aged 25–34 this week")


def build_graph(driver: Any, args: argparse.Namespace) -> dict[str, float]:
    """Write the products and customers (step 1); seconds per step."""
    rng = np.random.default_rng(args.seed)
    seconds: dict[str, float] = {}

    def unit(n: int) -> np.ndarray:
        v = rng.normal(size=(n, 64)).astype(np.float32)
        return v / np.linalg.norm(v, axis=1, keepdims=True)

    started = time.perf_counter()
    product_vectors = unit(args.products)
    products = (
        {"id": f"p{i}", "name": f"product {i}", "code": f"c{i // 4}", "vector": product_vectors[i].tolist()}
        for i in range(args.products)
    )
    write_batches(driver, bq.SERVED_PRODUCTS, products, batch_size=5000, what="products", params={"version": VERSION})
    seconds["products"] = time.perf_counter() - started

    started = time.perf_counter()
    customer_vectors = unit(args.customers)

    def customers() -> Any:
        for i in range(args.customers):
            picks = rng.choice(args.products, size=args.bought + args.listed, replace=False)
            listed = [f"p{j}" for j in picks[args.bought :]]
            yield {
                "id": f"c{i}",
                "vector": customer_vectors[i].tolist(),
                "bought": [f"p{j}" for j in picks[: args.bought]],
                "listed": listed,
                "sources": [["siblings", "popular"] for _ in listed],
                "reasons": [list(REASONS) for _ in listed],
            }

    write_batches(
        driver, bq.SERVED_CUSTOMERS, customers(), batch_size=500, what="customers", params={"version": VERSION}
    )
    seconds["customers, purchases, RECOMMENDED"] = time.perf_counter() - started
    started = time.perf_counter()
    read(driver, bq.AWAIT_INDEXES)
    seconds["indexes online"] = time.perf_counter() - started
    return seconds


def percentiles(values: list[float]) -> dict[str, float]:
    """p50, p95, p99 and max of ``values`` (ms)."""
    a = np.asarray(values)
    return {
        "p50": float(np.percentile(a, 50)),
        "p95": float(np.percentile(a, 95)),
        "p99": float(np.percentile(a, 99)),
        "max": float(a.max()),
    }


def measure(driver: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Step 2: both paths on the same customers, interleaved."""
    rng = np.random.default_rng(args.seed + 1)
    asked = rng.choice(args.customers, size=args.warmup + args.runs, replace=False)
    times: dict[str, list[float]] = {"served": [], "vector index": []}
    sources: dict[str, set[str]] = {"served": set(), "vector index": set()}
    for n, i in enumerate(asked):
        order = [("served", True), ("vector index", False)]
        if n % 2:
            order.reverse()
        for name, served in order:
            started = time.perf_counter()
            result = recommend(driver, f"c{i}", k=10, served=served)
            elapsed = (time.perf_counter() - started) * 1000
            sources[name].add(result.source)
            if n >= args.warmup:
                times[name].append(elapsed)
            if len(result.items) != 10:
                raise SystemExit(f"{name}: customer c{i} got {len(result.items)} products, expected 10")
    stats = {name: percentiles(values) for name, values in times.items()}
    return {
        "latency_ms": stats,
        "sources": {k: sorted(v) for k, v in sources.items()},
        "ratio_p50": stats["vector index"]["p50"] / stats["served"]["p50"],
        "ratio_p99": stats["vector index"]["p99"] / stats["served"]["p99"],
    }


def markdown(result: dict[str, Any]) -> str:
    """The result as the Markdown of docs/benchmarks.md."""
    m = result["machine"]
    lines = [
        f"Command: `{result['command']}`  ",
        f"Date: {result['date']}; machine: {m['cpus']} CPUs, {m['memory_gib']} GiB RAM, load average "
        f"{'/'.join(f'{x:.1f}' for x in m['load_average'])} at the start; "
        f"whole run {result['seconds'] / 60:.1f} min.  ",
        f"Graph: {result['products']:,} products, {result['customers']:,} customers, each with "
        f"{result['bought']} purchases and {result['listed']} RECOMMENDED; built in "
        + ", ".join(f"{k} {v:.0f} s" for k, v in result["build_seconds"].items())
        + ".",
        "",
        "| path | runs | p50 ms | p95 ms | p99 ms | max ms |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name, s in result["latency_ms"].items():
        lines.append(
            f"| {name} | {result['runs']} | {s['p50']:.1f} | {s['p95']:.1f} | {s['p99']:.1f} | {s['max']:.1f} |"
        )
    lines += [
        "",
        f"Vector index ÷ served: **{result['ratio_p50']:.1f}×** at p50, **{result['ratio_p99']:.1f}×** at p99 "
        f"(sources seen: {result['sources']}).",
    ]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--customers", type=int, default=50_000)
    parser.add_argument("--bought", type=int, default=20, help="PURCHASED per customer")
    parser.add_argument("--listed", type=int, default=20, help="RECOMMENDED per customer")
    parser.add_argument("--runs", type=int, default=400)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=Path("bench/out/served"))
    parser.add_argument("--bolt-port", type=int)
    parser.add_argument("--http-port", type=int)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    machine = machine_info()
    with benchmark_server(args.out / "neo4j-home", args.bolt_port, args.http_port) as bench:
        build = build_graph(bench.driver, args)
        measured = measure(bench.driver, args)
        info = server_info(bench.driver, bench.settings)
    result = {
        "command": "python -m bench.served_latency " + " ".join(sys.argv[1:] if argv is None else argv),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine,
        "server": info,
        "products": args.products,
        "customers": args.customers,
        "bought": args.bought,
        "listed": args.listed,
        "runs": args.runs,
        "build_seconds": build,
        **measured,
        "seconds": time.perf_counter() - started,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "served_latency.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    text = markdown(result)
    (args.out / "served_latency.md").write_text(text, encoding="utf-8")
    print(text)


if __name__ == "__main__":
    main()
