"""Upsert throughput on both engines: 100k nodes and 200k relationships, fresh and re-loaded.

    python bench/upsert.py [--nodes 100000] [--neo4j-uri bolt://…]

Without --neo4j-uri it starts a Neo4j 5.26 with tools/neo4j/launch.py. Prints one line per
case and, last, a JSON object with rows/s per engine and case and the Ladybug/Neo4j ratios.
Goal on Ladybug: ≥ 100,000 rows/s fresh and ≥ 25,000 rows/s re-load.
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import tempfile
import time
from pathlib import Path

from crossaudit.engine import RunStamp, open_store

ROOT = Path(__file__).resolve().parent.parent


def dataset(n_nodes: int):
    half = n_nodes // 2
    provenance = {"department": "amr", "dataset": "bench", "source_file": "bench.csv"}
    persons = [{"uid": f"64010419800101{i:04d}"[:14] + f"{i:06d}", "name": f"人{i}", "source_row": i, **provenance}
               for i in range(half)]
    enterprises = [{"uid": f"91640100{i:010d}", "name": f"企业{i}", "registered_capital": float(i),
                    "source_row": i, **provenance} for i in range(half)]
    shareholders = [{"from": persons[i % half]["uid"], "to": enterprises[(i * 7) % half]["uid"], "ratio": 0.5}
                    for i in range(n_nodes)]
    employs = [{"from": enterprises[i % half]["uid"], "to": persons[(i * 13 + 1) % half]["uid"], "wage_base": 4000.0}
               for i in range(n_nodes)]
    return persons, enterprises, shareholders, employs


def load(store, data, run) -> tuple[int, float]:
    persons, enterprises, shareholders, employs = data
    started = time.perf_counter()
    store.upsert_nodes("Person", persons, run)
    store.upsert_nodes("Enterprise", enterprises, run)
    store.upsert_relationships("SHAREHOLDER_OF", "Person", "Enterprise", shareholders, run)
    store.upsert_relationships("EMPLOYS", "Enterprise", "Person", employs, run)
    return sum(map(len, data)), time.perf_counter() - started


def bench_engine(uri: str, data) -> dict:
    with open_store(uri) as store:
        store.clear()
        store.apply_schema()
        out = {}
        for case, run in (("fresh", RunStamp.now("bench-1")), ("reload", RunStamp.now("bench-2"))):
            rows, seconds = load(store, data, run)
            out[case] = {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": round(rows / seconds)}
            print(f"{store.engine:8s} {case:7s} {rows:>8,d} rows in {seconds:7.2f} s = {rows / seconds:>10,.0f} rows/s",
                  flush=True)
        counts = store.counts()
        assert counts["nodes"]["Person"] + counts["nodes"]["Enterprise"] == len(data[0]) + len(data[1])
    return out


@contextlib.contextmanager
def neo4j(uri: str | None):
    if uri:
        yield uri
        return
    spec = importlib.util.spec_from_file_location("launch", ROOT / "tools" / "neo4j" / "launch.py")
    launch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(launch)
    started = time.perf_counter()
    with launch.Neo4jServer.start() as server:
        print(f"neo4j    started in {time.perf_counter() - started:.1f} s at {server.uri}", flush=True)
        yield server.uri


def region_arguments(parser: argparse.ArgumentParser, scale: str) -> None:
    """The options of a benchmark on a demo region: its scale and seed (or a generated --region),
    the embedded store to keep, the Neo4j server to use or none."""
    parser.add_argument("--scale", default=scale, choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--region", type=Path, help="a generated region (default: generate one)")
    parser.add_argument("--ladybug", type=Path, help="embedded store to use and keep (default: a temporary one)")
    parser.add_argument("--neo4j-uri")
    parser.add_argument("--skip-neo4j", action="store_true")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", type=int, default=100_000)
    parser.add_argument("--neo4j-uri")
    args = parser.parse_args()
    data = dataset(args.nodes)
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["ladybug"] = bench_engine(f"ladybug:{tmp}/bench.db", data)
    with neo4j(args.neo4j_uri) as uri:
        results["neo4j"] = bench_engine(uri, data)
    results["ladybug_over_neo4j"] = {case: round(results["ladybug"][case]["rows_per_s"]
                                                 / results["neo4j"][case]["rows_per_s"], 2)
                                     for case in ("fresh", "reload")}
    print(json.dumps(results))


if __name__ == "__main__":
    main()
