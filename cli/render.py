"""Output shared by every command: tables or ``--json``, messages, and progress bars."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shopgraph.graphstore.core.jsonable import to_json

if TYPE_CHECKING:
    from shopgraph.relational.recommend import Recommendations

console = Console()
err_console = Console(stderr=True)


def json_option(f: Callable[..., Any]) -> Callable[..., Any]:
    """The ``--json`` flag, identical on every command that prints data."""
    return click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON instead of tables.")(f)


def print_json(data: Any) -> None:
    """Write ``data`` (dataclasses, paths and dates included) as indented JSON on stdout."""
    click.echo(to_json(data))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(_cell(v) for v in value)
    return str(value)


def print_table(rows: Sequence[dict[str, Any]], columns: Sequence[str] | None = None, title: str | None = None) -> None:
    """Render ``rows`` (dicts) as a table with ``columns`` (default: the first row's keys)."""
    columns = list(columns or (rows[0].keys() if rows else []))
    table = Table(title=title, show_lines=False)
    for column in columns:
        table.add_column(column, overflow="fold")
    for row in rows:
        table.add_row(*(_cell(row.get(c)) for c in columns))
    console.print(table)


def print_pairs(pairs: dict[str, Any], title: str | None = None) -> None:
    """Render a mapping as a two-column table."""
    print_table([{"": k, "value": v} for k, v in pairs.items()], ["", "value"], title)


def info(message: str) -> None:
    err_console.print(message, highlight=False)


@contextmanager
def progress_bar(description: str, total: int | None) -> Iterator[Callable[[int], None]]:
    """A progress bar on stderr; yields a callback that takes the number of items done so far."""
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
    with Progress(*columns, console=err_console, transient=False) as bar:
        task = bar.add_task(description, total=total)

        def update(done: int) -> None:
            bar.update(task, completed=done)

        yield update


@contextmanager
def spinner(description: str) -> Iterator[Callable[[str], None]]:
    """A status line on stderr; yields a callback that replaces its text."""
    with err_console.status(description) as status:
        yield lambda text: status.update(text)


@contextmanager
def library_chatter_to_stderr() -> Iterator[None]:
    """Within the block, what libraries print on stdout goes to stderr instead.

    Around the calls into the plugins: Ultralytics prints its settings banner on stdout the first
    time it runs in a fresh home, and its logger keeps the stream it found then, so stdout holds
    only the command's own output and ``--json`` stays pure JSON.
    """
    with contextlib.redirect_stdout(sys.stderr):
        yield


def print_recommendations(result: Recommendations) -> None:
    """Recommendations as a table, one row per product with its reasons; the note first, if any."""
    if result.note:
        info(result.note)
    who = f"customer {result.customer}" if result.customer else "a new customer"
    rows = [
        {
            "product": r.product,
            "name": r.name,
            "brand": r.brand,
            "category": r.category,
            "score": r.score,
            **({"sources": ", ".join(r.sources)} if r.sources else {}),
            "reasons": "\n".join(r.reasons),
        }
        for r in result.items
    ]
    print_table(rows, list(rows[0]) if rows else ["product"], title=f"Recommended for {who} ({result.source})")
