"""Tests of the local Neo4j server manager.

Unit tests need neither Java nor a server. The one integration test installs into a tmp
home (reusing the shared jar cache), starts a real server on free ports, and stops it.
"""

from __future__ import annotations

import os
import shutil
import socket
import stat
import subprocess
import sys
import urllib.request
from contextlib import ExitStack
from pathlib import Path

import psutil
import pytest
from neo4j import GraphDatabase

from shopgraph.graphstore.core.config import APOC_VERSION, NEO4J_VERSION, Settings
from shopgraph.graphstore.core.errors import ConfigError, ServerError
from shopgraph.graphstore.server import local as server

GIB = 1024**3


def _free_ports(count: int) -> list[int]:
    """Distinct ports nobody listens on (held open together so they cannot repeat)."""
    with ExitStack() as stack:
        sockets = [stack.enter_context(socket.socket()) for _ in range(count)]
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    bolt, http = _free_ports(2)
    return Settings(home=tmp_path / "home", bolt_port=bolt, http_port=http)


def _write_pid(settings: Settings, text: str) -> Path:
    pid_file = settings.neo4j_home / "run" / "neo4j.pid"
    pid_file.parent.mkdir(parents=True)
    pid_file.write_text(text)
    return pid_file


# --- conf rendering and memory sizing ---------------------------------------------------


def test_conf_is_loopback_only_with_ports_auth_and_apoc(settings: Settings) -> None:
    conf = server.render_conf(settings, heap_mb=1024, pagecache_mb=512).splitlines()

    assert "server.default_listen_address=127.0.0.1" in conf
    assert f"server.bolt.listen_address=:{settings.bolt_port}" in conf
    assert f"server.http.listen_address=:{settings.http_port}" in conf
    assert "server.https.enabled=false" in conf
    assert "dbms.security.auth_enabled=true" in conf
    assert "dbms.security.procedures.unrestricted=apoc.*" in conf
    assert "server.memory.heap.max_size=1024m" in conf
    assert "server.memory.pagecache.size=512m" in conf
    assert "server.jvm.additional=--add-opens=java.base/java.nio=ALL-UNNAMED" in conf
    assert not any(line.startswith("initial.dbms.default_database") for line in conf)


def test_conf_names_the_default_database_when_one_is_configured(settings: Settings) -> None:
    conf = server.render_conf(settings.with_overrides(database="shop"), 1024, 512)

    assert "initial.dbms.default_database=shop" in conf.splitlines()


@pytest.mark.parametrize(
    ("total", "expected"),
    [
        (2 * GIB, (512, 256)),  # floors
        (24 * GIB, (3072, 1536)),  # this machine: an eighth and a sixteenth
        (256 * GIB, (4096, 2048)),  # caps
    ],
)
def test_memory_plan_scales_with_ram_within_bounds(total: int, expected: tuple[int, int]) -> None:
    assert server.memory_plan(total) == expected


@pytest.mark.parametrize(
    ("output", "major"),
    [
        ('openjdk version "17.0.15" 2025-04-15', 17),
        ('java version "1.8.0_392"', 8),
        ('openjdk version "21-ea" 2023-09-19', 21),
        ("no version here", None),
    ],
)
def test_java_major_reads_java_version_output(output: str, major: int | None) -> None:
    assert server.java_major(output) == major


# --- ports ------------------------------------------------------------------------------


def test_port_in_use_sees_a_listener(settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", settings.bolt_port))
        sock.listen()
        assert server.port_in_use(settings.bolt_port)
    assert not server.port_in_use(settings.bolt_port)


def test_busy_http_port_is_named_with_the_fix(settings: Settings) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", settings.http_port))
        sock.listen()
        with pytest.raises(ServerError) as err:
            server.check_ports(settings)

    message = str(err.value)
    assert f"HTTP port {settings.http_port} is already in use" in message
    assert "SHOPGRAPH_HTTP_PORT" in message
    assert "shopgraph neo4j stop" in message


def test_same_bolt_and_http_port_is_a_config_error(settings: Settings) -> None:
    with pytest.raises(ConfigError):
        server.check_ports(settings.with_overrides(http_port=settings.bolt_port))


# --- pid file ---------------------------------------------------------------------------


def test_pid_of_another_process_is_stale(settings: Settings) -> None:
    pid_file = _write_pid(settings, f"{os.getpid()}\n")  # alive, but not a Neo4j JVM

    assert not server.is_server_process(os.getpid(), settings.neo4j_home)
    current = server.status(settings)
    assert not current.running
    assert "stale pid file" in current.message
    assert pid_file.exists(), "status must not change anything"

    stopped = server.stop(settings)
    assert not stopped.running
    assert "stale pid file" in stopped.message and "removed" in stopped.message
    assert not pid_file.exists()


def test_pid_of_a_dead_process_is_stale(settings: Settings) -> None:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid_file = _write_pid(settings, done.stdout)

    assert not server.is_server_process(int(done.stdout), settings.neo4j_home)
    assert "stale pid file" in server.status(settings).message
    server.stop(settings)
    assert not pid_file.exists()


def test_garbage_pid_file_is_stale(settings: Settings) -> None:
    _write_pid(settings, "not a pid")

    assert "stale pid file" in server.status(settings).message


# --- errors before anything runs --------------------------------------------------------


def test_start_without_install_says_to_install(settings: Settings) -> None:
    with pytest.raises(ServerError, match="shopgraph neo4j install"):
        server.start(settings)
    assert "not installed" in server.status(settings).message


@pytest.mark.parametrize("call", [server.install, server.start, server.stop, server.status])
def test_external_uri_manages_nothing_locally(settings: Settings, call) -> None:
    external = settings.with_overrides(uri="neo4j://db.example:7687")

    with pytest.raises(ConfigError, match="external server"):
        call(external)


def test_missing_java_is_named_with_the_fix(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "")
    monkeypatch.delenv("JAVA_HOME", raising=False)

    with pytest.raises(ServerError, match="Java is not installed.*Fix: install OpenJDK 17"):
        server._check_java()


def test_missing_maven_is_named_with_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PATH", "")

    with pytest.raises(ServerError, match="Maven \\(mvn\\) is not installed.*Fix: install Maven"):
        server._run_maven(tmp_path)


def test_maven_failure_carries_its_error_and_the_fix(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    fake = tmp_path / "bin" / "mvn"
    fake.parent.mkdir()
    fake.write_text(
        "#!/bin/sh\necho '[INFO] ...'\necho '[ERROR] Could not transfer artifact: Network is unreachable'\n"
        "echo '[ERROR] '\nexit 1\n"
    )
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(fake.parent))

    with pytest.raises(ServerError) as err:
        server._run_maven(tmp_path)

    assert "Network is unreachable" in str(err.value)
    assert "Maven Central" in str(err.value)


def test_generated_password_is_private_and_reused(settings: Settings) -> None:
    password, generated = server._ensure_password(settings)

    assert generated and len(password) >= 32
    assert stat.S_IMODE(settings.password_file.stat().st_mode) == 0o600
    assert server._ensure_password(settings) == (password, False)
    assert server._ensure_password(settings.with_overrides(password="from-env")) == ("from-env", False)


def test_tail_log_returns_the_last_lines(settings: Settings) -> None:
    assert server.tail_log(settings) == []
    path = server.log_path(settings)
    path.parent.mkdir(parents=True)
    path.write_text("".join(f"line {i}\n" for i in range(100)))

    assert server.tail_log(settings, 3) == ["line 97", "line 98", "line 99"]


# --- a real server ----------------------------------------------------------------------


@pytest.mark.skipif(not (shutil.which("java") and shutil.which("mvn")), reason="needs Java 17+ and Maven")
def test_install_start_query_browse_stop(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    # One generated password in 64 starts with "-", which neo4j-admin once took for an option.
    monkeypatch.setattr(server.secrets, "token_urlsafe", lambda n: "-" + "x" * (n + 7))
    report = server.install(settings)
    assert settings.resolved_password().startswith("-x")
    assert report.version == NEO4J_VERSION and report.apoc_present and report.browser_present
    assert report.password_generated and report.password_file == settings.password_file
    assert stat.S_IMODE(settings.password_file.stat().st_mode) == 0o600
    assert server.install(settings).password_generated is False, "install is idempotent"

    started = server.start(settings, timeout_s=180)
    try:
        assert started.running and started.pid
        assert server.start(settings).pid == started.pid, "start is idempotent"
        moved = server.status(settings.with_overrides(bolt_port=1, http_port=2))
        assert moved.bolt_uri == settings.bolt_uri, "status reports the ports the server really uses"
        assert "shopgraph neo4j stop" in moved.message
        other_home = settings.with_overrides(home=settings.home.parent / "other")
        with pytest.raises(ServerError, match=f"Bolt port {settings.bolt_port} is already in use"):
            server.check_ports(other_home)

        auth = (settings.user, settings.resolved_password())
        with GraphDatabase.driver(settings.bolt_uri, auth=auth) as driver:
            assert driver.execute_query("RETURN 1 AS one").records[0]["one"] == 1
            apoc = driver.execute_query("RETURN apoc.version() AS v").records[0]["v"]
            assert apoc == APOC_VERSION
            driver.execute_query(
                "CREATE VECTOR INDEX probe_embedding IF NOT EXISTS FOR (p:Probe) ON p.embedding "
                "OPTIONS {indexConfig: {`vector.dimensions`: 3, `vector.similarity_function`: 'cosine'}}"
            )
            driver.execute_query(
                "UNWIND range(1, 10) AS i CREATE (:Probe {i: i, embedding: [toFloat(i), 1.0, toFloat(i % 3)]})"
            )
            driver.execute_query("CALL db.awaitIndexes(60)")
            rows = driver.execute_query(
                "CALL db.index.vector.queryNodes('probe_embedding', 3, [1.0, 1.0, 1.0]) "
                "YIELD node, score RETURN node.i AS i, score"
            ).records
            assert len(rows) == 3

        with urllib.request.urlopen(settings.browser_url, timeout=10) as response:
            assert response.status == 200
            assert response.headers.get_content_type() == "text/html"
            assert b"Neo4j Browser" in response.read()
    finally:
        stopped = server.stop(settings)

    assert not stopped.running
    assert not psutil.pid_exists(started.pid)
    assert not (settings.neo4j_home / "run" / "neo4j.pid").exists()
    assert not server.status(settings).running

    # A JVM that dies during start-up is reported with its log, and nothing is left behind.
    monkeypatch.setattr(server, "JVM_FLAGS", (*server.JVM_FLAGS, "-XX:+NoSuchShopgraphFlag"))
    with pytest.raises(ServerError, match="(?s)exited with code.*NoSuchShopgraphFlag"):
        server.start(settings, timeout_s=60)
    assert not (settings.neo4j_home / "run" / "neo4j.pid").exists()
