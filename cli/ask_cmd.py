"""``shopgraph ask``: a shopper's question answered from the graph alone.

The assistant (and, for photos, the vision plugin) is imported inside the command, so that
``shopgraph`` starts fast for everything else.
"""

from __future__ import annotations

from pathlib import Path

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import (
    console,
    json_option,
    library_chatter_to_stderr,
    print_json,
    print_pairs,
    print_table,
    spinner,
)
from shopgraph.graphstore.core.defaults import VISION


@click.command()
@click.argument("question")
@click.option(
    "--image",
    "image_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help='A photo the question is about ("what brand is this?").',
)
@click.option("--customer", default=None, help="A customer id: searches and suggestions follow their preferences.")
@click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=f"YOLO segmentation weights (.pt) for the photo. Default: the shipped vision/models/{VISION.weights.name}",
)
@click.option("-v", "--verbose", is_flag=True, help="Also show how it answered: intent, what it understood, queries.")
@json_option
def ask(
    question: str,
    image_path: Path | None,
    customer: str | None,
    model_path: Path | None,
    verbose: bool,
    as_json: bool,
) -> None:
    """Answer a shopper's QUESTION from the graph: about a photo, the catalog, or the shop's policies.

    Answers come from graph facts, each with its confidence and where it came from (the catalog
    column, the product name or description, or a model); a photo is matched to the catalog
    photos ingested with `shopgraph ingest images`. When the assistant does not know, it says so
    and shows what it understood. Questions in Chinese are answered in Chinese. No external
    service is used. `-v` shows how it answered; `--json` gives everything.

    \b
    Example:
      shopgraph ask "what brand is this?" --image vision/models/examples/zidane.jpg
      shopgraph ask "what is this?" --image tests/data/images/10016.jpg -v
      shopgraph ask "这件衣服是什么颜色？" --image tests/data/images/10008.jpg
      shopgraph ask "show me similar ones in black" --image vision/models/examples/zidane.jpg
      shopgraph ask "which Puma shoes do you have?"
      shopgraph ask "which H&M dresses are under 0.02?"
      shopgraph ask "what goes with this skirt?" --customer $(shopgraph customers list --limit 1 --ids)
      shopgraph ingest policies && shopgraph ask "can I return a swimsuit?" --json
    """
    from shopgraph.assistant.answer import ask as answer_question

    config = settings()
    with library_chatter_to_stderr(), driver(config) as handle, spinner("thinking"):
        answer = answer_question(
            handle, question, image_path, customer, model_path=model_path, database=config.database
        )
    if as_json:
        print_json(answer)
        return
    console.print(answer.text, highlight=False)
    sure = f"confidence {answer.confidence:.2f}" if answer.known else "not known"
    if not verbose:
        console.print(f"[dim]({sure}; -v shows how it answered)[/dim]", highlight=False)
        return
    if answer.english:
        console.print(answer.english, highlight=False)
    print_pairs(
        {
            "intent": f"{answer.intent} ({answer.intent_confidence:.2f}: {answer.intent_reason})",
            "answer known": answer.known,
            "confidence": answer.confidence,
            "value": ", ".join(answer.value),
        },
        title="How it answered",
    )
    understood = [
        {"label": e.label, "id": e.id, "name": e.name, "words": e.surface, "how": e.method, "score": e.score}
        for e in answer.understood
    ]
    if answer.price is not None:
        low, high = answer.price.min, answer.price.max
        bound = " to ".join(f"{v:g}" for v in (low, high) if v is not None)
        bound = bound if low is not None and high is not None else (f"≤ {bound}" if high is not None else f"≥ {bound}")
        understood.append({"label": "Price", "name": bound, "words": answer.price.surface})
    if understood:
        print_table(understood, ["label", "id", "name", "words", "how", "score"], title="What it understood")
    if answer.photo:
        print_pairs(answer.photo, title="The photo's main object")
    if answer.products:
        rows = [{"product": p.id, "name": p.name, "why": p.how, "visual match": p.score} for p in answer.products]
        print_table(rows, title="Products")
    if answer.queries:
        print_table(
            [
                {"query": q.name, "parameters": ", ".join(f"{k}={v}" for k, v in q.params.items())}
                for q in answer.queries
            ],
            title="Queries run",
        )
