"""Blocking: which record pairs are compared at all. Each key groups records sharing a value;
the candidate pairs are the union over all keys.

    >>> BlockOn(("given_name", "surname")).label
    'given_name+surname'
"""
from __future__ import annotations

from dataclasses import dataclass
from itertools import chain
from typing import Callable

import numpy as np
import pandas as pd

from crossaudit.resolve.records import Records, forked, processes_for


# --- key functions: one value → its keys ----------------------------------------------------

class Grams:
    """Overlapping `n`-character keys, or the text itself when shorter: `bigrams('华兴科技')` →
    `['华兴', '兴科', '科技']`. `codes` gives the keys of many texts at once, as integers."""

    def __init__(self, n: int, name: str):
        self.n, self.__name__ = n, name

    def __call__(self, text: str) -> list[str]:
        return [text[i: i + self.n] for i in range(len(text) - self.n + 1)] or [text]

    def codes(self, texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(per text the number of its keys, every key of every text one after another as an
        int64: equal keys, equal integers), without a list per text. A key's characters take
        21 bits each (a code point's); a text shorter than n, its own key, is negative.

            >>> counts, codes = bigrams.codes(np.array(["华兴科", "兴科", "华"], dtype=object))
            >>> counts.tolist(), bool(codes[1] == codes[2]), bool(codes[3] < 0)  # 兴科 twice; 华 alone
            ([2, 1, 1], True, True)
        """
        n = self.n
        lengths = np.fromiter(map(len, texts), np.int64, len(texts))
        chars = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), np.uint32).astype(np.int64)
        chars = np.append(chars, np.zeros(n, np.int64))  # a short last text reads zeros past its end
        counts = np.maximum(lengths - n + 1, 1)
        text = np.repeat(np.arange(len(texts)), counts)
        at = _ragged_ranges(np.cumsum(lengths) - lengths, counts)  # each key's first character
        width = np.minimum(lengths[text], n)
        codes = np.zeros(len(at), np.int64)
        for k in range(n):
            codes |= np.where(k < width, chars[at + k], 0) << (21 * k)
        short = width < n
        codes[short] = -1 - (codes[short] | (width[short] << (21 * (n - 1))))
        return counts, codes


bigrams = Grams(2, "bigrams")  # 华兴科技 → 华兴, 兴科, 科技
# 华兴科技 → 华兴科, 兴科技: where a common pair of characters (新材, 科技) makes a block too large to
# compare, three rarely do
trigrams = Grams(3, "trigrams")


def deletions(text: str) -> list[str]:
    """The text and each text one character shorter: two names one substitution, insertion or
    deletion apart share a key (华兴科技|华星科技 share 华科技), however common their character
    pairs; texts of two characters or fewer are their own only key.

        >>> deletions("华兴科")
        ['华兴科', '兴科', '华科', '华兴']
    """
    if len(text) <= 2:
        return [text]
    return list(dict.fromkeys([text, *(text[:k] + text[k + 1:] for k in range(len(text)))]))


def prefix(length: int):
    """A key function keeping the first `length` characters."""
    def first(text: str) -> list[str]:
        return [text[:length]]
    first.__name__ = f"prefix{length}"
    return first


@dataclass(frozen=True)
class BlockOn:
    """Records with equal values in all `columns` are candidates. `keys`, for a single column,
    turns one value into several keys (tokens, a prefix); blocks larger than `max_block`
    records are skipped as too common to tell anything (count them with `blocking_report`).
    `within_edits`, for a single column, pairs only values that may be that many edits apart
    (`Column.may_be_within`: by their lengths and sets of characters, without scoring them):
    for a column a pair must agree on within so many edits to be merged (a required edit-distance
    comparison), where two names sharing a pair of characters are mostly further apart. `link`
    still trains on the pairs left out (`LeftOut`), so the model does not move with the bound."""
    columns: tuple[str, ...]
    keys: Callable[[str], list[str]] | None = None
    max_block: int = 500
    within_edits: int | None = None

    def __post_init__(self):
        if self.keys and len(self.columns) != 1:
            raise ValueError("a key function applies to one column")
        if self.within_edits is not None and (len(self.columns) != 1 or self.within_edits < 0):
            raise ValueError("within_edits applies to one column and counts edits (0 or more), "
                             f"got {self.within_edits!r} for {self.columns}")

    @property
    def label(self) -> str:
        return "+".join(self.columns) + (f"/{self.keys.__name__}" if self.keys else "")


def key_codes(records: Records, key: BlockOn) -> tuple[np.ndarray, np.ndarray]:
    """(record positions, key value codes) for every record that has the key."""
    if key.keys:  # each distinct value's tokens once, then every record holding it takes them
        column = records.columns[key.columns[0]]
        counts, tokens = _tokens(key.keys, column.strings)
        token_codes = pd.factorize(tokens)[0]
        present = np.flatnonzero(column.codes >= 0)
        value = column.codes[present]
        per_record = counts[value]
        starts = np.cumsum(counts) - counts
        return (np.repeat(present, per_record).astype(np.int64),
                token_codes[_ragged_ranges(starts[value], per_record)].astype(np.int64))
    combined = np.zeros(len(records), np.int64)
    present = np.ones(len(records), bool)
    for name in key.columns:
        codes = records.columns[name].codes
        present &= codes >= 0
        combined = pd.factorize(combined * (codes.max(initial=0) + 2) + codes)[0].astype(np.int64)
    rows = np.flatnonzero(present)
    return rows, combined[rows]


def _tokens(keys: Callable[[str], list[str]], texts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(per text the number of its keys, the keys of all texts one after another): as a key
    function offering `codes` gives them (many texts at once, as integers), else text by text."""
    if hasattr(keys, "codes"):
        return keys.codes(texts)
    tokens = [keys(text) for text in texts]
    return (np.fromiter(map(len, tokens), np.int64, len(tokens)),
            pd.Series(list(chain.from_iterable(tokens)), dtype=object).to_numpy())


def pairs_in_blocks(rows: np.ndarray, keys: np.ndarray, sources: np.ndarray, link_only: bool,
                    max_block: int) -> tuple[np.ndarray, np.ndarray, int]:
    """Every pair (i < j) sharing a key value; with `link_only`, only pairs across sources.
    Returns the pairs and the number of key values skipped for exceeding `max_block`.

        >>> i, j, skipped = pairs_in_blocks(np.array([0, 1, 2, 3]), np.array([0, 0, 0, 1]),
        ...                                 np.array([0, 1, 1, 0]), True, 10)
        >>> sorted(zip(i.tolist(), j.tolist())), skipped
        ([(0, 1), (0, 2)], 0)
    """
    width = np.int64(rows.max(initial=0)) + 1
    entries = sorted_unique(keys.astype(np.int64) * width + rows)  # by key, then record
    key, record = entries // width, (entries % width).astype(np.int32)  # int32: pairs run into millions
    per_key = np.bincount(key)  # key codes run 0 … k-1
    skipped = int((per_key > max_block).sum())
    sizes = per_key[key]
    kept = (sizes > 1) & (sizes <= max_block)  # a block of one makes no pair
    key, record = key[kept], record[kept]
    if not link_only:
        return *_pairs_within(key, record), skipped
    source = sources[record]
    parts = [_pairs_across(key[source == s], record[source == s], key[source == t], record[source == t])
             for s in np.unique(source) for t in np.unique(source) if s < t]
    left, right = (parts[0] if len(parts) == 1 else
                   [np.concatenate([p[k] for p in parts] or [np.empty(0, np.int32)]) for k in (0, 1)])
    return np.minimum(left, right), np.maximum(left, right), skipped


def _ragged_ranges(starts: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """The ranges starts[k] … starts[k] + counts[k] - 1, one after another."""
    ranges = np.repeat(starts - (np.cumsum(counts) - counts), counts)  # each range's start less its offset
    ranges += np.arange(len(ranges))
    return ranges


def _pairs_across(left_key: np.ndarray, left_record: np.ndarray, right_key: np.ndarray,
                  right_record: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each left entry with every right entry of its key (both sorted by key)."""
    size = int(max(left_key.max(initial=-1), right_key.max(initial=-1))) + 1
    first = np.searchsorted(right_key, np.arange(size))
    count = np.bincount(right_key, minlength=size)
    partners = count[left_key]
    return np.repeat(left_record, partners), right_record[_ragged_ranges(first[left_key], partners)]


def _pairs_within(key: np.ndarray, record: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each entry with every later entry of its key (sorted by key, then record)."""
    position = np.arange(len(key))
    end = np.searchsorted(key, key, side="right")  # one past each entry's block
    later = end - position - 1
    return np.repeat(record, later), record[_ragged_ranges(position + 1, later)]


def encode(i: np.ndarray, j: np.ndarray, n: int) -> np.ndarray:
    """One int64 per pair (i < j), for set operations on pairs."""
    codes = i.astype(np.int64)
    codes *= n
    codes += j
    return codes


def decode(codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    return codes // n, codes % n


def candidate_pairs(records: Records, keys: tuple[BlockOn, ...], link_only: bool = False,
                    on_key: Callable[[BlockOn, np.ndarray, int], None] | None = None,
                    apart: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
                    workers: int = 1) -> np.ndarray:
    """The union of all keys' pairs as sorted pair codes (see `encode`); `on_key(key, codes,
    skipped)` sees each key's own pairs, sorted (for blocking reports). `apart(i, j)` marks pairs
    known to be two entities (two different valid identifiers): no key's pairs hold them (two in
    five of an enterprise key's pairs at 100k). With `workers` processes (-1: a core each; one
    below RECORDS_PER_PROCESS records a process), each forked process pairs a share of every
    key's blocks."""
    return keyed_candidate_pairs(records, keys, link_only, on_key, apart, workers)[0]


RECORDS_PER_PROCESS = 50_000  # fewer records than this a process are blocked in one


def keyed_candidate_pairs(records: Records, keys: tuple[BlockOn, ...], link_only: bool = False,
                          on_key: Callable[[BlockOn, np.ndarray, int], None] | None = None,
                          apart: Callable[[np.ndarray, np.ndarray], np.ndarray] | None = None,
                          workers: int = 1,
                          on_dropped: Callable[[BlockOn, np.ndarray, int], None] | None = None,
                          dropped_sample: int = 300_000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`candidate_pairs` and, per pair, which keys found it: bit k of `found_by[p]` is set when
    `keys[k]` has pair p. Each key's sorted codes carry its number in their lowest bits, so the
    merge of the sorted runs that makes the union also groups each pair's keys (no binary search
    of every key's pairs in the union afterwards). `on_dropped(key, codes, count)` sees, for each
    key with `within_edits`, how many pairs its blocks held that the bound left out (a pair
    sharing several keys counted as often) and their codes, unsorted, before `apart`: all of
    them, or where a process's share of a key left out more than `dropped_sample`, those `drawn`
    at the rate that keeps about that many (a caller's draw at a lower rate takes a subset)."""
    if len(keys) > 64:
        raise ValueError(f"at most 64 blocking keys, got {len(keys)}")
    n, width = len(records), np.int64(len(keys))
    processes = processes_for(workers, n, RECORDS_PER_PROCESS)
    for key in keys:  # computed once here, not in each forked process
        if key.within_edits is not None:
            records.columns[key.columns[0]].record_lengths, records.columns[key.columns[0]].record_bits

    def share(k: int) -> list[tuple[np.ndarray, int, np.ndarray | None, int]]:  # per key, of the k-th share of its blocks
        return [_key_pairs(records, key, link_only, apart, k, processes, max(dropped_sample, 1) if on_dropped else None,
                           seed) for key in keys]

    shares = forked(share, processes)
    found = []
    for number, key in enumerate(keys):
        if on_dropped and key.within_edits is not None:
            dropped = [part[number][2] for part in shares]
            on_dropped(key, dropped[0] if len(dropped) == 1 else np.concatenate(dropped),
                       sum(part[number][3] for part in shares))
        runs = [part[number][0] for part in shares]
        if on_key:
            codes = runs[0] if len(runs) == 1 else np.concatenate(runs)
            codes.sort(kind="stable")  # merges the shares' sorted runs
            on_key(key, codes, sum(part[number][1] for part in shares))
            runs = [codes]
        found += [codes * width + number for codes in runs]
    del shares
    bits = np.min_scalar_type(1 << max(len(keys) - 1, 0))  # uint8 for up to 8 keys, uint16 for 16 …
    if not found:
        return np.empty(0, np.int64), np.empty(0, bits)
    entries = np.concatenate(found)
    del found
    entries.sort(kind="stable")  # timsort merges the sorted runs: a twentieth of quicksort's time
    pair, number = np.divmod(entries, width)
    del entries
    first = np.ones(len(pair), bool)
    first[1:] = pair[1:] != pair[:-1]
    starts = np.flatnonzero(first)
    found_by = np.bitwise_or.reduceat(np.left_shift(1, number.astype(bits), dtype=bits), starts) \
        if len(starts) else np.empty(0, bits)
    return pair[starts], found_by


def _key_pairs(records: Records, key: BlockOn, link_only: bool,
               apart: Callable[[np.ndarray, np.ndarray], np.ndarray] | None,
               share: int = 0, shares: int = 1, dropped: int | None = None,
               seed: int = 0) -> tuple[np.ndarray, int, np.ndarray | None, int]:
    """(the sorted pair codes of one key's blocks whose code is `share` modulo `shares`, less the
    pairs `apart` marks; the blocks skipped as larger than its max_block; with a `dropped` sample
    size, the codes of the pairs its `within_edits` left out, unsorted, about that many at most
    (`drawn`), else None; how many it left out)."""
    rows, values = key_codes(records, key)
    if shares > 1:
        mine = values % shares == share
        rows, values = rows[mine], values[mine]
    i, j, skipped = pairs_in_blocks(rows, values, records.sources, link_only, key.max_block)
    far, left_out = None, 0
    if key.within_edits is not None:
        near = records.columns[key.columns[0]].may_be_within(i, j, key.within_edits, by_record=True)
        beyond = ~near
        left_out = int(beyond.sum())
        if dropped is not None:
            far = encode(i[beyond], j[beyond], len(records))
            if left_out > dropped:
                far = far[drawn(far, dropped / left_out, seed)]
        i, j = i[near], j[near]
    if apart is not None:
        kept = ~apart(i, j)
        i, j = i[kept], j[kept]
    codes = encode(i, j, len(records))
    codes.sort()  # the union then merges sorted runs
    return codes, skipped, far, left_out


def drawn(codes: np.ndarray, rate: float, seed: int = 0) -> np.ndarray:
    """Which pair codes a draw at `rate` takes, by a hash of each code (Fibonacci hashing): a pair
    is drawn alike wherever it turns up (under each key, in each process), and a draw at a lower
    rate takes a subset of one at a higher rate.

        >>> codes = np.arange(100_000)
        >>> half, tenth = drawn(codes, 0.5), drawn(codes, 0.1)
        >>> 0.45 < half.mean() < 0.55 and 0.08 < tenth.mean() < 0.12 and bool((half | ~tenth).all())
        True
    """
    hashed = (codes.astype(np.uint64) ^ np.uint64(seed % (1 << 64))) * np.uint64(0x9E3779B97F4A7C15)
    return (hashed >> np.uint64(11)) < np.uint64(rate * (1 << 53))


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """np.unique by sorting (faster than its hash path for millions of int64); sorts `values`
    in place (its callers pass arrays of their own making, of a hundred MB at 100k records)."""
    values.sort()
    keep = np.ones(len(values), bool)
    keep[1:] = values[1:] != values[:-1]
    return values[keep]


def in_sorted(values: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """Per value, whether sorted `codes` hold it (a binary search, not np.isin's sort of both).

        >>> in_sorted(np.array([5, 1, 9]), np.array([1, 4, 5])).tolist()
        [True, True, False]
    """
    at = np.minimum(np.searchsorted(codes, values), max(len(codes) - 1, 0))
    return codes[at] == values if len(codes) else np.zeros(len(values), bool)
