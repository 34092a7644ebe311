"""`crossaudit load` and `crossaudit quarantine …`: department files into the store."""
from __future__ import annotations

import sys
from pathlib import Path

import click

from crossaudit.cli.common import (
    CliError, clearance_of, format_option, guard, main_group, open_reading, print_json, print_table, store_uri,
)
from crossaudit.engine import audit, open_store
from crossaudit.engine.cells import write_csv
from crossaudit.engine.neo4j_bulk import (
    BulkTarget, CaptureStore, ImportFiles, import_into, launcher, serve_imported, write_import_files,
)
from crossaudit.engine.store import StoreError, is_bulk_target, redact_uris
from crossaudit.loaders import list_quarantine, load_sources
from crossaudit.loaders.quarantine import COLUMNS


@main_group.command("load")
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--specs", "specs_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="Folder of source specs (YAML); default: the shipped specs of the demo region's exports.")
@click.option("--delivered-on", type=click.DateTime(["%Y-%m-%d"]),
              help="The day the departments delivered these files (default: today); the ledger scores "
                   "timeliness by it.")
@click.option("--bulk", is_flag=True,
              help="Write a new Neo4j database by `neo4j-admin database import full` instead of transactions: "
                   "--store neo4j-import:FOLDER writes the import files there and prints the neo4j-admin command "
                   "to run on the stopped server (then `crossaudit store init`); --store neo4j-launch:HOME "
                   "imports into HOME and serves it with the launcher until Ctrl-C.")
@click.option("--readers", type=click.IntRange(min=0),
              help="Processes that read and check the files, largest first, while this one writes their facts in "
                   "the files' order (0: read here). Default: $CROSSAUDIT_LOAD_READERS, else one per core when the "
                   "files hold 8 MB or more.")
@format_option("table", "json")
@click.pass_context
def load(ctx: click.Context, directory: Path, specs_dir: Path | None, delivered_on, bulk: bool, readers: int | None,
         fmt: str) -> None:
    """Load every file under DIRECTORY that a source spec matches.

    Each row is loaded or quarantined with its reason; exact duplicate rows are counted.
    The run is recorded in the store. Loading the same folder again changes nothing but
    last_seen (and adds the new run's record).

    Exit status: 0 when every file loaded (rows may be quarantined), 2 when any file could
    not be read or was refused (each printed as `error: …`), 1 for any other error.
    """
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    if is_bulk_target(store_uri(ctx)) and not bulk:
        raise CliError(f"{store_uri(ctx)} is a bulk target, written by neo4j-admin import: add --bulk")
    target = bulk_target(ctx) if bulk else None
    with (CaptureStore() if bulk else open_store(store_uri(ctx))) as store, Progress(
            TextColumn("{task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"),
            TimeElapsedColumn(), console=_console(), disable=fmt == "json" or not sys.stderr.isatty()) as bar:
        store.apply_schema()  # a new store: the audit log needs its table
        user = guard(ctx, store, "load", str(directory))
        audit.record(store, user, "load", str(directory), "allowed")
        tasks: dict[str, int] = {}

        def progress(file: str, rows: int) -> None:
            if file not in tasks:
                tasks[file] = bar.add_task(file, total=None)
            bar.update(tasks[file], completed=rows)

        report = load_sources(directory, store, specs_dir, progress=progress,
                              delivered_on=delivered_on.date() if delivered_on else None, readers=readers)
        files = write_import_files(store, target.files_folder) if bulk else None
    if fmt == "json":
        print_json(report.to_json())
    else:
        print_table(f"load run {report.run_id} ({report.seconds:.1f} s)",
                    ["file", "encoding", "read", "loaded", "quarantined", "duplicates", "error"],
                    [(s.file, s.encoding, f"{s.read:,}", f"{s.loaded:,}", f"{s.quarantined:,}",
                      f"{s.duplicates:,}", s.error or "") for s in report.sources])
        totals = report.totals()
        click.echo(f"{len(report.sources)} files: {totals['read']:,} rows read = {totals['loaded']:,} loaded "
                   f"+ {totals['quarantined']:,} quarantined + {totals['duplicates']:,} duplicates")
        for name in report.unmatched:
            click.echo(f"no spec matches {name}", err=True)
    for source in report.sources:
        if source.error:
            click.echo(f"error: {redact_uris(source.error)}", err=True)
        for remark in source.remarks:  # what the reader did besides reading: a merged cell filled …
            click.echo(f"note: {source.file}: {remark}", err=True)
    if bulk:
        finish_bulk(target, files, quiet=fmt == "json")
    if any(s.error for s in report.sources):
        ctx.exit(2)


def bulk_target(ctx: click.Context) -> BulkTarget:
    """The bulk target --store names, checked to hold no database yet."""
    try:
        target = BulkTarget.parse(store_uri(ctx))
        target.check_empty()
    except StoreError as exc:
        raise CliError(f"--bulk: {exc}") from exc
    return target


def finish_bulk(target: BulkTarget, files: ImportFiles, quiet: bool = False) -> None:
    """Tell the DBA the command to run (neo4j-import:), or import and serve until Ctrl-C (neo4j-launch:);
    the command or the bolt URI on stdout, unless `quiet` keeps stdout for a JSON report."""
    total = sum(files.rows.values())
    if target.kind == "import":
        click.echo(f"{total:,} nodes and relationships in {len(files.rows)} import files under {files.folder}. On the "
                   "Neo4j server, stopped, with these files at the same paths, run (add "
                   "--overwrite-destination=true to replace an existing empty database):", err=True)
        click.echo(files.command(), err=quiet)
        click.echo("then start the server and create the constraints and indexes: "
                   "crossaudit --store bolt://HOST:7687 store init", err=True)
        return
    click.echo(f"importing {total:,} nodes and relationships into {target.path} …", err=True)
    import_into(files, target.path)
    server = serve_imported(target.path)
    click.echo(server.uri, err=quiet)
    click.echo(f"Neo4j serves the imported database (schema applied); Ctrl-C stops it, its data stays in "
               f"{target.path} (python tools/neo4j/launch.py --home {target.path} starts it again)", err=True)
    launcher().serve(server)


def _console():
    from rich.console import Console

    return Console(stderr=True)


@main_group.group()
def quarantine() -> None:
    """Rows that could not be loaded, with file, row, column, raw value and reason."""


@quarantine.command("list")
@click.option("--source", help="Only this dataset, department code or file.")
@format_option("table", "json", "csv")
@click.pass_context
def quarantine_list(ctx: click.Context, source: str | None, fmt: str) -> None:
    """List quarantined rows."""
    with open_reading(ctx) as store:
        user = guard(ctx, store, "load", source)  # raw values of rejected rows: those who load see them
        rows = _seen_quarantine(store, user, source)
        audit.record(store, user, "quarantine", source, "allowed")
    if fmt == "json":
        print_json(rows)
    elif fmt == "csv":
        _write_csv(rows, sys.stdout)
    else:
        print_table(f"{len(rows)} quarantined cells", list(COLUMNS), [[r[c] for c in COLUMNS] for r in rows])


@quarantine.command("export")
@click.option("--source", help="Only this dataset, department code or file.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True,
              help="CSV file to write (UTF-8 with BOM, so Excel opens it).")
@click.pass_context
def quarantine_export(ctx: click.Context, source: str | None, output: Path) -> None:
    """Export quarantined rows to CSV, to send back to the department."""
    with open_reading(ctx) as store:
        user = guard(ctx, store, "load", source)  # raw values of rejected rows: those who load see them
        rows = _seen_quarantine(store, user, source)
        audit.record(store, user, "quarantine", source, "allowed")
    with open(output, "w", encoding="utf-8-sig", newline="") as handle:
        _write_csv(rows, handle)
    click.echo(f"{len(rows)} quarantined cells written to {output}")


def _seen_quarantine(store, user, source: str | None) -> list[dict]:
    """The quarantined cells as `user` may see them (masked like every other output)."""
    clearance = clearance_of(store, user)
    return [clearance.quarantined(row) for row in list_quarantine(store, source)]


def _write_csv(rows: list[dict], handle) -> None:
    write_csv(handle, COLUMNS, ([row[c] for c in COLUMNS] for row in rows))
