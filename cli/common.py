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


def parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    """``-p key=value`` options as a dict of strings; a usage error (exit 2) for a pair without ``=``."""
    params = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"expected key=value, got {pair!r}", param_hint="--param")
        params[key.strip()] = value
    return params


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
