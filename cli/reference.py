"""The CLI reference (docs/cli.md), generated from the commands' own ``--help``.

    python -m shopgraph.cli.reference > docs/cli.md

``tests/test_cli_reference.py`` fails when docs/cli.md is not what this prints, so the reference
cannot drift from the code.
"""

from __future__ import annotations

import click

from shopgraph.cli.main import cli


def _walk(command: click.Command, name: str, parent: click.Context | None) -> list[click.Context]:
    """Contexts for ``command`` and its subcommands, each with its parent's, as the real ``--help`` builds them
    (so settings such as ``-h`` reach every command)."""
    settings = {"terminal_width": 100, "max_content_width": 100, **command.context_settings}
    ctx = click.Context(command, info_name=name, parent=parent, **settings)
    found = [ctx]
    if isinstance(command, click.Group):
        for sub_name in sorted(command.list_commands(ctx)):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                found.extend(_walk(sub, sub_name, ctx))
    return found


def reference_markdown() -> str:
    """Every command's ``--help`` text, in command order, as one Markdown page."""
    parts = [
        "# CLI reference\n",
        "Generated from `--help` by `python -m shopgraph.cli.reference > docs/cli.md`; a test keeps it current.\n",
    ]
    for ctx in _walk(cli, "shopgraph", None):
        parts.append(f"## `{ctx.command_path}`\n\n```text\n{ctx.command.get_help(ctx).rstrip()}\n```\n")
    return "\n".join(parts)


if __name__ == "__main__":
    print(reference_markdown(), end="")
