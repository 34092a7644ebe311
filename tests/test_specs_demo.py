"""The shipped specs load every file of the small demo region (seed 7) exactly as its manifest
counts it, and the facts rules need are in the graph. The region is generated once and loaded
once per engine for the module."""
from __future__ import annotations

import pytest

from crossaudit.engine import open_store
from crossaudit.loaders import load_sources
from crossaudit.loaders.demo import generate


@pytest.fixture(scope="module")
def region(tmp_path_factory):
    folder = tmp_path_factory.mktemp("region")
    return folder, generate(folder, "small", seed=7)


@pytest.fixture(scope="module", params=["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)])
def loaded(request, region, tmp_path_factory):
    folder, manifest = region
    if request.param == "ladybug":
        uri = f"ladybug:{tmp_path_factory.mktemp('graph')}/g.db"
    else:
        uri = request.getfixturevalue("neo4j_uri")
    with open_store(uri) as store:
        store.clear()
        report = load_sources(folder, store)
        yield manifest, report, store


def _entries(manifest) -> list[dict]:
    files = manifest["files"] if isinstance(manifest, dict) else manifest.files
    return [f if isinstance(f, dict) else vars(f) for f in files]


def test_every_file_is_matched_and_counted(loaded):
    manifest, report, _ = loaded
    assert report.unmatched == []
    by_file = {s.file: s for s in report.sources}
    for entry in _entries(manifest):
        source = by_file.get(entry["path"])
        assert source is not None, f"no spec matched {entry['path']}"
        assert source.error is None, source.error
        got = (source.read, source.loaded, source.quarantined, source.duplicates)
        want = (entry["rows"], entry["clean_rows"], entry["quarantined"], entry["duplicates"])
        assert got == want, f"{entry['path']}: (read, loaded, quarantined, duplicates) {got} != {want}"


def _count(store, cypher: str) -> int:
    return store.query(cypher)[0]["n"]


@pytest.mark.parametrize("cypher", [
    "MATCH (:Enterprise)-[:ISSUED]->(:Invoice) RETURN count(*) AS n",
    "MATCH (:Person)-[:KIN_OF {kind: 'spouse'}]->(:Person) RETURN count(*) AS n",
    "MATCH (:TaxFiling {tax_type: 'deed_tax'})-[:CONCERNS]->(:Property) RETURN count(*) AS n",
    "MATCH (:TaxFiling {tax_type: 'deed_tax'})-[:CONCERNS]->(:Contract {kind: 'land_transfer'}) RETURN count(*) AS n",
    "MATCH (:Enterprise)-[:PARTY_TO {role: 'buyer'}]->(:Contract {kind: 'land_transfer'}) RETURN count(*) AS n",
    "MATCH (:Contract {kind: 'property_sale'})-[:CONCERNS]->(:Property) RETURN count(*) AS n",
    "MATCH (:Enterprise)-[:PARTY_TO {role: 'target'}]->(:Contract {kind: 'equity_transfer'}) RETURN count(*) AS n",
    "MATCH (:Enterprise)-[:REGISTERED_WITH]->(:TaxRegistration)-[:REGISTERED_WITH]->(:TaxOffice) RETURN count(*) AS n",
    "MATCH (:TaxOffice)-[:SUBORDINATE_OF]->(:TaxOffice) RETURN count(*) AS n",
    "MATCH (:Enterprise)-[:EMPLOYS]->(:Person) RETURN count(*) AS n",
    "MATCH (:Enterprise)-[:USED]->(:UtilityUsage) RETURN count(*) AS n",
    "MATCH (:Enterprise)-[:HOLDS]->(:Permit {kind: 'pollutant_discharge'}) RETURN count(*) AS n",
    "MATCH (:Person)-[:OWNS]->(:Vehicle) RETURN count(*) AS n",
    "MATCH (:Contract {kind: 'auction'})-[:CONCERNS]->(:Property) RETURN count(*) AS n",
])
def test_facts_exist(loaded, cypher):
    assert _count(loaded[2], cypher) > 0


def test_filings_are_one_node_per_row(loaded):
    manifest, _, store = loaded
    clean = {e["path"]: e["clean_rows"] for e in _entries(manifest)}
    assert _count(store, "MATCH (f:TaxFiling) RETURN count(*) AS n") == (
        clean["tax/纳税申报明细.csv"] + clean["tax/契税税源明细.csv"])
    assert _count(store, "MATCH (u:UtilityUsage) RETURN count(*) AS n") == clean["power_grid/企业月度用电量.txt"]


@pytest.mark.parametrize("label", ["Enterprise", "Person"])
def test_a_party_column_yields_enterprises_and_persons(loaded, label):
    assert _count(loaded[2], f"MATCH (a:{label})-[:PARTY_TO {{role: 'lessor'}}]->(:Contract) RETURN count(*) AS n") > 0
