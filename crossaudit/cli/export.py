"""`crossaudit export`: a finding's case subgraph as evidence (JSON, GraphML, xlsx, HTML report)."""
from __future__ import annotations

from pathlib import Path

import click

from crossaudit.cli.common import (
    CliError, clearance_of, guard, main_group, open_reading, mask_ids_option, require_finding, require_office,
)
from crossaudit.engine import audit
from crossaudit.viz.case import CaseError
from crossaudit.viz.export import FORMATS, export_finding, export_findings, format_for


@main_group.command("export")
@click.argument("finding_id", required=False)
@click.option("-f", "--format", "fmt", type=click.Choice(FORMATS),
              help="Export format; default: the ending of -o for one case, json for a batch.")
@click.option("-o", "--output", required=True, type=click.Path(path_type=Path),
              help="File to write for one finding; folder for --rule / --office (one file per case and index.csv).")
@click.option("--rule", help="Export every finding of this rule.")
@click.option("--office", help="Export every finding of this tax office code and the offices under it.")
@click.option("--depth", default=1, show_default=True, type=click.IntRange(0, 5),
              help="Hops of context around the flagged entities.")
@click.option("--max-nodes", default=300, show_default=True, type=click.IntRange(1), help="Cap on nodes per case.")
@click.option("--max-per-type", default=20, show_default=True, type=click.IntRange(1),
              help="Cap on context neighbours of one type per node (the rest are counted in the export).")
@mask_ids_option
@click.pass_context
def export(ctx: click.Context, finding_id: str | None, fmt: str | None, output: Path, rule: str | None,
           office: str | None, depth: int, max_nodes: int, max_per_type: int, mask_ids: bool) -> None:
    """Export the case of finding FINDING_ID, or of every finding of a --rule or --office.

    A case is the flagged entities, the evidence paths joining them and their context, every
    node and relationship with its provenance. JSON follows docs/case-export.md; GraphML opens
    in Gephi; xlsx has a sheet per node type, 关系, 证据 and 来源; HTML is a printable report.
    """
    if sum(x is not None for x in (finding_id, rule, office)) != 1:
        raise CliError("give exactly one of FINDING_ID, --rule R or --office CODE")
    with open_reading(ctx) as store:
        if finding_id is not None:
            user = require_finding(ctx, store, "export", finding_id)
        elif office is not None:
            user = require_office(ctx, store, "export", f"office {office}", office)[0]
        else:
            user = guard(ctx, store, "export", f"rule {rule}")
            office = user.office if user.scoped else None  # an inspector exports their offices' cases only
        options = dict(cleared=clearance_of(store, user, mask_ids), depth=depth, max_nodes=max_nodes,
                       max_per_type=max_per_type)
        target = finding_id or (f"rule {rule}" if rule else f"office {office}")
        audit.record(store, user, "export", target, "allowed", str(output))
        if finding_id is not None:
            try:
                fmt = format_for(output, fmt)
                doc = export_finding(store, finding_id, fmt, output, **options)
            except (CaseError, ValueError) as exc:
                raise CliError(str(exc)) from None
            click.echo(f"{output}: {len(doc['nodes'])} nodes, {len(doc['relationships'])} relationships, "
                       f"{len(doc['evidence_paths'])} evidence paths")
            return
        if output.exists() and not output.is_dir():
            raise CliError(f"{output} is a file; a batch export needs a folder")
        entries = export_findings(store, output, fmt or "json", rule=rule, office=office, **options)
    if not entries:
        raise CliError(f"no findings for {'rule ' + rule if rule else 'office ' + office}; "
                       "`crossaudit findings list` shows the findings")
    click.echo(f"{output}: {len(entries)} cases and index.csv")
