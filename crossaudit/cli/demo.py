"""`crossaudit demo`: the main job on the demo region; `crossaudit demo generate`: the region alone."""
from __future__ import annotations

import sys
import time
from contextlib import nullcontext
from pathlib import Path

import click

from crossaudit.cli.common import main_group, print_json, print_table, require_users_file

SCALES = ["small", "medium", "large"]


def _console():
    from rich.console import Console

    return Console(stderr=True)


def _store_uri(ctx: click.Context, workdir: Path, region: str) -> str:
    """The --store given on the command line or in CROSSAUDIT_STORE, else a store in the working folder."""
    root = ctx.find_root()
    if root.get_parameter_source("store_uri") in (click.core.ParameterSource.COMMANDLINE,
                                                   click.core.ParameterSource.ENVIRONMENT):
        return root.obj["store_uri"]
    return f"ladybug:{workdir / f'graph-{region}.db'}"


def _dialect_option():
    from crossaudit.demo.dialects import DEFAULT_DIALECT, DIALECTS

    return click.option("--dialect", type=click.Choice(list(DIALECTS)), default=DEFAULT_DIALECT, show_default=True,
                        help="Whose export conventions the departments write the region in (the same region; "
                             "each dialect is read with its own specs).")


@main_group.group(invoke_without_command=True)
@click.option("--scale", type=click.Choice(SCALES), default="medium", show_default=True,
              help="Size of the demo region (small: ~2,000 enterprises; medium: ~20,000; large: >1M rows).")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the demo region.")
@_dialect_option()
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path), default=Path("crossaudit-demo"),
              show_default=True, help="Working folder: the region is generated there once and reused, and so is "
                                      "the embedded store (unless --store is given).")
@click.option("--reload", is_flag=True, help="Load the region again even if the store already holds it.")
@click.option("--evaluate", is_flag=True, help="Compare the findings with the region's answer key: precision "
                                               "and recall per family.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True,
              help="Output format.")
@click.pass_context
def demo(ctx: click.Context, scale: str, seed: int, dialect: str, workdir: Path, reload: bool, evaluate: bool,
         fmt: str) -> None:
    """The main job: generate the demo region (or reuse it), load it, resolve it, run every rule
    pack, and summarise the findings by pack, severity and office with the tax at risk.

    `crossaudit demo --evaluate` also scores the findings against the planted cases.
    `crossaudit demo generate` only writes the region's files.
    """
    if ctx.invoked_subcommand is not None:
        return
    from crossaudit import pipeline
    from crossaudit.cli.rules import run_with_progress
    from crossaudit.engine import open_store
    from crossaudit.engine.rules import load_rules

    console, quiet = _console(), fmt == "json"
    started = time.perf_counter()
    with console.status(f"demo region {scale}, seed {seed}, dialect {dialect} in {workdir}", spinner="dots") \
            if not quiet else nullcontext():
        region = pipeline.prepare_region(workdir, scale, seed, dialect)
    console.print(f"region: {region}")
    uri = _store_uri(ctx, workdir, pipeline.region_name(scale, seed, dialect))
    # each stage opens the store anew: the page cache a load filled (gigabytes on the medium
    # region) is given back before resolution builds its frames beside it
    with open_store(uri) as store:
        require_users_file(store)  # the demo's own store, or the one --store names
        console.print(f"store: {store.uri}")
        loaded = _load(store, region, reload, quiet, dialect)
        console.print("load: " + ("already in the store" if loaded is None else
                                  f"{loaded['totals']['loaded']:,} rows loaded, "
                                  f"{loaded['totals']['quarantined']:,} quarantined in {loaded['seconds']:.0f} s"))
    with open_store(uri) as store:
        with console.status("resolution", spinner="dots") if not quiet else nullcontext() as status:
            resolved = pipeline.resolve(store, (lambda label, what: status.update(f"resolution: {label} {what}"))
                                        if status else None)
        console.print("resolution: not available yet" if resolved is None else
                      "resolution: " + ", ".join(f"{label} {resolved['records'][label]:,} records, "
                                                 f"{merged:,} merged, {resolved['review'][label]:,} to review"
                                                 for label, merged in resolved["merged"].items()))
    with open_store(uri) as store:
        summary = run_with_progress(store, load_rules(), quiet=quiet)
        console.print(f"rules: {len(summary.outcomes)} rules, {summary.findings} findings "
                      f"({summary.new_findings} new)")
        totals = pipeline.summarise(store)
        scores = pipeline.evaluate(store, region / "answer_key.csv") if evaluate else None
    console.print(f"{time.perf_counter() - started:.0f} s")
    if quiet:
        print_json(pipeline.evaluation_json(scores) if scores is not None else totals)
        return
    _print_summary(totals)
    if scores is not None:
        _print_scores(scores)


def _load(store, region: Path, reload: bool, quiet: bool, dialect: str):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from crossaudit import pipeline

    with Progress(TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"),
                  TimeElapsedColumn(), console=_console(), disable=quiet or not sys.stderr.isatty(),
                  transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(file: str, rows: int) -> None:
            if file not in tasks:
                tasks[file] = bar.add_task(file, total=None)
            bar.update(tasks[file], completed=rows)

        return pipeline.load_region(store, region, progress, force=reload, dialect=dialect)


def _print_summary(totals: dict) -> None:
    names = totals["office_names"]
    for key, title in (("by_pack", "pack"), ("by_severity", "severity"), ("by_office", "office")):
        rows = sorted(totals[key].items(), key=lambda kv: -kv[1]["tax_at_risk"])
        print_table(f"findings by {title}", [title, "findings", "tax at risk (元)"],
                    [(f"{k} {names.get(k, '')}".strip() if key == "by_office" else k, v["findings"],
                      f"{v['tax_at_risk']:,.2f}") for k, v in rows])
    click.echo(f"{totals['findings']:,} findings; estimated tax at risk {totals['tax_at_risk']:,.2f} 元")


def _print_scores(scores: dict) -> None:
    print_table("evaluation against the answer key", ["family", "precision", "recall", "tp", "fp", "fn",
                                                       "collateral", "office agreement"],
                [(family, f"{s.precision:.2f}", f"{s.recall:.2f}", s.tp, s.fp, s.fn, s.collateral,
                  "" if s.office_agreement is None else f"{s.office_agreement:.2f}") for family, s in scores.items()])


@demo.command()
@click.option("--scale", type=click.Choice(SCALES), default="small", show_default=True,
              help="small: ~2,000 enterprises (tests); medium: ~20,000 (the demo); large: >1M rows (benchmarks).")
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed and scale give byte-identical files.")
@_dialect_option()
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the region into (created if missing).")
def generate(scale: str, seed: int, dialect: str, out: Path) -> None:
    """Generate the demo region: department exports, answer key, manifest, data dictionary."""
    from rich.console import Console
    from rich.table import Table

    from crossaudit.demo import generate as generate_region

    started = time.perf_counter()
    manifest = generate_region(out, scale, seed, dialect)
    seconds = time.perf_counter() - started
    table = Table(title=f"demo region {scale}, seed {seed}, dialect {dialect} → {out}")
    for column in ("file", "format", "encoding", "rows", "duplicates", "quarantined"):
        table.add_column(column, justify="right" if column in ("rows", "duplicates", "quarantined") else "left")
    for f in manifest["files"]:
        table.add_row(f["path"], f["format"], f["encoding"] or "", f"{f['rows']:,}", str(f["duplicates"]),
                      str(f["quarantined"]))
    console = Console()
    console.print(table)
    counts = manifest["counts"]
    console.print(f"{len(manifest['departments'])} departments, {counts['source_rows']:,} rows, "
                  f"{counts['enterprises']:,} enterprises, {counts['persons']:,} persons, "
                  f"{counts['cases']} cases in answer_key.csv; {seconds:.1f} s")
