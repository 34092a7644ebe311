"""Comparisons: each turns a field of many record pairs into comparison levels, vectorised.

Level -1 is "a value is missing" (no evidence either way), 0 is "different", and higher
levels are closer agreement up to the top level, "exact". A comparison scores each distinct
pair of values once (rapidfuzz `cpdist`), or, where its grade is array arithmetic over the value
codes (`arithmetic`), every pair at once; never one record pair at a time in Python.

    >>> JaroWinkler("surname").labels
    ('different', 'jaro-winkler >= 0.88', 'jaro-winkler >= 0.95', 'exact')
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np
import pandas as pd
from rapidfuzz import process
from rapidfuzz.distance import DamerauLevenshtein, JaroWinkler as JaroWinklerMetric, Levenshtein

from crossaudit.resolve.records import Column, Records

WORKERS = -1  # rapidfuzz threads: all cores
CHUNK = 1 << 18  # value pairs scored at a time: rapidfuzz holds a copy of each string it scores


@dataclass(frozen=True)
class Comparison:
    """Base: exact agreement is the top level; subclasses grade the values that differ.
    `m` and `u` (per level, "different" first) are the defaults that small data leans on;
    estimation replaces them wherever there are enough pairs."""
    column: str
    m: tuple[float, ...] | None = field(default=None, kw_only=True)
    u: tuple[float, ...] | None = field(default=None, kw_only=True)
    # columns that, equal too, each make a level above exact (the second needs the first as well)
    refine: str | tuple[str, ...] | None = field(default=None, kw_only=True)
    # grading is array arithmetic over the value codes, cheaper than finding the distinct pairs first
    arithmetic: ClassVar[bool] = False

    @property
    def name(self) -> str:
        return self.column

    @property
    def m_default(self) -> np.ndarray:
        graded = len(self.labels) - 2
        generic = [0.05, *([0.15 / graded] * graded), 0.8] if graded else [0.05, 0.95]
        return self._checked(self.m or generic)

    @property
    def u_default(self) -> np.ndarray:
        graded = len(self.labels) - 2
        return self._checked(self.u or [1 - 0.01 - 0.02 * graded, *([0.02] * graded), 0.01])

    def _checked(self, values) -> np.ndarray:
        values = np.asarray(values, np.float64)
        if len(values) != len(self.labels) or (values <= 0).any():
            raise ValueError(f"{self.name}: m and u need a positive probability for each of the levels "
                             f"{self.labels}, got {values.tolist()}")
        return values / values.sum()

    @property
    def refines(self) -> tuple[str, ...]:
        return (self.refine,) if isinstance(self.refine, str) else tuple(self.refine or ())

    @property
    def labels(self) -> tuple[str, ...]:
        refined = tuple(f"exact, same {', '.join(self.refines[: k + 1])}" for k in range(len(self.refines)))
        return ("different", *self._graded_labels(), "exact", *refined)

    def _graded_labels(self) -> tuple[str, ...]:
        return ()

    def _grade(self, column: Column, left: np.ndarray, right: np.ndarray, workers: int) -> np.ndarray:
        """Levels (0 … top-1) for distinct non-equal value codes `left`, `right` (`workers`
        threads where the scoring is rapidfuzz's)."""
        return np.zeros(len(left), np.int8)

    def _may_grade(self, column: Column, left: np.ndarray, right: np.ndarray) -> np.ndarray | None:
        """Which non-equal value pairs may reach a graded level (None: all may); the others are
        "different" without scoring, before the distinct pairs are sought."""
        return None

    def levels(self, records: Records, left: np.ndarray, right: np.ndarray, workers: int = WORKERS) -> np.ndarray:
        """The comparison level of each record pair (`left[k]`, `right[k]`); -1 uses all cores."""
        column = records.columns[self.column]
        a, b = column.codes[left], column.codes[right]
        out = np.full(len(a), -1, np.int8)
        both = (a >= 0) & (b >= 0)
        out[both] = 0
        exact = both & (a == b)
        top = len(self.labels) - 1 - len(self.refines)  # the plain exact level
        out[exact] = top
        agreeing = exact
        for k, refine in enumerate(self.refines, 1):  # both without it agree too (no region in either name)
            x, y = records.columns[refine].codes[left], records.columns[refine].codes[right]
            agreeing = agreeing & (x == y)
            out[agreeing] = top + k
        rest = np.flatnonzero(both & ~exact)
        if len(rest) and top > 1 and (may := self._may_grade(column, a[rest], b[rest])) is not None:
            rest = rest[may]
        if len(rest) and top > 1:
            a, b = a[rest], b[rest]
            width = np.int64(len(column.uniques))
            combined = a.astype(np.int64) * width + b
            if self.arithmetic or few_repeats(combined):  # finding the repeats would cost more than scoring them
                out[rest] = self._grade_chunks(column, a, b, workers)
            else:  # score each distinct pair of values once: names repeat across many record pairs
                inverse, distinct = pd.factorize(combined)
                del combined
                out[rest] = self._grade_chunks(column, distinct // width, distinct % width, workers)[inverse]
        return out

    def _grade_chunks(self, column: Column, left: np.ndarray, right: np.ndarray, workers: int) -> np.ndarray:
        """`_grade` of value pairs (codes `left`, `right`), a chunk's strings at a time."""
        cuts = range(CHUNK, len(left), CHUNK)
        return np.concatenate([self._grade(column, part_left, part_right, workers)
                               for part_left, part_right in zip(np.split(left, cuts), np.split(right, cuts))])


def few_repeats(codes: np.ndarray, sample: int = 1 << 16, most: float = 0.3) -> bool:
    """Whether fewer than `most` of `codes` repeat an earlier one, judged from a random sample
    (without replacement): a share r of N repeating shows about r·s²/N repeats among s of them
    (a birthday count). Small arrays say no (finding their repeats costs little).

        >>> few_repeats(np.arange(1_000_000)), few_repeats(np.arange(1_000_000) // 2)
        (True, False)
    """
    if len(codes) <= 4 * sample:
        return False
    # Floyd's sampling (shuffle=False): a fifth of the time of sorting random positions for np.unique
    picked = codes[np.random.default_rng(0).choice(len(codes), sample, replace=False, shuffle=False)]
    repeats = len(picked) - len(pd.unique(picked))
    return repeats * len(codes) / len(picked) ** 2 < most


def _strings(column: Column, codes: np.ndarray) -> np.ndarray:
    return column.strings[codes]


def _distances(column: Column, left: np.ndarray, right: np.ndarray, metric, most: int, workers: int) -> np.ndarray:
    """The edit distances of value pairs, anything above `most` as `most` + 1."""
    return process.cpdist(_strings(column, left), _strings(column, right), scorer=metric.distance, workers=workers,
                          score_cutoff=most + 1)


def _select(conditions: list[np.ndarray]) -> np.ndarray:
    """The first true condition, counted from the top graded level down; 0 if none."""
    levels = np.arange(len(conditions), 0, -1)
    return np.select(conditions, levels, default=0).astype(np.int8)


@dataclass(frozen=True)
class Exact(Comparison):
    """Exact agreement or not."""


@dataclass(frozen=True)
class JaroWinkler(Comparison):
    """Jaro-Winkler similarity at descending thresholds (good for Latin-script names)."""
    thresholds: tuple[float, ...] = (0.95, 0.88)

    def _graded_labels(self) -> tuple[str, ...]:
        return tuple(f"jaro-winkler >= {t}" for t in sorted(self.thresholds))

    def _grade(self, column, left, right, workers):
        similarity = process.cpdist(_strings(column, left), _strings(column, right),
                                    scorer=JaroWinklerMetric.normalized_similarity, workers=workers,
                                    dtype=np.float32)
        return _select([similarity >= t for t in sorted(self.thresholds, reverse=True)])


@dataclass(frozen=True)
class EditDistance(Comparison):
    """At most 1, 2 … character edits (Levenshtein; Damerau with `transpositions`): for
    identifiers, dates and short Chinese names where one wrong character is one edit. With
    `min_length`, values shorter than that which are near have a weaker level of their own: one
    character of a two-character name (王伟 | 王玮) is half the name. With `numbers_exact`, values
    whose digits differ are "different" however few the edits: 2201室 | 2202室 are two flats."""
    distances: tuple[int, ...] = (1, 2)
    transpositions: bool = False
    min_length: int = 0
    numbers_exact: bool = False

    def _graded_labels(self) -> tuple[str, ...]:
        short = (f"<= {max(self.distances)} edits, under {self.min_length} characters",) if self.min_length else ()
        return (*short, *(f"<= {d} edit{'s' * (d > 1)}" for d in sorted(self.distances, reverse=True)))

    def _may_grade(self, column, left, right):
        # three in four of the enterprise name pairs that share two characters are further apart
        return column.may_be_within(left, right, max(self.distances))

    def _grade(self, column, left, right, workers):
        most = max(self.distances)
        if self.transpositions:  # a transposition is two Levenshtein edits; Damerau's distance costs 7x more
            near = np.flatnonzero(_distances(column, left, right, Levenshtein, 2 * most, workers) <= 2 * most)
            distance = np.full(len(left), most + 1, np.int64)
            distance[near] = _distances(column, left[near], right[near], DamerauLevenshtein, most, workers)
        else:
            distance = _distances(column, left, right, Levenshtein, most, workers)
        levels = _select([distance <= d for d in sorted(self.distances)])
        if self.numbers_exact:
            levels[column.digits[left] != column.digits[right]] = 0
        if not self.min_length:
            return levels
        near = levels > 0
        short = np.maximum(column.lengths[left], column.lengths[right]) < self.min_length
        return np.where(near & short, 1, np.where(near, levels + 1, 0)).astype(np.int8)


@dataclass(frozen=True)
class DateCloseness(Comparison):
    """Dates (ISO text): one typed character off, then within each number of days."""
    days: tuple[int, ...] = (31, 365, 3653)

    def _graded_labels(self) -> tuple[str, ...]:
        return (*(f"within {d} days" for d in sorted(self.days, reverse=True)), "1 character off")

    def _grade(self, column, left, right, workers):
        typo = process.cpdist(_strings(column, left), _strings(column, right), scorer=DamerauLevenshtein.distance,
                              workers=workers, score_cutoff=2) <= 1
        apart = np.abs(column.days[left] - column.days[right])
        return _select([typo, *(apart <= d for d in sorted(self.days))])


@dataclass(frozen=True)
class NumberCloseness(Comparison):
    """Numbers within each relative difference: 0.01 is 1 % of the larger value."""
    relative: tuple[float, ...] = (0.01, 0.1)

    def _graded_labels(self) -> tuple[str, ...]:
        return tuple(f"within {r:.0%}" for r in sorted(self.relative, reverse=True))

    def _grade(self, column, left, right, workers):
        a, b = column.numbers[left], column.numbers[right]
        with np.errstate(invalid="ignore", divide="ignore"):
            difference = np.abs(a - b) / np.maximum(np.abs(a), np.abs(b))
        return _select([difference <= r for r in sorted(self.relative)])


@dataclass(frozen=True)
class Nested(Comparison):
    """Hierarchical codes (division codes without trailing zeros): one contains the other,
    as 宁夏 '64' contains 银川 '6401'."""
    arithmetic = True

    def _graded_labels(self) -> tuple[str, ...]:
        return ("one contains the other",)

    def _grade(self, column, left, right, workers):
        shorter_first = column.lengths[left] <= column.lengths[right]
        shorter, longer = np.where(shorter_first, left, right), np.where(shorter_first, right, left)
        return (column.prefixes[longer, column.lengths[shorter]] == shorter).astype(np.int8)


@dataclass(frozen=True)
class Overlap(Comparison):
    """Sets of values written joined by '|' (the enterprises a person works for or represents):
    the same set, sharing one, or none in common. With `disjoint_unknown`, none in common counts
    as nothing known (level -1, "missing"): a mention another department wrote sees one contract
    or house of the entity, the register sees others — not sharing one says little."""
    disjoint_unknown: bool = False

    def _graded_labels(self) -> tuple[str, ...]:
        return ("share one",)

    def levels(self, records: Records, left: np.ndarray, right: np.ndarray, workers: int = WORKERS) -> np.ndarray:
        out = super().levels(records, left, right, workers)
        if self.disjoint_unknown:
            out[out == 0] = -1
        return out

    def _grade(self, column, left, right, workers):
        # Only the pairs' own values are split: explain() grades one pair of a column of millions.
        strings = column.strings
        return np.fromiter((not frozenset(strings[a].split("|")).isdisjoint(strings[b].split("|"))
                            for a, b in zip(left, right)), np.int8, len(left))
