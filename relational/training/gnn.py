r"""Training and using the heterogeneous GraphSAGE recommender: fit, rank, vectors, checkpoints.

**Inputs.** Customers and attribute terms (brands, categories, colours, …) have learned
embeddings; a product's input is the fusion (``relational.models.fusion``) of its learned id embedding
with its projected text and photo embeddings, so a product nobody has bought yet still gets a
vector from its words, its photo and, through message passing, its brand and category.

**Model.** :class:`relational.models.hetero_sage.HeteroSAGE` (its docstring has the formula):
``L`` layers of weighted-mean heterogeneous GraphSAGE, layers summed as in LightGCN, unit output
vectors; the model's score is the cosine ``s(c, p) = u_c · v_p``. Those are the vectors written to
``Customer.recEmbedding`` and ``Product.recEmbedding``, so a cosine vector-index search ranks
exactly as the model does.

**Training.** PyG's ``LinkNeighborLoader`` walks the purchase edges in mini-batches, samples
``num_neighbors`` neighbours per hop around their endpoints (``relational.hetero``'s
``TorchNeighborSampler``: plain PyTorch, since ``pyg-lib`` and ``torch-sparse`` are not
installed) and draws ``negatives`` products per purchase (``neg_sampling='triplet'``), uniformly
among the candidates (below): the products the model will have to rank. The loss is BPR (Rendle
et al., UAI 2009) on scaled cosines, each purchase weighted by its recency ``ω``:

``ℓ = Σ_{(c, p)} ω_cp · mean_n softplus(γ (s(c, n) − s(c, p))) / Σ_{(c, p)} ω_cp``

(``softplus(γ (s_n − s_p)) = −log σ(γ (s_p − s_n))``), with ``γ = 10`` (cosines lie in [−1, 1];
unscaled, σ would stay near ½ and the gradients flat) and ``ω_cp = 0.5^{a_cp / half_life_days}``,
``a_cp`` the days from the pair's last purchase to the cut-off (``ω = 1`` without a half-life).
BPR rather than binary cross-entropy because only the order of products per customer matters.
The embedding tables get sparse gradients and SparseAdam, the dense weights Adam: a batch touches a
few thousand rows, so the optimiser's step costs what the batch touched, not the catalog.
The purchase being predicted is removed from its own batch's message-passing edges (both
directions), so the model learns to predict a purchase from the *other* purchases, not to
recognise an edge it is handed.

**Recommending.** One full-graph pass gives every vector (the graph is small). A product known
only from purchases after the cut-off exists in the snapshot only because of the future, so it is
never a candidate. ``candidates="known"`` ranks the products known at the cut-off: the catalog and
the products bought before it, so new catalog products, scored from their text, photo and facts,
can be recommended before anyone buys them. ``candidates="bought"`` ranks only products bought
before the cut-off, as the collaborative baselines do. Past purchases are never excluded: in
fashion customers buy again. But since training holds each purchase out of its own batch, the
model does not learn to rank a customer's own products first (a model that sees the edge it
predicts learns to recognise edges, and BPR-trained embeddings that memorise their training pairs
owe much of their score to that). With ``repurchase > 0`` the ranking adds an explicit prior for
the customer's own products, kept apart from the model:

``score(c, p) = s(c, p) + β · Σ_{purchases of p by c} 0.5^{(cutoff − day) / 180}``

with ``β = repurchase`` (a purchase half a year ago counts half); the vectors written back are the
model's alone.

**Determinism.** With the same snapshot and seed two fits give identical weights: all randomness
(initialisation, shuffling, neighbour and negative sampling) comes from generators seeded with
``seed``, inside ``torch.random.fork_rng`` (the caller's generator state is left as it was) and
with ``torch.use_deterministic_algorithms`` on.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from numpy.typing import NDArray
from torch import Tensor
from torch_geometric.data import HeteroData
from torch_geometric.loader import LinkNeighborLoader
from torch_geometric.sampler import NegativeSampling

from shopgraph.graphstore.core.errors import ConfigError, InputError
from shopgraph.relational.data import Snapshot
from shopgraph.relational.hetero import (
    BOUGHT,
    CUSTOMER,
    PRODUCT,
    REV_BOUGHT,
    EdgeType,
    TorchNeighborSampler,
    to_hetero_data,
)
from shopgraph.relational.models.fusion import FUSIONS, AttentionFusion, make_fusion
from shopgraph.relational.models.hetero_sage import HeteroSAGE

SCORE_SCALE = 10.0
REPURCHASE_HALF_LIFE_DAYS = 180.0
CANDIDATES = ("known", "bought")


def sparse_matrix(index: Tensor, values: Tensor, size: tuple[int, int]) -> Tensor:
    return torch.sparse_coo_tensor(index, values, size, check_invariants=True).coalesce()


def _optimisers(network: HeteroSAGE, lr: float, weight_decay: float) -> list[torch.optim.Optimizer]:
    """SparseAdam for the embedding tables (each step updates only the rows its batch used), Adam
    with ``weight_decay`` for the dense weights (fusion and layers).

    SparseAdam is "lazy": a row's moments change only when the row is in a batch, and it has no
    weight decay, so ``weight_decay`` reaches the dense weights only.
    """
    tables = list(network.embedding.parameters())
    ids = {id(t) for t in tables}
    dense = [p for p in network.parameters() if id(p) not in ids]
    return [torch.optim.SparseAdam(tables, lr=lr), torch.optim.Adam(dense, lr=lr, weight_decay=weight_decay)]


@dataclass(frozen=True)
class FittedGNN:
    """What a fitted (or loaded) model recommends from."""

    network: HeteroSAGE
    edge_types: list[EdgeType]
    customers: Tensor  # (customers, dim) unit vectors
    products: Tensor  # (products, dim) unit vectors
    candidates: Tensor  # (products,) bool
    prior: Tensor  # sparse (customers, products): Σ 0.5^(age / half-life) over own purchases
    attention: dict[str, float] | None


class GNNRecommender:
    """Heterogeneous GraphSAGE with fused product features (see the module docstring).

    Args:
        fusion: ``concat``, ``product`` or ``attention`` (``relational.models.fusion``).
        dim: size of every embedding and of the output vectors (64: the graph's vector indexes).
        layers: message-passing layers; must equal ``len(num_neighbors)``.
        epochs: passes over the purchase edges.
        batch_size: purchases per mini-batch.
        num_neighbors: neighbours sampled per hop and edge type during training.
        negatives: products drawn per purchase for the BPR loss, uniformly among the candidates.
        lr: the learning rate of both optimisers (SparseAdam for the embedding tables, Adam for the rest).
        weight_decay: Adam's L2 penalty on the dense weights (SparseAdam has none).
        half_life_days: weight each purchase's loss by ``0.5^{age / half_life_days}`` (age: days
            from the pair's last purchase to the cut-off), so recent taste counts more; None: equal.
        seed: seeds every random choice; same seed and data → same model.
        repurchase: ``β`` of the repurchase prior blended into :meth:`recommend` (0: the model alone).
        candidates: ``known`` (catalog and bought before the cut-off) or ``bought`` (bought before it).
        checkpoint_dir: where :meth:`fit` saves the fitted model, as ``<name>-<cutoff day>.pt``.
        use_text: fuse product text embeddings.
        use_images: fuse product photo embeddings.
        threads: PyTorch CPU threads while fitting (restored afterwards). The batches are small, so
            one thread loses little, and on a machine shared with other jobs more threads than
            free cores slow every small operation down by an order of magnitude.

    Raises:
        ConfigError: an argument is out of range, or ``layers`` and ``num_neighbors`` disagree.
    """

    def __init__(
        self,
        fusion: str = "attention",
        dim: int = 64,
        layers: int = 2,
        epochs: int = 5,
        batch_size: int = 1024,
        num_neighbors: list[int] | None = None,
        negatives: int = 1,
        lr: float = 0.01,
        weight_decay: float = 0.0,
        half_life_days: float | None = None,
        seed: int = 0,
        repurchase: float = 0.0,
        candidates: str = "known",
        checkpoint_dir: Path | None = None,
        use_text: bool = True,
        use_images: bool = True,
        threads: int = 1,
    ) -> None:
        num_neighbors = [10, 5] if num_neighbors is None else list(num_neighbors)
        if fusion not in FUSIONS:
            raise ConfigError(f"GNNRecommender: unknown fusion {fusion!r}; known: {', '.join(FUSIONS)}")
        if layers != len(num_neighbors):
            raise ConfigError(
                f"GNNRecommender: layers={layers} but num_neighbors={num_neighbors} has {len(num_neighbors)} hops"
            )
        for name, value in (
            ("dim", dim),
            ("layers", layers),
            ("epochs", epochs),
            ("batch_size", batch_size),
            ("negatives", negatives),
            ("threads", threads),
        ):
            if value < 1:
                raise ConfigError(f"GNNRecommender: {name} must be at least 1, got {value}")
        if candidates not in CANDIDATES:
            raise ConfigError(f"GNNRecommender: candidates must be one of {', '.join(CANDIDATES)}, got {candidates!r}")
        if half_life_days is not None and half_life_days <= 0:
            raise ConfigError(f"GNNRecommender: half_life_days must be positive, got {half_life_days}")
        if lr <= 0 or weight_decay < 0 or repurchase < 0:
            raise ConfigError(
                f"GNNRecommender: need lr > 0, weight_decay >= 0, repurchase >= 0; "
                f"got lr={lr}, weight_decay={weight_decay}, repurchase={repurchase}"
            )
        self.config: dict[str, Any] = {
            "fusion": fusion,
            "dim": dim,
            "layers": layers,
            "epochs": epochs,
            "batch_size": batch_size,
            "num_neighbors": num_neighbors,
            "negatives": negatives,
            "lr": lr,
            "weight_decay": weight_decay,
            "half_life_days": half_life_days,
            "seed": seed,
            "repurchase": repurchase,
            "candidates": candidates,
            "use_text": use_text,
            "use_images": use_images,
            "threads": threads,
        }
        self.checkpoint_dir = checkpoint_dir
        suffix = ("" if use_text else "-notext") + ("" if use_images else "-noimage")
        suffix += "-bought" if candidates == "bought" else ""
        suffix += f"-halflife{half_life_days:g}" if half_life_days is not None else ""
        suffix += f"+repurchase{repurchase:g}" if repurchase > 0 else ""
        self.name = f"gnn-{fusion}{suffix}"
        self.history: list[dict[str, float]] = []
        self.graph: HeteroData | None = None
        self.customer_ids: list[str] = []
        self.product_ids: list[str] = []
        self.cutoff: int | None = None
        self._state: FittedGNN | None = None

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.config.items())
        return f"GNNRecommender({args})"

    # Fitting ---------------------------------------------------------------------------------

    def fit(self, data: Snapshot) -> None:
        """Train on ``data``'s purchases (only those: cut it with ``until`` first to evaluate).

        Afterwards :attr:`graph` is the ``HeteroData`` the model learnt from, :attr:`history`
        has one ``{"epoch", "loss", "seconds"}`` per epoch (mean BPR loss over the epoch's batches,
        wall-clock time), and, with ``checkpoint_dir``, the model is saved.

        Raises:
            InputError: ``data`` has no purchases, or is inconsistent (see ``to_hetero_data``).
        """
        if len(data.purchases) == 0:
            raise InputError("GNNRecommender.fit: the snapshot has no purchases to learn from")
        cfg = self.config
        graph = to_hetero_data(data)
        self.graph = graph
        self.customer_ids, self.product_ids = list(data.customer_ids), list(data.product_ids)
        self.cutoff = data.cutoff
        self.history = []
        deterministic, threads = torch.are_deterministic_algorithms_enabled(), torch.get_num_threads()
        torch.use_deterministic_algorithms(True)
        torch.set_num_threads(cfg["threads"])
        try:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(cfg["seed"])
                network = HeteroSAGE(
                    {t: graph[t].num_nodes for t in graph.node_types},
                    graph.edge_types,
                    make_fusion(cfg["fusion"], cfg["dim"], cfg["use_text"], cfg["use_images"]),
                    cfg["layers"],
                )
                candidates = self._candidate_mask(data, graph)
                self._train(network, graph, candidates)
            self._state = self._finish(data, network, graph, candidates)
        finally:
            torch.use_deterministic_algorithms(deterministic)
            torch.set_num_threads(threads)
        if self.checkpoint_dir is not None:
            self.save(self.checkpoint_dir / f"{self.name}-{'all' if self.cutoff is None else self.cutoff}.pt")

    @property
    def fit_key(self) -> tuple[tuple[str, Any], ...]:
        """What the fit depends on: the config without ``repurchase`` (the prior is applied when
        ranking) and ``threads`` (same result). Equal keys on the same data give equal vectors."""
        return tuple((k, repr(v)) for k, v in self.config.items() if k not in ("repurchase", "threads"))

    def share_fit(self, other: GNNRecommender) -> None:
        """Use ``other``'s fit (same :attr:`fit_key`, on the data this model would be fitted on)
        instead of fitting again; the prior still follows this model's ``repurchase``.

        Raises:
            ConfigError: ``other`` is not fitted or was fitted with another configuration.
        """
        if other.fit_key != self.fit_key:
            raise ConfigError(f"{self.name}: cannot share the fit of {other.name}, fitted with another configuration")
        self._state = other._fitted()
        self.graph, self.history, self.cutoff = other.graph, other.history, other.cutoff
        self.customer_ids, self.product_ids = other.customer_ids, other.product_ids

    def _candidate_mask(self, data: Snapshot, graph: HeteroData) -> Tensor:
        """Products :meth:`recommend` may rank (see ``candidates``), as a boolean vector."""
        bought = torch.zeros(data.num_products, dtype=torch.bool)
        bought[torch.from_numpy(data.purchases.product)] = True
        return bought if self.config["candidates"] == "bought" else graph[PRODUCT].in_catalog | bought

    def _train(self, network: HeteroSAGE, graph: HeteroData, candidates: Tensor) -> None:
        cfg = self.config
        positives = graph[BOUGHT].edge_index
        loader = LinkNeighborLoader(
            graph,
            num_neighbors=cfg["num_neighbors"],
            edge_label_index=(BOUGHT, positives),
            neg_sampling=NegativeSampling("triplet", amount=cfg["negatives"], dst_weight=candidates.float()),
            batch_size=cfg["batch_size"],
            shuffle=True,
            generator=torch.Generator().manual_seed(cfg["seed"]),
            neighbor_sampler=TorchNeighborSampler(graph, cfg["num_neighbors"]),
        )
        optimisers = _optimisers(network, cfg["lr"], cfg["weight_decay"])
        recency = torch.ones(positives.size(1))
        if cfg["half_life_days"] is not None:
            age = (self._now(graph) - graph[BOUGHT].last_time).to(torch.float64)
            recency = torch.pow(0.5, age / cfg["half_life_days"]).to(torch.float32)
        network.train()
        for epoch in range(1, cfg["epochs"] + 1):
            started = time.perf_counter()
            total, batches = 0.0, 0
            for batch in loader:
                # The purchases being predicted, and their reverses (same edge ids), leave the batch.
                targets = batch[BOUGHT].input_id
                drop = {e: torch.isin(batch[e].e_id, targets) for e in (BOUGHT, REV_BOUGHT)}
                z = network(batch, drop)
                customer = z[CUSTOMER][batch[CUSTOMER].src_index]
                positive = z[PRODUCT][batch[PRODUCT].dst_pos_index]
                negative = z[PRODUCT][batch[PRODUCT].dst_neg_index.view(customer.size(0), -1)]
                s_pos = (customer * positive).sum(dim=1, keepdim=True)
                s_neg = (customer.unsqueeze(1) * negative).sum(dim=2)
                weight = recency[targets]
                loss = (F.softplus(SCORE_SCALE * (s_neg - s_pos)).mean(dim=1) * weight).sum() / weight.sum()
                for optimiser in optimisers:
                    optimiser.zero_grad()
                loss.backward()
                for optimiser in optimisers:
                    optimiser.step()
                total += loss.item()
                batches += 1
            self.history.append(
                {"epoch": epoch, "loss": total / max(batches, 1), "seconds": time.perf_counter() - started}
            )

    def _now(self, graph: HeteroData) -> int:
        """The reference day: the cut-off, or the day after the last purchase of an uncut snapshot."""
        return int(graph[BOUGHT].last_time.max()) + 1 if self.cutoff is None else self.cutoff

    def _finish(self, data: Snapshot, network: HeteroSAGE, graph: HeteroData, candidates: Tensor) -> FittedGNN:
        """Full-graph vectors, repurchase prior and attention weights of the trained network."""
        network.eval()
        attention = None
        with torch.no_grad():
            z = network(graph)
            if isinstance(network.fusion, AttentionFusion):
                ident = network.embedding[PRODUCT](torch.arange(graph[PRODUCT].num_nodes))
                p = graph[PRODUCT]
                alpha = network.fusion.attention(*network.fusion.stack(ident, p.text, p.image, p.has_text, p.has_image))
                attention = {m: float(a) for m, a in zip(network.fusion.modalities, alpha.mean(dim=0), strict=True)}
        purchases = data.purchases
        age = (self._now(graph) - purchases.day.astype(np.float64)) / REPURCHASE_HALF_LIFE_DAYS
        prior = sparse_matrix(
            torch.from_numpy(np.stack([purchases.customer, purchases.product])),
            torch.from_numpy(np.power(0.5, age).astype(np.float32)),
            (data.num_customers, data.num_products),
        )
        return FittedGNN(network, list(graph.edge_types), z[CUSTOMER], z[PRODUCT], candidates, prior, attention)

    # Using the fitted model -----------------------------------------------------------------

    def _fitted(self) -> FittedGNN:
        if self._state is None:
            raise ConfigError(f"{self.name}: not fitted; call fit() or load() first")
        return self._state

    def customer_embeddings(self) -> NDArray[np.float32]:
        """``(customers, dim)`` unit vectors ``u_c``, in ``customer_ids`` order."""
        return self._fitted().customers.numpy().copy()

    def product_embeddings(self) -> NDArray[np.float32]:
        """``(products, dim)`` unit vectors ``v_p``, in ``product_ids`` order; ``u_c · v_p`` is the model's score."""
        return self._fitted().products.numpy().copy()

    def attention_weights(self) -> dict[str, float] | None:
        """Mean attention per modality (``id``, ``text``, ``image``) over all products, for the
        attention fusion (a missing modality counts 0, so the means sum to 1); None otherwise."""
        attention = self._fitted().attention
        return None if attention is None else dict(attention)

    def scores(self, customers: NDArray[np.int64], with_prior: bool = True) -> Tensor:
        """``(len(customers), products)`` ranking scores: the cosine plus the repurchase prior when
        ``repurchase > 0`` and ``with_prior``, ``−inf`` for products not known at the cut-off."""
        state = self._fitted()
        index = torch.as_tensor(np.asarray(customers, dtype=np.int64))
        out = state.customers[index] @ state.products.T
        beta = self.config["repurchase"]
        if beta > 0 and with_prior:
            out = out + beta * state.prior.index_select(0, index).to_dense()
        return out.masked_fill(~state.candidates, float("-inf"))

    def recommend(self, customers: NDArray[np.int64], k: int, with_prior: bool = True) -> NDArray[np.int64]:
        """Top-``k`` product positions per customer, best first (ties: lower position first);
        ``-1`` pads rows when fewer than ``k`` products are candidates. ``with_prior=False`` ranks
        by the model's cosines alone, as a model fitted with ``repurchase=0`` would.

        Raises:
            ConfigError: not fitted, or ``k`` below 1.
        """
        if k < 1:
            raise ConfigError(f"{self.name}: k must be at least 1, got {k}")
        scores = self.scores(customers, with_prior)
        # A stable sort, not topk, whose choice among equal scores is unspecified.
        values, order = torch.sort(scores, dim=1, descending=True, stable=True)
        ranked = order[:, :k].masked_fill(torch.isinf(values[:, :k]), -1).numpy()
        out = np.full((ranked.shape[0], k), -1, dtype=np.int64)
        out[:, : ranked.shape[1]] = ranked
        return out

    # Checkpoints ---------------------------------------------------------------------------------

    def save(self, path: Path) -> Path:
        """Write weights, config, id order, history and the fitted vectors to ``path``
        (:func:`relational.training.checkpoints.save_gnn`).

        Raises:
            ConfigError: not fitted.
        """
        from shopgraph.relational.training.checkpoints import save_gnn

        return save_gnn(self, path)

    @classmethod
    def load(cls, path: Path) -> GNNRecommender:
        """A model saved by :meth:`save`, ready to recommend and give embeddings
        (:func:`relational.training.checkpoints.load_gnn`).

        Raises:
            InputError: ``path`` is missing or is not such a checkpoint.
        """
        from shopgraph.relational.training.checkpoints import load_gnn

        return load_gnn(path)
