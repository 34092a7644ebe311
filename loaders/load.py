"""load: every department file a spec matches → the store, with a report of every row.

For each file: rows read = rows loaded + rows quarantined + exact duplicates. A file that
cannot be read at all is reported as such and the run goes on with the others; a file no
spec matches is listed, not ignored. What the reader did besides reading (a merged cell
filled, a hidden sheet skipped) is in each file's `remarks`.

The run is recorded (a LoadRun with no finished_at) before its first row is written, and
finished after the last: a load that was killed or failed half-way leaves that mark, and
`require_finished_load` stops the steps that read the graph until a load completes.

    report = load_sources("region/", store)          # shipped specs
    report.sources[0].read, report.sources[0].quarantined
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import time
from collections import defaultdict
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

import pyarrow as pa

from crossaudit.engine.offices import OfficeError, check_delivered_parents, delivered_parents
from crossaudit.engine.schema import SCHEMA
from crossaudit.engine.store import RunStamp, Store, StoreError, is_disk_full, node_table, redact_uris, rel_table
from crossaudit.loaders.aliases import Aliases
from crossaudit.loaders.readers import BrokenFile, open_table
from crossaudit.loaders.spec import SHIPPED_SPECS, SourceSpec, SpecError, load_specs
from crossaudit.loaders.transform import CheckedRows, Facts, check_rows, facts, record_id

CHUNK_ROWS = 100_000  # rows checked and transformed together
# Facts (nodes and relationships) held before a write: a write has a fixed cost per label and
# type (a Ladybug COPY costs a checkpoint), so fewer, larger writes; memory grows with it.
FLUSH_ROWS = 1_000_000
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
    id_cells: int = 0  # identifier cells holding a value, and those failing their check
    id_invalid: int = 0
    required_cells: int = 0  # cells of required columns, and those left blank
    required_missing: int = 0
    seconds: float = 0.0
    error: str | None = None
    remarks: list[str] = field(default_factory=list)  # what the reader did besides reading

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


def _quarantine(spec: SourceSpec, file_name: str, checked: CheckedRows) -> dict[str, list]:
    """QuarantineEntry columns: one entry per problem of each bad row."""
    entries = [(number, index, problem) for number, problems in checked.quarantined
               for index, problem in enumerate(problems)]
    return {
        "entry_id": [f"{record_id(spec, file_name, number)}:{problem.column or ''}:{index}"
                     for number, index, problem in entries],
        "file": [file_name] * len(entries), "row": [number for number, _, _ in entries],
        "column_name": [problem.column for _, _, problem in entries],
        "raw_value": [None if problem.raw_value is None else str(problem.raw_value) for _, _, problem in entries],
        "reason": [problem.reason for _, _, problem in entries],
        "department": [spec.department] * len(entries), "dataset": [spec.dataset] * len(entries),
        "source_file": [file_name] * len(entries), "source_row": [number for number, _, _ in entries]}


class FactBuffer:
    """Facts of several chunks, and files, written together once they hold `flush_rows` rows:
    fewer, larger writes. Each chunk's facts are typed as Arrow tables when added, so a buffer
    is compact; a write runs in a thread while the next chunks are read and checked (the store
    works outside Python's lock), one write at a time. Written in the order added: the graph is
    the one chunk-by-chunk writes would give.

        with FactBuffer(store, run) as buffer:
            buffer.add(facts(spec, file_name, checked))"""

    def __init__(self, store: Store, run: RunStamp, flush_rows: int = FLUSH_ROWS) -> None:
        self.store, self.run, self.flush_rows = store, run, flush_rows
        self.aliases = Aliases(store)  # mentions resolution merged: written against their entity
        self._clear()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crossaudit-write")
        self._writing: Future | None = None

    def _clear(self) -> None:
        self.nodes: dict[str, list[pa.Table]] = defaultdict(list)
        self.rels: dict[tuple[str, str, str], list[pa.Table]] = defaultdict(list)
        self.rows = 0

    def add(self, facts: Facts) -> None:
        """Check and type a chunk's facts (a StoreError names what is wrong); write when full."""
        self.aliases.apply(facts)
        check_delivered_parents(self.store, delivered_parents(facts.nodes, facts.rels))  # reference data
        for label, batches in facts.nodes.items():
            self.nodes[label].append(node_table(SCHEMA.node(label), batches))
            self.rows += self.nodes[label][-1].num_rows
        for (rel_type, from_label, to_label), batches in facts.rels.items():
            self.rels[(rel_type, from_label, to_label)].append(
                rel_table(SCHEMA.rel(rel_type), from_label, to_label, batches))
            self.rows += self.rels[(rel_type, from_label, to_label)][-1].num_rows
        if self.rows >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        """Start writing what the buffer holds (after the write before it has finished)."""
        self.wait()
        if self.rows:
            self._writing = self._writer.submit(self.store.upsert_facts, self.nodes, self.rels, self.run)
        self._clear()

    def wait(self) -> None:
        """Wait for the write in progress; its error, if any, is raised here."""
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.result()

    def __enter__(self) -> "FactBuffer":
        return self

    def __exit__(self, exc_type, *exc) -> None:
        try:
            if exc_type is None:
                self.flush()
            self.wait()
        finally:
            self._writer.shutdown()


class _Duplicates:
    """Exact duplicate rows of one file: a 16-byte digest per distinct row (not the row)."""

    def __init__(self) -> None:
        self.seen: set[bytes] = set()

    def is_new(self, cells: list) -> bool:
        digest = hashlib.blake2b(repr(cells).encode("utf-8", "surrogateescape"), digest_size=16).digest()
        if digest in self.seen:
            return False
        self.seen.add(digest)
        return True


def load_file(store: Store, path: Path, relative: str, spec: SourceSpec, run: RunStamp,
              progress: Callable[[int], None] | None = None, chunk_rows: int = CHUNK_ROWS,
              buffer: FactBuffer | None = None) -> FileReport:
    """Load one file in chunks; never raises for bad data (the report says what happened).

    With a `buffer`, the facts may be written later, when it flushes; without one, before returning."""
    report = FileReport(relative, spec.department, spec.dataset)
    started = time.perf_counter()
    duplicates = _Duplicates()
    with FactBuffer(store, run) if buffer is None else contextlib.nullcontext(buffer) as facts_out:
        try:
            with open_table(path, spec.format, spec.encoding, spec.header_row, spec.sheet,
                            spec.delimiter) as table:
                report.encoding = table.encoding
                report.remarks = table.remarks  # filled while the rows are read
                spec.check_headers(table.headers, relative, table.encoding)
                chunk: list[tuple[int, list]] = []
                broken = None
                try:
                    for number, cells in table.rows():
                        report.read += 1
                        if not duplicates.is_new(cells):
                            report.duplicates += 1
                            continue
                        chunk.append((number, cells))
                        if len(chunk) >= chunk_rows:
                            _add_chunk(facts_out, spec, relative, table.headers, chunk, report)
                            chunk = []
                            if progress:
                                progress(report.read)
                except BrokenFile as exc:  # the rows read before the break are loaded, then the file reported
                    broken = exc
                _add_chunk(facts_out, spec, relative, table.headers, chunk, report)
                if broken:
                    raise broken
        except (BrokenFile, SpecError, OfficeError) as exc:
            report.error = str(exc)
        except UnicodeDecodeError as exc:  # pragma: no cover - surrogateescape decodes every byte
            report.error = f"{relative}: undecodable bytes: {exc}"
    report.seconds = time.perf_counter() - started
    if progress:
        progress(report.read)
    return report


def _add_chunk(buffer: FactBuffer, spec: SourceSpec, relative: str, headers: list[str],
               chunk: list[tuple[int, list]], report: FileReport) -> None:
    checked = check_rows(spec, headers, chunk)
    batch = facts(spec, relative, checked)
    if checked.quarantined:
        batch.nodes["QuarantineEntry"].append(_quarantine(spec, relative, checked))
    buffer.add(batch)
    report.loaded += len(checked.numbers)
    report.quarantined += len(checked.quarantined)
    report.notes += checked.notes
    for name in ("id_cells", "id_invalid", "required_cells", "required_missing"):
        setattr(report, name, getattr(report, name) + getattr(checked, name))


def load_sources(directory: str | Path, store: Store, specs_dir: str | Path | None = None,
                 run: RunStamp | None = None,
                 progress: Callable[[str, int], None] | None = None,
                 delivered_on: dt.date | None = None) -> LoadReport:
    """Load every file under `directory` that a spec in `specs_dir` (default: the shipped
    specs) matches, and record the run (LoadRun, one FileLoad per file) in the store.

    `delivered_on` is the day the department delivered the files (default: the day of the
    run); the ledger scores timeliness by it against each spec's schedule."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a folder")
    specs = load_specs(specs_dir or SHIPPED_SPECS)
    run = run or RunStamp.now()
    started = time.perf_counter()
    matched, unmatched = match_files(directory, specs)
    report = LoadReport(run.run_id, str(directory), unmatched=unmatched)
    store.apply_schema()
    store.upsert_nodes("LoadRun", [{"run_id": run.run_id, "started_at": run.at, "source_dir": report.source_dir,
                                    "specs_dir": str(specs_dir or SHIPPED_SPECS)}], run)  # finished: _record_run
    try:
        departments = {s.department: s.department_name for s in specs}
        store.upsert_nodes("Department", [{"code": c, "name": n or None} for c, n in sorted(departments.items())], run)
        with FactBuffer(store, run) as buffer:
            for path, spec in matched:
                relative = path.relative_to(directory).as_posix()
                file_report = load_file(store, path, relative, spec, run,
                                        (lambda done, name=relative: progress(name, done)) if progress else None,
                                        buffer=buffer)
                report.sources.append(file_report)
        report.seconds = time.perf_counter() - started
        _record_run(store, report, specs_dir, run, {(s.department, s.dataset): s for s in specs}, delivered_on)
    except Exception as exc:
        if is_disk_full(exc):
            raise StoreError(f"disk full: the store {redact_uris(store.uri)} could not write ({exc}). Load run "
                             f"{run.run_id} is left unfinished; free space on the store's disk, then load again.") from exc
        raise
    return report


def _record_run(store: Store, report: LoadReport, specs_dir, run: RunStamp,
                specs: dict[tuple[str, str], SourceSpec], delivered_on: dt.date | None) -> None:
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
        "seconds": round(s.seconds, 3), "delivered_on": delivered_on or run.at.date(), "error": s.error,
        "grade": specs[(s.department, s.dataset)].grade, "schedule": specs[(s.department, s.dataset)].schedule,
        "fills": json.dumps(specs[(s.department, s.dataset)].fills()),
        "id_cells": s.id_cells, "id_invalid": s.id_invalid, "required_cells": s.required_cells,
        "required_missing": s.required_missing,
        "department": s.department, "dataset": s.dataset, "source_file": s.file} for s in report.sources]
    store.upsert_nodes("FileLoad", file_loads, run)
    store.upsert_relationships("INCLUDED", "LoadRun", "FileLoad",
                               [{"from": run.run_id, "to": f["file_load_id"]} for f in file_loads], run)


class PartialLoad(RuntimeError):
    """The store's latest load did not finish; the message names the run and what to do."""


def require_finished_load(store: Store, allow_partial: bool = False) -> None:
    """Raise PartialLoad if the latest load run (by start) has not finished: killed, failed or
    still running, it left part of its files in the graph, and findings on part of the data
    read as "nothing found". `allow_partial` goes on all the same."""
    latest = store.query("MATCH (r:LoadRun) RETURN r.run_id AS run_id, r.started_at AS started_at, "
                         "r.finished_at AS finished_at, r.source_dir AS source_dir ORDER BY started_at DESC LIMIT 1")
    if allow_partial or not latest or latest[0]["finished_at"] is not None:
        return
    run = latest[0]
    raise PartialLoad(f"load run {run['run_id']} (started {run['started_at']}, from {run['source_dir']}) did not "
                      "finish: the store holds only part of it. Load the files again until a load completes "
                      "(crossaudit load; the demo: --reload), or pass --allow-partial (resolve, rules run) to go "
                      "on with what is there.")
