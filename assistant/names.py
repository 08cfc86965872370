"""Products named in words: "what colour is the Greta tote?", "is the Puma Heroes track pant black?".

The question's words that the linker left (no brand, colour, category or other vocabulary word) are
looked up in the full-text index ``product_text`` as fuzzy terms (``ask_find_product``). Each
candidate's own *distinctive* name words are its name's words with its brand, colour and category
words taken out the same way (the linker run on the name): "Greta" for "Greta tote", "heroes" for
"Puma Men Heroes Black Track Pant". A question word matches a name word when it is the same or
within the linker's typo distance (one edit up to 7 letters, two from 8, same first letter).

A candidate's score is ``matched / (distinct name words + unmatched question words)``: 1 when the
question names exactly the product's distinctive words, less for every name word not said and
every question word the name lacks. The brand, category and colour the question names, where it
names them, must agree with the product's (a category agrees when it is the product's or one of its
ancestors). The best-scored products from :data:`MIN_SCORE` are the match; several equally good
ones (the same name in two colours, say) are listed for the shopper to choose from.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from shopgraph.assistant.linking import EntityLinker, Understanding, edit_distance, max_typos
from shopgraph.graphstore.core.vocab import load_vocabulary

MIN_SCORE = 0.5
"""Lowest name score of a match."""


@dataclass(frozen=True)
class NameMatch:
    """A product matched by name: its row (``ask_find_product``), its distinctive words and its score."""

    row: dict[str, Any]
    words: tuple[str, ...]
    score: float


def lucene_query(words: Sequence[str]) -> str:
    """The words as optional fuzzy Lucene terms: ``greta~1 tote~1``; words of 3 letters or fewer exactly.

    The words are the linker's tokens (letters and digits only), so the query holds no syntax of the shopper's.
    """
    return " ".join(f"{w}~{max(1, max_typos(w))}" if len(w) > 3 else w for w in words)


def rank(understood: Understanding, rows: Sequence[dict[str, Any]], linker: EntityLinker) -> list[NameMatch]:
    """The candidates ``rows`` that agree with what the question names, best score first, from :data:`MIN_SCORE`."""
    asked = list(understood.unlinked)
    if not asked:
        return []
    vocab = load_vocabulary()
    brands = set(understood.ids("Brand"))
    categories = set(understood.ids("Category"))
    families = {vocab.colour_family(c) for c in understood.ids("Colour")}
    matches = []
    for row in rows:
        if brands and row["brand"] not in brands:
            continue
        lineage = {a for c in row["categories"] if c in vocab.terms["Category"] for a in vocab.category_lineage(c)}
        if categories and not categories & lineage:
            continue
        if families and not families & {vocab.colour_family(c) for c in row["colours"]}:
            continue
        words = tuple(dict.fromkeys(linker.link(row["name"] or "").unlinked))
        matched = sum(1 for w in words if any(_same(q, w) for q in asked))
        unmatched_asked = sum(1 for q in asked if not any(_same(q, w) for w in words))
        score = matched / (len(words) + unmatched_asked) if words else 0.0
        if score >= MIN_SCORE:
            matches.append(NameMatch(row, words, round(score, 3)))
    matches.sort(key=lambda m: (-m.score, -float(m.row["score"]), m.row["product"]))
    return matches


def best(matches: Sequence[NameMatch]) -> list[NameMatch]:
    """The matches that share the best score."""
    return [m for m in matches if matches and m.score == matches[0].score]


def _same(question_word: str, name_word: str) -> bool:
    if question_word == name_word:
        return True
    limit = max_typos(name_word)
    return (
        limit > 0
        and question_word[:1] == name_word[:1]
        and abs(len(question_word) - len(name_word)) <= limit
        and edit_distance(question_word, name_word) <= limit
    )
