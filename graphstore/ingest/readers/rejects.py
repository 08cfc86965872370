"""The rejects report, and the count of rows read, rejected and repaired that it keeps."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import IO, Any

from shopgraph.graphstore.ingest.readers.textfile import printable

REJECT_COLUMNS = ["file", "line", "status", "reason", "raw"]


class RejectLog:
    """Collects rejected and repaired rows into a CSV report (file, line, status, reason, raw).

    It also keeps the run's accounting: ``rows_read`` (counted by the row streamers as they read),
    ``rejected`` (rows not loaded) and ``repaired`` (rows loaded after a repair, each counted once
    however many repairs it had, and not at all if it was rejected after all); every other row
    read is loaded as it was. The report is written as rows arrive, so a crash keeps what was
    already reported. ``path=None`` keeps only the counts (for benchmarks and dry runs).
    ``withhold_raw`` leaves the raw line out (its ``raw`` column says so): a pseudonymised ingest
    must not copy raw customer ids into the report.
    """

    def __init__(self, path: Path | None, withhold_raw: bool = False) -> None:
        self.path = path
        self.withhold_raw = withhold_raw
        self.rows_read = 0
        self.rejected = 0
        self.repaired = 0
        self.first_errors: list[str] = []
        self._repaired_row: tuple[str, int] | None = None
        self._handle: IO[str] | None = None
        self._writer: Any = None

    def _write(self, file: str, line: int, status: str, reason: str, raw: str) -> None:
        if self.withhold_raw:
            raw = "(withheld: pseudonymised ingest)"
        file, reason, raw = printable(file), printable(reason), printable(raw)
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

    def count_read(self, rows: int = 1) -> None:
        """Count ``rows`` rows read from the file (each is then loaded, repaired or rejected)."""
        self.rows_read += rows

    def reject(self, file: str, line: int, reason: str, raw: str) -> None:
        """Record a row that was not loaded."""
        self.rejected += 1
        if self._repaired_row == (file, line):
            # Repaired first (unquoted commas joined), then found bad: it counts as rejected only.
            self.repaired -= 1
            self._repaired_row = None
        self._write(file, line, "rejected", reason, raw)

    def repair(self, file: str, line: int, reason: str, raw: str) -> None:
        """Record a repair of a row that is loaded, unless it is rejected next (see ``reject``)."""
        if self._repaired_row != (file, line):
            self.repaired += 1
            self._repaired_row = (file, line)
        self._write(file, line, "repaired", reason, raw)

    def close(self) -> None:
        """Close the report file (the counts stay)."""
        if self._handle is not None:
            self._handle.close()
            self._handle = None
            self._writer = None

    def __enter__(self) -> RejectLog:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
