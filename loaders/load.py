"""load: every department file a spec matches → the store, with a report of every row.

For each file: rows read = rows loaded + rows quarantined + exact duplicates. A file that
cannot be read at all is reported as such and the run goes on with the others; a file no
spec matches is listed, not ignored.

    report = load_sources("region/", store)          # shipped specs
    report.sources[0].read, report.sources[0].quarantined
"""
from __future__ import annotations

import datetime as dt
import hashlib
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from crossaudit.engine.store import RunStamp, Store
from crossaudit.loaders.readers import BrokenFile, open_table
from crossaudit.loaders.spec import SHIPPED_SPECS, SourceSpec, SpecError, load_specs
from crossaudit.loaders.transform import CheckedRow, Problem, check_row, facts, record_id

CHUNK_ROWS = 100_000  # Ladybug's COPY has a fixed cost per call: fewer, larger chunks
# What a region folder holds beside the department exports; never data.
NOT_DATA = ("manifest.json", "answer_key.csv", "DATA_DICTIONARY.md", "README.md")


@dataclass
class FileReport:
    file: str
    department: str
    dataset: str
    encoding: str = ""
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    duplicates: int = 0
    notes: int = 0  # values dropped from loaded rows (on_invalid: null)
    seconds: float = 0.0
    error: str | None = None

    @property
    def balanced(self) -> bool:
        return self.read == self.loaded + self.quarantined + self.duplicates


@dataclass
class LoadReport:
    run_id: str
    source_dir: str
    sources: list[FileReport] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def totals(self) -> dict[str, int]:
        return {k: sum(getattr(s, k) for s in self.sources)
                for k in ("read", "loaded", "quarantined", "duplicates", "notes")}

    def to_json(self) -> dict:
        return {"run_id": self.run_id, "source_dir": self.source_dir, "seconds": round(self.seconds, 2),
                "totals": self.totals(), "sources": [asdict(s) for s in self.sources], "unmatched": self.unmatched}


def match_files(directory: Path, specs: list[SourceSpec]) -> tuple[list[tuple[Path, SourceSpec]], list[str]]:
    """Pair every file under `directory` with the one spec that matches it."""
    matched, unmatched = [], []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        relative = path.relative_to(directory).as_posix()
        if path.name in NOT_DATA or relative.startswith("truth/"):
            continue
        hits = [s for s in specs if s.matches(relative)]
        if len(hits) > 1:
            raise SpecError(f"{relative} is matched by several specs: {', '.join(str(s.path) for s in hits)}")
        if hits:
            matched.append((path, hits[0]))
        else:
            unmatched.append(relative)
    return matched, unmatched


def _quarantine_rows(spec: SourceSpec, file_name: str, row: CheckedRow, problems: list[Problem]) -> list[dict]:
    entries = []
    for index, problem in enumerate(problems):
        entries.append({
            "entry_id": f"{record_id(spec, file_name, row.number)}:{problem.column or ''}:{index}",
            "file": file_name, "row": row.number, "column_name": problem.column,
            "raw_value": None if problem.raw_value is None else str(problem.raw_value), "reason": problem.reason,
            "department": spec.department, "dataset": spec.dataset, "source_file": file_name,
            "source_row": row.number})
    return entries


def _write(store: Store, spec: SourceSpec, file_name: str, good: list[CheckedRow], bad: list[CheckedRow],
           run: RunStamp) -> None:
    batch = facts(spec, file_name, good)
    for label, rows in batch.nodes.items():
        store.upsert_nodes(label, rows, run)
    for (rel_type, from_label, to_label), rows in batch.rels.items():
        store.upsert_relationships(rel_type, from_label, to_label, rows, run)
    entries = [e for row in bad for e in _quarantine_rows(spec, file_name, row, row.problems)]
    if entries:
        store.upsert_nodes("QuarantineEntry", entries, run)


def load_file(store: Store, path: Path, relative: str, spec: SourceSpec, run: RunStamp,
              progress: Callable[[int], None] | None = None, chunk_rows: int = CHUNK_ROWS) -> FileReport:
    """Load one file in chunks; never raises for bad data (the report says what happened)."""
    report = FileReport(relative, spec.department, spec.dataset)
    started = time.perf_counter()
    seen: set[bytes] = set()
    try:
        with open_table(path, spec.format, spec.encoding, spec.header_row, spec.sheet,
                        spec.delimiter) as table:
            report.encoding = table.encoding
            spec.check_headers(table.headers, relative)
            good: list[CheckedRow] = []
            bad: list[CheckedRow] = []
            for number, cells in table.rows():
                report.read += 1
                digest = hashlib.blake2b(repr(cells).encode("utf-8", "surrogateescape"), digest_size=12).digest()
                if digest in seen:
                    report.duplicates += 1
                    continue
                seen.add(digest)
                row = check_row(spec, table.headers, cells, number)
                if row.ok:
                    good.append(row)
                    report.notes += len(row.notes)
                else:
                    bad.append(row)
                if len(good) + len(bad) >= chunk_rows:
                    _write(store, spec, relative, good, bad, run)
                    report.loaded += len(good)
                    report.quarantined += len(bad)
                    good, bad = [], []
                    if progress:
                        progress(report.read)
            _write(store, spec, relative, good, bad, run)
            report.loaded += len(good)
            report.quarantined += len(bad)
    except (BrokenFile, SpecError) as exc:
        report.error = str(exc)
    except UnicodeDecodeError as exc:  # pragma: no cover - surrogateescape decodes every byte
        report.error = f"{relative}: undecodable bytes: {exc}"
    report.seconds = time.perf_counter() - started
    if progress:
        progress(report.read)
    return report


def load_sources(directory: str | Path, store: Store, specs_dir: str | Path | None = None,
                 run: RunStamp | None = None,
                 progress: Callable[[str, int], None] | None = None) -> LoadReport:
    """Load every file under `directory` that a spec in `specs_dir` (default: the shipped
    specs) matches, and record the run (LoadRun, one FileLoad per file) in the store."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a folder")
    specs = load_specs(specs_dir or SHIPPED_SPECS)
    run = run or RunStamp.now()
    started = time.perf_counter()
    matched, unmatched = match_files(directory, specs)
    report = LoadReport(run.run_id, str(directory), unmatched=unmatched)
    store.apply_schema()
    departments = {s.department: s.department_name for s in specs}
    store.upsert_nodes("Department", [{"code": c, "name": n or None} for c, n in sorted(departments.items())], run)
    for path, spec in matched:
        relative = path.relative_to(directory).as_posix()
        file_report = load_file(store, path, relative, spec, run,
                                (lambda done, name=relative: progress(name, done)) if progress else None)
        report.sources.append(file_report)
    report.seconds = time.perf_counter() - started
    _record_run(store, report, specs_dir, run)
    return report


def _record_run(store: Store, report: LoadReport, specs_dir, run: RunStamp) -> None:
    totals = report.totals()
    finished = run.at + dt.timedelta(seconds=report.seconds)
    store.upsert_nodes("LoadRun", [{
        "run_id": run.run_id, "started_at": run.at, "finished_at": finished, "source_dir": report.source_dir,
        "specs_dir": str(specs_dir or SHIPPED_SPECS), "files": len(report.sources), "rows_read": totals["read"],
        "rows_loaded": totals["loaded"], "rows_quarantined": totals["quarantined"],
        "rows_duplicate": totals["duplicates"], "unmatched": "\n".join(report.unmatched) or None}], run)
    file_loads = [{
        "file_load_id": f"{run.run_id}:{s.file}", "run_id": run.run_id, "file": s.file, "encoding": s.encoding,
        "read": s.read, "loaded": s.loaded, "quarantined": s.quarantined, "duplicates": s.duplicates,
        "seconds": round(s.seconds, 3), "delivered_on": run.at.date(), "error": s.error,
        "department": s.department, "dataset": s.dataset, "source_file": s.file} for s in report.sources]
    store.upsert_nodes("FileLoad", file_loads, run)
    store.upsert_relationships("INCLUDED", "LoadRun", "FileLoad",
                               [{"from": run.run_id, "to": f["file_load_id"]} for f in file_loads], run)
