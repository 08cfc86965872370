"""``shopgraph similar``: catalog products like a catalog product, or like the objects in a photo.

``similar PRODUCT`` ranks by embedding, shared attributes or both (:func:`relational.recommend.similar`);
``similar --image PHOTO`` is visual search (:func:`vision.search.similar_products`). Both plugins are
imported inside the command, so that ``shopgraph`` starts without torch.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from shopgraph.cli.common import driver, model_option, settings
from shopgraph.cli.render import console, info, json_option, library_chatter_to_stderr, print_json, print_table
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.defaults import RECOMMEND, SIMILAR_BY

if TYPE_CHECKING:
    from shopgraph.relational.recommend import SimilarProduct

EMBEDDING_HINT = (
    "ranking by embedding needs vectors on both products: `shopgraph ingest images` embeds their photos, "
    "`shopgraph train` their texts and the recommender's vectors (or try --by attributes)"
)
"""What ``similar`` says when the embedding ranking finds nothing: the commands that write the vectors."""


@click.command()
@click.argument("product", required=False)
@click.option(
    "--by",
    type=click.Choice(SIMILAR_BY),
    default=None,
    help="With PRODUCT: rank by embedding, shared attributes, or both combined (default).",
)
@click.option(
    "--image",
    "image_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="Search with this photo instead of a PRODUCT (visual search).",
)
@click.option(
    "-k",
    "k",
    type=click.IntRange(1),
    default=None,
    help=f"Products to show: default {RECOMMEND.k} for PRODUCT, {RECOMMEND.visual_k} per detected object with --image.",
)
@model_option
@json_option
def similar(
    product: str | None, by: str | None, image_path: Path | None, k: int | None, model_path: Path | None, as_json: bool
) -> None:
    """Find catalog products similar to a catalog PRODUCT, or to the objects in a photo (--image).

    For a PRODUCT, similarity is by embedding (mean cosine of the text, photo and recommender
    vectors both products have), by shared attributes (weighted Jaccard index of brand, category,
    colour, material, style and pattern), or both combined; each result lists the shared facts.
    With --image, every object the detector finds in the photo is compared with the detections of
    the catalog photos ingested with `shopgraph ingest images`; a photo with no detected object is
    compared as a whole. Those scores are (1 + cosine) / 2 of EfficientNet-Lite0 embeddings.

    \b
    Examples:
      shopgraph similar myntra:10008 --by attributes -k 5
      shopgraph similar --image vision/models/examples/zidane.jpg -k 3
    """
    if product is not None and image_path is not None:
        raise click.UsageError("give either a PRODUCT id or --image PHOTO, not both")
    if image_path is not None and by is not None:
        raise click.UsageError("--by ranks catalog similarity of a PRODUCT; --image searches by photo")
    if product is not None and model_path is not None:
        raise click.UsageError("--model is the detector for --image; a PRODUCT needs none")
    config = settings()
    if product is not None:
        from shopgraph.relational.recommend import similar as similar_to_product

        by = by or RECOMMEND.similar_by
        with driver(config) as handle:
            items = similar_to_product(handle, product, by, k or RECOMMEND.k, database=config.database)
        if as_json:
            print_json(items)
        else:
            print_similar(product, by, items)
        return
    if image_path is None:
        raise click.UsageError("give a PRODUCT id, or --image PHOTO")
    _visual_search(config, image_path, k or RECOMMEND.visual_k, model_path, as_json)


def _visual_search(config: Settings, image_path: Path, k: int, model_path: Path | None, as_json: bool) -> None:
    from shopgraph.vision.search import similar_products

    with library_chatter_to_stderr(), driver(config) as handle:
        results = similar_products(handle, image_path, k=k, model_path=model_path, database=config.database)
    if as_json:
        print_json(results)
        return
    for result in results:
        if result.index is None:
            title = "the whole photo (no object detected)"
        else:
            title = f"object {result.index}: {result.class_name} {result.confidence:.2f}, colour {result.colour}"
        rows = [
            {
                "product": m.product,
                "name": m.name,
                "brand": m.brand,
                "category": m.category,
                "colour": m.colour,
                "score": m.score,
            }
            for m in result.matches
        ]
        if rows:
            print_table(rows, title=title)
        else:
            console.print(
                f"{title}: no catalog photo found; run `shopgraph ingest images` on the catalog's photos first"
            )


def print_similar(product: str, by: str, items: Sequence[SimilarProduct]) -> None:
    """The table of ``shopgraph similar PRODUCT``, one row per similar product with its reasons."""
    if not items:
        hint = "" if by == "attributes" else f"; {EMBEDDING_HINT}"
        info(f"no product similar to {product} by {by}{hint}")
        return
    rows = [
        {
            "product": s.product,
            "name": s.name,
            "category": s.category,
            "score": s.score,
            "embedding": s.embedding,
            "attributes": s.attributes,
            "reasons": "\n".join(s.reasons),
        }
        for s in items
    ]
    print_table(rows, title=f"Similar to {product} (by {by})")
