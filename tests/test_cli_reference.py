"""docs/cli.md is exactly what the commands' ``--help`` says today."""

from __future__ import annotations

from pathlib import Path

from shopgraph.cli.reference import reference_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def test_cli_reference_is_current() -> None:
    expected = reference_markdown()
    assert "## `shopgraph ingest catalog`" in expected and "## `shopgraph ask`" in expected
    assert DOC.read_text(encoding="utf-8") == expected, (
        "docs/cli.md is stale: run `python -m shopgraph.cli.reference > docs/cli.md`"
    )
