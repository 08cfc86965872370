"""Accuracy of ``shopgraph ask`` per intent, on the question set ``tests/data/ask_questions.csv``.

    python -m bench.ask_accuracy --out bench/out/ask                 # the sample questions
    python -m bench.ask_accuracy --set all --out bench/out/ask       # and the ../shared/datasets ones

Steps, against a fresh Neo4j of its own (home under ``--out``, free ports, stopped at the end,
also on error; ``bench.ingest_scale.benchmark_server``):

1. The graph the demo builds: the shipped sample (300 Myntra products, 642 H&M articles, 60
   customers, 2,239 purchases), customers' preferences, and the example policies; then the eight
   photos of ``tests/data/images`` with the shipped detector (``ingest_images``).
2. With ``--set datasets`` or ``all`` (needs ``../shared/datasets``): also the catalog photos of the
   sample's products from ``<datasets>/myntra/images`` and ``<datasets>/hm/images`` (the first
   ``--photos`` of them, Myntra and H&M alternating), the references the datasets questions'
   photos are matched against. Those questions also ask about photos of products that are *not*
   in the graph (other rows of the data sets), whose answers only lookalikes can give.
3. Every question of the chosen sets through ``assistant.answer.ask``, judged by
   ``assistant.evaluation.judge``.

Per intent: questions, intent accuracy and answer accuracy; per question: the verdict, the failed
checks and the answer's text. Written to ``<out>/ask_accuracy.json`` and, as Markdown, to stdout.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import time
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from neo4j import Driver

from shopgraph.assistant.answer import ask
from shopgraph.assistant.evaluation import Verdict, judge, load_questions, resolve_image, score
from shopgraph.assistant.linking import EntityLinker
from shopgraph.assistant.policies import load_policies
from shopgraph.demo import sample_dir
from shopgraph.graphstore.ingest.loader import ingest_catalog, ingest_customers, ingest_purchases
from shopgraph.graphstore.ingest.reasoning import compute_preferences
from shopgraph.vision.ingest import ingest_images

from .ingest_scale import benchmark_server

ROOT = Path(__file__).resolve().parent.parent
QUESTIONS = ROOT / "tests" / "data" / "ask_questions.csv"
TEST_PHOTOS = ROOT / "tests" / "data" / "images"
DATASETS = ROOT.parent / "shared" / "datasets"


def build_graph(driver: Driver, datasets: Path | None, photos: int) -> dict[str, Any]:
    """Load the demo's sample, preferences and policies, the test photos and (with ``datasets``) catalog photos.

    Returns what was loaded: files, photos ingested, seconds.
    """
    started = time.perf_counter()
    sample = sample_dir()
    for ingest, name in (
        (ingest_catalog, "myntra_styles.csv"),
        (ingest_catalog, "hm_articles.csv"),
        (ingest_customers, "hm_customers.csv"),
        (ingest_purchases, "hm_transactions.csv"),
    ):
        ingest(driver, sample / name)
    compute_preferences(driver)
    load_policies(driver)
    paths = [TEST_PHOTOS]
    if datasets is not None:
        paths += sample_photos(datasets, photos)
    report = ingest_images(driver, paths)
    return {"photos": report.ok, "depicted": report.depicted, "seconds": round(time.perf_counter() - started, 1)}


def sample_photos(datasets: Path, limit: int) -> list[Path]:
    """The data sets' photos of the sample's products, Myntra and H&M alternating, at most ``limit``."""
    sample = sample_dir()
    with (sample / "myntra_styles.csv").open(newline="", encoding="utf-8") as handle:
        myntra = [datasets / "myntra" / "images" / f"{r['id']}.jpg" for r in csv.DictReader(handle)]
    with (sample / "hm_articles.csv").open(newline="", encoding="utf-8") as handle:
        hm = [
            datasets / "hm" / "images" / r["article_id"][:3] / f"{r['article_id']}.jpg" for r in csv.DictReader(handle)
        ]
    mixed = [p for pair in zip(myntra, hm, strict=False) for p in pair] + hm[len(myntra) :]
    return [p for p in mixed if p.is_file()][:limit]


def run_questions(driver: Driver, sets: tuple[str, ...], datasets: Path) -> list[Verdict]:
    """Ask every question of ``sets`` and judge the answers, printing one line per question on stderr."""
    linker = EntityLinker.from_graph(driver)
    verdicts = []
    for question in load_questions(QUESTIONS):
        if question.set not in sets:
            continue
        image = resolve_image(question.image, ROOT, datasets)
        answer = ask(driver, question.question, image, question.customer, linker=linker)
        verdict = judge(question, answer)
        verdicts.append(verdict)
        mark = "ok " if verdict.answer_correct else "BAD"
        print(f"{mark} {question.id} {question.question!r} -> {answer.intent} {answer.value[:3]}", file=sys.stderr)
    return verdicts


def markdown(verdicts: list[Verdict]) -> str:
    """The per-intent table and the failures, as Markdown."""
    lines = ["| intent | questions | intent accuracy | answer accuracy |", "|---|---:|---:|---:|"]
    scores = score(verdicts)
    for s in scores:
        lines.append(f"| {s.intent} | {s.questions} | {s.intent_accuracy:.0%} | {s.answer_accuracy:.0%} |")
    total = len(verdicts)
    intents_ok = sum(v.intent_correct for v in verdicts)
    answers_ok = sum(v.answer_correct for v in verdicts)
    lines.append(f"| **all** | {total} | {intents_ok / total:.0%} | {answers_ok / total:.0%} |")
    failures = [v for v in verdicts if not v.answer_correct]
    if failures:
        lines += ["", "Failures:", ""]
        for v in failures:
            lines.append(
                f"- {v.question.id} `{v.question.question}` ({v.question.image or 'no photo'}): expected "
                f"{v.question.intent}, got {v.intent}; failed {', '.join(v.failed)}. Answer: {v.text}"
            )
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ask_accuracy", description=__doc__.split("\n\n")[0])
    parser.add_argument("--set", choices=("sample", "datasets", "all"), default="sample", help="questions to ask")
    parser.add_argument("--photos", type=int, default=400, help="catalog photos from the data sets (default 400)")
    parser.add_argument("--datasets", type=Path, default=DATASETS, help="../shared/datasets")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "ask", help="output folder")
    parser.add_argument("--bolt-port", type=int, default=None)
    parser.add_argument("--http-port", type=int, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    sets = ("sample", "datasets") if args.set == "all" else (args.set,)
    if "datasets" in sets and not (args.datasets / "README.md").is_file():
        raise SystemExit(f"{args.datasets} is not here; run with --set sample")
    args.out.mkdir(parents=True, exist_ok=True)
    with benchmark_server(args.out / "neo4j-home", args.bolt_port, args.http_port) as bench:
        loaded = build_graph(bench.driver, args.datasets if "datasets" in sets else None, args.photos)
        print(f"graph: {loaded}", file=sys.stderr)
        started = time.perf_counter()
        verdicts = run_questions(bench.driver, sets, args.datasets)
        seconds = time.perf_counter() - started
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.ask_accuracy " + " ".join(argv if argv is not None else sys.argv[1:]),
        "sets": sets,
        "graph": loaded,
        "seconds_answering": round(seconds, 1),
        "per_intent": [
            {
                **asdict(s),
                "intent_accuracy": round(s.intent_accuracy, 4),
                "answer_accuracy": round(s.answer_accuracy, 4),
            }
            for s in score(verdicts)
        ],
        "questions": [
            {
                "id": v.question.id,
                "set": v.question.set,
                "question": v.question.question,
                "image": v.question.image,
                "expected_intent": v.question.intent,
                "intent": v.intent,
                "intent_correct": v.intent_correct,
                "answer_correct": v.answer_correct,
                "failed": v.failed,
                "answer": v.text,
            }
            for v in verdicts
        ],
    }
    (args.out / "ask_accuracy.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    print(markdown(verdicts))


if __name__ == "__main__":
    main()
