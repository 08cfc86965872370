"""The shop's service policies (returns, sizes, delivery) as graph nodes the assistant answers from.

A policies CSV has the columns ``id, kind, title, applies_to, returnable, days, min_days, text``:

- ``kind``: ``returns``, ``sizes`` or ``delivery``;
- ``applies_to``: ``|``-separated ``category:<taxonomy id>`` and ``brand:<brand name>`` targets; empty
  for the shop-wide default of its kind;
- ``returnable``: ``true``/``false`` (returns), empty otherwise; ``days``: the return window or the
  longest delivery time; ``min_days``: the shortest delivery time.

Each row becomes ``(:Policy {id, kind, title, text, returnable, days, minDays, source, sourceLine})``
with ``-[:APPLIES_TO]->`` its categories and brands (``cypher/assistant/ask_load_policies.cypher``). The
assistant picks the most specific policy that applies (``cypher/assistant/ask_policy.cypher``): on the
category itself or its group, then the brand, then the department, then the default. The shipped
``assistant/data/policies.csv`` is a realistic example written for this project, not any
retailer's actual terms.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from neo4j import Driver

from shopgraph.graphstore.core.errors import InputError
from shopgraph.graphstore.core.runner import run_maintenance
from shopgraph.graphstore.core.text import slug
from shopgraph.graphstore.core.vocab import load_vocabulary
from shopgraph.graphstore.ingest.readers.textfile import bad_character, open_text, printable

KINDS = ("returns", "sizes", "delivery")
COLUMNS = ("id", "kind", "title", "applies_to", "returnable", "days", "min_days", "text")
_BOOLEANS = {"true": True, "yes": True, "false": False, "no": False, "": None}


@dataclass(frozen=True)
class PolicyReport:
    """What ``load_policies`` wrote: the file, the Policy nodes and their APPLIES_TO links."""

    file: str
    policies: int
    links: int


def default_policies_path() -> Path:
    """The shipped example policies, ``assistant/data/policies.csv``."""
    return Path(str(resources.files("shopgraph.assistant").joinpath("data", "policies.csv")))


def read_policies(path: Path) -> list[dict[str, Any]]:
    """The rows of a policies CSV as parameter rows for ``ask_load_policies``.

    Raises:
        InputError: the file cannot be read or is not text, lacks a column, or a row cannot be parsed,
            holds undecodable bytes, or has an empty id or title, a
            repeated id, an unknown kind or category, or a value that is not a boolean or a whole
            number of days; the message names the file, line and field.
    """
    with open_text(path) as handle:
        return _policy_rows(path, handle)


def _policy_rows(path: Path, handle: Iterable[str]) -> list[dict[str, Any]]:
    reader = csv.DictReader(handle)
    try:
        fieldnames = reader.fieldnames or []
    except csv.Error as e:
        raise InputError(f"{path}: cannot parse the header: {e}") from e
    missing = [c for c in COLUMNS if c not in fieldnames]
    if missing:
        raise InputError(f"{path}: policies need the columns {', '.join(COLUMNS)}; missing {', '.join(missing)}")
    categories = load_vocabulary().terms["Category"]
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    while True:
        line = reader.line_num + 1
        try:
            raw = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            raise InputError(f"{path}:{line}: cannot parse the row: {e}") from e
        row = {k: (v or "").strip() for k, v in raw.items() if k is not None}

        def bad(field: str, why: str, line: int = line) -> InputError:
            return InputError(f"{path}:{line}: field {field}: {why}")

        for field, value in row.items():
            why = bad_character(value, "the value")
            if why is not None:
                raise bad(printable(field), why)
        for field in ("id", "title"):
            if not row[field]:
                raise bad(field, "is empty")
        if row["id"] in seen:
            raise bad("id", f"{row['id']!r} appears twice")
        seen.add(row["id"])
        if row["kind"] not in KINDS:
            raise bad("kind", f"{row['kind']!r} is not one of {', '.join(KINDS)}")
        if row["returnable"].lower() not in _BOOLEANS:
            raise bad("returnable", f"{row['returnable']!r} is not true or false")
        days = {}
        for field in ("days", "min_days"):
            value = row[field]
            if value and not (value.isascii() and value.isdigit()):
                raise bad(field, f"{value!r} is not a whole number of days")
            days[field] = int(value) if value else None
        category_ids, brands = [], []
        for target in filter(None, (t.strip() for t in row["applies_to"].split("|"))):
            kind, _, value = target.partition(":")
            if kind == "category" and value in categories:
                category_ids.append(value)
            elif kind == "category":
                raise bad("applies_to", f"unknown category {value!r} (see graphstore/data/vocab/categories.csv)")
            elif kind == "brand" and slug(value):
                brands.append({"id": slug(value), "name": value})
            else:
                raise bad("applies_to", f"{target!r} is not category:<id> or brand:<name>")
        rows.append(
            {
                "id": row["id"],
                "props": {
                    "kind": row["kind"],
                    "title": row["title"],
                    "text": row["text"],
                    "returnable": _BOOLEANS[row["returnable"].lower()],
                    "days": days["days"],
                    "minDays": days["min_days"],
                    "source": path.name,
                    "sourceLine": line,
                },
                "categories": category_ids,
                "brands": brands,
            }
        )
    return rows


def load_policies(driver: Driver, path: Path | None = None, database: str | None = None) -> PolicyReport:
    """Write the policies of ``path`` (default: the shipped example) into the graph; re-running changes nothing.

    A policy's APPLIES_TO links are replaced by those of its row, so editing the file and loading it
    again moves them.

    Raises:
        InputError: the file is not a valid policies CSV (see :func:`read_policies`).
        QueryError: the write fails.
    """
    path = path or default_policies_path()
    rows = read_policies(path)
    result = run_maintenance(driver, "assistant/ask_load_policies", {"rows": rows}, database)
    written = result.rows[0] if result.rows else {"policies": 0, "links": 0}
    return PolicyReport(str(path), int(written["policies"]), int(written["links"] or 0))
