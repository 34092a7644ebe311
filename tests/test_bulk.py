"""Bulk loads into Neo4j by neo4j-admin import: the files, the CLI, and the graph they give.

The Neo4j tests import the small demo region into a server of their own (the launcher over a
home folder) and compare it with a transactional load of the same region into the session's
server: the same counts per label and type, the same findings after resolve and rules run.
"""
from __future__ import annotations

import csv
import datetime as dt
import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from crossaudit.cli import main_group
from crossaudit.engine import open_store
from crossaudit.engine.neo4j_bulk import BulkTarget, CaptureStore, write_import_files
from crossaudit.engine.store import RunStamp, StoreError
from crossaudit.loaders import load_sources
from crossaudit.pipeline import resolve, run_all_packs
from test_demo_region import region  # noqa: F401  (fixture: the small demo region)
from test_loaders import department  # noqa: F401  (fixture: one department file and its spec)

RUN = RunStamp("run-1", dt.datetime(2026, 11, 8, 9, 30, 0, 250000))


def rows_of(path: Path) -> list[list[str]]:
    with open(path, encoding="utf-8", newline="") as handle:
        return list(csv.reader(handle))


def test_node_files_carry_typed_headers_an_id_space_and_one_row_per_key(tmp_path):
    with CaptureStore() as staging:
        staging.upsert_nodes("Enterprise", [
            {"uid": "E1", "name": "宁夏甲公司", "established_on": dt.date(2015, 3, 1), "registered_capital": 500000.0,
             "source_row": 2},
            {"uid": "E2", "name": "", "kind": None}], RUN)
        staging.upsert_nodes("Enterprise", [{"uid": "E1", "name": "宁夏甲科技有限公司", "source_row": 9}], RUN)
        files = write_import_files(staging, tmp_path / "import")
    assert [label for label, _ in files.nodes] == ["Enterprise"] and files.rels == []
    header, *rows = rows_of(files.folder / "nodes" / "Enterprise.csv")
    assert header[:3] == [":ID", "uid", "credit_code"]  # the store id, then the key as a property
    assert {"established_on:date", "registered_capital:double", "source_row:long", "first_seen:localdatetime"} \
        <= set(header)
    by_key = {row[1]: dict(zip(header, row)) for row in rows}
    assert sorted(by_key) == ["E1", "E2"]  # E1 upserted twice: one row, as a MERGE leaves one node
    assert sorted(row[0] for row in rows) == ["0", "1"]
    assert by_key["E1"]["name"] == "宁夏甲科技有限公司" and by_key["E1"]["source_row:long"] == "2"  # first provenance
    assert by_key["E1"]["established_on:date"] == "2015-03-01"
    assert by_key["E1"]["first_seen:localdatetime"] == "2026-11-08T09:30:00.250000"


def test_empty_text_is_quoted_and_null_is_an_empty_field(tmp_path):
    with CaptureStore() as staging:
        staging.upsert_nodes("Enterprise", [{"uid": "E2", "name": "", "kind": None}], RUN)
        files = write_import_files(staging, tmp_path / "import")
    header, line = (files.folder / "nodes" / "Enterprise.csv").read_text(encoding="utf-8").splitlines()
    cells = dict(zip(header.split(","), line.split(",")))  # no comma inside these values
    assert (cells["uid"], cells["name"], cells["kind"]) == ('"E2"', '""', "")


def test_relationship_files_name_both_ends_by_their_store_ids_and_the_command_names_every_file(tmp_path):
    with CaptureStore() as staging:
        staging.upsert_nodes("Person", [{"uid": "P1"}], RUN)
        staging.upsert_nodes("Enterprise", [{"uid": "E1"}], RUN)
        staging.upsert_relationships("LEGAL_REP_OF", "Person", "Enterprise",
                                     [{"from": "P1", "to": "E1", "since": dt.date(2020, 1, 2)}] * 2, RUN)
        staging.upsert_nodes("QuarantineEntry", [{"entry_id": "Q1", "raw_value": "第一行\n第二行"}], RUN)
        files = write_import_files(staging, tmp_path / "import")
    (rel_type, path), = files.rels
    header, *rows = rows_of(path)
    assert rel_type == "LEGAL_REP_OF" and path.name == "LEGAL_REP_OF-Person-Enterprise.csv"
    assert header[:4] == [":START_ID", ":END_ID", "rid", "since:date"]
    ids = {row[1]: row[0] for _, node_path in files.nodes for row in rows_of(node_path)[1:]}
    assert [row[:2] + row[3:4] for row in rows] == [[ids["P1"], ids["E1"], "2020-01-02"]]
    assert sorted(map(int, ids.values())) == [0, 1, 2]  # one id space, numbered from 0: Neo4j's node ids
    assert files.multiline == [files.folder / "nodes" / "QuarantineEntry.csv"]
    arguments = (files.folder / "import.args").read_text(encoding="utf-8").split()
    assert f"--nodes=Person={(files.folder / 'nodes' / 'Person.csv').resolve()}" in arguments
    assert f"--relationships=LEGAL_REP_OF={path.resolve()}" in arguments
    assert {"--bad-tolerance=0", "--id-type=actual"} <= set(arguments) and any(a.startswith("--multiline-fields=") for a in arguments)
    assert files.command() == f"neo4j-admin database import full @{(files.folder / 'import.args').resolve()} neo4j"


def test_timestamps_keep_their_microseconds_or_stay_empty_and_a_carriage_return_is_a_line_break(tmp_path):
    with CaptureStore() as staging:
        staging.upsert_nodes("LoadRun", [{"run_id": "r1", "started_at": dt.datetime(2026, 11, 8, 9, 0, 0, 5)},
                                         {"run_id": "r2", "started_at": dt.datetime(2026, 11, 8, 9, 0),
                                          "source_dir": "甲\r乙"},
                                         {"run_id": "r3"}], RUN)
        files = write_import_files(staging, tmp_path / "import")
    with open(files.folder / "nodes" / "LoadRun.csv", encoding="utf-8", newline="") as handle:
        header, *rows = csv.reader(handle)
    started = {row[1]: row[header.index("started_at:localdatetime")] for row in rows}
    assert started == {"r1": "2026-11-08T09:00:00.000005", "r2": "2026-11-08T09:00:00.000000", "r3": ""}
    assert files.multiline == [files.folder / "nodes" / "LoadRun.csv"]


def _timeless(rows: list[list[str]], keys: dict[str, str]) -> list[tuple]:
    """A file's rows in order, without what a load measures on the clock (seconds, finished_at), a
    node's store id left out and a relationship's ends named by their keys (`keys`: id -> key)."""
    header = rows[0]
    timed = [header.index(name) for name in ("seconds:double", "finished_at:localdatetime") if name in header]
    ends = header[:2] == [":START_ID", ":END_ID"]
    return sorted(tuple(keys[cell] if ends and index < 2 and row is not header else cell
                        for index, cell in enumerate(row) if index not in timed and header[index] != ":ID")
                  for row in rows)


def test_the_facts_held_in_memory_are_the_facts_a_store_holds_after_the_same_loads(department, tmp_path):
    data, specs = department
    later = RunStamp("run-2", dt.datetime(2026, 11, 9, 8, 0))
    written = {}
    with CaptureStore() as captured, open_store(f"ladybug:{tmp_path / 'graph.db'}") as embedded:
        for store in (captured, embedded):
            load_sources(data, store, specs, run=RUN)
            load_sources(data, store, specs, run=later)  # merged: first provenance, last last_seen
            files = write_import_files(store, tmp_path / store.engine)
            keys = {row[0]: f"{label}:{row[1]}" for label, path in files.nodes for row in rows_of(path)[1:]}
            written[store.engine] = {path.name: _timeless(rows_of(path), keys) for _, path in files.nodes + files.rels}
    assert written["capture"] == written["ladybug"]
    assert len(written["capture"]["LoadRun.csv"]) == 3 and len(written["capture"]["Enterprise.csv"]) == 3


def test_files_written_in_threads_are_the_files_written_one_at_a_time(region, tmp_path):
    contents = []
    with CaptureStore() as captured:
        load_sources(region, captured, run=RUN)
        for threads in (1, 3):
            files = write_import_files(captured, tmp_path / f"t{threads}", threads=threads)
            contents.append(({path.relative_to(files.folder).as_posix(): path.read_bytes()
                              for path in sorted(files.folder.rglob("*.csv"))},
                             (files.folder / "import.args").read_text(encoding="utf-8").replace(f"t{threads}", "t"),
                             [path.name for path in files.multiline]))
    assert len(contents[0][0]) > 30 and contents[0] == contents[1]


def test_the_store_in_memory_answers_a_load_s_reads_and_refuses_others(tmp_path):
    with CaptureStore() as captured:
        captured.upsert_nodes("TaxOffice", [{"code": "16401000000", "parent": "16400000000", "name": "银川市税务局"}])
        assert captured.query("MATCH (a:EntityAlias) RETURN count(*) AS n") == [{"n": 0}]
        assert captured.query("UNWIND $codes AS c MATCH (o:TaxOffice {code: c}) RETURN o.code AS code, "
                              "o.parent AS parent", {"codes": ["16401000000", "16402000000"]}) == \
            [{"code": "16401000000", "parent": "16400000000"}]
        with pytest.raises(StoreError, match="answers a label's count and nodes by key"):
            captured.query("MATCH (o:TaxOffice) RETURN o.name AS name")
        captured.upsert_relationships("SUBORDINATE_OF", "TaxOffice", "TaxOffice",
                                      [{"from": "16401000000", "to": "16400000000"}])
        with pytest.raises(StoreError, match="endpoints do not exist: 1 TaxOffice key"):
            write_import_files(captured, tmp_path / "import")


def test_a_bulk_target_is_new_and_named_by_its_scheme(tmp_path):
    assert BulkTarget.parse(f"neo4j-launch:{tmp_path}").files_folder == tmp_path / "import"
    with pytest.raises(StoreError, match="no bulk target"):
        BulkTarget.parse("bolt://127.0.0.1:7687")
    (tmp_path / "import.args").write_text("", encoding="utf-8")
    with pytest.raises(StoreError, match="writes a new database"):
        BulkTarget.parse(f"neo4j-import:{tmp_path}").check_empty()


def test_load_bulk_writes_the_facts_a_transactional_load_writes_and_prints_the_command(department, tmp_path):
    data, specs = department
    folder = tmp_path / "import"
    result = CliRunner().invoke(main_group, ["--store", f"neo4j-import:{folder}", "load", str(data), "--specs",
                                             str(specs), "--bulk"])
    assert result.exit_code == 0, result.output
    assert f"neo4j-admin database import full @{(folder / 'import.args').resolve()} neo4j" in result.output
    assert "store init" in result.output
    with open_store(f"ladybug:{tmp_path / 'transactional.db'}") as store:
        load_sources(data, store, specs)
        counts = store.counts()
    written = Counter()
    for path in folder.glob("*/*.csv"):  # a relationship type has a file per pair of labels
        written[path.stem.split("-")[0]] += len(rows_of(path)) - 1
    expected = {name: n for part in counts.values() for name, n in part.items() if n}
    assert written == {**expected, "AuditEntry": 1}  # and the load's audit entry
    assert written["QuarantineEntry"] == 5 and written["LoadRun"] == 1 and written["FileLoad"] == 1
    again = CliRunner().invoke(main_group, ["--store", f"neo4j-import:{folder}", "load", str(data), "--bulk"])
    assert again.exit_code == 1 and "a bulk load writes a new database" in again.output
    plain = CliRunner().invoke(main_group, ["--store", f"neo4j-import:{tmp_path / 'other'}", "load", str(data)])
    assert plain.exit_code == 1 and "add --bulk" in plain.output


def test_store_copy_is_for_admins_and_writes_the_whole_store(department, tmp_path):
    data, specs = department
    source = f"ladybug:{tmp_path / 'source.db'}"
    with open_store(source) as store:
        load_sources(data, store, specs)
    users = tmp_path / "users.yaml"
    users.write_text("users:\n  admin: {role: admin, clearance: secret}\n  li: {role: analyst, clearance: internal}\n",
                     encoding="utf-8")
    runner = CliRunner()
    assert runner.invoke(main_group, ["--store", source, "store", "init", "--users", str(users)],
                         env={"CROSSAUDIT_USERS": str(users), "CROSSAUDIT_USER": "admin"}).exit_code == 0
    target = f"neo4j-import:{tmp_path / 'copy'}"
    denied = runner.invoke(main_group, ["--user", "li", "store", "copy", source, target],
                           env={"CROSSAUDIT_USERS": str(users)})
    assert denied.exit_code == 1 and "may not store.copy" in denied.output
    result = runner.invoke(main_group, ["--user", "admin", "store", "copy", source, target],
                           env={"CROSSAUDIT_USERS": str(users)})
    assert result.exit_code == 0, result.output
    governance = rows_of(tmp_path / "copy" / "nodes" / "Governance.csv")
    assert len(governance) == 2  # the record of the users file comes along
    header, *entries = rows_of(tmp_path / "copy" / "nodes" / "AuditEntry.csv")
    actions = [row[header.index("action")] for row in entries]
    assert "store.copy" in actions  # recorded in the source before it was written


# --- against Neo4j: the small region, bulk vs transactional ---------------------------------

def _bulk_server(args: list[str]) -> tuple[subprocess.Popen, str]:
    """Run `crossaudit ARGS` (a bulk load or copy into neo4j-launch:) until it prints its bolt URI."""
    process = subprocess.Popen([sys.executable, "-c", "from crossaudit.cli import main; main()", *args],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "COLUMNS": "200"})
    for line in process.stdout:
        if line.startswith("bolt://"):
            return process, line.strip()
    process.wait()
    pytest.fail(f"crossaudit {' '.join(args)} served no database: {process.stderr.read()[-3000:]}")


def _stop(process: subprocess.Popen) -> None:
    process.send_signal(signal.SIGTERM)  # the launcher stops the server, its data stays in the home
    process.wait(120)


def _findings(store) -> list[tuple]:
    return sorted((row["rule"], row["id"], row["evidence"]) for row in store.query(
        "MATCH (f:Finding) RETURN f.rule_id AS rule, f.finding_id AS id, f.evidence_hash AS evidence"))


@pytest.mark.neo4j
def test_bulk_load_gives_the_graph_and_findings_of_a_transactional_load(region, neo4j_uri, tmp_path):
    with open_store(neo4j_uri) as transactional:
        transactional.clear(keep=())
        load_sources(region, transactional)
        expected = transactional.counts()
        resolve(transactional)
        run_all_packs(transactional)
        expected_findings = _findings(transactional)
    home = tmp_path / "graph"
    process, uri = _bulk_server(["--store", f"neo4j-launch:{home}", "load", str(region), "--bulk"])
    try:
        with open_store(uri) as bulk:
            counts = bulk.counts()
            counts["nodes"]["AuditEntry"] -= 1  # the bulk load's audit entry: the API load above records none
            assert counts == expected
            assert sum(expected["nodes"].values()) > 200_000 and sum(expected["relationships"].values()) > 500_000
            constraints = bulk.query("SHOW CONSTRAINTS YIELD name RETURN count(*) AS n")[0]["n"]
            assert constraints == len(expected["nodes"])  # the schema was applied after the import
            resolve(bulk)
            run_all_packs(bulk)
            findings = _findings(bulk)
        assert findings == expected_findings and len(findings) > 50
    finally:
        _stop(process)
    assert (home / "data" / "databases" / "neo4j").is_dir()  # kept for the next start


@pytest.mark.neo4j
def test_store_copy_of_an_embedded_store_into_a_launched_neo4j(department, tmp_path):
    data, specs = department
    source = f"ladybug:{tmp_path / 'source.db'}"
    with open_store(source) as store:
        load_sources(data, store, specs)
        store.upsert_nodes("Person", [{"uid": "P9", "name": "", "birth_date": dt.date(1980, 1, 1)}], RUN)
        expected = store.counts()
        people = store.query("MATCH (p:Person) RETURN p ORDER BY p.uid")
    process, uri = _bulk_server(["store", "copy", source, f"neo4j-launch:{tmp_path / 'graph'}"])
    try:
        with open_store(uri) as copy:
            counts = copy.counts()
            assert copy.query("MATCH (p:Person) RETURN p ORDER BY p.uid") == people  # types, "" and nulls kept
    finally:
        _stop(process)
    counts["nodes"]["AuditEntry"] -= 1  # store copy recorded itself in the source before writing it
    assert counts == expected
