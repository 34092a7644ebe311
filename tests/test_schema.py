"""The schema declaration and the Cypher generated from it."""
from __future__ import annotations

import pytest

from crossaudit.engine import cypher_gen
from crossaudit.engine.schema import SCHEMA, NodeType, Prop, RelType, Schema


def test_committed_cypher_files_match_the_declaration():
    for name, text in cypher_gen.generated_files().items():
        committed = (cypher_gen.CYPHER_DIR / name).read_text(encoding="utf-8")
        assert committed == text, f"cypher/{name} is stale: run python -m crossaudit.engine.cypher_gen"


def test_every_node_has_a_constraint_and_every_relationship_a_rid_index():
    statements = cypher_gen.neo4j_schema()
    for node in SCHEMA.nodes:
        assert any(f"(n:{node.label}) REQUIRE n.{node.key} IS UNIQUE" in s for s in statements)
    for rel in SCHEMA.rels:
        assert any(f"[r:{rel.type}]-() ON (r.rid)" in s for s in statements)


def test_ladybug_ddl_declares_every_pair_and_provenance():
    ddl = "\n".join(cypher_gen.ladybug_ddl())
    assert "CREATE REL TABLE IF NOT EXISTS SHAREHOLDER_OF(FROM Enterprise TO Enterprise, FROM Person TO Enterprise" in ddl
    assert "first_seen TIMESTAMP, last_seen TIMESTAMP" in ddl


def test_required_types_are_declared():
    labels = {n.label for n in SCHEMA.nodes}
    assert {"Enterprise", "Person", "Property", "Contract", "Invoice", "TaxRegistration", "TaxFiling", "Address",
            "Phone", "TaxOffice", "Department", "SourceRecord"} <= labels
    types = {r.type for r in SCHEMA.rels}
    assert {"LEGAL_REP_OF", "SHAREHOLDER_OF", "EXECUTIVE_OF", "KIN_OF", "OWNS", "PARTY_TO", "ISSUED", "RECEIVED",
            "REGISTERED_WITH", "FILED", "LOCATED_AT", "HAS_PHONE", "EMPLOYS", "DESCRIBES"} <= types
    assert SCHEMA.rel("SHAREHOLDER_OF").prop("ratio").type == "DOUBLE"


def test_inconsistent_declarations_are_rejected():
    node = NodeType("A", "id", (Prop("id"),))
    with pytest.raises(ValueError, match="undeclared label"):
        Schema((node,), (RelType("R", (("A", "B"),)),))
    with pytest.raises(ValueError, match="identity names undeclared"):
        Schema((node,), (RelType("R", (("A", "A"),), identity=("kind",)),))
    with pytest.raises(ValueError, match="unknown type"):
        Prop("x", "VARCHAR")
