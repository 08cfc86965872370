"""Field values of a row as typed values: ids, dates, numbers, photo paths; RowError when they cannot be."""

from __future__ import annotations

import math
import unicodedata
from datetime import date
from pathlib import Path

# Control characters (C0, DEL, C1) and the Unicode line and paragraph separators: never part of an id.
_NOT_IN_IDS = frozenset({"Cc", "Zl", "Zp"})


class RowError(ValueError):
    """A row that cannot be loaded; the message says which field and why."""


def require(values: dict[str, str], column: str) -> str:
    """The stripped value of ``column``; RowError if it is empty."""
    value = values.get(column, "").strip()
    if not value:
        raise RowError(f"missing required field {column!r}")
    return value


def require_id(values: dict[str, str], column: str) -> str:
    """The stripped id in ``column``; RowError if it is empty or holds a control character."""
    value = require(values, column)
    for char in value:
        if unicodedata.category(char) in _NOT_IN_IDS:
            raise RowError(f"control character U+{ord(char):04X} in {column!r}: {value!r}")
    return value


def parse_date(values: dict[str, str], column: str) -> date:
    """An ISO date (YYYY-MM-DD) from ``column``; RowError naming the value otherwise."""
    text = require(values, column)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise RowError(f"bad date in {column!r}: {text!r} (expected YYYY-MM-DD)") from None


def parse_float(values: dict[str, str], column: str, required: bool = False) -> float | None:
    """A finite, non-negative number from ``column``; None when empty and not ``required``."""
    text = values.get(column, "").strip()
    if not text:
        if required:
            raise RowError(f"missing required field {column!r}")
        return None
    try:
        number = float(text)
    except ValueError:
        raise RowError(f"bad number in {column!r}: {text!r}") from None
    if not math.isfinite(number) or number < 0:
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


def digits(text: str, column: str, most: int | None = None) -> str:
    """``text`` stripped if it is ASCII digits only (at most ``most`` of them); RowError otherwise.

    ``str.isdigit`` alone would let superscripts and other scripts' digits ("²", "١٢") through.
    """
    text = text.strip()
    if not (text.isascii() and text.isdigit()) or (most is not None and len(text) > most):
        limit = f"up to {most} digits" if most is not None else "digits"
        raise RowError(f"bad {column} {text!r}: expected {limit}")
    return text


def image_beside(catalog: Path, relative: str) -> str | None:
    """The path of a product photo next to the catalog file, if it exists."""
    candidate = catalog.parent / relative
    return str(candidate.resolve()) if candidate.is_file() else None
