r"""Knowledge-graph embeddings of products and their attribute terms (TransE, DistMult, ComplEx).

The catalog facts of a :class:`~relational.data.Snapshot` become triples ``(product, relation,
term)`` in one entity index space (:func:`build_triples`), split into train, valid and test;
:func:`train_kge` fits one of PyTorch Geometric's ``torch_geometric.nn.kge`` models on the train
triples and calibrates a softmax temperature per relation on the valid ones. The trained model
gives entity vectors for the write-back (:func:`entity_embeddings`) and scores every term of a
relation's label for a product (:func:`score_tails`), which ``kge_eval`` turns into filtered
link-prediction metrics and ``kge_infer`` into proposed missing attributes.

Entity space: products first (in snapshot order), then the terms of each relation's label, each
label a contiguous range (in snapshot order). Only entities in at least one kept triple take part,
and the split keeps every one of them in train (see :func:`build_triples`), so every entity has
a trained vector.

Negatives: PyG's ``random_sample`` replaces heads or tails by any entity; in this graph that is
almost always a product (15k products against a few hundred terms), an easy negative that teaches
nothing about which *colour* fits, and replacing the head of ``(p, HAS_BRAND, h-m)`` by another
product is a false negative three times in four (77 % of the catalog is H&M). So the models here
replace the tail only, by a uniformly drawn term of the relation's label, ``negatives`` times per
positive, from a generator seeded with ``seed``.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch import Tensor
from torch_geometric.nn.kge import ComplEx, DistMult, TransE

from shopgraph.graphstore.core.errors import ConfigError, InputError
from shopgraph.relational.data import FACT_RELATIONS, Snapshot

PRODUCT = "Product"
# The relations the issue names, pointing at the labels that have a kgeEmbedding vector index.
# FOR_GENDER is left out by default: Gender has no kgeEmbedding index, and gender is a structured
# column for every product of both catalogs, so there is nothing to propose; pass it to add it.
DEFAULT_RELATIONS: tuple[str, ...] = ("HAS_BRAND", "IN_CATEGORY", "HAS_COLOUR", "MADE_OF", "HAS_STYLE", "HAS_PATTERN")
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
class KGTriples:
    """Product–term triples ``(head, relation, tail)`` as ``(n, 3)`` int64 rows of entity indices.

    ``entity_ids[e]`` is entity ``e``'s graph id, ``entity_label[e]`` its label's index in
    ``labels``; ``label_range[label]`` is the ``[start, stop)`` range of that label's entities.
    ``relations[r]`` names relation index ``r``; its tails are of label ``FACT_RELATIONS[name]``.
    """

    relations: tuple[str, ...]
    labels: tuple[str, ...]
    entity_ids: list[str]
    entity_label: NDArray[np.int64]
    label_range: dict[str, tuple[int, int]]
    train: NDArray[np.int64]
    valid: NDArray[np.int64]
    test: NDArray[np.int64]
    min_confidence: float
    seed: int

    @property
    def num_entities(self) -> int:
        return len(self.entity_ids)

    def relation_index(self, relation: str) -> int:
        """Index of ``relation`` in ``relations``.

        Raises:
            ConfigError: the relation has no triples here.
        """
        if relation not in self.relations:
            raise ConfigError(f"relation {relation!r} has no triples in this model; it has {', '.join(self.relations)}")
        return self.relations.index(relation)

    def tail_range(self, relation: str) -> tuple[int, int]:
        """``[start, stop)`` of the entities of the label ``relation`` points at."""
        self.relation_index(relation)
        return self.label_range[FACT_RELATIONS[relation]]

    def candidates(self, relation: str) -> NDArray[np.int64]:
        """Every entity of the label ``relation`` points at: the tails link prediction ranks."""
        start, stop = self.tail_range(relation)
        return np.arange(start, stop, dtype=np.int64)

    def all_triples(self) -> NDArray[np.int64]:
        """Train, valid and test rows together: the known true triples that filtered ranking removes."""
        return np.concatenate([self.train, self.valid, self.test])


def build_triples(
    snapshot: Snapshot,
    relations: Sequence[str] = DEFAULT_RELATIONS,
    *,
    min_confidence: float = 0.5,
    valid_share: float = 0.1,
    test_share: float = 0.1,
    seed: int = 0,
) -> KGTriples:
    """The snapshot's facts of ``relations`` with confidence ≥ ``min_confidence`` as split triples.

    Split rule: the triples are visited in one order drawn from ``seed``; a triple of relation ``r``
    goes to test while fewer than ``⌊test_share · n_r⌋`` of ``r`` are there, else to valid while
    fewer than ``⌊valid_share · n_r⌋``, but only if its head and its tail each keep at least one
    other triple in train; everything else stays in train. So every entity of valid and test is
    in train, and a relation gets fewer held-out triples only when too few are eligible (a term
    used once is never held out). Relations without a kept fact are left out of ``relations``.

    Raises:
        ConfigError: an unknown relation, a relation twice, shares outside ``[0, 1)`` or summing
            to 1 or more, a confidence threshold outside ``[0, 1]``, or no triple at all.
    """
    unknown = [r for r in relations if r not in FACT_RELATIONS]
    if unknown:
        raise ConfigError(f"unknown relations {unknown}; known: {', '.join(FACT_RELATIONS)}")
    if len(set(relations)) != len(relations):
        raise ConfigError(f"relations listed twice: {list(relations)}")
    if not (0 <= valid_share < 1 and 0 <= test_share < 1 and valid_share + test_share < 1):
        raise ConfigError(f"valid_share {valid_share} and test_share {test_share} must be in [0, 1) with a sum below 1")
    if not 0 <= min_confidence <= 1:
        raise ConfigError(f"min_confidence must be in [0, 1], got {min_confidence}")

    kept: list[tuple[str, NDArray[np.int64], NDArray[np.int64]]] = []
    for relation in relations:
        facts = snapshot.facts.get(relation)
        if facts is None:
            continue
        mask = facts.confidence >= min_confidence
        pairs = np.unique(np.stack([facts.product[mask], facts.term[mask]], axis=1), axis=0)
        if len(pairs):
            kept.append((relation, pairs[:, 0], pairs[:, 1]))
    if not kept:
        raise ConfigError(f"the snapshot has no facts of {', '.join(relations)} with confidence >= {min_confidence}")

    products = np.unique(np.concatenate([heads for _, heads, _ in kept]))
    labels = [PRODUCT]
    entity_ids = [snapshot.product_ids[p] for p in products]
    label_range = {PRODUCT: (0, len(products))}
    term_entities: dict[str, NDArray[np.int64]] = {}
    for relation, _, tails in kept:
        label = FACT_RELATIONS[relation]
        terms = np.unique(tails)
        start = len(entity_ids)
        labels.append(label)
        label_range[label] = (start, start + len(terms))
        term_entities[relation] = terms
        entity_ids.extend(snapshot.term_ids[label][t] for t in terms)
    entity_label = np.concatenate(
        [np.full(stop - start, i, dtype=np.int64) for i, (start, stop) in enumerate(label_range[x] for x in labels)]
    )

    rows = []
    for r, (relation, heads, tails) in enumerate(kept):
        start = label_range[FACT_RELATIONS[relation]][0]
        rows.append(
            np.stack(
                [
                    np.searchsorted(products, heads),
                    np.full(len(heads), r),
                    start + np.searchsorted(term_entities[relation], tails),
                ],
                axis=1,
            ).astype(np.int64)
        )
    triples = np.concatenate(rows)
    part = _split(triples, len(entity_ids), len(kept), valid_share, test_share, seed)
    return KGTriples(
        relations=tuple(relation for relation, _, _ in kept),
        labels=tuple(labels),
        entity_ids=entity_ids,
        entity_label=entity_label,
        label_range=label_range,
        train=triples[part == 0],
        valid=triples[part == 1],
        test=triples[part == 2],
        min_confidence=float(min_confidence),
        seed=seed,
    )


def _split(
    triples: NDArray[np.int64], num_entities: int, num_relations: int, valid_share: float, test_share: float, seed: int
) -> NDArray[np.int8]:
    """0 (train), 1 (valid) or 2 (test) per triple; the rule is in ``build_triples``."""
    heads, rels, tails = triples[:, 0], triples[:, 1], triples[:, 2]
    in_train = np.bincount(heads, minlength=num_entities) + np.bincount(tails, minlength=num_entities)
    per_relation = np.bincount(rels, minlength=num_relations)
    # The epsilon keeps products such as 0.29 * 100 = 28.999... from losing a triple to rounding.
    quota = {
        2: np.floor(per_relation * test_share + 1e-9).astype(np.int64),
        1: np.floor(per_relation * valid_share + 1e-9).astype(np.int64),
    }
    part = np.zeros(len(triples), dtype=np.int8)
    for i in np.random.default_rng(seed).permutation(len(triples)):
        h, r, t = heads[i], rels[i], tails[i]
        if in_train[h] < 2 or in_train[t] < 2:
            continue
        target = 2 if quota[2][r] > 0 else 1 if quota[1][r] > 0 else 0
        if target:
            part[i] = target
            quota[target][r] -= 1
            in_train[h] -= 1
            in_train[t] -= 1
    return part


class _TailNegatives:
    """Replaces ``KGEModel.random_sample``: corrupt the tail with a term of the relation's label."""

    tail_start: Tensor
    tail_size: Tensor
    generator: torch.Generator

    def random_sample(self, head_index: Tensor, rel_type: Tensor, tail_index: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        draw = torch.rand(tail_index.shape, generator=self.generator)
        size = self.tail_size[rel_type]
        tails = self.tail_start[rel_type] + torch.minimum((draw * size).long(), size - 1)
        return head_index, rel_type, tails


class _TransE(_TailNegatives, TransE):
    def tail_scores(self, heads: Tensor, rel: int, candidates: Tensor) -> Tensor:
        """``forward`` for every (head, candidate) pair: ``-‖ĥ + r - t̂‖_p`` as one distance matrix."""
        head = F.normalize(self.node_emb(heads), p=self.p_norm, dim=-1) + self.rel_emb.weight[rel]
        tail = F.normalize(self.node_emb(candidates), p=self.p_norm, dim=-1)
        return -torch.cdist(head, tail, p=self.p_norm)


class _DistMult(_TailNegatives, DistMult):
    def tail_scores(self, heads: Tensor, rel: int, candidates: Tensor) -> Tensor:
        """``forward`` for every (head, candidate) pair: ``(h ∘ r) tᵀ``."""
        return (self.node_emb(heads) * self.rel_emb.weight[rel]) @ self.node_emb(candidates).T


class _ComplEx(_TailNegatives, ComplEx):
    def tail_scores(self, heads: Tensor, rel: int, candidates: Tensor) -> Tensor:
        """``forward`` for every (head, candidate) pair: ``Re(h ∘ r) t_reᵀ + Im(h ∘ r) t_imᵀ``."""
        h_re, h_im = self.node_emb(heads), self.node_emb_im(heads)
        r_re, r_im = self.rel_emb.weight[rel], self.rel_emb_im.weight[rel]
        real = h_re * r_re - h_im * r_im
        imag = h_im * r_re + h_re * r_im
        return real @ self.node_emb(candidates).T + imag @ self.node_emb_im(candidates).T


KGEModule = _TransE | _DistMult | _ComplEx
_CLASSES: dict[str, type[KGEModule]] = {"transe": _TransE, "distmult": _DistMult, "complex": _ComplEx}


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


def _build_module(config: KGEConfig, triples: KGTriples) -> KGEModule:
    hidden = config.dim // 2 if config.model == "complex" else config.dim
    # Sparse gradients: a step updates only the rows of its batch. Dense ones make every step
    # rewrite every entity's vector and Adam moments, so time grew with the square of the catalog
    # (bench/kge_step.py: 6x per step at 154,000 entities).
    module = _CLASSES[config.model](triples.num_entities, len(triples.relations), hidden, sparse=True)
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
    if model not in _CLASSES:
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
        module = _build_module(config, triples)
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


def known_tails(triples: KGTriples) -> dict[tuple[int, int], set[int]]:
    """``(head, relation) -> tails`` over train, valid and test: the true answers filtering removes."""
    known: dict[tuple[int, int], set[int]] = {}
    for h, r, t in triples.all_triples().tolist():
        known.setdefault((h, r), set()).add(t)
    return known


def filter_mask(
    rows: NDArray[np.int64], candidates: NDArray[np.int64], known: dict[tuple[int, int], set[int]]
) -> NDArray[np.bool_]:
    """``(len(rows), C)``: true where candidate ``c`` is another known true tail of row ``(h, r, t)``'s
    ``(h, r)`` (the row's own tail stays false)."""
    position = {int(c): j for j, c in enumerate(candidates)}
    mask = np.zeros((len(rows), len(candidates)), dtype=np.bool_)
    for i, (h, r, t) in enumerate(rows.tolist()):
        for other in known.get((h, r), ()):
            if other != t and other in position:
                mask[i, position[other]] = True
    return mask


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


_CHECKPOINT_FORMAT = 1


def save_kge(trained: TrainedKGE, path: Path) -> None:
    """Write a checkpoint: parameters, config, triples and entity mapping, history, temperatures.

    Everything is tensors, strings and numbers, so ``load_kge`` reads it with ``weights_only=True``.
    """
    triples = trained.triples
    state = {
        "format": _CHECKPOINT_FORMAT,
        "config": asdict(trained.config),
        "state_dict": trained.module.state_dict(),
        "history": list(trained.history),
        "seconds": trained.seconds,
        "trained_at": trained.trained_at.isoformat(),
        "temperature": dict(trained.temperature),
        "triples": {
            "relations": list(triples.relations),
            "labels": list(triples.labels),
            "entity_ids": list(triples.entity_ids),
            "entity_label": torch.from_numpy(triples.entity_label),
            "label_range": {label: list(bounds) for label, bounds in triples.label_range.items()},
            "train": torch.from_numpy(triples.train),
            "valid": torch.from_numpy(triples.valid),
            "test": torch.from_numpy(triples.test),
            "min_confidence": triples.min_confidence,
            "seed": triples.seed,
        },
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(state, path)


def load_kge(path: Path) -> TrainedKGE:
    """Read a checkpoint written by ``save_kge``.

    Raises:
        InputError: the file is missing, not a checkpoint, or of another format version.
    """
    try:
        state = torch.load(path, weights_only=True)
    except FileNotFoundError as e:
        raise InputError(f"{path}: no such KGE checkpoint") from e
    except Exception as e:  # torch raises pickle, zip and runtime errors for a file that is not a checkpoint
        raise InputError(f"{path}: not a KGE checkpoint ({e})") from e
    if not isinstance(state, dict) or state.get("format") != _CHECKPOINT_FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise InputError(f"{path}: KGE checkpoint format {found!r}, expected {_CHECKPOINT_FORMAT}")
    t = state["triples"]
    triples = KGTriples(
        relations=tuple(t["relations"]),
        labels=tuple(t["labels"]),
        entity_ids=list(t["entity_ids"]),
        entity_label=t["entity_label"].numpy(),
        label_range={label: (int(b[0]), int(b[1])) for label, b in t["label_range"].items()},
        train=t["train"].numpy(),
        valid=t["valid"].numpy(),
        test=t["test"].numpy(),
        min_confidence=float(t["min_confidence"]),
        seed=int(t["seed"]),
    )
    config = KGEConfig(**state["config"])
    module = _build_module(config, triples)
    module.load_state_dict(state["state_dict"])
    module.eval()
    return TrainedKGE(
        config=config,
        triples=triples,
        module=module,
        history=list(state["history"]),
        seconds=float(state["seconds"]),
        trained_at=datetime.fromisoformat(state["trained_at"]),
        temperature=dict(state["temperature"]),
    )
