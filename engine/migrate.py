"""migrate: bring a Ladybug store made by an older version up to the schema.

`CREATE … IF NOT EXISTS` adds the tables a store lacks but leaves an existing table as it was
made, so a store from an older version lacks the properties declared since. Ladybug lists a
table's columns with `CALL table_info('<table>') RETURN *`; each declared property missing
from it is added with `ALTER TABLE <table> ADD <property> <type>` (null on existing rows).

    for statement in ladybug_missing_columns(store.query):
        conn.execute(statement)        # ALTER TABLE Finding ADD `recovered` DOUBLE
"""
from __future__ import annotations

from typing import Callable

from crossaudit.engine.schema import SCHEMA, Schema

Query = Callable[[str], list[dict]]


def ladybug_missing_columns(query: Query, schema: Schema = SCHEMA) -> list[str]:
    """The `ALTER TABLE … ADD …` statements that give every existing table of the store the
    properties `schema` declares for it; `query` runs Cypher and returns rows as dicts. Tables
    the store lacks are left to the DDL (`cypher_gen.ladybug_ddl`)."""
    existing = {row["name"] for row in query("CALL show_tables() RETURN *")}
    tables = [(node.label, node.all_props) for node in schema.nodes] + [(rel.type, rel.all_props)
                                                                        for rel in schema.rels]
    statements = []
    for table, props in tables:
        if table not in existing:
            continue
        columns = {row["name"] for row in query(f"CALL table_info('{table}') RETURN *")}
        # Backticks: some property names (user, at, row) are Cypher keywords.
        statements += [f"ALTER TABLE {table} ADD `{prop.name}` {prop.type}" for prop in props
                       if prop.name not in columns]
    return statements
