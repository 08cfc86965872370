"""Streaming CSV input with line numbers, header checks and a rejects report."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import IO, Any

from shopgraph.graphstore.core.errors import InputError

REJECT_COLUMNS = ["file", "line", "status", "reason", "raw"]


class RowError(ValueError):
    """A row that cannot be loaded; the message says which field and why."""


@dataclass(frozen=True)
class Row:
    """One data row: its 1-based physical line number, values by column, and its raw text."""

    line: int
    values: dict[str, str]
    raw: str


class RejectLog:
    """Collects rejected and repaired rows into a CSV report (file, line, status, reason, raw).

    The report is written as rows arrive, so a crash keeps what was already
    reported. ``path=None`` keeps only the counts (for benchmarks and dry runs).
    """

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self.rejected = 0
        self.repaired = 0
        self.first_errors: list[str] = []
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def _write(self, file: str, line: int, status: str, reason: str, raw: str) -> None:
        if len(self.first_errors) < 5:
            self.first_errors.append(f"{file}:{line}: {status}: {reason}")
        if self.path is None:
            return
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._handle = self.path.open("w", newline="", encoding="utf-8")
            self._writer = csv.writer(self._handle)
            self._writer.writerow(REJECT_COLUMNS)
        self._writer.writerow([file, line, status, reason, raw])
        assert self._handle is not None  # set together with _writer
        self._handle.flush()

    def reject(self, file: str, line: int, reason: str, raw: str) -> None:
        """Record a row that was not loaded."""
        self.rejected += 1
        self._write(file, line, "rejected", reason, raw)

    def repair(self, file: str, line: int, reason: str, raw: str) -> None:
        """Record a row that was loaded after a repair the user should know about."""
        self.repaired += 1
        self._write(file, line, "repaired", reason, raw)

    def close(self) -> None:
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._writer = None

    def __enter__(self) -> RejectLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_text(path: Path) -> IO[str]:
    """Open ``path`` for reading as UTF-8 text (a BOM is skipped), or fail naming the file."""
    try:
        return path.open("r", newline="", encoding="utf-8-sig")
    except OSError as e:
        raise InputError(f"cannot open {path}: {e.strerror}") from e


def read_rows(
    path: Path,
    required: Sequence[str],
    rejects: RejectLog,
    overflow_into: str | None = None,
) -> Iterator[Row]:
    """Stream the data rows of the CSV file ``path``.

    Args:
        path: CSV file with a header row.
        required: columns that must be in the header.
        rejects: where rows with the wrong number of fields go.
        overflow_into: a last column that may contain unquoted commas; rows with
            extra fields are repaired by joining them back into it (and reported).

    Raises:
        InputError: the file cannot be read, is empty, or lacks required columns.
    """
    with open_text(path) as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError(f"{path}: the file is empty; expected a header with {list(required)}") from None
        except csv.Error as e:
            raise InputError(f"{path}: cannot parse the header: {e}") from e
        header = [h.strip() for h in header]
        missing = [c for c in required if c not in header]
        if missing:
            raise InputError(f"{path}: missing required columns {missing}; found {header}")
        if overflow_into is not None and header[-1] != overflow_into:
            overflow_into = None
        width = len(header)
        name = path.name
        previous = reader.line_num
        while True:
            try:
                fields = next(reader)
            except StopIteration:
                return
            except csv.Error as e:
                rejects.reject(name, reader.line_num, f"unparseable CSV: {e}", "")
                previous = reader.line_num
                continue
            line = previous + 1
            previous = reader.line_num
            if not fields or all(not f.strip() for f in fields):
                continue
            raw = ",".join(fields)
            if len(fields) > width and overflow_into is not None:
                rejects.repair(
                    name,
                    line,
                    f"{len(fields)} fields for {width} columns: unquoted commas joined into {overflow_into}",
                    raw,
                )
                fields = fields[: width - 1] + [",".join(fields[width - 1 :])]
            if len(fields) != width:
                rejects.reject(name, line, f"expected {width} fields, got {len(fields)}", raw)
                continue
            yield Row(line, dict(zip(header, fields, strict=True)), raw)


def read_jsonl(path: Path, required: Sequence[str], rejects: RejectLog) -> Iterator[Row]:
    """Stream JSON Lines objects as rows; lines that are not objects, or miss required keys, are rejected.

    Unlike CSV, a JSON Lines file has no header, so required keys are checked per line.
    """
    with open_text(path) as handle:
        for line_no, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as e:
                rejects.reject(path.name, line_no, f"invalid JSON: {e.msg} at column {e.colno}", text.rstrip("\n"))
                continue
            if not isinstance(value, dict):
                rejects.reject(path.name, line_no, "expected a JSON object", text.rstrip("\n"))
                continue
            missing = [k for k in required if k not in value]
            if missing:
                rejects.reject(path.name, line_no, f"missing required keys {missing}", text.rstrip("\n"))
                continue
            values = {k: _jsonl_text(v) for k, v in value.items()}
            yield Row(line_no, values, text.rstrip("\n"))


def _jsonl_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def require(values: dict[str, str], column: str) -> str:
    """The stripped value of ``column``; RowError if it is empty."""
    value = values.get(column, "").strip()
    if not value:
        raise RowError(f"missing required field {column!r}")
    return value


def parse_date(values: dict[str, str], column: str) -> date:
    """An ISO date (YYYY-MM-DD) from ``column``; RowError naming the value otherwise."""
    text = require(values, column)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"bad date in {column!r}: {text!r} (expected YYYY-MM-DD)") from None


def parse_float(values: dict[str, str], column: str, required: bool = False) -> float | None:
    """A non-negative number from ``column``; None when empty and not ``required``."""
    text = values.get(column, "").strip()
    if not text:
        if required:
            raise RowError(f"missing required field {column!r}")
        return None
    try:
        number = float(text)
    except ValueError:
        raise RowError(f"bad number in {column!r}: {text!r}") from None
    if number != number or number < 0:
        raise RowError(f"{column!r} must be a non-negative number, got {text!r}")
    return number


def parse_int(values: dict[str, str], column: str) -> int | None:
    """An integer from ``column`` ("2010" or "2010.0"); None when empty."""
    number = parse_float(values, column)
    if number is None:
        return None
    if number != int(number):
        raise RowError(f"{column!r} must be a whole number, got {values[column]!r}")
    return int(number)


def image_beside(catalog: Path, relative: str) -> str | None:
    """The path of a product photo next to the catalog file, if it exists."""
    candidate = catalog.parent / relative
    return str(candidate.resolve()) if candidate.is_file() else None
