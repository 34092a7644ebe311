"""Records prepared for resolution: each field normalised once and coded as integers.

    >>> records = prepare(pd.DataFrame({"record_id": ["a", "b"], "name": [" Ann ", "Ann"]}),
    ...                   (Field("name", str.strip),), "record_id")
    >>> records.columns["name"].codes.tolist()
    [0, 0]
"""
from __future__ import annotations

import os
import pickle
import re
import traceback
from dataclasses import dataclass
from functools import cached_property
from itertools import chain
from typing import Any, Callable, Iterator

import numpy as np
import pandas as pd

from crossaudit import collector_paused, usable_cores
from crossaudit.resolve.normalise import addresses_kept


class MissingColumn(KeyError):
    """A field's source column is not in the records; the message names it."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class Field:
    """A column the resolver reads: `normalise` maps each distinct raw value of `source`
    (default: the same name; several columns arrive joined by '|') to the compared value,
    None for missing. A source column absent from the records is an error unless the field
    is `optional` (then all its values are missing)."""
    name: str
    normalise: Callable[[Any], Any] | None = None
    source: str | tuple[str, ...] | None = None
    optional: bool = False

    @property
    def sources(self) -> tuple[str, ...]:
        source = self.source or self.name
        return source if isinstance(source, tuple) else (source,)

    def raw(self, frame: pd.DataFrame) -> pd.Series:
        """This field's input values in `frame`; MissingColumn names an absent required column."""
        absent = [name for name in self.sources if name not in frame]
        if absent and not self.optional:
            raise MissingColumn(f"field {self.name!r} reads column {absent[0]!r}, which the records lack "
                                f"(columns: {', '.join(map(str, frame.columns))}); add the column, or declare "
                                f"Field({self.name!r}, ..., optional=True)")
        if isinstance(self.source, tuple):
            texts = (_texts(self.raw_column(frame, name)) for name in self.sources)
            return pd.Series(list(map("|".join, zip(*texts))), index=frame.index, dtype=object)
        return self.raw_column(frame, self.sources[0])

    @staticmethod
    def raw_column(frame: pd.DataFrame, name: str) -> pd.Series:
        return frame[name] if name in frame else pd.Series([None] * len(frame), dtype=object, index=frame.index)


def _texts(column: pd.Series) -> Iterator[str]:
    """Each value as text, '' where missing; joined in Python, a third of pandas' string methods' time."""
    values = column.to_numpy(dtype=object, copy=True)
    values[pd.isna(values)] = ""
    return map(str, values)


class Column:
    """One normalised column: integer codes per record (-1 for missing) over its distinct values."""

    def __init__(self, table: np.ndarray, codes: np.ndarray):
        """Per record `table[codes]`: the distinct values are found in the table (a raw column's
        distinct values normalised, None last for code -1), not among the records; in the
        order the records first hold them all the same, as the table's follow the records'."""
        table_codes, uniques = pd.factorize(np.asarray(table, dtype=object), use_na_sentinel=True)  # an Index costs a third more
        self.codes = table_codes.astype(np.int32)[codes]
        self.uniques = np.asarray(uniques, dtype=object)

    @cached_property
    def strings(self) -> np.ndarray:
        return np.array([str(value) for value in self.uniques], dtype=object)

    @cached_property
    def lengths(self) -> np.ndarray:
        return np.array([len(value) for value in self.strings], np.int64)

    @cached_property
    def character_bits(self) -> np.ndarray:
        """Per distinct value a uint64 with bit (code point mod 64) set for each of its characters:
        two values whose bits differ in more than 2k places are more than k edits apart."""
        strings = self.strings
        lengths = self.lengths
        chars = np.frombuffer("".join(strings).encode("utf-32-le", "surrogatepass"), np.uint32)
        bits = np.left_shift(np.uint64(1), (chars % 64).astype(np.uint64))
        starts = np.cumsum(lengths) - lengths
        out = np.zeros(len(strings), np.uint64)
        present = lengths > 0  # reduceat would give an empty value its next value's first character
        out[present] = np.bitwise_or.reduceat(bits, starts[present]) if present.any() else out[present]
        return out

    def may_be_within(self, left: np.ndarray, right: np.ndarray, edits: int, by_record: bool = False) -> np.ndarray:
        """Per pair of value codes (`left[k]`, `right[k]`), or of record positions with
        `by_record` (records that have a value), whether the two values may be `edits` or fewer
        edits apart: lengths further apart, or character sets differing in more than 2·edits
        places (an edit, a transposition too, changes the set by two at most), are not."""
        lengths, bits = (self.record_lengths, self.record_bits) if by_record else (self.lengths, self.character_bits)
        near = np.abs(lengths[left] - lengths[right]) <= edits
        left, right = left[near], right[near]  # the sets of the pairs near in length only
        near[near] = np.bitwise_count(bits[left] ^ bits[right]) <= 2 * edits
        return near

    @cached_property
    def record_lengths(self) -> np.ndarray:
        """Each record's value's length (0 where missing): for millions of pairs of records, one
        look-up a record rather than two."""
        return np.append(self.lengths.astype(np.int32), np.int32(0))[self.codes]  # code -1 takes the 0

    @cached_property
    def record_bits(self) -> np.ndarray:
        """Each record's value's `character_bits` (0 where missing)."""
        return np.append(self.character_bits, np.uint64(0))[self.codes]

    @cached_property
    def prefixes(self) -> np.ndarray:
        """Per distinct value and length L (a column each, 0 … the longest), the code of its first
        L characters among the distinct values, -1 if none: for short codes, a few columns."""
        code = {value: k for k, value in enumerate(self.strings)}
        out = np.full((len(self.strings), int(self.lengths.max(initial=0)) + 1), -1, np.int32)
        for k, value in enumerate(self.strings):
            out[k, : len(value) + 1] = [code.get(value[:length], -1) for length in range(len(value) + 1)]
        return out

    @cached_property
    def digits(self) -> np.ndarray:
        """The digits of each distinct value, in order: `'51号24号楼2201室'` → `'51242201'`."""
        return np.array([re.sub(r"\D", "", value) for value in self.strings], dtype=object)

    @cached_property
    def numbers(self) -> np.ndarray:
        return pd.to_numeric(pd.Series(self.uniques, dtype=object), errors="coerce").to_numpy(np.float64)

    @cached_property
    def days(self) -> np.ndarray:
        """Each distinct value as days since 1970 (NaN if not a date)."""
        dates = pd.to_datetime(pd.Series(self.uniques, dtype=object), errors="coerce", format="ISO8601")
        return (dates - pd.Timestamp("1970-01-01")).dt.days.to_numpy(np.float64)

    def values(self, index: np.ndarray) -> np.ndarray:
        """The normalised values of the records at `index` (None where missing)."""
        codes = self.codes[index]
        out = np.full(len(codes), None, dtype=object)
        present = codes >= 0
        out[present] = self.uniques[codes[present]]
        return out


@dataclass
class Records:
    """The records of one run: ids, normalised columns, and the source each came from."""
    ids: np.ndarray  # object array of record ids (str)
    columns: dict[str, Column]
    sources: np.ndarray  # int32 source code per record (all 0 without a source column)
    source_names: list[str]

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def position(self) -> dict[str, int]:
        return {record_id: i for i, record_id in enumerate(self.ids)}

    def index_of(self, record_ids) -> np.ndarray:
        """Row positions of record ids; KeyError names an unknown id."""
        return np.fromiter((self.position[str(r)] for r in record_ids), dtype=np.int64)


def as_dataframe(table) -> pd.DataFrame:
    """A pandas DataFrame from a DataFrame or a pyarrow Table."""
    return table if isinstance(table, pd.DataFrame) else table.to_pandas()


def normalised_columns(frame: pd.DataFrame, fields: tuple[Field, ...], workers: int = -1) -> dict[str, np.ndarray]:
    """Each field's normalised values (None where missing): `normalised_tables` record by record.

        >>> normalised_columns(pd.DataFrame({"name": [" Ann ", None]}),
        ...                    (Field("name", str.strip), Field("raw", source="name")))["name"].tolist()
        ['Ann', None]
    """
    return {name: table[codes] for name, (table, codes) in normalised_tables(frame, fields, workers).items()}


def normalised_tables(frame: pd.DataFrame, fields: tuple[Field, ...],
                      workers: int = -1) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Per field (its normalised value of each distinct raw value, then None; each record's
    raw value's code, -1 where missing), its normaliser applied once per distinct raw value.
    Fields that read the same columns are normalised together, value by value: the five fields
    made from an enterprise's name each ask `enterprise_name_parts` for the value just parsed,
    which its cache still holds however many distinct names there are. Normalising is Python,
    one core's work: with `workers` processes (-1: a core each; see `forked`) each forked
    process normalises a share of every group's distinct values."""
    groups: dict[tuple, list[Field]] = {}
    for field in fields:
        groups.setdefault((isinstance(field.source, tuple), field.sources), []).append(field)
    jobs = []
    for group in groups.values():
        raw = [field.raw(frame) for field in group][0]  # every field checks its own columns
        codes, uniques = pd.factorize(raw.to_numpy(dtype=object), use_na_sentinel=True)
        jobs.append((group, codes, [field.normalise or (lambda value: value) for field in group], uniques))
    processes = processes_for(workers, sum(len(uniques) for *_, uniques in jobs))

    bounds = np.cumsum([0.0, PARENT_SHARE, *([1.0] * (processes - 1))])
    bounds /= bounds[-1]

    def share(k: int) -> list[list[list]]:  # the k-th of `processes` shares of each group's values
        return [_value_by_value(normalisers, uniques[int(len(uniques) * bounds[k]): int(len(uniques) * bounds[k + 1])])
                for _, _, normalisers, uniques in jobs]

    # the cycle collector's passes over each value's row and cached parse took 1.3 s of 6.9 s
    # normalising 100k+100k persons; no cycles are made
    with collector_paused(), addresses_kept():
        shares = forked(share, processes)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for position, (group, codes, _, uniques) in enumerate(jobs):
        for k, field in enumerate(group):
            values = chain.from_iterable(part[position][k] for part in shares)
            # None last, for code -1; fromiter, unlike assigning a list, does not look into each value
            out[field.name] = np.fromiter(chain(values, (None,)), dtype=object, count=len(uniques) + 1), codes
    return out


def _value_by_value(normalisers: list[Callable[[Any], Any]], uniques: np.ndarray) -> list[list]:
    """Each normaliser's values of `uniques`, all normalisers applied to one value before the
    next value; a single normaliser (most groups) maps straight, without a row per value."""
    if len(normalisers) == 1:
        return [list(map(normalisers[0], uniques))]
    rows = [[normalise(value) for normalise in normalisers] for value in uniques]
    return [[row[k] for row in rows] for k in range(len(normalisers))]


# the parent normalises a larger share than each forked child: a child's pages are copied as it
# touches them, and it pickles its values for the parent to read. 100k+100k enterprises, halves:
# the parent waited 0.3-0.6 s for the child; with 1.3 shares to the child's 1, 0.1-0.2 s
PARENT_SHARE = 1.3
VALUES_PER_PROCESS = 25_000  # fewer distinct values than this a process are normalised in one


def processes_for(workers: int, items: int, per_process: int = VALUES_PER_PROCESS) -> int:
    """How many processes share `items` among `workers` (-1: a core each), each at least `per_process`."""
    wanted = usable_cores() if workers < 0 else workers
    return max(1, min(wanted, items // per_process)) if hasattr(os, "fork") else 1


def forked(work: Callable[[int], Any], processes: int) -> list:
    """[work(0), …, work(processes - 1)]: work(0) here, each other in a forked child of this
    process that sends its result back pickled (an error it raises is raised here). The
    children share this process's memory until they write to it."""
    children = []
    try:
        for k in range(1, processes):
            read, write = os.pipe()
            pid = os.fork()
            if pid == 0:  # the child: its share, then gone without running the parent's exit handlers
                os.close(read)
                try:
                    with os.fdopen(write, "wb") as sink:
                        try:
                            outcome = (True, work(k))
                        except BaseException as error:  # noqa: BLE001 - raised again in the parent
                            outcome = (False, _picklable(error))
                        # pickled whole before writing: while the parent still works on its share, not
                        # a pipe's buffer at a time as the parent reads
                        sink.write(pickle.dumps(outcome, protocol=pickle.HIGHEST_PROTOCOL))
                finally:
                    os._exit(0)
            os.close(write)
            children.append((pid, os.fdopen(read, "rb")))
        results = [work(0)]
        for pid, source in children:
            done, result = pickle.load(source)
            if not done:
                raise result
            results.append(result)
        return results
    finally:
        for pid, source in children:
            source.close()
            os.waitpid(pid, 0)


def _picklable(error: BaseException) -> BaseException:
    try:
        pickle.loads(pickle.dumps(error))
        return error
    except Exception:  # noqa: BLE001 - an error that cannot travel travels as its text
        return RuntimeError("".join(traceback.format_exception(error)))


def prepare(table, fields: tuple[Field, ...], id_column: str, source_column: str | None = None,
            workers: int = -1) -> Records:
    """Normalise `fields` of `table` (in `workers` processes, see `normalised_columns`); an
    optional field whose source column is absent is all missing."""
    frame = as_dataframe(table)
    if id_column not in frame:
        raise KeyError(f"the records have no id column {id_column!r}; columns are {list(frame.columns)}")
    ids = frame[id_column].astype(str).to_numpy(dtype=object)
    if len(set(ids)) != len(ids):
        duplicated = pd.Series(ids).loc[pd.Series(ids).duplicated()].iloc[0]
        raise ValueError(f"record ids must be unique; {duplicated!r} appears more than once")
    tables = normalised_tables(frame, fields, workers)
    columns = {field.name: Column(*tables[field.name]) for field in fields}
    if source_column:
        source_codes, source_names = pd.factorize(frame[source_column].astype(str))
        sources, names = source_codes.astype(np.int32), [str(name) for name in source_names]
    else:
        sources, names = np.zeros(len(frame), np.int32), ["records"]
    return Records(ids, columns, sources, names)
