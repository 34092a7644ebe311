"""transform: a chunk of rows of one file → checked columns → graph facts. Pure: no I/O, no database.

`check_rows` validates and normalises a chunk column by column (each distinct cell text of a
column is parsed once); a row with a problem is quarantined whole, every problem kept with
column, raw value and reason. `facts` turns the good rows into batches of columns per node
label and relationship type, one SourceRecord per row with DESCRIBES to every entity the row
names, and provenance on every fact.

    checked = check_rows(spec, ["统一社会信用代码", "企业名称"], [(1, ["91640104123456788J", "宁夏甲公司"])])
    batch = facts(spec, "amr/企业登记.csv", checked)
    batch.nodes["Enterprise"]      # [{"uid": ["91640104123456788J"], "name": ["宁夏甲公司"], …}]

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
from functools import lru_cache
from typing import Any

from crossaudit.engine.schema import ENTITY_LABELS, PARTY_LABELS, SCHEMA
from crossaudit.loaders import identifiers
from crossaudit.loaders.fields import enterprise_name_norm, legal_form, parse_column
from crossaudit.loaders.readers import has_escaped_bytes
from crossaudit.loaders.spec import PARTY, NodeYield, SourceSpec, is_literal


@dataclass(frozen=True)
class Problem:
    column: str | None
    raw_value: Any
    reason: str


@dataclass
class CheckedRows:
    """One chunk after its checks: the good rows column by column, the bad rows with their problems."""

    headers: list[str]
    numbers: list[int]  # data row numbers of the good rows
    cells: list[list[Any]]  # their cells as delivered
    fields: dict[str, list[Any]]  # field → normalised value of each good row
    notes: int = 0  # values dropped from good rows (on_invalid: null)
    quarantined: list[tuple[int, list[Problem]]] = field(default_factory=list)  # (row number, problems)


def _jsonable(value: Any) -> Any:
    """A cell as JSON can hold it: dates as ISO text, undecodable bytes as U+FFFD."""
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, str) and has_escaped_bytes(value):
        return value.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
    return value


def _shape_problem(headers: list[str], cells: list[Any]) -> Problem | None:
    if len(cells) == len(headers):
        return None
    text = ",".join("" if c is None else str(c) for c in cells)
    kind = "too many" if len(cells) > len(headers) else "too few"
    return Problem(None, _jsonable(text), f"{kind} fields: {len(cells)}, the header has {len(headers)}")


def _undecodable(headers: list[str], cells: list[Any]) -> list[Problem]:
    return [Problem(header, _jsonable(cell), "undecodable bytes in the declared encoding")
            for header, cell in dict(zip(headers, cells)).items() if isinstance(cell, str) and has_escaped_bytes(cell)]


def _has_escaped_bytes(column: tuple) -> bool:
    try:
        return has_escaped_bytes("".join(column))
    except TypeError:  # workbook cells: numbers, dates
        return has_escaped_bytes("".join(c for c in column if isinstance(c, str)))


def check_rows(spec: SourceSpec, headers: list[str], rows: list[tuple[int, list[Any]]]) -> CheckedRows:
    """Validate and normalise a chunk of (row number, cells) of one file.

    A row with the wrong number of fields, or with bytes its encoding could not decode, has
    that one problem; otherwise each declared column's problems, in column order."""
    problems: dict[int, list[Problem]] = {}
    for index, (_, cells) in enumerate(rows):
        shape = _shape_problem(headers, cells)
        if shape:
            problems[index] = [shape]
    parsed = [index for index in range(len(rows)) if index not in problems]
    columns = list(zip(*(rows[index][1] for index in parsed))) or [()] * len(headers)
    # One search per column; rows are searched one by one only when it finds something.
    if any(_has_escaped_bytes(column) for column in columns):
        for index in parsed:
            undecodable = _undecodable(headers, rows[index][1])
            if undecodable:
                problems[index] = undecodable
        parsed = [index for index in parsed if index not in problems]
        columns = list(zip(*(rows[index][1] for index in parsed))) or [()] * len(headers)
    position = {header: i for i, header in enumerate(headers)}  # a repeated header: its last column
    fields: dict[str, list[Any]] = {}
    noted: list[int] = []
    for header, column in spec.columns.items():
        cells = columns[position[header]]
        values, failures = parse_column(column, cells)
        for at, reason in failures:
            index = parsed[at]
            if column.on_invalid == "null" and not column.required:
                noted.append(index)  # the value is dropped (None), the row kept
            else:
                problems.setdefault(index, []).append(Problem(header, _jsonable(cells[at]), reason))
        fields[column.field] = values
    good = [at for at, index in enumerate(parsed) if index not in problems]
    if len(good) < len(parsed):
        fields = {name: [values[at] for at in good] for name, values in fields.items()}
    return CheckedRows(headers=headers, numbers=[rows[parsed[at]][0] for at in good],
                       cells=[rows[parsed[at]][1] for at in good], fields=fields,
                       notes=sum(index not in problems for index in noted),
                       quarantined=[(rows[index][0], problems[index]) for index in sorted(problems)])


@dataclass
class Facts:
    """Batches of columns ready for `Store.upsert_facts`, by label and by (type, from, to)."""

    nodes: dict[str, list[dict[str, list]]] = field(default_factory=lambda: defaultdict(list))
    rels: dict[tuple[str, str, str], list[dict[str, list]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, other: "Facts") -> None:
        for label, batches in other.nodes.items():
            self.nodes[label].extend(batches)
        for key, batches in other.rels.items():
            self.rels[key].extend(batches)

    def __len__(self) -> int:
        """The rows held: `len(facts)`."""
        return sum(len(next(iter(batch.values()), ())) for batches in (*self.nodes.values(), *self.rels.values())
                   for batch in batches)


def record_id(spec: SourceSpec, file_name: str, number: int) -> str:
    return f"{spec.dataset}:{file_name}:{number}"


def entity_keys(label: str, props: dict[str, list], records: list[str], role: str) -> tuple[list, list[str]]:
    """(uid, method) of each mention: a valid identifier ('exact'), a normalised enterprise name
    ('name'), or the record itself ('record'); (None, '') where the row names nothing to key on.

        entity_keys("Person", {"id_number": [None], "name": ["张伟"]}, ["ds:f.csv:3"], "rep")
        → (["record:ds:f.csv:3:rep"], ["record"])"""
    size = len(records)
    get = lambda name: props.get(name) or [None] * size  # noqa: E731
    if label == "Enterprise":
        pairs = [(code, "exact") if code else ("name:" + _name_norm(name), "name") if name else (None, "")
                 for code, name in zip(get("credit_code"), get("name"))]
    elif label == "Person":
        pairs = [(code, "exact") if code else (f"record:{record}:{role}", "record") if name else (None, "")
                 for code, name, record in zip(get("id_number"), get("name"), records)]
    elif label == "Property":  # the unit number is stable across transfers; certificates are not
        pairs = [(unit or cert, "exact") if unit or cert else (f"record:{record}:{role}", "record") if address
                 else (None, "") for unit, cert, address, record in
                 zip(get("unit_no"), get("cert_no"), get("address"), records)]
    elif label == "Contract":
        pairs = [(number, "exact") if number else (None, "") for number in get("contract_no")]
    else:
        raise KeyError(label)
    return [key for key, _ in pairs], [method for _, method in pairs]


def natural_keys(fields: dict[str, list], ids: str | tuple[str, ...], size: int) -> list[str | None]:
    """The value of a node's id field, or its id fields joined by '|' (trailing blanks dropped):
    `natural_keys({"a": ["x", "y"], "b": [1, None]}, ("a", "b"), 2)` → `["x|1", "y"]`."""
    if isinstance(ids, str):
        return fields.get(ids) or [None] * size
    texts = [[_key_text(value) for value in fields.get(name) or [None] * size] for name in ids]
    return ["|".join(parts).rstrip("|") or None for parts in zip(*texts)]


def _key_text(value: Any) -> str:
    """A value as a key part: dates in ISO form (checked values hold no undecodable bytes)."""
    if value is None:
        return ""
    return value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else str(value)


@lru_cache(maxsize=1 << 17)
def _name_norm(name: str) -> str:
    return enterprise_name_norm(name)


@lru_cache(maxsize=1 << 17)
def party_label(code: str | None, name: str | None) -> str:
    """Enterprise or Person for a party column that may name either: `party_label(None, '张伟')` → 'Person'."""
    if code and identifiers.credit_code_problem(code) is None:
        return "Enterprise"
    if code and identifiers.id_number_problem(code) is None:
        return "Person"
    name = name or ""
    return "Enterprise" if legal_form(name) or (len(name) >= 5 and "·" not in name) else "Person"


class _Batches:
    """Rows for each target (label or relationship), collected in parts and put back in row order
    (row, then the spec's order within the row): later values win when the store merges a key."""

    def __init__(self) -> None:
        self.parts: dict[Any, list[tuple[list[int], dict[str, list]]]] = defaultdict(list)

    def add(self, target: Any, order: list[int], columns: dict[str, list]) -> None:
        if order:
            self.parts[target].append((order, columns))

    def batches(self) -> dict[Any, list[dict[str, list]]]:
        out = {}
        for target, parts in self.parts.items():
            if len(parts) == 1:
                out[target] = [parts[0][1]]
                continue
            order = [position for positions, _ in parts for position in positions]
            names = list(dict.fromkeys(name for _, columns in parts for name in columns))
            merged = {name: [value for positions, columns in parts
                             for value in columns.get(name) or [None] * len(positions)] for name in names}
            by_row = sorted(range(len(order)), key=order.__getitem__)
            out[target] = [{name: [values[i] for i in by_row] for name, values in merged.items()}]
        return out


def _pick(values: list, rows: list[int]) -> list:
    return [values[i] for i in rows]


def _mentions(mention: NodeYield, fields: dict[str, list], size: int):
    """(label, rows, props) of one node yield: a Party splits into its enterprises and persons."""
    props = {prop: [source[1:]] * size if is_literal(source) else fields.get(source) or [None] * size
             for prop, source in mention.props.items()}
    if mention.label != PARTY:
        yield mention.label, list(range(size)), props
        return
    codes = fields.get(mention.id) if isinstance(mention.id, str) else props.get("code")
    codes, names = codes or [None] * size, props.get("name") or [None] * size
    labels = [party_label(code, name) for code, name in zip(codes, names)]
    for label in PARTY_LABELS:
        rows = [i for i, found in enumerate(labels) if found == label]
        yield label, rows, {"credit_code" if label == "Enterprise" else "id_number": _pick(codes, rows),
                            "name": _pick(names, rows)}


_PAYLOAD = json.JSONEncoder(ensure_ascii=False, default=_jsonable)
_JSON_TEXT = json.encoder.encode_basestring  # how that encoder writes a str


def payloads(headers: list[str], rows: list[list[Any]]) -> list[str]:
    """Each row's cells as JSON keyed by header, exactly as `json.dumps(dict(zip(headers, cells)),
    ensure_ascii=False)` writes it, built column by column."""
    if len(set(headers)) < len(headers) or not rows:  # a repeated header keeps its last cell
        return [_PAYLOAD.encode(dict(zip(headers, cells))) for cells in rows]
    columns = []
    for header, cells in zip(headers, zip(*rows)):
        key = _JSON_TEXT(header) + ": "
        if set(map(type, cells)) == {str}:
            columns.append([key + text for text in map(_JSON_TEXT, cells)])
        else:
            columns.append([key + _PAYLOAD.encode(cell) for cell in cells])
    return ["{" + ", ".join(parts) + "}" for parts in zip(*columns)]


def facts(spec: SourceSpec, file_name: str, checked: CheckedRows) -> Facts:
    """Nodes, relationships, SourceRecords and DESCRIBES for the good rows of one chunk."""
    size = len(checked.numbers)
    out = Facts()
    if not size:
        return out
    records = [record_id(spec, file_name, number) for number in checked.numbers]
    provenance = {"department": [spec.department] * size, "dataset": [spec.dataset] * size,
                  "source_file": [file_name] * size, "source_row": checked.numbers}
    out.nodes["SourceRecord"].append({
        "record_id": records, "grade": [spec.grade] * size, **provenance,
        "payload": payloads(checked.headers, checked.cells)})
    width = len(spec.nodes) + len(spec.relationships)
    nodes, rels = _Batches(), _Batches()
    keys: dict[str, list] = {}  # role → key of each row (None: the row names no such entity)
    labels: dict[str, list] = {}
    for number, mention in enumerate(spec.nodes):
        keys[mention.role], labels[mention.role] = [None] * size, [None] * size
        for label, rows, props in _mentions(mention, checked.fields, size):
            node = SCHEMA.node(label)
            if label in ENTITY_LABELS:
                found, methods = entity_keys(label, props, _pick(records, rows), mention.role)
                if label == "Contract" and not isinstance(mention.id, str):  # no contract number: its natural key
                    natural = _pick(natural_keys(checked.fields, mention.id, size), rows)
                    methods = [method if key is not None else "exact" if nat else ""
                               for key, method, nat in zip(found, methods, natural)]
                    found = [key if key is not None else f"{spec.dataset}:{nat}" if nat else None
                             for key, nat in zip(found, natural)]
            else:
                found, methods = _pick(natural_keys(checked.fields, mention.id, size), rows), ["exact"] * len(rows)
            props[node.key] = found
            kept = [at for at, key in enumerate(found) if key not in (None, "")]
            if len(kept) < len(found):
                rows, props, methods = _pick(rows, kept), {k: _pick(v, kept) for k, v in props.items()}, \
                    _pick(methods, kept)
            if label == "Enterprise" and "name" in props:
                names = props["name"]
                props.setdefault("name_norm", [_name_norm(name) if name else None for name in names])
                props.setdefault("legal_form", [legal_form(norm) if name and norm else None
                                                for name, norm in zip(names, props["name_norm"])])
            order = [row * width + number for row in rows]
            row_provenance = {name: _pick(values, rows) for name, values in provenance.items()}
            nodes.add(label, order, {**props, **row_provenance})
            rels.add(("DESCRIBES", "SourceRecord", label), order, {
                "from": _pick(records, rows), "to": props[node.key], "role": [mention.role] * len(rows),
                "method": methods, "score": [1.0 if method == "exact" else None for method in methods],
                **row_provenance})
            for row, key in zip(rows, props[node.key]):
                keys[mention.role][row], labels[mention.role][row] = key, label
    for number, rel in enumerate(spec.relationships, start=len(spec.nodes)):
        starts, ends = keys.get(rel.from_role), keys.get(rel.to_role)
        if starts is None or ends is None:
            continue
        linked = [row for row in range(size) if starts[row] is not None and ends[row] is not None]
        props = {prop: [source[1:]] * size if is_literal(source) else checked.fields.get(source) or [None] * size
                 for prop, source in rel.props.items()}
        pairs = defaultdict(list)
        for row in linked:
            pairs[(labels[rel.from_role][row], labels[rel.to_role][row])].append(row)
        for (from_label, to_label), rows in pairs.items():
            rels.add((rel.type, from_label, to_label), [row * width + number for row in rows], {
                "from": _pick(starts, rows), "to": _pick(ends, rows),
                **{name: _pick(values, rows) for name, values in props.items()},
                **{name: _pick(values, rows) for name, values in provenance.items()}})
    for label, batches in nodes.batches().items():
        out.nodes[label].extend(batches)
    for key, batches in rels.batches().items():
        out.rels[key].extend(batches)
    return out
