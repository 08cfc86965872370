"""Settings and driver handling shared by the commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from shopgraph.graphstore.core.config import Settings, load_settings
from shopgraph.graphstore.core.defaults import VISION

if TYPE_CHECKING:
    from neo4j import Driver

model_option = click.option(
    "--model",
    "model_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help=f"YOLO segmentation weights (.pt). Default: the shipped vision/models/{VISION.weights.name}",
)
"""The detector's ``--model`` option, shared by ``ingest images`` and ``similar --image``."""


def settings() -> Settings:
    return load_settings()


@contextmanager
def driver(config: Settings) -> Iterator[Driver]:
    """An open, verified driver for the configured server, closed on exit."""
    from shopgraph.graphstore.core.connection import connect

    handle = connect(config)
    try:
        yield handle
    finally:
        handle.close()
