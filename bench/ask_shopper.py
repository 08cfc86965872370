"""The assistant on shoppers' own photos, on photos of products it has never seen, in English and Chinese.

    python -m bench.ask_shopper --out bench/out/ask_shopper

Needs ``../shared/datasets``. Steps, against a fresh Neo4j of its own (``bench.ingest_scale.benchmark_server``):

1. The graph of ``bench.ask_accuracy``: the shipped sample, preferences, policies, and the catalog
   photos of the sample's products (``--photos``, default all of them).
2. Products neither the detector nor the recogniser was trained on: those the vision plugin holds
   out (``vision.dataset.split_products``, 15 % of each class's products, seed 0), in two kinds:
   * ``own``: sample products whose catalog photo is in the graph, asked about with a *shopper
     photo* of it (``assistant.shopper_photos``: three edits drawn from crop, flip, rotation, light,
     blur, small JPEG and a busy background pasted behind the cut-out);
   * ``unseen``: other products of the data sets, whose photos are not in the graph, asked about with
     their catalog photo: only lookalikes and the recogniser can answer.
3. Questions per photo: its colour and "what is this?" in English and in Chinese, and "is this a
   <category>?" (half of them naming its own category, half another group's). Expected answers come
   from the catalog: the colour's family, the category leaf (a coarser ancestor of it counts as right,
   and the share at the leaf itself is reported), yes or no.
4. Products are split in two by a hash of their id: the **tuning** part and the **reported** part.
   The operating point, the lowest confidence threshold for lookalike answers (about a photo not
   judged to show a catalog product) whose share of wrong answers on the tuning part is at most 5 %,
   is chosen on the tuning part; lookalike answers below it count as "not sure" in both parts'
   figures (``assistant.context.LOOKALIKE_MIN`` ships the value chosen).

The latency is that of a question about a photo not asked about before (detection, recognition and
embedding included), models loaded once per process. Per part, photo kind, question and language:
questions, accuracy (right / asked), answered share, wrong answers (answered and wrong / asked),
with 95 % bootstrap intervals over products; and the accuracy/coverage curve of the reported part
over a threshold on the answer's confidence. Written to
``<out>/ask_shopper.json`` and, as Markdown, to stdout.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import json
import sys
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from shopgraph.assistant.answer import ask
from shopgraph.assistant.context import Answer
from shopgraph.assistant.linking import EntityLinker
from shopgraph.assistant.shopper_photos import shopper_photo
from shopgraph.cypher.internal import bench as bq
from shopgraph.demo import sample_dir
from shopgraph.graphstore.core.defaults import VISION
from shopgraph.graphstore.core.runner import read
from shopgraph.graphstore.core.vocab import chinese_names, load_vocabulary
from shopgraph.vision.dataset import CatalogPhoto, catalog_photos, split_products

from .ask_accuracy import DATASETS, ROOT, build_graph
from .ingest_scale import benchmark_server

QUESTIONS = {
    ("colour", "en"): ("what colour is this?", "what color is this?", "which colour is it?"),
    ("colour", "zh"): ("这件衣服是什么颜色？", "这是什么颜色？", "这个什么颜色"),
    ("category", "en"): ("what is this?", "what kind of product is this?", "what's this?"),
    ("category", "zh"): ("这是什么？", "这是什么东西？", "这个是什么"),
}
THRESHOLDS = (0.0, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 1.01)


@dataclass(frozen=True)
class Asked:
    """One question about one photo, and what the catalog says the answer is."""

    product: str
    part: str
    kind: str
    question_type: str
    language: str
    question: str
    image: Path
    expected: str


def part_of(item: str) -> str:
    """``tuning`` or ``reported``, by the first byte of the item id's SHA-256 (even: tuning)."""
    return "tuning" if hashlib.sha256(item.encode()).digest()[0] % 2 == 0 else "reported"


def held_out_photos(datasets: Path) -> tuple[list[CatalogPhoto], list[CatalogPhoto]]:
    """Held-out photos, one per item: of the sample's products (``own``) and of the other products (``unseen``)."""
    photos, _ = catalog_photos(datasets)
    split = split_products(photos, VISION.holdout, VISION.seed)
    sample = sample_dir()
    with (sample / "myntra_styles.csv").open(newline="", encoding="utf-8") as handle:
        items = {f"myntra:{r['id']}" for r in csv.DictReader(handle)}
    with (sample / "hm_articles.csv").open(newline="", encoding="utf-8") as handle:
        items |= {f"hm:{r['article_id']}" for r in csv.DictReader(handle)}
    own: dict[str, CatalogPhoto] = {}
    unseen: dict[str, CatalogPhoto] = {}
    for photo in photos:
        if split[photo.product] != "test" or photo.colour is None:
            continue
        target = own if photo.item in items else unseen
        target.setdefault(photo.item, photo)
    return list(own.values()), list(unseen.values())


def pick(photos: Sequence[CatalogPhoto], n: int) -> list[CatalogPhoto]:
    """``n`` photos in the order of their item's SHA-256, Myntra and H&M alternating."""
    ordered = sorted(photos, key=lambda p: hashlib.sha256(p.item.encode()).hexdigest())
    by_source = [[p for p in ordered if p.source == s] for s in ("myntra", "hm")]
    mixed = [p for pair in zip(*by_source, strict=False) for p in pair]
    rest = [p for p in ordered if p not in set(mixed)]
    return (mixed + rest)[:n]


def make_questions(own: Sequence[CatalogPhoto], unseen: Sequence[CatalogPhoto], out: Path, seed: int) -> list[Asked]:
    """The questions, with the shopper photos of ``own`` written under ``out``."""
    vocab = load_vocabulary()
    zh = chinese_names()
    groups = sorted({vocab.category_ancestor(c, 2) for c in vocab.terms["Category"] if vocab.category_level(c) == 3})
    out.mkdir(parents=True, exist_ok=True)
    asked: list[Asked] = []
    for kind, photos in (("own", own), ("unseen", unseen)):
        for photo in photos:
            rng = np.random.default_rng([seed, int(hashlib.sha256(photo.item.encode()).hexdigest()[:8], 16)])
            image = photo.path
            if kind == "own":
                edited, edits = shopper_photo(Image.open(photo.path), rng)
                image = out / f"{photo.item.replace(':', '_')}-{'-'.join(edits)}.jpg"
                edited.save(image, "JPEG", quality=90)
            part = part_of(photo.item)
            family = vocab.terms["Colour"][photo.colour].family or photo.colour
            for (question_type, language), texts in QUESTIONS.items():
                text = texts[int(rng.integers(len(texts)))]
                expected = family if question_type == "colour" else photo.category
                asked.append(Asked(photo.item, part, kind, question_type, language, text, image, expected))
            own_group = vocab.category_ancestor(photo.category, 2)
            truth = bool(rng.random() < 0.5)
            named = photo.category if truth else str(rng.choice([g for g in groups if g != own_group]))
            term = vocab.terms["Category"][named]
            for language, text in (
                ("en", f"is this a {term.name.lower()}?"),
                ("zh", f"这是{zh.get(('Category', named), (term.name,))[0]}吗？"),
            ):
                asked.append(Asked(photo.item, part, kind, "yes_no", language, text, image, "yes" if truth else "no"))
    return asked


def judge(asked: Asked, answer: Answer) -> tuple[bool, bool]:
    """``(right, finest)``: whether the answer is right, and for categories whether it names the leaf itself."""
    vocab = load_vocabulary()
    values = [v for v in answer.value if v not in ("yes", "no")]
    if not answer.known:
        return False, False
    if asked.question_type == "yes_no":
        return bool(answer.value) and answer.value[0] == asked.expected, False
    if not values:
        return False, False
    if asked.question_type == "colour":
        term = vocab.terms["Colour"].get(values[0])
        return term is not None and (term.family or term.id) == asked.expected, False
    said = values[0]
    if said not in vocab.terms["Category"]:
        return False, False
    return said in vocab.category_lineage(asked.expected) and vocab.category_level(said) >= 2, said == asked.expected


def bootstrap(rows: Sequence[dict[str, Any]], key: str, seed: int = 0, draws: int = 1000) -> tuple[float, float, float]:
    """Mean of ``key`` over ``rows`` and its 95 % interval from resampling products."""
    by_product: dict[str, list[float]] = defaultdict(list)
    for r in rows:
        by_product[r["product"]].append(float(r[key]))
    products = list(by_product)
    sums = np.array([sum(by_product[p]) for p in products])
    counts = np.array([len(by_product[p]) for p in products])
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(products), size=(draws, len(products)))
    means = sums[picks].sum(axis=1) / counts[picks].sum(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return round(float(sums.sum() / counts.sum()), 4), round(float(low), 4), round(float(high), 4)


def summarise(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per part, kind, question type and language (and ``all``): counts and bootstrap intervals."""
    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        for kind in (r["kind"], "all"):
            for qtype in (r["question_type"], "all"):
                for language in (r["language"], "all"):
                    groups[(r["part"], kind, qtype, language)].append(r)
    table = []
    for (part, kind, qtype, language), members in sorted(groups.items()):
        table.append(
            {
                "part": part,
                "kind": kind,
                "question": qtype,
                "language": language,
                "questions": len(members),
                "accuracy": bootstrap(members, "right"),
                "answered": bootstrap(members, "known"),
                "wrong": bootstrap(members, "wrong"),
                "finest": bootstrap(members, "finest") if qtype == "category" else None,
            }
        )
    return table


def withheld(row: dict[str, Any], threshold: float) -> bool:
    """Whether ``row``'s answer is below ``threshold`` and about a product not in the graph (a lookalike answer),
    the answers ``assistant.context.LOOKALIKE_MIN`` withholds."""
    return row["matched_as"] != "same product" and row["confidence"] < threshold


def curve(rows: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """Accuracy among the answered and the share answered, when lookalike answers below each confidence
    threshold are withheld (said as "not sure")."""
    points = []
    for t in THRESHOLDS:
        answered = [r for r in rows if r["known"] and not withheld(r, t)]
        right = sum(r["right"] for r in answered)
        points.append(
            {
                "threshold": t,
                "answered": round(len(answered) / len(rows), 4),
                "accuracy_when_answered": round(right / len(answered), 4) if answered else None,
                "accuracy": round(right / len(rows), 4),
                "wrong": round((len(answered) - right) / len(rows), 4),
            }
        )
    return points


def operating_point(points: Sequence[dict[str, Any]], max_wrong: float = 0.05) -> float:
    """The lowest confidence threshold whose wrong-answer share is at most ``max_wrong`` (the most answers
    within that bound); the highest threshold when none is."""
    within = [p["threshold"] for p in points if p["wrong"] <= max_wrong]
    return min(within) if within else max(p["threshold"] for p in points)


def markdown(table: Sequence[dict[str, Any]], points: Sequence[dict[str, Any]]) -> str:
    def cell(v: tuple[float, float, float] | None) -> str:
        return "" if v is None else f"{v[0]:.1%} [{v[1]:.1%}, {v[2]:.1%}]"

    lines = [
        "| part | photo | question | language | n | accuracy | answered | wrong | category at the leaf |",
        "|---|---|---|---|---:|---|---|---|---|",
    ]
    for r in table:
        lines.append(
            f"| {r['part']} | {r['kind']} | {r['question']} | {r['language']} | {r['questions']} | "
            f"{cell(r['accuracy'])} | {cell(r['answered'])} | {cell(r['wrong'])} | {cell(r['finest'])} |"
        )
    lines += ["", "| confidence ≥ | answered | accuracy when answered | accuracy | wrong |"]
    lines.append("|---:|---:|---:|---:|---:|")
    for p in points:
        when = "" if p["accuracy_when_answered"] is None else f"{p['accuracy_when_answered']:.1%}"
        lines.append(f"| {p['threshold']} | {p['answered']:.1%} | {when} | {p['accuracy']:.1%} | {p['wrong']:.1%} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.ask_shopper", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=Path, default=DATASETS, help="../shared/datasets")
    parser.add_argument("--photos", type=int, default=1000, help="catalog photos of the sample in the graph")
    parser.add_argument("--own", type=int, default=120, help="held-out sample products asked about (shopper photos)")
    parser.add_argument("--unseen", type=int, default=120, help="held-out products not in the graph asked about")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "ask_shopper", help="output folder")
    parser.add_argument("--bolt-port", type=int, default=None)
    parser.add_argument("--http-port", type=int, default=None)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if not (args.datasets / "README.md").is_file():
        raise SystemExit(f"{args.datasets} is not here: this benchmark needs ../shared/datasets")
    args.out.mkdir(parents=True, exist_ok=True)
    own_all, unseen_all = held_out_photos(args.datasets)
    with benchmark_server(args.out / "neo4j-home", args.bolt_port, args.http_port) as bench:
        loaded = build_graph(bench.driver, args.datasets, args.photos)
        print(f"graph: {loaded}", file=sys.stderr)
        in_graph = {
            r["product"] for r in read(bench.driver, bq.PRODUCTS_WITH_PHOTOS, {}, what="the photographed products")
        }
        own = pick([p for p in own_all if p.item in in_graph], args.own)
        unseen = pick(unseen_all, args.unseen)
        asked = make_questions(own, unseen, args.out / "photos", args.seed)
        linker = EntityLinker.from_graph(bench.driver)
        rows, started, latencies, seen = [], time.perf_counter(), [], set()
        for n, question in enumerate(asked, start=1):
            began = time.perf_counter()
            answer = ask(bench.driver, question.question, question.image, linker=linker)
            if n > 1 and question.image not in seen:  # the first question loads the models
                latencies.append(time.perf_counter() - began)
            seen.add(question.image)
            right, finest = judge(question, answer)
            rows.append(
                {
                    "product": question.product,
                    "part": question.part,
                    "kind": question.kind,
                    "question_type": question.question_type,
                    "language": question.language,
                    "question": question.question,
                    "image": str(question.image.relative_to(args.out) if question.kind == "own" else question.image),
                    "expected": question.expected,
                    "intent": answer.intent,
                    "value": list(answer.value[:3]),
                    "known": answer.known,
                    "confidence": answer.confidence,
                    "right": right,
                    "finest": finest,
                    "wrong": answer.known and not right,
                    "matches": [[m.id, m.score] for m in answer.products if m.how in ("visual match", "lookalike")][:5],
                    "recognition": answer.photo.get("recognition") if answer.photo else None,
                    "matched_as": answer.photo.get("matchedAs") if answer.photo else None,
                    "answer": answer.text,
                }
            )
            if n % 50 == 0:
                print(f"{n}/{len(asked)} questions", file=sys.stderr, flush=True)
        seconds = time.perf_counter() - started
    tuning_points = curve([r for r in rows if r["part"] == "tuning"])
    points = curve([r for r in rows if r["part"] == "reported"])
    threshold = operating_point(tuning_points)
    for r in rows:
        if r["known"] and withheld(r, threshold):  # at the operating point: said as not sure
            r.update(known=False, right=False, wrong=False, finest=False)
    table = summarise(rows)
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "command": "python -m bench.ask_shopper " + " ".join(argv if argv is not None else sys.argv[1:]),
        "graph": loaded,
        "products": {"own": len(own), "unseen": len(unseen)},
        "questions": len(rows),
        "seconds_answering": round(seconds, 1),
        "latency_new_photo_s": {
            "p50": round(float(np.percentile(latencies, 50)), 3),
            "p99": round(float(np.percentile(latencies, 99)), 3),
        },
        "operating_point": {"threshold": threshold, "chosen_on": "tuning", "max_wrong": 0.05},
        "curve_tuning": tuning_points,
        "table": table,
        "curve_reported": points,
        "rows": rows,
    }
    (args.out / "ask_shopper.json").write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    shown = [r for r in table if [r["kind"], r["question"], r["language"]].count("all") >= 2]
    print(f"operating point (chosen on the tuning part, wrong ≤ 5 %): confidence ≥ {threshold}\n")
    print(markdown(shown, points))


if __name__ == "__main__":
    main()
