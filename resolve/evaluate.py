"""Measuring a resolution against known true links: pairwise precision, recall, F1, and the
recall of each blocking key.

    >>> pair_metrics(pd.DataFrame({"left_id": ["a"], "right_id": ["b"]}),
    ...              pd.DataFrame({"left_id": ["b", "c"], "right_id": ["a", "d"]}))
    {'precision': 1.0, 'recall': 0.5, 'f1': 0.6667, 'predicted': 1, 'true': 2}
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from crossaudit.resolve.blocking import candidate_pairs, encode
from crossaudit.resolve.config import EntityConfig
from crossaudit.resolve.records import Records, prepare


def _pair_set(pairs: pd.DataFrame) -> set[tuple[str, str]]:
    a, b = pairs["left_id"].astype(str), pairs["right_id"].astype(str)
    return set(zip(np.minimum(a, b), np.maximum(a, b)))


def pair_metrics(predicted: pd.DataFrame, true: pd.DataFrame) -> dict:
    """Precision, recall and F1 of predicted pairs (left_id, right_id; order ignored)."""
    found, truth = _pair_set(predicted), _pair_set(true)
    hits = len(found & truth)
    precision = hits / len(found) if found else 1.0
    recall = hits / len(truth) if truth else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": round(precision, 4), "recall": round(recall, 4), "f1": round(f1, 4),
            "predicted": len(found), "true": len(truth)}


def _true_codes(records: Records, true: pd.DataFrame) -> np.ndarray:
    a = records.index_of(true["left_id"].astype(str))
    b = records.index_of(true["right_id"].astype(str))
    return encode(np.minimum(a, b), np.maximum(a, b), len(records))


def blocking_report(records, config: EntityConfig, true: pd.DataFrame | None = None, *,
                    id_column: str = "record_id", source_column: str | None = None,
                    link_only: bool = False) -> pd.DataFrame:
    """Per blocking key and for their union: candidate pairs, blocks skipped as too large and,
    given the true pairs, the share of them the key finds (blocking recall)."""
    prepared = prepare(records, config.fields, id_column, source_column)
    truth = _true_codes(prepared, true) if true is not None else None
    rows = []

    def measure(label: str, codes: np.ndarray, skipped: int) -> None:
        recall = float(np.isin(truth, codes).mean()) if truth is not None and len(truth) else None
        rows.append({"key": label, "pairs": len(codes), "skipped_blocks": skipped, "recall": recall})

    union = candidate_pairs(prepared, config.all_blocking, link_only,
                            on_key=lambda key, codes, skipped: measure(key.label, codes, skipped))
    measure("all keys", union, sum(row["skipped_blocks"] for row in rows))
    return pd.DataFrame(rows)
