"""`crossaudit store …`: create and inspect the graph store."""
from __future__ import annotations

import click

from crossaudit.cli.common import format_option, main_group, print_json, print_table, store_uri
from crossaudit.engine import open_store


@main_group.group()
def store() -> None:
    """Create and inspect the graph store."""


@store.command("init")
@click.pass_context
def store_init(ctx: click.Context) -> None:
    """Apply the schema (tables, or constraints and indexes); safe to run again."""
    with open_store(store_uri(ctx)) as graph:
        graph.apply_schema()
        click.echo(f"schema applied to {graph.engine} store {graph.uri}")


@store.command("info")
@format_option("table", "json")
@click.pass_context
def store_info(ctx: click.Context, fmt: str) -> None:
    """Show the engine and the node and relationship counts by type."""
    with open_store(store_uri(ctx)) as graph:
        graph.apply_schema()
        counts = graph.counts()
        if fmt == "json":
            print_json({"engine": graph.engine, "uri": graph.uri, **counts})
            return
        print_table(f"{graph.engine} store {graph.uri}", ["kind", "type", "count"],
                    [("node", k, v) for k, v in counts["nodes"].items()]
                    + [("relationship", k, v) for k, v in counts["relationships"].items()])


@store.command("clear")
@click.confirmation_option(prompt="Delete every node and relationship in the store?")
@click.pass_context
def store_clear(ctx: click.Context) -> None:
    """Delete every node and relationship (the schema stays)."""
    with open_store(store_uri(ctx)) as graph:
        graph.clear()
        click.echo(f"cleared {graph.engine} store {graph.uri}")
