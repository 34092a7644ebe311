"""The `crossaudit` command: a thin click layer over the public API.

Each sub-command lives in its own module of this package and is registered here.
"""
from __future__ import annotations

import sys

import click

from crossaudit.cli.common import CliError, main_group
from crossaudit.engine.store import redact_uris
from crossaudit.cli import audit as _audit  # noqa: F401  (registers `audit`)
from crossaudit.cli import demo as _demo  # noqa: F401  (registers `demo`)
from crossaudit.cli import explore as _explore  # noqa: F401  (registers `explore`)
from crossaudit.cli import export as _export  # noqa: F401  (registers `export`)
from crossaudit.cli import findings as _findings  # noqa: F401  (registers `findings`)
from crossaudit.cli import ledger as _ledger  # noqa: F401  (registers `ledger`)
from crossaudit.cli import load as _load  # noqa: F401  (registers `load`, `quarantine`)
from crossaudit.cli import resolve as _resolve  # noqa: F401  (registers `resolve`, `review`)
from crossaudit.cli import rules as _rules  # noqa: F401  (registers `rules`)
from crossaudit.cli import serve as _serve  # noqa: F401  (registers `serve`)
from crossaudit.cli import specs as _specs  # noqa: F401  (registers `specs`)
from crossaudit.cli import stats as _stats  # noqa: F401  (registers `stats`)
from crossaudit.cli import store as _store  # noqa: F401  (registers `store`)


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
