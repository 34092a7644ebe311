"""Every dialect of the demo region, end to end on both engines: generate the small region (seed 7)
as that dialect's departments export it, load it with the dialect's own specs, resolve, run every
pack, and score the findings against the dialect's answer key.

The dialects write one World: the same cases, the same entities. The rules must find the cases
however a department cites another's objects, so every family is held to the floor on every
dialect, not only on the one the rules were first written against.
"""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from crossaudit import pipeline
from crossaudit.demo import DIALECTS, generate
from crossaudit.engine import open_store

FLOOR = 0.95
SMALL, SEED = "small", 7


@pytest.fixture(scope="module")
def regions(tmp_path_factory) -> dict[str, Path]:
    """The small region of every dialect, generated once."""
    out = {}
    for name in DIALECTS:
        folder = tmp_path_factory.mktemp(f"region-{name}")
        generate(folder, SMALL, SEED, name)
        out[name] = folder
    return out


@pytest.fixture(scope="module", params=list(DIALECTS))
def run(request, regions, module_store_uri):
    """(dialect, region, load report, evaluation) of one dialect on one engine."""
    dialect, region = request.param, regions[request.param]
    with open_store(module_store_uri) as store:
        report = pipeline.load_region(store, region, force=True, dialect=dialect)
        pipeline.resolve(store)
        pipeline.run_all_packs(store)
        scores = pipeline.evaluate(store, region / "answer_key.csv")
    return dialect, region, report, scores


def _manifest(region: Path) -> dict:
    return json.loads((region / "manifest.json").read_text(encoding="utf-8"))


def test_loading_accounts_for_every_row(run):
    dialect, region, report, _ = run
    assert report["unmatched"] == [], dialect
    by_file = {s["file"]: s for s in report["sources"]}
    for entry in _manifest(region)["files"]:
        source = by_file.get(entry["path"])
        assert source is not None and source["error"] is None, (dialect, entry["path"], source)
        got = (source["read"], source["loaded"], source["quarantined"], source["duplicates"])
        assert got[0] == got[1] + got[2] + got[3], (dialect, entry["path"], got)
        assert got == (entry["rows"], entry["clean_rows"], entry["quarantined"], entry["duplicates"]), \
            (dialect, entry["path"], got)


def test_every_family_meets_the_floor(run):
    dialect, _, _, scores = run
    assert set(scores) == set(pipeline.FAMILY_RULES)
    table = {family: (s.precision, s.recall, s.tp, s.fp, s.fn) for family, s in scores.items()}
    assert all(s.precision >= FLOOR and s.recall >= FLOOR for s in scores.values()), (dialect, table)


def test_the_dialects_write_one_world(regions):
    """Same entities, same cases; only how the files cite them differs."""
    first, *others = DIALECTS
    entities = (regions[first] / "truth" / "entities.csv").read_bytes()
    key = pd.read_csv(regions[first] / "answer_key.csv", dtype=str, keep_default_na=False)
    for name in others:
        assert (regions[name] / "truth" / "entities.csv").read_bytes() == entities, name
        other = pd.read_csv(regions[name] / "answer_key.csv", dtype=str, keep_default_na=False)
        same = ["case_id", "family", "kind", "label", "amount_at_risk", "office_code"]
        assert other[same].equals(key[same]), name
        assert {m["path"] for m in _manifest(regions[name])["files"]}.isdisjoint(
            {m["path"] for m in _manifest(regions[first])["files"]}), name


def _cells(region: Path) -> set[str]:
    cells: set[str] = set()
    for entry in _manifest(region)["files"]:
        path = region / entry["path"]
        if entry["format"] == "xlsx":
            frame = pd.read_excel(path, dtype=str, keep_default_na=False, header=entry["header_rows"] - 1)
        else:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding=entry["encoding"],
                                sep=entry["delimiter"], header=entry["header_rows"] - 1, engine="python",
                                on_bad_lines="skip")
        for column in frame.columns:
            cells.update(frame[column].astype(str))
    return cells


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_answer_key_identifiers_are_as_the_files_show_them(regions, dialect):
    """Each document number and identifier a case lists is a cell of that dialect's files."""
    region = regions[dialect]
    cells = _cells(region)
    key = pd.read_csv(region / "answer_key.csv", dtype=str, keep_default_na=False)
    missing = []
    for case_id, keys, primary in zip(key.case_id, key["keys"], key.primary_key):
        for item in keys.split(";") + [f"primary:{primary}"]:
            kind, _, value = item.partition(":")
            parts = value.split("/")[:2] if kind == "equity_transfer" else [value]
            missing += [f"{case_id} {kind}:{part}" for part in parts if part not in cells]
    assert not missing, missing[:10]


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_specs_check_finds_every_rule_served_by_the_dialects_specs(regions, dialect):
    """What a data officer runs before a first load: every file matched and readable, every rule
    fed by some spec (one way of clearing a candidate is enough)."""
    from crossaudit.engine.rules import load_rules
    from crossaudit.engine.rules.reads import rule_reads
    from crossaudit.loaders.check import check_delivery

    rules = [(rule.id, rule_reads(rule.text)) for rule in load_rules()]
    report = check_delivery(regions[dialect], pipeline.dialect_specs(dialect), rules=rules)
    assert report.error is None and report.unmatched == [], dialect
    assert {r.rule: r.missing for r in report.rules if not r.covered} == {}, dialect
    assert report.ok(strict=True), dialect
