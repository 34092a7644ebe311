"""A demo region end to end on Neo4j: load by import, resolve, every pack, each family scored.

    env CROSSAUDIT_NEO4J_HEAP=4g CROSSAUDIT_NEO4J_PAGECACHE_MB=2048 \
        python bench/neo4j_region.py --scale medium --seed 11 --dialect longxi [--region DIR]
                                     [--home DIR] [--readers N] [--keep]

Generates the region unless --region names one (it must be the --dialect's). Stages, timed one
after the other in this process: the department files read and checked into memory
(`CaptureStore`, with `--readers` processes), the import files written, `neo4j-admin database
import full`, the launcher's server started over the new home, the schema's constraints and
indexes filled, `crossaudit resolve`, every shipped pack; then each family's precision and
recall against the region's answer key. The home (default: a temporary folder) is deleted
after unless --keep. Prints a line per stage and, last, a JSON object with the client's peak
memory. Goal (issue #18): the medium region end to end in ≤ 300 s.
"""
from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from crossaudit.engine import open_store
from crossaudit.engine.neo4j_bulk import bulk_load_neo4j, serve_imported
from crossaudit.pipeline import dialect_specs, evaluate, evaluation_json, prepare_region, resolve, run_all_packs

GOAL_SECONDS = 300.0


def end_to_end(region: Path, home: Path, dialect: str, readers: int | None) -> dict:
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    result = bulk_load_neo4j(region, home, specs_dir=dialect_specs(dialect), readers=readers)
    seconds.update(result["seconds"])
    server = serve_imported(home, seconds=seconds)
    try:
        with open_store(server.uri) as store:
            mark = time.perf_counter()
            resolved = resolve(store)
            seconds["resolve"] = time.perf_counter() - mark
            mark = time.perf_counter()
            summary = run_all_packs(store)
            seconds["packs"] = time.perf_counter() - mark
            seconds["end_to_end"] = time.perf_counter() - started
            scores = evaluation_json(evaluate(store, region / "answer_key.csv"))
    finally:
        server.stop()
    return {"rows_read": result["report"].totals()["read"], "seconds": {k: round(v, 1) for k, v in seconds.items()},
            "resolved": resolved,
            "findings": summary.findings, "families": scores,
            "client_peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
            "goal_met": seconds["end_to_end"] <= GOAL_SECONDS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="medium", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--dialect", default="ningxia", choices=["ningxia", "longxi"])
    parser.add_argument("--region", type=Path, help="this region (of --dialect) instead of generating one")
    parser.add_argument("--home", type=Path, help="the new Neo4j home (must not hold a database)")
    parser.add_argument("--readers", type=int, help="processes reading the files (default: load_sources')")
    parser.add_argument("--keep", action="store_true", help="keep the Neo4j home")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="crossaudit-neo4j-region-"))
    try:
        region = args.region or prepare_region(work, args.scale, args.seed, args.dialect)
        out = end_to_end(region, args.home or work / "neo4j-home", args.dialect, args.readers)
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
            if args.home:
                shutil.rmtree(args.home, ignore_errors=True)
    for stage, value in out["seconds"].items():
        print(f"{stage:12s} {value:8.1f} s", file=sys.stderr)
    below = {family: score for family, score in out["families"].items()
             if any(score[measure] is not None and score[measure] < 1 for measure in ("precision", "recall"))}
    print(f"families below 1.00: {below or 'none'}", file=sys.stderr)
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
