"""`link`: records in, entities out — matched pairs with their scores and per-field
contributions, a stable entity id per record, the pairs left for review, and related records.

    from crossaudit.resolve import link, CONFIGS
    result = link(frame, CONFIGS["enterprise"], id_column="record_id")
    result.clusters       # record_id, entity_id, method, probability, weight, matched_with
    result.review         # the pairs between the two thresholds
    print(result.explain("amr:3", "tax:17"))
"""
from __future__ import annotations

import hashlib
import time
import warnings
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from crossaudit.resolve.blocking import (BlockOn, decode, drawn, encode, in_sorted, keyed_candidate_pairs,
                                         pairs_in_blocks, sorted_unique)
from crossaudit.resolve.cluster import constrained_clusters
from crossaudit.resolve.comparisons import WORKERS
from crossaudit.resolve.config import EntityConfig
from crossaudit.resolve.fellegi_sunter import Model, combine_m, estimate_m, estimate_u, patterns, without_matches
from crossaudit.resolve.records import Field, Records, forked, prepare, processes_for

METHODS = ("judgement", "identifier", "probabilistic")  # strongest first


def comparison_levels(records: Records, config: EntityConfig, i: np.ndarray, j: np.ndarray,
                      workers: int = WORKERS) -> np.ndarray:
    """The comparison-level matrix (pairs × comparisons, int8; -1 where a value is missing).
    Scoring strings is one core's work (rapidfuzz's threads share only its arithmetic, not the
    reading of each string): with `workers` processes (-1: a core each) each forked process
    compares a share of the pairs (`forked`; one process below PAIRS_PER_PROCESS pairs a process)."""
    processes = processes_for(workers, len(i), PAIRS_PER_PROCESS)

    def share(k: int) -> np.ndarray:
        part = slice(len(i) * k // processes, len(i) * (k + 1) // processes)
        return _levels(records, config, i[part], j[part], workers if processes == 1 else 1)

    parts = forked(share, processes)
    return parts[0] if processes == 1 else np.concatenate(parts)


def _levels(records: Records, config: EntityConfig, i: np.ndarray, j: np.ndarray, workers: int) -> np.ndarray:
    """`comparison_levels` in this process, a million pairs at a time: a comparison's masks,
    indices and distinct value pairs take tens of bytes a pair, several times the matrix's own."""
    gamma = np.empty((len(i), len(config.comparisons)), np.int8)
    for start in range(0, len(i), PAIRS_AT_A_TIME):
        part = slice(start, start + PAIRS_AT_A_TIME)
        for k, comparison in enumerate(config.comparisons):
            gamma[part, k] = comparison.levels(records, i[part], j[part], workers)
    return gamma


PAIRS_AT_A_TIME = 1 << 20
PAIRS_PER_PROCESS = 1 << 17  # fewer pairs a process are compared in one: forking a 1 GB process takes ~45 ms, comparing 131k pairs ~90 ms


def total_pairs(records: Records, link_only: bool) -> int:
    n = len(records)
    if not link_only:
        return n * (n - 1) // 2
    sizes = np.bincount(records.sources).astype(np.int64)
    return int((sizes.sum() ** 2 - (sizes ** 2).sum()) // 2)


def random_pairs(records: Records, link_only: bool, count: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """About `count` random pairs, drawn with replacement (all pairs when there are fewer: with
    `link_only`, those across sources, without listing the pairs within one, which a source of
    100k records beside a few others would make billions of)."""
    n = len(records)
    if total_pairs(records, link_only) > count:
        rng = np.random.default_rng(seed)
        i, j = rng.integers(0, n, 2 * count), rng.integers(0, n, 2 * count)
    elif link_only:
        groups = [np.flatnonzero(records.sources == source) for source in np.unique(records.sources)]
        parts = [(np.repeat(a, len(b)), np.tile(b, len(a))) for k, a in enumerate(groups) for b in groups[k + 1:]]
        i, j = (np.concatenate([part[side] for part in parts] or [np.empty(0, np.int64)]) for side in (0, 1))
        return np.minimum(i, j), np.maximum(i, j)
    else:
        i, j = np.triu_indices(n, 1)
    keep = (i != j) & ((records.sources[i] != records.sources[j]) if link_only else True)
    return i[keep][:count], j[keep][:count]


MIN_PAIRS = 1_000  # fewer random or candidate pairs than this estimate nothing: the defaults hold


def _sources(config: EntityConfig, column: str) -> set[str]:
    """The input columns a field is made from."""
    source = next(f.source or f.name for f in config.fields if f.name == column)
    return set(source) if isinstance(source, tuple) else {source}


def identifier_prior(records: Records, config: EntityConfig, link_only: bool) -> float | None:
    """The share of pairs of identified records that share their identifier: the chance that
    two records are one entity, counted rather than estimated, so it holds at any scale (None
    where fewer than MIN_PAIRS / 10 pairs share one, as when a store keys each identifier once).

        >>> config = EntityConfig("t", "T-", fields=(Field("code"),), identifiers=("code",))
        >>> records = prepare(pd.DataFrame({"record_id": list("abcd"), "code": ["1", "1", "2", None]}),
        ...                   config.fields, "record_id")
        >>> identifier_prior(records, config, False) is None  # 1 of 3 pairs, too few to count on
        True
    """
    if not config.identifiers:
        return None
    codes = records.columns[config.identifiers[0]].codes
    identified = codes >= 0
    groups = pd.DataFrame({"code": codes[identified], "source": records.sources[identified]})
    if link_only:
        per_code = groups.groupby(["code", "source"]).size()
        totals = per_code.groupby(level="code").sum()
        same = int(((totals ** 2).sum() - (per_code ** 2).sum()) // 2)
        per_source = groups["source"].value_counts()
        pairs = int((per_source.sum() ** 2 - (per_source ** 2).sum()) // 2)
    else:
        sizes = groups["code"].value_counts()
        same = int((sizes * (sizes - 1) // 2).sum())
        pairs = int(identified.sum() * (identified.sum() - 1) // 2)
    return same / pairs if same >= MIN_PAIRS / 10 and pairs else None


@dataclass(frozen=True)
class LeftOut:
    """A sample of the pairs that keys with `within_edits` left out (all of them when few), for
    training: EM's share of matches among the candidates, and so the prior where no identifier
    counts it, moves with which non-matches blocking leaves out. With these pairs back in at
    their weight, EM reads the candidates it would have read without the bound."""
    gamma: np.ndarray  # their comparison levels
    weight: float  # pairs left out that each stands for (1 / the sampling rate)
    by_key: dict[BlockOn, np.ndarray]  # per key, which of them it left out (bools)
    candidate: np.ndarray  # which another key found: among the candidates already, counted once


def train(records: Records, config: EntityConfig, gamma: np.ndarray, key_pairs: dict[BlockOn, np.ndarray],
          link_only: bool, sample: int = 300_000, seed: int = 0, workers: int = WORKERS,
          left_out: LeftOut | None = None) -> Model:
    """u from random pairs; m by EM on each blocking key's pairs (`key_pairs`: which of the
    candidates it found, as `np.packbits` of a mask) over the comparisons that key leaves free (a
    key on postcode says nothing of how matches agree on postcode), averaged; the prior from the
    records that carry an identifier (`identifier_prior`), else from EM's share of matches among
    all candidates (levels `gamma`): EM's share shrinks as the candidates from large blocks grow,
    and with it recall at 100k records. `left_out` puts back what `within_edits` left out.
    On data too small to estimate from: the comparisons' defaults, a record matching one other."""
    comparisons = config.comparisons
    names, labels = tuple(c.name for c in comparisons), tuple(c.labels for c in comparisons)
    m_defaults = [c.m_default for c in comparisons]
    m, u = m_defaults, [c.u_default for c in comparisons]
    pairs = max(total_pairs(records, link_only), 1)
    ri, rj = random_pairs(records, link_only, sample, seed)
    counted = identifier_prior(records, config, link_only)
    candidates = len(gamma) + (left_out.weight * int((~left_out.candidate).sum()) if left_out else 0)
    if len(ri) < MIN_PAIRS or candidates < MIN_PAIRS:
        return Model(names, labels, m, u, counted or min(0.5, len(records) / 2 / pairs))
    u_random = u = estimate_u(comparison_levels(records, config, ri, rj, workers), u)
    agreement = {c.column: agreeing_pairs(records, c.column, link_only) for c in comparisons if not c.refine}
    # EM reads each key's pairs as counts of the distinct patterns
    n = len(gamma)
    if left_out is None:
        rows, counts, pattern = patterns(gamma)
    else:
        rows, _, pattern = patterns(np.concatenate([gamma, left_out.gamma]))
        counts = np.bincount(pattern, np.concatenate([np.ones(n), np.where(left_out.candidate, 0, left_out.weight)]),
                             minlength=len(rows))
    in_keys = {key: np.bincount(pattern[:n][np.unpackbits(found, count=n).view(bool)],
                                minlength=len(rows)).astype(np.float64) for key, found in key_pairs.items()}
    if left_out is not None:
        for key, dropped in left_out.by_key.items():
            in_keys[key] += left_out.weight * np.bincount(pattern[n:][dropped], minlength=len(rows))
    for _ in range(2):  # the second round uses u with the random pairs' own matches taken out
        estimates = []
        for key, in_key in in_keys.items():
            taken = set().union(*(_sources(config, column) for column in key.columns))
            used = [k for k, c in enumerate(comparisons) if not _sources(config, c.column) & taken]
            if len(used) >= 2 and in_key.sum() >= MIN_PAIRS / 10:
                seen = in_key > 0
                m_key, share = estimate_m(rows[seen][:, used], in_key[seen], [u[k] for k in used],
                                          [m_defaults[k] for k in used])
                estimates.append((used, m_key, share * in_key.sum()))
        m = combine_m(estimates, m_defaults)
        share = estimate_m(rows, counts, u, m, update_m=False)[1]
        prior = float(np.clip(counted or share * counts.sum() / pairs, 1e-12, 0.5))
        u = without_matches(u_random, m, prior, sample=len(ri))
        u = [u_k if comparison.refine else exact_u(agreement[comparison.column], prior, m_k, u_k)
             for comparison, m_k, u_k in zip(comparisons, m, u)]
    return Model(names, labels, m, u, prior)


def agreeing_pairs(records: Records, column: str, link_only: bool) -> tuple[int, int]:
    """(pairs whose records both have a value in `column`, pairs whose values are equal), over
    all pairs (across sources with `link_only`), counted from the value frequencies.

        >>> agreeing_pairs(prepare(pd.DataFrame({"record_id": list("abcd"), "born": ["x", "x", "y", None]}),
        ...                        (Field("born"),), "record_id"), "born", False)
        (3, 1)
        >>> agreeing_pairs(prepare(pd.DataFrame({"record_id": list("abcd"), "born": ["x", "x", "y", None],
        ...                                      "source": list("sttt")}), (Field("born"),), "record_id", "source"),
        ...                "born", True)  # across sources: a~b, a~c; a~b agree
        (2, 1)
    """
    codes = records.columns[column].codes
    present = codes >= 0
    sources = records.sources[present].astype(np.int64) if link_only else np.zeros(int(present.sum()), np.int64)
    width = int(sources.max(initial=0)) + 1
    per_value = np.bincount(codes[present].astype(np.int64) * width + sources,  # records per value and source
                            minlength=(int(codes.max(initial=-1)) + 1) * width).reshape(-1, width)

    def pairs(counts: np.ndarray) -> int:
        if not link_only:
            return int((counts * (counts - 1) // 2).sum())
        return int(((counts.sum(axis=1) ** 2).sum() - (counts ** 2).sum()) // 2)

    return pairs(per_value.sum(axis=0, keepdims=True)), pairs(per_value)


def exact_u(agreement: tuple[int, int], prior: float, m: np.ndarray, u: np.ndarray) -> np.ndarray:
    """u with its exact level counted over all pairs from the value frequencies (`agreement`:
    pairs with both values, pairs with equal ones; see `agreeing_pairs`), less the matches' share: a sample of random pairs sees a birth date shared by chance (1 in 20,000)
    a dozen times, too few to tell it from the matches among them; the other levels keep their
    proportions."""
    present, agreeing = agreement
    if not present:
        return u
    exact = max(agreeing - prior * float(m[-1]) * present, 0.5) / (present * (1 - prior))
    exact = min(exact, 0.5)
    rest = u[:-1] * (1 - exact) / max(u[:-1].sum(), 1e-12)
    return np.append(rest, exact)


@dataclass(frozen=True)
class Contribution:
    field: str
    left: Any
    right: Any
    level: str
    weight: float


@dataclass(frozen=True)
class Explanation:
    """Why two records are (not) one entity: each field's level and log-2 Bayes factor."""
    left_id: str
    right_id: str
    prior_weight: float
    contributions: tuple[Contribution, ...]
    method: str  # identifier, judgement, probabilistic, or never (conflicting identifiers, rejected)
    note: str
    same_entity: bool

    @property
    def weight(self) -> float:
        return self.prior_weight + sum(c.weight for c in self.contributions)

    @property
    def probability(self) -> float:
        return 1 / (1 + 2 ** -self.weight)

    def __str__(self) -> str:
        lines = [f"{self.left_id} ~ {self.right_id}: weight {self.weight:+.2f}, probability {self.probability:.4f}, "
                 f"method {self.method}{' (' + self.note + ')' if self.note else ''}, "
                 f"{'same entity' if self.same_entity else 'different entities'}",
                 f"  {'prior':<14} {self.prior_weight:+7.2f}"]
        lines += [f"  {c.field:<14} {c.weight:+7.2f}  {c.level:<24} {c.left!s} | {c.right!s}"
                  for c in self.contributions]
        return "\n".join(lines)


def identifiers_agree(records: Records, config: EntityConfig, i: np.ndarray,
                      j: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per pair (i[k], j[k]): whether the two records share a valid identifier, and whether
    they hold two different ones."""
    same, different = np.zeros(len(i), bool), np.zeros(len(i), bool)
    for name in config.identifiers:
        c = records.columns[name].codes
        a, b = c[i], c[j]
        both = (a >= 0) & (b >= 0)
        same |= both & (a == b)
        different |= both & (a != b)
    return same, different


def _judgement_pairs(records: Records, judgements) -> pd.DataFrame:
    """Judgements on records of this run as pair codes with `same` (True: one entity)."""
    columns = ["record_a", "record_b", "same"]
    frame = (judgements[columns] if isinstance(judgements, pd.DataFrame)
             else pd.DataFrame(list(judgements or ()), columns=columns))
    if frame.empty:
        return pd.DataFrame({"code": np.empty(0, np.int64), "same": np.empty(0, bool)})
    position = records.position
    a = frame["record_a"].astype(str).map(position)
    b = frame["record_b"].astype(str).map(position)
    known = a.notna() & b.notna() & (a != b)
    a, b = a[known].astype(np.int64).to_numpy(), b[known].astype(np.int64).to_numpy()
    out = pd.DataFrame({"code": encode(np.minimum(a, b), np.maximum(a, b), len(records)),
                        "same": frame.loc[known, "same"].astype(bool).to_numpy()})
    return out.drop_duplicates("code", keep="last")  # the latest judgement wins


def _existing_entities(records: Records, existing) -> tuple[np.ndarray, np.ndarray]:
    """Per record the code of its existing entity (-1 if new), and the entity ids by code."""
    if existing is None:
        return np.full(len(records), -1, np.int64), np.empty(0, object)
    mapping = existing if isinstance(existing, Mapping) else dict(zip(existing["record_id"].astype(str),
                                                                      existing["entity_id"]))
    entity = pd.Series(records.ids).map({str(k): v for k, v in mapping.items()})
    codes, names = pd.factorize(entity, use_na_sentinel=True)
    return codes.astype(np.int64), np.asarray(names, dtype=object)


def _chain(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Edges joining the records that share a code (each to the next), -1 left out."""
    members = np.flatnonzero(codes >= 0)
    order = members[np.argsort(codes[members], kind="stable")]
    same = codes[order[1:]] == codes[order[:-1]]
    return order[:-1][same], order[1:][same]


def new_entity_id(prefix: str, first_record_id: str) -> str:
    """A stable id for a new entity, from its smallest record id: same records, same id."""
    return prefix + hashlib.blake2b(first_record_id.encode(), digest_size=8).hexdigest()


@dataclass
class Resolution:
    """The result of `link`. `pairs` holds every scored pair at or above the review threshold
    (and every judged or identifier pair) with `decision`: match (same entity), review,
    conflict (a hard constraint keeps them apart) or rejected (by a judgement)."""
    config: EntityConfig
    model: Model
    records: Records
    pairs: pd.DataFrame
    clusters: pd.DataFrame
    related: pd.DataFrame
    candidate_pairs: int
    judged: dict[int, bool] = field(repr=False, default_factory=dict)
    # blocking key label → blocks skipped for holding more than its max_block records
    oversized_blocks: dict[str, int] = field(default_factory=dict)
    # provisional uid → identified uid, linked by a department's own number before any score
    # (`resolve.graph.local_links`); their merges are reported as exact
    local_links: dict[str, str] = field(repr=False, default_factory=dict)
    # seconds per stage of `link`: normalise, block, compare, train, cluster, output
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def matches(self) -> pd.DataFrame:
        return self.pairs[self.pairs["decision"] == "match"]

    @property
    def review(self) -> pd.DataFrame:
        return self.pairs[self.pairs["decision"] == "review"]

    @cached_property
    def entity_of(self) -> dict[str, str]:
        return dict(zip(self.clusters["record_id"], self.clusters["entity_id"]))

    def linked_pairs(self, across_sources_only: bool = False) -> pd.DataFrame:
        """Every pair of records given one entity (left_id, right_id), in record order: each
        entity a block, its pairs found as blocking finds a block's."""
        n = len(self.records)
        entity = pd.factorize(self.clusters["entity_id"].to_numpy(dtype=object))[0]
        i, j, _ = pairs_in_blocks(np.arange(n), entity, self.records.sources, across_sources_only, max_block=n)
        a, b = decode(sorted_unique(encode(i, j, n)), n)
        return pd.DataFrame({"left_id": self.records.ids[a], "right_id": self.records.ids[b]})

    def explain(self, record_a: str, record_b: str) -> Explanation:
        """The score of any two records, each field's level and weight, and how they were decided."""
        config, records = self.config, self.records
        a, b = (int(x) for x in records.index_of([record_a, record_b]))
        index_a, index_b = np.array([a]), np.array([b])
        gamma = comparison_levels(records, config, index_a, index_b)
        weights = self.model.contributions(gamma)[0]
        contributions = tuple(
            Contribution(c.name, records.columns[c.column].values(index_a)[0],
                         records.columns[c.column].values(index_b)[0],
                         c.labels[level] if level >= 0 else "missing", float(w))
            for c, level, w in zip(config.comparisons, gamma[0], weights))
        method, note = "probabilistic", ""
        for name in config.identifiers:
            x, y = (records.columns[name].values(index)[0] for index in (index_a, index_b))
            if x is not None and y is not None:
                method, note = ("identifier", f"same {name}") if x == y else ("never", f"different {name}")
                break
        judged = self.judged.get(int(encode(np.array([min(a, b)]), np.array([max(a, b)]), len(records))[0]))
        if judged is not None:
            method, note = ("judgement", "accepted") if judged else ("never", "rejected by a judgement")
        same = self.entity_of[record_a] == self.entity_of[record_b]
        if method == "probabilistic" and not same:
            note = self._kept_apart(index_a, index_b, gamma[0])
        return Explanation(str(record_a), str(record_b), self.model.prior_weight, contributions, method, note, same)

    def _kept_apart(self, index_a: np.ndarray, index_b: np.ndarray, levels: np.ndarray) -> str:
        """Which constraint keeps two records apart however strong their score: two values of an
        exclusive column, or a required comparison that says "different" ('' if neither)."""
        for name in self.config.exclusive:
            x, y = (self.records.columns[name].values(index)[0] for index in (index_a, index_b))
            if x is not None and y is not None and x != y:
                return f"different {name}: {x or '(none)'} | {y or '(none)'}"
        named_apart = [c.name for c, level in zip(self.config.comparisons, levels)
                       if c.name in self.config.required and level == 0]
        return f"{', '.join(named_apart)} different: a person decides" if named_apart else ""


def link(records, config: EntityConfig, *, id_column: str = "record_id", source_column: str | None = None,
         link_only: bool = False, deduplicated: Iterable[str] = (), judgements=None, existing=None,
         model: Model | None = None, random_sample: int = 300_000, seed: int = 0,
         match_threshold: float | None = None, review_threshold: float | None = None,
         workers: int = WORKERS) -> Resolution:
    """Resolve `records` (a DataFrame or pyarrow Table with `id_column`) into entities.

    source_column / link_only: compare only records of different sources.
    deduplicated: sources known to hold each entity once: one record of each per entity.
    judgements: (record_a, record_b, same) rows — a DataFrame with those columns or tuples;
        they win over scores.
    existing: record id → entity id (dict, or a DataFrame with record_id, entity_id) from
        earlier runs: those ids are kept, two existing entities are never merged, and only
        pairs involving a new record are scored.
    model: a trained `Model` to reuse (skips estimation), e.g. `Model.from_dict(stored)`.
    match_threshold / review_threshold: override the configuration's.
    workers: cores to use: processes normalising the values, then comparing the pairs (-1: all).
    A blocking key's blocks larger than its `max_block` make no pairs: each key that skips some
    warns, and `oversized_blocks` counts them.
    """
    config = replace(config, **{name: value for name, value in (("match_threshold", match_threshold),
                                                                 ("review_threshold", review_threshold))
                                if value is not None})
    lap = _Laps()
    prepared = prepare(records, config.fields, id_column, source_column, workers)
    lap("normalise")
    n = len(prepared)
    judged = _judgement_pairs(prepared, judgements)
    entity, entity_names = _existing_entities(prepared, existing)
    oversized: dict[str, int] = {}

    def seen(key: BlockOn, pairs: np.ndarray, skipped: int) -> None:
        if skipped:
            oversized[key.label] = skipped
            warnings.warn(f"{config.entity_type}: blocking key {key.label} skipped {skipped} block(s) of more than "
                          f"{key.max_block} records (their pairs are compared only if another key finds them); "
                          "raise its max_block or add a narrower key", stacklevel=3)

    joined = judged.loc[judged["same"], "code"].to_numpy()

    def apart(i: np.ndarray, j: np.ndarray) -> np.ndarray:  # never one entity, unless a person joined them
        different = identifiers_agree(prepared, config, i, j)[1]
        return different & ~np.isin(encode(i, j, n), joined) if len(joined) else different

    dropped: dict[BlockOn, tuple[np.ndarray, int]] = {}  # pairs within_edits left out, for training

    def collect_left_out(key: BlockOn, codes: np.ndarray, count: int) -> None:
        dropped[key] = codes, count

    found, found_by = keyed_candidate_pairs(prepared, config.all_blocking, link_only, on_key=seen, apart=apart,
                                            workers=workers, on_dropped=None if model else collect_left_out,
                                            dropped_sample=random_sample, seed=seed)
    codes = found
    if len(judged):  # a judged pair no key found is found by none
        codes = sorted_unique(np.concatenate([found, judged["code"].to_numpy()]))
        found_by, by_key = np.zeros(len(codes), found_by.dtype), found_by
        found_by[np.searchsorted(codes, found)] = by_key
    i, j = (part.astype(np.int32) for part in decode(codes, n))  # positions: half the memory of int64
    if existing is not None:
        fresh = (entity[i] < 0) | (entity[j] < 0) | np.isin(codes, judged["code"].to_numpy())
        codes, i, j, found_by = codes[fresh], i[fresh], j[fresh], found_by[fresh]

    same_identifier, different_identifier = identifiers_agree(prepared, config, i, j)
    accepted = np.isin(codes, joined)
    rejected = np.isin(codes, judged.loc[~judged["same"], "code"].to_numpy())
    scored = ~different_identifier | accepted  # a judged pair is a candidate however its identifiers differ
    codes, i, j, found_by = codes[scored], i[scored], j[scored], found_by[scored]
    same_identifier, accepted, rejected = same_identifier[scored], accepted[scored], rejected[scored]
    key_pairs: dict[BlockOn, np.ndarray] = {}  # each key's pairs as bits over the candidates, not as codes
    for number, key in enumerate(config.all_blocking):
        key_pairs.setdefault(key, np.packbits(((found_by >> number) & 1).astype(bool)))
    del found_by
    left_codes, left_weight, left_by_key = _left_out_pairs(dropped, n, random_sample, seed)
    del dropped
    out_i, out_j = decode(left_codes, n)
    # as the candidates: no pair of two identifiers, none of two existing records
    trained = ~apart(out_i, out_j) & ((entity[out_i] < 0) | (entity[out_j] < 0) if existing is not None else True)
    left_codes, out_i, out_j = left_codes[trained], out_i[trained].astype(np.int32), out_j[trained].astype(np.int32)
    lap("block")

    gamma = comparison_levels(prepared, config, np.concatenate([i, out_i]), np.concatenate([j, out_j]), workers)
    gamma, left_gamma = gamma[:len(i)], gamma[len(i):]
    lap("compare")
    left_out = LeftOut(left_gamma, left_weight, {key: own[trained] for key, own in left_by_key.items()},
                       in_sorted(left_codes, codes)) if left_by_key else None
    model = model or train(prepared, config, gamma, key_pairs, link_only, random_sample, seed, workers, left_out)
    lap("train")
    weight = model.pair_weights(gamma)
    probability = 1 / (1 + np.exp2(-weight))

    forced = accepted | same_identifier
    named_apart = np.zeros(len(codes), bool)  # a required comparison says "different"
    for k, comparison in enumerate(config.comparisons):
        if comparison.name in config.required:
            named_apart |= gamma[:, k] == 0
    edge = ~rejected & (forced | ((probability >= config.match_threshold) & ~named_apart))
    owners = entity if existing is not None else (prepared.columns[config.identifiers[0]].codes
                                                  if config.identifiers else None)
    unclear = (ambiguous_edges(i, j, weight, edge & ~forced, owners, config.ambiguity_margin) if owners is not None
               else np.zeros(len(codes), bool))
    edge &= ~unclear
    chain_i, chain_j = _chain(entity)
    exclusive = [prepared.columns[name].codes for name in (*config.identifiers, *config.exclusive)] + [entity]
    exclusive += [np.where(prepared.sources == prepared.source_names.index(s), np.arange(n), -1)
                  for s in deduplicated if s in prepared.source_names]
    labels = constrained_clusters(
        n, np.concatenate([i[edge], chain_i]), np.concatenate([j[edge], chain_j]),
        np.concatenate([weight[edge], np.full(len(chain_i), np.inf)]),
        np.concatenate([forced[edge], np.ones(len(chain_i), bool)]),
        exclusive, decode(codes[rejected], n))
    entity_ids = _entity_ids(prepared, labels, entity, entity_names, config.id_prefix)
    lap("cluster")

    keep = np.flatnonzero(forced | rejected | (probability >= config.review_threshold))  # the pairs reported
    method = np.where(accepted[keep], "judgement", np.where(same_identifier[keep], "identifier", "probabilistic"))
    decision = _decisions(labels, exclusive, i[keep], j[keep], probability[keep], rejected[keep],
                          config.match_threshold)
    decision[(unclear[keep] | named_apart[keep]) & (decision != "match")] = "review"  # a person decides
    pairs = pd.DataFrame({"left_id": prepared.ids[i[keep]], "right_id": prepared.ids[j[keep]],
                          "weight": weight[keep], "probability": probability[keep],
                          "method": method, "decision": decision})
    contributions = model.contributions(gamma[keep])
    for k, comparison in enumerate(config.comparisons):
        pairs[f"w_{comparison.name}"] = contributions[:, k]
    clusters = _record_links(prepared, entity_ids, entity, i[keep], j[keep], pairs)
    related = _relations(prepared, config, entity_ids)
    lap("output")
    return Resolution(config, model, prepared, pairs.reset_index(drop=True), clusters, related, int(len(codes)),
                      dict(zip(judged["code"].tolist(), judged["same"].tolist())), oversized, seconds=lap.seconds)


def _left_out_pairs(dropped: dict[BlockOn, tuple[np.ndarray, int]], n: int, sample: int,
                    seed: int) -> tuple[np.ndarray, float, dict[BlockOn, np.ndarray]]:
    """(the sorted codes of the pairs any key's `within_edits` left out, or where more than `sample`
    were left out (a pair under several keys counted as often), a share of them drawn at random,
    about `sample` at most; how many pairs each stands for; per key, which of them it left out).
    `dropped` holds per key its codes, perhaps drawn already at a higher rate, and how many
    pairs it left out (see `keyed_candidate_pairs`). A pair is drawn or not by a hash of its
    code (`drawn`), alike under every key."""
    total = sum(count for _, count in dropped.values())
    rate = min(1.0, max(sample, 1) / total) if total else 1.0  # as keyed_candidate_pairs draws
    own = {key: np.sort(codes[drawn(codes, rate, seed)] if rate < 1 else codes) for key, (codes, _) in dropped.items()}
    union = sorted_unique(np.concatenate(list(own.values()) or [np.empty(0, np.int64)]))
    return union, 1 / rate, {key: in_sorted(union, codes) for key, codes in own.items()}


class _Laps:
    """Seconds per stage, each timed from the end of the one before: `lap("block")`."""

    def __init__(self):
        self.seconds: dict[str, float] = {}
        self._last = time.perf_counter()

    def __call__(self, stage: str) -> None:
        now = time.perf_counter()
        self.seconds[stage] = round(now - self._last, 3)
        self._last = now


def ambiguous_edges(i: np.ndarray, j: np.ndarray, weight: np.ndarray, scored: np.ndarray, owners: np.ndarray,
                    margin: float) -> np.ndarray:
    """The `scored` edges of a record without an owner (an identified entity, -1 for none) that
    match records of two or more owners whose best weights are within `margin` bits: which of
    them the record is cannot be told, so none of its edges merges (its pairs go to review).

        >>> ambiguous_edges(np.array([0, 0]), np.array([1, 2]), np.array([9.0, 8.0]), np.ones(2, bool),
        ...                 np.array([-1, 5, 6]), 3.0).tolist()
        [True, True]
    """
    parts = []
    for near, far in ((i, j), (j, i)):
        picked = scored & (owners[near] < 0) & (owners[far] >= 0)
        parts.append(pd.DataFrame({"edge": np.flatnonzero(picked), "record": near[picked], "owner": owners[far[picked]],
                                   "weight": weight[picked]}))
    frame = pd.concat(parts, ignore_index=True)
    best = frame.groupby(["record", "owner"])["weight"].max().reset_index()
    top = best.sort_values(["record", "weight"], ascending=[True, False]).groupby("record").head(2)
    spread = top.groupby("record")["weight"].agg(["count", "max", "min"])
    unclear = spread.index[(spread["count"] > 1) & (spread["max"] - spread["min"] < margin)]
    return np.isin(np.arange(len(i)), frame.loc[frame["record"].isin(unclear), "edge"].to_numpy())


def _entity_ids(records: Records, labels: np.ndarray, entity: np.ndarray, names: np.ndarray,
                prefix: str) -> np.ndarray:
    """Per record its entity id: the smallest existing id its cluster holds, else a new stable one
    from the cluster's smallest record id. The smallest of each cluster's texts is a reduction over
    the records sorted by cluster: at 200k records, grouping the ids as text took pandas a quarter
    of a second (and a third more to load pyarrow's engine for it), a pass in Python 0.12 s."""
    clusters = int(labels.max(initial=-1)) + 1  # labels run 0 … k-1

    def smallest(texts: np.ndarray, label: np.ndarray) -> np.ndarray:  # per cluster, None where it has none
        out = np.full(clusters, None, dtype=object)
        if len(texts):
            order = np.argsort(label, kind="stable")
            label = label[order]
            starts = np.flatnonzero(np.r_[True, label[1:] != label[:-1]])
            out[label[starts]] = np.minimum.reduceat(texts[order], starts)
        return out

    ids = smallest(names[entity[entity >= 0]] if len(names) else np.empty(0, object), labels[entity >= 0])
    new = np.flatnonzero(ids == None)  # noqa: E711 - elementwise on an object array
    first = smallest(records.ids, labels)[new]
    ids[new] = [new_entity_id(prefix, record_id) for record_id in first.tolist()]
    return ids[labels]


def _decisions(labels, exclusive, i, j, probability, rejected, match_threshold) -> np.ndarray:
    """match (same cluster), rejected, conflict (their clusters cannot merge), else review."""
    conflict = probability >= match_threshold  # a strong pair left apart was refused by a constraint
    for codes in exclusive:
        per_cluster = pd.Series(codes).where(codes >= 0).groupby(labels).min().reindex(range(labels.max() + 1))
        value = per_cluster.fillna(-1).to_numpy(np.int64)
        a, b = value[labels[i]], value[labels[j]]
        conflict |= (a >= 0) & (b >= 0) & (a != b)
    same = labels[i] == labels[j]
    return np.select([same, rejected, conflict], ["match", "rejected", "conflict"], default="review")


def _record_links(records: Records, entity_ids: np.ndarray, entity: np.ndarray, left: np.ndarray, right: np.ndarray,
                  pairs: pd.DataFrame) -> pd.DataFrame:
    """Per record: its entity, and the strongest matched pair that put it there (the strongest
    method, then the highest weight; of equals the first pair, a record's pairs as left before its
    pairs as right). `left`, `right`: the positions of each row of `pairs`, so the records are
    found by position, not by joining on their ids (a third of a second at 200k records)."""
    matched = np.flatnonzero((pairs["decision"] == "match").to_numpy())
    record = np.concatenate([left[matched], right[matched]])
    other = np.concatenate([right[matched], left[matched]])
    row = np.concatenate([matched, matched])
    methods = pairs["method"].to_numpy(dtype=object)
    rank = np.select([methods[row] == name for name in METHODS], range(len(METHODS)), len(METHODS))
    order = np.lexsort((-pairs["weight"].to_numpy()[row], rank))  # stable: equals keep their order
    _, first = np.unique(record[order], return_index=True)
    best = order[first]
    at, row = record[best], row[best]
    method = np.where(entity >= 0, "existing", "singleton").astype(object)
    method[at] = methods[row]
    out = {"record_id": records.ids, "entity_id": entity_ids, "method": method}
    for column in ("probability", "weight"):
        out[column] = np.full(len(records), np.nan)
        out[column][at] = pairs[column].to_numpy()[row]
    out["matched_with"] = np.full(len(records), np.nan, dtype=object)
    out["matched_with"][at] = records.ids[other[best]]
    return pd.DataFrame(out)


def _relations(records: Records, config: EntityConfig, entity_ids: np.ndarray) -> pd.DataFrame:
    """Records related but not merged (a branch and its head office), with their entities: a
    record whose `key` value is another's `target` value, joined on a code the two columns share
    for equal values rather than on the values as text."""
    parts = []
    everyone = np.arange(len(records))
    for relation in config.relations:
        key, target = (records.columns[name] for name in (relation.key, relation.target))
        shared = pd.factorize(np.concatenate([key.uniques, target.uniques]))[0]  # one code per value in either
        key_code = np.append(shared[: len(key.uniques)], -1)[key.codes]  # -1: missing
        target_code = np.append(shared[len(key.uniques):], -1)[target.codes]
        sources = pd.DataFrame({"record": everyone[key_code >= 0], "value": key_code[key_code >= 0]})
        targets = pd.DataFrame({"related": everyone[target_code >= 0], "value": target_code[target_code >= 0]})
        joined = sources.merge(targets, on="value")
        joined = joined[entity_ids[joined["record"]] != entity_ids[joined["related"]]]
        parts.append(pd.DataFrame({
            "kind": relation.kind, "record_id": records.ids[joined["record"]],
            "related_record_id": records.ids[joined["related"]], "entity_id": entity_ids[joined["record"]],
            "related_entity_id": entity_ids[joined["related"]]}))
    columns = ["kind", "record_id", "related_record_id", "entity_id", "related_entity_id"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)
