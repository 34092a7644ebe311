"""Every rule's <rule>.test.yaml on both engines: each case's expected findings, and identical
findings from Ladybug and Neo4j."""
from __future__ import annotations

import tempfile
from functools import lru_cache
from pathlib import Path

import pytest

from crossaudit.engine import open_store
from crossaudit.engine.rules import load_rules, run_case_file

RULES = load_rules()
BY_ID = {rule.id: rule for rule in RULES}
_FOLDER = tempfile.TemporaryDirectory(prefix="crossaudit-rule-cases-")


@lru_cache(maxsize=None)
def ladybug_results(rule_id: str):
    """The case results on the embedded engine, computed once per rule for both tests."""
    with open_store(f"ladybug:{Path(_FOLDER.name) / rule_id}.db") as store:
        return run_case_file(store, BY_ID[rule_id])


def failures(results) -> list[str]:
    return [f"{r.case}: {problem}" for r in results for problem in r.problems]


@pytest.mark.parametrize("rule_id", sorted(BY_ID))
def test_cases_pass_on_ladybug(rule_id):
    assert failures(ladybug_results(rule_id)) == []


@pytest.mark.neo4j
@pytest.mark.parametrize("rule_id", sorted(BY_ID))
def test_cases_pass_on_neo4j_with_the_same_findings(rule_id, neo4j_uri):
    with open_store(neo4j_uri) as store:
        on_neo4j = run_case_file(store, BY_ID[rule_id])
    assert failures(on_neo4j) == []
    for here, there in zip(ladybug_results(rule_id), on_neo4j):
        assert here.findings == there.findings, f"{here.case}: the engines differ"
