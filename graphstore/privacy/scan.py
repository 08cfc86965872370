"""Byte-wise search of the data directory for what identifies a customer: their id and their vector.

The search reads every file as bytes (a checkpoint, a CSV, a log alike), so it needs no knowledge of
the formats the plugins write; the needles are built by :func:`needles`.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

SERVER = Path("neo4j")
"""The Neo4j server's folder in the data directory."""
SERVER_FOLDERS = (SERVER / "data", SERVER / "logs")
"""Its folders that can hold data (the rest is jars, configuration and the pid file)."""

_CHUNK = 1 << 20
# Leading components of a vector searched for: 8 floats are 32 (float32) or 64 (float64) bytes,
# far too specific to match anything else by chance.
_VECTOR_PREFIX = 8


@dataclass(frozen=True)
class Needle:
    """``data`` to look for, and what it is (``id``, ``vector float32 LE``, ...)."""

    what: str
    data: bytes


def needles(ids: Iterable[str], vector: Sequence[float] | None) -> tuple[Needle, ...]:
    """The byte patterns that identify a customer.

    Each id as UTF-8; the vector's first 8 components as float32 and float64, little- and
    big-endian (torch checkpoints hold float32 little-endian, Neo4j's array store float64).
    """
    found = [Needle("id", i.encode("utf-8")) for i in ids if i]
    if vector:
        head = [float(x) for x in vector[:_VECTOR_PREFIX]]
        for size, code in (("float32", "f"), ("float64", "d")):
            for order, mark in (("LE", "<"), ("BE", ">")):
                found.append(Needle(f"vector {size} {order}", struct.pack(f"{mark}{len(head)}{code}", *head)))
    return tuple(found)


def holds(path: Path, patterns: Sequence[Needle]) -> tuple[str, ...]:
    """What of ``patterns`` the file ``path`` contains (read in 1 MiB chunks; a match across a chunk
    border is found, as consecutive chunks overlap by the longest pattern). Unreadable: ``()``."""
    if not patterns:
        return ()
    overlap = max(len(n.data) for n in patterns) - 1
    hits: set[str] = set()
    tail = b""
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                window = tail + chunk
                hits.update(n.what for n in patterns if n.data in window)
                tail = window[-overlap:] if overlap else b""
    except OSError:
        return ()
    names = {n.data: n.what for n in patterns}
    hits.update(names[n.data] for n in patterns if n.data in path.name.encode("utf-8"))
    return tuple(sorted(hits))


def files_under(root: Path) -> Iterator[Path]:
    """Every regular file below ``root`` (links not followed), in sorted order."""
    if not root.is_dir():
        return
    for path in sorted(root.rglob("*")):
        if path.is_file() and not path.is_symlink():
            yield path


def data_files(home: Path) -> Iterator[Path]:
    """The files of the data directory ``home`` that shopgraph writes: all but the Neo4j server's."""
    for path in files_under(home):
        if path.relative_to(home).parts[:1] != SERVER.parts:
            yield path


def server_files(home: Path) -> Iterator[Path]:
    """The Neo4j server's store, transaction logs and logs under ``home``."""
    for folder in SERVER_FOLDERS:
        yield from files_under(home / folder)
