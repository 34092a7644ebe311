"""`crossaudit audit list` and `audit purge`: who read or changed what, and what was denied."""
from __future__ import annotations

import click

from crossaudit.cli.common import acting_user, format_option, guard, main_group, open_reading, print_json, print_table, store_uri
from crossaudit.engine import open_store
from crossaudit.engine.audit import entries, purge


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
    with open_reading(ctx) as store:
        guard(ctx, store, "audit.list")
        rows = entries(store, user_filter, action, limit)
    if fmt == "json":
        print_json(rows)
    else:
        print_table(f"audit log ({len(rows)})", ["at", "user", "role", "action", "target", "outcome", "detail"],
                    [(r["at"], r["user"], r["role"], r["action"], r["target"], r["outcome"], r["detail"])
                     for r in rows])


@audit.command("purge")
@click.option("--before", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="Delete the entries recorded before this day (YYYY-MM-DD).")
@click.confirmation_option(prompt="Delete these audit entries for good?")
@click.pass_context
def audit_purge(ctx: click.Context, before) -> None:
    """Delete the audit entries older than --before (admins only); the purge is itself recorded.
    Nothing else ever deletes an audit entry."""
    with open_store(store_uri(ctx)) as store:
        deleted = purge(store, before.date(), acting_user(ctx))  # an admin's: checked before the command ran
    click.echo(f"{deleted} audit entries before {before:%Y-%m-%d} deleted; the purge is in the audit log")
