"""The read commands on a loaded store: queries, seconds and peak memory (RSS) of each.

    python bench/reads.py --store ladybug:crossaudit-demo/graph-medium-7.db \
        [--finding F-…] [--buffer-mb 2000]

First, in this process, the store queries (Store.query, query_read, query_arrow) that a finding's
network page (`explore --finding`) and its case export read, and their seconds. Then each read
command — findings list and show, explore (by finding and by the flagged firm's credit code),
export (xlsx), stats, ledger and its report — runs as its own process under /usr/bin/time -v,
with CROSSAUDIT_LADYBUG_BUFFER_MB set to --buffer-mb: its wall seconds, peak RSS and exit
status. The finding is, unless given, the one flagging the most entities (the largest case).
Prints a line per command and, last, a JSON object. Goals (#17, #18): explore ≤ 1 s and every
read command ≤ 1 GB on the medium region, none failing with a 2 GB page cache.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from crossaudit.engine import open_store
from crossaudit.viz.explore import explore
from crossaudit.viz.export import export_finding

GOAL_EXPLORE_SECONDS, GOAL_RSS_MB = 1.0, 1024


def largest_finding(store) -> str:
    return store.query("MATCH (f:Finding)-[r:FLAGS]->(n) RETURN f.finding_id AS id, count(r) AS flagged "
                       "ORDER BY flagged DESC, id LIMIT 1")[0]["id"]


def counted_reads(uri: str, finding_id: str | None, folder: Path) -> tuple[str, str | None, dict]:
    """The finding, a credit code it flags, and the queries and seconds of its page and export."""
    with open_store(uri) as store:
        finding_id = finding_id or largest_finding(store)
        firm = store.query("MATCH (f:Finding {finding_id: $id})-[r:FLAGS]->(e:Enterprise) "
                           "RETURN e.credit_code AS code ORDER BY code LIMIT 1", {"id": finding_id})
        calls: Counter = Counter()
        for name in ("query", "query_read", "query_arrow"):
            original = getattr(store, name)
            setattr(store, name, lambda cypher, params=None, _run=original, _name=name:
                    calls.update([_name]) or _run(cypher, params))
        out = {}
        for what, read in (("explore", lambda: explore(store, finding_id=finding_id)),
                           ("export", lambda: export_finding(store, finding_id, "xlsx", folder / "case.xlsx",
                                                             cleared=True))):
            calls.clear()
            started = time.perf_counter()
            read()
            out[what] = {"queries": sum(calls.values()), "seconds": round(time.perf_counter() - started, 2)}
    return finding_id, (firm[0]["code"] if firm else None), out


def peak(command: list[str], env: dict) -> dict:
    """Wall seconds, peak RSS (MB) and exit status of one command under /usr/bin/time -v."""
    done = subprocess.run(["/usr/bin/time", "-v", *command], env=env, capture_output=True, text=True)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", done.stderr)
    seconds = sum(float(part) * 60 ** i for i, part in enumerate(reversed(wall.group(1).split(":")))) if wall else None
    errors = [line for line in done.stderr.splitlines() if line.startswith(("error", "Error"))]
    return {"seconds": seconds and round(seconds, 2), "rss_mb": rss and round(int(rss.group(1)) / 1024),
            "exit": done.returncode, "error": errors[0][:200] if errors else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", required=True, help="the store URI (ladybug:PATH or bolt://…)")
    parser.add_argument("--finding", help="the finding to explore and export (default: the largest case)")
    parser.add_argument("--buffer-mb", type=int, default=2000,
                        help="Ladybug's page cache for the commands; 0: its default (half the memory)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-reads-"))
    finding_id, firm, counts = counted_reads(args.store, args.finding, folder)
    for what, figures in counts.items():
        print(f"{what:8s} {finding_id}: {figures['queries']} queries, {figures['seconds']} s (in process)", flush=True)
    env = {key: value for key, value in os.environ.items() if key != "CROSSAUDIT_LADYBUG_BUFFER_MB"}
    if args.buffer_mb:
        env["CROSSAUDIT_LADYBUG_BUFFER_MB"] = str(args.buffer_mb)
    base = [sys.executable, "-c", "from crossaudit.cli import main; main()", "--store", args.store]
    commands = {
        "findings list": ["findings", "list", "--format", "json", "--limit", "100000"],
        "findings show": ["findings", "show", finding_id, "--format", "json"],
        "explore --finding": ["explore", "--finding", finding_id, "-o", str(folder / "finding.html")],
        "explore KEY": ["explore", firm, "-o", str(folder / "firm.html")] if firm else None,
        "export xlsx": ["export", finding_id, "-o", str(folder / "case.xlsx")],
        "export html": ["export", finding_id, "-o", str(folder / "case.html")],
        "stats": ["stats", "-o", str(folder / "stats.html")],
        "ledger": ["ledger", "--format", "json"],
        "ledger report": ["ledger", "report", "-o", str(folder / "ledger.html")],
    }
    commands_out = {}
    for name, command in commands.items():
        if command is None:
            continue
        commands_out[name] = figures = peak(base + command, env)
        print(f"{name:18s} {figures['seconds']:7.2f} s {figures['rss_mb']:6d} MB  exit {figures['exit']}"
              + (f"  {figures['error']}" if figures["error"] else ""), flush=True)
    print(json.dumps({"store": args.store, "finding": finding_id, "buffer_mb": args.buffer_mb, "in_process": counts,
                      "commands": commands_out,
                      "goals": {"explore_seconds": GOAL_EXPLORE_SECONDS, "rss_mb": GOAL_RSS_MB}}, ensure_ascii=False))


if __name__ == "__main__":
    main()
