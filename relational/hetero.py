"""A :class:`~relational.data.Snapshot` as a PyTorch Geometric ``HeteroData``.

Node types: ``customer``, ``product`` and one per attribute label with at least one term,
lower-cased (``brand``, ``category``, ``colour``, ``material``, ``style``, ``pattern``,
``gender``); node ``i`` of a type is position ``i`` of the snapshot's id list for it.

Edge types, each with its reverse so messages flow both ways:

- ``(customer, bought, product)`` and ``(product, rev_bought, customer)``: one edge per distinct
  (customer, product) pair among the snapshot's purchases, sorted by customer then product.
  ``time`` is the day of the pair's first purchase (when the edge came to exist, the meaning
  PyG's temporal sampling gives it), ``last_time`` the day of its last purchase and
  ``edge_weight`` the number of purchases of the pair.
  Edge ``i`` of the reverse type is edge ``i`` of the forward type, flipped.
- ``(product, <relation lower-cased>, <label lower-cased>)``, e.g. ``(product, has_brand, brand)``,
  and ``(<label>, rev_<relation>, product)``: one edge per distinct (product, term) fact,
  ``edge_weight`` its confidence (the highest, should a pair repeat).

Product features: ``text`` (P×384) and ``image`` (P×1280) as in the snapshot, zero rows where
it has none; ``has_text`` and ``has_image`` say which rows are real; ``in_catalog`` as in the
snapshot. Customer preferences (``PREFERS``) are never part of it: they are derived from
purchases, possibly later ones, and would leak the future into a time split.

:class:`TorchNeighborSampler` samples neighbourhoods of such a graph for PyG's
``LinkNeighborLoader`` in plain PyTorch, because PyG's own ``NeighborSampler`` calls compiled
kernels from ``pyg-lib`` or ``torch-sparse``, which are not installed (and have no wheels for
every PyTorch release).
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from numpy.typing import NDArray
from torch_geometric.data import HeteroData
from torch_geometric.sampler import HeteroSamplerOutput, NeighborSampler

from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.graph_model import IMAGE_EMBEDDING_DIM, TEXT_EMBEDDING_DIM
from shopgraph.relational.data import Snapshot

CUSTOMER = "customer"
PRODUCT = "product"
BOUGHT = (CUSTOMER, "bought", PRODUCT)
REV_BOUGHT = (PRODUCT, "rev_bought", CUSTOMER)
TEXT_DIM = TEXT_EMBEDDING_DIM  # 384
IMAGE_DIM = IMAGE_EMBEDDING_DIM  # 1280

EdgeType = tuple[str, str, str]


def reverse_edge_type(edge_type: EdgeType) -> EdgeType:
    """``(src, rel, dst)`` → ``(dst, rev_rel, src)``, the name PyG's ``ToUndirected`` would give it."""
    src, rel, dst = edge_type
    return (dst, f"rev_{rel}", src)


def fact_edge_type(relation: str, label: str) -> EdgeType:
    """The edge type of a fact relationship: ``("HAS_BRAND", "Brand")`` → ``(product, has_brand, brand)``."""
    return (PRODUCT, relation.lower(), label.lower())


def _check_positions(name: str, values: NDArray[np.int64], size: int) -> None:
    if values.size and (int(values.min()) < 0 or int(values.max()) >= size):
        raise InputError(
            f"snapshot {name}: positions must lie in [0, {size}), got [{int(values.min())}, {int(values.max())}]"
        )


def _features(values: NDArray[np.float32] | None, rows: int, dim: int, name: str) -> torch.Tensor:
    if values is None:
        return torch.zeros(rows, dim)
    if values.shape != (rows, dim):
        raise InputError(f"snapshot {name}: expected shape ({rows}, {dim}), got {values.shape}")
    return torch.from_numpy(np.ascontiguousarray(values, dtype=np.float32))


def _pairs(
    src: NDArray[np.int64], dst: NDArray[np.int64], dst_size: int
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Distinct (src, dst) pairs sorted by src then dst, and for each input row the pair it is."""
    keys = src.astype(np.int64) * dst_size + dst.astype(np.int64)
    unique, inverse = np.unique(keys, return_inverse=True)
    return unique // dst_size, unique % dst_size, inverse.reshape(-1)


def _add_edges(
    data: HeteroData, edge_type: EdgeType, src: NDArray[np.int64], dst: NDArray[np.int64], **attrs: torch.Tensor
) -> None:
    """``edge_type`` and its reverse with the same ``attrs`` (tensors, one value per edge)."""
    edge_index = torch.from_numpy(np.stack([src, dst]).astype(np.int64))
    data[edge_type].edge_index = edge_index
    data[reverse_edge_type(edge_type)].edge_index = edge_index.flip(0)
    for key, value in attrs.items():
        data[edge_type][key] = value
        data[reverse_edge_type(edge_type)][key] = value.clone()


def to_hetero_data(snapshot: Snapshot) -> HeteroData:
    """The snapshot's customers, products, attribute terms and their edges (see the module docstring).

    Only the snapshot's own purchases become edges, so a snapshot cut with ``until(c)`` gives a
    graph with no edge whose ``time`` is ``c`` or later.

    Raises:
        InputError: a purchase or fact names a position outside its id list, a fact's label has
            no id list, or the text or image array has the wrong shape.
    """
    num_customers, num_products = snapshot.num_customers, snapshot.num_products
    data = HeteroData()
    data[CUSTOMER].num_nodes = num_customers
    product = data[PRODUCT]
    product.num_nodes = num_products
    product.text = _features(snapshot.text, num_products, TEXT_DIM, "text")
    product.image = _features(snapshot.image, num_products, IMAGE_DIM, "image")
    # any() reduces in place; abs().sum() would first copy the whole (mostly zero) matrix.
    product.has_text = product.text.any(dim=1)
    product.has_image = product.image.any(dim=1)
    if snapshot.in_catalog.shape != (num_products,):
        raise InputError(f"snapshot in_catalog: expected shape ({num_products},), got {snapshot.in_catalog.shape}")
    product.in_catalog = torch.from_numpy(snapshot.in_catalog.astype(bool))
    for label, ids in sorted(snapshot.term_ids.items()):
        if ids:
            data[label.lower()].num_nodes = len(ids)

    purchases = snapshot.purchases
    _check_positions("purchases.customer", purchases.customer, num_customers)
    _check_positions("purchases.product", purchases.product, num_products)
    customer, bought, inverse = _pairs(purchases.customer, purchases.product, num_products)
    first_day = np.full(customer.shape[0], np.iinfo(np.int64).max, dtype=np.int64)
    np.minimum.at(first_day, inverse, purchases.day.astype(np.int64))
    last_day = np.full(customer.shape[0], np.iinfo(np.int64).min, dtype=np.int64)
    np.maximum.at(last_day, inverse, purchases.day.astype(np.int64))
    counts = np.bincount(inverse, minlength=customer.shape[0]).astype(np.float32)
    _add_edges(
        data,
        BOUGHT,
        customer,
        bought,
        time=torch.from_numpy(first_day),
        last_time=torch.from_numpy(last_day),
        edge_weight=torch.from_numpy(counts),
    )

    for relation, facts in sorted(snapshot.facts.items()):
        if facts.label not in snapshot.term_ids:
            raise InputError(f"snapshot facts[{relation!r}]: label {facts.label!r} has no term_ids")
        terms = len(snapshot.term_ids[facts.label])
        _check_positions(f"facts[{relation!r}].product", facts.product, num_products)
        _check_positions(f"facts[{relation!r}].term", facts.term, terms)
        if terms == 0:
            continue
        src, dst, inverse = _pairs(facts.product, facts.term, terms)
        confidence = np.zeros(src.shape[0], dtype=np.float32)
        np.maximum.at(confidence, inverse, facts.confidence.astype(np.float32))
        _add_edges(data, fact_edge_type(relation, facts.label), src, dst, edge_weight=torch.from_numpy(confidence))

    data.validate()
    return data


class TorchNeighborSampler(NeighborSampler):
    r"""PyG's heterogeneous ``NeighborSampler`` with the sampling step in plain PyTorch.

    Same inputs and outputs as :class:`torch_geometric.sampler.NeighborSampler` (CSC layout,
    edge permutation, negative sampling and seed handling are inherited), directional sampling
    only: hop ``h`` takes, for every edge type ``(src, rel, dst)`` and every ``dst`` node added in
    hop ``h − 1`` (the seeds for ``h = 0``), ``min(k, degree)`` incoming edges uniformly without
    replacement (``k = num_neighbors[edge type][h]``, ``k < 0`` takes all), and adds their
    ``src`` nodes that are new to the subgraph. Without replacement is done by drawing a uniform
    key per candidate edge and keeping each node's ``k`` smallest keys, so a hop costs the summed
    degree of its frontier. Randomness comes from the global ``torch`` generator: seed it for
    reproducible batches.

    Args:
        data: the graph (``HeteroData``).
        num_neighbors: neighbours per hop, one list for all edge types or one per edge type.

    Raises:
        InputError: ``data`` is not heterogeneous.
    """

    def __init__(self, data: HeteroData, num_neighbors: list[int] | dict[EdgeType, list[int]]) -> None:
        if not isinstance(data, HeteroData):
            raise InputError(f"TorchNeighborSampler samples HeteroData, got {type(data).__name__}")
        with warnings.catch_warnings():
            # The parent warns that sampling without pyg-lib is deprecated: this class is the replacement.
            warnings.filterwarnings("ignore", message=".*pyg-lib.*")
            super().__init__(data, num_neighbors=num_neighbors)

    def _sample(  # type: ignore[override]
        self,
        seed: dict[str, torch.Tensor],
        seed_time: dict[str, torch.Tensor] | None = None,
        **kwargs: object,
    ) -> HeteroSamplerOutput:
        if seed_time is not None:
            raise InputError("TorchNeighborSampler does not sample in time (seed_time was given)")
        fanout = self.num_neighbors.get_values(self.edge_types)
        local = {t: torch.full((self.num_nodes[t],), -1, dtype=torch.long) for t in self.node_types}
        nodes: dict[str, list[torch.Tensor]] = {t: [] for t in self.node_types}
        sampled_nodes: dict[str, list[int]] = {t: [] for t in self.node_types}
        counts = dict.fromkeys(self.node_types, 0)

        def add(node_type: str, ids: torch.Tensor) -> torch.Tensor:
            fresh = ids[local[node_type][ids] < 0].unique()  # sorted, so the order is reproducible
            local[node_type][fresh] = torch.arange(counts[node_type], counts[node_type] + fresh.numel())
            counts[node_type] += fresh.numel()
            nodes[node_type].append(fresh)
            return fresh

        frontier = {t: add(t, seed.get(t, torch.empty(0, dtype=torch.long)).long()) for t in self.node_types}
        for t in self.node_types:
            sampled_nodes[t].append(frontier[t].numel())
        rows: dict[EdgeType, list[torch.Tensor]] = {e: [] for e in self.edge_types}
        cols: dict[EdgeType, list[torch.Tensor]] = {e: [] for e in self.edge_types}
        edges: dict[EdgeType, list[torch.Tensor]] = {e: [] for e in self.edge_types}
        sampled_edges: dict[EdgeType, list[int]] = {e: [] for e in self.edge_types}
        for hop in range(self.num_neighbors.num_hops):
            found: dict[str, list[torch.Tensor]] = {t: [] for t in self.node_types}
            for edge_type in self.edge_types:
                src, _, dst = edge_type
                k = fanout[edge_type][hop] if hop < len(fanout[edge_type]) else 0
                targets = frontier[dst]
                if k == 0 or targets.numel() == 0:
                    sampled_edges[edge_type].append(0)
                    continue
                rel = self.to_rel_type[edge_type]
                edge, owner = _pick(self.colptr_dict[rel], targets, k)
                neighbours = self.row_dict[rel][edge]
                found[src].append(add(src, neighbours))
                rows[edge_type].append(local[src][neighbours])
                cols[edge_type].append(local[dst][targets[owner]])
                edges[edge_type].append(edge)
                sampled_edges[edge_type].append(edge.numel())
            frontier = {t: torch.cat(found[t]) if found[t] else torch.empty(0, dtype=torch.long) for t in found}
            for t in self.node_types:
                sampled_nodes[t].append(frontier[t].numel())

        def cat(parts: list[torch.Tensor]) -> torch.Tensor:
            return torch.cat(parts) if parts else torch.empty(0, dtype=torch.long)

        return HeteroSamplerOutput(
            node={t: cat(nodes[t]) for t in self.node_types},
            row={e: cat(rows[e]) for e in self.edge_types},
            col={e: cat(cols[e]) for e in self.edge_types},
            edge={e: cat(edges[e]) for e in self.edge_types},
            batch=None,
            num_sampled_nodes=sampled_nodes,
            num_sampled_edges=sampled_edges,
        )


def _pick(colptr: torch.Tensor, targets: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Up to ``k`` random incoming edges (CSC positions) of each target, and the target (index into
    ``targets``) each belongs to; all of them when ``k < 0``."""
    start = colptr[targets]
    degree = colptr[targets + 1] - start
    owner = torch.repeat_interleave(torch.arange(targets.numel()), degree)
    first = torch.cumsum(degree, 0) - degree
    offset = torch.arange(owner.numel()) - first[owner]
    edge = start[owner] + offset
    if k < 0 or int(degree.max()) <= k:
        return edge, owner
    # Sorting by owner + a key in [0, 1) groups each target's edges in a random order.
    order = torch.argsort(owner.to(torch.float64) + torch.rand(owner.numel(), dtype=torch.float64))
    keep = order[offset < k]  # after the sort, offset is the rank within the group
    return edge[keep], owner[keep]
