"""Ingestion benchmark: the batched loader against one row per transaction, at scale.

    python -m bench.ingest_scale --products 100000 --purchases 1000000 --out bench/out

Steps, all in one command against a fresh Neo4j of its own (home under ``--out``,
free ports, stopped at the end, also on error):

1. ``bench.scale_data`` writes the scaled catalog, customers and purchases under
   ``<out>/data`` (copies of real rows under new ids).
2. On the empty database: warm-ups (a freshly started JVM compiles as it goes,
   and the one-commit-per-row path warms up apart from the batched one), then the
   first ``--naive-products`` H&M articles one row per transaction
   (``ingest_catalog(batch_size=1)``: the loader's own work function, one
   ``execute_write`` per row), then slices of the same file with each batch size
   of ``--sweep``, and one batch PROFILEd and rolled back. The database is then
   wiped.
3. The batched loader (``--batch-size``) loads the whole catalog (H&M, then
   Myntra) and the customers.
4. A warm-up, then the first ``--naive-purchases`` purchases one row per
   transaction, the sweep over purchase slices, one PROFILEd batch; then every
   purchase (and the products and customers they created) is deleted again.
5. The batched loader loads every purchase.

Each load runs in a subprocess of its own, so its peak RSS
(``VmHWM``) is the loader's alone; at every tenth of its input it samples its
RSS (does memory grow with the file?) and the CPU time used since the start by
itself, by the server and by the whole machine (the machine is shared: what
others use is time the benchmark did not get). The server's peak RSS is sampled
from outside. Results go to ``<out>/ingest_scale.json`` and, as Markdown, to
``<out>/ingest_scale.md`` and stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from itertools import islice
from multiprocessing import get_context
from pathlib import Path
from typing import Any, cast

import neo4j
import psutil
from neo4j import Driver, ManagedTransaction

from shopgraph.cypher.internal import bench as bq
from shopgraph.cypher.internal import graphstore as q
from shopgraph.graphstore.core.config import Settings, load_settings
from shopgraph.graphstore.core.connection import connect
from shopgraph.graphstore.core.runner import Batch, WriteSummary, read, write
from shopgraph.graphstore.core.schema import init_schema
from shopgraph.graphstore.core.vocab import load_vocabulary
from shopgraph.graphstore.ingest.loader import (
    IngestReport,
    Kind,
    _product_batch,
    count_rows,
    ingest_catalog,
    ingest_customers,
    ingest_purchases,
    purchase_rows,
)
from shopgraph.graphstore.ingest.readers import RejectLog, read_hm_articles, read_hm_transactions
from shopgraph.graphstore.server import local as server
from shopgraph.relational.memory import peak_rss_mib

from .scale_data import REAL_DATASETS, RealFiles, ScaledFiles, head, scale

MIB = 1024 * 1024
INGESTERS: dict[Kind, Callable[..., IngestReport]] = {
    "catalog": ingest_catalog,
    "customers": ingest_customers,
    "purchases": ingest_purchases,
}
# Plan operators that read every node or relationship of a label/type instead of an index.
SCAN_OPERATORS = ("AllNodesScan", "NodeByLabelScan", "AllRelationshipsScan", "RelationshipTypeScan")


# --- one load, in a subprocess ----------------------------------------------------------


@dataclass(frozen=True)
class LoadSpec:
    """One file to load: what, from where, how many rows per transaction."""

    name: str
    kind: Kind
    path: Path
    batch_size: int
    settings: Settings
    server_pid: int


@dataclass(frozen=True)
class Sample:
    """A load at one tenth of its rows: totals since the load began (seconds, CPU seconds, MiB)."""

    rows: int
    seconds: float
    rss_mib: float
    loader_cpu_s: float
    server_cpu_s: float
    machine_busy_s: float
    """CPU time of every CPU of the machine, all processes (and time stolen by the hypervisor)."""


class _Meter:
    """Reads the clocks a ``Sample`` is made of, relative to when the meter was started."""

    def __init__(self, server_pid: int) -> None:
        self._loader = psutil.Process()
        self._server = psutil.Process(server_pid)
        self._zero = self._read()

    def _read(self) -> tuple[float, float, float, float]:
        machine = psutil.cpu_times()
        busy = machine.user + machine.nice + machine.system + machine.irq + machine.softirq + machine.steal
        return time.perf_counter(), cpu_seconds(self._loader), cpu_seconds(self._server), busy

    def restart(self) -> None:
        self._zero = self._read()

    def sample(self, rows: int) -> Sample:
        now = self._read()
        seconds, loader, server_cpu, busy = (round(a - b, 3) for a, b in zip(now, self._zero, strict=True))
        rss = round(self._loader.memory_info().rss / MIB, 1)
        return Sample(rows, seconds, rss, loader, server_cpu, busy)


def cpu_seconds(process: psutil.Process) -> float:
    """User + system CPU seconds ``process`` has used so far."""
    times = process.cpu_times()
    return times.user + times.system


@dataclass
class LoadResult:
    """What one load did and cost. Times in seconds, memory in MiB."""

    name: str
    kind: str
    file: str
    batch_size: int
    rows: int
    rejected: int
    repaired: int
    write_seconds: float
    wall_seconds: float
    nodes_created: int
    relationships_created: int
    properties_set: int
    client_cpu_seconds: float
    rss_start_mib: float
    samples: list[Sample]
    peak_rss_mib: float
    extra: dict[str, Any]
    server_cpu_seconds: float
    other_cpu_cores: float
    """CPU the rest of the machine used meanwhile, in cores (the benchmark's own parent process included)."""
    server_peak_rss_mib: float = 0.0

    @property
    def rows_per_s(self) -> float:
        """Input rows loaded per second of the writer (reading, extraction and writing)."""
        return self.rows / self.write_seconds if self.write_seconds else 0.0

    def per_s(self, count: int) -> float:
        """``count`` per second of the writer."""
        return count / self.write_seconds if self.write_seconds else 0.0


def load(spec: LoadSpec) -> LoadResult:
    """Load ``spec.path`` with the library's ``ingest_*`` function; runs in a fresh subprocess.

    Each time another tenth of the file's rows is written, a ``Sample`` is taken
    (RSS, time, CPU of the loader, the server and the whole machine) and a progress
    line goes to stderr.
    """
    meter = _Meter(spec.server_pid)
    start = meter.sample(0)
    total = count_rows(spec.path)
    marks = iter(sorted({max(total * tenth // 10, 1) for tenth in range(1, 11)}))
    next_mark = next(marks)
    samples: list[Sample] = []

    def progress(rows: int) -> None:
        nonlocal next_mark
        if rows < next_mark:
            return
        while rows >= next_mark:
            next_mark = next(marks, total + 1)
        last = meter.sample(rows)
        samples.append(last)
        print(
            f"  {spec.name}: {rows:,}/{total:,} rows, {last.seconds:.0f} s, {rows / last.seconds:,.0f} rows/s, "
            f"RSS {last.rss_mib:.0f} MiB",
            file=sys.stderr,
            flush=True,
        )

    driver = connect(spec.settings)
    try:
        meter.restart()
        report = INGESTERS[spec.kind](driver, spec.path, batch_size=spec.batch_size, progress=progress)
        end = meter.sample(report.written)
    finally:
        driver.close()
    w = report.write
    return LoadResult(
        name=spec.name,
        kind=spec.kind,
        file=spec.path.name,
        batch_size=spec.batch_size,
        rows=report.written,
        rejected=report.rejected,
        repaired=report.repaired,
        write_seconds=w.seconds,
        wall_seconds=end.seconds,
        nodes_created=w.nodes_created,
        relationships_created=w.relationships_created,
        properties_set=w.properties_set,
        client_cpu_seconds=end.loader_cpu_s,
        server_cpu_seconds=end.server_cpu_s,
        other_cpu_cores=round(max(end.machine_busy_s - end.loader_cpu_s - end.server_cpu_s, 0.0) / end.seconds, 2),
        rss_start_mib=start.rss_mib,
        samples=samples,
        peak_rss_mib=round(peak_rss_mib(), 1),
        extra=report.extra,
    )


# --- the server, watched from outside ---------------------------------------------------


class ServerMonitor:
    """Samples the RSS of the Neo4j server process in the background: its peak since the last ``reset``."""

    def __init__(self, pid: int, interval_s: float = 0.5) -> None:
        self._process = psutil.Process(pid)
        self._interval_s = interval_s
        self._peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self._peak = max(self._peak, self._process.memory_info().rss)
            except psutil.Error:
                return

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()

    def reset(self) -> None:
        """Start a new peak from the current RSS."""
        self._peak = self._process.memory_info().rss

    @property
    def peak_mib(self) -> float:
        return round(self._peak / MIB, 1)


def run_load(spec: LoadSpec, monitor: ServerMonitor) -> LoadResult:
    """``load(spec)`` in a new subprocess, with the server's peak RSS meanwhile."""
    print(f"{spec.name}: {spec.path.name}, batch size {spec.batch_size}", file=sys.stderr, flush=True)
    monitor.reset()
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        result = pool.submit(load, spec).result()
    result.server_peak_rss_mib = monitor.peak_mib
    print(
        f"  done: {result.rows:,} rows in {result.write_seconds:.1f} s = {result.rows_per_s:,.0f} rows/s, "
        f"peak RSS {result.peak_rss_mib:.0f} MiB",
        file=sys.stderr,
        flush=True,
    )
    return result


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bench_settings(home: Path, bolt_port: int, http_port: int) -> Settings:
    """Settings for a server of the benchmark's own: its home, its ports, its generated password."""
    return load_settings(
        env={"SHOPGRAPH_HOME": str(home), "SHOPGRAPH_BOLT_PORT": str(bolt_port), "SHOPGRAPH_HTTP_PORT": str(http_port)},
        cwd=home.parent,
    )


@dataclass(frozen=True)
class BenchServer:
    """A fresh Neo4j for one benchmark run: its settings, an open driver, and its CPU/RSS monitor."""

    settings: Settings
    driver: Driver
    pid: int
    monitor: ServerMonitor


@contextmanager
def benchmark_server(home: Path, bolt_port: int | None, http_port: int | None) -> Iterator[BenchServer]:
    """Install and start an empty Neo4j in ``home`` (wiped first), with the schema applied.

    On exit, also on error, the driver is closed, sampling stops and the server is stopped.
    """
    settings = bench_settings(home, bolt_port or free_port(), http_port or free_port())
    server.stop(settings)
    shutil.rmtree(settings.home, ignore_errors=True)
    server.install(settings)
    with ExitStack() as cleanup:
        # Unwinds in reverse: driver closed, sampling stopped, server stopped.
        cleanup.callback(server.stop, settings)
        status = server.start(settings, timeout_s=300)
        print(f"Neo4j for the benchmark: {status.message}, {settings.bolt_uri}", file=sys.stderr, flush=True)
        pid = cast(int, status.pid)
        monitor = ServerMonitor(pid)
        monitor.start()
        cleanup.callback(monitor.stop)
        driver = connect(settings)
        cleanup.callback(driver.close)
        init_schema(driver)
        yield BenchServer(settings, driver, pid, monitor)


def run_auto_commit(driver: Driver, *statements: str) -> None:
    """Run statements as auto-commit transactions (``CALL { } IN TRANSACTIONS`` needs that)."""
    for statement in statements:
        write(driver, statement, auto_commit=True)


# --- one batch PROFILEd and rolled back -------------------------------------------------


class _ProfilingTx:
    """Stands in for a batch's transaction: runs each query with PROFILE and keeps its plan."""

    def __init__(self, tx: neo4j.Transaction) -> None:
        self._tx = tx
        self.plans: list[tuple[str, dict[str, Any]]] = []

    def run(self, query: str, parameters: dict[str, Any] | None = None, **params: Any) -> _ProfiledResult:
        return _ProfiledResult(self._tx.run(bq.profiled(query), parameters, **params), query, self.plans)


class _ProfiledResult:
    def __init__(self, result: neo4j.Result, query: str, plans: list[tuple[str, dict[str, Any]]]) -> None:
        self._result = result
        self._query = query
        self._plans = plans

    def __iter__(self) -> Iterator[neo4j.Record]:
        return iter(self._result)

    def consume(self) -> neo4j.ResultSummary:
        summary = self._result.consume()
        self._plans.append((self._query, cast(dict[str, Any], summary.profile)))
        return summary


def _operators(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("children", []):
        yield from _operators(child)


def _query_name(query: str) -> str:
    """A short name for a loader query: the constant of ``cypher.internal.graphstore`` that holds it."""
    for name, value in vars(q).items():
        if value == query and name.isupper():
            return name
    for rel, value in q.FACT_QUERIES.items():
        if value == query:
            return f"FACT_QUERIES[{rel}]"
    return query.strip().splitlines()[1][:60]


def profile_batch(driver: Driver, records: list[Any], work: Callable[[Batch[Any]], None]) -> list[dict[str, Any]]:
    """PROFILE each query of one batch written by ``work`` and roll it back.

    Returns:
        Per query: its name, db hits, the operators with the most db hits, and the
        label or type scans in its plan (operators that do not use an index).
    """
    with driver.session() as session:
        tx = session.begin_transaction()
        proxy = _ProfilingTx(tx)
        try:
            work(Batch(cast(ManagedTransaction, proxy), records, WriteSummary()))
        finally:
            tx.rollback()
    profiles = []
    for query, plan in proxy.plans:
        operators = list(_operators(plan))
        hits = sum(op.get("dbHits", 0) for op in operators)
        top = sorted(operators, key=lambda op: op.get("dbHits", 0), reverse=True)[:3]
        profiles.append(
            {
                "query": _query_name(query),
                "rows_in": len(records),
                "db_hits": hits,
                "top_operators": [
                    {
                        "operator": op["operatorType"],
                        "db_hits": op.get("dbHits", 0),
                        "rows": op.get("rows", 0),
                        "details": str(op.get("args", {}).get("Details", ""))[:120],
                    }
                    for op in top
                ],
                "scans": sorted(
                    {op["operatorType"] for op in operators if op["operatorType"].startswith(SCAN_OPERATORS)}
                ),
            }
        )
    return profiles


def profile_products(driver: Driver, path: Path, rows: int) -> list[dict[str, Any]]:
    """``profile_batch`` over the first ``rows`` H&M articles of ``path`` (not yet in the graph)."""
    records = list(islice(read_hm_articles(path, load_vocabulary(), RejectLog(None)), rows))
    return profile_batch(driver, records, _product_batch)


def profile_purchases(driver: Driver, path: Path, rows: int) -> list[dict[str, Any]]:
    """``profile_batch`` over the first ``rows`` purchases of ``path`` (not yet in the graph)."""
    records = list(islice(read_hm_transactions(path, RejectLog(None)), rows))

    def work(batch: Batch[Any]) -> None:
        batch.run(q.UPSERT_PURCHASES, rows=purchase_rows(batch.records))

    return profile_batch(driver, records, work)


# --- the benchmark ----------------------------------------------------------------------


@dataclass
class Slices:
    """Files cut from the scaled input: warm-ups, one-row-per-transaction runs, sweeps, profiles."""

    naive_products: Path
    naive_purchases: Path
    product_sweep: dict[int, Path]
    purchase_sweep: dict[int, Path]
    profile_products: Path
    profile_purchases: Path
    warmup_products: Path
    warmup_naive_products: Path
    warmup_naive_purchases: Path


class _Cutter:
    """Cuts consecutive, non-overlapping slices off one file, from its first data row on."""

    def __init__(self, source: Path, folder: Path, available: int) -> None:
        self._source = source
        self._folder = folder
        self._available = available
        self._next = 0

    def take(self, name: str, rows: int) -> Path:
        """The next ``rows`` data rows, as ``<folder>/<stem>-<name>.csv``.

        Raises:
            SystemExit: the file has too few rows left.
        """
        if self._next + rows > self._available:
            raise SystemExit(
                f"{self._source.name} has {self._available} rows, too few for the slices asked for: "
                "raise --products / --purchases or lower the slice sizes"
            )
        path = head(self._source, self._folder / f"{self._source.stem}-{name}.csv", rows, self._next)
        self._next += rows
        return path


def cut_slices(files: ScaledFiles, folder: Path, args: argparse.Namespace) -> Slices:
    """The slices of the scaled H&M articles and purchases; the measured one-row-per-transaction slices come first.

    Raises:
        SystemExit: the scaled files are too small for the slices asked for.
    """
    folder.mkdir(parents=True, exist_ok=True)
    articles = _Cutter(files.articles, folder, files.counts["hm_articles"])
    purchases = _Cutter(files.transactions, folder, files.counts["purchases"])
    return Slices(
        naive_products=articles.take("naive", args.naive_products),
        naive_purchases=purchases.take("naive", args.naive_purchases),
        product_sweep={size: articles.take(f"batch{size}", args.sweep_products) for size in args.sweep},
        purchase_sweep={size: purchases.take(f"batch{size}", args.sweep_purchases) for size in args.sweep},
        profile_products=articles.take("profile", args.batch_size),
        profile_purchases=purchases.take("profile", args.batch_size),
        warmup_products=articles.take("warmup", args.warmup_products),
        warmup_naive_products=articles.take("warmup-naive", args.warmup_naive_products),
        warmup_naive_purchases=purchases.take("warmup-naive", args.warmup_naive_purchases),
    )


def server_info(driver: Driver, settings: Settings) -> dict[str, Any]:
    """Neo4j version and the memory settings the benchmark server runs with."""
    records = read(driver, bq.COMPONENTS)
    conf = (settings.neo4j_home / "conf" / "neo4j.conf").read_text(encoding="utf-8")
    memory = dict(line.split("=", 1) for line in conf.splitlines() if line.startswith("server.memory."))
    return {"components": {r["name"]: r["versions"][0] for r in records}, "memory": memory}


def machine_info() -> dict[str, Any]:
    """CPUs, RAM, load, versions: what the numbers were measured on."""
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 1024**3, 1),
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "neo4j_driver": neo4j.__version__,
        "platform": platform.platform(),
    }


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Generate the input, run every load against a fresh server of its own, return the results."""
    out: Path = args.out.resolve()
    started = time.perf_counter()
    load_before = os.getloadavg()
    print(
        f"generating {args.products:,} products and {args.purchases:,} purchases under {out / 'data'}",
        file=sys.stderr,
        flush=True,
    )
    files = scale(out / "data", args.products, args.purchases, args.seed, RealFiles.under(args.datasets))
    generation_s = time.perf_counter() - started
    slices = cut_slices(files, out / "data" / "slices", args)

    loads: dict[str, LoadResult] = {}
    sweep: list[LoadResult] = []
    warmups: list[LoadResult] = []
    with benchmark_server(out / "home", args.bolt_port, args.http_port) as bench:
        settings, driver, server_pid, monitor = bench.settings, bench.driver, bench.pid, bench.monitor
        result: dict[str, Any] = {"server": server_info(driver, settings)}

        def spec(name: str, kind: Kind, path: Path, batch_size: int) -> LoadSpec:
            return LoadSpec(name, kind, path, batch_size, settings, server_pid)

        # A freshly started JVM plans queries and compiles code as they run, and the one-row-per-transaction
        # path (a commit per row) warms up separately: warm up each path before it is measured.
        warmups.append(
            run_load(spec("warm-up: products, batched", "catalog", slices.warmup_products, args.batch_size), monitor)
        )
        warmups.append(
            run_load(
                spec("warm-up: products, one row per transaction", "catalog", slices.warmup_naive_products, 1), monitor
            )
        )
        loads["naive_products"] = run_load(
            spec("H&M products, one row per transaction", "catalog", slices.naive_products, 1), monitor
        )
        for size, path in slices.product_sweep.items():
            sweep.append(run_load(spec(f"H&M products, batch {size}", "catalog", path, size), monitor))
        product_profile = profile_products(driver, slices.profile_products, args.batch_size)
        run_auto_commit(driver, bq.WIPE)
        init_schema(driver)

        loads["hm"] = run_load(spec("H&M products (articles.csv)", "catalog", files.articles, args.batch_size), monitor)
        loads["myntra"] = run_load(
            spec("Myntra products (styles.csv)", "catalog", files.styles, args.batch_size), monitor
        )
        loads["customers"] = run_load(spec("customers", "customers", files.customers, args.batch_size), monitor)
        warmups.append(
            run_load(
                spec("warm-up: purchases, one row per transaction", "purchases", slices.warmup_naive_purchases, 1),
                monitor,
            )
        )
        loads["naive_purchases"] = run_load(
            spec("purchases, one row per transaction", "purchases", slices.naive_purchases, 1), monitor
        )
        for size, path in slices.purchase_sweep.items():
            sweep.append(run_load(spec(f"purchases, batch {size}", "purchases", path, size), monitor))
        purchase_profile = profile_purchases(driver, slices.profile_purchases, args.batch_size)
        run_auto_commit(driver, *bq.RESET_PURCHASES)
        loads["purchases"] = run_load(
            spec("purchases (transactions.csv)", "purchases", files.transactions, args.batch_size), monitor
        )
        result["graph"] = read(driver, bq.GRAPH_COUNTS)[0]
    result.update(
        {
            "command": "python -m bench.ingest_scale " + " ".join(sys.argv[1:]),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {**machine_info(), "load_average_start": load_before},
            "batch_size": args.batch_size,
            "seed": args.seed,
            "generated": files.counts,
            "generation_seconds": round(generation_s, 1),
            "total_seconds": round(time.perf_counter() - started, 1),
            "loads": {key: _as_dict(r) for key, r in loads.items()},
            "sweep": [_as_dict(r) for r in sweep],
            "warmups": [_as_dict(r) for r in warmups],
            "ratios": ratios(loads, sweep, args.batch_size),
            "profiles": {"products": product_profile, "purchases": purchase_profile},
        }
    )
    return result


def _as_dict(result: LoadResult) -> dict[str, Any]:
    data = asdict(result)
    data["rows_per_s"] = round(result.rows_per_s, 1)
    data["nodes_per_s"] = round(result.per_s(result.nodes_created), 1)
    data["relationships_per_s"] = round(result.per_s(result.relationships_created), 1)
    return data


def ratios(loads: dict[str, LoadResult], sweep: list[LoadResult], batch_size: int) -> dict[str, dict[str, float]]:
    """Batched rows/s over one-row-per-transaction rows/s, for products and purchases.

    ``full_file`` compares with the whole-file load; ``same_state`` with the sweep slice
    at ``batch_size``, loaded right after the naive slice into the same database state.
    """
    out: dict[str, dict[str, float]] = {}
    for kind, naive, full in (("products", "naive_products", "hm"), ("purchases", "naive_purchases", "purchases")):
        naive_rate = loads[naive].rows_per_s
        entry = {
            "naive_rows_per_s": round(naive_rate, 1),
            "batched_rows_per_s": round(loads[full].rows_per_s, 1),
            "full_file": round(loads[full].rows_per_s / naive_rate, 1),
        }
        catalog_kind = "catalog" if kind == "products" else "purchases"
        same = [r for r in sweep if r.kind == catalog_kind and r.batch_size == batch_size]
        if same:
            entry["slice_rows_per_s"] = round(same[0].rows_per_s, 1)
            entry["same_state"] = round(same[0].rows_per_s / naive_rate, 1)
        out[kind] = entry
    return out


# --- the report -------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    """A Markdown table; columns whose cells all start with a digit or ``*`` are right-aligned."""
    numeric = [
        all(str(row[i])[:1].isdigit() or str(row[i]).startswith("*") for row in rows) for i in range(len(header))
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def _loads(averages: list[float]) -> str:
    return "/".join(f"{x:.1f}" for x in averages)


def _n(value: float) -> str:
    return f"{value:,.0f}"


def _tenths(load: dict[str, Any]) -> list[str]:
    """Per tenth of a load: throughput, CPU per 1,000 rows of the loader and the server, others' CPU, RSS."""
    rows = []
    before = {"rows": 0, "seconds": 0.0, "loader_cpu_s": 0.0, "server_cpu_s": 0.0, "machine_busy_s": 0.0}
    for sample in load["samples"]:
        d = {key: sample[key] - before[key] for key in before}
        thousands = d["rows"] / 1000
        others = max(d["machine_busy_s"] - d["loader_cpu_s"] - d["server_cpu_s"], 0.0)
        rows.append(
            [
                _n(sample["rows"]),
                _n(d["rows"] / d["seconds"]) if d["seconds"] else "",
                f"{1000 * d['loader_cpu_s'] / thousands:.0f}",
                f"{1000 * d['server_cpu_s'] / thousands:.0f}",
                f"{others / d['seconds']:.2f}" if d["seconds"] else "",
                f"{sample['rss_mib']:.0f}",
            ]
        )
        before = sample
    return _table(
        [
            "rows written",
            "rows/s in this tenth",
            "loader CPU ms / 1,000 rows",
            "server CPU ms / 1,000 rows",
            "other processes' CPU (cores)",
            "loader RSS MiB",
        ],
        rows,
    )


def markdown(result: dict[str, Any]) -> str:
    """The results as Markdown tables, for docs/benchmarks.md."""
    loads = result["loads"]
    m, s = result["machine"], result["server"]
    lines = [
        f"Command: `{result['command']}`  ",
        f"Date: {result['date']}; machine: {m['cpus']} CPUs, {m['memory_gib']} GiB RAM, load average (1/5/15 min) "
        f"{_loads(m['load_average_start'])} at the start, {_loads(m['load_average'])} at the end; "
        f"Python {m['python']}, neo4j driver {m['neo4j_driver']}; "
        f"Neo4j {s['components'].get('Neo4j Kernel', '?')} (heap {s['memory'].get('server.memory.heap.max_size')}, "
        f"page cache {s['memory'].get('server.memory.pagecache.size')}); batch size {result['batch_size']}.  ",
        f"Input: {result['generated']['hm_articles']:,} H&M articles + {result['generated']['myntra_styles']:,} "
        f"Myntra styles, {result['generated']['customers']:,} customers, {result['generated']['purchases']:,} "
        f"purchases ({result['generated']['of_catalog_articles']:,} of catalog articles, "
        f"{result['generated']['of_missing_articles']:,} of articles missing from the catalog), generated in "
        f"{result['generation_seconds']} s; whole run {result['total_seconds'] / 60:.1f} min.",
        "",
        "### Loads",
        "",
    ]
    rows = []
    for r in loads.values():
        rows.append(
            [
                r["name"],
                _n(r["rows"]),
                r["batch_size"],
                f"{r['write_seconds']:.1f}",
                _n(r["rows_per_s"]),
                _n(r["nodes_per_s"]),
                _n(r["relationships_per_s"]),
                f"{r['client_cpu_seconds']:.0f}",
                f"{r['server_cpu_seconds']:.0f}",
                f"{r['other_cpu_cores']:.2f}",
                f"{r['peak_rss_mib']:.0f}",
                f"{r['server_peak_rss_mib']:.0f}",
            ]
        )
    lines += _table(
        [
            "load",
            "rows",
            "batch",
            "s",
            "rows/s",
            "nodes/s",
            "rels/s",
            "loader CPU s",
            "server CPU s",
            "others' CPU (cores)",
            "loader peak RSS MiB",
            "server peak RSS MiB",
        ],
        rows,
    )
    lines += ["", "### Batched ÷ one row per transaction", ""]
    rows = []
    for kind, r in result["ratios"].items():
        rows.append(
            [
                kind,
                _n(r["batched_rows_per_s"]),
                _n(r["naive_rows_per_s"]),
                f"**{r['full_file']}×**",
                _n(r.get("slice_rows_per_s", 0)),
                f"{r.get('same_state', '')}×",
            ]
        )
    lines += _table(
        [
            "",
            "batched rows/s (whole file)",
            "one row per tx rows/s",
            "ratio",
            f"batched rows/s (slice, batch {result['batch_size']}, same DB state)",
            "ratio",
        ],
        rows,
    )
    for key in ("purchases", "hm"):
        lines += ["", f"### Tenth by tenth: {loads[key]['name']}", ""]
        lines += _tenths(loads[key])
    lines += [
        "",
        f"Loader RSS before it connects: {loads['purchases']['rss_start_mib']:.0f} MiB. "
        "Peak RSS of each load against its size:",
        "",
    ]
    by_size = sorted([*loads.values(), *result["sweep"]], key=lambda r: r["rows"])
    lines += _table(
        ["load", "rows", "batch", "peak RSS MiB"],
        [[r["name"], _n(r["rows"]), r["batch_size"], f"{r['peak_rss_mib']:.0f}"] for r in by_size],
    )
    lines += ["", "### Batch size (slices of the same files, loaded one after another)", ""]
    lines += _table(
        ["load", "rows", "s", "rows/s", "loader CPU s", "server CPU s", "others' CPU (cores)"],
        [
            [
                r["name"],
                _n(r["rows"]),
                f"{r['write_seconds']:.1f}",
                _n(r["rows_per_s"]),
                f"{r['client_cpu_seconds']:.1f}",
                f"{r['server_cpu_seconds']:.1f}",
                f"{r['other_cpu_cores']:.2f}",
            ]
            for r in result["sweep"]
        ],
    )
    lines += ["", "Warm-ups before the measured runs (the JVM compiles as it goes):", ""]
    lines += _table(
        ["load", "rows", "s", "rows/s"],
        [[r["name"], _n(r["rows"]), f"{r['write_seconds']:.1f}", _n(r["rows_per_s"])] for r in result["warmups"]],
    )
    lines += ["", f"### Server work per query (one batch of {result['batch_size']} rows, PROFILEd, rolled back)", ""]
    rows = []
    for kind, profiles in result["profiles"].items():
        for p in profiles:
            top = p["top_operators"][0]
            rows.append(
                [
                    kind,
                    p["query"],
                    _n(p["db_hits"]),
                    f"{p['db_hits'] / p['rows_in']:.1f}",
                    f"{top['operator']} ({_n(top['db_hits'])})",
                    ", ".join(p["scans"]) or "none",
                ]
            )
    lines += _table(["load", "query", "db hits", "db hits/row", "top operator (db hits)", "label/type scans"], rows)
    g = result["graph"]
    lines += [
        "",
        f"Graph at the end: {g['nodes']:,} nodes ({g['products']:,} products, of which "
        f"{g['productsNotInCatalog']:,} known only from purchases; {g['customers']:,} customers), "
        f"{g['relationships']:,} relationships ({g['purchases']:,} purchases).",
    ]
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m bench.ingest_scale", description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000, help="H&M + Myntra products to generate")
    parser.add_argument("--purchases", type=int, default=1_000_000, help="purchases to generate")
    parser.add_argument(
        "--datasets", type=Path, default=REAL_DATASETS, help="folder with hm/ and myntra/ of the real files to copy"
    )
    parser.add_argument("--out", type=Path, default=Path("bench/out"), help="folder for data, server and results")
    parser.add_argument("--batch-size", type=int, default=2000, help="rows per transaction of the batched loads")
    parser.add_argument(
        "--warmup-products",
        type=int,
        default=10_000,
        help="products loaded in batches, unmeasured, to warm the server up",
    )
    parser.add_argument(
        "--warmup-naive-products",
        type=int,
        default=1000,
        help="products loaded one row per transaction, unmeasured, before the measured ones",
    )
    parser.add_argument(
        "--warmup-naive-purchases",
        type=int,
        default=5000,
        help="purchases loaded one row per transaction, unmeasured, before the measured ones",
    )
    parser.add_argument("--naive-products", type=int, default=2000, help="products loaded one row per transaction")
    parser.add_argument("--naive-purchases", type=int, default=10_000, help="purchases loaded one row per transaction")
    parser.add_argument(
        "--sweep",
        type=lambda text: [int(x) for x in text.split(",")],
        default=[1000, 2000, 5000],
        help="batch sizes to compare on slices, comma-separated",
    )
    parser.add_argument("--sweep-products", type=int, default=10_000, help="products per sweep slice")
    parser.add_argument("--sweep-purchases", type=int, default=50_000, help="purchases per sweep slice")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generator")
    parser.add_argument("--bolt-port", type=int, default=0, help="Bolt port of the benchmark server (0: a free one)")
    parser.add_argument("--http-port", type=int, default=0, help="HTTP port of the benchmark server (0: a free one)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; write ``ingest_scale.json`` and ``ingest_scale.md`` under ``--out``; print the Markdown."""
    args = parse_args(argv)
    result = benchmark(args)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ingest_scale.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    report = markdown(result)
    (args.out / "ingest_scale.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
