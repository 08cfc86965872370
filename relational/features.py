"""Product text embeddings stored on the graph: ``Product.textEmbedding`` (all-MiniLM-L6-v2, 384 floats).

Each embedded product also keeps ``textEmbeddingOf``, a hash of the model name and the text it
was made from, so a run embeds only products that are new, whose name or description changed,
or whose model changed; running it twice writes nothing the second time.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from typing import Any

from neo4j import READ_ACCESS, Driver

from shopgraph.cypher.internal import relational as q
from shopgraph.graphstore.core.textembed import MODEL_NAME, embed_texts
from shopgraph.graphstore.core.writer import chunks
from shopgraph.relational.writeback import run_batches


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
        WriteFailed: a batch failed after retries (earlier batches stay committed).
    """
    with driver.session(database=database, default_access_mode=READ_ACCESS) as session:
        candidates = [dict(r) for r in session.run(q.TEXT_EMBEDDING_CANDIDATES)]
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

    written = run_batches(
        driver, q.WRITE_TEXT_EMBEDDINGS, rows(), batch_size, "product text embeddings", database, progress
    )
    removed = run_batches(driver, q.REMOVE_TEXT_EMBEDDINGS, to_remove, batch_size, "emptied product texts", database)
    return written + removed
