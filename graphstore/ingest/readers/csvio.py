"""Streaming CSV rows with physical line numbers, header checks, and runaway quotes told apart.

Every record the CSV parser returns is one row read, and each ends loaded, repaired or rejected
(the accounting of :class:`RejectLog`). A quoted field that runs over line ends is a *runaway
quote* when one of the lines it took parses, on its own, as a whole row: an unbalanced quote
that swallowed the rows after it, not a description with a line break. Then the line where the
quote opened and each line it swallowed are rejected apart, each with its own line number and
text, so they can be fixed and loaded again; they count as that many rows read.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO

from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.ingest.readers.rejects import RejectLog
from shopgraph.graphstore.ingest.readers.textfile import bad_character, open_text, printable


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based physical line number, values by column, and its raw text."""

    line: int
    values: dict[str, str]
    raw: str


class _Lines:
    """The lines of a text file, keeping those taken since ``clear`` (the current record's)."""

    def __init__(self, handle: IO[str]) -> None:
        self._lines = iter(handle)
        self.taken: list[str] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.taken.append(line)
        return line

    def clear(self) -> None:
        self.taken = []


def read_header(path: Path, encoding: str | None = None) -> list[str]:
    """The column names of the CSV file ``path`` (stripped); InputError if it has none or cannot be read."""
    with open_text(path, encoding) as handle:
        return _header(path, csv.reader(handle))


def _header(path: Path, reader: Iterator[list[str]]) -> list[str]:
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(f"{path}: the file is empty; expected a header row") from None
    except csv.Error as e:
        raise InputError(f"{path}: cannot parse the header: {e}") from e
    # A byte-order mark that the named encoding did not consume (utf-16-le with a mark).
    header = [h.strip() for h in header]
    if header:
        header[0] = header[0].lstrip("\ufeff").strip()
    if not any(header):
        raise InputError(f"{path}: the first line is empty; expected a header row")
    return header


def _parses_as_row(line: str, width: int) -> bool:
    if not line.strip():
        return False
    try:
        return len(next(csv.reader([line]), [])) == width
    except csv.Error:
        return False


def _bad_field(header: list[str], fields: list[str]) -> str | None:
    """Why a field of the row cannot be loaded (undecodable bytes, a NUL), naming the field; or None."""
    for index, value in enumerate(fields):
        why = bad_character(value, f"field {header[index] if index < len(header) else f'#{index + 1}'!r}")
        if why is not None:
            return why
    return None


def _reject_lines(rejects: RejectLog, name: str, first: int, lines: list[str], reason: str, each: str) -> None:
    """Reject a record of several lines: its first line with ``reason``, then every other non-blank one."""
    rejects.reject(name, first, reason, lines[0].rstrip("\r\n"))
    rejects.count_read()
    for offset, text in enumerate(lines[1:], start=1):
        if text.strip():
            rejects.reject(name, first + offset, each, text.rstrip("\r\n"))
            rejects.count_read()


def read_rows(
    path: Path,
    required: Sequence[str],
    rejects: RejectLog,
    overflow_into: str | None = None,
    encoding: str | None = None,
) -> Iterator[Row]:
    """Stream the data rows of the CSV file ``path``.

    Args:
        path: CSV file with a header row.
        required: columns that must be in the header.
        rejects: where rows that cannot be parsed go (wrong number of fields, runaway quotes,
            undecodable bytes, NUL characters), and the count of rows read.
        overflow_into: a last column that may contain unquoted commas; rows with
            extra fields are repaired by joining them back into it (and reported).
        encoding: the file's text encoding (:func:`open_text`); None for UTF-8 or UTF-16/32 with a mark.

    Yields:
        The rows that parsed, with all their fields; blank lines are not rows.

    Raises:
        InputError: the file cannot be read, is not text, is empty, or lacks required columns.
    """
    with open_text(path, encoding) as handle:
        lines = _Lines(handle)
        reader = csv.reader(lines)
        header = _header(path, reader)
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(f"{path}: missing required columns {missing}; found {printable(str(header))}")
        if overflow_into is not None and header[-1] != overflow_into:
            overflow_into = None
        width = len(header)
        name = path.name
        while True:
            lines.clear()
            first = reader.line_num + 1
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                last = first + len(lines.taken) - 1
                if len(lines.taken) > 1:
                    reason = f"unparseable CSV: {e} (lines {first}-{last}; each is listed on its own row)"
                else:
                    reason = f"unparseable CSV: {e}"
                _reject_lines(rejects, name, first, lines.taken, reason, f"part of the unparseable row of line {first}")
                continue
            if not fields or all(not f.strip() for f in fields):
                continue
            taken = lines.taken
            if len(taken) > 1 and any(_parses_as_row(text, width) for text in taken[1:]):
                swallowed = sum(1 for text in taken[1:] if text.strip())
                reason = (
                    f"quote opened on line {first} runs to line {first + len(taken) - 1}: "
                    f"{swallowed} rows swallowed (each is listed on its own row)"
                )
                _reject_lines(rejects, name, first, taken, reason, f"swallowed by the quote opened on line {first}")
                continue
            rejects.count_read()
            raw = "".join(taken).rstrip("\r\n")
            bad = _bad_field(header, fields)
            if bad is not None:
                rejects.reject(name, first, bad, raw)
                continue
            if len(fields) > width and overflow_into is not None:
                rejects.repair(
                    name,
                    first,
                    f"{len(fields)} fields for {width} columns: unquoted commas joined into {overflow_into}",
                    raw,
                )
                fields = fields[: width - 1] + [",".join(fields[width - 1 :])]
            if len(fields) != width:
                rejects.reject(name, first, f"expected {width} fields, got {len(fields)}", raw)
                continue
            yield Row(first, dict(zip(header, fields, strict=True)), raw)
