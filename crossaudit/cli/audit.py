"""`crossaudit audit list`: who read or changed what, and what was denied."""
from __future__ import annotations

import click

from crossaudit.cli.common import format_option, guard, main_group, print_json, print_table, store_uri
from crossaudit.engine import open_store
from crossaudit.engine.audit import entries


@main_group.group("audit")
def audit() -> None:
    """The audit log: every read of findings, pages and exports, and every denial."""


@audit.command("list")
@click.option("--user", "user_filter", help="Only this user's entries.")
@click.option("--action", help="Only this action (e.g. findings.show, export).")
@click.option("--limit", type=int, default=100, show_default=True, help="Newest entries to show.")
@format_option("table", "json")
@click.pass_context
def audit_list(ctx: click.Context, user_filter: str | None, action: str | None, limit: int, fmt: str) -> None:
    """List the newest audit entries (admins only)."""
    with open_store(store_uri(ctx)) as store:
        guard(ctx, store, "audit.list")
        rows = entries(store, user_filter, action, limit)
    if fmt == "json":
        print_json(rows)
    else:
        print_table(f"audit log ({len(rows)})", ["at", "user", "role", "action", "target", "outcome", "detail"],
                    [(r["at"], r["user"], r["role"], r["action"], r["target"], r["outcome"], r["detail"])
                     for r in rows])
