"""`crossaudit findings …`: list findings with filters, show one with its evidence and provenance."""
from __future__ import annotations

import sys

import click

from crossaudit.cli.common import (
    CliError, clearance_of, format_option, guard, main_group, open_reading, mask_ids_option, office_scope_of, print_json,
    print_table, require_finding, require_office, store_uri,
)
from crossaudit.engine import SCHEMA, audit, open_store
from crossaudit.engine.cells import write_csv
from crossaudit.engine.findings import LIST_COLUMNS, list_findings, offices_under, seen_findings, show_finding
from crossaudit.engine.lifecycle import TransitionError, push, verify
from crossaudit.viz.case import in_chinese


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
@mask_ids_option
@click.pass_context
def findings_list(ctx: click.Context, rule, pack, severity, office, status, limit, fmt: str, mask_ids: bool) -> None:
    """List findings, most severe and largest tax at risk first (values from sources above your
    clearance masked)."""
    with open_reading(ctx) as store:
        if office:
            user, scope = require_office(ctx, store, "findings.list", f"office {office}", office)
        else:
            user = guard(ctx, store, "findings.list")
            scope = office_scope_of(store, user)
        rows = list_findings(store, rule, pack, severity, office, status, None if scope is not None else limit)
        if scope is not None:  # an inspector sees their office and the offices below it only
            rows = [r for r in rows if r["office_code"] in scope][:limit]
        rows = seen_findings(store, rows, clearance_of(store, user, mask_ids))
        audit.record(store, user, "findings.list", f"office {office or user.office or '(all)'}", "allowed",
                     f"{len(rows)} findings")
    if fmt == "json":
        print_json(rows)
    elif fmt == "csv":
        write_csv(sys.stdout, LIST_COLUMNS, ([_cell(row[c]) for c in LIST_COLUMNS] for row in rows))
    else:
        print_table(f"{len(rows)} findings", ["id", "rule", "severity", "office", "tax at risk", "status", "identity"],
                    [(r["finding_id"], r["rule_id"], r["severity"], r["office_code"],
                      _money(r["tax_at_risk"]), r["status"], _cell(r["identity"])) for r in rows])


def _money(value) -> str:
    """An amount as 1,234.50; a masked amount as its marker."""
    return value if isinstance(value, str) else f"{value or 0:,.2f}"


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
@click.option("--lang", type=click.Choice(["en", "zh"]), default="en", show_default=True,
              help="zh: the rule's Chinese title and description (title_zh, description_zh), as inspectors read them.")
@mask_ids_option
@click.pass_context
def findings_show(ctx: click.Context, finding_id: str, max_sources: int, fmt: str, lang: str, mask_ids: bool) -> None:
    """Show one finding: evidence, office, flagged entities and the source rows behind each
    (values from sources above your clearance masked)."""
    with open_reading(ctx) as store:
        user = require_finding(ctx, store, "findings.show", finding_id)
        shown = show_finding(store, finding_id, max_sources, clearance_of(store, user, mask_ids))
        audit.record(store, user, "findings.show", finding_id, "allowed")
    if lang == "zh":
        shown["finding"] = in_chinese(shown["finding"])
    if fmt == "json":
        print_json(shown)
        return
    finding = shown["finding"]
    office = shown["office"] or {}
    click.echo(f"{finding['finding_id']}  {finding['severity']}  {finding['title_zh' if lang == 'zh' else 'title']}")
    if lang == "zh" and finding["description_zh"]:
        click.echo(finding["description_zh"])
    click.echo(f"rule {finding['rule_id']} v{finding['rule_version']} ({finding['source_file']}), status "
               f"{finding['status']}, first seen {finding['first_seen']}, last seen {finding['last_seen']}")
    click.echo(f"office {office.get('code', '')} {office.get('name', '')}; amount {_money(finding['amount'])}, "
               f"tax at risk {_money(finding['tax_at_risk'])} ({finding['tax_types']})")
    print_table("evidence", ["column", "value"], [(k, _cell(v)) for k, v in finding["evidence"].items()])
    print_table("flagged entities and their sources", ["role", "label", "entity", "department", "dataset", "file",
                                                       "row"],
                [(e["role"], e["label"], e["node"].get("name") or e["node"].get(SCHEMA.node(e["label"]).key) or "",
                  s["department"], s["dataset"], s["source_file"], s["source_row"])
                 for e in shown["entities"] for s in (e["sources"] or [{"department": "", "dataset": "",
                                                                         "source_file": "", "source_row": ""}])])


@findings.command("push")
@click.option("--office", help="Only findings of this tax office and the offices below it.")
@click.pass_context
def findings_push(ctx: click.Context, office: str | None) -> None:
    """Push new findings to their competent tax offices (region, city or county)."""
    with open_store(store_uri(ctx)) as store:
        user = guard(ctx, store, "findings.push", office)
        pushed = push(store, user.name, offices_under(store, office) if office else None)
        audit.record(store, user, "findings.push", office or "(all)", "allowed", f"{len(pushed)} pushed")
    by_office: dict[str, int] = {}
    for finding in pushed:
        by_office[finding["office_code"]] = by_office.get(finding["office_code"], 0) + 1
    print_table(f"{len(pushed)} findings pushed", ["office", "findings"], sorted(by_office.items()))


@findings.command("verify")
@click.argument("finding_id")
@click.option("--status", type=click.Choice(["verifying", "confirmed", "dismissed"]), required=True,
              help="The verification step or verdict.")
@click.option("--recovered", type=float, help="Tax recovered (元), on a confirmed finding.")
@click.option("--note", help="What the verification found.")
@click.pass_context
def findings_verify(ctx: click.Context, finding_id: str, status: str, recovered: float | None,
                    note: str | None) -> None:
    """Record the office's verification of FINDING_ID (feedback to the platform)."""
    with open_store(store_uri(ctx)) as store:
        user = require_finding(ctx, store, "findings.verify", finding_id)
        try:
            change = verify(store, finding_id, status, user.name, recovered, note)
        except TransitionError as exc:
            audit.record(store, user, "findings.verify", finding_id, "denied", str(exc))
            raise CliError(str(exc)) from exc
        audit.record(store, user, "findings.verify", finding_id, "allowed", f"{change['from']} -> {change['to']}")
    click.echo(f"{finding_id}: {change['from']} → {change['to']} by {user.name}")
