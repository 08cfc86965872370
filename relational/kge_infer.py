"""Missing attributes proposed by a knowledge-graph embedding model, and an honest check of them.

``propose_missing`` scores every term of a relation's label for products that have no asserted
fact of that relation (no material, say) and returns the best ones as ``InferredFact`` rows for
``relational.writeback.write_inferred``: inferred relationships with a score, kept apart from the
asserted facts. ``check_proposals`` measures how often the first proposal is right by hiding the
asserted facts of products that have them and proposing for those.

Score: the softmax over the relation's candidate terms of the model scores divided by the
relation's temperature, ``p_c = exp(s_c / T_r) / Σ_j exp(s_j / T_r)``: the model's probability
that ``c`` is the product's term given that it has one. ``T_r`` is fitted on the valid triples
(``training.kge.fit_temperatures``), so on held-out asserted facts these probabilities are as sharp as
the model's ranking deserves; they are not probabilities that the product *has* the attribute.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.relational.data import FACT_RELATIONS, Snapshot
from shopgraph.relational.training.kge import TrainedKGE, score_tails, tail_probabilities, train_kge
from shopgraph.relational.triples import DEFAULT_RELATIONS, PRODUCT, build_triples
from shopgraph.relational.writeback import InferredFact


def propose_missing(
    trained: TrainedKGE,
    snapshot: Snapshot,
    relation: str = "MADE_OF",
    *,
    top: int = 1,
    min_score: float = 0.0,
    products: Iterable[str] | None = None,
) -> list[InferredFact]:
    """The ``top`` best terms of ``relation`` for each product that has no asserted fact of it.

    Args:
        trained: a fitted model whose triples include ``relation``.
        snapshot: the facts that decide which products lack the relation: a product with any
            ``relation`` fact in ``snapshot.facts``, of any confidence, gets no proposal.
        relation: a relation of ``trained`` (``MADE_OF``, ``HAS_STYLE``, ...).
        top: proposals per product, ``rank`` 1..top.
        min_score: proposals scoring below it are left out (score as in the module docstring).
        products: graph ids to propose for; all products of the model by default. Ids the model
            has no vector for (no kept fact at training time) are skipped.

    Returns:
        Rows ordered by product (model order) then rank.

    Raises:
        ConfigError: a relation the model was not trained on, ``top`` < 1, ``min_score`` outside [0, 1].
    """
    if top < 1:
        raise ConfigError(f"top must be at least 1, got {top}")
    if not 0 <= min_score <= 1:
        raise ConfigError(f"min_score must be in [0, 1], got {min_score}")
    triples = trained.triples
    candidates = triples.candidates(relation)
    start, stop = triples.label_range[PRODUCT]
    entity_of = {pid: e for e, pid in enumerate(triples.entity_ids[start:stop], start)}
    facts = snapshot.facts.get(relation)
    asserted = {snapshot.product_ids[p] for p in np.unique(facts.product)} if facts is not None else set()
    wanted = entity_of.keys() if products is None else products
    heads = np.array(sorted({entity_of[p] for p in wanted if p in entity_of and p not in asserted}), dtype=np.int64)
    if len(heads) == 0:
        return []
    probabilities = tail_probabilities(score_tails(trained, heads, relation), trained.temperature[relation])
    order = np.argsort(-probabilities, axis=1, kind="stable")[:, :top]
    label = FACT_RELATIONS[relation]
    rows = []
    for head, picks, p in zip(heads.tolist(), order, probabilities, strict=True):
        for rank, column in enumerate(picks.tolist(), 1):
            if p[column] >= min_score:
                term = triples.entity_ids[int(candidates[column])]
                rows.append(InferredFact(triples.entity_ids[head], relation, label, term, float(p[column]), rank))
    return rows


@dataclass(frozen=True)
class ProposalCheck:
    """How good first proposals are on products whose asserted facts of ``relation`` were hidden.

    ``precision_at_1``: share of the hidden products whose first proposal is one of their hidden
    terms. References on the same products: ``prior_precision_at_1`` always proposes the most
    common term of the relation; ``category_precision_at_1`` the most common term among products
    sharing a category with the product (the prior when none does). ``mean_score`` is the mean
    score of the first proposals (a calibrated score matches ``precision_at_1``);
    ``confident``/``confident_precision`` are the count and precision of those scoring ≥ 0.5.
    """

    relation: str
    model: str
    products: int
    precision_at_1: float
    prior_precision_at_1: float
    category_precision_at_1: float
    mean_score: float
    confident: int
    confident_precision: float
    seconds: float

    def render(self) -> str:
        """One markdown table row per measure."""
        return "\n".join(
            [
                f"| {self.relation}, {self.model}, {self.products} products with hidden facts | |",
                "|---|---|",
                f"| precision@1 | {self.precision_at_1:.3f} |",
                f"| most common term | {self.prior_precision_at_1:.3f} |",
                f"| most common term of the category | {self.category_precision_at_1:.3f} |",
                f"| mean score of first proposals | {self.mean_score:.3f} |",
                f"| proposals scoring >= 0.5: count, precision | {self.confident}, {self.confident_precision:.3f} |",
                f"| train + propose seconds | {self.seconds:.1f} |",
            ]
        )


def _truth(snapshot: Snapshot, relation: str, min_confidence: float) -> dict[int, set[int]]:
    facts = snapshot.facts[relation]
    truth: dict[int, set[int]] = {}
    for p, t, c in zip(facts.product.tolist(), facts.term.tolist(), facts.confidence.tolist(), strict=True):
        if c >= min_confidence:
            truth.setdefault(p, set()).add(t)
    return truth


def _most_common_by_category(snapshot: Snapshot, relation: str, hidden: NDArray[np.int64]) -> dict[int, int]:
    """Per hidden product: the term of ``relation`` most common among the other products in one of its
    categories (counted over the visible facts), or the relation's most common term."""
    facts = snapshot.facts[relation]
    visible = ~np.isin(facts.product, hidden)
    num_terms = len(snapshot.term_ids[FACT_RELATIONS[relation]])
    prior = int(np.argmax(np.bincount(facts.term[visible], minlength=num_terms)))
    categories = snapshot.facts.get("IN_CATEGORY")
    if categories is None:
        return {int(p): prior for p in hidden}
    terms_of: dict[int, list[int]] = {}
    for p, t in zip(facts.product[visible].tolist(), facts.term[visible].tolist(), strict=True):
        terms_of.setdefault(p, []).append(t)
    counts: dict[int, NDArray[np.int64]] = {}
    product_categories: dict[int, list[int]] = {}
    for p, c in zip(categories.product.tolist(), categories.term.tolist(), strict=True):
        product_categories.setdefault(p, []).append(c)
        if p in terms_of:
            row = counts.setdefault(c, np.zeros(num_terms, dtype=np.int64))
            np.add.at(row, terms_of[p], 1)
    guess = {}
    for p in hidden.tolist():
        pooled = sum((counts[c] for c in product_categories.get(p, []) if c in counts), np.zeros(num_terms, np.int64))
        guess[p] = int(np.argmax(pooled)) if pooled.any() else prior
    return guess


def check_proposals(
    snapshot: Snapshot,
    relation: str = "MADE_OF",
    model: str = "complex",
    *,
    holdout: float = 0.1,
    seed: int = 0,
    relations: Sequence[str] = DEFAULT_RELATIONS,
    min_confidence: float = 0.5,
    dim: int = 64,
    epochs: int | None = None,
) -> ProposalCheck:
    """Hide every ``relation`` fact of a ``holdout`` share of the products that have one, train
    ``model`` on the rest, propose one term for each of them and score it against the hidden facts.

    Products are drawn (with ``seed``) among those with a ``relation`` fact of confidence ≥
    ``min_confidence`` (their truth) and another kept fact of ``relations`` (so the model has a
    vector for them). Training is ``build_triples`` + ``train_kge`` with these arguments.

    Raises:
        ConfigError: ``relation`` not among ``relations``, ``holdout`` outside (0, 1), no eligible
            product, or what ``build_triples`` / ``train_kge`` raise.
    """
    if relation not in relations:
        raise ConfigError(f"{relation} must be one of the trained relations {list(relations)}")
    if not 0 < holdout < 1:
        raise ConfigError(f"holdout must be in (0, 1), got {holdout}")
    if relation not in snapshot.facts:
        raise ConfigError(f"the snapshot has no {relation} facts")
    started = time.perf_counter()
    truth = _truth(snapshot, relation, min_confidence)
    others: set[int] = set()
    for other in relations:
        facts = snapshot.facts.get(other)
        if other != relation and facts is not None:
            others.update(facts.product[facts.confidence >= min_confidence].tolist())
    eligible = np.array(sorted(p for p in truth if p in others), dtype=np.int64)
    if len(eligible) == 0:
        raise ConfigError(f"no product has both a {relation} fact and another fact to learn from")
    count = max(1, round(holdout * len(eligible)))
    hidden = np.sort(np.random.default_rng(seed).choice(eligible, size=count, replace=False))

    facts = snapshot.facts[relation]
    keep = ~np.isin(facts.product, hidden)
    masked = replace(
        snapshot,
        facts={
            **snapshot.facts,
            relation: replace(
                facts, product=facts.product[keep], term=facts.term[keep], confidence=facts.confidence[keep]
            ),
        },
    )
    triples = build_triples(masked, relations, min_confidence=min_confidence, seed=seed)
    trained = train_kge(triples, model, dim=dim, epochs=epochs, seed=seed)
    proposals = propose_missing(trained, masked, relation, products=[snapshot.product_ids[p] for p in hidden])

    position = {pid: i for i, pid in enumerate(snapshot.product_ids)}
    term_position = {t: i for i, t in enumerate(snapshot.term_ids[FACT_RELATIONS[relation]])}
    correct = np.array([term_position[f.term_id] in truth[position[f.product_id]] for f in proposals], dtype=bool)
    scores = np.array([f.score for f in proposals])
    prior = int(np.argmax(np.bincount(facts.term[keep], minlength=len(term_position))))
    by_category = _most_common_by_category(snapshot, relation, hidden)
    confident = scores >= 0.5
    return ProposalCheck(
        relation=relation,
        model=model,
        products=len(hidden),
        # A hidden product without a proposal (never the case while it has another fact) counts as a miss.
        precision_at_1=float(correct.sum() / len(hidden)),
        prior_precision_at_1=float(np.mean([prior in truth[p] for p in hidden.tolist()])),
        category_precision_at_1=float(np.mean([by_category[p] in truth[p] for p in hidden.tolist()])),
        mean_score=float(scores.mean()) if len(scores) else 0.0,
        confident=int(confident.sum()),
        confident_precision=float(correct[confident].mean()) if confident.any() else 0.0,
        seconds=time.perf_counter() - started,
    )
