"""A Ladybug store made by an older version gets the properties declared since: its tables are
altered, and the new properties are written and read like any other."""
from __future__ import annotations

from dataclasses import replace

from crossaudit.engine import SCHEMA, open_store
from crossaudit.engine.cypher_gen import ladybug_ddl
from crossaudit.engine.migrate import ladybug_missing_columns
from crossaudit.engine.schema import Schema
from crossaudit.engine.store import RunStamp

# The older version: Finding without `recovered` and `verification_note`, EMPLOYS without `paid_on`.
NEW_FINDING_PROPS, NEW_EMPLOYS_PROPS = {"recovered", "verification_note"}, {"paid_on"}


def old_schema() -> Schema:
    nodes = tuple(replace(n, props=tuple(p for p in n.props if p.name not in NEW_FINDING_PROPS))
                  if n.label == "Finding" else n for n in SCHEMA.nodes)
    rels = tuple(replace(r, props=tuple(p for p in r.props if p.name not in NEW_EMPLOYS_PROPS))
                 if r.type == "EMPLOYS" else r for r in SCHEMA.rels)
    return Schema(nodes, rels)


def test_an_old_store_gets_the_missing_properties(tmp_path):
    uri = f"ladybug:{tmp_path / 'old.db'}"
    with open_store(uri) as store:
        for statement in ladybug_ddl(old_schema()):
            store.query(statement)
        statements = ladybug_missing_columns(store.query)
        assert statements == ["ALTER TABLE Finding ADD `recovered` DOUBLE",
                              "ALTER TABLE Finding ADD `verification_note` STRING",
                              "ALTER TABLE EMPLOYS ADD `paid_on` DATE"]
        for statement in statements:
            store.query(statement)
        assert ladybug_missing_columns(store.query) == []
        run = RunStamp.now("rules-1")
        store.upsert_nodes("Finding", [{"finding_id": "F-1", "status": "confirmed", "recovered": 8.5,
                                        "verification_note": "补缴"}], run)
        assert store.query("MATCH (f:Finding) RETURN f.recovered AS recovered, f.verification_note AS note") == [
            {"recovered": 8.5, "note": "补缴"}]


def test_a_store_made_by_this_version_needs_nothing(tmp_path):
    with open_store(f"ladybug:{tmp_path / 'new.db'}") as store:
        store.apply_schema()
        assert ladybug_missing_columns(store.query) == []


def test_tables_the_store_lacks_are_left_to_the_ddl(tmp_path):
    with open_store(f"ladybug:{tmp_path / 'empty.db'}") as store:
        assert ladybug_missing_columns(store.query) == []
