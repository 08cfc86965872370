"""Typed CSV files in the input format of ``neo4j-admin database import``.

A :class:`CsvTable` is one group of nodes of a label (or relationships of a type): a header file,
whose columns carry Neo4j types (``name:string``, ``sourceLine:long``, ``rules:string[]``,
``date:date``), and data parts. Column types are learned from the values as rows stream in, so
the header of a part is written when the part closes. A row with a property the current part
lacks, or a value whose type differs from that column's, starts a new part (with its own header),
so nothing is held in memory but the column list.

Encoding, so that the import gives the values the online loader's Cypher gives:

* ``None`` is an empty, unquoted field: no property (as ``SET n += {k: null}`` leaves none);
* strings are always quoted, so an empty string stays an empty string;
* booleans ``true``/``false``, integers as ``long``, floats as ``double`` (``repr``, which
  round-trips), ``datetime.date`` as ``date``;
* lists as arrays, elements joined by :data:`ARRAY_DELIMITER` (U+001F, the unit separator, which
  no text field here holds; one that does is refused rather than split).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

ARRAY_DELIMITER = "\x1f"
ARRAY_DELIMITER_OPTION = "U+001F"

# Python type → Neo4j import type. bool before int: True is an int in Python.
_SCALARS: tuple[tuple[type, str], ...] = ((bool, "boolean"), (int, "long"), (float, "double"), (str, "string"))


def value_type(value: Any) -> str | None:
    """The import type of ``value`` (``string``, ``long``, ``double[]`` ...); None for None or an empty list.

    Raises:
        ValueError: a value of a type Neo4j cannot store as a property (a dict, mixed lists).
    """
    if value is None:
        return None
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return "date"
    if isinstance(value, (list, tuple)):
        types = {value_type(v) for v in value}
        if not types:
            return None
        if len(types) != 1 or None in types or any(t and t.endswith("[]") for t in types):
            raise ValueError(f"a list property needs elements of one scalar type, got {value!r}")
        return f"{types.pop()}[]"
    for python_type, name in _SCALARS:
        if isinstance(value, python_type):
            return name
    raise ValueError(f"cannot store {type(value).__name__} {value!r} as a Neo4j property")


def encode(value: Any) -> str:
    """One CSV field for ``value`` (see the module docstring for the rules).

    Raises:
        ValueError: an array element holds the array delimiter, or the value has no import type.
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        parts = []
        for element in value:
            text = element if isinstance(element, str) else encode(element)
            if ARRAY_DELIMITER in text:
                raise ValueError(f"array element {element!r} holds the array delimiter U+001F")
            parts.append(text)
        return _quote(ARRAY_DELIMITER.join(parts))
    if isinstance(value, str):
        return _quote(value)
    raise ValueError(f"cannot store {type(value).__name__} {value!r} as a Neo4j property")


def _quote(text: str) -> str:
    return '"' + text.replace('"', '""') + '"'


@dataclass
class _Part:
    data: Path
    header: Path
    columns: list[str]
    types: dict[str, str | None]
    handle: IO[str]
    multiline: bool = False


@dataclass
class CsvTable:
    """The nodes of one label (``kind="nodes"``) or relationships of one type, as import CSV parts.

    Args:
        folder: where the parts go (``<name>-<n>.csv`` and ``<name>-<n>.header.csv``).
        name: file stem, unique within ``folder``.
        kind: ``nodes`` or ``relationships``.
        label: the node label or relationship type the import gives these rows.
        keys: the leading key columns as import headers, e.g. ``["id:ID(Product)"]`` or
            ``[":START_ID(Customer)", ":END_ID(Product)"]``; their values come first in each row.
        fixed_types: types of property columns that values alone do not show (``{"date": "date"}``
            for ISO date strings).
    """

    folder: Path
    name: str
    kind: str
    label: str
    keys: list[str]
    fixed_types: dict[str, str] = field(default_factory=dict)
    rows: int = 0
    _parts: list[_Part] = field(default_factory=list)

    def add(self, keys: list[Any], props: dict[str, Any]) -> None:
        """Append one row: the key column values, then the properties (None values set nothing).

        Raises:
            ValueError: a value cannot be stored as a property (see :func:`value_type`).
        """
        part = self._parts[-1] if self._parts else None
        types = {k: self.fixed_types.get(k) or value_type(v) for k, v in props.items()}
        if part is None or not self._fits(part, types):
            part = self._open(part, types)
        for column, kind in types.items():
            if kind is not None:
                part.types[column] = kind
        fields = [encode(v) for v in keys] + [encode(props.get(c)) for c in part.columns]
        line = ",".join(fields)
        if "\n" in line or "\r" in line:
            part.multiline = True
        part.handle.write(line + "\n")
        self.rows += 1

    @staticmethod
    def _fits(part: _Part, types: dict[str, str | None]) -> bool:
        for column, kind in types.items():
            if column not in part.types:
                if kind is not None:
                    return False
                continue
            known = part.types[column]
            if kind is not None and known is not None and known != kind:
                return False
        return True

    def _open(self, previous: _Part | None, types: dict[str, str | None]) -> _Part:
        columns = list(previous.columns) if previous else []
        known: dict[str, str | None] = {}
        if previous is not None:
            self._close(previous)
            known = {c: t for c, t in previous.types.items() if c not in types or types[c] in (None, t)}
        columns += [c for c in types if c not in columns]
        number = len(self._parts)
        data = self.folder / f"{self.name}-{number}.csv"
        part = _Part(
            data=data,
            header=self.folder / f"{self.name}-{number}.header.csv",
            columns=columns,
            types={c: known.get(c) for c in columns},
            handle=data.open("w", encoding="utf-8", newline=""),
        )
        self._parts.append(part)
        return part

    def _close(self, part: _Part) -> None:
        if part.handle.closed:
            return
        part.handle.close()
        # A column whose values were all None in this part imports nothing; any type does.
        columns = [f"{c}:{part.types[c] or 'string'}" for c in part.columns]
        part.header.write_text(",".join(self.keys + columns) + "\n", encoding="utf-8")

    def close(self) -> None:
        """Close the open part and write its header."""
        for part in self._parts:
            self._close(part)

    def import_options(self) -> list[str]:
        """The ``--nodes=Label=header,data`` (or ``--relationships=TYPE=...``) options of every part."""
        return [f"--{self.kind}={self.label}={p.header},{p.data}" for p in self._parts]

    def multiline_files(self) -> list[Path]:
        """The data parts holding a value with a line break (neo4j-admin parses only those as multi-line)."""
        return [p.data for p in self._parts if p.multiline]

    def bytes(self) -> int:
        """Bytes on disk of every part and header."""
        return sum(p.data.stat().st_size + p.header.stat().st_size for p in self._parts if p.header.exists())
