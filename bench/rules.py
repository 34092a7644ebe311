"""Every rule pack on a demo region's graph: seconds per rule on each engine, first run and re-run.

    python bench/rules.py --scale large [--seed 7] [--region DIR] [--ladybug PATH]
                          [--neo4j-uri bolt://…] [--skip-neo4j]

Generates the region unless --region names one, and loads and resolves it into each store
unless the store already holds it (--ladybug PATH keeps the embedded store between runs; its
findings are deleted first). Each engine runs all packs twice: the first run writes every
finding, the re-run finds them again (the update path). Prints a line per rule and, last, a
JSON object. Goal: all packs on the large region in ≤ 30 s on the embedded engine.
"""
from __future__ import annotations

import argparse
import json
import logging
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from upsert import neo4j, region_arguments  # noqa: E402  (the shared Neo4j launcher and options)

from crossaudit.engine import open_store  # noqa: E402
from crossaudit.engine.rules import load_rules, run_rules  # noqa: E402
from crossaudit.pipeline import load_region, prepare_region, resolve  # noqa: E402

GOAL_SECONDS = 30.0


def run_once(store, rules) -> dict:
    started = time.perf_counter()
    summary = run_rules(store, rules)
    return {"seconds": round(time.perf_counter() - started, 2), "findings": summary.findings,
            "new_findings": summary.new_findings,
            "precompute": {step: stats["seconds"] for step, stats in summary.precompute.items()},
            "rules": {o.rule_id: {"seconds": o.seconds, "findings": o.findings} for o in summary.outcomes}}


def bench(uri: str, region: Path) -> dict:
    rules = load_rules()
    with open_store(uri) as store:
        started = time.perf_counter()
        loaded = load_region(store, region)
        if loaded:  # a store loaded here is resolved as `crossaudit demo` does
            resolve(store)
        load_seconds = round(time.perf_counter() - started, 1) if loaded else None
        store.query("MATCH (f:Finding) DETACH DELETE f")  # the first run must write every finding
        first, rerun = run_once(store, rules), run_once(store, rules)
        engine = store.engine
    for rule in rules:
        print(f"{engine:8s} {rule.id:40s} {first['rules'][rule.id]['seconds']:7.2f} s "
              f"{rerun['rules'][rule.id]['seconds']:7.2f} s  {first['rules'][rule.id]['findings']:6d} findings",
              flush=True)
    print(f"{engine:8s} all packs: {first['seconds']:.1f} s first run, {rerun['seconds']:.1f} s re-run "
          f"(precompute {first['precompute']})", flush=True)
    return {"load_and_resolve_seconds": load_seconds, "first": first, "rerun": rerun}


def main() -> None:
    logging.getLogger("neo4j").setLevel(logging.ERROR)  # the driver's notices about unused property keys
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    region_arguments(parser, "large")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        region = args.region or prepare_region(Path(tmp), args.scale, args.seed)
        results = {"scale": args.scale, "region": str(region),
                   "ladybug": bench(f"ladybug:{args.ladybug or Path(tmp) / 'rules.db'}", region)}
        if not args.skip_neo4j:
            with neo4j(args.neo4j_uri) as uri:
                results["neo4j"] = bench(uri, region)
    results["goal_seconds"] = GOAL_SECONDS
    results["ladybug_meets_goal"] = results["ladybug"]["first"]["seconds"] <= GOAL_SECONDS
    print(json.dumps(results))


if __name__ == "__main__":
    main()
