"""The photo-folder lock: one run at a time per folder, released on exit and on a stale pid."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from shopgraph.cli.main import cli
from shopgraph.graphstore.core.errors import Busy
from shopgraph.graphstore.core.locks import hold, lock_file

HOLDER = """
import sys, time
from pathlib import Path
from shopgraph.graphstore.core.locks import hold
with hold(Path(sys.argv[1]), "images", [sys.argv[2]], "shopgraph ingest images"):
    print("held", flush=True)
    time.sleep(float(sys.argv[3]))
"""


def start_holder(home: Path, target: str, seconds: float) -> subprocess.Popen[str]:
    """Another process holding the lock of ``target`` for ``seconds``, once it says so."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(home), target, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline() == "held\n"
    return holder


def test_a_second_run_on_the_folder_is_told_who_holds_it(tmp_path: Path) -> None:
    target = str(tmp_path / "photos")
    holder = start_holder(tmp_path, target, 60)
    try:
        with pytest.raises(Busy) as raised, hold(tmp_path, "images", [target], "shopgraph ingest images"):
            pass
        assert str(raised.value).startswith(f"another `shopgraph ingest images` (pid {holder.pid} on ")
        assert str(raised.value).endswith(f"is working on {target}; wait for it to finish, or run again with --wait")
        assert raised.value.exit_code == 10
    finally:
        holder.terminate()
        holder.wait()


def test_the_lock_is_released_on_exit_and_the_file_removed(tmp_path: Path) -> None:
    target = str(tmp_path / "photos")
    with hold(tmp_path, "images", [target], "shopgraph ingest images"):
        owner = json.loads(lock_file(tmp_path, "images", target).read_text())
        assert (owner["pid"], owner["path"]) == (os.getpid(), target)
    assert not lock_file(tmp_path, "images", target).exists()
    with hold(tmp_path, "images", [target, target], "shopgraph ingest images"):
        pass


def test_a_lock_left_by_a_killed_run_is_taken_over(tmp_path: Path) -> None:
    target = str(tmp_path / "photos")
    holder = start_holder(tmp_path, target, 60)
    holder.send_signal(signal.SIGKILL)
    holder.wait()
    left = lock_file(tmp_path, "images", target)
    assert json.loads(left.read_text())["pid"] == holder.pid  # the stale pid is still written there
    with hold(tmp_path, "images", [target], "shopgraph ingest images"):
        assert json.loads(left.read_text())["pid"] == os.getpid()


def test_with_wait_a_second_run_waits_for_the_first(tmp_path: Path) -> None:
    target = str(tmp_path / "photos")
    holder = start_holder(tmp_path, target, 1.5)
    said: list[str] = []
    started = time.monotonic()
    with hold(tmp_path, "images", [target], "shopgraph ingest images", wait=True, waiting=said.append):
        waited = time.monotonic() - started
    holder.wait()
    assert holder.returncode == 0 and waited > 0.5
    assert len(said) == 1 and said[0].endswith(f"is working on {target}; waiting for it to finish")


def test_runs_on_other_folders_do_not_wait(tmp_path: Path) -> None:
    holder = start_holder(tmp_path, str(tmp_path / "a"), 60)
    try:
        with hold(tmp_path, "images", [str(tmp_path / "b")], "shopgraph ingest images"):
            pass
    finally:
        holder.terminate()
        holder.wait()


def test_a_failed_take_releases_the_locks_taken_before_it(tmp_path: Path) -> None:
    held, free = str(tmp_path / "b"), str(tmp_path / "a")
    holder = start_holder(tmp_path, held, 60)
    try:
        with pytest.raises(Busy), hold(tmp_path, "images", [held, free], "shopgraph ingest images"):
            pass
        assert not lock_file(tmp_path, "images", free).exists()
    finally:
        holder.terminate()
        holder.wait()


def test_ingest_images_exits_10_while_another_run_holds_the_folder(tmp_path: Path) -> None:
    photos = tmp_path / "photos"
    photos.mkdir()
    holder = start_holder(tmp_path, str(photos.resolve()), 60)
    env = {"SHOPGRAPH_HOME": str(tmp_path), "NEO4J_URI": "bolt://127.0.0.1:1", "NEO4J_PASSWORD": "x"}
    try:
        result = CliRunner().invoke(cli, ["ingest", "images", str(photos / "." / "")], env=env)
        assert result.exit_code == 10, result.output
        assert result.stderr.startswith(f"error: another `shopgraph ingest images` (pid {holder.pid} on ")
        assert "or run again with --wait" in " ".join(result.stderr.split())
        result = CliRunner().invoke(cli, ["ingest", "images", str(photos / "a.jpg"), "--json"], env=env)
        assert (result.exit_code, json.loads(result.stdout)["exit_code"]) == (10, 10)
        result = CliRunner().invoke(cli, ["ingest", "images", str(photos / "*.png")], env=env)
        assert result.exit_code == 10
    finally:
        holder.terminate()
        holder.wait()
