"""Checkpoints: fitted models to files and back, for the GNN recommender and the KGE models.

Both are written with ``torch.save`` and hold only tensors, strings and numbers, so they are read
back with ``weights_only=True``. A loaded model is for using, not for training on: the graph it
learnt from is the snapshot's, not saved.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from pathlib import Path

import torch

from shopgraph.graphstore.core.errors import InputError
from shopgraph.relational.models.fusion import make_fusion
from shopgraph.relational.models.hetero_sage import HeteroSAGE
from shopgraph.relational.training.gnn import FittedGNN, GNNRecommender, sparse_matrix
from shopgraph.relational.training.kge import KGEConfig, TrainedKGE, build_module
from shopgraph.relational.triples import KGTriples

_KGE_FORMAT = 1


def save_gnn(model: GNNRecommender, path: Path) -> Path:
    """Write weights, config, id order, history and the fitted vectors of ``model`` to ``path``.

    The vectors make a loaded model recommend exactly as this one; the graph is not saved (it
    is the snapshot's), so a loaded model is for using, not for training on.

    Raises:
        ConfigError: not fitted.
    """
    state = model._fitted()
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "config": model.config,
            "name": model.name,
            "cutoff": model.cutoff,
            "customer_ids": model.customer_ids,
            "product_ids": model.product_ids,
            "num_nodes": {t: table.num_embeddings for t, table in state.network.embedding.items()},
            "edge_types": [list(e) for e in state.edge_types],
            "state": state.network.state_dict(),
            "customers": state.customers,
            "products": state.products,
            "candidates": state.candidates,
            "prior_index": state.prior.indices(),
            "prior_value": state.prior.values(),
            "attention": state.attention,
            "history": model.history,
        },
        path,
    )
    return path


def load_gnn(path: Path) -> GNNRecommender:
    """A model saved by :func:`save_gnn`, ready to recommend and give embeddings.

    Raises:
        InputError: ``path`` is missing or is not such a checkpoint.
    """
    try:
        saved = torch.load(path, map_location="cpu", weights_only=True)
        model = GNNRecommender(**saved["config"])
        cfg = model.config
        edge_types = [(src, rel, dst) for src, rel, dst in saved["edge_types"]]
        network = HeteroSAGE(
            saved["num_nodes"],
            edge_types,
            make_fusion(cfg["fusion"], cfg["dim"], cfg["use_text"], cfg["use_images"]),
            cfg["layers"],
        )
        network.load_state_dict(saved["state"])
        model.customer_ids, model.product_ids = saved["customer_ids"], saved["product_ids"]
        prior = sparse_matrix(
            saved["prior_index"], saved["prior_value"], (len(model.customer_ids), len(model.product_ids))
        )
        model._state = FittedGNN(
            network.eval(),
            edge_types,
            saved["customers"],
            saved["products"],
            saved["candidates"],
            prior,
            saved["attention"],
        )
    except (OSError, RuntimeError, KeyError, TypeError, ValueError) as e:
        raise InputError(f"{path}: not a GNNRecommender checkpoint ({e})") from e
    model.cutoff = saved["cutoff"]
    model.history = saved["history"]
    return model


def save_kge(trained: TrainedKGE, path: Path) -> None:
    """Write a checkpoint: parameters, config, triples and entity mapping, history, temperatures.

    Everything is tensors, strings and numbers, so ``load_kge`` reads it with ``weights_only=True``.
    """
    triples = trained.triples
    state = {
        "format": _KGE_FORMAT,
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
    if not isinstance(state, dict) or state.get("format") != _KGE_FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise InputError(f"{path}: KGE checkpoint format {found!r}, expected {_KGE_FORMAT}")
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
    module = build_module(config, triples)
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
