"""neo4j-admin against the local home: any admin command, bulk import, dump and load.

The admin tool (``org.neo4j.cli.AdminTool``, the ``neo4j-admin`` of a Neo4j tarball) runs from the
jars ``install`` linked into the home, with the home's configuration. Community edition cannot
stop one database while the server runs, so the commands that need the database offline
(``database import``, ``dump``, ``load``) run inside :func:`server_stopped`, which stops the
server and starts it again afterwards.

Each run is measured: wall time and the peak resident memory of the admin JVM (sampled every
0.2 s), so a benchmark can read what the import cost.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections import deque
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil

from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.defaults import ADMIN, SERVER
from shopgraph.graphstore.core.errors import NotEmpty, ServerError
from shopgraph.graphstore.server import local

ADMIN_TOOL = local.ADMIN_TOOL
DUMP_SUFFIX = ".dump"
_SAMPLE_S = 0.2
_OUTPUT_LINES = 200


@dataclass(frozen=True)
class AdminRun:
    """One neo4j-admin run: its arguments, exit code, last output lines, wall time and peak RSS."""

    args: tuple[str, ...]
    returncode: int
    output: str
    seconds: float
    peak_rss_bytes: int


@dataclass(frozen=True)
class DumpReport:
    """A database dumped to ``path`` (Neo4j's own dump format: loadable by Docker, a cluster or Aura)."""

    database: str
    path: Path
    bytes: int
    seconds: float
    restarted: bool


@dataclass(frozen=True)
class LoadReport:
    """A dump loaded into the local home's database, replacing what it held."""

    database: str
    path: Path
    seconds: float
    restarted: bool


def database_name(settings: Settings) -> str:
    """The local server's user database (``settings.database``, else Neo4j's default ``neo4j``)."""
    return settings.database or "neo4j"


def database_exists(settings: Settings) -> bool:
    """True once the local home holds a store for its user database (started once, imported or loaded)."""
    return (settings.neo4j_home / "data" / "databases" / database_name(settings)).is_dir()


def run_admin(
    settings: Settings,
    args: Sequence[str],
    *,
    heap_mb: int = ADMIN.heap_mb,
    timeout_s: float = ADMIN.timeout_s,
    check: bool = True,
) -> AdminRun:
    """Run ``neo4j-admin ARGS`` against the local home; its exit code, output tail, time and peak memory.

    The output goes to ``<home>/logs/admin.log`` (rewritten per run) and its last 200 lines into
    ``AdminRun.output``.

    Args:
        args: the arguments after ``neo4j-admin`` (``["database", "info"]``).
        heap_mb: the admin JVM's maximum heap (default 1024).
        timeout_s: the run is killed after this long (default six hours).
        check: raise on a non-zero exit code instead of returning it.

    Raises:
        ConfigError: an external server is configured (NEO4J_URI).
        ServerError: Neo4j is not installed, Java is missing, the run timed out, or (with
            ``check``) it exited non-zero; the message carries the tool's last lines.
    """
    prefix, env = local.java_command(settings)
    home = settings.neo4j_home.absolute()
    if not (home / "conf" / "neo4j.conf").exists():
        # The tool reads the server's neo4j.conf, which a home that never started lacks yet.
        local.write_conf(settings)
    log = home / "logs" / "admin.log"
    log.parent.mkdir(parents=True, exist_ok=True)
    command = [prefix[0], f"-Xmx{heap_mb}m", *local.JVM_FLAGS, *prefix[1:], ADMIN_TOOL, *args]
    started = time.perf_counter()
    peak = 0
    with log.open("wb") as out:
        proc = subprocess.Popen(command, cwd=home, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
        try:
            watched = psutil.Process(proc.pid)
            while proc.poll() is None:
                if time.perf_counter() - started > timeout_s:
                    proc.kill()
                    proc.wait()
                    raise ServerError(f"neo4j-admin {' '.join(args)} ran past {timeout_s:g} s and was stopped")
                try:
                    peak = max(peak, watched.memory_info().rss)
                except psutil.Error:
                    pass
                time.sleep(_SAMPLE_S)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    with log.open(encoding="utf-8", errors="replace") as f:
        output = "".join(deque(f, maxlen=_OUTPUT_LINES))
    run = AdminRun(tuple(args), proc.returncode, output, time.perf_counter() - started, peak)
    if check and run.returncode != 0:
        raise ServerError(
            f"neo4j-admin {' '.join(args[:3])} failed (exit {run.returncode}); last lines of {log}:\n"
            + "\n".join(output.splitlines()[-15:])
        )
    return run


@contextmanager
def server_stopped(settings: Settings, restart: bool = True) -> Iterator[bool]:
    """Stop the local server for the duration (Community cannot take one database offline); yields whether it ran.

    Afterwards the server is started again if it ran before, unless ``restart`` is False.

    Raises:
        ConfigError: an external server is configured.
        ServerError: the server cannot be stopped or started again.
    """
    was_running = local.status(settings).running
    if was_running:
        local.stop(settings)
    try:
        yield was_running
    finally:
        if was_running and restart:
            local.start(settings, timeout_s=SERVER.start_timeout_s)


def dump_database(settings: Settings, path: Path) -> DumpReport:
    """Dump the local user database to the file ``path`` (``neo4j-admin database dump``).

    The server is stopped for the dump and started again if it ran. The dump is written beside
    ``path`` and renamed into place, so a failed dump never leaves a partial file under its name.

    Raises:
        ConfigError: an external server is configured.
        NotEmpty: ``path`` exists already (the message says so; nothing is overwritten).
        ServerError: nothing to dump yet, or neo4j-admin failed.
    """
    path = path.absolute()
    if path.exists():
        raise NotEmpty(f"{path} exists already; choose another path or remove it first")
    if not database_exists(settings):
        raise ServerError(
            f"the local home {settings.neo4j_home} has no database {database_name(settings)!r} to dump yet. "
            "Fix: run `shopgraph neo4j start` once (or load or import data) first."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    name = database_name(settings)
    staging = Path(tempfile.mkdtemp(prefix=".shopgraph-dump-", dir=path.parent))
    try:
        with server_stopped(settings) as was_running:
            run = run_admin(settings, ["database", "dump", name, f"--to-path={staging}", "--overwrite-destination"])
        (staging / f"{name}{DUMP_SUFFIX}").rename(path)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return DumpReport(name, path, path.stat().st_size, run.seconds, was_running)


def load_database(settings: Settings, path: Path, overwrite: bool = False) -> LoadReport:
    """Load the dump file ``path`` into the local user database (``neo4j-admin database load``).

    The server is stopped for the load and started again if it ran; schema, indexes and data all
    come from the dump.

    Args:
        overwrite: replace a database that exists already (its data is lost).

    Raises:
        ConfigError: an external server is configured.
        NotEmpty: the database exists and ``overwrite`` is False.
        ServerError: no such dump file, or neo4j-admin refused it.
    """
    path = path.absolute()
    if not path.is_file():
        raise ServerError(f"{path}: no such dump file")
    name = database_name(settings)
    if database_exists(settings) and not overwrite:
        raise NotEmpty(
            f"the local database {name!r} exists already; loading {path.name} would replace it. "
            "Fix: pass --overwrite (its current data is lost; `shopgraph db dump` it first to keep it)."
        )
    # neo4j-admin reads <database>.dump from a folder; a link gives the file that name without copying it.
    staging = Path(tempfile.mkdtemp(prefix=".shopgraph-load-", dir=settings.neo4j_home))
    try:
        (staging / f"{name}{DUMP_SUFFIX}").symlink_to(path)
        with server_stopped(settings) as was_running:
            run = run_admin(settings, ["database", "load", name, f"--from-path={staging}", "--overwrite-destination"])
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return LoadReport(name, path, run.seconds, was_running)
