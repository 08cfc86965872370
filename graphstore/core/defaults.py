"""Every tunable default of shopgraph, in one torch-free module that the library and the CLI both read.

As Ultralytics' ``cfg/default.yaml`` is read by its CLI and its Python API alike, a default is
written here once: the library's functions take it as their argument default, and ``shopgraph``'s
options show it (``show_default``). Importing this module costs nothing (the standard library
and the graph model only), so ``shopgraph --help`` never loads torch to learn a default.

Each group is a frozen dataclass with one instance (``RECOMMENDER``, ``EVALUATION``, ...);
change a default here and both sides follow.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from shopgraph.graphstore.core.graph_model import REC_EMBEDDING_DIM

# The folder that holds graphstore/, vision/, cypher/ ...: the repository, or the installed package.
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]

# The choices some defaults pick from, for the options that offer them.
SIMILAR_BY: tuple[str, ...] = ("embedding", "attributes", "combined")  # what ranks `similar PRODUCT`
FUSIONS: tuple[str, ...] = ("concat", "product", "attention")  # how graph, text and photo features fuse


@dataclass(frozen=True)
class ServerDefaults:
    """The embedded local Neo4j server and the connection to it (``graphstore.core.config``)."""

    home: str = ".shopgraph"  # the project's home folder, found from the current folder upwards
    config_file: str = "shopgraph.toml"  # the optional settings file at the project's root
    user: str = "neo4j"  # Neo4j user
    bolt_port: int = 7687  # Bolt port of the local server
    http_port: int = 7474  # HTTP port of the local server (Neo4j Browser)
    batch_size: int = 2000  # rows per write transaction when ingesting
    start_timeout_s: float = 120.0  # seconds `neo4j start` waits for Bolt to answer
    stop_timeout_s: float = 60.0  # seconds `neo4j stop` waits before killing the server


@dataclass(frozen=True)
class AdminDefaults:
    """neo4j-admin on the local home: bulk import, dump and load (``graphstore.server.admin``)."""

    heap_mb: int = 1024  # JVM heap of a neo4j-admin run; the importer works mostly off-heap
    import_off_heap: str = "4G"  # importer's off-heap cap (its own default, 90% of RAM, starves other work)
    timeout_s: float = 6 * 3600.0  # a neo4j-admin run taking longer than this is stopped
    index_timeout_s: int = 3600  # seconds a bulk import waits for the indexes it builds to come online


@dataclass(frozen=True)
class PreferenceDefaults:
    """Customers' PREFERS derived from their purchases (``graphstore.ingest.reasoning``)."""

    half_life_days: float = 90.0  # a purchase this many days old counts half
    min_confidence: float = 0.5  # facts less sure than this are ignored
    min_support: int = 1  # purchases needed behind a preference


@dataclass(frozen=True)
class RecommendDefaults:
    """Recommendations and catalog similarity (``relational.recommend``)."""

    k: int = 10  # products to recommend, or similar products to show
    per_category: int = 3  # at most this many recommended products of one leaf category
    candidates: int = 100  # nearest products taken from a vector index before re-ranking
    similar_by: str = "combined"  # `similar PRODUCT` ranks by one of SIMILAR_BY: both combined
    visual_k: int = 5  # products per detected object in a visual search (`similar --image`)
    explain_shown: int = 5  # ids of a reason's evidence that `explain` prints before "and N more"


@dataclass(frozen=True)
class RecommenderDefaults:
    """The relational recommender and the knowledge-graph embeddings (``relational.pipeline``)."""

    fusions: tuple[str, ...] = FUSIONS  # the GNN fusions there are (`evaluate --fusion` picks; default: `fusion`)
    fusion: str = "attention"  # the fusion `train` writes back
    epochs: int = 8  # recommender epochs
    dim: int = REC_EMBEDDING_DIM  # the product/customer rec_embedding indexes' size (graph_model)
    seed: int = 0  # seed of every random choice
    kge_models: tuple[str, ...] = ("transe", "distmult", "complex")  # compared; the best is written back
    # β of the evaluated "model + own history" row: 2 puts every past purchase (prior up to about 2)
    # above any product the model alone prefers (cosine at most 1).
    repurchase_prior: float = 2.0
    served: int = 20  # RECOMMENDED entries `train` writes per customer (the learned ranker's top N)


@dataclass(frozen=True)
class EvaluationDefaults:
    """The rolling time split that `evaluate` compares recommenders on (``relational.evaluate``)."""

    cutoffs: int = 8  # rolling cut-offs
    step_days: int = 28  # days between cut-offs
    horizon_days: int = 28  # days predicted after a cut-off
    k: int = 12  # recommendations per customer


@dataclass(frozen=True)
class VisionDefaults:
    """The product detector-segmenter: data set, training, evaluation and photo ingestion (``vision``)."""

    weights: Path = _PACKAGE_ROOT / "vision" / "models" / "shopgraph-seg.pt"  # the shipped detector
    imgsz: int = 256  # image size (long side) of the data set, training and evaluation
    seed: int = 0  # seed of the data set's split and of training
    holdout: float = 0.15  # share of products held out per class
    train_cap: int = 200  # most real training photos per class
    train_composites: int = 800  # training composites (several products on one background)
    val_composites: int = 200  # held-out composites
    dataset_workers: int = 2  # cut-out processes when building the data set
    epochs: int = 20  # detector training epochs
    batch: int = 16  # detector training batch
    eval_conf: float = 0.05  # lowest detection confidence considered when evaluating
    eval_device: str = "cpu"  # device of the evaluation
    ingest_batch_size: int = 32  # photos per detector batch and write transaction in `ingest images`


@dataclass(frozen=True)
class DemoDefaults:
    """What ``shopgraph demo`` shows on the shipped sample (``shopgraph.demo``)."""

    # The sample's most active customer (188 purchases), as the help examples name it.
    customer: str = "b9009217e85bbbbdfc84de48bba9b58514332d00475c7004c68867e1c49f72f9"
    photo: str = "images/12136.jpg"  # a sample photo (relative to the sample folder) the question is about
    question: str = "what brand is this?"
    recommendations: int = 5  # products recommended to the customer
    epochs: int = 8  # recommender epochs: the sample is small, the default already takes seconds
    kge_epochs: int = 30  # knowledge-graph embedding epochs per compared model


@dataclass(frozen=True)
class OutfitDefaults:
    """The fitting room: complete looks around a product or a shopper (``shopgraph.outfits``)."""

    looks: int = 3  # looks built per request
    window_days: int = 14  # two purchases by one customer at most this many days apart are bought together
    recent_days: int = 28  # "popular now": buyers in this many days before the reference day
    # Colour harmony in CIE L*C*h (``outfits.harmony``): a colour is neutral at chroma <= neutral_chroma,
    # or when dark (L* <= dark_lightness) with chroma <= dark_chroma (navy, dark brown); two hues are
    # analogous within analogous_deg, complementary within complementary_deg of opposite.
    neutral_chroma: float = 20.0
    dark_lightness: float = 25.0
    dark_chroma: float = 30.0
    analogous_deg: float = 30.0
    complementary_deg: float = 30.0
    # The score of each harmony rule, in [0, 1]; "unknown": a piece without a colour or multicoloured.
    harmony_scores: tuple[tuple[str, float], ...] = (
        ("neutral", 1.0),
        ("analogous", 0.9),
        ("complementary", 0.8),
        ("clash", 0.2),
        ("unknown", 0.5),
    )
    # Weights of the candidate score (``outfits.builder``), chosen on the tuning customers of
    # `shopgraph evaluate-outfits` on the H&M data (docs/outfits.md): from all-ones-and-halves, the
    # category lift and style went to 0 (style: 0.2 % of H&M products have one), preference to 2.
    weights: tuple[tuple[str, float], ...] = (
        ("co_purchase", 1.0),
        ("category_pair", 0.0),
        ("harmony", 0.5),
        ("style", 0.0),
        ("popularity", 1.0),
        ("preference", 2.0),
    )
    cutoffs: int = 4  # evaluate-outfits: rolling cut-offs
    step_days: int = 28  # evaluate-outfits: days between cut-offs (and each cut-off's test period)
    k: int = 3  # evaluate-outfits: bottoms proposed per top
    tuning_share: float = 0.5  # evaluate-outfits: share of customers (by id hash) whose events tune the weights
    bootstrap: int = 1000  # evaluate-outfits: bootstrap resamples of customers
    seed: int = 0


@dataclass(frozen=True)
class ServeDefaults:
    """The shopper's page and its JSON API (``shopgraph serve``, ``assistant.serving``)."""

    host: str = "127.0.0.1"  # loopback: other machines reach the page only with --public
    port: int = 8765  # the page's port
    max_upload_bytes: int = 8 * 1024 * 1024  # largest photo accepted (8 MiB)
    sample_photos: int = 12  # catalog photos the page offers to pick from


SERVER = ServerDefaults()
ADMIN = AdminDefaults()
PREFERENCES = PreferenceDefaults()
RECOMMEND = RecommendDefaults()
RECOMMENDER = RecommenderDefaults()
EVALUATION = EvaluationDefaults()
VISION = VisionDefaults()
DEMO = DemoDefaults()
OUTFITS = OutfitDefaults()
SERVE = ServeDefaults()
