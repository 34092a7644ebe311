"""Load demo regions into Ladybug, Neo4j by transactions and Neo4j by bulk import, side by side.

    python bench/load.py --scale small medium [--seed 7] [--region DIR] [--neo4j-uri bolt://…]
                         [--skip-neo4j] [--skip-bulk] [--one-process]

For each region (generated unless --region names one): Ladybug (load into an empty store, then
again: a re-load changes nothing but last_seen), Neo4j through transactions (the same two
cases, into a fresh local server unless --neo4j-uri names one), and Neo4j by import
(`engine.neo4j_bulk.bulk_load_neo4j`: the load into memory, the import files, neo4j-admin,
then a server started over the result, which fills the schema's indexes, to count what it
holds; timed to the database on disk, "load", and to the served database, "served"). Rows/s
counts the rows read from the department files, facts/s the nodes and relationships the store
holds after the case. Every case reads the files as `load_sources` does by default (processes
of their own, one per core, for a region of 8 MB or more); `--one-process` adds Ladybug with the
files read in the loading process (readers 0), the peer that shows what the readers gain.
Memory: the client's peak RSS (each engine runs in a process of its own) and the server's
(the Neo4j JVM's VmHWM from /proc; for the import, the neo4j-admin process's), and the largest
reading process's (its resident set counts the pages it still shares with the loading process
it was forked from: an upper bound). Prints a line
per engine and case and, last, a JSON object.

The medium region needs a larger server:
    CROSSAUDIT_NEO4J_HEAP=4g CROSSAUDIT_NEO4J_PAGECACHE_MB=2048 python bench/load.py --scale medium
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import resource
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from crossaudit.engine import open_store
from crossaudit.loaders import load_sources


def peak_rss_mb(who: int = resource.RUSAGE_SELF) -> int:
    return round(resource.getrusage(who).ru_maxrss / 1024)


def server_peak_rss_mb(pid: int | None) -> int | None:
    """The peak resident memory of a local server process (VmHWM), if we started it."""
    if pid is None:
        return None
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return round(int(line.split()[1]) / 1024)
    return None


def facts_held(store) -> int:
    counts = store.counts()
    return sum(n for part in counts.values() for n in part.values())


def _case(engine: str, case: str, rows: int, seconds: float, facts: int) -> dict:
    print(f"{engine:13s} {case:7s} {rows:>10,d} rows in {seconds:8.1f} s = {rows / seconds:>8,.0f} rows/s"
          f" ({facts:,} nodes and relationships held, {facts / seconds:,.0f}/s)", flush=True)
    return {"rows": rows, "seconds": round(seconds, 1), "rows_per_s": round(rows / seconds),
            "facts": facts, "facts_per_s": round(facts / seconds)}


def bench(uri: str, region: Path, server_pid: int | None = None, readers: int | None = None) -> dict:
    """Load into an emptied store, then again (a re-load changes nothing but last_seen)."""
    out = {}
    with open_store(uri) as store:
        store.clear()
        store.apply_schema()
        for case in ("load", "reload"):
            started = time.perf_counter()
            report = load_sources(region, store, readers=readers)
            seconds = time.perf_counter() - started
            out[case] = _case(store.engine + ("" if readers is None else f" r={readers}"), case,
                              report.totals()["read"], seconds, facts_held(store))
    out["client_peak_rss_mb"] = peak_rss_mb()
    out["readers_peak_rss_mb"] = peak_rss_mb(resource.RUSAGE_CHILDREN)
    out["server_peak_rss_mb"] = server_peak_rss_mb(server_pid)
    print(f"{'':13s} peak RSS: client {out['client_peak_rss_mb']} MB, largest reader {out['readers_peak_rss_mb']} MB, "
          f"server {out['server_peak_rss_mb']} MB", flush=True)
    return out


# What neo4j-admin says of its own run: its time, and each of its four stages'.
_ADMIN_FIGURES = re.compile(r"^(IMPORT DONE in .+|\S.* COMPLETED in .+|Peak memory usage: .+)$", re.MULTILINE)


def bench_bulk(region: Path, home: Path) -> dict:
    """A region into a new Neo4j home by import, then a server over it (the schema's constraints
    and indexes are filled then) and the facts counted. Timed twice: to the database on disk
    (load, files, import) and to a served database with its indexes (+ start, schema)."""
    from crossaudit.engine.neo4j_bulk import bulk_load_neo4j, serve_imported

    result = bulk_load_neo4j(region, home)
    on_disk = sum(result["seconds"].values())
    server = serve_imported(home, seconds=result["seconds"])
    try:
        with open_store(server.uri) as store:
            facts = facts_held(store)
    finally:
        server.stop()
    rows = result["report"].totals()["read"]
    out = {"load": _case("neo4j-import", "load", rows, on_disk, facts),
           "served": _case("neo4j-import", "served", rows, sum(result["seconds"].values()), facts),
           "stages_s": {stage: round(s, 1) for stage, s in result["seconds"].items()},
           "neo4j_admin": _ADMIN_FIGURES.findall(result["admin_report"]),
           "client_peak_rss_mb": peak_rss_mb(),
           # the largest child: neo4j-admin, or the server started over its result
           "server_peak_rss_mb": peak_rss_mb(resource.RUSAGE_CHILDREN)}
    print(f"{'':13s} stages {out['stages_s']}; neo4j-admin: {'; '.join(out['neo4j_admin'])}; peak RSS: client "
          f"{out['client_peak_rss_mb']} MB, neo4j-admin or server {out['server_peak_rss_mb']} MB", flush=True)
    return out


def in_own_process(function, *args) -> dict:
    """function(*args) in a new process (not a daemonic pool worker: the load starts readers)."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(function, *args).result()


@contextmanager
def neo4j_server(uri: str | None) -> Iterator[tuple[str, int | None]]:
    """The given server (no pid: its memory is not ours to read), or a fresh local one."""
    if uri:
        yield uri, None
        return
    from crossaudit.engine.neo4j_bulk import launcher

    with launcher().Neo4jServer.start() as server:
        yield server.uri, server.process.pid


def bench_region(region: Path, work: Path, args) -> dict:
    results = {"ladybug": in_own_process(bench, f"ladybug:{work}/load.db", region)}
    if args.one_process:
        results["ladybug_one_process"] = in_own_process(bench, f"ladybug:{work}/load-one.db", region, None, 0)
        results["readers_over_one_process"] = round(results["ladybug_one_process"]["load"]["seconds"]
                                                    / results["ladybug"]["load"]["seconds"], 2)
    if not args.skip_neo4j:
        with neo4j_server(args.neo4j_uri) as (uri, pid):
            results["neo4j"] = in_own_process(bench, uri, region, pid)
        results["ladybug_over_neo4j"] = round(results["ladybug"]["load"]["rows_per_s"]
                                              / results["neo4j"]["load"]["rows_per_s"], 2)
    if not args.skip_bulk:
        try:
            results["neo4j_import"] = in_own_process(bench_bulk, region, work / "neo4j-home")
        except Exception as exc:  # noqa: BLE001 - the other cases' figures still count
            print(f"neo4j-import  failed: {exc}", flush=True)
            results["neo4j_import"] = {"error": str(exc)}
        if "neo4j" in results and "load" in results["neo4j_import"]:
            for case in ("load", "served"):
                results[f"import_{case}_over_neo4j"] = round(results["neo4j_import"][case]["rows_per_s"]
                                                             / results["neo4j"]["load"]["rows_per_s"], 2)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", nargs="+", default=["small", "medium"], choices=["small", "medium", "large"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--region", type=Path, help="load this region instead of generating one per --scale")
    parser.add_argument("--neo4j-uri", help="an emptied server to load by transactions (default: a fresh local one)")
    parser.add_argument("--skip-neo4j", action="store_true", help="no transactional Neo4j case")
    parser.add_argument("--skip-bulk", action="store_true", help="no Neo4j import case")
    parser.add_argument("--one-process", action="store_true",
                        help="also Ladybug with the files read in the loading process (readers 0)")
    args = parser.parse_args()
    results = {}
    for scale in [str(args.region)] if args.region else args.scale:
        with tempfile.TemporaryDirectory() as tmp:
            region = args.region
            if region is None:
                from crossaudit.demo import generate

                region = Path(tmp) / "region"
                started = time.perf_counter()
                generate(region, scale, args.seed)
                print(f"generated the {scale} region in {time.perf_counter() - started:.1f} s", flush=True)
            results[scale] = bench_region(region, Path(tmp), args)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
