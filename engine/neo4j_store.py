"""The server store: Neo4j 5 through the official driver (bolt:// or neo4j:// routing).

Writes are UNWIND batches inside managed transactions (`execute_write` retries transient
errors); reads run in managed read transactions, so `neo4j://` routes them in a cluster.
Credentials come from NEO4J_USER / NEO4J_PASSWORD and are never logged.
"""
from __future__ import annotations

import os
from typing import Any, Mapping

import neo4j
import pyarrow as pa
from neo4j import GraphDatabase
from neo4j.exceptions import AuthError, ServiceUnavailable

from crossaudit.engine import cypher_gen
from crossaudit.engine.schema import SCHEMA, NodeType, RelType
from crossaudit.engine.store import (
    RunStamp, Store, StoreError, UpsertResult, batches, node_dict, plain, rel_dict,
)


def _plain_value(value: Any) -> Any:
    if isinstance(value, neo4j.graph.Node):
        return node_dict(next(iter(value.labels)), dict(value))
    if isinstance(value, neo4j.graph.Relationship):
        return rel_dict(value.type, dict(value))
    if isinstance(value, list):
        return [_plain_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain_value(v) for k, v in value.items()}
    return plain(value)


def _param(value: Any) -> Any:
    """Parameters the driver cannot send as they are (Decimal) become plain numbers."""
    if isinstance(value, (list, tuple)):
        return [_param(v) for v in value]
    if isinstance(value, dict):
        return {k: _param(v) for k, v in value.items()}
    return plain(value) if value.__class__.__name__ == "Decimal" else value


class Neo4jStore(Store):
    engine = "neo4j"

    def __init__(self, uri: str, batch_size: int = 5000, database: str | None = None) -> None:
        super().__init__(batch_size)
        self.uri = uri
        self.database = database or os.environ.get("NEO4J_DATABASE") or None
        user = os.environ.get("NEO4J_USER", "neo4j")
        password = os.environ.get("NEO4J_PASSWORD")
        self._driver = GraphDatabase.driver(uri, auth=(user, password) if password else None)
        try:
            self._driver.verify_connectivity()
        except (ServiceUnavailable, OSError) as exc:
            self._driver.close()
            raise StoreError(f"cannot reach Neo4j at {uri}: {exc}. Is the server running? "
                             "(python tools/neo4j/launch.py starts one)") from exc
        except AuthError as exc:
            self._driver.close()
            raise StoreError(f"Neo4j at {uri} refused the credentials from NEO4J_USER / NEO4J_PASSWORD") from exc

    def _session(self):
        return self._driver.session(database=self.database)

    # --- reads ------------------------------------------------------------------------

    def query(self, cypher: str, params: Mapping[str, Any] | None = None) -> list[dict]:
        def work(tx):
            result = tx.run(cypher, _param(dict(params or {})))
            return [{k: _plain_value(v) for k, v in record.items()} for record in result]

        with self._session() as session:
            # A statement that writes must not be routed to a reader.
            return session.execute_write(work)

    # --- writes -----------------------------------------------------------------------

    def apply_schema(self) -> None:
        with self._session() as session:
            for statement in cypher_gen.neo4j_schema(SCHEMA):
                session.run(statement).consume()
            session.run("CALL db.awaitIndexes(300)").consume()

    def _write_batches(self, cypher: str, rows: list[dict], run: RunStamp, on_short=None) -> UpsertResult:
        result = UpsertResult()

        def work(tx, batch):
            record = tx.run(cypher, rows=batch, run=run.run_id, at=run.at).single()
            if record["touched"] != len(batch) and on_short is not None:
                raise on_short(batch)  # rolls this batch back
            return record["touched"], record["created"]

        with self._session() as session:
            for batch in batches(rows, self.batch_size):
                touched, created = session.execute_write(work, batch)
                result += UpsertResult(created, touched - created)
        return result

    def _write_nodes(self, node: NodeType, table: pa.Table, run: RunStamp) -> tuple[UpsertResult, pa.ChunkedArray]:
        result = self._write_batches(cypher_gen.neo4j_upsert_nodes(node), table.to_pylist(), run)
        return result, pa.chunked_array([], pa.string())  # MERGE needs no lookup to skip

    def _write_rels(self, rel: RelType, from_label: str, to_label: str, table: pa.Table, run: RunStamp,
                    created: Mapping[str, pa.ChunkedArray]) -> UpsertResult:
        return self._write_batches(
            cypher_gen.neo4j_upsert_rels(rel, from_label, to_label), table.to_pylist(), run,
            on_short=lambda batch: self._missing_endpoints_error(rel, from_label, to_label,
                                                                 [r["from"] for r in batch], [r["to"] for r in batch]))

    def clear(self) -> None:
        with self._session() as session:
            while True:
                deleted = session.execute_write(
                    lambda tx: tx.run("MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS c").single()["c"])
                if not deleted:
                    break

    def close(self) -> None:
        self._driver.close()
