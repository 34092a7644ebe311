"""`crossaudit findings …`: list findings with filters, show one with its evidence and provenance."""
from __future__ import annotations

import csv
import sys

import click

from crossaudit.cli.common import format_option, main_group, print_json, print_table, store_uri
from crossaudit.engine import SCHEMA, open_store
from crossaudit.engine.findings import LIST_COLUMNS, list_findings, show_finding


@main_group.group()
def findings() -> None:
    """Findings (疑点) the rule runs produced: list, filter, show."""


@findings.command("list")
@click.option("--rule", help="Only this rule id.")
@click.option("--pack", help="Only this pack.")
@click.option("--severity", type=click.Choice(["low", "medium", "high", "critical"]), help="Only this severity.")
@click.option("--office", help="Only findings assigned to this tax office code or an office below it.")
@click.option("--status", help="Only this status (new, pushed, verifying, confirmed, dismissed).")
@click.option("--limit", type=int, help="At most this many (most severe, largest tax at risk first).")
@format_option("table", "json", "csv")
@click.pass_context
def findings_list(ctx: click.Context, rule, pack, severity, office, status, limit, fmt: str) -> None:
    """List findings, most severe and largest tax at risk first."""
    with open_store(store_uri(ctx)) as store:
        rows = list_findings(store, rule, pack, severity, office, status, limit)
    if fmt == "json":
        print_json(rows)
    elif fmt == "csv":
        writer = csv.writer(sys.stdout)
        writer.writerow(LIST_COLUMNS)
        for row in rows:
            writer.writerow([_cell(row[c]) for c in LIST_COLUMNS])
    else:
        print_table(f"{len(rows)} findings", ["id", "rule", "severity", "office", "tax at risk", "status", "identity"],
                    [(r["finding_id"], r["rule_id"], r["severity"], r["office_code"],
                      f"{r['tax_at_risk'] or 0:,.2f}", r["status"], _cell(r["identity"])) for r in rows])


def _cell(value) -> str:
    if isinstance(value, dict):
        return "; ".join(f"{k}={_cell(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ",".join(map(str, value))
    return "" if value is None else str(value)


@findings.command("show")
@click.argument("finding_id")
@click.option("--sources", "max_sources", type=int, default=20, show_default=True,
              help="Source rows to show per flagged entity.")
@format_option("table", "json")
@click.pass_context
def findings_show(ctx: click.Context, finding_id: str, max_sources: int, fmt: str) -> None:
    """Show one finding: evidence, office, flagged entities and the source rows behind each."""
    with open_store(store_uri(ctx)) as store:
        shown = show_finding(store, finding_id, max_sources)
    if fmt == "json":
        print_json(shown)
        return
    finding = shown["finding"]
    office = shown["office"] or {}
    click.echo(f"{finding['finding_id']}  {finding['severity']}  {finding['title']}")
    click.echo(f"rule {finding['rule_id']} v{finding['rule_version']} ({finding['source_file']}), status "
               f"{finding['status']}, first seen {finding['first_seen']}, last seen {finding['last_seen']}")
    click.echo(f"office {office.get('code', '')} {office.get('name', '')}; amount {finding['amount'] or 0:,.2f}, "
               f"tax at risk {finding['tax_at_risk'] or 0:,.2f} ({finding['tax_types']})")
    print_table("evidence", ["column", "value"], [(k, _cell(v)) for k, v in finding["evidence"].items()])
    print_table("flagged entities and their sources", ["role", "label", "entity", "department", "dataset", "file",
                                                       "row"],
                [(e["role"], e["label"], e["node"].get("name") or e["node"].get(SCHEMA.node(e["label"]).key) or "",
                  s["department"], s["dataset"], s["source_file"], s["source_row"])
                 for e in shown["entities"] for s in (e["sources"] or [{"department": "", "dataset": "",
                                                                         "source_file": "", "source_row": ""}])])
