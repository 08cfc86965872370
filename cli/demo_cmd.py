"""``shopgraph demo``: the first command a newcomer runs."""

from __future__ import annotations

import click

from shopgraph.cli.common import settings
from shopgraph.cli.render import (
    console,
    json_option,
    library_chatter_to_stderr,
    print_json,
    print_recommendations,
    print_table,
    spinner,
)
from shopgraph.demo import run_demo


@click.command()
@json_option
def demo(as_json: bool) -> None:
    """Set up everything, load the shipped sample of real Myntra and H&M data, and show the AI on it.

    Installs and starts the local Neo4j (unless NEO4J_URI names a server), creates
    the schema, loads 300 Myntra products, 642 H&M articles, 60 customers and
    their 2,239 purchases, derives their preferences; then analyses the sample's 80
    photos into Image and Detection nodes, trains the relational model, prints one
    customer's recommendations with their reasons, answers a question about a photo,
    writes that photo's annotated preview, and prints the Browser URL and three
    queries to paste into Browser. Safe to run again: a second run changes nothing.

    \b
    Example:
      shopgraph demo
    """
    config = settings()
    with library_chatter_to_stderr(), spinner("shopgraph demo") as update:
        report = run_demo(config, progress=update)
    if as_json:
        print_json(report)
        return
    print_table(
        [
            {
                "file": r.file.rsplit("/", 1)[-1],
                "kind": r.kind,
                "loaded": r.written,
                "rejected": r.rejected,
                "nodes created": r.write.nodes_created,
                "relationships created": r.write.relationships_created,
            }
            for r in report.ingests
        ],
        title="Loaded",
    )
    photos = report.photos
    console.print(
        f"\n[bold]Photos[/] ({photos.folder}): {photos.processed} analysed, {photos.skipped} done before, "
        f"{photos.failed} failed; {photos.detections} detections written in {photos.seconds:.1f} s"
    )
    training = report.training
    if training.trained:
        console.print(
            f"[bold]Relational model[/] {training.version}: trained on {training.customers} customers and "
            f"{training.products} products ({training.products_with_photo} with a photo) in {training.seconds:.1f} s"
        )
    else:
        console.print(
            f"[bold]Relational model[/] {training.version}: current, not retrained (`shopgraph train` retrains)"
        )
    console.print()
    print_recommendations(report.recommendations)
    question = report.question
    console.print(f"\n[bold]Asked[/] {question.question!r} about {question.photo}:", highlight=False)
    console.print(f"  {question.answer.text}", highlight=False)
    if question.objects:
        print_table(question.objects, title="What the detector sees in the photo")
    console.print(f"Annotated preview: [bold]{question.preview}[/]", highlight=False)
    print_table([{"label": k, "nodes": v} for k, v in sorted(report.stats.labels.items())], title="Nodes in the graph")
    if report.browser_url:
        console.print(
            f"\nNeo4j Browser: [bold]{report.browser_url}[/]  user [bold]neo4j[/], "
            f"password: the file {config.password_file}"
        )
    # Plain echo: rich would wrap long lines and break the Cypher when pasted.
    click.echo("\nPaste these into Browser:\n")
    for title, text in report.examples:
        click.echo(f"// {title}\n{text}\n")
