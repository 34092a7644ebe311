"""transform: rows of one file → checked rows → graph facts. Pure: no I/O, no database.

`check_row` validates and normalises one row against its spec; a row with a problem is
quarantined whole (every problem kept, with column, raw value and reason). `facts` turns
the good rows of a chunk into node and relationship batches, one SourceRecord per row with
DESCRIBES to every entity the row names, and provenance on every fact.

Entities are keyed here as faithfully as the row allows: a valid credit code or ID number
is the uid itself; an enterprise without one is keyed by its normalised name; a person
without one gets a uid of its own record (never merged by name). Resolution links these
later.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from crossaudit.engine.schema import ENTITY_LABELS, SCHEMA
from crossaudit.loaders import identifiers
from crossaudit.loaders.fields import FieldProblem, enterprise_name_norm, legal_form, parse_value
from crossaudit.loaders.readers import has_escaped_bytes
from crossaudit.loaders.spec import PARTY, SourceSpec, is_literal


@dataclass(frozen=True)
class Problem:
    column: str | None
    raw_value: Any
    reason: str


@dataclass
class CheckedRow:
    number: int
    raw: dict[str, Any]
    fields: dict[str, Any]
    problems: list[Problem] = field(default_factory=list)  # any → quarantined
    notes: list[Problem] = field(default_factory=list)  # values dropped, row kept

    @property
    def ok(self) -> bool:
        return not self.problems


def _jsonable(value: Any) -> Any:
    """A cell as JSON can hold it: dates as ISO text, undecodable bytes as U+FFFD."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str) and has_escaped_bytes(value):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


def check_row(spec: SourceSpec, headers: list[str], cells: list[Any], number: int) -> CheckedRow:
    """Validate and normalise one row of a file."""
    raw = {h: c for h, c in zip(headers, cells)}
    row = CheckedRow(number, raw, {})
    if len(cells) != len(headers):
        text = ",".join("" if c is None else str(c) for c in cells)
        kind = "too many" if len(cells) > len(headers) else "too few"
        row.problems.append(Problem(None, _jsonable(text), f"{kind} fields: {len(cells)}, the header has {len(headers)}"))
        return row
    if has_escaped_bytes("".join(c for c in cells if isinstance(c, str))):
        for header, cell in raw.items():
            if isinstance(cell, str) and has_escaped_bytes(cell):
                row.problems.append(Problem(header, _jsonable(cell), "undecodable bytes in the declared encoding"))
        return row
    for header, column in spec.columns.items():
        cell = raw.get(header)
        try:
            row.fields[column.field] = parse_value(column, cell)
        except FieldProblem as exc:
            problem = Problem(header, _jsonable(cell), str(exc))
            if column.on_invalid == "null" and not column.required:
                row.fields[column.field] = None
                row.notes.append(problem)
            else:
                row.problems.append(problem)
    return row


def raw_key(cells: list[Any]) -> tuple:
    """What makes two rows exact duplicates: the same cells."""
    return tuple(cells)


@dataclass
class Facts:
    """Batches ready for the store, grouped by label and by (type, from, to)."""

    nodes: dict[str, list[dict]] = field(default_factory=lambda: defaultdict(list))
    rels: dict[tuple[str, str, str], list[dict]] = field(default_factory=lambda: defaultdict(list))


def record_id(spec: SourceSpec, file_name: str, number: int) -> str:
    return f"{spec.dataset}:{file_name}:{number}"


def entity_uid(label: str, props: dict[str, Any], record: str, role: str) -> tuple[str | None, str]:
    """(uid, method) for a mention: a valid identifier ('exact'), a normalised enterprise name
    ('name'), or the record itself ('record'); None when the row names nothing to key on."""
    if label == "Enterprise":
        if props.get("credit_code"):
            return props["credit_code"], "exact"
        if props.get("name"):
            return "name:" + enterprise_name_norm(props["name"]), "name"
        return None, ""
    if label == "Person":
        if props.get("id_number"):
            return props["id_number"], "exact"
        return (f"record:{record}:{role}", "record") if props.get("name") else (None, "")
    if label == "Property":  # the unit number is stable across transfers; certificates are not
        if props.get("unit_no") or props.get("cert_no"):
            return props.get("unit_no") or props["cert_no"], "exact"
        return (f"record:{record}:{role}", "record") if props.get("address") else (None, "")
    if label == "Contract":
        return (props["contract_no"], "exact") if props.get("contract_no") else (None, "")
    raise KeyError(label)


def natural_key(fields: dict[str, Any], ids: str | tuple[str, ...]) -> str | None:
    """The value of a node's id field, or its id fields joined by '|' (trailing blanks dropped)."""
    if isinstance(ids, str):
        return fields.get(ids)
    parts = ["" if fields.get(f) is None else _jsonable(fields[f]) for f in ids]
    return "|".join(str(p) for p in parts).rstrip("|") or None


def party_label(code: str | None, name: str | None) -> str:
    """Enterprise or Person for a party column that may name either: `party_label(None, '张伟')` → 'Person'."""
    if code and identifiers.credit_code_problem(code) is None:
        return "Enterprise"
    if code and identifiers.id_number_problem(code) is None:
        return "Person"
    name = name or ""
    return "Enterprise" if legal_form(name) or (len(name) >= 5 and "·" not in name) else "Person"


def _source(row: CheckedRow, source: str) -> Any:
    return source[1:] if is_literal(source) else row.fields.get(source)


def facts(spec: SourceSpec, file_name: str, rows: list[CheckedRow]) -> Facts:
    """Nodes, relationships, SourceRecords and DESCRIBES for the good rows of one chunk."""
    out = Facts()
    for row in rows:
        rid = record_id(spec, file_name, row.number)
        provenance = {"department": spec.department, "dataset": spec.dataset, "source_file": file_name,
                      "source_row": row.number}
        out.nodes["SourceRecord"].append({
            "record_id": rid, "grade": spec.grade, **provenance,
            "payload": json.dumps(row.raw, ensure_ascii=False, default=_jsonable)})
        keys: dict[str, str] = {}
        labels: dict[str, str] = {}
        for mention in spec.nodes:
            props = {prop: _source(row, source) for prop, source in mention.props.items()}
            label = mention.label
            if label == PARTY:
                code = row.fields.get(mention.id) if isinstance(mention.id, str) else props.get("code")
                label = party_label(code, props.get("name"))
                props = {"credit_code" if label == "Enterprise" else "id_number": code, "name": props.get("name")}
            node = SCHEMA.node(label)
            if label in ENTITY_LABELS:
                key, method = entity_uid(label, props, rid, mention.role)
                if key is None and label == "Contract" and not isinstance(mention.id, str):
                    natural = natural_key(row.fields, mention.id)  # no contract number: its natural key
                    key, method = (f"{spec.dataset}:{natural}", "exact") if natural else (None, "")
                props[node.key] = key
            else:
                key, method = natural_key(row.fields, mention.id), "exact"
                props[node.key] = key
            if key in (None, ""):
                continue  # the row names no such entity (an optional party left blank)
            if label == "Enterprise" and props.get("name"):
                props.setdefault("name_norm", enterprise_name_norm(props["name"]))
                props.setdefault("legal_form", legal_form(props["name_norm"]))
            props = {k: v for k, v in props.items() if v is not None}
            out.nodes[label].append({**props, **provenance})
            keys[mention.role] = key
            labels[mention.role] = label
            out.rels[("DESCRIBES", "SourceRecord", label)].append(
                {"from": rid, "to": key, "role": mention.role, "method": method,
                 "score": 1.0 if method == "exact" else None, **provenance})
        for rel in spec.relationships:
            if rel.from_role in keys and rel.to_role in keys:
                props = {prop: _source(row, source) for prop, source in rel.props.items()}
                from_label, to_label = labels[rel.from_role], labels[rel.to_role]
                out.rels[(rel.type, from_label, to_label)].append(
                    {"from": keys[rel.from_role], "to": keys[rel.to_role],
                     **{k: v for k, v in props.items() if v is not None}, **provenance})
    return out
