"""`crossaudit ledger`: each department's deliveries scored for quality, quantity, timeliness."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from crossaudit.cli.common import CliError, format_option, guard, main_group, open_reading, print_json, print_table
from crossaudit.engine.cells import write_csv
from crossaudit.engine.ledger import LedgerError, ledger as ledger_rows

FIELDS = ("period", "rank", "department", "department_name", "score", "files", "datasets_expected",
          "datasets_delivered", "on_time", "rows_delivered", "rows_loaded", "quarantine_rate", "duplicate_rate",
          "id_validity", "completeness", "quality", "quantity", "timeliness", "errors")


def _rows(ctx: click.Context, period: str | None) -> list[dict]:
    with open_reading(ctx) as store:
        guard(ctx, store, "ledger")
        try:
            return ledger_rows(store, period)
        except LedgerError as exc:
            raise CliError(str(exc)) from exc


def _pct(value) -> str:
    return "—" if value is None else f"{value:.1%}"


@main_group.group("ledger", invoke_without_command=True)
@click.option("--period", help="One month, YYYY-MM (default: every month with deliveries).")
@format_option("table", "json", "csv")
@click.pass_context
def ledger(ctx: click.Context, period: str | None, fmt: str) -> None:
    """The department ledger: rows delivered, quarantine and duplicate rates, identifier
    validity, completeness of required fields and timeliness, per department and month."""
    if ctx.invoked_subcommand is not None:
        return
    rows = _rows(ctx, period)
    if fmt == "json":
        print_json(rows)
    elif fmt == "csv":
        write_csv(sys.stdout, FIELDS, ([row.get(name) for name in FIELDS] for row in rows))
    else:
        print_table("department ledger", ["period", "rank", "department", "score", "datasets", "on time", "rows",
                                          "quarantined", "duplicates", "ID valid", "complete"],
                    [(r["period"], r["rank"], r["department_name"] or r["department"], r["score"],
                      f"{r['datasets_delivered']}/{r['datasets_expected']}", r["on_time"], f"{r['rows_delivered']:,}",
                      _pct(r["quarantine_rate"]), _pct(r["duplicate_rate"]), _pct(r["id_validity"]),
                      _pct(r["completeness"])) for r in rows])


@ledger.command("report")
@click.option("--period", help="The month to report, YYYY-MM (default: the latest).")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="The HTML file to write.")
@click.pass_context
def report(ctx: click.Context, period: str | None, output: Path) -> None:
    """Write the circulated report (通报): ranking and charts, one self-contained page."""
    from crossaudit.viz.ledger_report import ledger_report

    rows = _rows(ctx, period)
    if not rows:
        raise CliError("no deliveries in the store; load data first")  # a period without any is refused above
    period = period or max(r["period"] for r in rows)
    output.write_text(ledger_report(rows, period), encoding="utf-8")
    click.echo(f"wrote {output} ({period}, {sum(1 for r in rows if r['period'] == period)} departments)")
