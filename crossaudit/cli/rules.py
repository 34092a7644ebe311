"""`crossaudit rules …`: list, run, test, scaffold and lint Cypher rule packs."""
from __future__ import annotations

import sys
import tempfile
from dataclasses import asdict
from pathlib import Path

import click

from crossaudit.cli.common import CliError, format_option, main_group, print_json, print_table, store_uri
from crossaudit.engine import open_store
from crossaudit.engine.rules import (
    RuleError, lint_rules, load_rules, new_rule, parse_rule, run_case_file, run_rules, shipped_rules_dir,
)
from crossaudit.engine.rules.model import rule_files
from crossaudit.loaders import PartialLoad, require_finished_load

rules_dir_option = click.option(
    "--rules-dir", "rules_dirs", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder of your own packs (<pack>/<rule>.cypher) to use beside the shipped ones; repeatable.")


def _progress_bar(disable: bool):
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=Console(stderr=True), disable=disable or not sys.stderr.isatty(), transient=True)


def run_with_progress(store, rules, overrides=None, rules_dirs=(), quiet: bool = False, workers: int | None = None):
    """`run_rules` behind a progress bar on stderr (the demo uses it too)."""
    with _progress_bar(quiet) as bar:
        task = bar.add_task("rules", total=None)

        def progress(label: str, done: int, total: int) -> None:
            bar.update(task, description=label, completed=done, total=total)

        return run_rules(store, rules, overrides, progress,
                         rules_dir=",".join(str(d) for d in rules_dirs) or None, workers=workers)


def _parse_params(values: tuple[str, ...]) -> dict[str, str]:
    params = {}
    for value in values:
        name, sep, text = value.partition("=")
        if not sep or not name.strip():
            raise CliError(f"--param {value!r}: write name=value or rule-id.name=value")
        params[name.strip()] = text.strip()
    return params


@main_group.group()
def rules() -> None:
    """Cypher rule packs: list, run, test, scaffold and lint rules."""


@rules.command("list")
@click.option("--pack", help="Only this pack.")
@rules_dir_option
@format_option("table", "json")
def rules_list(pack: str | None, rules_dirs: tuple[Path, ...], fmt: str) -> None:
    """List the rules: id, pack, severity, title (JSON adds tax, version, sources, params)."""
    found = load_rules(*rules_dirs, pack=pack)
    if fmt == "json":
        print_json([r.summary() for r in found])
        return
    print_table(f"{len(found)} rules", ["id", "pack", "severity", "tax", "title"],
                [(r.id, r.pack, r.severity, ",".join(r.tax), r.title) for r in found])


@rules.command("run")
@click.option("--pack", help="Run only this pack.")
@click.option("--rule", "rule_ids", multiple=True, help="Run only this rule; repeatable.")
@click.option("--param", "params", multiple=True, metavar="NAME=VALUE",
              help="Override a parameter of every selected rule that has it, or of one rule with "
                   "RULE-ID.NAME=VALUE (durations as '30 days', dates as 2023-12-31); repeatable.")
@rules_dir_option
@format_option("table", "json")
@click.option("--allow-partial", is_flag=True,
              help="Go on even though the latest load did not finish (the graph holds only part of it).")
@click.option("--workers", type=click.IntRange(min=1),
              help="Rule queries sent at once (default: 2 on Neo4j, or CROSSAUDIT_NEO4J_READERS; 1 on the "
                   "embedded store, whose own threads spread one query over the cores).")
@click.pass_context
def rules_run(ctx: click.Context, pack: str | None, rule_ids: tuple[str, ...], params: tuple[str, ...],
              rules_dirs: tuple[Path, ...], fmt: str, allow_partial: bool, workers: int | None) -> None:
    """Run rule packs on the store and keep each result row as a finding.

    First the precompute steps the rules need (interest groups: connected components of
    control and kinship, computed with scipy and written to Enterprise and Person), then
    every rule. Findings are keyed by a fingerprint of the rule and its identity columns:
    running again updates last_seen and the evidence, never duplicates, never resets a status.
    """
    selected = load_rules(*rules_dirs, pack=pack, rule_ids=rule_ids)
    with open_store(store_uri(ctx)) as store:
        try:
            require_finished_load(store, allow_partial)
        except PartialLoad as exc:
            raise CliError(str(exc)) from exc
        summary = run_with_progress(store, selected, _parse_params(params), rules_dirs, quiet=fmt == "json",
                                    workers=workers)
    if fmt == "json":
        print_json(summary.to_json())
        return
    print_table(f"rule run {summary.run_id}", ["rule", "pack", "findings", "new", "tax at risk", "seconds"],
                [(o.rule_id, o.pack, o.findings, o.new, f"{o.tax_at_risk:,.2f}", f"{o.seconds:.2f}")
                 for o in summary.outcomes])
    for step, stats in summary.precompute.items():
        click.echo(f"precompute {step}: " + ", ".join(f"{k} {v}" for k, v in stats.items()))
    click.echo(f"{summary.findings} findings, {summary.new_findings} new")


def _rules_at(paths: tuple[Path, ...]):
    """Rules named by paths: rule files, pack folders or folders of packs; the shipped packs by default."""
    found = []
    for path in paths or (shipped_rules_dir(),):
        if path.is_file():
            found.append(parse_rule(path))
        else:
            found += [parse_rule(p) for p in (rule_files(path) or sorted(path.glob("*.cypher")))]
    if not found:
        raise CliError(f"no rule files (<pack>/<rule>.cypher) under {', '.join(map(str, paths))}")
    return found


@rules.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--neo4j", "neo4j_uri", help="Also run every case on this Neo4j server (it must hold no data: "
                                            "each case empties it) and require identical findings.")
@format_option("table", "json")
def rules_test(paths: tuple[Path, ...], neo4j_uri: str | None, fmt: str) -> None:
    """Run the cases in each rule's <rule>.test.yaml (default: the shipped packs).

    Each case writes its fixture graph to an empty embedded store, runs the rule through the
    same runner as `rules run`, and compares the findings with the expected ones.
    """
    selected = _rules_at(paths)
    results, problems = [], []
    with tempfile.TemporaryDirectory(prefix="crossaudit-rules-test-") as folder:
        stores = [open_store(f"ladybug:{Path(folder) / 'cases.db'}")]
        if neo4j_uri:
            server = open_store(neo4j_uri)
            stores.append(server)
            if server.query("MATCH (n) RETURN count(n) AS n")[0]["n"]:
                server.close()
                raise CliError(f"{neo4j_uri} holds data; rule tests empty the store before each case: "
                               "use a server of its own (python tools/neo4j/launch.py)")
        try:
            for rule in selected:
                try:
                    per_engine = [run_case_file(store, rule) for store in stores]
                except RuleError as exc:
                    problems.append(str(exc))
                    continue
                for cases in zip(*per_engine):
                    same = all(c.findings == cases[0].findings for c in cases)
                    passed = all(c.passed for c in cases) and same
                    notes = [f"{c.engine}: {p}" for c in cases for p in c.problems]
                    if not same:
                        notes.append("the engines produced different findings")
                    results.append({"rule": rule.id, "case": cases[0].case, "passed": passed, "problems": notes})
        finally:
            for store in stores:
                store.close()
    failed = [r for r in results if not r["passed"]]
    if fmt == "json":
        print_json({"cases": results, "errors": problems})
    else:
        print_table(f"{len(results)} cases of {len(selected)} rules", ["rule", "case", "result", "problems"],
                    [(r["rule"], r["case"], "pass" if r["passed"] else "FAIL", "\n".join(r["problems"]))
                     for r in results])
        for problem in problems:
            click.echo(f"error: {problem}", err=True)
        click.echo(f"{len(results) - len(failed)} passed, {len(failed)} failed, {len(problems)} rule files in error")
    if failed or problems:
        click.get_current_context().exit(1)


@rules.command("new")
@click.argument("rule_id")
@click.option("--pack", required=True, help="The pack (folder) to put the rule in.")
@click.option("--rules-dir", "rules_dir", type=click.Path(file_okay=False, path_type=Path), default=Path("rules"),
              show_default=True, help="The folder of packs to write into.")
def rules_new(rule_id: str, pack: str, rules_dir: Path) -> None:
    """Scaffold RULE_ID: a rule file and its test file that pass as they are, to edit."""
    for path in new_rule(rules_dir, rule_id, pack):
        click.echo(f"wrote {path}")
    click.echo(f"next: edit them, then `crossaudit rules lint {rules_dir}` and `crossaudit rules test {rules_dir}`")


@rules.command("lint")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@format_option("table", "json")
def rules_lint(paths: tuple[Path, ...], fmt: str) -> None:
    """Flag non-portable Cypher and labels, relationship types or properties the schema does not
    declare (default: the shipped packs). Exits 1 when there is anything to fix."""
    issues = lint_rules(*paths)
    if fmt == "json":
        print_json([asdict(issue) for issue in issues])
    else:
        for issue in issues:
            click.echo(str(issue))
        click.echo(f"{len(issues)} issue(s)")
    if issues:
        click.get_current_context().exit(1)


@rules.command("stats")
@format_option("table", "json")
@click.pass_context
def rules_stats(ctx: click.Context, fmt: str) -> None:
    """Per rule: findings, confirmed, dismissed, precision from the offices' feedback, tax recovered."""
    from crossaudit.cli.common import guard, office_scope_of
    from crossaudit.engine.findings import rule_stats

    with open_store(store_uri(ctx)) as store:
        user = guard(ctx, store, "stats")
        rows = rule_stats(store, office_scope_of(store, user))
    if fmt == "json":
        print_json(rows)
        return
    print_table("rules and their feedback", ["rule", "pack", "findings", "confirmed", "dismissed", "precision",
                                             "tax at risk", "recovered"],
                [(r["rule_id"], r["pack"], r["findings"], r["confirmed"], r["dismissed"],
                  "—" if r["precision"] is None else f"{r['precision']:.2f}", f"{r['tax_at_risk']:,.2f}",
                  f"{r['recovered']:,.2f}") for r in rows])
