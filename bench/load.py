"""Load a demo region into both engines, then load it again: rows/s and peak memory.

    python bench/load.py --scale large [--seed 7] [--region DIR] [--neo4j-uri bolt://…] [--skip-neo4j]
                         [--neo4j-region SMALLER_DIR]

Generates the region first unless --region names one. Each engine runs in a process of its
own, so its peak RSS is its own (for Neo4j, the client's; the server is another process).
Prints a line per engine and case and, last, a JSON object. Goal: ≥ 50,000 rows/s into the
embedded store on two cores, with memory bounded by the chunk size, not the file size.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from upsert import neo4j  # noqa: E402  (the shared Neo4j launcher helper)

from crossaudit.engine import open_store  # noqa: E402
from crossaudit.loaders import load_sources  # noqa: E402


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def bench(uri: str, region: Path) -> dict:
    """Load into an emptied store, then again (a re-load changes nothing but last_seen)."""
    out = {}
    with open_store(uri) as store:
        store.clear()
        for case in ("load", "reload"):
            started = time.perf_counter()
            report = load_sources(region, store)
            seconds = time.perf_counter() - started
            rows = report.totals()["read"]
            counts = store.counts()
            facts = sum(n for part in counts.values() for n in part.values())  # nodes and relationships held
            out[case] = {"rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds),
                         "facts": facts, "facts_per_s": round(facts / seconds)}
            print(f"{store.engine:8s} {case:7s} {rows:>10,d} rows in {seconds:8.1f} s = {rows / seconds:>8,.0f} rows/s"
                  f" ({facts:,} nodes and relationships held, {facts / seconds:,.0f}/s)", flush=True)
    out["peak_rss_mb"] = round(peak_rss_mb())
    print(f"{'':8s} peak RSS {out['peak_rss_mb']} MB", flush=True)
    return out


def in_own_process(uri: str, region: Path) -> dict:
    with multiprocessing.get_context("spawn").Pool(1) as pool:
        return pool.apply(bench, (uri, region))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--region", type=Path)
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--neo4j-region", type=Path,
                        help="Load this (smaller) region into Neo4j, and into Ladybug too for the ratio; "
                             "default: the same region")
    parser.add_argument("--skip-neo4j", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        region = args.region
        if region is None:
            from crossaudit.demo import generate

            region = Path(tmp) / "region"
            started = time.perf_counter()
            generate(region, args.scale, args.seed)
            print(f"generated the {args.scale} region in {time.perf_counter() - started:.1f} s", flush=True)
        results = {"scale": args.scale if args.region is None else str(args.region),
                   "ladybug": in_own_process(f"ladybug:{tmp}/load.db", region)}
        if not args.skip_neo4j:
            peer = results["ladybug"]
            if args.neo4j_region and args.neo4j_region != region:
                peer = results["ladybug_on_neo4j_region"] = in_own_process(f"ladybug:{tmp}/peer.db", args.neo4j_region)
            with neo4j(args.neo4j_uri) as uri:
                results["neo4j"] = in_own_process(uri, args.neo4j_region or region)
            results["ladybug_over_neo4j"] = round(peer["load"]["rows_per_s"] / results["neo4j"]["load"]["rows_per_s"], 2)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
