"""Load a demo region into both engines: rows/s, and peak memory on the embedded store.

    python bench/load.py --scale large [--seed 7] [--region DIR] [--neo4j-uri bolt://…] [--skip-neo4j]

Generates the region first unless --region names one. Prints a line per engine and, last,
a JSON object. Goal: ≥ 50,000 rows/s into the embedded store on two cores, with memory
bounded by the chunk size, not the file size.
"""
from __future__ import annotations

import argparse
import json
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
    with open_store(uri) as store:
        engine = store.engine
        store.clear()
        started = time.perf_counter()
        report = load_sources(region, store)
        seconds = time.perf_counter() - started
    totals = report.totals()
    out = {"rows": totals["read"], "loaded": totals["loaded"], "seconds": round(seconds, 1),
           "rows_per_s": round(totals["read"] / seconds), "peak_rss_mb": round(peak_rss_mb())}
    print(f"{engine:8s} {totals['read']:>10,d} rows in {seconds:8.1f} s = "
          f"{totals['read'] / seconds:>8,.0f} rows/s, peak RSS {out['peak_rss_mb']} MB", flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default="large", choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--region", type=Path)
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--skip-neo4j", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        region = args.region
        if region is None:
            from crossaudit.loaders.demo import generate

            region = Path(tmp) / "region"
            started = time.perf_counter()
            generate(region, args.scale, args.seed)
            print(f"generated the {args.scale} region in {time.perf_counter() - started:.1f} s", flush=True)
        results = {"scale": args.scale, "ladybug": bench(f"ladybug:{tmp}/load.db", region)}
        if not args.skip_neo4j:
            with neo4j(args.neo4j_uri) as uri:
                results["neo4j"] = bench(uri, region)
            results["ladybug_over_neo4j"] = round(results["ladybug"]["rows_per_s"] / results["neo4j"]["rows_per_s"], 2)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
