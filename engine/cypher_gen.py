"""Cypher generated from the schema declaration: DDL, constraints, indexes and upserts.

Labels, relationship types and property names come from `crossaudit.engine.schema` only,
never from user data; every value travels as a parameter (`$rows`, `$at`, `$run`) or, on
Ladybug, as columns of an Arrow table scanned with COPY / LOAD FROM.

`python -m crossaudit.engine.cypher_gen` rewrites the files in `cypher/` that a DBA applies
by hand; a test keeps them equal to what this module generates.
"""
from __future__ import annotations

import sys
from pathlib import Path
from typing import Callable, NamedTuple

from crossaudit.engine.schema import (
    PROVENANCE, PROVENANCE_NAMES, REGISTERED, SCHEMA, STORE_FILLED, NodeType, RelType, Schema,
)

CYPHER_DIR = Path(__file__).resolve().parent.parent / "cypher"
if not (CYPHER_DIR / "__init__.py").exists():  # installed as crossaudit.cypher
    import crossaudit.cypher as _cypher_pkg

    CYPHER_DIR = Path(_cypher_pkg.__file__).parent

HEADER = "// Generated from crossaudit/engine/schema.py by `python -m crossaudit.engine.cypher_gen`; do not edit.\n"
# Properties an upsert writes only when it creates the node or relationship (first write).
FIRST_WRITE = tuple(n for n in PROVENANCE_NAMES if n not in ("last_seen",))


def _snake(name: str) -> str:
    out = []
    for i, ch in enumerate(name):
        if ch.isupper() and i and not name[i - 1].isupper():
            out.append("_")
        out.append(ch.lower())
    return "".join(out)


# --- Ladybug ---------------------------------------------------------------------------

def ladybug_ddl(schema: Schema = SCHEMA) -> list[str]:
    """CREATE NODE/REL TABLE statements: node tables first, then relationship tables."""
    statements = []
    for node in schema.nodes:
        columns = [f"{p.name} {p.type}" + (" PRIMARY KEY" if p.name == node.key else "") for p in node.all_props]
        statements.append(f"CREATE NODE TABLE IF NOT EXISTS {node.label}({', '.join(columns)})")
    for rel in schema.rels:
        parts = [f"FROM {a} TO {b}" for a, b in rel.pairs] + [f"{p.name} {p.type}" for p in rel.all_props]
        statements.append(f"CREATE REL TABLE IF NOT EXISTS {rel.type}({', '.join(parts)})")
    return statements


def ladybug_existing_nodes(node: NodeType) -> str:
    """The stored properties of the nodes whose keys are in the Arrow table `$keys` (column k)."""
    columns = "".join(f", n.{p.name} AS {p.name}" for p in node.props if p.name != node.key)
    return f"LOAD FROM $keys MATCH (n:{node.label} {{{node.key}: k}}) RETURN n.{node.key} AS _key{columns}"


def ladybug_touch_nodes(node: NodeType) -> str:
    """Advance last_seen of the nodes in the Arrow table `$updates`."""
    return f"LOAD FROM $updates MATCH (n:{node.label} {{{node.key}: v_{node.key}}}) SET n.last_seen = v_last_seen"


def ladybug_update_nodes(node: NodeType) -> str:
    """Update existing nodes from an Arrow table `$updates` (columns v_<prop>): set the given
    properties, keep what the row leaves null, advance last_seen."""
    sets = [f"n.{p.name} = coalesce(v_{p.name}, n.{p.name})" for p in node.props if p.name != node.key]
    sets.append("n.last_seen = v_last_seen")
    return f"LOAD FROM $updates MATCH (n:{node.label} {{{node.key}: v_{node.key}}}) SET " + ", ".join(sets)


def ladybug_create_nodes(node: NodeType) -> str:
    """Create the nodes of the Arrow table `$new_rows` (columns v_<prop>), for batches too small
    to be worth a COPY; returns how many it created."""
    props = ", ".join(f"{p.name}: v_{p.name}" for p in node.all_props)
    return f"LOAD FROM $new_rows CREATE (:{node.label} {{{props}}}) RETURN count(*)"


def ladybug_existing_rels(rel: RelType, from_label: str, to_label: str) -> str:
    """The stored properties of the relationships whose rids are in the Arrow table `$keys`."""
    columns = "".join(f", x.{p.name} AS {p.name}" for p in rel.props)
    return (f"LOAD FROM $keys MATCH (:{from_label})-[x:{rel.type}]->(:{to_label}) WHERE x.rid = k "
            f"RETURN x.rid AS _key{columns}")


def ladybug_create_rels(rel: RelType, from_label: str, to_label: str) -> str:
    """Create the relationships of the Arrow table `$new_rows` (columns v_from, v_to, v_<prop>)
    between existing nodes; returns how many it created (fewer when an endpoint is missing)."""
    a, b = SCHEMA.node(from_label), SCHEMA.node(to_label)
    carried = ", ".join(f"v_{p.name}" for p in rel.all_props)
    props = ", ".join(f"{p.name}: v_{p.name}" for p in rel.all_props)
    return (f"LOAD FROM $new_rows MATCH (a:{from_label} {{{a.key}: v_from}}) WITH a, v_to, {carried} "
            f"MATCH (b:{to_label} {{{b.key}: v_to}}) CREATE (a)-[:{rel.type} {{{props}}}]->(b) RETURN count(*)")


def ladybug_touch_rels(rel: RelType, from_label: str, to_label: str) -> str:
    return (f"LOAD FROM $updates MATCH (:{from_label})-[x:{rel.type}]->(:{to_label}) WHERE x.rid = v_rid "
            "SET x.last_seen = v_last_seen")


def ladybug_update_rels(rel: RelType, from_label: str, to_label: str) -> str:
    sets = [f"x.{p.name} = coalesce(v_{p.name}, x.{p.name})" for p in rel.props]
    sets.append("x.last_seen = v_last_seen")
    return (f"LOAD FROM $updates MATCH (:{from_label})-[x:{rel.type}]->(:{to_label}) WHERE x.rid = v_rid "
            "SET " + ", ".join(sets))


# --- Neo4j -----------------------------------------------------------------------------

def neo4j_schema(schema: Schema = SCHEMA) -> list[str]:
    """Uniqueness constraints on node keys, indexes on indexed properties and on every rid."""
    statements = []
    for node in schema.nodes:
        name = _snake(node.label)
        statements.append(f"CREATE CONSTRAINT {name}_{node.key}_unique IF NOT EXISTS "
                          f"FOR (n:{node.label}) REQUIRE n.{node.key} IS UNIQUE")
        for p in node.props:
            if p.indexed and p.name != node.key:
                statements.append(f"CREATE INDEX {name}_{p.name} IF NOT EXISTS FOR (n:{node.label}) ON (n.{p.name})")
    for rel in schema.rels:
        statements.append(f"CREATE INDEX {rel.type.lower()}_rid IF NOT EXISTS "
                          f"FOR ()-[r:{rel.type}]-() ON (r.rid)")
    return statements


def _given_values(var: str, props, given: Callable[[str], str]) -> list[str]:
    """`SET` items giving each property its given value (`given` formats the value's expression
    from a property name), a null keeping the stored one. On a registered entity a copy from
    another source (its own `registered` null) only fills what the register left null; the flag
    is set last, so every item before it reads the stored one."""
    names = [p.name for p in props]
    if REGISTERED.name not in names:
        return [f"{var}.{name} = coalesce({given(name)}, {var}.{name})" for name in names]
    kept = f"{var}.{REGISTERED.name} AND {given(REGISTERED.name)} IS NULL"
    return [f"{var}.{name} = CASE WHEN {kept} THEN coalesce({var}.{name}, {given(name)}) "
            f"ELSE coalesce({given(name)}, {var}.{name}) END" for name in names if name != REGISTERED.name] + \
        [f"{var}.{REGISTERED.name} = coalesce({given(REGISTERED.name)}, {var}.{REGISTERED.name})"]


def _neo4j_sets(var: str, props) -> tuple[str, str]:
    on_create = [f"{var}.{name} = r.{name}" for name in FIRST_WRITE if name not in STORE_FILLED]
    on_create += [f"{var}.load_run = $run", f"{var}.first_seen = $at"]
    always = _given_values(var, props, lambda name: f"r.{name}") + [f"{var}.last_seen = $at"]
    return ", ".join(on_create), ", ".join(always)


def neo4j_upsert_nodes(node: NodeType) -> str:
    """MERGE a batch `$rows` by key; returns how many rows were touched and how many created."""
    on_create, always = _neo4j_sets("n", [p for p in node.props if p.name != node.key])
    return (f"UNWIND $rows AS r\n"
            f"OPTIONAL MATCH (old:{node.label} {{{node.key}: r.{node.key}}})\n"
            f"WITH r, old IS NULL AS is_new\n"
            f"MERGE (n:{node.label} {{{node.key}: r.{node.key}}})\n"
            f"ON CREATE SET {on_create}\n"
            f"SET {always}\n"
            f"RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created")


def neo4j_upsert_rels(rel: RelType, from_label: str, to_label: str) -> str:
    """MERGE a batch `$rows` (from, to, rid, props) between existing endpoints."""
    a, b = SCHEMA.node(from_label), SCHEMA.node(to_label)
    on_create, always = _neo4j_sets("x", rel.props)
    return (f"UNWIND $rows AS r\n"
            f"MATCH (a:{from_label} {{{a.key}: r.from}})\n"
            f"MATCH (b:{to_label} {{{b.key}: r.to}})\n"
            f"OPTIONAL MATCH (a)-[old:{rel.type} {{rid: r.rid}}]->(b)\n"
            f"WITH a, b, r, old IS NULL AS is_new\n"
            f"MERGE (a)-[x:{rel.type} {{rid: r.rid}}]->(b)\n"
            f"ON CREATE SET {on_create}\n"
            f"SET {always}\n"
            f"RETURN count(*) AS touched, sum(CASE WHEN is_new THEN 1 ELSE 0 END) AS created")


def ladybug_append_node(node: NodeType, given: tuple[str, ...]) -> str:
    """MERGE one node by its key, given as `$v_<key>`: created with the `given` properties
    (`$v_<prop>` each) and the run's stamps (`$run`, `$at`), or only its last_seen advanced if
    stored. For a few rows of an append-only log (the audit log's entries), with no Arrow table."""
    sets = [f"n.{name} = $v_{name}" for name in given if name != node.key] + ["n.load_run = $run", "n.first_seen = $at"]
    return f"MERGE (n:{node.label} {{{node.key}: $v_{node.key}}}) ON CREATE SET {', '.join(sets)} SET n.last_seen = $at"


def neo4j_existing_nodes(node: NodeType) -> str:
    """Which of the keys `$keys` name a stored node (an index seek each), as one list: a record
    per key would cost the client more than the server's seek."""
    return f"UNWIND $keys AS k MATCH (n:{node.label} {{{node.key}: k}}) RETURN collect(k) AS found"


def neo4j_count_nodes(node: NodeType) -> str:
    """How many nodes the label holds (read from the count store, whatever their number)."""
    return f"MATCH (n:{node.label}) RETURN count(n) AS c"


def neo4j_count_rels(rel: RelType) -> str:
    """How many relationships of the type the store holds (from the count store)."""
    return f"MATCH ()-[x:{rel.type}]->() RETURN count(x) AS c"


class ColumnWrite(NamedTuple):
    """A write statement and the columns it takes as `$c` = {column: [one value per row]}."""

    cypher: str
    columns: tuple[str, ...]


# The writes below take a batch as columns: lists of plain values cost the driver and the
# server less than a map per row (small region, 150k SourceRecord nodes: client CPU 1.3 s →
# 0.8 s, wall -25%), and naming each property spares the Eager that `SET x = map` brings into a
# relationship CREATE. A null in CREATE sets nothing, as the map without its nulls did.

def _created(columns: tuple[str, ...]) -> str:
    return ", ".join([f"{name}: $c.{name}[i]" for name in columns] + ["load_run: $run", "first_seen: $at",
                                                                        "last_seen: $at"])


def _updated(var: str, props) -> str:
    return ", ".join(_given_values(var, props, lambda name: f"$c.{name}[i]") + [f"{var}.last_seen = $at"])


def neo4j_create_nodes(node: NodeType) -> ColumnWrite:
    """CREATE a batch of new nodes from every property a caller gives; returns how many."""
    columns = tuple(p.name for p in node.all_props if p.name not in STORE_FILLED)
    return ColumnWrite(f"UNWIND range(0, size($c.{node.key}) - 1) AS i "
                       f"CREATE (n:{node.label} {{{_created(columns)}}}) RETURN count(*) AS c", columns)


def neo4j_create_rels(rel: RelType, from_label: str, to_label: str) -> ColumnWrite:
    """CREATE a batch of new relationships (columns: the endpoints' keys `from` and `to`, then
    the properties); a row whose endpoint is missing creates nothing, so the count falls short."""
    a, b = SCHEMA.node(from_label), SCHEMA.node(to_label)
    props = tuple(p.name for p in rel.all_props if p.name not in STORE_FILLED)
    return ColumnWrite(f"UNWIND range(0, size($c.rid) - 1) AS i "
                       f"MATCH (a:{from_label} {{{a.key}: $c.from[i]}}) MATCH (b:{to_label} {{{b.key}: $c.to[i]}}) "
                       f"CREATE (a)-[x:{rel.type} {{{_created(props)}}}]->(b) RETURN count(*) AS c",
                       ("from", "to", *props))


def neo4j_update_nodes(node: NodeType) -> ColumnWrite:
    """Given values of a batch of stored nodes replace theirs (a null keeps the stored value);
    last_seen advances. Provenance stays the first writer's."""
    props = [p for p in node.props if p.name != node.key]
    return ColumnWrite(f"UNWIND range(0, size($c.{node.key}) - 1) AS i "
                       f"MATCH (n:{node.label} {{{node.key}: $c.{node.key}[i]}}) "
                       f"SET {_updated('n', props)} RETURN count(*) AS c", (node.key, *(p.name for p in props)))


def neo4j_update_rels(rel: RelType, from_label: str, to_label: str) -> ColumnWrite:
    """Given values of a batch of relationships, found by rid (a seek on the rid index, never an
    expansion of the endpoints: a tax office or a busy enterprise has thousands), replace the
    stored ones'; returns the rids it found: the others are new."""
    return ColumnWrite(f"UNWIND range(0, size($c.rid) - 1) AS i "
                       f"MATCH (:{from_label})-[x:{rel.type} {{rid: $c.rid[i]}}]->(:{to_label}) "
                       f"SET {_updated('x', rel.props)} RETURN collect(x.rid) AS found",
                       ("rid", *(p.name for p in rel.props)))


# A relationship moved by a merge (`Store.move_rels`), named by its elementId in `$c.ref`: its new
# one takes its properties in the server, but the values in `replaced` columns where not null.
_MOVED = "MATCH ()-[r:{type}]->() WHERE elementId(r) = $c.ref[i] "


def _moved_value(name: str, replaced: tuple[str, ...]) -> str:
    return f"coalesce($c.{name}[i], r.{name})" if name in replaced else f"r.{name}"


def neo4j_move_rels(rel: RelType, from_label: str, to_label: str, replaced: tuple[str, ...] = ()) -> ColumnWrite:
    """CREATE each relationship `$c.ref` anew between the nodes keyed `$c.from` and `$c.to`, as an
    upsert creates one (rid `$c.rid`, its properties and provenance, the run's stamps), and delete
    it; returns how many (fewer when an endpoint is missing)."""
    a, b = SCHEMA.node(from_label), SCHEMA.node(to_label)
    carried = [p.name for p in rel.all_props if p.name not in STORE_FILLED and p.name != "rid"]
    props = ", ".join(["rid: $c.rid[i]", *(f"{name}: {_moved_value(name, replaced)}" for name in carried),
                       "load_run: $run", "first_seen: $at", "last_seen: $at"])
    return ColumnWrite(f"UNWIND range(0, size($c.rid) - 1) AS i {_MOVED.format(type=rel.type)}"
                       f"MATCH (a:{from_label} {{{a.key}: $c.from[i]}}) MATCH (b:{to_label} {{{b.key}: $c.to[i]}}) "
                       f"CREATE (a)-[x:{rel.type} {{{props}}}]->(b) DELETE r RETURN count(*) AS c",
                       ("ref", "from", "to", "rid", *replaced))


def neo4j_move_onto_rels(rel: RelType, from_label: str, to_label: str, replaced: tuple[str, ...] = (),
                         provenance: bool = False) -> ColumnWrite:
    """Each relationship `$c.ref` onto the stored one of rid `$c.rid` (a seek on the rid index), as
    an upsert updates it: its values replace the stored ones where not null, last_seen advances;
    with `provenance`, its provenance too (rows of one upsert sharing a rid: the last non-null of
    each). It is deleted; returns the rids found: the others need `neo4j_move_rels`."""
    props = rel.props + (tuple(p for p in PROVENANCE if p.name not in STORE_FILLED) if provenance else ())
    sets = _given_values("x", props, lambda name: _moved_value(name, replaced)) + ["x.last_seen = $at"]
    return ColumnWrite(f"UNWIND range(0, size($c.rid) - 1) AS i {_MOVED.format(type=rel.type)}"
                       f"MATCH (:{from_label})-[x:{rel.type} {{rid: $c.rid[i]}}]->(:{to_label}) "
                       f"SET {', '.join(sets)} DELETE r RETURN collect(x.rid) AS found",
                       ("ref", "rid", *replaced))


# --- the files in cypher/ ---------------------------------------------------------------

def generated_files(schema: Schema = SCHEMA) -> dict[str, str]:
    """File name → content of every generated file in cypher/."""
    ladybug = HEADER + "// Ladybug (embedded) schema: node and relationship tables.\n" + \
        "".join(s + ";\n" for s in ladybug_ddl(schema))
    neo4j = HEADER + "// Neo4j 5 schema: key uniqueness constraints and lookup indexes.\n" + \
        "".join(s + ";\n" for s in neo4j_schema(schema))
    upserts = [HEADER, "// Neo4j batched upserts, one per node label and relationship pair; parameters:\n",
               "// $rows (list of maps), $run (load run id), $at (timestamp of the run).\n"]
    for node in schema.nodes:
        upserts.append(f"\n// upsert {node.label}\n{neo4j_upsert_nodes(node)};\n")
    for rel in schema.rels:
        for a, b in rel.pairs:
            upserts.append(f"\n// upsert ({a})-[:{rel.type}]->({b})\n{neo4j_upsert_rels(rel, a, b)};\n")
    return {"schema.ladybug.cypher": ladybug, "schema.neo4j.cypher": neo4j, "upserts.neo4j.cypher": "".join(upserts)}


def write_files(directory: Path = CYPHER_DIR) -> list[Path]:
    written = []
    for name, text in generated_files().items():
        path = directory / name
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


if __name__ == "__main__":
    for path in write_files():
        print(path, file=sys.stderr)
