"""crossaudit.engine: the graph store (embedded Ladybug or Neo4j 5) behind one interface.

    from crossaudit.engine import open_store
    with open_store("ladybug:./crossaudit.db") as store:
        store.apply_schema()
"""
from crossaudit.engine.schema import SCHEMA
from crossaudit.engine.store import RunStamp, Store, StoreError, Subgraph, UpsertResult, open_store

# The rule runner (pandas, scipy: half a second) is imported when first asked for, so that a
# command which only reads the store does not pay for it.
RULE_FUNCTIONS = ("lint_rules", "load_rules", "run_rules")


def __getattr__(name: str):
    if name in RULE_FUNCTIONS:
        from crossaudit.engine import rules

        return getattr(rules, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["SCHEMA", "RunStamp", "Store", "StoreError", "Subgraph", "UpsertResult", "open_store", "lint_rules",
           "load_rules", "run_rules"]
