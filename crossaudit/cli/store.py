"""`crossaudit store …`: create and inspect the graph store."""
from __future__ import annotations

from pathlib import Path

import click

from crossaudit.cli.common import (
    CliError, acting_user, format_option, guard, main_group, open_reading, print_json, print_table, require_users_file, store_uri,
)
from crossaudit.engine import audit, open_store
from crossaudit.engine.access import govern
from crossaudit.engine.offices import OfficeError, read_offices, replace_offices
from crossaudit.engine.schema import PRESERVED


@main_group.group()
def store() -> None:
    """Create and inspect the graph store."""


@store.command("init")
@click.option("--users", "users_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Record this users file as the one that governs the store: from then on every command "
                   "refuses any other (and refuses to run without one). Admins only; run again to change it.")
@click.pass_context
def store_init(ctx: click.Context, users_file: Path | None) -> None:
    """Apply the schema (tables, or constraints and indexes); safe to run again."""
    with open_store(store_uri(ctx)) as graph:
        graph.apply_schema()
        click.echo(f"schema applied to {graph.engine} store {graph.uri}")
        if users_file is not None:
            user = acting_user(ctx)
            recorded = govern(graph, users_file, user)
            audit.record(graph, user, "store.init", str(users_file), "allowed",
                         f"users file sha256 {recorded['users_digest']}")
            click.echo(f"the store is governed by {users_file} (sha256 {recorded['users_digest'][:12]}…)")


@store.command("info")
@format_option("table", "json")
@click.pass_context
def store_info(ctx: click.Context, fmt: str) -> None:
    """Show the engine and the node and relationship counts by type."""
    with open_reading(ctx) as graph:
        if not graph.read_only:  # read-only beside its writer, which has applied it
            graph.apply_schema()
        counts = graph.counts()
        if fmt == "json":
            print_json({"engine": graph.engine, "uri": graph.uri, **counts})
            return
        print_table(f"{graph.engine} store {graph.uri}", ["kind", "type", "count"],
                    [("node", k, v) for k, v in counts["nodes"].items()]
                    + [("relationship", k, v) for k, v in counts["relationships"].items()])


@store.command("clear")
@click.option("--include-audit", is_flag=True, help="Also delete the audit log (admins; the clearing is audited).")
@click.confirmation_option(prompt="Delete every node and relationship in the store?")
@click.pass_context
def store_clear(ctx: click.Context, include_audit: bool) -> None:
    """Delete every node and relationship but the audit log and the record of the users file (the
    schema stays). The clearing itself is written to the audit log."""
    with open_store(store_uri(ctx)) as graph:
        user = acting_user(ctx)
        graph.clear(keep=tuple(label for label in PRESERVED if not (include_audit and label == "AuditEntry")))
        audit.record(graph, user, "store.clear", graph.uri, "allowed",
                     "audit log deleted too" if include_audit else "audit log kept")
        click.echo(f"cleared {graph.engine} store {graph.uri}" + ("" if include_audit else " (audit log kept)"))


@store.command("offices")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
def store_offices(ctx: click.Context, file: Path) -> None:
    """Replace the tax office hierarchy (reference data, admins only) with FILE: a CSV with the
    columns 税务机关代码 and 上级税务机关代码 (or code and parent), and optionally 税务机关名称 (name),
    级次 (level), 行政区划代码 (region_code). It is checked whole first: 11-digit codes whose levels
    nest under their parent's, no cycle, one root."""
    with open_store(store_uri(ctx)) as graph:
        user = acting_user(ctx)
        try:
            offices = replace_offices(graph, read_offices(file))
        except OfficeError as exc:
            raise CliError(str(exc)) from exc
        audit.record(graph, user, "store.offices", str(file), "allowed", f"{len(offices)} offices")
    click.echo(f"{len(offices)} tax offices from {file}")


@store.command("copy")
@click.argument("source")
@click.argument("target")
@click.pass_context
def store_copy(ctx: click.Context, source: str, target: str) -> None:
    """Copy the whole store SOURCE (e.g. ladybug:./crossaudit.db) into a new Neo4j database by
    `neo4j-admin database import full` (admins): TARGET neo4j-import:FOLDER writes the import
    files there and prints the command for the stopped server (then `crossaudit store init`);
    neo4j-launch:HOME imports into HOME and serves it with the launcher until Ctrl-C. The users
    file in use must be the one SOURCE records; the copy is recorded in SOURCE's audit log first,
    so the copy carries it too."""
    from crossaudit.cli.load import finish_bulk
    from crossaudit.engine.neo4j_bulk import BulkTarget, write_import_files
    from crossaudit.engine.store import StoreError

    try:
        destination = BulkTarget.parse(target)
        destination.check_empty()
    except StoreError as exc:
        raise CliError(str(exc)) from exc
    with open_store(source) as graph:
        require_users_file(graph)
        user = guard(ctx, graph, "store.copy", target)
        audit.record(graph, user, "store.copy", target, "allowed", f"from {graph.uri}")
        files = write_import_files(graph, destination.files_folder)
    click.echo(f"{graph.engine} store {graph.uri}: {sum(files.rows.values()):,} nodes and relationships written "
               f"as import files", err=True)
    finish_bulk(destination, files)
