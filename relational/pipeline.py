"""The two jobs behind ``shopgraph train`` and ``shopgraph evaluate``.

``train_models``: text embeddings onto products, then the knowledge-graph embedding models
compared on held-out triples (the best one's entity vectors and proposed missing attributes
written back), then the recommender fitted on every purchase and its customer and product
vectors written back, each step stamped with its model version and recorded as a ModelRun.

``evaluate_models``: the recommender (in each fusion variant) against the six baselines on
the rolling time split, the report saved as Markdown, JSON and a PNG plot.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import torch
from neo4j import Driver

from shopgraph.graphstore.core.defaults import EVALUATION, RECOMMENDER
from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.relational.baselines import baseline_factories
from shopgraph.relational.candidates import SourceSettings, candidate_recall, generate
from shopgraph.relational.comparison import (
    add_recall,
    compare,
    render_ablation,
    render_candidate_recall,
    render_comparison,
    render_importance,
)
from shopgraph.relational.data import Recommender, Snapshot, from_day
from shopgraph.relational.evaluate import EvaluationReport, evaluate, plot_report, render_markdown
from shopgraph.relational.export import read_snapshot
from shopgraph.relational.exposure_cap import ExposureCap
from shopgraph.relational.features import embed_product_texts
from shopgraph.relational.kge_eval import compare_kge
from shopgraph.relational.kge_infer import propose_missing
from shopgraph.relational.memory import peak_rss_mib
from shopgraph.relational.models.fusion import FUSIONS
from shopgraph.relational.ranker import (
    ABLATION_BASE,
    FeatureCache,
    LearnedRanker,
    RankerSettings,
    ranker_factories,
)
from shopgraph.relational.ranker_vectors import GridVectors, KGEVectors, gnn_fit
from shopgraph.relational.served import ServedItem, served_lists
from shopgraph.relational.split import make_task, rolling_cutoffs
from shopgraph.relational.training.checkpoints import save_kge
from shopgraph.relational.training.gnn import GNNRecommender
from shopgraph.relational.training.kge import entity_embeddings
from shopgraph.relational.writeback import (
    clear_stale_embeddings,
    clear_stale_inferred,
    clear_stale_recommended,
    product_names,
    record_model_run,
    write_embeddings,
    write_inferred,
    write_recommended,
)

Say = Callable[[str], None]

# Relations whose gaps the KGE model fills with INFERRED proposals: the attributes catalogs
# leave unstated most often (materials outside descriptions, style and pattern in names).
INFER_RELATIONS: tuple[str, ...] = ("MADE_OF", "HAS_STYLE", "HAS_PATTERN")

# β of the repurchase prior in the evaluated "model + own history" row: 2 puts every past
# purchase (prior up to about 2) above any product the model alone prefers (cosine at most 1),
# as repurchase-then-popular puts it above the popular list. Set in graphstore.core.defaults.
REPURCHASE_PRIOR = RECOMMENDER.repurchase_prior


@dataclass(frozen=True)
class RecommenderSettings:
    """The recommender's hyper-parameters, shared by ``train`` and ``evaluate``."""

    fusion: str = RECOMMENDER.fusion
    epochs: int = RECOMMENDER.epochs
    dim: int = RECOMMENDER.dim
    seed: int = RECOMMENDER.seed
    use_text: bool = True
    use_images: bool = True

    def build(
        self,
        fusion: str | None = None,
        checkpoint_dir: Path | None = None,
        repurchase: float = 0.0,
        candidates: str = "known",
    ) -> GNNRecommender:
        """A fresh, unfitted recommender with these settings (``fusion`` overrides; ``repurchase``
        is the ``β`` of the repurchase prior, 0 for the model alone; ``candidates`` which products
        it may rank, ``known`` or ``bought`` before the cut-off)."""
        return GNNRecommender(
            fusion=fusion or self.fusion,
            repurchase=repurchase,
            candidates=candidates,
            dim=self.dim,
            epochs=self.epochs,
            seed=self.seed,
            use_text=self.use_text,
            use_images=self.use_images,
            checkpoint_dir=checkpoint_dir,
        )


@dataclass
class TrainReport:
    """What ``train_models`` did: sizes, model versions, metrics, what was written, and its cost."""

    trained_at: datetime
    customers: int
    products: int
    purchases: int
    products_with_photo: int
    texts_embedded: int
    kge: dict[str, Any]
    kge_version: str
    kge_vectors: dict[str, int]
    inferred: dict[str, int]
    rec_version: str
    rec_history: list[dict[str, float]]
    rec_attention: dict[str, float] | None
    rec_vectors: dict[str, int]
    checkpoints: list[str]
    ranker_version: str = ""
    ranker_groups: int = 0  # labelled (customer, cut-off) groups it learned from; 0: the rule fallback
    ranker_importance: dict[str, float] = field(default_factory=dict)
    recommended: int = 0  # RECOMMENDED relationships written
    recommended_customers: int = 0
    seconds: dict[str, float] = field(default_factory=dict)
    peak_rss_mib: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            "trainedAt": self.trained_at.isoformat(),
            "customers": self.customers,
            "products": self.products,
            "purchases": self.purchases,
            "productsWithPhoto": self.products_with_photo,
            "textsEmbedded": self.texts_embedded,
            "kge": self.kge,
            "kgeVersion": self.kge_version,
            "kgeVectors": self.kge_vectors,
            "inferred": self.inferred,
            "recVersion": self.rec_version,
            "recHistory": self.rec_history,
            "recAttention": self.rec_attention,
            "recVectors": self.rec_vectors,
            "checkpoints": self.checkpoints,
            "rankerVersion": self.ranker_version,
            "rankerGroups": self.ranker_groups,
            "rankerImportance": self.ranker_importance,
            "recommended": self.recommended,
            "recommendedCustomers": self.recommended_customers,
            "seconds": self.seconds,
            "peakRssMiB": self.peak_rss_mib,
        }


@dataclass
class EvaluateReport:
    """``evaluate_models``' outcome: the comparison and where its files are."""

    report: EvaluationReport
    markdown: str
    files: dict[str, str]
    seconds: float
    peak_rss_mib: float
    # The comparison to the strongest rule, candidate recall, the ranker's importances, the inputs found.
    extras: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """Plain data for ``--json``."""
        return {
            **self.report.to_dict(),
            **self.extras,
            "files": self.files,
            "seconds": self.seconds,
            "peakRssMiB": self.peak_rss_mib,
        }


@contextmanager
def one_thread() -> Iterator[None]:
    """PyTorch on one CPU thread inside the block, restored after it.

    The fits are many small tensor operations, which a second thread slows down when the other
    core is busy (measured: LightGCN 15 s per fit on one thread, 170 s on two).
    """
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def rec_version(model: GNNRecommender, snapshot: Snapshot) -> str:
    """``<model name>@<first 12 hex of the SHA-256 of its product vectors>``: a refit that changes
    anything is a new version, the same seed on the same data the same one."""
    digest = hashlib.sha256(np.ascontiguousarray(model.product_embeddings()).tobytes())
    digest.update(str(snapshot.num_customers).encode())
    return f"{model.name}@{digest.hexdigest()[:12]}"


def name_cited(item: ServedItem, names: dict[str, str]) -> ServedItem:
    """``item`` with the product ids its reasons cite replaced by the products' names."""
    reasons = list(item.reasons)
    for pid in item.cited:
        if pid in names:
            reasons = [text.replace(pid, names[pid]) for text in reasons]
    return replace(item, reasons=tuple(reasons))


def train_models(
    driver: Driver,
    models_dir: Path,
    *,
    settings: RecommenderSettings | None = None,
    purchase_source: str | None = None,
    kge_models: Sequence[str] = RECOMMENDER.kge_models,
    kge_epochs: int | None = None,
    infer_relations: Sequence[str] = INFER_RELATIONS,
    min_inferred_score: float = 0.5,
    ranker: RankerSettings | None = None,
    served: int = RECOMMENDER.served,
    exposure_cap: ExposureCap | None = None,
    database: str | None = None,
    say: Say | None = None,
) -> TrainReport:
    """Train every model on the whole graph and write the results back onto it.

    Args:
        driver: an open driver.
        models_dir: where checkpoints go (``<home>/models`` by default in the CLI).
        settings: the recommender's hyper-parameters (defaults: attention fusion, seed 0).
        purchase_source: train on the purchases of this source only (``hm`` for ``hm:*``).
        kge_models: the knowledge-graph embedding models to compare; the best by validation MRR
            is the one written back.
        infer_relations: relations for which products lacking them get INFERRED proposals.
        min_inferred_score: proposals scoring below it are not written.
        ranker: the learned ranker's settings; it is fitted on every purchase and its top ``served``
            per customer written as ``RECOMMENDED`` with sources and reasons (``relational.served``).
        exposure_cap: cut each served list with this cap (the fairness audit's knob); none by default.
        say: called with a line per step.

    Returns:
        A :class:`TrainReport`.

    Raises:
        InputError: the graph has no purchases (of ``purchase_source``).
        ConfigError: bad hyper-parameters.
        WriteFailed: a write-back batch failed after its retries.
    """
    settings = settings or RecommenderSettings()
    if settings.fusion not in FUSIONS:
        raise ConfigError(f"unknown fusion {settings.fusion!r}; known: {', '.join(FUSIONS)}")
    note = say or (lambda _: None)
    seconds: dict[str, float] = {}
    trained_at = datetime.now(UTC)
    models_dir.mkdir(parents=True, exist_ok=True)

    started = time.perf_counter()
    note("embedding product names and descriptions (all-MiniLM-L6-v2)")
    texts = embed_product_texts(driver, database=database)
    seconds["text"] = time.perf_counter() - started

    started = time.perf_counter()
    note("reading the graph")
    snapshot = read_snapshot(driver, database=database, purchase_source=purchase_source)
    seconds["export"] = time.perf_counter() - started

    started = time.perf_counter()
    note(f"knowledge-graph embeddings: comparing {', '.join(kge_models)}")
    with one_thread():
        kge = compare_kge(snapshot, kge_models, seed=settings.seed, epochs=kge_epochs)
    best = kge.best_model
    save_kge(best, models_dir / f"{best.version.replace('@', '-')}.pt")
    kge_vectors: dict[str, int] = {}
    for label, (ids, vectors) in entity_embeddings(best).items():
        kge_vectors[label] = write_embeddings(
            driver,
            label,
            "kgeEmbedding",
            ids,
            vectors,
            version=best.version,
            trained_at=trained_at,
            stamp_prefix="kge",
            database=database,
        )
        clear_stale_embeddings(
            driver, label, "kgeEmbedding", version=best.version, stamp_prefix="kge", database=database
        )
    inferred: dict[str, int] = {}
    trained_relations = set(best.triples.relations)
    for relation in infer_relations:
        if relation not in trained_relations:
            continue
        rows = propose_missing(best, snapshot, relation, min_score=min_inferred_score)
        inferred[relation] = write_inferred(
            driver, rows, version=best.version, trained_at=trained_at, database=database
        )
        clear_stale_inferred(driver, relation, version=best.version, database=database)
    record_model_run(
        driver, best.version, "kge", trained_at, settings.seed, best.params(), kge.as_dict(), database=database
    )
    seconds["kge"] = time.perf_counter() - started

    started = time.perf_counter()
    note(f"recommender: {settings.fusion} fusion, {settings.epochs} epochs over {len(snapshot.purchases):,} purchases")
    model = settings.build()
    with one_thread():
        model.fit(snapshot)
    version = rec_version(model, snapshot)
    checkpoint = model.save(models_dir / f"{version.replace('@', '-')}.pt")
    rec_vectors: dict[str, int] = {}
    for label, ids, vectors in (
        ("Customer", snapshot.customer_ids, model.customer_embeddings()),
        ("Product", snapshot.product_ids, model.product_embeddings()),
    ):
        rec_vectors[label] = write_embeddings(
            driver,
            label,
            "recEmbedding",
            ids,
            vectors,
            version=version,
            trained_at=trained_at,
            stamp_prefix="rec",
            database=database,
        )
        clear_stale_embeddings(driver, label, "recEmbedding", version=version, stamp_prefix="rec", database=database)

    last_day = int(snapshot.purchases.day.max())
    record_model_run(
        driver,
        version,
        "recommender",
        trained_at,
        settings.seed,
        {**model.config, "purchaseSource": purchase_source, "lastPurchase": from_day(last_day).isoformat()},
        {"history": model.history, "attention": model.attention_weights()},
        database=database,
    )
    seconds["recommender"] = time.perf_counter() - started

    started = time.perf_counter()
    ranker_model = LearnedRanker(ranker or RankerSettings(seed=settings.seed))
    note(f"learned ranker: candidates and features at {ranker_model.settings.train_cutoffs} earlier cut-offs")
    ranker_model.fit(snapshot)
    lists = served_lists(ranker_model, snapshot, served, cap=exposure_cap)
    cited = sorted({pid for items in lists.values() for item in items for pid in item.cited})
    names = product_names(driver, cited, database=database)
    lists = {customer: [name_cited(item, names) for item in items] for customer, items in lists.items()}
    ranker_version = f"ranker@{ranker_model.digest()}"
    if exposure_cap is not None:
        ranker_version += f"-{exposure_cap.dimension}-cap-{round(exposure_cap.max_share * 100)}"
    recommended = write_recommended(driver, lists, version=ranker_version, trained_at=trained_at, database=database)
    clear_stale_recommended(driver, version=ranker_version, database=database)
    record_model_run(
        driver,
        ranker_version,
        "ranker",
        trained_at,
        ranker_model.settings.seed,
        {
            "settings": repr(ranker_model.settings),
            "served": served,
            "features": list(ranker_model.feature_names),
            "exposureCap": None if exposure_cap is None else repr(exposure_cap),
        },
        {"groups": ranker_model.training_groups, "importance": ranker_model.importance},
        database=database,
    )
    seconds["ranker"] = time.perf_counter() - started

    with_photo = 0 if snapshot.image is None else int(np.count_nonzero(snapshot.image.any(axis=1)))
    return TrainReport(
        trained_at=trained_at,
        customers=snapshot.num_customers,
        products=snapshot.num_products,
        purchases=len(snapshot.purchases),
        products_with_photo=with_photo,
        texts_embedded=texts,
        kge=kge.as_dict(),
        kge_version=best.version,
        kge_vectors=kge_vectors,
        inferred=inferred,
        rec_version=version,
        rec_history=model.history,
        rec_attention=model.attention_weights(),
        rec_vectors=rec_vectors,
        checkpoints=[str(models_dir / f"{best.version.replace('@', '-')}.pt"), str(checkpoint)],
        ranker_version=ranker_version,
        ranker_groups=ranker_model.training_groups,
        ranker_importance=ranker_model.importance,
        recommended=recommended,
        recommended_customers=len(lists),
        seconds=seconds,
        peak_rss_mib=peak_rss_mib(),
    )


def data_inputs(snapshot: Snapshot) -> dict[str, int]:
    """What the snapshot holds that candidate sources and features need (0: that input is absent,
    and the sources and features built on it give nothing)."""
    return {
        "customers with an age": 0
        if snapshot.customer_age is None
        else int(np.count_nonzero(~np.isnan(snapshot.customer_age))),
        "products in a variant group of 2+": 0
        if snapshot.product_group is None
        else int(np.count_nonzero(np.bincount(snapshot.product_group)[snapshot.product_group] > 1)),
        "products with a text vector": 0 if snapshot.text is None else int(np.count_nonzero(snapshot.text.any(axis=1))),
        "products with a photo vector": 0
        if snapshot.image is None
        else int(np.count_nonzero(snapshot.image.any(axis=1))),
        "purchase lines with a price": 0
        if snapshot.purchases.price is None
        else int(np.count_nonzero(np.isfinite(snapshot.purchases.price))),
        "purchase lines with a sales channel": 0
        if snapshot.purchases.channel is None
        else int(np.count_nonzero(snapshot.purchases.channel)),
    }


def render_inputs(inputs: dict[str, int]) -> str:
    """One line per input, absent ones marked, for the report."""
    lines = ["Inputs the candidate sources and features found in the graph:", ""]
    lines += [
        f"- {name}: {count:,}" + ("" if count else " (absent: what needs it is left out)")
        for name, count in inputs.items()
    ]
    return "\n".join(lines) + "\n"


class _Kept:
    """A factory wrapper that keeps the last instance it made (to read a fitted ranker's importances)."""

    def __init__(self, factory: Callable[[], LearnedRanker]) -> None:
        self.factory = factory
        self.last: LearnedRanker | None = None

    def __call__(self) -> LearnedRanker:
        self.last = self.factory()
        return self.last


def evaluate_models(
    driver: Driver,
    out_dir: Path,
    *,
    settings: RecommenderSettings | None = None,
    fusions: Sequence[str] = FUSIONS,
    baselines: bool = True,
    repurchase_prior: float = REPURCHASE_PRIOR,
    ranker: RankerSettings | None = None,
    rankers: bool = True,
    ablation: bool = True,
    purchase_source: str | None = None,
    cutoffs: int = EVALUATION.cutoffs,
    step: int = EVALUATION.step_days,
    horizon: int = EVALUATION.horizon_days,
    k: int = EVALUATION.k,
    earlier_days: int = 0,
    candidate_sizes: Sequence[int] = (50, 100, 200),
    database: str | None = None,
    progress: Callable[[int, int, str], None] | None = None,
    say: Say | None = None,
) -> EvaluateReport:
    """The learned ranker and the GNN against the baselines on the rolling time split.

    Every method is fitted at each of ``cutoffs`` cut-offs, ``step`` days apart (the last one
    ``horizon`` days before the last purchase), on the purchases before it, and asked for the top
    ``k`` products of every customer who bought in the ``horizon`` days after it and before it.
    Every method ranks only products someone bought before the cut-off (availability without the
    future: the catalog file tells nothing of when a never-bought article went on sale).

    The report adds, to the metrics table: each method against the strongest baseline with
    paired-bootstrap intervals and by segment (``relational.comparison``); the candidate recall of
    every source and their union at ``candidate_sizes``; with ``ablation``, the ranker without
    learned vectors, with each of text, photo, GNN and KGE alone, and with all; the ranker's
    feature importances; and which inputs the graph had.

    Args:
        out_dir: where ``evaluation.md``, ``evaluation.json`` and ``evaluation.png`` are written.
        fusions: the GNN's fusion variants to evaluate alone (empty: none).
        baselines: include the eight baselines.
        repurchase_prior: also evaluate the settings' fusion (the first of ``fusions`` if it is not
            among them) with the repurchase prior of this ``β`` (``relational.training.gnn``);
            0 leaves that row out.
        ranker: the learned ranker's settings (defaults: ``RankerSettings()``).
        rankers: include the learned ranker.
        ablation: include the ranker's ablation variants (fits the GNN at grid days and one KGE
            model for their vector features, ``relational.ranker_vectors``).
        earlier_days: place every cut-off this many days earlier (the windows end that many days
            before the last purchase): the tuning part, before the evaluated one (224 for the eight
            cut-offs before the default eight).
        progress: called with (steps done, steps, what runs now).

    Returns:
        An :class:`EvaluateReport`.

    Raises:
        InputError: the graph has no purchases (of ``purchase_source``).
        ConfigError: an unknown fusion, or fewer than one cut-off.
    """
    settings = settings or RecommenderSettings()
    unknown = [f for f in fusions if f not in FUSIONS]
    if unknown:
        raise ConfigError(f"unknown fusion {unknown[0]!r}; known: {', '.join(FUSIONS)}")
    if cutoffs < 1:
        raise ConfigError(f"need at least one cut-off, got {cutoffs}")
    note = say or (lambda _: None)
    started = time.perf_counter()
    note("reading the graph")
    snapshot = read_snapshot(driver, database=database, purchase_source=purchase_source)
    last = int(snapshot.purchases.day.max()) - earlier_days
    days = rolling_cutoffs(last, count=cutoffs, step=step, horizon=horizon)
    baseline_list = list(baseline_factories(settings.seed)) if baselines else []
    factories: list[Callable[[], Recommender]] = list(baseline_list)
    factories += [partial(settings.build, fusion, candidates="bought") for fusion in fusions]
    if repurchase_prior > 0 and fusions:
        fusion = settings.fusion if settings.fusion in fusions else fusions[0]
        factories.append(partial(settings.build, fusion, repurchase=repurchase_prior, candidates="bought"))
    kept: _Kept | None = None
    vector_fits: dict[str, GridVectors | KGEVectors] = {}
    if rankers:
        ranker_settings = ranker or RankerSettings(seed=settings.seed, horizon=horizon)
        if ablation:
            vector_fits["gnn"] = GridVectors(
                gnn_fit(partial(settings.build, settings.fusion, candidates="bought")), anchor=days[-1], step=step
            )
            vector_fits["kge"] = KGEVectors(seed=settings.seed, recent=ranker_settings.sources.recent)
        made = ranker_factories(ranker_settings, dict(vector_fits), ablation=ablation, cache=FeatureCache())
        kept = _Kept(made[0])
        factories += [kept, *made[1:]]
    with one_thread():
        report = evaluate(snapshot, factories, cutoffs=days, k=k, horizon=horizon, progress=progress)
    note("candidate recall of each source")
    recall: dict[str, dict[int, tuple[int, int]]] = {}
    source_settings = SourceSettings(per_source=max(candidate_sizes))
    for day in report.cutoffs:
        task = make_task(snapshot, day, horizon)
        if len(task):
            found = generate(snapshot.until(day), task.customers, source_settings)
            add_recall(recall, candidate_recall(found, task.truth, candidate_sizes))
    baseline_names = [factory().name for factory in baseline_list]
    comparison = compare(report, baseline_names) if baseline_names else None
    inputs = data_inputs(snapshot)
    importance = kept.last.importance if kept is not None and kept.last is not None else {}
    sections = [render_markdown(report)]
    if comparison is not None:
        sections.append(render_comparison(comparison, k))
    sections.append(render_candidate_recall(recall))
    if rankers and ablation:
        sections.append(render_ablation(report, ABLATION_BASE, k))
    if importance:
        sections.append(render_importance(importance))
    sections.append(render_inputs(inputs))
    markdown = "\n".join(sections)
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        "markdown": str(out_dir / "evaluation.md"),
        "json": str(out_dir / "evaluation.json"),
        "plot": str(plot_report(report, out_dir / "evaluation.png")),
    }
    extras = {
        "comparison": comparison.to_dict() if comparison is not None else None,
        "candidateRecall": {
            s: {str(n): hits / max(total, 1) for n, (hits, total) in by.items()} for s, by in recall.items()
        },
        "rankerImportance": importance,
        "inputs": inputs,
        "vectorFits": {name: fit.fits for name, fit in vector_fits.items()},
    }
    Path(files["markdown"]).write_text(markdown + "\n", encoding="utf-8")
    Path(files["json"]).write_text(json.dumps({**report.to_dict(), **extras}, indent=2) + "\n", encoding="utf-8")
    return EvaluateReport(report, markdown, files, time.perf_counter() - started, peak_rss_mib(), extras)
