r"""Knowledge-graph triples of a snapshot's catalog facts, split into train, valid and test.

The catalog facts of a :class:`~relational.data.Snapshot` become triples ``(product, relation,
term)`` in one entity index space (:func:`build_triples`): the data the knowledge-graph embeddings
(:mod:`relational.models.kge`, trained by :mod:`relational.training.kge`) learn from and are
evaluated on (:mod:`relational.kge_eval`).

Entity space: products first (in snapshot order), then the terms of each relation's label, each
label a contiguous range (in snapshot order). Only entities in at least one kept triple take part,
and the split keeps every one of them in train (see :func:`build_triples`), so every entity has
a trained vector.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.relational.data import FACT_RELATIONS, Snapshot

PRODUCT = "Product"
# The relations the issue names, pointing at the labels that have a kgeEmbedding vector index.
# FOR_GENDER is left out by default: Gender has no kgeEmbedding index, and gender is a structured
# column for every product of both catalogs, so there is nothing to propose; pass it to add it.
DEFAULT_RELATIONS: tuple[str, ...] = ("HAS_BRAND", "IN_CATEGORY", "HAS_COLOUR", "MADE_OF", "HAS_STYLE", "HAS_PATTERN")


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
