"""The CLI reference, ``docs/cli.md``, generated from the ``--help`` of every command.

    python -m trialfinder.docs docs/cli.md            # write it again
    python -m trialfinder.docs --check docs/cli.md    # exit 1 when it is not what --help says

The help is rendered as on an 80-column terminal, whatever the terminal, so the file is the same
on every machine; a test regenerates it and fails when the file has drifted from the commands.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from trialfinder.cli import cli

WIDTH = 80  # columns of the terminal; click leaves two of them free, as it does on a terminal
PROGRAM = "trialfinder"
HEADER = """\
# CLI reference

Every command's `--help`, as trialfinder prints it. This file is generated: run
`python -m trialfinder.docs docs/cli.md` after changing a command or an option (a test fails
when it differs from the commands). The guides say more: [searching](searching.md),
[places](places.md), [tags](tags.md), [summaries](summaries.md), [prescreen](prescreen.md),
[shortlists](shortlists.md), [digests](digests.md), [configuration](configuration.md).
"""


def _context(command: click.Command, name: str, parent: click.Context | None) -> click.Context:
    # The command's own settings (``-h`` for help) as click's make_context applies them.
    settings = {"terminal_width": WIDTH - 2, "max_content_width": WIDTH, **command.context_settings}
    return click.Context(command, info_name=name, parent=parent, **settings)


def commands(
    command: click.Command = cli, name: str = PROGRAM, parent: click.Context | None = None
) -> Iterator[click.Context]:
    """A context for ``command`` and for each of its visible subcommands, depth first."""
    ctx = _context(command, name, parent)
    yield ctx
    if isinstance(command, click.Group):
        for sub_name in command.list_commands(ctx):
            sub = command.get_command(ctx, sub_name)
            if sub is not None and not sub.hidden:
                yield from commands(sub, sub_name, ctx)


def reference() -> str:
    """The whole reference, as Markdown."""
    contexts = list(commands())
    lines = [HEADER]
    for ctx in contexts:
        path = ctx.command_path
        lines.append(f"- [`{path}`](#{path.replace(' ', '-')})")
    for ctx in contexts:
        lines += ["", f"## {ctx.command_path}", "", "```text", ctx.command.get_help(ctx), "```"]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Write the CLI reference from --help.")
    parser.add_argument("path", type=Path, help="the Markdown file, e.g. docs/cli.md")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on drift")
    args = parser.parse_args(argv)
    text = reference()
    if args.check:
        current = args.path.read_text(encoding="utf-8") if args.path.is_file() else ""
        if current != text:
            print(f"{args.path} differs from --help: run python -m trialfinder.docs {args.path}")
            return 1
        return 0
    args.path.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
