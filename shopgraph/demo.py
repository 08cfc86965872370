"""The demo: from nothing to an explorable graph of real retail data in one call, and the AI on it.

``run_demo`` installs and starts the local Neo4j, loads the shipped sample, then runs the main job
once: the sample's photos through the detector into Image and Detection nodes, the relational model
trained on the graph, one customer's recommendations with their reasons, one question about a photo
answered, and one annotated preview written. A second run finds everything done and changes
nothing (the loaders MERGE, processed photos are skipped, a current model is not retrained).

The plugins are imported inside :func:`run_demo`, so importing this module loads no torch.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from neo4j import Driver

from shopgraph import cypher
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.connection import connect
from shopgraph.graphstore.core.defaults import DEMO
from shopgraph.graphstore.core.schema import SchemaReport, init_schema
from shopgraph.graphstore.core.stats import GraphStats, graph_stats
from shopgraph.graphstore.ingest.loader import (
    IngestReport,
    Kind,
    default_rejects_path,
    ingest_catalog,
    ingest_customers,
    ingest_purchases,
)
from shopgraph.graphstore.ingest.reasoning import PreferenceReport, compute_preferences
from shopgraph.graphstore.server import local as server

if TYPE_CHECKING:
    from shopgraph.assistant.context import Answer
    from shopgraph.relational.recommend import Recommendations

EXAMPLE_QUERIES = ("explore_customer", "explore_brand", "explore_taxonomy")


@dataclass(frozen=True)
class PhotoStep:
    """The sample's photos through the detector: processed now, skipped (done before), failed."""

    folder: Path
    processed: int
    skipped: int
    failed: int
    detections: int
    seconds: float


@dataclass(frozen=True)
class TrainingStep:
    """The relational model: ``trained`` False when the graph's vectors were already current."""

    version: str
    trained: bool
    trained_at: datetime | None
    customers: int
    products: int
    products_with_photo: int
    seconds: float


@dataclass(frozen=True)
class QuestionStep:
    """One shopper question about a photo, its answer, and the photo's annotated preview."""

    question: str
    photo: Path
    answer: Answer
    preview: Path
    objects: list[dict[str, Any]]


@dataclass(frozen=True)
class DemoReport:
    server: server.ServerStatus | None
    schema: SchemaReport
    ingests: list[IngestReport]
    preferences: PreferenceReport
    photos: PhotoStep
    training: TrainingStep
    recommendations: Recommendations
    question: QuestionStep
    stats: GraphStats
    browser_url: str | None
    examples: list[tuple[str, str]]


def sample_dir() -> Path:
    """The shipped sample of real Myntra and H&M rows (see its ATTRIBUTION.md)."""
    return Path(str(resources.files("shopgraph.graphstore").joinpath("data", "sample")))


def run_demo(settings: Settings, progress: Callable[[str], None] | None = None) -> DemoReport:
    """Install and start the local Neo4j (unless NEO4J_URI names another), load the sample, derive
    preferences, load the example policies that ``shopgraph ask`` answers service questions from,
    then show the AI on it: photos analysed, the model trained, recommendations, an answer.

    Returns:
        What each step did, one customer's recommendations with reasons, the answer to
        ``DEMO.question`` about ``DEMO.photo`` with the path of its annotated preview (under
        ``<home>/demo``), the graph statistics, the Browser URL and three queries for Browser.

    Raises:
        ShopgraphError: any step's error, unchanged (server, connection, input, write).
    """

    def say(text: str) -> None:
        if progress is not None:
            progress(text)

    status = None
    if settings.is_local:
        server.install(settings, progress)
        status = server.start(settings, progress=progress)
    driver = connect(settings)
    try:
        db = settings.database
        say("creating constraints and indexes")
        schema = init_schema(driver, db)
        sample = sample_dir()
        reports = []
        steps: list[tuple[Kind, Callable[..., IngestReport], str]] = [
            ("catalog", ingest_catalog, "myntra_styles.csv"),
            ("catalog", ingest_catalog, "hm_articles.csv"),
            ("customers", ingest_customers, "hm_customers.csv"),
            ("purchases", ingest_purchases, "hm_transactions.csv"),
        ]
        for kind, ingest, name in steps:
            path = sample / name
            say(f"loading {name}")
            reports.append(
                ingest(
                    driver,
                    path,
                    rejects_path=default_rejects_path(settings.home, kind, path),
                    batch_size=settings.batch_size,
                    database=db,
                )
            )
        say("deriving customers' preferences")
        preferences = compute_preferences(driver, database=db)
        say("loading the shop's policies")
        # The plugins, imported here: the demo sits above them, and importing it must stay light.
        from shopgraph.assistant.answer import ask
        from shopgraph.assistant.policies import load_policies

        load_policies(driver, database=db)
        photos = _photos(driver, sample / "images", say, db)
        training = _training(driver, settings.home / "models", say, db)
        say(f"recommending for customer {DEMO.customer[:8]}…")
        from shopgraph.relational.recommend import recommend

        recommendations = recommend(driver, DEMO.customer, k=DEMO.recommendations, database=db)
        say(f"asking {DEMO.question!r} about {DEMO.photo}")
        photo = sample / DEMO.photo
        answer = ask(driver, DEMO.question, image=photo, database=db)
        preview, objects = _preview(photo, settings.home / "demo")
        stats = graph_stats(driver, db)
    finally:
        driver.close()
    examples = [
        (cypher.load(n).purpose.removeprefix("For Neo4j Browser: "), cypher.load(n).statements[0])
        for n in EXAMPLE_QUERIES
    ]
    return DemoReport(
        status,
        schema,
        reports,
        preferences,
        photos,
        training,
        recommendations,
        QuestionStep(DEMO.question, photo, answer, preview, objects),
        stats,
        settings.browser_url if settings.is_local else None,
        examples,
    )


def _photos(driver: Driver, folder: Path, say: Callable[[str], None], db: str | None) -> PhotoStep:
    from shopgraph.vision import ingest_images

    say(f"analysing the sample's photos ({folder.name}/): detection, segmentation, colour, embedding")
    report = ingest_images(driver, [folder], database=db)
    return PhotoStep(folder, report.ok, report.skipped, len(report.failed), report.detections_written, report.seconds)


def _training(driver: Driver, models_dir: Path, say: Callable[[str], None], db: str | None) -> TrainingStep:
    from shopgraph.relational.pipeline import RecommenderSettings, train_models
    from shopgraph.relational.writeback import recommender_state

    state = recommender_state(driver, db)
    if state.current and state.version is not None:
        say(f"the recommender {state.version} is current: not retrained (`shopgraph train` retrains)")
        return TrainingStep(state.version, False, state.trained_at, 0, 0, 0, 0.0)
    report = train_models(
        driver,
        models_dir,
        settings=RecommenderSettings(epochs=DEMO.epochs),
        kge_epochs=DEMO.kge_epochs,
        database=db,
        say=say,
    )
    return TrainingStep(
        report.rec_version,
        True,
        report.trained_at,
        report.customers,
        report.products,
        report.products_with_photo,
        sum(report.seconds.values()),
    )


def _preview(photo: Path, out_dir: Path) -> tuple[Path, list[dict[str, Any]]]:
    """The photo with what the detector sees drawn on it, as ``<out_dir>/<stem>-preview.jpg``."""
    from shopgraph.vision import analyse_photo

    analysis = analyse_photo(photo)
    path = analysis.save_preview(out_dir / f"{photo.stem}-preview.jpg")
    objects = [
        {"class": o.class_name, "category": o.category, "confidence": round(o.confidence, 3), "colour": o.colour_name}
        for o in analysis.objects
    ]
    return path, objects
