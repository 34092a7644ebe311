"""crossaudit.engine: the graph store (embedded Ladybug or Neo4j 5) behind one interface.

    from crossaudit.engine import open_store
    with open_store("ladybug:./crossaudit.db") as store:
        store.apply_schema()
"""
from crossaudit.engine.schema import SCHEMA
from crossaudit.engine.store import RunStamp, Store, StoreError, Subgraph, UpsertResult, open_store
from crossaudit.engine.rules import lint_rules, load_rules, run_rules  # noqa: E402  (rules build on the store)

__all__ = ["SCHEMA", "RunStamp", "Store", "StoreError", "Subgraph", "UpsertResult", "open_store", "lint_rules",
           "load_rules", "run_rules"]
