"""Streaming JSON Lines rows, each value checked against the kind its field expects.

A JSON value becomes the text a CSV cell would hold: strings as they are, numbers written
out, ``null`` as empty, an array as its items joined by ``;`` where the field is a list
(colours, materials). Anything else where a field expects a scalar (an object, an array,
``true``), a fractional number as an id, or a string with undecodable bytes, a NUL or an
unpaired surrogate rejects the row with the field and the reason: no Python repr becomes data.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Literal

from shopgraph.graphstore.ingest.readers.csvio import Row
from shopgraph.graphstore.ingest.readers.fields import RowError
from shopgraph.graphstore.ingest.readers.rejects import RejectLog
from shopgraph.graphstore.ingest.readers.textfile import bad_character, open_text

FieldKind = Literal["id", "text", "number", "list"]
"""``id``: a string or a whole number; ``text``: a string or a number; ``number``: a number or a
numeric string (checked by the reader); ``list``: a scalar or an array of scalars."""
_EXPECTED: dict[FieldKind, str] = {
    "id": "a string or a whole number",
    "text": "a string or a number",
    "number": "a number",
    "list": "a string or an array of strings",
}


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "a JSON object"
    if isinstance(value, list):
        return "a JSON array"
    if isinstance(value, str):
        return "a JSON string"
    if value is None or isinstance(value, bool):
        return f"the JSON {json.dumps(value)}"
    return f"the number {value!r}"


def field_text(key: str, value: object, kind: FieldKind) -> str:
    """The text of the JSON ``value`` of field ``key``; RowError if ``kind`` does not allow it."""
    if value is None:
        return ""
    if isinstance(value, str):
        text = value
    elif isinstance(value, list) and kind == "list":
        text = ";".join(field_text(key, item, "text") for item in value)
    elif isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    elif isinstance(value, float) and kind != "id":
        text = str(value)
    else:
        raise RowError(f"field {key!r} holds {_json_kind(value)}; expected {_EXPECTED[kind]}")
    # Undecodable bytes were refused with the line; a surrogate here is a JSON escape.
    why = bad_character(text, f"field {key!r}", marks=False)
    if why is not None:
        raise RowError(why)
    return text


def read_jsonl(
    path: Path,
    fields: Mapping[str, FieldKind],
    required: Sequence[str],
    rejects: RejectLog,
    encoding: str | None = None,
) -> Iterator[Row]:
    """Stream the JSON Lines objects of ``path`` as rows of the ``fields`` it names (other keys are ignored).

    A JSON Lines file has no header, so each line is checked on its own: lines that are not
    JSON, not an object, miss a ``required`` key or hold a value its field does not allow are
    rejected with the reason; blank lines are not rows.

    Raises:
        InputError: the file cannot be read or is not text.
    """
    with open_text(path, encoding) as handle:
        for line_no, text in enumerate(handle, start=1):
            if not text.strip():
                continue
            rejects.count_read()
            raw = text.rstrip("\r\n")
            why = bad_character(raw, "the line")
            if why is not None:
                rejects.reject(path.name, line_no, why, raw)
                continue
            try:
                value = json.loads(text.lstrip("\ufeff") if line_no == 1 else text)
            except json.JSONDecodeError as e:
                rejects.reject(path.name, line_no, f"invalid JSON: {e.msg} at column {e.colno}", raw)
                continue
            except (ValueError, RecursionError) as e:
                # Integers of more than 4300 digits, arrays nested thousands deep.
                rejects.reject(path.name, line_no, f"invalid JSON: {e}", raw)
                continue
            if not isinstance(value, dict):
                rejects.reject(path.name, line_no, f"expected a JSON object, got {_json_kind(value)}", raw)
                continue
            missing = [k for k in required if k not in value]
            if missing:
                rejects.reject(path.name, line_no, f"missing required keys {missing}", raw)
                continue
            try:
                values = {key: field_text(key, value.get(key), kind) for key, kind in fields.items()}
            except RowError as e:
                rejects.reject(path.name, line_no, str(e), raw)
                continue
            yield Row(line_no, values, raw)
