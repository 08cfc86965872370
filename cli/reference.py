"""The CLI reference (docs/cli.md), generated from the commands' own ``--help``.

    python -m shopgraph.cli.reference > docs/cli.md

``tests/test_cli_reference.py`` fails when docs/cli.md is not what this prints, so the reference
cannot drift from the code.
"""

from __future__ import annotations

import click

from shopgraph.cli.main import cli


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        for name in sorted(command.list_commands(click.Context(command))):
            sub = command.get_command(click.Context(command), name)
            if sub is not None and not sub.hidden:
                found.extend(_walk(sub, [*path, name]))
    return found


def reference_markdown() -> str:
    """Every command's ``--help`` text, in command order, as one Markdown page."""
    parts = [
        "# CLI reference\n",
        "Generated from `--help` by `python -m shopgraph.cli.reference > docs/cli.md`; a test keeps it current.\n",
    ]
    for path, command in _walk(cli, ["shopgraph"]):
        name = " ".join(path)
        ctx = click.Context(command, info_name=name, terminal_width=100, max_content_width=100)
        parts.append(f"## `{name}`\n\n```text\n{command.get_help(ctx).rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(reference_markdown(), end="")
