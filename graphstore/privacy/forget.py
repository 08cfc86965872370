"""``shopgraph privacy forget``: erase a customer and everything derived from them.

In the graph: the Customer node with its PURCHASED, PREFERS and RECOMMENDED relationships and its
recommender vector (so its vector-index entry), and the products that existed only through their
purchases. Every ModelRun is marked ``stale`` (the models learnt from their purchases; the next
``shopgraph train`` rebuilds them from the graph without them and clears the mark).

In the data directory (``Settings.home``), found by a byte-wise search for the id and the vector
(:mod:`graphstore.privacy.scan`), outside the Neo4j server's own folder:

* rejects reports (``reports/*.csv``) are rewritten without the lines that hold them;
* every other file that holds them is deleted: model checkpoints (they store the customer's id and
  vector) and evaluation outputs are derived files that ``train`` and ``evaluate`` rebuild.

The Neo4j server's files (``neo4j/data``, ``neo4j/logs``) are searched as well but not edited:
Neo4j keeps the bytes of deleted records in its store files, index pages and transaction logs until
they are reused or pruned. Those files are listed in :attr:`ForgetReport.server_residue`
(docs/privacy.md says what that means and how to purge them).

What was removed is appended to ``<home>/privacy/forgotten.jsonl`` without the id: only
``HMAC-SHA256(salt, id)`` and the date, the salt kept beside the Neo4j password (mode 0600).
Forgetting again finds nothing, writes nothing and says it was forgotten before.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from neo4j import Driver

from shopgraph.cypher.internal import privacy as q
from shopgraph.graphstore.core.config import Settings
from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.pseudonym import Pseudonymiser, secret_bytes
from shopgraph.graphstore.core.runner import read, write
from shopgraph.graphstore.privacy.scan import Needle, data_files, holds, needles, server_files

LOG = Path("privacy") / "forgotten.jsonl"
"""The forget log, relative to the data directory."""
REPORTS = Path("reports")
"""Ingestion's rejects reports (rewritten without the customer's lines)."""


@dataclass(frozen=True)
class ForgetReport:
    """What ``forget_customer`` removed. ``subject`` is HMAC-SHA256(salt, id), hex; file paths are
    relative to the data directory; ``server_residue`` maps Neo4j files still holding the id or
    vector bytes to what they hold."""

    subject: str
    date: str
    found: bool
    forgotten_before: bool
    customer: int = 0
    purchases: int = 0
    preferences: int = 0
    recommended: int = 0
    relationships: int = 0
    products: int = 0
    model_runs_marked_stale: int = 0
    files_deleted: list[str] = field(default_factory=list)
    files_rewritten: list[str] = field(default_factory=list)
    server_residue: dict[str, list[str]] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def subject_hash(salt: bytes, customer_id: str) -> str:
    """``HMAC-SHA256(salt, customer_id)`` in hex: the only trace of a forgotten id."""
    return hmac.new(salt, customer_id.encode("utf-8"), hashlib.sha256).hexdigest()


def graph_id(driver: Driver, settings: Settings, customer_id: str, database: str | None = None) -> str | None:
    """The id the graph knows ``customer_id`` by: itself, else its pseudonym (when a pseudonym key
    exists, the graph may have been ingested with ``--pseudonymise``); None when neither is there."""
    candidates = [customer_id]
    if settings.pseudonym_key_file.exists():
        candidates.append(Pseudonymiser(secret_bytes(settings.pseudonym_key_file)).customer(customer_id))
    for candidate in candidates:
        if read(driver, q.CUSTOMER_FOOTPRINT, {"id": candidate}, what="reading the customer", database=database):
            return candidate
    return None


def _forgotten(log: Path, subject: str) -> bool:
    if not log.exists():
        return False
    with log.open(encoding="utf-8") as handle:
        return any(json.loads(line).get("subject") == subject for line in handle if line.strip())


def _rewrite_without(path: Path, patterns: tuple[Needle, ...]) -> None:
    """``path`` without the lines holding any of ``patterns`` (a rejects report's rows are lines)."""
    kept = [line for line in path.read_bytes().splitlines(keepends=True) if not any(n.data in line for n in patterns)]
    path.write_bytes(b"".join(kept))


def _clean_files(home: Path, patterns: tuple[Needle, ...]) -> tuple[list[str], list[str], dict[str, list[str]]]:
    deleted: list[str] = []
    rewritten: list[str] = []
    residue: dict[str, list[str]] = {}
    for path in data_files(home):
        relative = path.relative_to(home)
        if relative == LOG or not holds(path, patterns):
            continue
        if relative.parts[:1] == REPORTS.parts and path.suffix == ".csv":
            _rewrite_without(path, patterns)
            rewritten.append(str(relative))
            if holds(path, patterns):  # the id in the file name, not in a line
                path.unlink()
                deleted.append(str(relative))
        else:
            path.unlink()
            deleted.append(str(relative))
    for path in server_files(home):
        found = holds(path, patterns)
        if found:
            residue[str(path.relative_to(home))] = list(found)
    return deleted, rewritten, residue


def forget_customer(driver: Driver, settings: Settings, customer_id: str, database: str | None = None) -> ForgetReport:
    """Erase ``customer_id`` from the graph and the data directory (see the module) and log it.

    Args:
        driver: an open driver.
        settings: where the data directory, the salt and the pseudonym key are.
        customer_id: the id as the graph holds it, or the raw id of a pseudonymised customer.
        database: the database to change.

    Returns:
        A :class:`ForgetReport`; ``found`` is False when neither the graph nor a file held them.

    Raises:
        InputError: ``customer_id`` is empty.
        WriteFailed: the erasure failed (nothing is logged then; run it again).
    """
    if not customer_id.strip():
        raise InputError("privacy forget: the customer id is empty")
    salt = secret_bytes(settings.forget_salt_file)
    subject = subject_hash(salt, customer_id)
    today = datetime.now(UTC).date().isoformat()
    log = settings.home / LOG
    known = graph_id(driver, settings, customer_id, database)
    ids = {customer_id} | ({known} if known else set())
    counts: dict[str, int] = {}
    vector = None
    if known is not None:
        row = read(driver, q.CUSTOMER_FOOTPRINT, {"id": known}, what="reading the customer", database=database)[0]
        vector = row["vector"]
        counts = {k: int(row[k]) for k in ("purchases", "preferences", "recommended", "relationships")}
        erased = write(driver, q.FORGET_CUSTOMER, {"id": known}, what="erasing the customer", database=database)
        counts["customer"] = 1
        counts["products"] = int(erased.records[0]["n"]) if erased.records else 0
        stale = write(driver, q.MARK_MODELS_STALE, {"today": today}, what="marking models stale", database=database)
        counts["model_runs_marked_stale"] = int(stale.records[0]["n"]) if stale.records else 0
    deleted, rewritten, residue = _clean_files(settings.home, needles(sorted(ids), vector))
    found = known is not None or bool(deleted or rewritten)
    before = _forgotten(log, subject)
    report = ForgetReport(
        subject=subject,
        date=today,
        found=found,
        forgotten_before=before,
        files_deleted=deleted,
        files_rewritten=rewritten,
        server_residue=residue,
        **counts,
    )
    if found:
        log.parent.mkdir(parents=True, exist_ok=True)
        entry = {k: v for k, v in report.as_dict().items() if k not in ("found", "forgotten_before", "server_residue")}
        with log.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps(entry, sort_keys=True) + "\n")
    return report
