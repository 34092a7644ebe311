"""The `crossaudit` command: a thin click layer over the public API.

Each sub-command lives in its own module of this package, imported when it runs
(`common.COMMAND_MODULES`).
"""
from __future__ import annotations

import sys

import click

from crossaudit.cli.common import CliError, main_group
from crossaudit.engine.store import redact_uris


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; errors become one line on stderr unless --debug."""
    debug = "--debug" in (argv if argv is not None else sys.argv[1:])
    try:
        # Without standalone mode, click returns a command's ctx.exit(code) instead of exiting.
        code = main_group.main(args=argv, prog_name="crossaudit", standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("aborted", err=True)
        sys.exit(1)
    except click.ClickException as exc:
        exc.show()
        sys.exit(exc.exit_code)
    except click.exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except Exception as exc:  # one clear line, no traceback, unless --debug
        if debug:
            raise
        click.echo("error: " + redact_uris(" ".join(str(exc).split())), err=True)
        sys.exit(1)
    if isinstance(code, int) and code:
        sys.exit(code)


__all__ = ["main", "main_group", "CliError"]
