"""Query latency at scale: recommendations, similar products and explanations, vector index vs exhaustive scan.

    python -m bench.query_latency --products 100000 --copies 74 --runs 200 --out bench/out/latency

Steps, all in one command against a fresh Neo4j of its own (``bench.ingest_scale.benchmark_server``:
home under ``--out``, free ports, stopped at the end, also on error):

1. **Real vectors.** The real H&M catalog, customers and purchases and the Myntra catalog are loaded
   and ``relational.pipeline.train_models`` runs on them (product texts embedded with
   all-MiniLM-L6-v2, the KGE and the GNN recommender trained, ``--epochs``), writing
   ``Product.textEmbedding`` and ``Product``/``Customer.recEmbedding``. They are read back and the
   database is wiped. They are kept in ``<out>/real-vectors.npz`` and reused by the next run unless
   ``--retrain``.
2. **Scaled files** (``bench.scale_data``): ``--products`` H&M + Myntra products and ``--copies``
   copies of the real transactions, each copy bought by its own copy of the 682 real customers.
3. **Loads** with the library's loaders (``graphstore.ingest.loader``, each in a subprocess of its own, as
   in ``bench.ingest_scale``), then ``compute_preferences`` (PREFERS, for the re-ranking).
4. **Vectors of the copies.** A copy of a row is a copy: each scaled product and customer gets the
   vector of the real row it copies, ``normalise(u + ε)`` with ``u`` the original's unit vector and
   ``ε ~ N(0, σ²I)``, ``σ = --noise`` (0.01; a copy's cosine with its original is then about
   0.997 for the 64-dimensional recommender vectors and 0.98 for the 384-dimensional text ones),
   so that the 6 to 74 copies of a row do not tie. Written as the library writes them
   (``write_embeddings``, the text query of ``relational.features``), then ``db.awaitIndexes``.
5. **Plans.** Each query and mode once with ``PROFILE``: db hits, the rows going into the
   vector-index procedure calls and the rows of the label scans, which show that each mode runs
   only its own branch.
6. **Latency.** ``--warmup`` unmeasured inputs per query (the first ``--exhaustive-warmup`` of them
   in the exhaustive mode too), then up to ``--runs`` inputs, other seeded random customers and
   products: ``recommend`` (customers with a vector), ``similar_products`` by ``embedding``,
   ``attributes`` and ``combined``, and ``explain`` (each customer with the first product
   recommended to them). A query with a vector-index stage runs with its ``exhaustive`` parameter
   false on every input and also true on ``--exhaustive-runs`` of them, spread evenly, the two
   modes one right after the other (which goes first alternating), so that both see the same
   machine load; the ratios are taken over those inputs. A mode stops taking inputs once its
   measured runs add up to ``--budget`` seconds (the table says how many ran). Time: driver-side
   wall time of ``graphstore.core.runner.run_query`` (session, transaction, every row read and converted).
7. **Recall.** For ``--recall-queries`` customers and products: the vector index's ``k`` nearest
   (``db.index.vector.queryNodes``) against the exact ``k`` nearest by cosine over the same
   vectors (numpy, every vector), for ``k`` = 10 and the queries' ``candidates`` (100).

Results go to ``<out>/query_latency.json`` and, as Markdown, to ``<out>/query_latency.md`` and stdout.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import psutil
from neo4j import READ_ACCESS, Driver
from numpy.typing import NDArray

from shopgraph import cypher
from shopgraph.cypher.internal import bench as bq
from shopgraph.cypher.internal import relational as rq
from shopgraph.graphstore.core.runner import read, run_query, write_batches
from shopgraph.graphstore.core.schema import init_schema
from shopgraph.graphstore.ingest.loader import Kind, ingest_catalog, ingest_customers, ingest_purchases
from shopgraph.graphstore.ingest.reasoning import compute_preferences
from shopgraph.relational.writeback import write_embeddings

from .ingest_scale import (
    BenchServer,
    LoadResult,
    LoadSpec,
    benchmark_server,
    machine_info,
    run_auto_commit,
    run_load,
    server_info,
)
from .scale_data import REAL_DATASETS, RealFiles, customer_copy_id, data_rows, scale

MYNTRA_COPY_STEP = 1_000_000  # bench.scale_data: copy k of style n is n + (k + 1) * 1_000_000
MISSING_PREFIX = 9000  # bench.scale_data: copies of articles missing from the catalog start at 9000


# --- real vectors -------------------------------------------------------------------------


@dataclass
class RealVectors:
    """The trained vectors of the real rows, unit length, with the model's stamps."""

    product_ids: NDArray[np.str_]
    product_rec: NDArray[np.float32]
    text_ids: NDArray[np.str_]
    text: NDArray[np.float32]
    text_of: NDArray[np.str_]
    customer_ids: NDArray[np.str_]
    customer_rec: NDArray[np.float32]
    version: str
    trained_at: str

    def save(self, path: Path) -> None:
        np.savez(path, **{k: np.asarray(v) for k, v in asdict(self).items()})

    @classmethod
    def load(cls, path: Path) -> RealVectors:
        with np.load(path, allow_pickle=False) as data:
            fields = {k: data[k] for k in data.files}
        return cls(**{**fields, "version": str(fields["version"]), "trained_at": str(fields["trained_at"])})


def unit_rows(vectors: Sequence[Sequence[float]]) -> NDArray[np.float32]:
    """``vectors`` as a float32 matrix with every row scaled to length 1."""
    matrix = np.asarray(vectors, dtype=np.float64)
    return (matrix / np.linalg.norm(matrix, axis=1, keepdims=True)).astype(np.float32)


def train_real(bench: BenchServer, real: RealFiles, models: Path, epochs: int, seed: int) -> dict[str, Any]:
    """Load the real files, train every model on them (``train_models``); returns what it cost."""
    # Imported here: the loads run in spawned subprocesses, which re-import this module, and
    # torch with the models would cost each of them ~800 MiB and seconds of start-up.
    from shopgraph.relational.pipeline import RecommenderSettings, train_models

    driver = bench.driver
    started = time.perf_counter()
    for path in (real.articles, real.styles):
        ingest_catalog(driver, path)
    ingest_customers(driver, real.customers)
    ingest_purchases(driver, real.transactions)
    loaded = time.perf_counter() - started
    print(f"real data loaded in {loaded:.0f} s; training (epochs {epochs})", file=sys.stderr, flush=True)
    report = train_models(
        driver,
        models,
        settings=RecommenderSettings(epochs=epochs, seed=seed),
        kge_models=("distmult",),
        kge_epochs=1,
        infer_relations=(),
        say=lambda line: print(f"  train: {line}", file=sys.stderr, flush=True),
    )
    return {
        "load_seconds": round(loaded, 1),
        "train_seconds": {k: round(v, 1) for k, v in report.seconds.items()},
        "rec_version": report.rec_version,
        "rec_history": report.rec_history,
        "texts_embedded": report.texts_embedded,
        "customers": report.customers,
        "products": report.products,
        "purchases": report.purchases,
    }


def read_real_vectors(driver: Driver) -> RealVectors:
    """The vectors ``train_models`` wrote onto the real graph."""
    products = read(driver, bq.REAL_PRODUCT_VECTORS)
    customers = read(driver, bq.REAL_CUSTOMER_VECTORS)
    rec = [r for r in products if r["rec"] is not None]
    text = [r for r in products if r["text"] is not None]
    return RealVectors(
        product_ids=np.array([r["id"] for r in rec]),
        product_rec=unit_rows([r["rec"] for r in rec]),
        text_ids=np.array([r["id"] for r in text]),
        text=unit_rows([r["text"] for r in text]),
        text_of=np.array([r["textOf"] for r in text]),
        customer_ids=np.array([r["id"] for r in customers]),
        customer_rec=unit_rows([r["rec"] for r in customers]),
        version=rec[0]["version"],
        trained_at=rec[0]["trainedAt"].to_native().isoformat(),
    )


# --- copies back to their originals -------------------------------------------------------


def _column(path: Path, name: str) -> list[str]:
    with path.open(newline="", encoding="utf-8") as handle:
        records = csv.reader(handle)
        at = next(records).index(name)
        return [record[at] if at < len(record) else "" for record in records]


def copy_originals(real: RealFiles, hm_rows: int, copies: int) -> tuple[Callable[[str], str], dict[str, str]]:
    """How to find the real row a scaled product or customer copies (ids as ``bench.scale_data`` makes them).

    Returns:
        A function from a scaled product id to the real product id, and a dict from scaled
        customer id to real customer id.
    """
    articles = _column(real.articles, "article_id")
    article_row = {aid: index for index, aid in enumerate(articles)}
    full_copies, partial = divmod(hm_rows, len(article_row))
    # Articles that scale_data.write_transactions treats as missing from the catalog, numbered as it
    # numbers them: in the order they first occur in the (date-ordered) real transactions.
    missing: dict[str, int] = {}
    for aid in _column(real.transactions, "article_id"):
        at = article_row.get(aid)
        if at is None or full_copies + (1 if at < partial else 0) == 0:
            missing.setdefault(aid, len(missing))
    missing_ids = list(missing)

    def product(pid: str) -> str:
        source, _, raw = pid.partition(":")
        if source == "myntra":
            return f"myntra:{int(raw) % MYNTRA_COPY_STEP}"
        prefix, index = int(raw[:4]), int(raw[4:])
        return "hm:" + (missing_ids[index] if prefix >= MISSING_PREFIX else articles[index])

    customers = sorted(set(_column(real.transactions, "customer_id")))
    customer = {customer_copy_id(k, real_id): real_id for k in range(copies) for real_id in customers}
    return product, customer


def noisy(unit: NDArray[np.float32], rng: np.random.Generator, sigma: float) -> NDArray[np.float32]:
    """``normalise(u + ε)`` for each row ``u`` of ``unit``, ``ε ~ N(0, σ²I)``."""
    moved = unit.astype(np.float64) + rng.normal(0.0, sigma, unit.shape)
    return (moved / np.linalg.norm(moved, axis=1, keepdims=True)).astype(np.float32)


@dataclass
class CopiedVectors:
    """The vectors written onto the scaled graph (kept for the exact nearest neighbours)."""

    product_ids: list[str]
    product_rec: NDArray[np.float32]
    text_ids: list[str]
    text: NDArray[np.float32]
    customer_ids: list[str]
    customer_rec: NDArray[np.float32]
    without_original: dict[str, int]


def copy_vectors(
    driver: Driver, real: RealVectors, originals: tuple[Callable[[str], str], dict[str, str]], sigma: float, seed: int
) -> tuple[CopiedVectors, dict[str, float]]:
    """Give every scaled product and customer its original's vector plus noise, and write them.

    Returns:
        The vectors written, and the seconds each kind took.
    """
    product_original, customer_original = originals
    rng = np.random.default_rng(seed)
    rec_at = {pid: i for i, pid in enumerate(real.product_ids.tolist())}
    text_at = {pid: i for i, pid in enumerate(real.text_ids.tolist())}
    customer_at = {cid: i for i, cid in enumerate(real.customer_ids.tolist())}
    records = read(driver, bq.SCALED_PRODUCTS)
    scaled = [(r["id"], product_original(r["id"])) for r in records]
    rec_pairs = [(pid, rec_at[orig]) for pid, orig in scaled if orig in rec_at]
    text_pairs = [(pid, text_at[orig]) for pid, orig in scaled if orig in text_at]
    records = read(driver, bq.SCALED_CUSTOMERS)
    customer_pairs = [
        (r["id"], customer_at[customer_original[r["id"]]])
        for r in records
        if customer_original.get(r["id"]) in customer_at
    ]
    copied = CopiedVectors(
        product_ids=[pid for pid, _ in rec_pairs],
        product_rec=noisy(real.product_rec[[i for _, i in rec_pairs]], rng, sigma),
        text_ids=[pid for pid, _ in text_pairs],
        text=noisy(real.text[[i for _, i in text_pairs]], rng, sigma),
        customer_ids=[cid for cid, _ in customer_pairs],
        customer_rec=noisy(real.customer_rec[[i for _, i in customer_pairs]], rng, sigma),
        without_original={
            "product_rec": len(scaled) - len(rec_pairs),
            "product_text": len(scaled) - len(text_pairs),
            "customers": len(records) - len(customer_pairs),
        },
    )
    trained_at = datetime.fromisoformat(real.trained_at)
    seconds: dict[str, float] = {}
    for label, ids, vectors in (
        ("Product", copied.product_ids, copied.product_rec),
        ("Customer", copied.customer_ids, copied.customer_rec),
    ):
        started = time.perf_counter()
        write_embeddings(
            driver, label, "recEmbedding", ids, vectors, version=real.version, trained_at=trained_at, stamp_prefix="rec"
        )
        seconds[f"{label}.recEmbedding"] = round(time.perf_counter() - started, 1)
    text_of = [real.text_of[i] for _, i in text_pairs]
    rows = (
        {"id": pid, "vector": vector.tolist(), "textHash": str(digest)}
        for pid, vector, digest in zip(copied.text_ids, copied.text, text_of, strict=True)
    )
    started = time.perf_counter()
    write_batches(driver, rq.WRITE_TEXT_EMBEDDINGS, rows, batch_size=500, what="Product.textEmbedding")
    seconds["Product.textEmbedding"] = round(time.perf_counter() - started, 1)
    return copied, seconds


# --- measuring ----------------------------------------------------------------------------


class CpuClock:
    """Wall time, CPU of this process and of the server, and the whole machine's busy CPU, since ``start``."""

    def __init__(self, server_pid: int) -> None:
        self._server = psutil.Process(server_pid)
        self._own = psutil.Process()
        self._zero = self._read()

    def _read(self) -> tuple[float, float, float, float]:
        machine = psutil.cpu_times()
        busy = machine.user + machine.nice + machine.system + machine.irq + machine.softirq + machine.steal
        own, server_cpu = self._own.cpu_times(), self._server.cpu_times()
        return time.perf_counter(), own.user + own.system, server_cpu.user + server_cpu.system, busy

    def elapsed(self) -> dict[str, float]:
        """Seconds, CPU seconds of the client and the server, and other processes' CPU in cores."""
        seconds, client, server_cpu, busy = (a - b for a, b in zip(self._read(), self._zero, strict=True))
        return {
            "seconds": round(seconds, 1),
            "client_cpu_s": round(client, 1),
            "server_cpu_s": round(server_cpu, 1),
            "other_cpu_cores": round(max(busy - client - server_cpu, 0.0) / seconds, 2) if seconds else 0.0,
        }


@dataclass(frozen=True)
class QueryCase:
    """One query family to time: the named query, its fixed parameters, and whether it has an index stage."""

    label: str
    name: str
    params: dict[str, Any]
    compare: bool


def _modes(case: QueryCase) -> list[bool | None]:
    return [False, True] if case.compare else [None]


def _params(case: QueryCase, inputs: dict[str, Any], exhaustive: bool | None) -> dict[str, Any]:
    params = {**case.params, **inputs}
    if exhaustive is not None:
        params["exhaustive"] = exhaustive
    return params


def _timed(driver: Driver, name: str, params: dict[str, Any]) -> tuple[float, list[dict[str, Any]]]:
    started = time.perf_counter()
    rows = run_query(driver, name, params).rows
    return time.perf_counter() - started, rows


def percentiles(seconds: Sequence[float]) -> dict[str, float]:
    """p50, p95, p99 (numpy's linear interpolation), mean and max of ``seconds``, in milliseconds."""
    ms = np.asarray(seconds) * 1000
    return {
        "p50": round(float(np.percentile(ms, 50)), 1),
        "p95": round(float(np.percentile(ms, 95)), 1),
        "p99": round(float(np.percentile(ms, 99)), 1),
        "mean": round(float(ms.mean()), 1),
        "max": round(float(ms.max()), 1),
    }


def _key_column(rows: list[dict[str, Any]]) -> list[Any]:
    return [row.get("product", row.get("text")) for row in rows]


@dataclass(frozen=True)
class Timing:
    """How much to run: warm-ups, measured inputs, every how many inputs the exhaustive mode runs too, time cap."""

    warmup: int
    exhaustive_warmup: int
    exhaustive_every: int
    budget_s: float


def measure(bench: BenchServer, case: QueryCase, inputs: list[dict[str, Any]], timing: Timing) -> dict[str, Any]:
    """Warm ``case`` up on the first inputs, then time it on the others.

    The index (or only) mode runs on every input; a compared query's exhaustive mode also runs on
    every ``exhaustive_every``-th input, right before or after the index mode (alternating). A mode
    stops once its measured runs add up to ``budget_s`` seconds.

    Returns:
        Percentiles per mode; for a compared query, over the inputs run in both modes: the
        exhaustive ÷ index ratios of p50 and p99, the share of inputs whose rows are identical in
        both modes and the mean share of the exhaustive mode's products that the index mode returned.
    """
    warm, measured = inputs[: timing.warmup], inputs[timing.warmup :]
    for i, params in enumerate(warm):
        for exhaustive in _modes(case)[: 2 if i < timing.exhaustive_warmup else 1]:
            _timed(bench.driver, case.name, _params(case, params, exhaustive))
    times: dict[bool | None, list[float]] = {mode: [] for mode in _modes(case)}
    paired: list[float] = []  # the index mode's time on the inputs the exhaustive mode ran on
    same = overlaps = 0.0
    first_rows: list[list[dict[str, Any]]] = []
    clock = CpuClock(bench.pid)
    load_before = os.getloadavg()
    for i, params in enumerate(measured):
        both = case.compare and i % timing.exhaustive_every == 0 and sum(times[True]) < timing.budget_s
        modes = _modes(case) if both else _modes(case)[:1]
        if both and (i // timing.exhaustive_every) % 2:
            modes = modes[::-1]
        answers = {}
        for exhaustive in modes:
            seconds, rows = _timed(bench.driver, case.name, _params(case, params, exhaustive))
            times[exhaustive].append(seconds)
            answers[exhaustive] = rows
        first_rows.append(answers[False if case.compare else None])
        if both:
            paired.append(times[False][-1])
            same += answers[False] == answers[True]
            index_keys, exact_keys = set(_key_column(answers[False])), set(_key_column(answers[True]))
            overlaps += len(index_keys & exact_keys) / len(exact_keys) if exact_keys else 1.0
        if sum(times[False if case.compare else None]) > timing.budget_s:
            break
    runs = {("exhaustive" if mode else "index" if mode is False else "-"): len(t) for mode, t in times.items()}
    result: dict[str, Any] = {
        "query": case.name,
        "params": case.params,
        "runs": runs,
        "modes": {
            ("exhaustive" if mode else "index" if mode is False else "-"): percentiles(t) for mode, t in times.items()
        },
        "rows_per_run": round(sum(len(r) for r in first_rows) / len(first_rows), 1),
        "cpu": clock.elapsed(),
        "load_average": [load_before, os.getloadavg()],
        "first_rows": first_rows,
    }
    if case.compare:
        index, exhaustive = percentiles(paired), result["modes"]["exhaustive"]
        result["index_on_paired_inputs"] = index
        result["ratio_p50"] = round(exhaustive["p50"] / index["p50"], 1)
        result["ratio_p99"] = round(exhaustive["p99"] / index["p99"], 1)
        result["identical_rows"] = round(same / len(paired), 3)
        result["product_overlap"] = round(overlaps / len(paired), 3)
    print(
        f"  {case.label}: {runs} runs, "
        + ", ".join(f"{m} p50 {p['p50']} ms p99 {p['p99']} ms" for m, p in result["modes"].items()),
        file=sys.stderr,
        flush=True,
    )
    return result


# --- plans --------------------------------------------------------------------------------


def _operators(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("children", []):
        yield from _operators(child)


def profile(driver: Driver, name: str, params: dict[str, Any]) -> dict[str, Any]:
    """``PROFILE`` of the named query with ``params``: db hits, and the vector-index calls and label scans."""
    query = cypher.load(name)
    bound = query.bind(params)
    with driver.session(default_access_mode=READ_ACCESS) as session:
        plan = session.run(bq.profiled(query.statements[0]), bound).consume().profile
    operators = list(_operators(plan))
    # The runtime reports no rows for a procedure call: count the rows that go into it instead.
    watched = [
        {
            "operator": op["operatorType"].split("@")[0],
            "details": str(op.get("args", {}).get("Details", ""))[:90],
            "rows_in": sum(child.get("rows", 0) for child in op.get("children", [])),
            "rows": op.get("rows", 0),
            "db_hits": op.get("dbHits", 0),
        }
        for op in operators
        if op["operatorType"].startswith(("ProcedureCall", "NodeByLabelScan"))
    ]
    return {"db_hits": sum(op.get("dbHits", 0) for op in operators), "watched": watched}


# --- recall -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IndexedVectors:
    """What one vector index holds: its name, the property, the nodes' ids and their unit vectors."""

    index: str
    prop: str
    ids: list[str]
    vectors: NDArray[np.float32]


def recall(
    driver: Driver,
    label: str,
    ids: Sequence[str],
    queries: NDArray[np.float32],
    target: IndexedVectors,
    ks: Sequence[int],
    original: Callable[[str], str],
) -> dict[str, float]:
    """How close the vector index's k nearest are to the exact k nearest, averaged over the ``label`` nodes ``ids``.

    The exact k nearest of a query vector (a row of ``queries``, the vector of node ``ids[i]``) are the
    k largest cosines with every vector of ``target``, computed in float64. Per k:
    ``recall@k`` = |index's k ∩ exact k| / k; ``originals@k`` the same over the real rows they copy
    (``original``), |originals of index's k ∩ originals of exact k| / |originals of exact k|;
    ``cos lost@k`` = mean cosine of the exact k − mean cosine of the index's k; ``call p50@k`` and
    ``call p99@k`` the driver-side milliseconds of the index call alone.
    """
    exact = np.asarray(target.vectors, dtype=np.float64) @ np.asarray(queries, dtype=np.float64).T
    names = np.asarray(target.ids)
    row = {node_id: i for i, node_id in enumerate(target.ids)}
    found: dict[str, list[float]] = {}
    calls: dict[int, list[float]] = {k: [] for k in ks}
    for column, node_id in enumerate(ids):
        for k in ks:
            started = time.perf_counter()
            records = read(
                driver, bq.INDEX_NEAREST[label], {"id": node_id, "index": target.index, "prop": target.prop, "k": k}
            )
            calls[k].append(time.perf_counter() - started)
            best = np.argpartition(-exact[:, column], k)[:k]
            got = [row[r["id"]] for r in records]
            top, hits = set(names[best].tolist()), set(names[got].tolist())
            originals = {original(n) for n in top}
            found.setdefault(f"recall@{k}", []).append(len(top & hits) / k)
            found.setdefault(f"originals@{k}", []).append(len(originals & {original(n) for n in hits}) / len(originals))
            found.setdefault(f"cos lost@{k}", []).append(exact[best, column].mean() - exact[got, column].mean())
    result = {key: round(float(np.mean(values)), 4) for key, values in found.items()}
    for k, seconds in calls.items():
        ms = percentiles(seconds)
        result.update({f"call p50@{k}": ms["p50"], f"call p99@{k}": ms["p99"]})
    return result


# --- the benchmark ------------------------------------------------------------------------


def _real_vectors(bench: BenchServer, args: argparse.Namespace, real: RealFiles) -> tuple[RealVectors, dict[str, Any]]:
    """The real rows' trained vectors: from ``<out>/real-vectors.npz`` or trained now (the database is wiped after)."""
    cache = args.out.resolve() / "real-vectors.npz"
    meta_path = cache.with_suffix(".json")
    if cache.exists() and not args.retrain:
        print(f"real vectors from {cache}", file=sys.stderr, flush=True)
        return RealVectors.load(cache), json.loads(meta_path.read_text(encoding="utf-8"))
    training = train_real(bench, real, args.out.resolve() / "models", args.epochs, args.seed)
    vectors = read_real_vectors(bench.driver)
    vectors.save(cache)
    meta_path.write_text(json.dumps(training, indent=2) + "\n", encoding="utf-8")
    run_auto_commit(bench.driver, bq.WIPE)
    init_schema(bench.driver)
    return vectors, training


def _load(bench: BenchServer, name: str, kind: Kind, path: Path, batch_size: int) -> LoadResult:
    return run_load(LoadSpec(name, kind, path, batch_size, bench.settings, bench.pid), bench.monitor)


def benchmark(args: argparse.Namespace) -> dict[str, Any]:
    """Train on the real data, build the scaled graph, time the queries; return the results."""
    out: Path = args.out.resolve()
    started = time.perf_counter()
    load_before = os.getloadavg()
    real = RealFiles.under(args.datasets)
    purchases = args.copies * data_rows(real.transactions)
    result: dict[str, Any] = {}
    with benchmark_server(out / "home", args.bolt_port, args.http_port) as bench:
        driver = bench.driver
        result["server"] = server_info(driver, bench.settings)
        vectors, result["training"] = _real_vectors(bench, args, real)
        print(
            f"generating {args.products:,} products and {purchases:,} purchases under {out / 'data'}",
            file=sys.stderr,
            flush=True,
        )
        step = time.perf_counter()
        files = scale(out / "data", args.products, purchases, args.seed, real)
        result["generated"] = {**files.counts, "seconds": round(time.perf_counter() - step, 1)}

        loads = {
            "hm": _load(bench, "H&M products (articles.csv)", "catalog", files.articles, args.batch_size),
            "myntra": _load(bench, "Myntra products (styles.csv)", "catalog", files.styles, args.batch_size),
            "customers": _load(bench, "customers", "customers", files.customers, args.batch_size),
            "purchases": _load(bench, "purchases (transactions.csv)", "purchases", files.transactions, args.batch_size),
        }
        result["loads"] = {
            key: {
                "name": r.name,
                "rows": r.rows,
                "seconds": round(r.write_seconds, 1),
                "rows_per_s": round(r.rows_per_s),
                "other_cpu_cores": r.other_cpu_cores,
            }
            for key, r in loads.items()
        }
        print("computing preferences", file=sys.stderr, flush=True)
        step = time.perf_counter()
        compute_preferences(driver)
        result["preferences_seconds"] = round(time.perf_counter() - step, 1)

        print("writing the copies' vectors", file=sys.stderr, flush=True)
        originals = copy_originals(real, files.counts["hm_articles"], files.counts["customer_copies"])
        copied, result["vector_write_seconds"] = copy_vectors(driver, vectors, originals, args.noise, args.seed)
        result["without_original"] = copied.without_original
        step = time.perf_counter()
        run_auto_commit(driver, bq.AWAIT_INDEXES)
        result["await_indexes_seconds"] = round(time.perf_counter() - step, 1)
        result["graph"] = {**read(driver, bq.GRAPH_COUNTS)[0], **read(driver, bq.VECTOR_COUNTS)[0]}
        print(f"graph: {result['graph']}", file=sys.stderr, flush=True)

        rng = np.random.default_rng(args.seed)
        sample = args.warmup + args.runs
        customers = rng.choice(np.asarray(copied.customer_ids), size=sample, replace=False).tolist()
        in_catalog = set(copied.text_ids)
        catalog = [pid for pid in copied.product_ids if pid in in_catalog]
        products = rng.choice(np.asarray(catalog), size=sample, replace=False).tolist()
        cases = [
            QueryCase("recommend", "recommend", {}, True),
            QueryCase("similar_products, by embedding", "similar_products", {"by": "embedding"}, True),
            QueryCase("similar_products, by attributes", "similar_products", {"by": "attributes"}, False),
            QueryCase("similar_products, combined", "similar_products", {"by": "combined"}, True),
        ]
        inputs = {
            "recommend": [{"customerId": c} for c in customers],
            "similar_products": [{"productId": p} for p in products],
        }
        result["profiles"] = {}
        for case in cases:
            first = inputs[case.name][0]
            result["profiles"][case.label] = {
                ("-" if mode is None else "exhaustive" if mode else "index"): profile(
                    driver, case.name, _params(case, first, mode)
                )
                for mode in _modes(case)
            }
        print("timing", file=sys.stderr, flush=True)
        timing = Timing(args.warmup, args.exhaustive_warmup, max(args.runs // args.exhaustive_runs, 1), args.budget)
        timings = {case.label: measure(bench, case, inputs[case.name], timing) for case in cases}
        # Explain the first product recommended to each customer (what a shopper asks "why?" about).
        warm = [{"customerId": c} for c in customers[: args.warmup]]
        recommended = [run_query(driver, "recommend", p).rows for p in warm] + timings["recommend"]["first_rows"]
        explain_inputs = [
            {"customerId": c, "productId": rows[0]["product"]}
            for c, rows in zip(customers, recommended, strict=False)
            if rows
        ]
        result["profiles"]["explain"] = {"-": profile(driver, "explain", explain_inputs[0])}
        timings["explain"] = measure(bench, QueryCase("explain", "explain", {}, False), explain_inputs, timing)
        for entry in timings.values():
            entry.pop("first_rows")
        result["latency"] = timings

        print("recall", file=sys.stderr, flush=True)
        n = args.recall_queries
        customer_row = {cid: i for i, cid in enumerate(copied.customer_ids)}
        rec_row = {pid: i for i, pid in enumerate(copied.product_ids)}
        text_row = {pid: i for i, pid in enumerate(copied.text_ids)}
        ks = (10, args.candidates)
        picked_customers, picked_products = customers[args.warmup :][:n], products[args.warmup :][:n]
        product_rec = IndexedVectors("product_rec_embedding", "recEmbedding", copied.product_ids, copied.product_rec)
        text = IndexedVectors("product_text_embedding", "textEmbedding", copied.text_ids, copied.text)
        product_original = originals[0]
        result["recall"] = {
            "customer → product_rec_embedding": recall(
                driver,
                "Customer",
                picked_customers,
                copied.customer_rec[[customer_row[c] for c in picked_customers]],
                product_rec,
                ks,
                product_original,
            ),
            "product → product_rec_embedding": recall(
                driver,
                "Product",
                picked_products,
                copied.product_rec[[rec_row[p] for p in picked_products]],
                product_rec,
                ks,
                product_original,
            ),
            "product → product_text_embedding": recall(
                driver,
                "Product",
                picked_products,
                copied.text[[text_row[p] for p in picked_products]],
                text,
                ks,
                product_original,
            ),
        }
        result["recall_queries"] = len(picked_products)
    result.update(
        {
            "command": "python -m bench.query_latency " + " ".join(sys.argv[1:]),
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "machine": {**machine_info(), "load_average_start": load_before},
            "seed": args.seed,
            "noise": args.noise,
            "runs": args.runs,
            "warmup": args.warmup,
            "exhaustive_every": max(args.runs // args.exhaustive_runs, 1),
            "total_seconds": round(time.perf_counter() - started, 1),
        }
    )
    return result


# --- the report ---------------------------------------------------------------------------


def _table(header: list[str], rows: list[list[Any]]) -> list[str]:
    numeric = [
        all(str(row[i])[:1].isdigit() or str(row[i]).startswith("*") for row in rows) for i in range(len(header))
    ]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def _loads(averages: Sequence[float]) -> str:
    return "/".join(f"{x:.1f}" for x in averages)


def markdown(result: dict[str, Any]) -> str:
    """The results as Markdown, for docs/benchmarks.md."""
    m, s, g, gen = result["machine"], result["server"], result["graph"], result["generated"]
    lines = [
        f"Command: `{result['command']}`  ",
        f"Date: {result['date']}; machine: {m['cpus']} CPUs, {m['memory_gib']} GiB RAM, load average (1/5/15 min) "
        f"{_loads(m['load_average_start'])} at the start, {_loads(m['load_average'])} at the end; "
        f"Neo4j {s['components'].get('Neo4j Kernel', '?')} (heap {s['memory'].get('server.memory.heap.max_size')}, "
        f"page cache {s['memory'].get('server.memory.pagecache.size')}); whole run "
        f"{result['total_seconds'] / 60:.1f} min.  ",
        f"Graph: {g['products']:,} products ({g['productsNotInCatalog']:,} known only from purchases), "
        f"{g['customers']:,} customers ({g['customersWithPurchases']:,} with purchases), {g['purchases']:,} purchases, "
        f"{g['prefers']:,} PREFERS; vectors: {g['productRecVectors']:,} product and {g['customerRecVectors']:,} "
        f"customer recommender vectors (64), {g['productTextVectors']:,} product text vectors (384). "
        f"Input: {gen['hm_articles']:,} H&M + {gen['myntra_styles']:,} Myntra rows, {gen['customer_copies']} copies "
        f"of the real transactions.",
        "",
    ]
    rows = [
        [r["name"], f"{r['rows']:,}", f"{r['seconds']:.1f}", f"{r['rows_per_s']:,}", f"{r['other_cpu_cores']:.2f}"]
        for r in result["loads"].values()
    ]
    rows.append(["compute_preferences", "", f"{result['preferences_seconds']:.1f}", "", ""])
    rows += [[f"vectors: {k}", "", f"{v:.1f}", "", ""] for k, v in result["vector_write_seconds"].items()]
    rows.append(["vector indexes online (db.awaitIndexes)", "", f"{result['await_indexes_seconds']:.1f}", "", ""])
    lines += _table(["graph load step", "rows", "s", "rows/s", "others' CPU (cores)"], rows)
    lines += [
        "",
        f"Latency, ms (after {result['warmup']} warm-up inputs; the exhaustive mode on every "
        f"{result['exhaustive_every']}th input, its ratios over the inputs run in both modes):",
        "",
    ]
    rows = []
    for label, t in result["latency"].items():
        others = f"{t['cpu']['other_cpu_cores']:.2f}"
        modes = list(t["modes"].items())
        if "exhaustive" in t["modes"]:
            modes.insert(1, ("index, same inputs as exhaustive", t["index_on_paired_inputs"]))
        for mode, p in modes:
            last = mode == "exhaustive"
            runs = t["runs"].get(mode, t["runs"]["exhaustive"] if mode.startswith("index,") else 0)
            rows.append(
                [
                    label,
                    mode,
                    runs,
                    p["p50"],
                    p["p95"],
                    p["p99"],
                    p["max"],
                    f"**{t['ratio_p50']}×**" if last else "",
                    f"**{t['ratio_p99']}×**" if last else "",
                    f"{t['identical_rows']:.0%} / {t['product_overlap']:.0%}" if last else "",
                    others if mode in ("index", "-") else "",
                ]
            )
    lines += _table(
        [
            "query",
            "candidates from",
            "runs",
            "p50",
            "p95",
            "p99",
            "max",
            "exhaustive ÷ index, p50",
            "p99",
            "same rows / same products",
            "others' CPU (cores)",
        ],
        rows,
    )
    lines += ["", f"Recall of the vector indexes ({result['recall_queries']} query vectors each):", ""]
    lines += _table(
        ["query vector → index", *next(iter(result["recall"].values())).keys()],
        [[k, *v.values()] for k, v in result["recall"].items()],
    )
    lines += ["", "Plans (PROFILE of the first warm-up input):", ""]
    rows = []
    for label, modes in result["profiles"].items():
        for mode, p in modes.items():
            calls = sum(op["rows_in"] for op in p["watched"] if op["operator"] == "ProcedureCall")
            scans = sum(op["rows"] for op in p["watched"] if op["operator"] == "NodeByLabelScan")
            rows.append([label, mode, f"{p['db_hits']:,}", calls, f"{scans:,}"])
    lines += _table(["query", "mode", "db hits", "rows into vector-index calls", "rows from label scans"], rows)
    return "\n".join(lines) + "\n"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    parser = argparse.ArgumentParser(prog="python -m bench.query_latency", description=__doc__.split("\n\n")[0])
    parser.add_argument("--products", type=int, default=100_000, help="H&M + Myntra products to generate")
    parser.add_argument(
        "--copies",
        type=int,
        default=74,
        help="copies of the real transactions (682 customers each; 74 -> 50,468 customers)",
    )
    parser.add_argument("--runs", type=int, default=200, help="measured runs per query (index mode)")
    parser.add_argument(
        "--exhaustive-runs",
        type=int,
        default=40,
        help="of those, how many also run in the exhaustive mode (spread out)",
    )
    parser.add_argument("--warmup", type=int, default=10, help="unmeasured runs per query first")
    parser.add_argument(
        "--exhaustive-warmup", type=int, default=1, help="of those, how many in the exhaustive mode too"
    )
    parser.add_argument(
        "--budget", type=float, default=300.0, help="seconds of measured runs after which a query's mode stops"
    )
    parser.add_argument("--recall-queries", type=int, default=200, help="query vectors for the recall check")
    parser.add_argument("--candidates", type=int, default=100, help="k of the recall check (the queries' default)")
    parser.add_argument("--noise", type=float, default=0.01, help="σ of the noise added to each copy's unit vector")
    parser.add_argument("--epochs", type=int, default=2, help="recommender epochs when training on the real data")
    parser.add_argument("--retrain", action="store_true", help="train again even if <out>/real-vectors.npz exists")
    parser.add_argument(
        "--datasets", type=Path, default=REAL_DATASETS, help="folder with hm/ and myntra/ of the real files"
    )
    parser.add_argument(
        "--out", type=Path, default=Path("bench/out/latency"), help="folder for data, server, vectors and results"
    )
    parser.add_argument("--batch-size", type=int, default=2000, help="rows per transaction of the loads")
    parser.add_argument("--seed", type=int, default=7, help="seed of the generator, the noise and the samples")
    parser.add_argument("--bolt-port", type=int, default=0, help="Bolt port of the benchmark server (0: a free one)")
    parser.add_argument("--http-port", type=int, default=0, help="HTTP port of the benchmark server (0: a free one)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark; write ``query_latency.json`` and ``query_latency.md`` under ``--out``; print the Markdown."""
    args = parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    result = benchmark(args)
    (args.out / "query_latency.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    report = markdown(result)
    (args.out / "query_latency.md").write_text(report, encoding="utf-8")
    print(report)


if __name__ == "__main__":
    main()
