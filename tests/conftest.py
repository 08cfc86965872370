"""Test tiers: fast unit tests need nothing; tests marked ``neo4j`` get a real server.

The session starts its own Neo4j (the project's embedded server, on free ports,
in a temporary home) and stops it at the end. An unreachable or broken server is
a test failure, never a skip. Tests marked ``datasets`` read ../shared/datasets
and skip when it is absent.

With ``SHOPGRAPH_TEST_ROUTING=1`` every driver of the tests (fixtures, and the CLI through
``neo4j_settings.bolt_uri``) reaches that server as ``neo4j://``: the routing driver a cluster
needs, which sends read transactions to readers and writes to the leader (``.ci/run``'s second run).
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from neo4j import Driver

from shopgraph.graphstore.core.config import Settings, load_settings
from shopgraph.graphstore.core.connection import connect
from shopgraph.graphstore.core.schema import init_schema
from shopgraph.graphstore.server import local as server

ROOT = Path(__file__).resolve().parent.parent
DATASETS = ROOT.parent / "shared" / "datasets"
SAMPLE = ROOT / "graphstore" / "data" / "sample"
DATA = Path(__file__).resolve().parent / "data"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def neo4j_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    """Settings of a Neo4j started for this test session (stopped at the end)."""
    home = tmp_path_factory.mktemp("shopgraph-home")
    settings = load_settings(
        env={
            "SHOPGRAPH_HOME": str(home),
            "SHOPGRAPH_BOLT_PORT": str(free_port()),
            "SHOPGRAPH_HTTP_PORT": str(free_port()),
            "SHOPGRAPH_ROUTING": os.environ.get("SHOPGRAPH_TEST_ROUTING", "0"),
        },
        cwd=home,
    )
    server.install(settings)
    server.start(settings, timeout_s=180)
    try:
        yield settings
    finally:
        server.stop(settings)


@pytest.fixture(scope="session")
def session_driver(neo4j_settings: Settings) -> Iterator[Driver]:
    driver = connect(neo4j_settings)
    try:
        yield driver
    finally:
        driver.close()


def clear(driver: Driver) -> None:
    # CALL ... IN TRANSACTIONS needs an auto-commit transaction, hence session.run.
    with driver.session() as session:
        session.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS").consume()


@pytest.fixture
def driver(session_driver: Driver) -> Driver:
    """A driver to an empty database with the schema and vocabulary in place."""
    clear(session_driver)
    init_schema(session_driver)
    return session_driver


@pytest.fixture(scope="session")
def datasets() -> Path:
    if not (DATASETS / "README.md").exists():
        pytest.skip(f"{DATASETS} is not here")
    return DATASETS


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "neo4j_settings" in getattr(item, "fixturenames", ()):
            item.add_marker("neo4j")
        if "datasets" in getattr(item, "fixturenames", ()):
            item.add_marker("datasets")
