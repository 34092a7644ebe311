"""`crossaudit explore`: an entity's network as a self-contained page for investigators."""
from __future__ import annotations

from pathlib import Path

import click

from crossaudit.cli.common import (
    CliError, clearance_of, guard, main_group, open_reading, mask_ids_option, print_table, require_finding,
)
from crossaudit.engine import audit
from crossaudit.viz.case import CaseError
from crossaudit.viz.explore import explore as explore_page
from crossaudit.viz.export import safe_file_name
from crossaudit.viz.lookup import AmbiguousKey, LookupFailed
from crossaudit.viz.vocab import LABEL_NAMES


@main_group.command("explore")
@click.argument("key", required=False)
@click.option("--depth", default=2, show_default=True, type=click.IntRange(0, 5), help="Hops around the entity.")
@click.option("--finding", "finding_id", help="Highlight this finding's flagged entities and evidence paths "
              "(and explore around them when KEY is not given).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Page to write; default: explore-<key>.html in the current folder.")
@click.option("--max-nodes", default=200, show_default=True, type=click.IntRange(1), help="Cap on nodes shown.")
@click.option("--max-per-type", default=12, show_default=True, type=click.IntRange(1),
              help="Cap on neighbours of one type shown per node (the rest are counted in a note).")
@mask_ids_option
@click.pass_context
def explore(ctx: click.Context, key: str | None, depth: int, finding_id: str | None, output: Path | None,
            max_nodes: int, max_per_type: int, mask_ids: bool) -> None:
    """Write a network page around KEY: a credit code, ID number, certificate number or name.

    Node colour and shape show the type, size the risk (findings and their severity); hover
    for properties and provenance. An ambiguous name lists the candidates. The page is one
    self-contained HTML file that opens offline.
    """
    if key is None and finding_id is None:
        raise CliError("give a KEY (credit code, ID number, certificate number or name) or --finding ID")
    with open_reading(ctx) as store:
        user = require_finding(ctx, store, "explore", finding_id) if finding_id else \
            guard(ctx, store, "explore", key)
        clearance = clearance_of(store, user, mask_ids)
        audit.record(store, user, "explore", finding_id or clearance.text(key), "allowed")
        try:
            # Read on a handle of one thread: a page's few dozen small statements gain nothing from a
            # second, and on a busy machine each waited for it (medium region: 0.87 s against 0.95 s).
            html, doc = explore_page(store.for_thread(reads=True), key, finding_id, depth=depth,
                                     max_nodes=max_nodes, max_per_type=max_per_type, cleared=clearance)
        except AmbiguousKey as exc:
            shown = [c.shown(clearance) for c in exc.candidates]
            print_table(f"{key!r}: {len(shown)}{'+' if exc.more else ''} candidates",
                        ["type", "name", "identifier", "region", "key"],
                        [(LABEL_NAMES[c.label], c.name, c.identifier, c.region_code, c.key) for c in shown])
            raise CliError(str(exc)) from None
        except (LookupFailed, CaseError) as exc:
            raise CliError(str(exc)) from None
    if output is None:
        name = key or finding_id
        output = Path(f"explore-{safe_file_name(clearance.text(name))}.html")
    output.write_text(html, encoding="utf-8")
    capped = doc["omitted"]["per_type"] or doc["omitted"]["over_node_cap"]
    click.echo(f"{output}: {len(doc['nodes'])} nodes, {len(doc['relationships'])} relationships"
               + ("; capped, what was left out is noted on the page" if capped else ""))
