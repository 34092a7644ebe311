"""`crossaudit stats`: tax at risk and recovered by office, rule family and industry."""
from __future__ import annotations

from pathlib import Path

import click

from crossaudit.cli.common import clearance_of, format_option, guard, main_group, open_reading, office_scope_of, print_json, print_table
from crossaudit.engine import audit
from crossaudit.engine.stats import DIMENSIONS, finding_stats

@main_group.command("stats")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              help="Also write a self-contained HTML page with charts.")
@format_option("table", "json")
@click.pass_context
def stats(ctx: click.Context, output: Path | None, fmt: str) -> None:
    """Tax at risk and tax recovered by office, rule family and industry (an inspector's own
    office and those below it only)."""
    with open_reading(ctx) as store:
        user = guard(ctx, store, "stats")
        totals = finding_stats(store, office_scope_of(store, user), clearance_of(store, user))
        audit.record(store, user, "stats", str(output) if output else None, "allowed")
    if output:
        from crossaudit.viz.charts import stats_page  # matplotlib, for the page only

        output.write_text(stats_page(totals), encoding="utf-8")
        click.echo(f"wrote {output}", err=True)
    if fmt == "json":
        print_json(totals)
        return
    for dimension in DIMENSIONS:
        rows = sorted(totals[f"by_{dimension}"].items(), key=lambda kv: -kv[1]["tax_at_risk"])
        print_table(f"by {dimension}", [dimension, "findings", "tax at risk (元)", "recovered (元)"],
                    [(k, v["findings"], f"{v['tax_at_risk']:,.2f}", f"{v['recovered']:,.2f}") for k, v in rows])
