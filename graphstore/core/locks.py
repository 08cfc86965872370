"""Locks in the data directory for the folders a long run works on, so that two runs do not do the work twice.

``shopgraph ingest images`` holds one lock per folder it works in (resolved: ``photos`` and
``./photos/`` are one; a file named locks its folder). The lock of a folder is the file
``<home>/locks/<kind>-<hash>.lock``, locked with ``flock`` and holding the owner's pid, host,
start time and path for the message another run prints. Released on exit: a run that ends
deletes its file. Released on a stale pid: the kernel drops an flock when its process ends,
however it ends (``kill -9`` included), so a file left behind names a pid that no longer runs
and the next run takes it over.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import socket
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

from shopgraph.graphstore.core.errors import Busy

LOCKS_DIR = "locks"
"""The folder of lock files, under the data directory (``<home>/locks``)."""


def lock_file(home: Path, kind: str, target: str) -> Path:
    """The lock file of ``target`` (a resolved path or pattern) for runs of ``kind``."""
    digest = hashlib.sha256(target.encode("utf-8", "surrogateescape")).hexdigest()[:20]
    return home / LOCKS_DIR / f"{kind}-{digest}.lock"


def _owner(fd: int) -> str:
    """Who holds the lock open as ``fd``, from what it wrote: "pid 123 on host since 12:03:04"."""
    try:
        info = json.loads(os.pread(fd, 4096, 0) or b"{}")
        return f"pid {info['pid']} on {info['host']}, since {info['started']}"
    except (OSError, ValueError, KeyError, TypeError):
        return "a run that is starting"


def _acquire(path: Path, target: str, command: str, wait: bool, waiting: Callable[[str], None]) -> int:
    """Lock ``path`` (creating it), as an open descriptor; Busy if another run holds it and not ``wait``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                message = f"another `{command}` ({_owner(fd)}) is working on {target}"
                if not wait:
                    raise Busy(f"{message}; wait for it to finish, or run again with --wait") from None
                waiting(f"{message}; waiting for it to finish")
                fcntl.flock(fd, fcntl.LOCK_EX)
            # The owner deletes its file before it lets go: a lock on a deleted file locks nothing.
            try:
                current = os.stat(path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                current = False
            if current:
                started = datetime.now().isoformat(timespec="seconds")
                owner = {"pid": os.getpid(), "host": socket.gethostname(), "started": started, "path": target}
                os.ftruncate(fd, 0)
                os.pwrite(fd, json.dumps(owner).encode(), 0)
                return fd
        except BaseException:
            os.close(fd)
            raise
        os.close(fd)


@contextmanager
def hold(
    home: Path,
    kind: str,
    targets: Sequence[str],
    command: str,
    wait: bool = False,
    waiting: Callable[[str], None] = lambda message: None,
) -> Iterator[None]:
    """Hold the locks of ``targets`` for the duration of the ``with`` block.

    Args:
        home: the data directory; the locks are in ``<home>/locks``.
        kind: what the run does (``images``), part of the lock's file name.
        targets: the resolved folders the run works in; taken in sorted order, so two
            waiting runs cannot each hold what the other waits for.
        command: the command as the message names it (``shopgraph ingest images``).
        wait: wait for another run that holds one of them instead of raising.
        waiting: called with a message when the run starts to wait.

    Raises:
        Busy: another run holds one of the locks and ``wait`` is False (those taken are released).
    """
    with ExitStack() as stack:
        for target in sorted(set(targets)):
            path = lock_file(home, kind, target)
            fd = _acquire(path, target, command, wait, waiting)
            stack.callback(os.close, fd)
            stack.callback(path.unlink, missing_ok=True)
        yield
