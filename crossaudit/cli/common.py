"""Shared CLI pieces: the root group, reusable options, output helpers."""
from __future__ import annotations

import importlib
import json
import os
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable

import click

DEFAULT_STORE = "ladybug:./crossaudit.db"


class CliError(click.ClickException):
    """A user-facing error: printed as one line, exit code 1."""

    def format_message(self) -> str:
        from crossaudit.engine.store import redact_uris

        return redact_uris(self.message)


class GuardedCommand(click.Command):
    """A command that runs only once `check_command` lets the acting user run it."""

    def invoke(self, ctx: click.Context):
        if ctx.invoked_subcommand is None:  # a group runs as a command only without a sub-command
            check_command(ctx)
        return super().invoke(ctx)


class GuardedGroup(click.Group, GuardedCommand):
    """A group whose commands and sub-groups are all guarded."""

    command_class = GuardedCommand
    group_class = type


# The module registering each command, imported when the command is run or listed: a read
# command does not pay for importing the loaders, the resolver, the rule runner or the demo.
COMMAND_MODULES = {"audit": "audit", "demo": "demo", "explore": "explore", "export": "export", "findings": "findings",
                   "ledger": "ledger", "load": "load", "quarantine": "load", "resolve": "resolve", "review": "resolve",
                   "rules": "rules", "serve": "serve", "specs": "specs", "stats": "stats", "store": "store"}


class LazyGroup(GuardedGroup):
    """The root group: its commands' modules (COMMAND_MODULES) are imported on demand."""

    group_class = GuardedGroup

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMAND_MODULES})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands and cmd_name in COMMAND_MODULES:
            importlib.import_module(f"crossaudit.cli.{COMMAND_MODULES[cmd_name]}")
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--store",
    "store_uri",
    envvar="CROSSAUDIT_STORE",
    default=DEFAULT_STORE,
    show_default=True,
    help="Graph store URI: ladybug:PATH (embedded) or bolt://HOST:PORT / neo4j://HOST:PORT "
    "(credentials from NEO4J_USER / NEO4J_PASSWORD). Env: CROSSAUDIT_STORE.",
)
@click.option("--user", "user_name", envvar="CROSSAUDIT_USER",
              help="The acting user, declared in the users file ($CROSSAUDIT_USERS); without a users file "
                   "the one user is admin. Env: CROSSAUDIT_USER.")
@click.option("--debug", is_flag=True, help="Show full tracebacks on errors.")
@click.version_option(package_name="crossaudit")
@click.pass_context
def main_group(ctx: click.Context, store_uri: str, user_name: str | None, debug: bool) -> None:
    """crossaudit: cross-audit department data against tax records in a graph.

    Load department exports, resolve entities, run Cypher rule packs, explore
    networks and export cases. The store is embedded Ladybug by default, or a
    Neo4j 5 server.
    """
    from crossaudit.engine.private import owner_only

    owner_only()  # stores, exports, reports and pages are readable by their owner only
    ctx.ensure_object(dict)
    ctx.obj["store_uri"] = store_uri
    ctx.obj["user_name"] = user_name
    ctx.obj["debug"] = debug


def format_option(*choices: str, default: str = "table"):
    """The shared `--format` option for tabular output."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
        help="Output format.",
    )


def store_uri(ctx: click.Context) -> str:
    return ctx.find_root().obj["store_uri"]


# Commands that only read the store (their audit entry aside): beside a process that writes the
# embedded store (the console, a load, a rule run) they read it read-only instead of failing.
READ_COMMANDS = frozenset({"audit list", "explore", "export", "findings list", "findings show", "ledger",
                           "ledger report", "quarantine export", "quarantine list", "review list", "stats",
                           "store info"})


def open_reading(ctx: click.Context):
    """The store, for a command that may only read it: read-write where this process may write;
    when another process holds the embedded store for writing and the command is a read
    (READ_COMMANDS), read-only — the store as committed when the command starts — with its audit
    entry queued beside the store for the writing process to append (engine.audit)."""
    from crossaudit.engine import open_store
    from crossaudit.engine.store import StoreHeld

    checked = ctx.find_root().obj.pop("checked_store", None)  # opened by check_command
    if checked is not None:
        return checked
    try:
        return open_store(store_uri(ctx))
    except StoreHeld:
        if command_name(ctx) not in READ_COMMANDS:
            raise
    store = open_store(store_uri(ctx), read_only=True)
    root = ctx.find_root().obj
    if not root.get("read_only_noted"):
        root["read_only_noted"] = True
        click.echo(f"note: another process is writing {store.path.name}; reading it as committed now, read-only "
                   f"(the audit entry waits in {store.audit_queue.name} until that process appends it)", err=True)
    return store


def print_json(obj: Any) -> None:
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def print_table(title: str | None, columns: list[str], rows: Iterable[Iterable[Any]]) -> None:
    """Print a rich table to stdout."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column)
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console(width=int(os.environ.get("COLUMNS", "120"))).print(table)


def acting_user(ctx: click.Context):
    """The user named by --user / CROSSAUDIT_USER in the users file (the built-in admin when
    there is no users file and no name)."""
    from crossaudit.engine.access import AccessDenied, UsersFileError, load_users

    try:
        return load_users().get(ctx.find_root().obj.get("user_name"))
    except (AccessDenied, UsersFileError) as exc:
        raise CliError(str(exc)) from exc


def command_name(ctx: click.Context) -> str:
    """The command as typed after `crossaudit`: `rules run`."""
    names = []
    while ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    return " ".join(reversed(names))


def _first_argument(ctx: click.Context) -> str | None:
    """The value of the command's first argument given, as the audit log names a target."""
    for param in ctx.command.params:
        value = ctx.params.get(param.name) if isinstance(param, click.Argument) else None
        if value not in (None, ()):
            return " ".join(map(str, value)) if isinstance(value, tuple) else str(value)
    return None


def require_users_file(store, adopting: str | None = None) -> None:
    """CliError unless the users file in use is the one `store` records (engine.access.require_governing)."""
    from crossaudit.engine.access import AccessDenied, UsersFileError, governing_file, load_users, require_governing

    if not store.read_only:  # a store opened read-only beside its writer has its schema
        store.apply_schema()  # a new store, or one from an older version: the tables read and written here
    try:
        require_governing(load_users(), governing_file(store), adopting)
    except (AccessDenied, UsersFileError) as exc:
        raise CliError(str(exc)) from exc


def check_command(ctx: click.Context) -> None:
    """Before any command runs: the users file in use is the one the store records, the acting user
    is declared (or the built-in admin where there is no users file), and their role may run the
    command (engine.access.COMMANDS); a denial is recorded in the store's audit log."""
    from crossaudit.engine import audit
    from crossaudit.engine.access import OFFLINE_COMMANDS, AccessDenied, UsersFileError, command_action, file_digest, \
        load_users
    from crossaudit.engine.store import is_bulk_target

    command = command_name(ctx)
    try:
        action = command_action(command)
        user = load_users().get(ctx.find_root().obj.get("user_name"))
    except (AccessDenied, UsersFileError) as exc:
        raise CliError(str(exc)) from exc
    denied = f"access denied: user {user.name!r} ({user.role}) may not {action}"
    # A bulk target (load --bulk) is a new database, governed once `store init` has run on it.
    if command in OFFLINE_COMMANDS or is_bulk_target(store_uri(ctx)):
        if not user.may(action):
            raise CliError(denied)
        return
    adopting = ctx.params.get("users_file") if command == "store init" else None
    store = open_reading(ctx)
    ctx.find_root().call_on_close(store.close)
    require_users_file(store, file_digest(Path(adopting).read_bytes()) if adopting else None)
    if not user.may(action):
        audit.record(store, user, action, _first_argument(ctx), "denied", f"role {user.role} may not {action}")
        raise CliError(denied)
    if command in READ_COMMANDS:  # the command reads through it: one open, not two (0.2 s on medium)
        ctx.find_root().obj["checked_store"] = store
    else:
        store.close()


def guard(ctx: click.Context, store, action: str, target: str | None = None):
    """The acting user, if their role may do `action`; otherwise the denial is audited and
    raised as a one-line error."""
    from crossaudit.engine import audit

    user = acting_user(ctx)
    if not user.may(action):
        audit.record(store, user, action, target, "denied", f"role {user.role} may not {action}")
        raise CliError(f"access denied: user {user.name!r} ({user.role}) may not {action}")
    return user


def mask_ids_option(command):
    """`--mask-ids`: mask ID numbers even for a user cleared to see them (a user whose clearance
    is below the grade of ID numbers always sees them masked)."""
    return click.option("--mask-ids", is_flag=True,
                        help="Mask ID numbers (6401**********1234) even if you are cleared to see them.")(command)


@lru_cache(maxsize=1)
def shipped_grades_and_fills() -> tuple[dict[str, str], dict[str, dict[str, list[str]]]]:
    """(dataset → grade, dataset → what its rows fill) of the shipped source specs, read once per
    run without validating them (`loaders.fills`: the tests validate the shipped specs)."""
    from crossaudit.loaders.fills import SHIPPED_SPECS, read_grades_and_fills

    return read_grades_and_fills(SHIPPED_SPECS)


def clearance_of(store, user, mask_ids: bool = False):
    """What `user` may see of the store's facts: the grade of each dataset and what its rows
    fill looked up once (the shipped specs', with what each load recorded: a higher grade, more
    properties), the user's clearance, whether they see ID numbers (not with --mask-ids) and the
    offices whose findings they see."""
    from crossaudit.engine.access import Clearance, dataset_fills, dataset_grades

    grades, fills = shipped_grades_and_fills()
    return Clearance.of(user, dataset_grades(store, grades), mask_ids, office_scope_of(store, user),
                        dataset_fills(store, fills))


def office_scope_of(store, user) -> set[str] | None:
    """The tax offices whose findings `user` may see: an inspector's office and those below it;
    None (every office) for the other roles."""
    from crossaudit.engine.access import office_scope

    if not user.scoped:
        return None
    offices = store.query("MATCH (o:TaxOffice) RETURN o.code AS code, o.parent AS parent")
    return office_scope(offices, user.office)


def require_office(ctx: click.Context, store, action: str, target: str, office: str | None):
    """The acting user and their office scope, if they may `action` on something of `office`
    (a finding's office); a denial is audited and raised."""
    from crossaudit.engine import audit

    user = guard(ctx, store, action, target)
    scope = office_scope_of(store, user)
    if scope is not None and office not in scope:
        audit.record(store, user, action, target, "denied", f"office {office} is outside {user.office}")
        raise CliError(f"access denied: {target} belongs to office {office}, outside {user.name}'s office "
                       f"{user.office} and the offices below it")
    return user, scope


def require_finding(ctx: click.Context, store, action: str, finding_id: str):
    """`require_office` for the office of finding `finding_id`."""
    found = store.query("MATCH (f:Finding {finding_id: $id}) RETURN f.office_code AS office", {"id": finding_id})
    return require_office(ctx, store, action, finding_id, found[0]["office"] if found else None)[0]
