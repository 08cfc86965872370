"""The library of named, parameterized Cypher queries (``cypher/*.cypher``).

Each file starts with a header of ``//`` comment lines::

    // name: customer_profile
    // purpose: What a customer prefers, strongest first.
    // mode: read
    // param: customerId (string, required) the customer's id
    // param: limit (int, default 10) rows per kind
    // returns: kind, name, weight, share, support, lastPurchase
    // needs: foundation (customers, purchases, `shopgraph reason preferences`)

followed by one Cypher statement (or several, separated by lines ending in ``;``,
for ``mode: write`` maintenance queries). Parameters are always passed as
``$parameters``; the header is the contract that ``run_query`` checks them against.

The top folder is the analyst library (``shopgraph query --list``, the Browser guide). A plugin's
own named queries live in a subfolder named for it and are loaded by ``<folder>/<name>``: the
shopping assistant's as ``cypher.load("assistant/ask_policy")`` (``cypher/assistant/*.cypher``);
``available("assistant")`` lists them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from typing import Any

from shopgraph.graphstore.core.errors import QueryError

_HEADER = re.compile(r"^//\s*(\w+):\s*(.*)$")
# A sentence ends at a full stop and a space, but not at the one of "e.g." or "i.e.".
_SENTENCE_END = re.compile(r"(?<!\be\.g)(?<!\bi\.e)\.\s")
_NAME = re.compile(r"(?:(?P<folder>[a-z0-9_]+)/)?(?P<name>[a-z0-9_]+)")
FOLDERS = ("assistant",)
"""The subfolders of plugins' own named queries, apart from the analyst library."""
_PARAM = re.compile(r"^(\w+)\s*\(([\w<>\[\]]+)(?:,\s*(required|default\s+(.+?)))?\)\s*(.*)$")


def _parse_bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in {"true", "yes", "1"}:
        return True
    if lowered in {"false", "no", "0"}:
        return False
    raise ValueError(f"expected true or false, got {text!r}")


_TYPES: dict[str, Callable[[str], Any]] = {
    "string": str,
    "int": int,
    "float": float,
    "bool": _parse_bool,
    "date": lambda s: date.fromisoformat(s).isoformat(),
    "list<string>": lambda s: [v.strip() for v in s.split(",") if v.strip()],
    # An embedding on the command line: "0.1,0.2,..." or a JSON array "[0.1, 0.2, ...]".
    "list<float>": lambda s: [float(v) for v in s.strip().removeprefix("[").removesuffix("]").split(",") if v.strip()],
    "json": json.loads,
}


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    required: bool
    default: Any
    description: str

    def coerce(self, value: Any) -> Any:
        """``value`` (a CLI string or a Python value) converted to the declared type."""
        if not isinstance(value, str) or self.type == "string":
            return value
        try:
            return _TYPES[self.type](value)
        except (ValueError, json.JSONDecodeError) as e:
            raise QueryError(f"parameter {self.name} must be {self.type}: {e}") from e


@dataclass(frozen=True)
class NamedQuery:
    """A query file: its header fields and its statements."""

    name: str
    purpose: str
    mode: str
    params: tuple[Param, ...]
    returns: str
    needs: str
    statements: tuple[str, ...]

    @property
    def summary(self) -> str:
        """The purpose's first sentence, without its full stop (a listing's one-line description)."""
        end = _SENTENCE_END.search(self.purpose + " ")
        return self.purpose[: end.start()] if end else self.purpose

    def bind(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Parameters for the driver: ``values`` checked against the header, defaults filled in.

        Raises:
            QueryError: an unknown parameter, a missing required one, or a value of the wrong type.
        """
        known = {p.name: p for p in self.params}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise QueryError(f"query {self.name} has no parameter {unknown}; it takes {sorted(known) or 'none'}")
        bound = {}
        for param in self.params:
            if param.name in values:
                bound[param.name] = param.coerce(values[param.name])
            elif param.required:
                raise QueryError(f"query {self.name} needs --param {param.name}=<{param.type}>: {param.description}")
            else:
                bound[param.name] = param.default
        return bound


def _parse_default(param_type: str, text: str | None) -> Any:
    if text is None or text == "null":
        return None
    return Param("default", param_type, False, None, "").coerce(text.strip())


def parse(name: str, text: str) -> NamedQuery:
    """Parse a query file's ``text``.

    Raises:
        QueryError: the header lacks ``purpose`` or ``returns``, or a ``param`` line is malformed.
    """
    fields: dict[str, str] = {}
    params = []
    body_lines = []
    in_header = True
    for line in text.splitlines():
        match = _HEADER.match(line.strip()) if in_header else None
        if match:
            key, value = match.groups()
            if key == "param":
                p = _PARAM.match(value.strip())
                if p is None:
                    raise QueryError(f"{name}.cypher: bad param line {value!r}; expected 'name (type, default X) text'")
                pname, ptype, req, default, desc = p.groups()
                if ptype not in _TYPES:
                    raise QueryError(f"{name}.cypher: param {pname} has unknown type {ptype}; known: {sorted(_TYPES)}")
                params.append(Param(pname, ptype, req == "required", _parse_default(ptype, default), desc))
            else:
                fields[key] = fields.get(key, "") + (" " if key in fields else "") + value.strip()
            continue
        if line.strip().startswith("//") and in_header:
            continue
        in_header = False
        body_lines.append(line)
    for required in ("purpose", "returns"):
        if required not in fields:
            raise QueryError(f"{name}.cypher: header has no '// {required}:' line")
    body = "\n".join(body_lines).strip()
    statements = tuple(s.strip() for s in re.split(r";\s*\n", body + "\n") if s.strip())
    return NamedQuery(
        name=fields.get("name", name),
        purpose=fields["purpose"],
        mode=fields.get("mode", "read"),
        params=tuple(params),
        returns=fields["returns"],
        needs=fields.get("needs", ""),
        statements=statements,
    )


def load(name: str) -> NamedQuery:
    """The shipped query ``name``: file ``cypher/<name>.cypher``, or ``cypher/<folder>/<name>.cypher``
    for a ``<folder>/<name>`` such as ``assistant/ask_policy``.

    Raises:
        QueryError: a malformed name, or no such query.
    """
    match = _NAME.fullmatch(name)
    if match is None or (match["folder"] is not None and match["folder"] not in FOLDERS):
        raise QueryError(
            f"bad query name {name!r}: use lower-case letters, digits and underscores "
            f"(with a folder: {', '.join(f'{f}/<name>' for f in FOLDERS)})"
        )
    folder = resources.files(__name__)
    if match["folder"]:
        folder = folder.joinpath(match["folder"])
    resource = folder.joinpath(f"{match['name']}.cypher")
    if not resource.is_file():
        known = ", ".join(q.name for q in available(match["folder"]))
        raise QueryError(f"no query named {name!r}; known: {known}")
    return parse(match["name"], resource.read_text(encoding="utf-8"))


def available(folder: str | None = None) -> list[NamedQuery]:
    """Every shipped query of the analyst library by name, or of a plugin's ``folder`` (``assistant``).

    Raises:
        QueryError: ``folder`` is not one of :data:`FOLDERS`.
    """
    if folder is not None and folder not in FOLDERS:
        raise QueryError(f"no query folder {folder!r}; known: {', '.join(FOLDERS)}")
    root = resources.files(__name__).joinpath(folder) if folder else resources.files(__name__)
    prefix = f"{folder}/" if folder else ""
    files = sorted(f.name for f in root.iterdir() if f.name.endswith(".cypher"))
    return [load(prefix + f.removesuffix(".cypher")) for f in files]
