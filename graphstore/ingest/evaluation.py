"""Measuring extraction quality against structured columns and a hand-checked gold set.

Precision, recall and F1, as usual: ``P = TP / predicted``, ``R = TP / expected``,
``F1 = 2PR / (P + R)``.

* Product names (Myntra): the colour, category and gender extracted from
  ``productDisplayName`` alone, against the ``baseColour``, ``articleType`` and
  ``gender`` columns of the same row. One prediction per row and field (the
  primary colour, the head category, the gender); rows whose column value is
  empty or outside the vocabulary are left out. Also scored at a coarser level:
  the colour family (Navy Blue → blue) and the taxonomy group (T-shirt → Tops).
* Materials (H&M): the set of materials extracted from ``detail_desc`` against
  the hand-labelled set, micro-averaged over all (description, material) pairs.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from shopgraph.graphstore.core.vocab import Vocabulary
from shopgraph.graphstore.ingest.extract import NameExtractor, extract_materials
from shopgraph.graphstore.ingest.readers.csvio import read_rows
from shopgraph.graphstore.ingest.readers.myntra import COLUMNS, NAME, column_facts, learn_brands
from shopgraph.graphstore.ingest.readers.rejects import RejectLog


@dataclass
class Score:
    """Counts for one field; precision, recall and F1 derived from them."""

    true_positive: int = 0
    predicted: int = 0
    expected: int = 0
    confusions: Counter[tuple[str, str]] = field(default_factory=Counter)

    def add(self, expected: set[str], predicted: set[str]) -> None:
        self.expected += len(expected)
        self.predicted += len(predicted)
        self.true_positive += len(expected & predicted)
        for e in expected - predicted:
            for p in predicted - expected or {"(none)"}:
                self.confusions[(e, p)] += 1
        for p in predicted - expected:
            if not expected - predicted:
                self.confusions[("(none)", p)] += 1

    @property
    def precision(self) -> float:
        return self.true_positive / self.predicted if self.predicted else 0.0

    @property
    def recall(self) -> float:
        return self.true_positive / self.expected if self.expected else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def as_dict(self) -> dict[str, float | int]:
        return {
            "precision": round(self.precision, 4),
            "recall": round(self.recall, 4),
            "f1": round(self.f1, 4),
            "true_positive": self.true_positive,
            "predicted": self.predicted,
            "expected": self.expected,
        }


_NAME_FIELDS = {"colour": "HAS_COLOUR", "category": "IN_CATEGORY", "gender": "FOR_GENDER"}
_NAME_RULES = {"colour": "name:colour-primary", "category": "name:category-head", "gender": "name:gender"}


def evaluate_myntra_names(path: Path, vocab: Vocabulary) -> dict[str, Score]:
    """Scores of name-only extraction on a Myntra ``styles.csv``, keyed by field and level.

    Keys: ``colour``, ``colour-family``, ``category``, ``category-group``, ``gender``.
    """
    extractor = NameExtractor(vocab, learn_brands(path, vocab))
    coarse: dict[str, Callable[[str], str]] = {
        "colour": lambda c: vocab.term("Colour", c).family or c,
        "category": lambda c: vocab.category_ancestor(c, 2),
    }
    scores = {key: Score() for key in ("colour", "colour-family", "category", "category-group", "gender")}
    for row in read_rows(path, COLUMNS, RejectLog(None), overflow_into=NAME):
        gold = {f.rel: f.target for f in column_facts(row.values, vocab)}
        found = extractor.extract(row.values[NAME]).facts
        for fld, rel in _NAME_FIELDS.items():
            if rel not in gold:
                continue
            predicted = {f.target for f in found if f.rule == _NAME_RULES[fld]}
            scores[fld].add({gold[rel]}, predicted)
            if fld in coarse:
                scores[f"{fld}-{'family' if fld == 'colour' else 'group'}"].add(
                    {coarse[fld](gold[rel])}, {coarse[fld](p) for p in predicted}
                )
    return scores


def read_material_gold(path: Path) -> list[tuple[str, str, set[str]]]:
    """The gold set: (article_id, description, material names) per row."""
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            (r["article_id"], r["detail_desc"], {m for m in r["materials"].split(";") if m})
            for r in csv.DictReader(handle)
        ]


def evaluate_materials(gold_path: Path, vocab: Vocabulary) -> Score:
    """Micro-averaged scores of ``extract_materials`` against the hand-labelled gold set.

    Gold materials are given by name ("imitation leather"); they are linked to
    vocabulary ids with the same lexicon, and a gold name outside the vocabulary
    counts as a miss.
    """
    lexicon = vocab.lexicons["Material"]
    score = Score()
    for _, text, names in read_material_gold(gold_path):
        expected = {lexicon.lookup(n) or f"(unknown) {n}" for n in names}
        predicted = {f.target for f in extract_materials(text, vocab)}
        score.add(expected, predicted)
    return score
