"""load: every department file a spec matches → the store, with a report of every row.

For each file: rows read = rows loaded + rows quarantined + exact duplicates. A file that
cannot be read at all is reported as such and the run goes on with the others; a file no
spec matches is listed, not ignored. What the reader did besides reading (a merged cell
filled, a hidden sheet skipped) is in each file's `remarks`.

The run is recorded (a LoadRun with no finished_at) before its first row is written, and
finished after the last: a load that was killed or failed half-way leaves that mark, and
`require_finished_load` stops the steps that read the graph until a load completes.

Files are read and checked (`read_file`) in processes of their own for a large load
(`FileReaders`), and their facts written by this process in the files' order (`add_file`).

    report = load_sources("region/", store)          # shipped specs
    report.sources[0].read, report.sources[0].quarantined
"""
from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import multiprocessing
import os
import pickle
import tempfile
import time
from collections import defaultdict
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

import pyarrow as pa

from crossaudit import usable_cores
from crossaudit.engine.offices import OfficeError, check_delivered_parents, delivered_parents
from crossaudit.engine.schema import SCHEMA
from crossaudit.engine.store import RunStamp, Store, StoreError, is_disk_full, node_table, redact_uris, rel_table
from crossaudit.loaders.aliases import Aliases
from crossaudit.loaders.crosswalk import Crosswalk
from crossaudit.loaders.readers import BrokenFile, open_table
from crossaudit.loaders.spec import SHIPPED_SPECS, SourceSpec, SpecError, load_specs
from crossaudit.loaders.transform import CheckedRows, Facts, check_rows, facts, record_id

CHUNK_ROWS = 100_000  # rows checked and transformed together
# Facts (nodes and relationships) held before a write: a write has a fixed cost per label and
# type (a Ladybug COPY costs a checkpoint), so fewer, larger writes; memory grows with it.
FLUSH_ROWS = 1_000_000
# Files of a load holding at least this many bytes are read and checked in processes of their
# own by default (one per core); below it, forking costs about what it saves.
PARALLEL_BYTES = 8 << 20
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


@dataclass
class Typed:
    """A chunk's facts typed as the store takes them (`node_table`, `rel_table`: one table per
    label and per relationship type and pair), and the tax-office parents they deliver."""

    nodes: dict[str, pa.Table]
    rels: dict[tuple[str, str, str], pa.Table]
    parents: list[tuple[str, str]]
    rows: int


def type_facts(facts: Facts) -> Typed:
    """Type a chunk's facts (a StoreError names what is wrong). Needs no store."""
    nodes = {label: node_table(SCHEMA.node(label), batches) for label, batches in facts.nodes.items()}
    rels = {(rel_type, from_label, to_label): rel_table(SCHEMA.rel(rel_type), from_label, to_label, batches)
            for (rel_type, from_label, to_label), batches in facts.rels.items()}
    return Typed(nodes, rels, delivered_parents(facts.nodes, facts.rels),
                 sum(t.num_rows for t in nodes.values()) + sum(t.num_rows for t in rels.values()))


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
        self.crosswalk = Crosswalk(store)  # rows naming a firm by a department number: written against it
        self._clear()
        self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="crossaudit-write")
        self._writing: Future | None = None

    def _clear(self) -> None:
        self.nodes: dict[str, list[pa.Table]] = defaultdict(list)
        self.rels: dict[tuple[str, str, str], list[pa.Table]] = defaultdict(list)
        self.rows = 0

    def add(self, facts: Facts | Typed) -> None:
        """Check and type a chunk's facts (a StoreError names what is wrong); write when full.
        Facts typed elsewhere (`type_facts`, where no alias or department number applies) are
        taken as they are."""
        self.crosswalk.learn(facts)
        if isinstance(facts, Facts):
            self.crosswalk.apply(facts)
            self.aliases.apply(facts)
            facts = type_facts(facts)
        check_delivered_parents(self.store, facts.parents)  # reference data
        for label, table in facts.nodes.items():
            self.nodes[label].append(table)
        for pair, table in facts.rels.items():
            self.rels[pair].append(table)
        self.rows += facts.rows
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


@dataclass
class Part:
    """One chunk of a file, read and checked: its facts, and what it adds to the file's report."""

    facts: Facts | Typed
    read: int  # rows of the file read so far, and how many of them were exact duplicates
    duplicates: int
    counts: dict[str, int]  # loaded, quarantined, notes, id_cells, … of this chunk's rows
    encoding: str  # the file's, for its report should the file end at this part


COUNTED = ("loaded", "quarantined", "notes", "id_cells", "id_invalid", "required_cells", "required_missing")


def read_file(path: Path, relative: str, spec: SourceSpec, chunk_rows: int = CHUNK_ROWS,
              typed: bool = False) -> Iterator[Part | FileReport]:
    """A file's chunks read, checked and turned into facts (`Part`s, in order; `typed`: as the
    store takes them, for a load no alias applies to), then its report
    (encoding, remarks, error, rows read and duplicate, seconds of this work; the parts carry the
    rest). Never raises for bad data: a file that cannot be read, or stops being readable, ends
    with its error after the parts read before it. Needs no store: it runs in a process of its own."""
    report = FileReport(relative, spec.department, spec.dataset)
    busy, resumed = 0.0, time.perf_counter()
    duplicates = _Duplicates()
    try:
        with open_table(path, spec.format, spec.encoding, spec.header_row, spec.sheet, spec.delimiter) as table:
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
                        part = _part(spec, relative, table.headers, chunk, report, typed)
                        busy, chunk = busy + time.perf_counter() - resumed, []
                        yield part
                        resumed = time.perf_counter()
            except BrokenFile as exc:  # the rows read before the break are loaded, then the file reported
                broken = exc
            part = _part(spec, relative, table.headers, chunk, report, typed)
            busy += time.perf_counter() - resumed
            yield part
            resumed = time.perf_counter()
            if broken:
                raise broken
    except (BrokenFile, SpecError) as exc:
        report.error = str(exc)
    except UnicodeDecodeError as exc:  # pragma: no cover - surrogateescape decodes every byte
        report.error = f"{relative}: undecodable bytes: {exc}"
    report.seconds = busy + time.perf_counter() - resumed
    yield report


def _part(spec: SourceSpec, relative: str, headers: list[str], chunk: list[tuple[int, list]],
          report: FileReport, typed: bool) -> Part:
    checked = check_rows(spec, headers, chunk)
    batch = facts(spec, relative, checked)
    if checked.quarantined:
        batch.nodes["QuarantineEntry"].append(_quarantine(spec, relative, checked))
    counts = {"loaded": len(checked.numbers), "quarantined": len(checked.quarantined), "notes": checked.notes}
    counts.update((name, getattr(checked, name)) for name in COUNTED[3:])
    return Part(type_facts(batch) if typed else batch, report.read, report.duplicates, counts, report.encoding)


def add_file(buffer: FactBuffer, relative: str, spec: SourceSpec, parts: Iterable[Part | FileReport],
             progress: Callable[[int], None] | None = None) -> FileReport:
    """Add a file's parts (`read_file`'s, read here or in another process) to `buffer`, in order,
    and return the file's report. A part the store's reference data refuses (OfficeError) ends
    the file there, reported as its error, as a file that stops being readable does."""
    report = FileReport(relative, spec.department, spec.dataset)
    started, adding = time.perf_counter(), 0.0
    try:
        for part in parts:
            if isinstance(part, FileReport):  # the last: what the reading saw
                for name in ("encoding", "remarks", "error", "read", "duplicates"):
                    setattr(report, name, getattr(part, name))
                report.seconds = part.seconds + adding
                break
            mark = time.perf_counter()
            try:
                buffer.add(part.facts)
            except OfficeError as exc:
                report.read, report.duplicates, report.error = part.read, part.duplicates, str(exc)
                report.encoding = part.encoding
                report.seconds = time.perf_counter() - started
                break
            adding += time.perf_counter() - mark
            report.read, report.duplicates = part.read, part.duplicates
            for name in COUNTED:
                setattr(report, name, getattr(report, name) + part.counts[name])
            if progress:
                progress(report.read)
    finally:
        if hasattr(parts, "close"):  # a file left early is closed (its temporary file deleted) now
            parts.close()
    if progress:
        progress(report.read)
    return report


def load_file(store: Store, path: Path, relative: str, spec: SourceSpec, run: RunStamp,
              progress: Callable[[int], None] | None = None, chunk_rows: int = CHUNK_ROWS,
              buffer: FactBuffer | None = None) -> FileReport:
    """Load one file in chunks, in this process; never raises for bad data (the report says what
    happened). With a `buffer`, the facts may be written later, when it flushes; without one,
    before returning."""
    with FactBuffer(store, run) if buffer is None else contextlib.nullcontext(buffer) as facts_out:
        return add_file(facts_out, relative, spec, read_file(path, relative, spec, chunk_rows), progress)


def load_sources(directory: str | Path, store: Store, specs_dir: str | Path | None = None,
                 run: RunStamp | None = None,
                 progress: Callable[[str, int], None] | None = None,
                 delivered_on: dt.date | None = None, readers: int | None = None) -> LoadReport:
    """Load every file under `directory` that a spec in `specs_dir` (default: the shipped
    specs) matches, and record the run (LoadRun, one FileLoad per file) in the store.

    `delivered_on` is the day the department delivered the files (default: the day of the
    run); the ledger scores timeliness by it against each spec's schedule.

    `readers` processes read and check the files, largest first, while this one writes their
    facts to the store in the files' order (the graph is the one a single process writes);
    0 reads them here. Default: `CROSSAUDIT_LOAD_READERS`, else one per core when the files
    hold at least PARALLEL_BYTES, else 0."""
    directory = Path(directory)
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a folder")
    specs = load_specs(specs_dir or SHIPPED_SPECS)
    run = run or RunStamp.now()
    started = time.perf_counter()
    matched, unmatched = match_files(directory, specs)
    files = [(path, path.relative_to(directory).as_posix(), spec) for path, spec in matched]
    readers = _readers(readers, [path for path, _, _ in files])
    report = LoadReport(run.run_id, str(directory), unmatched=unmatched)
    store.apply_schema()
    store.upsert_nodes("LoadRun", [{"run_id": run.run_id, "started_at": run.at, "source_dir": report.source_dir,
                                    "specs_dir": str(specs_dir or SHIPPED_SPECS)}], run)  # finished: _record_run
    try:
        departments = {s.department: s.department_name for s in specs}
        store.upsert_nodes("Department", [{"code": c, "name": n or None} for c, n in sorted(departments.items())], run)
        with FactBuffer(store, run) as buffer, \
                FileReaders(files, readers, typed=lambda spec: not buffer.aliases.active
                            and not buffer.crosswalk.applies_to(spec)) as reading:
            for (path, relative, spec), parts in zip(files, reading):
                report.sources.append(add_file(buffer, relative, spec, parts,
                                               (lambda done, name=relative: progress(name, done)) if progress else None))
        report.seconds = time.perf_counter() - started
        _record_run(store, report, specs_dir, run, {(s.department, s.dataset): s for s in specs}, delivered_on)
    except Exception as exc:
        if is_disk_full(exc):
            raise StoreError(f"disk full: the store {redact_uris(store.uri)} could not write ({exc}). Load run "
                             f"{run.run_id} is left unfinished; free space on the store's disk, then load again.") from exc
        raise
    return report


def _readers(readers: int | None, paths: list[Path]) -> int:
    """The processes to read `paths` with: `readers` if given, else the default (`load_sources`);
    none by default in a daemonic process, which may start none."""
    explicit = readers is not None
    if readers is None:
        given = os.environ.get("CROSSAUDIT_LOAD_READERS", "").strip()
        if given:
            try:
                readers = int(given)
            except ValueError:
                raise ValueError(f"CROSSAUDIT_LOAD_READERS must be a whole number of processes, not {given!r}") from None
        elif sum(path.stat().st_size for path in paths) >= PARALLEL_BYTES:
            readers = usable_cores()
        else:
            readers = 0
    if readers < 0:
        raise ValueError(f"readers must be 0 (read here) or a number of processes, not {readers}")
    if readers and multiprocessing.current_process().daemon:  # e.g. a multiprocessing.Pool worker
        if explicit:
            raise ValueError(f"readers={readers}: this is a daemonic process (a multiprocessing pool's worker), which "
                             "may start no processes; load with readers=0 here, or from a process that is not daemonic")
        readers = 0
    return min(readers, len(paths)) if hasattr(os, "fork") else 0


class FileReaders:
    """Each file's parts (`read_file`), in the files' order: read here as they are asked for
    (`readers` 0), or by `readers` forked processes, largest file first, each writing a file's
    parts pickled to a temporary file that is read back one part at a time and deleted (memory
    holds a part, whatever the order the files finish in). An error a process meets other than
    bad data is raised here; leaving early stops the processes and deletes their files.

        with FileReaders(files, 2) as reading:
            for (path, relative, spec), parts in zip(files, reading): …"""

    def __init__(self, files: list[tuple[Path, str, SourceSpec]], readers: int, chunk_rows: int = CHUNK_ROWS,
                 temporary: str | Path | None = None,
                 typed: bool | Callable[[SourceSpec], bool] = False) -> None:
        self.files, self.readers, self.chunk_rows, self.temporary = files, readers, chunk_rows, temporary
        # the processes type a file's facts (`type_facts`) when no alias or department number applies
        # to them (a spec's: `typed(spec)`)
        self.typed = typed if callable(typed) else lambda spec: typed
        self.pool: ProcessPoolExecutor | None = None
        self.folder: tempfile.TemporaryDirectory | None = None

    def __enter__(self) -> "FileReaders":
        if self.readers:
            # forked before this load's writer thread starts; a child only reads files and writes its own
            self.folder = tempfile.TemporaryDirectory(prefix="crossaudit-load-", dir=self.temporary)
            self.pool = ProcessPoolExecutor(self.readers, mp_context=multiprocessing.get_context("fork"))
        return self

    def __iter__(self) -> Iterator[Iterator[Part | FileReport]]:
        if self.pool is None:
            for path, relative, spec in self.files:
                yield read_file(path, relative, spec, self.chunk_rows)
            return
        order = sorted(range(len(self.files)), key=lambda i: -self.files[i][0].stat().st_size)
        futures = {i: self.pool.submit(_read_to_file, *self.files[i], self.chunk_rows, self.typed(self.files[i][2]),
                                       os.path.join(self.folder.name, f"{i}.pickle")) for i in order}
        for i in range(len(self.files)):
            yield _parts_from(futures[i].result())

    def __exit__(self, *exc) -> None:
        try:
            if self.pool is not None:
                self.pool.shutdown(wait=True, cancel_futures=True)
        finally:
            if self.folder is not None:
                self.folder.cleanup()


def _read_to_file(path: Path, relative: str, spec: SourceSpec, chunk_rows: int, typed: bool, into: str) -> str:
    with open(into, "wb") as sink:
        for part in read_file(path, relative, spec, chunk_rows, typed):
            pickle.dump(part, sink, protocol=pickle.HIGHEST_PROTOCOL)
    return into


def _parts_from(name: str) -> Iterator[Part | FileReport]:
    try:
        with open(name, "rb") as source:
            while True:
                part = pickle.load(source)
                yield part
                if isinstance(part, FileReport):
                    return
    finally:
        os.unlink(name)


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
