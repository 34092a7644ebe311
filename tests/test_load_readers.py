"""Files read and checked in processes of their own (`load_sources(readers=N)`): the graph and the
reports are the ones a load that reads every file itself gives, whatever order the files finish in."""
from __future__ import annotations

import dataclasses
import datetime as dt
import json
import multiprocessing
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossaudit.cli import main_group
from crossaudit.engine import SCHEMA, RunStamp
from crossaudit.engine.neo4j_bulk import CaptureStore
from crossaudit.loaders import load_sources, load_specs
from crossaudit.loaders.load import PARALLEL_BYTES, FileReaders, FileReport, Part
from test_demo_region import region  # noqa: F401  (fixture: the small demo region)
from test_loaders import CODE_A, HEADER, ID_ZHANG, department  # noqa: F401  (fixture: one department file and its spec)

RUN = RunStamp("run-1", dt.datetime(2026, 12, 5, 9, 0))


TIMED = ("seconds", "finished_at")  # how long a run took: the one thing that differs


def _graph(store, ignored: tuple[str, ...] = TIMED) -> list[str]:
    """Every node and relationship with its properties but the `ignored` ones, sorted."""
    out = []
    for node in SCHEMA.nodes:
        out += [repr(sorted((k, v) for k, v in r["n"].items() if k not in ignored))
                for r in store.query(f"MATCH (n:{node.label}) RETURN n")]
    for rel in SCHEMA.rels:
        for a, b in rel.pairs:
            out += [repr(sorted((k, v) for k, v in r["r"].items() if k not in ignored))
                    for r in store.query(f"MATCH (:{a})-[r:{rel.type}]->(:{b}) RETURN r")]
    return sorted(out)


def _reports(report) -> list[dict]:
    return [{k: v for k, v in dataclasses.asdict(s).items() if k != "seconds"} for s in report.sources]


def _two_files(department) -> tuple[Path, Path]:
    """The department's register and a later, smaller file renaming company A (its last write
    gives the name): read at once, the smaller file finishes first."""
    data, specs = department
    (data / "amr" / "企业登记_补充.csv").write_bytes(
        (HEADER + f"{CODE_A},宁夏甲科技股份公司,张三,{ID_ZHANG},,2015-03-01\n").encode("gbk"))
    (data / "amr" / "企业登记_损坏.csv").write_bytes(b"")  # no header at all: reported, the run goes on
    return data, specs


def test_files_read_in_processes_give_the_graph_and_reports_of_one_process(store, department):
    data, specs = _two_files(department)
    graphs, reports = [], []
    for readers in (0, 2):
        store.clear()
        report = load_sources(data, store, specs, run=RUN, readers=readers)
        graphs.append(_graph(store))
        reports.append(_reports(report))
    assert reports[0] == reports[1]
    assert [(s["file"], s["read"], s["loaded"], s["quarantined"], s["duplicates"], bool(s["error"]))
            for s in reports[1]] == [("amr/企业登记.csv", 6, 2, 3, 1, False), ("amr/企业登记_损坏.csv", 0, 0, 0, 0, True),
                                     ("amr/企业登记_补充.csv", 1, 1, 0, 0, False)]
    assert graphs[0] == graphs[1]
    company = store.query("MATCH (e:Enterprise {uid: $code}) RETURN e.name AS name", {"code": CODE_A})
    assert company == [{"name": "宁夏甲科技股份公司"}]  # the later file's name, though it was read first


def test_the_small_region_read_in_processes_gives_the_same_facts(region):
    tables, reports = [], []
    for readers in (0, 2):
        with CaptureStore() as captured:
            reports.append(_reports(load_sources(region, captured, run=RUN, readers=readers)))
            tables.append({**{n.label: captured.node_rows(n).drop_columns([c for c in TIMED if c in
                                                                             captured.node_rows(n).column_names])
                              for n in SCHEMA.nodes},
                           **{(r.type, a, b): captured.rel_rows(r, a, b) for r in SCHEMA.rels for a, b in r.pairs}})
    assert reports[0] == reports[1] and sum(s["read"] for s in reports[0]) > 100_000
    assert tables[0].keys() == tables[1].keys()
    different = [name for name in tables[0] if not tables[0][name].equals(tables[1][name])]
    assert different == []


def test_processes_write_parts_to_temporary_files_deleted_when_read_or_left(department, tmp_path):
    data, specs = _two_files(department)
    spec = load_specs(specs)[0]
    files = [(path, path.relative_to(data).as_posix(), spec) for path in sorted((data / "amr").glob("*.csv"))]
    folder = tmp_path / "parts"
    folder.mkdir()
    with FileReaders(files, 2, chunk_rows=2, temporary=folder) as reading:
        first = next(iter(reading))
        parts = list(first)
        held = [path.name for path in folder.rglob("*.pickle")]  # the other files' parts, written by the processes
    assert [type(p) for p in parts] == [Part] * 3 + [FileReport] and parts[-1].read == 6
    assert sorted(held) == ["1.pickle", "2.pickle"]  # the first file's was deleted once read
    assert list(folder.iterdir()) == []  # left early: the rest deleted


def test_an_error_in_a_reading_process_is_raised_in_the_load(department, tmp_path):
    data, specs = department
    spec = load_specs(specs)[0]
    missing, folder = data / "amr" / "gone.csv", tmp_path / "parts"
    folder.mkdir()
    with pytest.raises(FileNotFoundError, match="gone.csv"):
        with FileReaders([(missing, "amr/gone.csv", spec)], 1, temporary=folder) as reading:
            list(next(iter(reading)))
    assert list(folder.iterdir()) == []


def test_readers_must_be_a_number_of_processes(department, monkeypatch):
    data, specs = department
    with CaptureStore() as captured:
        with pytest.raises(ValueError, match="readers must be 0"):
            load_sources(data, captured, specs, readers=-1)
        monkeypatch.setenv("CROSSAUDIT_LOAD_READERS", "two")
        with pytest.raises(ValueError, match="CROSSAUDIT_LOAD_READERS must be a whole number"):
            load_sources(data, captured, specs)


def test_load_command_takes_readers(store_uri, department):
    data, specs = _two_files(department)
    runner, outputs = CliRunner(), []
    for readers in ("2", "0"):
        result = runner.invoke(main_group, ["--store", store_uri, "load", str(data), "--specs", str(specs),
                                            "--readers", readers, "--format", "json"])
        assert result.exit_code == 2, result.output  # the empty file is an error: exit 2, the rest loaded
        outputs.append([(s["file"], s["read"], s["loaded"], s["error"] is None) for s in json.loads(result.stdout)["sources"]])
    assert outputs[0] == outputs[1] == [("amr/企业登记.csv", 6, 2, True), ("amr/企业登记_损坏.csv", 0, 0, False),
                                        ("amr/企业登记_补充.csv", 1, 1, True)]
    refused = runner.invoke(main_group, ["--store", store_uri, "load", str(data), "--specs", str(specs), "--readers", "-1"])
    assert refused.exit_code == 2 and "-1" in refused.output


def test_a_load_after_resolution_applies_its_aliases_with_readers(store, tmp_path):
    """Loading again after resolution merged a mention: the processes leave the facts untyped and
    this one points them at the canonical entity, so the mention's node does not come back."""
    from crossaudit.resolve.graph import resolve_store
    from test_resolve_cn import CODE_1, CODE_2, officers_delivery

    officers_delivery(tmp_path)  # a firm and its director, the same with mistyped numbers, a namesake
    graphs = []
    for readers in (0, 2):
        store.clear()
        load_sources(tmp_path / "data", store, tmp_path / "specs", run=RUN, readers=0)
        resolve_store(store)
        assert store.query("MATCH (a:EntityAlias) RETURN count(*) AS n")[0]["n"] > 0
        load_sources(tmp_path / "data", store, tmp_path / "specs", run=RunStamp("run-2", RUN.at), readers=readers)
        assert {row["uid"] for row in store.query("MATCH (e:Enterprise) RETURN e.uid AS uid")} == {CODE_1, CODE_2}
        graphs.append(_graph(store, TIMED + ("first_seen", "last_seen", "load_run")))  # resolution stamps its time
    assert graphs[0] == graphs[1]


def _load_totals(data: Path, specs: Path, readers: int | None) -> dict:
    with CaptureStore() as captured:
        return load_sources(data, captured, specs, readers=readers).totals()


def test_a_daemonic_process_loads_reading_the_files_itself(department):
    """A multiprocessing pool's worker may start no processes: by default it reads the files
    itself; asked for readers, it says why it cannot."""
    data, specs = _two_files(department)
    (data / "amr" / "企业登记_大.csv").write_bytes(b"x" * PARALLEL_BYTES)  # over the default's threshold: no header
    with multiprocessing.get_context("fork").Pool(1) as pool:
        totals = pool.apply(_load_totals, (data, specs, None))
        assert totals["read"] == 7 and totals["loaded"] == 3
        with pytest.raises(ValueError, match="daemonic process"):
            pool.apply(_load_totals, (data, specs, 2))


@pytest.mark.parametrize("readers", [0, 2])
def test_a_file_the_office_hierarchy_refuses_is_reported_with_its_encoding(tmp_path, readers):
    from test_governance_cli import CITY, COUNTY_A, OFFICES_HEADER, REGION

    (tmp_path / "tax").mkdir()
    (tmp_path / "tax" / "税务机关.csv").write_text(OFFICES_HEADER + f"{REGION},宁夏,640000,省级,{COUNTY_A}\n"
                                                  f"{COUNTY_A},兴庆区,640104,县级,{CITY}\n", encoding="utf-8")
    with CaptureStore() as captured:
        (source,) = load_sources(tmp_path, captured, readers=readers).sources
    assert f"tax office {REGION} cannot be under {COUNTY_A}" in source.error
    assert (source.encoding, source.read, source.loaded) == ("utf-8", 2, 0)
