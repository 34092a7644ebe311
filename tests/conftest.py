"""Shared fixtures: every store test runs on both engines, against real databases.

The Neo4j server is a real Neo4j 5.26 started once per session by tools/neo4j/launch.py
(or the server named by CROSSAUDIT_TEST_NEO4J_URI). If it cannot start, the Neo4j tests
fail; they are never skipped. `pytest -m "not neo4j"` deselects them explicitly.
"""
from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

from crossaudit.engine import open_store

ROOT = Path(__file__).resolve().parent.parent
ENGINES = ["ladybug", pytest.param("neo4j", marks=pytest.mark.neo4j)]


def _launcher():
    spec = importlib.util.spec_from_file_location("neo4j_launch", ROOT / "tools" / "neo4j" / "launch.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def neo4j_uri():
    """The bolt URI of a real Neo4j server for this test session."""
    given = os.environ.get("CROSSAUDIT_TEST_NEO4J_URI")
    if given:
        yield given
        return
    launch = _launcher()
    try:
        server = launch.Neo4jServer.start()
    except launch.LaunchError as exc:
        pytest.fail(f"the Neo4j test server did not start: {exc}", pytrace=False)
    try:
        yield server.uri
    finally:
        server.stop()


def _empty_store_uri(request, folder: Path) -> str:
    """The URI of an empty store on the engine `request.param` names: a fresh Ladybug file in
    `folder`, or the Neo4j server, emptied."""
    if request.param == "ladybug":
        return f"ladybug:{folder / 'graph.db'}"
    uri = request.getfixturevalue("neo4j_uri")
    with open_store(uri) as store:
        store.clear(keep=())  # the audit log and the governance record too
    return uri


@pytest.fixture(params=ENGINES)
def store_uri(request, tmp_path):
    """A store URI for each engine: a fresh Ladybug file, or the emptied Neo4j server."""
    return _empty_store_uri(request, tmp_path)


@pytest.fixture(scope="module", params=ENGINES)
def module_store_uri(request, tmp_path_factory):
    """The same once per test module: for a graph planted once that many tests read."""
    return _empty_store_uri(request, tmp_path_factory.mktemp("graph"))


@pytest.fixture
def store(store_uri):
    """An open store with the schema applied, on each engine."""
    with open_store(store_uri) as opened:
        opened.apply_schema()
        yield opened
