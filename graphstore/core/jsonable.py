"""Library results as JSON: dataclasses, paths, dates and Neo4j temporal values included.

``shopgraph --json`` and the shopper's page (``assistant.serving``) write the same JSON for the
same result, so both call :func:`to_json`.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from pathlib import Path
from typing import Any


def jsonable(value: Any) -> Any:
    """``value`` as something :func:`json.dumps` writes: a dataclass as its dict, a path or date as its text.

    Neo4j's temporal values (anything with ``iso_format``) become ISO text; anything else its ``str``.
    """
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Path):
        return str(value)
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return str(value)


def to_json(data: Any, indent: int | None = 2) -> str:
    """``data`` as JSON text (non-ASCII kept as is, e.g. Chinese answers), converted by :func:`jsonable`."""
    return json.dumps(data, default=jsonable, indent=indent, ensure_ascii=False)
