"""Fellegi–Sunter weights, estimated without labels.

u (how often non-matching pairs agree at each level) comes from random record pairs; m (how
often matching pairs do) from expectation–maximisation over the candidate pairs, both
vectorised over the distinct comparison patterns. Each level's weight is log2(m/u), the
log-2 Bayes factor it contributes; a pair's weight is the prior's log-odds plus its levels'.

    >>> model = Model(("surname",), (("different", "exact"),), [np.array([.1, .9])], [np.array([.9, .1])], 0.01)
    >>> round(float(model.weights[0][1]), 2)
    3.17
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

PSEUDO_PAIRS = 20.0  # weight of the comparison's default m/u against the data (a Dirichlet prior)


@dataclass
class Model:
    """m and u per comparison level, and the prior probability that a random pair matches."""
    names: tuple[str, ...]
    labels: tuple[tuple[str, ...], ...]
    m: list[np.ndarray]
    u: list[np.ndarray]
    prior: float

    @property
    def weights(self) -> list[np.ndarray]:
        return [np.log2(m / u) for m, u in zip(self.m, self.u)]

    @property
    def prior_weight(self) -> float:
        return float(np.log2(self.prior / (1 - self.prior)))

    def pair_weights(self, gamma: np.ndarray) -> np.ndarray:
        """Per pair, the prior's weight plus its levels' (a missing value adds nothing): the row
        sums of `contributions` without the pairs × comparisons matrix."""
        total = np.full(len(gamma), self.prior_weight)
        for k, weights in enumerate(self.weights):
            total += np.append(weights.astype(np.float32), np.float32(0))[gamma[:, k]]  # level -1 takes the 0
        return total

    def contributions(self, gamma: np.ndarray) -> np.ndarray:
        """Per pair and comparison, the weight of its level (0 where a value is missing)."""
        out = np.zeros(gamma.shape, np.float32)
        for k, weights in enumerate(self.weights):
            level = gamma[:, k]
            present = level >= 0
            out[present, k] = weights[level[present]]
        return out

    def table(self) -> pd.DataFrame:
        """One row per comparison level: m, u and weight, for reading the model."""
        return pd.DataFrame([
            {"comparison": name, "level": level, "label": label, "m": float(m[level]), "u": float(u[level]),
             "weight": float(np.log2(m[level] / u[level]))}
            for name, labels, m, u in zip(self.names, self.labels, self.m, self.u)
            for level, label in enumerate(labels)])

    def to_dict(self) -> dict:
        """Plain data (for storing a trained model and reusing it on the next load)."""
        return {"names": list(self.names), "labels": [list(x) for x in self.labels], "prior": self.prior,
                "m": [x.tolist() for x in self.m], "u": [x.tolist() for x in self.u]}

    @classmethod
    def from_dict(cls, data: dict) -> "Model":
        return cls(tuple(data["names"]), tuple(tuple(x) for x in data["labels"]),
                   [np.array(x) for x in data["m"]], [np.array(x) for x in data["u"]], float(data["prior"]))


def level_frequencies(gamma: np.ndarray, sizes: list[int], weights: np.ndarray | None = None) -> list[np.ndarray]:
    """Per comparison, the (weighted) count of pairs at each level, missing values left out."""
    out = []
    for k, size in enumerate(sizes):
        level = gamma[:, k]
        present = level >= 0
        out.append(np.bincount(level[present], weights=None if weights is None else weights[present],
                               minlength=size).astype(np.float64))
    return out


def smoothed(counts: list[np.ndarray], defaults: list[np.ndarray], pseudo: float = PSEUDO_PAIRS) -> list[np.ndarray]:
    """Proportions from counts, pulled towards `defaults` by `pseudo` pairs' worth."""
    return [(c + pseudo * d) / (c.sum() + pseudo) for c, d in zip(counts, defaults)]


def estimate_u(gamma_random: np.ndarray, u_defaults: list[np.ndarray]) -> list[np.ndarray]:
    """u from the comparison levels of random pairs (nearly all non-matches)."""
    return smoothed(level_frequencies(gamma_random, [len(d) for d in u_defaults]), u_defaults)


def without_matches(u_random: list[np.ndarray], m: list[np.ndarray], prior: float, sample: int) -> list[np.ndarray]:
    """u with the matches among `sample` random pairs taken out: random pairs agree at a level
    with probability prior·m + (1 - prior)·u. Where several records describe one entity, those
    matches dominate the rare levels (an exact name) and would understate their weight. What
    is left within two standard errors of nothing counts as half a pair."""
    out = []
    for observed, matched in zip(u_random, m):
        left = observed - prior * matched
        noise = 2 * np.sqrt(observed / sample)
        u = np.where(left > noise, left / (1 - prior), 0.5 / sample)
        out.append(u / u.sum())
    return out


def patterns(gamma: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The distinct rows of `gamma`, how often each occurs, and each pair's row among them."""
    if len(gamma) == 0:
        return gamma, np.zeros(0), np.zeros(0, np.int64)
    base = np.int64(gamma.max(initial=0) + 2)
    codes = np.zeros(len(gamma), np.int64)
    for k in range(gamma.shape[1]):
        codes = codes * base + (gamma[:, k].astype(np.int64) + 1)
    # np.unique sorts millions of codes; hashing finds the few thousand distinct ones, then they are sorted
    inverse, distinct = pd.factorize(codes)
    order = np.argsort(distinct)
    rank = np.empty(len(order), np.int64)
    rank[order] = np.arange(len(order))
    inverse = rank[inverse]
    rows, rest = np.empty((len(order), gamma.shape[1]), gamma.dtype), distinct[order]
    for k in reversed(range(gamma.shape[1])):
        rows[:, k] = rest % base - 1
        rest //= base
    return rows, np.bincount(inverse, minlength=len(order)).astype(np.float64), inverse


def log_likelihood(pattern: np.ndarray, probabilities: list[np.ndarray]) -> np.ndarray:
    """log P(pattern) under independent comparisons; a missing value adds nothing."""
    out = np.zeros(len(pattern))
    for k, p in enumerate(probabilities):
        level = pattern[:, k]
        present = level >= 0
        out[present] += np.log(p[level[present]])
    return out


def estimate_m(rows: np.ndarray, counts: np.ndarray, u: list[np.ndarray], m_start: list[np.ndarray],
               update_m: bool = True, iterations: int = 200, tolerance: float = 1e-6) -> tuple[list[np.ndarray], float]:
    """EM over comparison patterns (`rows` of levels, each seen `counts` times; see `patterns`)
    with u fixed → (m, share of the pairs that match); with `update_m` False only the share."""
    sizes = [len(d) for d in m_start]
    m, share = [d.copy() for d in m_start], 0.1
    for _ in range(iterations):
        match = np.log(share) + log_likelihood(rows, m)
        other = np.log(1 - share) + log_likelihood(rows, u)
        matched = counts / (1 + np.exp(np.clip(other - match, -700, 700)))
        new_share = float(np.clip(matched.sum() / max(counts.sum(), 1), 1e-9, 1 - 1e-9))
        new_m = smoothed(level_frequencies(rows, sizes, matched), m_start) if update_m else m
        change = max(abs(new_share - share), *(np.abs(a - b).max() for a, b in zip(new_m, m)))
        m, share = new_m, new_share
        if change < tolerance:
            break
    return m, share


def combine_m(estimates: list[tuple[list[int], list[np.ndarray], float]], defaults: list[np.ndarray]) -> list[np.ndarray]:
    """m per comparison, averaged over the estimates that covered it (comparison indexes,
    their m, the number of matches behind them), weighted by matches; defaults elsewhere."""
    total = [np.zeros_like(d) for d in defaults]
    weight = np.zeros(len(defaults))
    for used, m, matches in estimates:
        for k, estimate in zip(used, m):
            total[k] += matches * estimate
            weight[k] += matches
    return [t / w if w > 0 else d for t, w, d in zip(total, weight, defaults)]
