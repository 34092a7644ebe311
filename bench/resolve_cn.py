"""Entity resolution on Chinese enterprise and person mentions from anywhere in China
(bench/cn_mentions.py): crossaudit's resolver against Splink (DuckDB), neither trained on labels.

    python bench/resolve_cn.py [--sizes 5000 100000] [--kinds enterprise person] [--seed 7]
                               [--only crossaudit] [--threads 1] [--misses notes.json] [--repeats 3]

Both resolvers read the same normalised columns: crossaudit's configuration (CONFIGS[kind])
normalises the raw mentions, and Splink gets those columns with comparisons of its own library
that mirror the configuration's (edit distance, exact, date of birth), blocking rules on the same
columns, u from random pairs and m by EM. Each run is a subprocess, so its peak memory is its
own, with the processes it forks counted in (`ForkedPeak`). Each resolver runs at least twice:
`seconds` from runs without that probe, peak MB from one run with it (reading a large process's
proportional set size 20 times a second takes a share of a core while children live, which slowed
crossaudit, forking to block and compare, by about 0.8 s of 7 at 100k enterprises and Splink,
forking only to normalise, by less; `seconds_with_memory_probe` keeps that run's time).
`--repeats N` times each resolver N times, one after the other, and reports the median
(`seconds_runs` lists them all): on a shared machine one run may take a fifth longer than the next.
`seconds` runs, for both, from the raw mentions in memory to the linked pairs: the same
normalisation code (`normalised_columns`, reported apart as normalise_seconds), then blocking,
comparing, estimating, clustering (crossaudit's stages in stage_seconds). `--threads N` gives
both N cores: N processes normalising, N threads for crossaudit's comparisons and for DuckDB
(default: every core for both).
Reports precision, recall, F1, seconds, peak MB, the recall of true pairs in which a record has
no valid credit code or ID number, and wrong merges of two records that both carry a valid one.
`--misses FILE` writes crossaudit's false negatives and positives grouped by cause, with the
generator's variant tags and `explain()` of a few of each.
Prints a line per run and, last, a JSON object. Goals (issue #16): enterprises F1 >= 0.99 and
recall >= 0.97 without a valid credit code; persons F1 >= 0.99 at 100k; precision >= 0.999;
>= 5x faster than Splink at 100k with less memory.
"""
from __future__ import annotations

import argparse
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import pandas as pd

from cn_mentions import KINDS, mentions
from resolve_febrl import peak_rss_mb, write_dataset
from crossaudit.resolve import CONFIGS, DateCloseness, EditDistance, JaroWinkler, link, pair_metrics
from crossaudit.resolve.records import normalised_columns

RESOLVERS = ("crossaudit", "splink")
# Tags that keep a record's identifier from speaking: the pair must be found by its other fields.
NO_VALID_CODE = ("code:missing", "code:mistyped")


# --- resolvers (each in its own process) ------------------------------------------------

def run_crossaudit(kind: str, left: pd.DataFrame, right: pd.DataFrame, threads: int):
    records = pd.concat([left.assign(source="a"), right.assign(source="b")], ignore_index=True)
    result = link(records, CONFIGS[kind], source_column="source", link_only=True, deduplicated=["a", "b"],
                  workers=threads)
    return result.linked_pairs(across_sources_only=True), {
        "candidate_pairs": result.candidate_pairs, "normalise_seconds": result.seconds["normalise"],
        "stage_seconds": result.seconds}, result


def normalised(kind: str, frame: pd.DataFrame, threads: int) -> pd.DataFrame:
    """The columns crossaudit compares, normalised by the code `link` runs (`normalised_columns`,
    in as many processes as crossaudit's run uses)."""
    return pd.DataFrame({"record_id": frame["record_id"], **normalised_columns(frame, CONFIGS[kind].fields, threads)})


def splink_comparison(comparison):
    """Splink's library comparison closest to one of crossaudit's (exact match otherwise);
    term frequencies adjust the names, as Splink's examples do."""
    import splink.comparison_library as cl

    column = comparison.column
    if isinstance(comparison, EditDistance):
        maker = cl.DamerauLevenshteinAtThresholds if comparison.transpositions else cl.LevenshteinAtThresholds
        chosen = maker(column, list(comparison.distances))
    elif isinstance(comparison, JaroWinkler):
        chosen = cl.JaroWinklerAtThresholds(column, list(comparison.thresholds))
    elif isinstance(comparison, DateCloseness):
        chosen = cl.DateOfBirthComparison(column, input_is_string=True, invalid_dates_as_null=True)
    else:
        chosen = cl.ExactMatch(column)
    return chosen.configure(term_frequency_adjustments=True) if "name" in column else chosen


def run_splink(kind: str, left: pd.DataFrame, right: pd.DataFrame, threads: int):
    import logging

    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    config = CONFIGS[kind]
    started = time.perf_counter()
    frames = {name: normalised(kind, frame, threads) for name, frame in (("a", left), ("b", right))}
    normalise_seconds = time.perf_counter() - started
    keys = [key.columns for key in config.all_blocking]
    settings = SettingsCreator(
        unique_id_column_name="record_id", link_type="link_only",
        blocking_rules_to_generate_predictions=[block_on(*columns) for columns in keys],
        comparisons=[splink_comparison(c) for c in config.comparisons])
    db_api = DuckDBAPI()
    if threads > 0:
        db_api.duckdb_con.execute(f"SET threads = {threads}").fetchall()
    used_threads = db_api.duckdb_con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    linker = Linker([db_api.register(frame, dataset_display_name=name) for name, frame in frames.items()], settings)
    # The prior, without labels: the identifier finds the pairs in which both records carry one.
    identifier = config.identifiers[0]
    recall = max(frames["a"][identifier].notna().mean() * frames["b"][identifier].notna().mean(), 0.05)
    linker.training.estimate_probability_two_random_records_match([block_on(identifier)], recall=recall)
    linker.training.estimate_u_using_random_sampling(max_pairs=5e6, seed=1)
    untrained = {c.column for c in config.comparisons}
    for columns in keys[len(config.identifiers):]:  # EM on keys until every comparison was left free once
        if untrained - set(columns):
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*columns), estimate_without_term_frequencies=True)
            untrained &= set(columns)
        if not untrained:
            break
    predictions = linker.inference.predict(threshold_match_probability=config.review_threshold)
    clusters = linker.clustering.cluster_using_single_best_links(
        predictions, duplicate_free_datasets=["a", "b"],
        threshold_match_probability=config.match_threshold).as_pandas_dataframe()
    frame = pd.DataFrame({"record": clusters["record_id"].astype(str), "entity": clusters["cluster_id"]})
    joined = frame.merge(frame, on="entity")
    joined = joined[joined["record_x"].str.startswith("a") & joined["record_y"].str.startswith("b")]
    candidates = predictions.as_duckdbpyrelation().count("*").fetchall()[0][0]
    return (pd.DataFrame({"left_id": joined["record_x"], "right_id": joined["record_y"]}),
            {"pairs_above_review": int(candidates), "normalise_seconds": round(normalise_seconds, 2),
             "threads": used_threads}, None)


class ForkedPeak:
    """The peak memory of this process together with the children it forks (both resolvers
    normalise in a process per core): while a child lives, every 50 ms, the proportional set
    sizes of this process and its children summed (a page they share counts once in all); the
    peak is the larger of that and this process's own (VmHWM). Children tell their pid on a
    pipe as they start (`os.register_at_fork`)."""

    def __init__(self):
        self.sampled_mb = 0.0
        self._read, write = os.pipe()
        os.register_at_fork(after_in_child=lambda: os.write(write, os.getpid().to_bytes(4, "little")))
        threading.Thread(target=self._watch, daemon=True).start()

    @property
    def peak_mb(self) -> float:
        return max(peak_rss_mb(), self.sampled_mb)

    def _watch(self) -> None:
        children: set[int] = set()
        while True:
            if select.select([self._read], [], [], None if not children else 0.05)[0]:
                news = os.read(self._read, 4096)
                children |= {int.from_bytes(news[k: k + 4], "little") for k in range(0, len(news), 4)}
            # this process first: a child that ends before it is read voids the sample, for the pages it
            # shared then count whole here (read after its end, they would count twice)
            own = _pss_mb(os.getpid())
            sizes = {pid: _pss_mb(pid) for pid in children}
            if children and None not in sizes.values():
                self.sampled_mb = max(self.sampled_mb, own + sum(sizes.values()))
            children = {pid for pid, size in sizes.items() if size is not None}


def _pss_mb(pid: int) -> float | None:
    """A live process's proportional set size (None once it has ended)."""
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return None


def lacking_code(records: pd.DataFrame) -> set[str]:
    """The records without a valid identifier."""
    return set(records.loc[records["tags"].str.contains("|".join(NO_VALID_CODE), regex=True), "record_id"])


def without_valid_code(pairs: pd.DataFrame, records: pd.DataFrame) -> pd.DataFrame:
    """The pairs in which a record has no valid identifier."""
    lacking = lacking_code(records)
    return pairs[pairs["left_id"].isin(lacking) | pairs["right_id"].isin(lacking)]


def wrong_identified_merges(predicted: pd.DataFrame, truth: pd.DataFrame, records: pd.DataFrame) -> int:
    """Predicted pairs of two different entities that both carry a valid identifier."""
    lacking, true = lacking_code(records), _pairs(truth)
    return sum(1 for pair in _pairs(predicted) - true if not lacking.intersection(pair))


def worker(resolver: str, kind: str, folder: Path, misses: Path | None, threads: int, probe: bool) -> dict:
    """One run of `resolver`, its peak memory probed (`ForkedPeak`) with `probe`, else none (-1)."""
    left, right, truth = (pd.read_parquet(folder / f"{name}.parquet") for name in ("left", "right", "truth"))
    left, right = (frame.astype(object).where(frame.notna(), None) for frame in (left, right))
    memory = ForkedPeak() if probe else None
    started = time.perf_counter()
    predicted, extra, result = {"crossaudit": run_crossaudit, "splink": run_splink}[resolver](kind, left, right,
                                                                                              threads)
    seconds = time.perf_counter() - started
    peak_mb = memory.peak_mb if memory else -1
    records = pd.read_parquet(folder / "records.parquet")
    lacking = pair_metrics(predicted, without_valid_code(truth, records))
    if misses and result is not None:
        misses.write_text(json.dumps(miss_report(result, predicted, truth, records), ensure_ascii=False, indent=1))
    return {**pair_metrics(predicted, truth), "recall_without_valid_code": lacking["recall"],
            "pairs_without_valid_code": lacking["true"],
            "wrong_identified_merges": wrong_identified_merges(predicted, truth, records), "seconds": round(seconds, 2), "peak_mb": round(peak_mb),
            **extra}


# --- misses ------------------------------------------------------------------------------

def _pairs(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["left_id"].astype(str), frame["right_id"].astype(str)))


def miss_cause(explanation, decision: str | None, threshold: float) -> str:
    """Why a pair was decided wrongly, in the resolver's terms: a pair scored above the match
    threshold but kept apart says by which decision; one below it names the fields that
    disagreed (or that too few fields were there to agree)."""
    if explanation.same_entity:
        agreeing = [c.field for c in explanation.contributions if c.weight > 0]
        return "merged on " + "+".join(agreeing)
    if explanation.probability >= threshold:
        return f"above threshold, kept apart ({decision or 'not a candidate'})"
    disagreeing = [c.field for c in explanation.contributions if c.weight < 0]
    return "below threshold: " + ("+".join(disagreeing) + " disagree" if disagreeing else "too few fields present")


def miss_report(result, predicted: pd.DataFrame, truth: pd.DataFrame, records: pd.DataFrame,
                sample: int = 3) -> dict:
    """crossaudit's false negatives and positives grouped by cause (`miss_cause`), each group
    with its size, the generator's tags most over-represented in it, and `explain()` of a few
    pairs with both records' tags."""
    info = records.set_index("record_id")
    decisions = {(a, b): d for a, b, d in zip(result.pairs["left_id"], result.pairs["right_id"], result.pairs["decision"])}
    found, true = _pairs(predicted), _pairs(truth)
    base = Counter(tag for record in info.index for tag in str(info.at[record, "tags"]).split())
    report = {}
    for kind, pairs in (("false_negatives", sorted(true - found)), ("false_positives", sorted(found - true))):
        groups: dict[str, list] = {}
        for a, b in pairs:
            explanation = result.explain(a, b)
            decision = decisions.get((a, b)) or decisions.get((b, a))
            groups.setdefault(miss_cause(explanation, decision, result.config.match_threshold), []).append(
                (a, b, explanation))
        out = []
        for cause, members in sorted(groups.items(), key=lambda item: -len(item[1])):
            tags = Counter(tag for a, b, _ in members for record in (a, b) for tag in str(info.at[record, "tags"]).split())
            lift = sorted(tags, key=lambda tag: -tags[tag] / len(members) / 2 / (base[tag] / len(info)))[:5]
            families = Counter(info.at[a, "family"] or "none" for a, _, _ in members)
            out.append({"cause": cause, "pairs": len(members), "families": dict(families),
                        "typical_tags": {tag: round(tags[tag] / len(members), 2) for tag in lift},
                        "examples": [[f"tags {a}: {info.at[a, 'tags']} | {b}: {info.at[b, 'tags']}",
                                      *str(explanation).splitlines()] for a, b, explanation in members[:sample]]})
        report[kind] = {"count": len(pairs), "by_cause": out}
    return report


# --- driver ----------------------------------------------------------------------------------

def measure(resolver: str, kind: str, folder: Path, misses: Path | None, threads: int, repeats: int = 1) -> dict:
    """`repeats` runs timed without the memory probe (the median reported), then one with it for
    the peak (see the docstring)."""
    command = [sys.executable, __file__, "--worker", resolver, "--kinds", kind, "--data", str(folder),
               "--threads", str(threads)]
    runs = []
    for extra in [[]] * repeats + [["--probe"]]:
        done = subprocess.run(command + extra + (["--misses", str(misses)] if misses and not runs else []),
                              capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"{resolver} on {folder.name} failed:\n{done.stderr[-3000:]}")
        runs.append(json.loads(done.stdout.strip().splitlines()[-1]))
    *timed, probed = runs
    middle = sorted(timed, key=lambda run: run["seconds"])[len(timed) // 2]
    return {**middle, "peak_mb": probed["peak_mb"], "seconds_with_memory_probe": probed["seconds"],
            "seconds_runs": [run["seconds"] for run in timed]}


def table_row(dataset: str, resolver: str, row: dict) -> str:
    return (f"| {dataset} | {resolver} | {row['precision']:.4f} | {row['recall']:.4f} | {row['f1']:.4f} | "
            f"{row['recall_without_valid_code']:.4f} | {row['seconds']:.1f} | {row['peak_mb']} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[5_000, 100_000], help="true entities per source")
    parser.add_argument("--kinds", nargs="+", choices=KINDS, default=list(KINDS))
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=RESOLVERS, help="run one resolver only")
    parser.add_argument("--misses", type=Path, help="write crossaudit's misses (JSON) to this file")
    parser.add_argument("--threads", type=int, default=-1, help="threads for both resolvers (-1: every core)")
    parser.add_argument("--worker", choices=RESOLVERS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--repeats", type=int, default=1, help="timed runs of each resolver (the median is reported)")
    parser.add_argument("--probe", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.kinds[0], args.data, args.misses, args.threads, args.probe)))
        return
    results: dict = {}
    all_misses: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            for kind in args.kinds:
                dataset = f"{kind}_{size // 1000}k" if size >= 1000 else f"{kind}_{size}"
                left, right, truth, records = mentions(kind, size, args.seed)
                folder = write_dataset(Path(tmp) / dataset, left, right, truth)
                records.to_parquet(folder / "records.parquet")
                for resolver in ([args.only] if args.only else RESOLVERS):
                    misses = Path(tmp) / f"{dataset}.misses.json" if args.misses and resolver == "crossaudit" else None
                    row = measure(resolver, kind, folder, misses, args.threads, args.repeats)
                    if misses:
                        all_misses[dataset] = json.loads(misses.read_text())
                    results.setdefault(dataset, {})[resolver] = row
                    print(table_row(dataset, resolver, row), flush=True)
                if len(results[dataset]) == 2:
                    ours, theirs = results[dataset]["crossaudit"], results[dataset]["splink"]
                    results[dataset]["speedup"] = round(theirs["seconds"] / ours["seconds"], 2)
                    results[dataset]["speedup_with_memory_probe"] = round(
                        theirs["seconds_with_memory_probe"] / ours["seconds_with_memory_probe"], 2)
                    results[dataset]["speedup_after_normalising"] = round(
                        (theirs["seconds"] - theirs["normalise_seconds"]) / (ours["seconds"] - ours["normalise_seconds"]), 2)
    print("| data set | resolver | P | R | F1 | R without valid code | seconds | peak MB |\n|---|---|---|---|---|---|---|---|")
    for dataset, rows in results.items():
        for resolver in RESOLVERS:
            if resolver in rows:
                print(table_row(dataset, resolver, rows[resolver]))
    if args.misses:
        args.misses.write_text(json.dumps(all_misses, ensure_ascii=False, indent=1))
    print(json.dumps(results))


if __name__ == "__main__":
    main()
