r"""Training knowledge-graph embeddings of products and their attribute terms (TransE, DistMult, ComplEx).

:func:`train_kge` fits one of the models of :mod:`relational.models.kge` on the train triples of
:func:`relational.triples.build_triples` and calibrates a softmax temperature per relation on the
valid ones. The trained model gives entity vectors for the write-back (:func:`entity_embeddings`)
and scores every term of a relation's label for a product (:func:`score_tails`), which ``kge_eval``
turns into filtered link-prediction metrics and ``kge_infer`` into proposed missing attributes.
Checkpoints: :mod:`relational.training.checkpoints`.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray
from torch_geometric.nn.kge import ComplEx

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.relational.models.kge import KGE_CLASSES, KGEModule
from shopgraph.relational.triples import KGTriples, filter_mask, known_tails

MODELS: tuple[str, ...] = ("transe", "distmult", "complex")
# Per model: epochs and (Sparse)Adam learning rate, chosen on the validation MRR of the H&M + Myntra catalogs
# (82k triples, dim 64, batches of 1024, 4 negatives): DistMult peaks at 10 epochs and then overfits,
# ComplEx levels off by 20 (0.594, 0.597 at 25), TransE still creeps up at 30 (0.513 at 25) but stays
# the weakest, and a higher rate (0.02, 0.05) makes it worse. About 2 s of one core per epoch.
DEFAULTS: dict[str, tuple[int, float]] = {"transe": (30, 0.01), "distmult": (10, 0.01), "complex": (20, 0.01)}
_SCORE_CHUNK = 1 << 20

EpochProgress = Callable[[int, int, float], None]
"""Called after each epoch with (epochs done, epochs, mean training loss of that epoch)."""


@dataclass(frozen=True)
class KGEConfig:
    """How a model was trained. ``dim`` is the stored vector length: ComplEx has ``dim / 2`` complex
    dimensions, kept as real parts followed by imaginary parts."""

    model: str
    dim: int
    epochs: int
    batch_size: int
    lr: float
    negatives: int
    seed: int


@dataclass
class TrainedKGE:
    """A fitted model with its triples (and their entity mapping) and what training measured.

    ``history[i]`` is the mean loss of epoch ``i + 1``; ``temperature[relation]`` the softmax
    temperature that calibrates that relation's scores (see ``tail_probabilities``).
    """

    config: KGEConfig
    triples: KGTriples
    module: KGEModule
    history: list[float]
    seconds: float
    trained_at: datetime
    temperature: dict[str, float] = field(default_factory=dict)

    @property
    def version(self) -> str:
        """``kge-<model>@<first 12 hex of the SHA-256 of the parameters>``: refits that differ are new versions."""
        digest = hashlib.sha256()
        for name, tensor in sorted(self.module.state_dict().items()):
            digest.update(name.encode())
            digest.update(tensor.detach().contiguous().numpy().tobytes())
        return f"kge-{self.config.model}@{digest.hexdigest()[:12]}"

    def params(self) -> dict[str, Any]:
        """Training parameters for ``ModelRun.params``: the config, the relations and the split."""
        return {
            **asdict(self.config),
            "relations": list(self.triples.relations),
            "min_confidence": self.triples.min_confidence,
            "split_seed": self.triples.seed,
            "triples": {
                "train": len(self.triples.train),
                "valid": len(self.triples.valid),
                "test": len(self.triples.test),
            },
        }


def build_module(config: KGEConfig, triples: KGTriples) -> KGEModule:
    hidden = config.dim // 2 if config.model == "complex" else config.dim
    # Sparse gradients: a step updates only the rows of its batch. Dense ones make every step
    # rewrite every entity's vector and Adam moments, so time grew with the square of the catalog
    # (bench/kge_step.py: 6x per step at 154,000 entities).
    module = KGE_CLASSES[config.model](triples.num_entities, len(triples.relations), hidden, sparse=True)
    ranges = [triples.tail_range(r) for r in triples.relations]
    module.tail_start = torch.tensor([start for start, _ in ranges], dtype=torch.long)
    module.tail_size = torch.tensor([stop - start for start, stop in ranges], dtype=torch.long)
    module.generator = torch.Generator().manual_seed(config.seed)
    return module


def train_kge(
    triples: KGTriples,
    model: str = "complex",
    *,
    dim: int = 64,
    epochs: int | None = None,
    batch_size: int = 1024,
    lr: float | None = None,
    negatives: int = 4,
    seed: int = 0,
    progress: EpochProgress | None = None,
) -> TrainedKGE:
    """Fit ``model`` (``transe``, ``distmult`` or ``complex``) on ``triples.train``.

    PyG's models and losses: TransE scores ``-‖e_h + e_r - e_t‖₁`` (entities L1-normalised) with a
    margin ranking loss, margin 1; DistMult ``⟨e_h, e_r, e_t⟩`` with the same loss; ComplEx
    ``Re⟨e_h, e_r, ē_t⟩`` with binary cross-entropy. Each positive meets ``negatives`` corrupted
    tails (see the module docstring); ``SparseAdam`` at ``lr`` on sparse gradients; mini-batches
    of ``batch_size`` positives from PyG's ``loader()``, shuffled by a generator seeded with
    ``seed``. Initialisation draws from a forked RNG seeded with ``seed``, so the same inputs and
    seed give the same parameters, and the caller's global RNG is left as it was. After training,
    a softmax temperature per relation is
    fitted on the valid triples (``fit_temperatures``).

    Defaults: ``epochs`` and ``lr`` from ``DEFAULTS`` for the model.

    Raises:
        ConfigError: an unknown model, an odd ``dim`` for ComplEx, or a non-positive dim, epochs,
            batch size, learning rate or negatives count.
    """
    if model not in KGE_CLASSES:
        raise ConfigError(f"unknown KGE model {model!r}; known: {', '.join(MODELS)}")
    default_epochs, default_lr = DEFAULTS[model]
    config = KGEConfig(
        model=model,
        dim=dim,
        epochs=default_epochs if epochs is None else epochs,
        batch_size=batch_size,
        lr=default_lr if lr is None else lr,
        negatives=negatives,
        seed=seed,
    )
    _check_config(config)
    started = time.perf_counter()
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        module = build_module(config, triples)
    train = torch.from_numpy(triples.train)
    loader = module.loader(
        train[:, 0],
        train[:, 1],
        train[:, 2],
        batch_size=batch_size,
        shuffle=True,
        generator=torch.Generator().manual_seed(seed),
    )
    optimizer = torch.optim.SparseAdam(list(module.parameters()), lr=config.lr)
    history: list[float] = []
    module.train()
    for epoch in range(config.epochs):
        total = 0.0
        for heads, rels, tails in loader:
            optimizer.zero_grad()
            loss = module.loss(heads.repeat(negatives), rels.repeat(negatives), tails.repeat(negatives))
            loss.backward()
            optimizer.step()
            total += float(loss.detach()) * heads.numel()
        history.append(total / max(len(triples.train), 1))
        if progress is not None:
            progress(epoch + 1, config.epochs, history[-1])
    module.eval()
    trained = TrainedKGE(config, triples, module, history, time.perf_counter() - started, datetime.now(UTC))
    trained.temperature = fit_temperatures(trained)
    return trained


def _check_config(config: KGEConfig) -> None:
    for name in ("dim", "epochs", "batch_size", "negatives"):
        if getattr(config, name) < 1:
            raise ConfigError(f"{name} must be at least 1, got {getattr(config, name)}")
    if not config.lr > 0:
        raise ConfigError(f"lr must be positive, got {config.lr}")
    if config.model == "complex" and config.dim % 2:
        raise ConfigError(f"ComplEx stores real and imaginary parts, so dim must be even, got {config.dim}")


@torch.no_grad()
def score_tails(trained: TrainedKGE, heads: NDArray[np.int64], relation: str) -> NDArray[np.float32]:
    """Model scores ``(len(heads), C)`` of every candidate tail of ``relation`` (``triples.candidates``,
    in that order) for each head entity: the model's ``forward`` for each pair, higher is more plausible."""
    candidates = torch.from_numpy(trained.triples.candidates(relation))
    r = trained.triples.relation_index(relation)
    out = np.empty((len(heads), len(candidates)), dtype=np.float32)
    step = max(1, _SCORE_CHUNK // max(len(candidates), 1))
    for start in range(0, len(heads), step):
        chunk = torch.from_numpy(np.asarray(heads[start : start + step], dtype=np.int64))
        out[start : start + len(chunk)] = trained.module.tail_scores(chunk, r, candidates).numpy()
    return out


def tail_probabilities(scores: NDArray[np.floating[Any]], temperature: float) -> NDArray[np.float64]:
    """Softmax of each row over its candidates: ``p_c = exp(s_c / T) / Σ_j exp(s_j / T)``."""
    z = np.asarray(scores, dtype=np.float64) / temperature
    z -= z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def _nll(scores: NDArray[np.float64], true: NDArray[np.float64], temperature: float) -> float:
    z = scores / temperature
    top = z.max(axis=1)
    log_norm = top + np.log(np.exp(z - top[:, None]).sum(axis=1))
    return float(np.mean(log_norm - true / temperature))


def best_temperature(
    scores: NDArray[np.floating[Any]], target: NDArray[np.int64], excluded: NDArray[np.bool_]
) -> float:
    """The ``T`` in [10⁻³, 10³] minimising the mean negative log-likelihood ``-log p_target`` of the
    softmax over the candidates not ``excluded`` (temperature scaling, Guo et al. 2017).

    The likelihood is convex in ``1/T``, so it has one minimum along ``log T``; a golden-section
    search over ``log T`` finds it to a factor of 1.001.
    """
    s = np.where(excluded, -np.inf, np.asarray(scores, dtype=np.float64))
    true = s[np.arange(len(s)), target]
    low, high = math.log(1e-3), math.log(1e3)
    ratio = (math.sqrt(5) - 1) / 2
    a, b = high - ratio * (high - low), low + ratio * (high - low)
    fa, fb = _nll(s, true, math.exp(a)), _nll(s, true, math.exp(b))
    while high - low > 1e-3:
        if fa <= fb:
            high, b, fb = b, a, fa
            a = high - ratio * (high - low)
            fa = _nll(s, true, math.exp(a))
        else:
            low, a, fa = a, b, fb
            b = low + ratio * (high - low)
            fb = _nll(s, true, math.exp(b))
    return math.exp((low + high) / 2)


def fit_temperatures(trained: TrainedKGE) -> dict[str, float]:
    """Per relation, ``best_temperature`` on its valid triples (filtered: other true tails excluded);
    1.0 for a relation without valid triples."""
    triples = trained.triples
    known = known_tails(triples)
    fitted = {}
    for r, relation in enumerate(triples.relations):
        rows = triples.valid[triples.valid[:, 1] == r]
        if len(rows) == 0:
            fitted[relation] = 1.0
            continue
        candidates = triples.candidates(relation)
        scores = score_tails(trained, rows[:, 0], relation)
        fitted[relation] = best_temperature(scores, rows[:, 2] - candidates[0], filter_mask(rows, candidates, known))
    return fitted


def entity_embeddings(trained: TrainedKGE) -> dict[str, tuple[list[str], NDArray[np.float32]]]:
    """``label -> (graph ids, (n, dim) float32 vectors)`` for every entity, for ``kgeEmbedding``.

    TransE and DistMult: the entity embedding. ComplEx: real parts followed by imaginary parts.
    Cosine between these vectors is a similarity proxy for "same neighbourhood in the graph", not
    the model's link score (TransE's score is a distance of L1-normalised vectors; ComplEx's a
    Hermitian product with a relation in between).
    """
    module = trained.module
    weights = module.node_emb.weight.detach()
    if isinstance(module, ComplEx):
        weights = torch.cat([weights, module.node_emb_im.weight.detach()], dim=1)
    vectors = weights.numpy().astype(np.float32)
    triples = trained.triples
    return {
        label: (triples.entity_ids[start:stop], vectors[start:stop].copy())
        for label, (start, stop) in triples.label_range.items()
    }
