r"""A heterogeneous GraphSAGE encoder over customers, products and their attribute terms (the model only).

**Inputs.** Customers and attribute terms (brands, categories, colours, …) have learned
embeddings; a product's input is the fusion (:mod:`relational.models.fusion`) of its learned id
embedding with its projected text and photo embeddings.

**Message passing.** ``L`` layers over the graph of ``relational.hetero`` (purchases and facts,
both directions), each for a node ``v`` of type ``τ``

``h_v^{l+1} = W_τ^l h_v^l + Σ_r W_r^l · (Σ_{u ∈ N_r(v)} w_uv h_u^l) / (Σ_{u ∈ N_r(v)} w_uv)``

with a ReLU between layers: GraphSAGE (Hamilton et al., NeurIPS 2017) with one weight per edge
type, as PyG's ``to_hetero`` would build it, but with a *weighted* mean (``w`` is a pair's
purchase count, a fact's confidence), so a product bought three times counts three times and a
fact guessed from a description counts less than a catalog column. As in LightGCN (He et al.,
SIGIR 2020) the layers are summed, ``x_v = Σ_{l=0..L} h_v^l``, so a node's own input stays in its
vector however much message passing smooths it (without this every customer drifts towards the
same popular products). The outputs are L2-normalised, ``u_c = x_c / ‖x_c‖``,
``v_p = x_p / ‖x_p‖``, and the model's score is the cosine ``s(c, p) = u_c · v_p``. Those are
the vectors written to ``Customer.recEmbedding`` and ``Product.recEmbedding``, so a cosine
vector-index search ranks exactly as the model does.

Training (the BPR loop, sampling, the repurchase prior) is in :mod:`relational.training.gnn`.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch_geometric.data import HeteroData
from torch_geometric.utils import scatter

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.relational.hetero import CUSTOMER, PRODUCT, EdgeType
from shopgraph.relational.models.fusion import Fusion

__all__ = ["HeteroSAGE", "HeteroSAGELayer"]


def _key(edge_type: EdgeType) -> str:
    return "__".join(edge_type)


class HeteroSAGELayer(nn.Module):
    r"""One layer of weighted-mean heterogeneous GraphSAGE (formula in the module docstring).

    Args:
        node_types: every node type; each gets its own root weight ``W_τ`` (with bias).
        edge_types: every edge type; each gets its own neighbour weight ``W_r`` (no bias).
        dim: input and output size.
    """

    def __init__(self, node_types: list[str], edge_types: list[EdgeType], dim: int) -> None:
        super().__init__()
        self.root = nn.ModuleDict({t: nn.Linear(dim, dim) for t in node_types})
        self.neighbour = nn.ModuleDict({_key(e): nn.Linear(dim, dim, bias=False) for e in edge_types})

    def forward(
        self,
        x: dict[str, Tensor],
        edge_index: dict[EdgeType, Tensor],
        edge_weight: dict[EdgeType, Tensor],
        size: dict[str, int] | None = None,
    ) -> dict[str, Tensor]:
        """``x``: node type → ``(N_τ, d)``; edges as ``(2, E)`` local indices with ``(E,)`` weights.

        ``size``: compute only the first ``size[τ]`` nodes of each type (every edge's target must be
        among them); default all.
        """
        rows = {t: h.size(0) if size is None else size[t] for t, h in x.items()}
        out = {t: self.root[t](h[: rows[t]]) for t, h in x.items()}
        for edge_type, index in edge_index.items():
            src, _, dst = edge_type
            weight = edge_weight[edge_type]
            linear = self.neighbour[_key(edge_type)]
            # W_r has no bias, so W_r · mean(h) = mean(W_r · h): transform whichever side has fewer
            # nodes (a few hundred customers or terms against thousands of products).
            size_dst = rows[dst]
            transform_first = x[src].size(0) <= size_dst
            source = linear(x[src]) if transform_first else x[src]
            total = scatter(source[index[0]] * weight.unsqueeze(1), index[1], dim=0, dim_size=size_dst, reduce="sum")
            norm = scatter(weight, index[1], dim=0, dim_size=size_dst, reduce="sum").clamp_min(1e-12)
            mean = total / norm.unsqueeze(1)
            out[dst] = out[dst] + (mean if transform_first else linear(mean))
        return out


class HeteroSAGE(nn.Module):
    """Embeddings, product fusion and ``layers`` :class:`HeteroSAGELayer` s; outputs unit vectors.

    Args:
        num_nodes: node type → number of nodes (the size of its embedding table).
        edge_types: the graph's edge types.
        fusion: the product fusion module (its ``dim`` is the model's).
        layers: number of message-passing layers (≥ 1).
    """

    def __init__(self, num_nodes: dict[str, int], edge_types: list[EdgeType], fusion: Fusion, layers: int) -> None:
        super().__init__()
        dim = fusion.dim
        # Sparse gradients: a batch touches a few thousand rows; a dense gradient and Adam step
        # would write every row of every table at every step.
        tables = {t: nn.Embedding(n, dim, sparse=True) for t, n in num_nodes.items()}
        for table in tables.values():
            nn.init.normal_(table.weight, std=dim**-0.5)
        self.embedding = nn.ModuleDict(tables)
        self.fusion = fusion
        node_types = list(num_nodes)
        self.layers = nn.ModuleList(HeteroSAGELayer(node_types, edge_types, dim) for _ in range(layers))

    def inputs(self, data: HeteroData) -> dict[str, Tensor]:
        """Layer-0 vectors of the nodes in ``data`` (a sampled subgraph with ``n_id``, or the whole graph)."""
        x = {}
        for node_type in data.node_types:
            store = data[node_type]
            ids = store.n_id if "n_id" in store else torch.arange(store.num_nodes)
            x[node_type] = self.embedding[node_type](ids)
        product = data[PRODUCT]
        x[PRODUCT] = self.fusion(x[PRODUCT], product.text, product.image, product.has_text, product.has_image)
        return x

    def forward(self, data: HeteroData, drop: dict[EdgeType, Tensor] | None = None) -> dict[str, Tensor]:
        """Unit output vectors of customers and products in ``data``; ``drop`` masks edges out (true = drop).

        On a sampled subgraph (its stores carry ``num_sampled_nodes`` / ``num_sampled_edges``, nodes
        and edges in hop order) only the seed nodes' vectors are computed and returned (the first
        ``num_sampled_nodes[τ][0]`` of each type): layer ``l`` of ``L`` computes the nodes within
        ``L − 1 − l`` hops of the seeds, over the edges into them. That is one step further than
        PyG's ``trim_to_layer``, which trims a layer's inputs but still computes every node left.
        The seeds' vectors are the same as without trimming; the work per batch is a fraction of it.
        """
        hops = _hops(data, len(self.layers))
        edges = {}
        for edge_type in data.edge_types:
            store = data[edge_type]
            keep = None if drop is None or edge_type not in drop else ~drop[edge_type]
            edges[edge_type] = (store.edge_index, store.edge_weight, keep)
        h = self.inputs(data)
        # Every layer's output is summed into the result, as LightGCN sums its layers: the
        # node's own input stays in its vector, however much its neighbourhood smooths it.
        result = {t: h[t] for t in (CUSTOMER, PRODUCT)}
        for i, layer in enumerate(self.layers):
            groups = len(self.layers) - i
            size = None if hops is None else hops.nodes(groups)
            edge_index, edge_weight = {}, {}
            for edge_type, (index, weight, keep) in edges.items():
                # Edges are in hop order: those into the nodes still computed come first.
                n = index.size(1) if hops is None else hops.edges(groups)[edge_type]
                index, weight = index[:, :n], weight[:n]
                if keep is not None:
                    index, weight = index[:, keep[:n]], weight[keep[:n]]
                edge_index[edge_type], edge_weight[edge_type] = index, weight
            h = layer(h, edge_index, edge_weight, size)
            if i < len(self.layers) - 1:
                h = {t: F.relu(v) for t, v in h.items()}
            result = {t: result[t][: h[t].size(0)] + h[t] for t in result}
        return {t: F.normalize(v, dim=1) for t, v in result.items()}


@dataclass(frozen=True)
class _Hops:
    """Node and edge counts per hop of a sampled subgraph (nodes and edges stored in hop order)."""

    node_counts: dict[str, list[int]]  # τ -> [seeds, new at hop 1, new at hop 2, ...]
    edge_counts: dict[EdgeType, list[int]]  # edge type -> [sampled at hop 1, at hop 2, ...]

    def nodes(self, groups: int) -> dict[str, int]:
        """How many nodes of each type lie within ``groups − 1`` hops of the seeds."""
        return {t: sum(counts[:groups]) for t, counts in self.node_counts.items()}

    def edges(self, groups: int) -> dict[EdgeType, int]:
        """How many edges of each type lead into the nodes of :meth:`nodes` ``(groups)`` (edges are
        sampled hop by hop, each hop's into the nodes the hop before added)."""
        return {e: sum(counts[:groups]) for e, counts in self.edge_counts.items()}


def _hops(data: HeteroData, layers: int) -> _Hops | None:
    """The hop counts of a sampled subgraph with ``layers`` hops, None for a whole graph."""
    if not all("num_sampled_nodes" in data[t] for t in data.node_types):
        return None
    nodes = {t: [int(n) for n in data[t].num_sampled_nodes] for t in data.node_types}
    edges = {e: [int(n) for n in data[e].num_sampled_edges] for e in data.edge_types}
    if any(len(n) != layers + 1 for n in nodes.values()) or any(len(n) != layers for n in edges.values()):
        raise ConfigError(f"the subgraph was not sampled with {layers} hops, one per layer")
    return _Hops(nodes, edges)
