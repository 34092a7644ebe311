"""`crossaudit demo …`: the demo region."""
from __future__ import annotations

import time
from pathlib import Path

import click

from crossaudit.cli.common import main_group


@main_group.group()
def demo() -> None:
    """The demo region: generate realistic department exports with planted cases."""


@demo.command()
@click.option("--scale", type=click.Choice(["small", "medium", "large"]), default="small", show_default=True,
              help="small: ~2,000 enterprises (tests); medium: ~20,000 (the demo); large: >1M rows (benchmarks).")
@click.option("--seed", type=int, default=7, show_default=True, help="Same seed and scale give byte-identical files.")
@click.option("--out", "out", type=click.Path(file_okay=False, path_type=Path), required=True,
              help="Folder to write the region into (created if missing).")
def generate(scale: str, seed: int, out: Path) -> None:
    """Generate the demo region: department exports, answer key, manifest, data dictionary."""
    from rich.console import Console
    from rich.table import Table

    from crossaudit.loaders.demo import generate as generate_region

    started = time.perf_counter()
    manifest = generate_region(out, scale, seed)
    seconds = time.perf_counter() - started
    table = Table(title=f"demo region {scale}, seed {seed} → {out}")
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
