"""Resolution on a demo region: pairwise precision and recall of enterprises and persons
against the generator's truth, before resolution (the loader's exact keys) and after.

    python bench/resolve_region.py --scale medium [--seed 7] [--region DIR] [--store URI]

Generates and loads the region unless --store names a loaded store and --region its folder.
Every row mention (file, row, role) that the truth names is one item; two items are a true
pair when the truth gives them one entity, a predicted pair when the store links them to
one node. Prints a line per entity type and stage and, last, a JSON object.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

from crossaudit.engine import open_store
from crossaudit.loaders import load_sources
from crossaudit.demo import generate
from crossaudit.resolve.graph import resolve_store

LABELS = {"enterprise": "Enterprise", "person": "Person"}


def mentions(store, label: str) -> pd.DataFrame:
    rows = store.query(f"MATCH (s:SourceRecord)-[d:DESCRIBES]->(e:{label}) RETURN s.source_file AS file, "
                       "s.source_row AS row, d.role AS role, e.uid AS uid")
    return pd.DataFrame(rows, columns=["file", "row", "role", "uid"])


def pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise(truth: pd.DataFrame, found: pd.DataFrame) -> dict:
    joined = truth.merge(found, on=["file", "row", "role"])
    true_pairs = pairs(joined.groupby("entity_id").size())
    predicted = pairs(joined.groupby("uid").size())
    both = pairs(joined.groupby(["entity_id", "uid"]).size())
    precision = both / predicted if predicted else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    return {"mentions": len(joined), "entities_true": int(joined["entity_id"].nunique()),
            "entities_found": int(joined["uid"].nunique()), "precision": round(precision, 4),
            "recall": round(recall, 4), "f1": round(2 * precision * recall / (precision + recall), 4)}


def evaluate(store, truth: pd.DataFrame, stage: str, out: dict) -> None:
    for entity_type, label in LABELS.items():
        scores = pairwise(truth[truth["entity_type"] == entity_type], mentions(store, label))
        out.setdefault(entity_type, {})[stage] = scores
        print(f"{entity_type:10s} {stage:7s} mentions {scores['mentions']:>8,d}  entities {scores['entities_true']:>6,d}"
              f" true / {scores['entities_found']:>6,d} found  precision {scores['precision']:.4f}"
              f"  recall {scores['recall']:.4f}  F1 {scores['f1']:.4f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--region", type=Path)
    parser.add_argument("--store", help="a store the region is already loaded into (not yet resolved)")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crossaudit-resolve-"))
    region = args.region or work / "region"
    if not args.region:
        generate(region, scale=args.scale, seed=args.seed)
    truth = pd.read_csv(region / "truth" / "records.csv", dtype=str)
    truth["row"] = truth["row"].astype(int)
    out: dict = {"scale": args.scale if not args.region else str(args.region)}
    with open_store(args.store or f"ladybug:{work / 'graph.db'}") as store:
        if not args.store:
            started = time.perf_counter()
            load_sources(region, store)
            out["load_seconds"] = round(time.perf_counter() - started, 1)
        evaluate(store, truth, "loaded", out)
        started = time.perf_counter()
        report = resolve_store(store)
        out["resolve_seconds"] = round(time.perf_counter() - started, 1)
        out["resolve"] = report.to_json()
        print(f"resolved in {out['resolve_seconds']} s: {json.dumps(report.to_json(), ensure_ascii=False)}")
        evaluate(store, truth, "resolved", out)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    sys.exit(main())
