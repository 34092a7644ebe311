"""The console under concurrent users: p50 / p95 of search, expand and the finding page, each engine.

    python bench/serve.py --scale medium [--seed 7] [--region DIR] [--ladybug PATH]
                          [--neo4j-uri bolt://…] [--skip-neo4j | --skip-ladybug] [--users 8] [--seconds 60]
                          [--warmup 20]

Each store is loaded, resolved and its rules run unless it already holds findings (--ladybug
PATH: an embedded store to serve, e.g. a copy of one built by `crossaudit demo --scale medium`;
the console writes its audit entries there). The console (crossaudit.serve.app) is served by
uvicorn on 127.0.0.1 in this process; --users clients, in another process, each logged in over
HTTP as an analyst cleared `internal`, repeat for --seconds: a search (a credit code, a name,
part of a name or a misspelt name, in turn), an expand of a found entity, and a finding page.
Prints a line per engine and, last, a JSON object. Goals (#17): search ≤ 200 ms, expand ≤ 300 ms,
finding page ≤ 1 s at the 95th percentile; the server process's resident memory (now and at its
peak) is reported with, on Ladybug, the page cache it was given and the peak beside it (≤ 1.5 GB):
run with a cache the reads fill (CROSSAUDIT_LADYBUG_BUFFER_MB=512) for that figure to be the
memory beside a full cache.
"""
from __future__ import annotations

import argparse
import json
import multiprocessing
import random
import socket
import sys
import tempfile
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import httpx
import uvicorn

sys.path.insert(0, str(Path(__file__).resolve().parent))

from upsert import neo4j, region_arguments  # noqa: E402  (the shared Neo4j launcher and options)

from crossaudit.engine import open_store  # noqa: E402
from crossaudit.engine.ladybug_store import buffer_pool_bytes  # noqa: E402
from crossaudit.engine.access import parse_users  # noqa: E402
from crossaudit.pipeline import load_region, prepare_region, resolve, run_all_packs  # noqa: E402
from crossaudit.serve.app import create_app  # noqa: E402
from crossaudit.serve.auth import hash_password  # noqa: E402

GOALS_MS = {"search": 200, "expand": 300, "finding": 1000}
PASSWORD = "bench-serve"


def prepared(uri: str, region: Path) -> None:
    """The region loaded, resolved and its rules run in the store, unless it holds findings."""
    with open_store(uri) as store:
        store.apply_schema()
        if store.query("MATCH (f:Finding) RETURN count(f) AS n")[0]["n"]:
            return
        started = time.perf_counter()
        if load_region(store, region):
            resolve(store)
        run_all_packs(store)
        print(f"{store.engine:8s} prepared in {time.perf_counter() - started:.0f} s", flush=True)


def samples(store, count: int = 200) -> dict:
    """What the clients ask for: credit codes, names, parts of names, misspelt names, findings."""
    firms = store.query("MATCH (e:Enterprise) WHERE e.credit_code IS NOT NULL AND e.name IS NOT NULL "
                        "RETURN e.credit_code AS code, e.name AS name LIMIT $n", {"n": count})
    names = [f["name"] for f in firms]
    return {"queries": [f["code"] for f in firms] + names + [n[2:6] for n in names if len(n) > 6]
            + [n[:-3] + "公司" for n in names if n.endswith("有限公司")],
            "findings": [r["id"] for r in store.query("MATCH (f:Finding) RETURN f.finding_id AS id LIMIT $n",
                                                      {"n": count})]}


def percentile(values: list[float], share: float) -> float | None:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(share * len(values)))] * 1000, 1) if values else None


def resident_mb(field: str = "VmRSS") -> float:
    """This process's resident memory (VmRSS), or its peak (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return round(int(line.split()[1]) / 1024, 1)
    return 0.0


def serve(uri: str):
    """The console over the store on a free port: (base URL, server, thread)."""
    # cleared `internal`, as inspectors are: every answer is masked, as theirs are
    users = parse_users({"users": {"bench": {"role": "analyst", "clearance": "internal",
                                             "password": hash_password(PASSWORD)}}}, "bench")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(open_store(uri), users), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server, thread


def client_loop(base: str, asked: dict, seconds: float, timings: dict, seed: int) -> None:
    rng = random.Random(seed)
    with httpx.Client(base_url=base, timeout=120) as client:
        client.post("/api/login", json={"user": "bench", "password": PASSWORD}).raise_for_status()
        stop = time.perf_counter() + seconds
        while time.perf_counter() < stop:
            started = time.perf_counter()
            found = client.get("/api/search", params={"q": rng.choice(asked["queries"])}).json()["candidates"]
            timings["search"].append(time.perf_counter() - started)
            if found:
                started = time.perf_counter()
                client.get(f"/api/entities/{rng.choice(found)['ref']}/neighbours").raise_for_status()
                timings["expand"].append(time.perf_counter() - started)
            if asked["findings"]:
                started = time.perf_counter()
                client.get(f"/findings/{rng.choice(asked['findings'])}").raise_for_status()
                timings["finding"].append(time.perf_counter() - started)


def clients(base: str, asked: dict, users: int, seconds: float, warmup: float) -> dict:
    """The users' requests, in a process of their own (as the users' browsers are): one client
    first, untimed (Neo4j plans each distinct query once, Ladybug reads its pages in), then
    `users` at once; their timings."""
    client_loop(base, asked, warmup, {kind: [] for kind in GOALS_MS}, users)
    timings = {kind: [] for kind in GOALS_MS}
    threads = [threading.Thread(target=client_loop, args=(base, asked, seconds, timings, seed)) for seed in range(users)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return timings


def bench(uri: str, region: Path, users: int, seconds: float, warmup: float) -> dict:
    prepared(uri, region)
    with open_store(uri) as store:
        asked, engine = samples(store), store.engine
    base, server, thread = serve(uri)
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        timings = pool.submit(clients, base, asked, users, seconds, warmup).result()
    memory, peak = resident_mb(), resident_mb("VmHWM")
    server.should_exit = True
    thread.join(60)
    result = {kind: {"requests": len(values), "p50_ms": percentile(values, 0.5), "p95_ms": percentile(values, 0.95),
                     "max_ms": percentile(values, 1.0), "goal_p95_ms": GOALS_MS[kind]} for kind, values in timings.items()}
    result.update(resident_mb=memory, peak_resident_mb=peak)
    beside = ""
    if engine == "ladybug":
        cache = round(buffer_pool_bytes() / 2**20)
        result.update(page_cache_mb=cache, peak_beside_cache_mb=round(peak - cache, 1))
        beside = f", {result['peak_beside_cache_mb']} MB beside its {cache} MB page cache at the peak"
    print(f"{engine:8s} " + ", ".join(f"{kind} p95 {r['p95_ms']} ms ({r['requests']})" for kind, r in result.items()
                                       if kind in GOALS_MS) + f"; server resident {memory} MB{beside}", flush=True)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    region_arguments(parser, "medium")
    parser.add_argument("--users", type=int, default=8, help="Concurrent clients.")
    parser.add_argument("--seconds", type=float, default=60.0, help="How long the clients ask.")
    parser.add_argument("--warmup", type=float, default=20.0, help="How long one client asks first, untimed.")
    parser.add_argument("--skip-ladybug", action="store_true", help="Only the Neo4j server.")
    args = parser.parse_args()
    results = {"scale": args.scale, "users": args.users}
    with tempfile.TemporaryDirectory() as tmp:
        region = args.region or prepare_region(Path(tmp), args.scale, args.seed)
        if not args.skip_ladybug:
            results["ladybug"] = bench(f"ladybug:{args.ladybug or Path(tmp) / 'graph.db'}", region, args.users,
                                       args.seconds, args.warmup)
        if not args.skip_neo4j:
            with neo4j(args.neo4j_uri) as uri:
                results["neo4j"] = bench(uri, region, args.users, args.seconds, args.warmup)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
