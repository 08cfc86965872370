"""Measuring the assistant: a question set with expected answers, and per-intent accuracy.

A question set is a CSV with the columns ``id, set, question, image, customer, intent, answer,
note``. ``set`` is ``sample`` (answers hold on the shipped sample with the test photos of
``tests/data/images``) or ``datasets`` (photos from ``../shared/datasets``, written
``datasets:<path>``). ``answer`` is a ``;``-separated list of checks, all of which must hold:

================  =====================================================================
``unknown``       the assistant says it does not know
``known``         it gives an answer
``value:X``       the first value of the answer is ``X`` (a brand, colour, material id, ...)
``family:X``      the first value is a colour of family ``X`` ("navy-blue" is of "blue")
``has:X|Y``       the answer's values include ``X`` and ``Y``
``set:X|Y``       the answer's product values are exactly ``X``, ``Y`` (``set:`` for none)
``count:N``       the answer has ``N`` product values
``yes``, ``no``   the first value is ``yes`` / ``no``
``colour:X``      every product offered has a colour ``X`` or a shade of it (and there is one)
``group:X``       the first product offered is in taxonomy group ``X``
``not-group:X``   no product offered is in group ``X`` (and there is one, offered by group)
================  =====================================================================

A question counts as *intent-correct* when the chosen intent is the expected one, and as
*answer-correct* when every check holds.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shopgraph.assistant.catalog import colour_matches
from shopgraph.assistant.context import Answer
from shopgraph.assistant.intents import INTENTS
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.vocab import load_vocabulary

COLUMNS = ("id", "set", "question", "image", "customer", "intent", "answer", "note")
SETS = ("sample", "datasets")
CHECKS = ("unknown", "known", "value", "family", "has", "set", "count", "yes", "no", "colour", "group", "not-group")
DATASETS_PREFIX = "datasets:"


@dataclass(frozen=True)
class Question:
    """One question of a set; ``image`` is as written in the file (resolve it with :func:`resolve_image`)."""

    id: str
    set: str
    question: str
    image: str | None
    customer: str | None
    intent: str
    checks: tuple[tuple[str, str], ...]
    note: str


@dataclass(frozen=True)
class Verdict:
    """How the assistant did on one question; ``failed`` lists the checks that did not hold."""

    question: Question
    intent: str
    intent_correct: bool
    answer_correct: bool
    failed: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class IntentScore:
    """Accuracy over the questions expecting one intent."""

    intent: str
    questions: int
    intent_correct: int
    answer_correct: int

    @property
    def intent_accuracy(self) -> float:
        return self.intent_correct / self.questions if self.questions else 0.0

    @property
    def answer_accuracy(self) -> float:
        return self.answer_correct / self.questions if self.questions else 0.0


def load_questions(path: Path) -> list[Question]:
    """Read a question set.

    Raises:
        InputError: a column is missing, or a row has an empty id or question, a repeated id, an
            unknown set or intent, or a check that is not one of :data:`CHECKS`; the message names the line.
    """
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise InputError(f"{path}: question sets need the columns {', '.join(COLUMNS)}; missing {missing}")
        questions, seen = [], set()
        for line, row in enumerate(reader, start=2):
            where = f"{path}:{line}"
            if not row["id"] or not row["question"]:
                raise InputError(f"{where}: field id/question: empty")
            if row["id"] in seen:
                raise InputError(f"{where}: field id: {row['id']!r} appears twice")
            seen.add(row["id"])
            if row["set"] not in SETS:
                raise InputError(f"{where}: field set: {row['set']!r} is not one of {', '.join(SETS)}")
            if row["intent"] not in INTENTS:
                raise InputError(f"{where}: field intent: {row['intent']!r} is not one of {', '.join(INTENTS)}")
            checks = []
            for part in filter(None, (p.strip() for p in row["answer"].split(";"))):
                name, _, argument = part.partition(":")
                if name not in CHECKS:
                    raise InputError(f"{where}: field answer: unknown check {name!r}; checks: {', '.join(CHECKS)}")
                checks.append((name, argument))
            if not checks:
                raise InputError(f"{where}: field answer: no check")
            questions.append(
                Question(
                    row["id"],
                    row["set"],
                    row["question"],
                    row["image"] or None,
                    row["customer"] or None,
                    row["intent"],
                    tuple(checks),
                    row["note"],
                )
            )
    return questions


def resolve_image(image: str | None, root: Path, datasets: Path) -> Path | None:
    """The photo's path: ``datasets:<path>`` under ``datasets``, anything else under the repository ``root``."""
    if image is None:
        return None
    if image.startswith(DATASETS_PREFIX):
        return datasets / image.removeprefix(DATASETS_PREFIX)
    return root / image


def judge(question: Question, answer: Answer) -> Verdict:
    """Check ``answer`` against the question's expected intent and checks."""
    failed = tuple(f"{name}:{arg}" for name, arg in question.checks if not _holds(name, arg, answer))
    return Verdict(question, answer.intent, answer.intent == question.intent, not failed, failed, answer.text)


def score(verdicts: Iterable[Verdict]) -> list[IntentScore]:
    """Per expected intent: questions, intent-correct and answer-correct counts, in :data:`INTENTS` order."""
    counts: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
    for v in verdicts:
        c = counts[v.question.intent]
        c[0] += 1
        c[1] += v.intent_correct
        c[2] += v.answer_correct
    return [IntentScore(i, *counts[i]) for i in INTENTS if i in counts]


def _holds(name: str, arg: str, answer: Answer) -> bool:
    values = list(answer.value)
    first = values[0] if values else None
    products = [v for v in values if v not in ("yes", "no")]
    offered = _offered(answer)
    if name == "unknown":
        return not answer.known
    if name == "known":
        return answer.known
    if name in ("yes", "no"):
        return answer.known and first == name
    if name == "value":
        return answer.known and first == arg
    if name == "family":
        colours = load_vocabulary().terms["Colour"]
        return answer.known and first in colours and colours[first].family == arg
    if name == "has":
        return all(x in values for x in arg.split("|"))
    if name == "set":
        return set(products) == set(filter(None, arg.split("|")))
    if name == "count":
        return len(products) == int(arg)
    if name == "colour":
        return bool(offered) and all(any(colour_matches(arg, c) for c in row["colours"]) for row in offered)
    if name == "group":
        return bool(offered) and offered[0].get("group") == arg
    return bool(offered) and all("group" in row and row["group"] != arg for row in offered)


def _offered(answer: Answer) -> list[dict[str, Any]]:
    """The evidence rows of the products the answer offers (those among its values), in answer order."""
    rows = {r["product"]: r for r in answer.evidence if "product" in r and ("colours" in r or "group" in r)}
    return [rows[v] for v in answer.value if v in rows]
