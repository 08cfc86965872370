"""Settings and driver handling shared by the commands."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from neo4j import Driver

from shopgraph.graphstore.core.config import Settings, load_settings
from shopgraph.graphstore.core.connection import connect


def settings() -> Settings:
    return load_settings()


@contextmanager
def driver(config: Settings) -> Iterator[Driver]:
    """An open, verified driver for the configured server, closed on exit."""
    handle = connect(config)
    try:
        yield handle
    finally:
        handle.close()
