"""`crossaudit resolve` and `crossaudit review …`: one enterprise, one person, one property."""
from __future__ import annotations

import json
import sys

import click

from crossaudit.cli.common import (
    CliError, format_option, guard, main_group, open_reading, print_json, print_table, store_uri,
)
from crossaudit.engine import audit, open_store
from crossaudit.engine.access import ID_NUMBER_GRADE, Clearance
from crossaudit.loaders import PartialLoad, require_finished_load
from crossaudit.resolve.graph import ReviewError, explain, judge, resolve_store, review_items


@main_group.group("resolve", invoke_without_command=True)
@format_option("table", "json")
@click.option("--allow-partial", is_flag=True,
              help="Go on even though the latest load did not finish (the graph holds only part of it).")
@click.pass_context
def resolve(ctx: click.Context, fmt: str, allow_partial: bool) -> None:
    """Resolve the loaded mentions into canonical enterprises, persons, properties and contracts.

    A property or contract node keyed by a second identifier (a certificate number) is merged
    into the node of the identifier a row cited it with (the unit number); one cited with
    several is ambiguous, merged into none and queued for review. Mentions keyed by a valid
    credit code or ID number keep it as their uid; the others
    (no identifier in their row) are scored against them field by field (Fellegi–Sunter,
    weights estimated without labels) and merged when the match probability passes the
    threshold. Pairs between the two thresholds go to `crossaudit review`. Judgements win
    over scores; running it again changes nothing new.
    """
    if ctx.invoked_subcommand is not None:
        return
    with open_store(store_uri(ctx)) as store:
        user = guard(ctx, store, "resolve")
        try:
            require_finished_load(store, allow_partial)
        except PartialLoad as exc:
            raise CliError(str(exc)) from exc
        audit.record(store, user, "resolve", None, "allowed")

        def progress(label: str, step: str) -> None:
            if fmt != "json" and sys.stderr.isatty():
                click.echo(f"{label}: {step}", err=True)

        report = resolve_store(store, progress=progress)
    if fmt == "json":
        print_json(report.to_json())
        return
    print_table("resolution", ["entity", "nodes read", "merged", "of them co-cited", "ambiguous", "for review"],
                [(label, f"{count:,}", f"{report.merged[label]:,}", f"{report.co_cited[label]:,}",
                  f"{report.ambiguous[label]:,}", f"{report.review[label]:,}")
                 for label, count in report.records.items()])
    click.echo(f"{report.branches:,} branch links (BRANCH_OF)")


@resolve.command("explain")
@click.argument("key_a")
@click.argument("key_b")
@format_option("text", "json", default="text")
@click.pass_context
def explain_command(ctx: click.Context, key_a: str, key_b: str, fmt: str) -> None:
    """Show the score of two entities or source records and each field's contribution.

    KEY_A and KEY_B are entity uids (a credit code, an ID number, name:…), merged mentions'
    former uids, or source record ids.
    """
    with open_store(store_uri(ctx)) as store:
        user = guard(ctx, store, "review", f"{key_a} {key_b}")
        try:
            explanation = explain(store, key_a, key_b)
        except ReviewError as exc:
            raise CliError(str(exc)) from exc
        audit.record(store, user, "resolve.explain", f"{key_a} {key_b}", "allowed")
    shown = Clearance(ids=user.can_see(ID_NUMBER_GRADE)).text  # field values name ID numbers
    if fmt == "json":
        print_json({"left": explanation.left_id, "right": explanation.right_id, "weight": explanation.weight,
                    "probability": explanation.probability, "method": explanation.method,
                    "note": explanation.note, "same_entity": explanation.same_entity,
                    "prior_weight": explanation.prior_weight,
                    "contributions": [{"field": c.field, "level": c.level, "weight": c.weight,
                                       "left": shown(c.left), "right": shown(c.right)}
                                      for c in explanation.contributions]})
    else:
        click.echo(shown(str(explanation)))


@main_group.group("review")
def review() -> None:
    """The queue of candidate pairs that need a person's judgement."""


@review.command("list")
@click.option("--status", type=click.Choice(["open", "accepted", "rejected", "all"]), default="open",
              show_default=True, help="Which items to list.")
@click.option("--label", type=click.Choice(["Enterprise", "Person", "Property", "Contract"]),
              help="One entity type only.")
@format_option("table", "json")
@click.pass_context
def review_list(ctx: click.Context, status: str, label: str | None, fmt: str) -> None:
    """List the pairs scored between the review and match thresholds."""
    with open_reading(ctx) as store:
        user = guard(ctx, store, "review")
        items = review_items(store, None if status == "all" else status, label)
        audit.record(store, user, "review.list", status, "allowed")
    if fmt == "json":
        print_json([{**i, "contributions": json.loads(i["contributions"] or "{}")} for i in items])
        return
    print_table(f"review queue ({len(items)})", ["pair", "score", "status", "strongest fields"],
                [(i["pair_id"], "" if i["score"] is None else f"{i['score']:.3f}", i["status"],
                  i["reason"] or _strongest(i["contributions"])) for i in items])


def _strongest(contributions: str | None, count: int = 3) -> str:
    weights = json.loads(contributions or "{}")
    top = sorted(weights.items(), key=lambda kv: -abs(kv[1]))[:count]
    return ", ".join(f"{name} {weight:+.1f}" for name, weight in top)


def _judge(ctx: click.Context, pair_id: str, same: bool, note: str | None) -> None:
    with open_store(store_uri(ctx)) as store:
        user = guard(ctx, store, "review", pair_id)
        by = user.name
        try:
            outcome = judge(store, pair_id, same, by, note)
        except ReviewError as exc:
            raise CliError(str(exc)) from exc
        audit.record(store, user, "review.accept" if same else "review.reject", pair_id, "allowed")
    click.echo(f"{outcome['pair_id']}: {'accepted (merged)' if same else 'rejected (kept apart)'} by {by}")


@review.command("accept")
@click.argument("pair_id")
@click.option("--note", help="Why: kept with the judgement.")
@click.pass_context
def review_accept(ctx: click.Context, pair_id: str, note: str | None) -> None:
    """Judge PAIR_ID one entity: merge it now and on every later run."""
    _judge(ctx, pair_id, True, note)


@review.command("reject")
@click.argument("pair_id")
@click.option("--note", help="Why: kept with the judgement.")
@click.pass_context
def review_reject(ctx: click.Context, pair_id: str, note: str | None) -> None:
    """Judge PAIR_ID two entities: never merge them, whatever the scores."""
    _judge(ctx, pair_id, False, note)
