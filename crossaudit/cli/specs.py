"""`crossaudit specs check`: a delivery against its source specs, and the rules those specs serve."""
from __future__ import annotations

from pathlib import Path

import click

from crossaudit.cli.common import CliError, format_option, main_group, print_json, print_table
from crossaudit.cli.rules import rules_dir_option
from crossaudit.engine.rules import RuleError, load_rules
from crossaudit.engine.rules.reads import rule_reads
from crossaudit.loaders.check import SAMPLE_ROWS, DeliveryCheck, check_delivery


@main_group.group()
def specs() -> None:
    """Source specs: check a delivery against them before loading it."""


@specs.command("check")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--specs", "specs_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of source specs (YAML); default: the shipped specs.")
@rules_dir_option
@click.option("--sample", type=click.IntRange(min=1), default=SAMPLE_ROWS, show_default=True,
              help="Rows of each file parsed with the declared types.")
@click.option("--strict", is_flag=True, help="Also fail when a rule is not covered by the specs.")
@format_option("table", "json")
@click.pass_context
def specs_check(ctx: click.Context, directory: Path, specs_dir: Path | None, rules_dirs: tuple[Path, ...],
                sample: int, strict: bool, fmt: str) -> None:
    """Check the department files under DIRECTORY against the source specs, before a first load.

    For each spec: the files it matches, declared columns missing from a file and extra ones,
    the encoding, and the first --sample rows parsed as the loader would, with each column's
    failure rate and two failing values; then the files no spec matches; then, for every rule
    (shipped and --rules-dir), whether the specs feed the labels, relationships, properties and
    values it reads. Reads files only; nothing is written to the store.

    Exits with 1 when a spec cannot be used, a matched file cannot be read or lacks a declared
    column, or (with --strict) a rule is not covered.
    """
    # Who may run it (those who may load) is checked before it runs, as for every command (engine.access.COMMANDS).
    try:
        rules = [(rule.id, rule_reads(rule.text)) for rule in load_rules(*rules_dirs)]
    except RuleError as exc:
        raise CliError(str(exc)) from exc
    report = check_delivery(directory, specs_dir, rules, sample)
    if fmt == "json":
        print_json(report.to_json())
    else:
        _print_tables(report)
    if not report.ok(strict):
        ctx.exit(1)


def _print_tables(report: DeliveryCheck) -> None:
    files = [(spec, file) for spec in report.specs for file in spec.files]
    print_table(f"{len(report.specs)} specs in {report.specs_dir}, {len(files)} files in {report.directory}",
                ["spec", "file", "encoding", "missing columns", "extra columns", "sampled", "would quarantine",
                 "problem"],
                [(Path(spec.spec).name, file.file, _encoding(file), ", ".join(file.missing), ", ".join(file.extra),
                  file.sampled, file.quarantined, file.error or "") for spec, file in files]
                + [(Path(spec.spec).name, "", "", "", "", "", "", spec.error or "no file matches")
                   for spec in report.specs if spec.error or not spec.files])
    failing = [(file, column) for _, file in files for column in file.columns if column.failed]
    if failing:
        print_table(f"values that fail their column's type (first {report.sample} rows of each file)",
                    ["file", "column", "type", "failed", "rate", "examples"],
                    [(file.file, column.column, column.type, column.failed, f"{column.rate:.1%}",
                      "; ".join(f"{example['raw']!r}: {example['reason']}" for example in column.examples))
                     for file, column in failing])
    for _, file in files:
        if file.malformed:
            click.echo(f"{file.file}: {file.malformed} of {file.sampled} sampled rows have more or fewer fields "
                       "than the header")
    for name in report.unmatched:
        click.echo(f"no spec matches {name}")
    for note in report.notes:
        click.echo(f"note: {note}")
    if report.error:
        click.echo(f"error: {report.error}")
    print_table(f"{sum(r.covered for r in report.rules)} of {len(report.rules)} rules covered by these specs",
                ["rule", "covered", "missing / warnings"],
                [(rule.rule, "yes" if rule.covered else "NO",
                  "\n".join(rule.missing + [f"warning: {w}" for w in rule.warnings])) for rule in report.rules])


def _encoding(file) -> str:
    if not file.encoding or file.encoding == file.detected:
        return file.encoding
    return f"{file.encoding} (the bytes look like {file.detected})"
