"""Product text embeddings stored on the graph: ``Product.textEmbedding`` (all-MiniLM-L6-v2, 384 floats).

Each embedded product also keeps ``textEmbeddingOf``, a hash of the model name and the text it
was made from, so a run embeds only products that are new, whose name or description changed,
or whose model changed; running it twice writes nothing the second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

from neo4j import Driver

from shopgraph.cypher.internal import relational as q
from shopgraph.graphstore.core.runner import chunks, read, write_batches
from shopgraph.graphstore.core.textembed import MODEL_NAME, embed_texts


def product_text(name: str | None, description: str | None) -> str:
    """The text a product is embedded from: ``name + ". " + description``, either part alone when
    the other is missing or blank, ``""`` when both are."""
    return ". ".join(part.strip() for part in (name, description) if part and part.strip())


def text_hash(text: str) -> str:
    """What ``textEmbeddingOf`` holds for ``text``: the SHA-256 (hex) of the model name and the text."""
    return hashlib.sha256(f"{MODEL_NAME}\n{text}".encode()).hexdigest()


def embed_product_texts(
    driver: Driver,
    *,
    database: str | None = None,
    batch_size: int = 256,
    force: bool = False,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Compute ``Product.textEmbedding`` for products that lack it or whose text changed.

    Args:
        driver: an open driver.
        database: target database, or the server default.
        batch_size: products embedded and written per transaction.
        force: re-embed every product that has text.
        progress: called after each batch with the number of embeddings written so far.

    Returns:
        The number of products changed: embeddings written, plus embeddings removed from products
        whose name and description are now both empty.

    Raises:
        QueryError: the products cannot be read.
        WriteFailed: a batch failed after retries (earlier batches stay committed).
    """
    candidates = read(driver, q.TEXT_EMBEDDING_CANDIDATES, what="reading product texts", database=database)
    to_embed: list[tuple[str, str, str]] = []
    to_remove: list[dict[str, Any]] = []
    for row in candidates:
        text = product_text(row["name"], row["description"])
        if not text:
            if row["textEmbeddingOf"] is not None:
                to_remove.append({"id": row["id"]})
            continue
        digest = text_hash(text)
        if force or row["textEmbeddingOf"] != digest:
            to_embed.append((row["id"], text, digest))

    def rows() -> Iterator[dict[str, Any]]:
        for chunk in chunks(to_embed, batch_size):
            vectors = embed_texts([text for _, text, _ in chunk])
            for (pid, _, digest), vector in zip(chunk, vectors, strict=True):
                yield {"id": pid, "vector": vector.tolist(), "textHash": digest}

    written = write_batches(
        driver,
        q.WRITE_TEXT_EMBEDDINGS,
        rows(),
        batch_size=batch_size,
        what="product text embeddings",
        progress=progress,
        database=database,
    )
    removed = write_batches(
        driver,
        q.REMOVE_TEXT_EMBEDDINGS,
        to_remove,
        batch_size=batch_size,
        what="emptied product texts",
        database=database,
    )
    return written.returned + removed.returned
