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
without one gets a uid of its own record (never merged by name). A property, contract or
permit is keyed by its number in one form (`identifiers.unit_no_key` …: width, brackets,
dashes), the text as written staying in unit_no, cert_no, contract_no; a row naming one
object by two numbers also yields a CoCitation. Resolution links these later.
"""
from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from crossaudit.engine.merge import NAME_UID, RECORD_UID
from crossaudit.engine.schema import (
    ENTITY_LABELS, PARTY_LABELS, PROVENANCE_NAMES, REGISTERED, SCHEMA, STRING, NodeType, RelType,
)
from crossaudit.loaders import identifiers
from crossaudit.loaders.identifiers import OBJECT_IDENTIFIERS
from crossaudit.loaders.fields import (
    FieldSpec, as_text, clean_text, enterprise_name_norm, is_blank, legal_form, parse_column,
)
from crossaudit.loaders.readers import Flawed, has_escaped_bytes
from crossaudit.loaders.spec import PARTY, Condition, NodeYield, SourceSpec, is_literal, literal_value

IDENTIFIER_TYPES = ("credit_code", "id_number")  # the columns whose validity the ledger scores
# A field's identifier as the row wrote it where its check failed and `on_invalid: null` dropped it
# (`<field>~written`): kept on the node beside the empty checked property, for resolution to compare.
AS_WRITTEN = {"credit_code": "credit_code_as_written", "id_number": "id_number_as_written"}


@dataclass(frozen=True)
class Problem:
    column: str | None
    raw_value: Any
    reason: str


@dataclass
class CheckedRows:
    """One chunk after its checks: the good rows column by column, the bad rows with their problems."""

    headers: list[str]
    numbers: pa.Array  # data row numbers of the good rows
    cells: list[list[Any]]  # their cells as delivered
    fields: dict[str, pa.Array]  # field → normalised value of each good row
    notes: int = 0  # values dropped from good rows (on_invalid: null)
    # What the department ledger scores, over the rows of a right shape (loaded or not):
    id_cells: int = 0  # identifier cells (credit code, ID number) holding a value
    id_invalid: int = 0  # of those, the ones failing their check
    required_cells: int = 0  # cells of required columns
    required_missing: int = 0  # of those, the blank ones
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

    A record the reader flagged (`readers.Flawed`) has the reader's problems; a row with the
    wrong number of fields, or with bytes its encoding could not decode, has that one problem;
    otherwise each declared column's problems, in column order (a derived field's after its
    column's, named `<header>→<field>`)."""
    problems: dict[int, list[Problem]] = {}
    for index, (_, cells) in enumerate(rows):
        if isinstance(cells, Flawed):
            problems[index] = [Problem(None if at is None or at >= len(headers) else headers[at], _jsonable(raw), reason)
                               for at, raw, reason in cells.problems]
            continue
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
    fields: dict[str, pa.Array] = {}
    noted: list[int] = []
    counts = dict(id_cells=0, id_invalid=0, required_cells=0, required_missing=0)
    for header, column in spec.columns.items():
        cells = columns[position[header]]
        values, failures = parse_column(column, cells)
        if column.type in IDENTIFIER_TYPES:
            counts["id_cells"] += sum(not is_blank(cell) for cell in cells)
            counts["id_invalid"] += sum(not is_blank(cells[at]) for at, _ in failures)
        if column.required:
            counts["required_cells"] += len(cells)
            counts["required_missing"] += sum(map(is_blank, cells))
        fields[column.field] = values
        if column.type in IDENTIFIER_TYPES and column.on_invalid == "null" and failures:
            written = dict(failures)
            fields[column.field + "~written"] = pa.array([clean_text(cell) if at in written and not is_blank(cell)
                                                          else None for at, cell in enumerate(cells)], pa.string())
        _report(column, header, cells, failures, parsed, problems, noted)
        for derive in column.derive:
            pieces = derive.cut(values).to_pylist()
            fields[derive.field], failures = parse_column(derive, pieces)
            _report(derive, f"{header}→{derive.field}", pieces, failures, parsed, problems, noted)
    good = [at for at, index in enumerate(parsed) if index not in problems]
    if len(good) < len(parsed):
        fields = {name: values.take(pa.array(good, pa.int64())) for name, values in fields.items()}
    return CheckedRows(headers=headers, numbers=pa.array([rows[parsed[at]][0] for at in good], pa.int64()),
                       cells=[rows[parsed[at]][1] for at in good], fields=fields,
                       notes=sum(index not in problems for index in noted),
                       quarantined=[(rows[index][0], problems[index]) for index in sorted(problems)], **counts)


def _report(column: FieldSpec, name: str, cells: list, failures: list[tuple[int, str]], parsed: list[int],
            problems: dict[int, list[Problem]], noted: list[int]) -> None:
    """A column's failed cells: a problem of their row, or with on_invalid: null a value dropped."""
    for at, reason in failures:
        index = parsed[at]
        if column.on_invalid == "null" and not column.required:
            noted.append(index)  # the value is dropped (None), the row kept
        else:
            problems.setdefault(index, []).append(Problem(name, _jsonable(cells[at]), reason))


@dataclass
class Facts:
    """Batches of columns (Arrow arrays) ready for `Store.upsert_facts`, by label and by (type, from, to)."""

    nodes: dict[str, list[dict[str, pa.Array]]] = field(default_factory=lambda: defaultdict(list))
    rels: dict[tuple[str, str, str], list[dict[str, pa.Array]]] = field(default_factory=lambda: defaultdict(list))


def record_id(spec: SourceSpec, file_name: str, number: int) -> str:
    return f"{spec.dataset}:{file_name}:{number}"


def _text(value: str) -> pa.Scalar:
    return pa.scalar(value, pa.string())


def _join(*parts: pa.Array | str, separator: str = "") -> pa.Array:
    """Texts joined row by row; null where a part is null: `_join("name:", names)`."""
    return pc.binary_join_element_wise(*(_text(p) if isinstance(p, str) else p for p in parts), separator)


def _given(values: pa.Array) -> pa.Array:
    """Where a value is given: not null, and not empty text (`if value` on the row)."""
    if pa.types.is_string(values.type):
        return pc.fill_null(pc.not_equal(values, ""), False)
    return pc.is_valid(values)


def _either(condition: pa.Array, then: pa.Array | str | None, otherwise: pa.Array | str | None) -> pa.Array:
    scalar = lambda v: pa.scalar(v, pa.string()) if v is None or isinstance(v, str) else v  # noqa: E731
    return pc.if_else(condition, scalar(then), scalar(otherwise))


def _mapped(values: pa.Array, function) -> pa.Array:
    """`function` of each text, called once per distinct text; null stays null."""
    encoded = pc.dictionary_encode(values)
    return pa.array([function(text) for text in encoded.dictionary.to_pylist()], pa.string()).take(encoded.indices)


def entity_keys(label: str, props: dict[str, pa.Array], records: pa.Array, role: str,
                places: pa.Array | None = None) -> tuple[pa.Array, pa.Array]:
    """(uid, method) of each mention: a valid identifier ('exact'), a normalised enterprise name
    ('name') — with the place the row gives the firm where it gives one (`places`, see
    `mention_places`: a name is unique only within its registration authority's area, and two
    namesakes must not pool their rows before resolution) — or the record itself
    ('record'); (null, '') where the row names nothing to key on.

        entity_keys("Person", {"id_number": pa.array([None]), "name": pa.array(["张伟"])},
                    pa.array(["ds:f.csv:3"]), "rep")  → (["record:ds:f.csv:3:rep"], ["record"])
        entity_keys("Enterprise", {"name": pa.array(["宁夏驼峰物流有限公司"])}, pa.array(["ds:f.csv:3"]),
                    "customer", pa.array(["640425|长城中路66号708室"]))
            → (["name:宁夏驼峰物流有限公司@640425|长城中路66号708室"], ["name"])"""
    blank = pa.nulls(len(records), pa.string())
    get = lambda name: props.get(name, blank)  # noqa: E731
    own = _join(RECORD_UID, records, f":{role}")  # a uid of the record's own
    if label == "Enterprise":
        code, name = _given(get("credit_code")), _given(get("name"))
        named = _join(NAME_UID, _mapped(get("name"), _name_norm))
        if places is not None:
            named = pc.coalesce(_join(named, "@", places), named)
        return (_either(code, get("credit_code"), _either(name, named, None)),
                _either(code, "exact", _either(name, "name", "")))
    if label == "Person":
        code, name = _given(get("id_number")), _given(get("name"))
        return _either(code, get("id_number"), _either(name, own, None)), _either(code, "exact", _either(name, "record", ""))
    if label in OBJECT_IDENTIFIERS:  # the first identifier given, as its key (`object_keys`)
        found = pc.coalesce(*object_keys(label, props, len(records)).values())
        exact = pc.is_valid(found)
        if label == "Property":  # a house known by its address alone (a lease): a record of its own
            address = _given(get("address"))
            return (pc.coalesce(found, _either(address, own, None)),
                    _either(exact, "exact", _either(address, "record", "")))
        return found, _either(exact, "exact", "")
    raise KeyError(label)


def mention_places(spec: SourceSpec, mention: NodeYield, props: dict[str, pa.Array],
                   fields: dict[str, pa.Array]) -> pa.Array | None:
    """Where each row places an enterprise mention: its address (`address_key`: county, street and
    number; the mention's own, else the Address the row says it is LOCATED_AT), else the division
    its region_code or address names; null where the row gives none, None where the spec has no
    such column. Two namesakes of one county (有限公司 | 有限责任公司) stay apart by their addresses."""
    from crossaudit.resolve.normalise import address_key, address_region, region_code  # heavy: only when loading

    addresses = [_as_text(props["address"])] if "address" in props else []
    for rel in spec.relationships:
        place = next((node for node in spec.nodes if node.role == rel.to_role), None)
        if (rel.type == "LOCATED_AT" and rel.from_role == mention.role and place is not None
                and place.label == "Address" and isinstance(place.id, str) and place.id in fields):
            addresses.append(_as_text(fields[place.id]))
    given = [_mapped(address, address_key) for address in addresses]
    if "region_code" in props:
        given.append(_mapped(_as_text(props["region_code"]), region_code))
    given += [_mapped(address, address_region) for address in addresses]
    return pc.coalesce(*given) if given else None


def object_keys(label: str, props: dict[str, pa.Array], size: int) -> dict[str, pa.Array]:
    """Each identifier of a Property, Contract or Permit (`identifiers.OBJECT_IDENTIFIERS`) as
    its key, canonical first; null where the row does not give it:
    `object_keys("Property", {"cert_no": pa.array(["宁（2021）…第1号"])}, 1)` → {"unit_no": [None],
    "cert_no": ["宁(2021)…第1号"]}."""
    return {prop: _mapped(_as_text(props[prop]), key) if prop in props else pa.nulls(size, pa.string())
            for prop, key in OBJECT_IDENTIFIERS[label]}


def co_citations(label: str, nodes: dict[str, pa.Array]) -> list[dict[str, pa.Array]]:
    """CoCitation batches for the node rows of `label` that name one Property or Contract by two
    identifiers (a unit number and a certificate number): each other identifier's key → the
    canonical key, with the row's provenance. Resolution merges the nodes keyed by the others."""
    if len(OBJECT_IDENTIFIERS.get(label, ())) < 2:
        return []
    keys = object_keys(label, nodes, len(nodes[SCHEMA.node(label).key]))
    canonical = pc.coalesce(*keys.values())
    batches = []
    for prop, key in list(keys.items())[1:]:
        cited = pc.fill_null(pc.not_equal(key, canonical), False)
        if pc.any(cited).as_py():
            other, uid = key.filter(cited), canonical.filter(cited)
            batches.append({"cocitation_id": _join(f"{label}:", other, "|", uid), "label": pa.repeat(_text(label), len(uid)),
                            "other_uid": other, "other_prop": pa.repeat(_text(prop), len(uid)), "uid": uid,
                            **{name: nodes[name].filter(cited) for name in PROVENANCE_NAMES if name in nodes}})
    return batches


def natural_keys(fields: dict[str, pa.Array], ids: str | tuple[str, ...], size: int, label: str | None = None) -> pa.Array:
    """The value of a node's id field, or its id fields joined by '|' (trailing blanks dropped):
    `natural_keys({"a": pa.array(["x", "y"]), "b": pa.array([1, None])}, ("a", "b"), 2)` → `["x|1", "y"]`.
    A Permit's number is keyed in one form (`identifiers.permit_no_key`), however a department wrote it."""
    if label == "Permit" and isinstance(ids, str):
        return _mapped(_as_text(fields.get(ids, pa.nulls(size, pa.string()))), identifiers.permit_no_key)
    if isinstance(ids, str):
        return fields.get(ids, pa.nulls(size, pa.string()))
    parts = [_key_texts(fields.get(name, pa.nulls(size, pa.string()))) for name in ids]
    joined = pc.utf8_rtrim(_join(*parts, separator="|"), characters="|")
    return _either(pc.equal(joined, ""), None, joined)


def _key_texts(values: pa.Array) -> pa.Array:
    """Values as key parts: text as it is, dates in ISO form, numbers as Python writes them; '' for null."""
    if not pa.types.is_string(values.type):
        values = pa.array([None if v is None else v.isoformat() if isinstance(v, (dt.date, dt.datetime)) else str(v)
                           for v in values.to_pylist()], pa.string())
    return pc.fill_null(values, "")


def _as_text(values: pa.Array) -> pa.Array:
    """Keys as text, as the store would write them: `str(value)`; null stays null."""
    if pa.types.is_string(values.type):
        return values
    return pa.array([None if v is None else str(v) for v in values.to_pylist()], pa.string())


@lru_cache(maxsize=1 << 17)
def _name_norm(name: str) -> str:
    return enterprise_name_norm(name)


@lru_cache(maxsize=1 << 17)
def party_label(code: str | None, name: str | None) -> str:
    """Enterprise or Person for a party column that may name either: `party_label(None, '张伟')` → 'Person'."""
    credit = bool(code) and identifiers.credit_code_problem(code) is None
    person = bool(code) and identifiers.id_number_problem(code) is None
    name = name or ""
    looks_like_firm = bool(legal_form(name)) or (len(name) >= 5 and "·" not in name)
    if credit and person:  # some ID numbers also pass the credit-code check: the name decides
        return "Enterprise" if looks_like_firm else "Person"
    if credit:
        return "Enterprise"
    if person:
        return "Person"
    return "Enterprise" if looks_like_firm else "Person"


class _Batches:
    """Rows for each target (label or relationship), collected in parts and put back in row order
    (row, then the spec's order within the row): later values win when the store merges a key."""

    def __init__(self) -> None:
        self.parts: dict[Any, list[tuple[pa.Array, dict[str, pa.Array]]]] = defaultdict(list)

    def add(self, target: Any, order: pa.Array, columns: dict[str, pa.Array]) -> None:
        if len(order):
            self.parts[target].append((order, columns))

    def batches(self) -> dict[Any, list[dict[str, pa.Array]]]:
        out = {}
        for target, parts in self.parts.items():
            if len(parts) == 1:
                out[target] = [parts[0][1]]
                continue
            by_row = pc.sort_indices(pa.concat_arrays([order for order, _ in parts]))
            names = dict.fromkeys(name for _, columns in parts for name in columns)
            out[target] = [{name: _concat([columns.get(name) for _, columns in parts],
                                          [len(order) for order, _ in parts]).take(by_row) for name in names}]
        return out


def _concat(arrays: list[pa.Array | None], sizes: list[int]) -> pa.Array:
    """Arrays one after the other; None is that many nulls. Arrays of different types go as Python
    values (the store converts them)."""
    types = {array.type for array in arrays if array is not None}
    if len(types) > 1:
        return pa.array([v for array, size in zip(arrays, sizes)
                         for v in (array.to_pylist() if array is not None else [None] * size)])
    kind = types.pop()
    return pa.concat_arrays([array if array is not None else pa.nulls(size, kind) for array, size in zip(arrays, sizes)])


def _sourced(sources: dict[str, str], owner: NodeType | RelType | None, fields: dict[str, pa.Array],
             size: int) -> dict[str, pa.Array]:
    """Each property's values over the rows: its field's, or its literal (of the property's type;
    a Party's, with no `owner`, text) on every row."""
    return {prop: pa.repeat(pa.scalar(literal_value(source, owner.prop(prop).type if owner else STRING)), size)
            if is_literal(source) else fields.get(source, pa.nulls(size, pa.string()))
            for prop, source in sources.items()}


def passes(conditions: tuple[Condition, ...], fields: dict[str, pa.Array], size: int) -> pa.Array:
    """Where every condition of a `when` holds (everywhere, without one):
    `passes((Condition("kind", "one_of", ("转移登记",)),), {"kind": pa.array(["转移登记", None])}, 2)` → [true, false]."""
    mask = pa.repeat(pa.scalar(True), size)
    for condition in conditions:
        values = fields[condition.field]
        if condition.test in ("given", "blank"):
            holds = _given(values) if condition.test == "given" else pc.invert(_given(values))
        else:  # a blank is in no list of values
            holds = pc.is_in(as_text(values), value_set=pa.array(condition.values, pa.string()))
            holds = holds if condition.test == "one_of" else pc.invert(holds)
        mask = pc.and_(mask, holds)
    return mask


def _mentions(mention: NodeYield, fields: dict[str, pa.Array], size: int):
    """(label, props) of one node yield, props over every row; a Party has one of each label,
    and (as its rows) the mask of the rows it names that way."""
    props = _sourced(mention.props, None if mention.label == PARTY else SCHEMA.node(mention.label), fields, size)
    if mention.label != PARTY:
        for prop, written in AS_WRITTEN.items():
            if isinstance(mention.props.get(prop), str) and mention.props[prop] + "~written" in fields:
                props[written] = fields[mention.props[prop] + "~written"]
        if mention.register:
            props[REGISTERED.name] = pa.repeat(pa.scalar(True), size)
        yield mention.label, props, None
        return
    codes = fields.get(mention.id) if isinstance(mention.id, str) else props.get("code")
    codes, names = codes if codes is not None else pa.nulls(size, pa.string()), props.get("name", pa.nulls(size, pa.string()))
    labels = pa.array([party_label(code, name) for code, name in zip(codes.to_pylist(), names.to_pylist())], pa.string())
    for label in PARTY_LABELS:
        yield label, {"credit_code" if label == "Enterprise" else "id_number": codes, "name": names}, \
            pc.equal(labels, label)


_PAYLOAD = json.JSONEncoder(ensure_ascii=False, default=_jsonable)
_JSON_TEXT = json.encoder.encode_basestring  # how that encoder writes a str


def payload_keys(headers: list[str]) -> list[str]:
    """The headers as payload keys: a header the file repeats (in a column no spec reads) is
    keyed by its column too, so no cell is lost: `payload_keys(["a", "b", "a"])` → ['a', 'b', 'a (column 3)']."""
    seen: set[str] = set()
    keys = []
    for column, header in enumerate(headers, start=1):
        keys.append(header if header not in seen else f"{header} (column {column})")
        seen.add(header)
    return keys


def payloads(headers: list[str], rows: list[list[Any]]) -> pa.Array:
    """Each row's cells as JSON keyed by header (`payload_keys`), exactly as
    `json.dumps(dict(zip(headers, cells)), ensure_ascii=False)` writes it, built column by column."""
    if not rows:
        return pa.array([], pa.string())
    headers = payload_keys(headers)
    columns = []
    for header, cells in zip(headers, zip(*rows)):
        texts = list(map(_JSON_TEXT if set(map(type, cells)) == {str} else _PAYLOAD.encode, cells))
        columns.append(_join(_JSON_TEXT(header) + ": ", pa.array(texts, pa.string())))
    return _join("{", _join(*columns, separator=", "), "}")


def facts(spec: SourceSpec, file_name: str, checked: CheckedRows) -> Facts:
    """Nodes, relationships, SourceRecords and DESCRIBES for the good rows of one chunk. A row a
    `when:` filters out of a yield keeps its SourceRecord and yields nothing there (nor a
    relationship to that node)."""
    size = len(checked.numbers)
    out = Facts()
    if not size:
        return out
    numbers = checked.numbers
    records = _join(f"{spec.dataset}:{file_name}:", pc.cast(numbers, pa.string()))
    provenance = {"department": pa.repeat(_text(spec.department), size), "dataset": pa.repeat(_text(spec.dataset), size),
                  "source_file": pa.repeat(_text(file_name), size), "source_row": numbers}
    out.nodes["SourceRecord"].append({"record_id": records, "grade": pa.repeat(_text(spec.grade), size), **provenance,
                                      "payload": payloads(checked.headers, checked.cells)})
    width = len(spec.nodes) + len(spec.relationships)
    rows = pa.array(range(size), pa.int64())
    nodes, rels = _Batches(), _Batches()
    keys: dict[str, pa.Array] = {}  # role → key of each row (null: the row names no such entity)
    labels: dict[str, pa.Array] = {}
    for number, mention in enumerate(spec.nodes):
        wanted = passes(spec.when + mention.when, checked.fields, size)  # a row filtered out names nothing
        for label, props, named in _mentions(mention, checked.fields, size):
            node = SCHEMA.node(label)
            if label in ENTITY_LABELS:
                places = mention_places(spec, mention, props, checked.fields) if label == "Enterprise" else None
                found, methods = entity_keys(label, props, records, mention.role, places)
                if label == "Contract" and not isinstance(mention.id, str):  # no contract number: its natural key
                    natural = natural_keys(checked.fields, mention.id, size)
                    fallback = pc.and_(pc.invert(pc.is_valid(found)), pc.is_valid(natural))
                    methods = _either(fallback, "exact", methods)
                    found = pc.coalesce(found, _join(f"{spec.dataset}:", natural))
                elif not isinstance(mention.id, str):  # [identifier, local key…]: the department's own number
                    local = natural_keys(checked.fields, mention.id[1:], size)  # keys a mention with no identifier
                    use = pc.and_(pc.not_equal(methods, "exact"), _given(local))
                    found = _either(use, _join(f"{RECORD_UID}{spec.dataset}:", local), found)
                    methods = _either(use, "record", methods)
            else:
                found, methods = natural_keys(checked.fields, mention.id, size, label), pa.repeat(_text("exact"), size)
            found = props[node.key] = _as_text(found)
            kept = pc.and_(_given(found), wanted if named is None else pc.and_(wanted, named))
            if label == "Enterprise" and "name" in props:
                named_rows = _given(props["name"])
                props.setdefault("name_norm", _either(named_rows, _mapped(props["name"], _name_norm), None))
                props.setdefault("legal_form", _either(pc.and_(named_rows, _given(props["name_norm"])),
                                                       _mapped(props["name_norm"], legal_form), None))
            order = pc.add(pc.multiply(rows.filter(kept), width), number)
            picked = {name: values.filter(kept) for name, values in {**props, **provenance}.items()}
            nodes.add(label, order, picked)
            for cited in co_citations(label, picked):  # no empty batch: Ladybug stops reading a table at one
                out.nodes["CoCitation"].append(cited)
            method = methods.filter(kept)
            rels.add(("DESCRIBES", "SourceRecord", label), order, {
                "from": records.filter(kept), "to": picked[node.key], "role": pa.repeat(_text(mention.role), len(order)),
                "method": method, "score": _either(pc.equal(method, "exact"), pa.scalar(1.0), pa.scalar(None, pa.float64())),
                **{name: values.filter(kept) for name, values in provenance.items()}})
            keys[mention.role] = _either(kept, found, keys.get(mention.role))
            labels[mention.role] = _either(kept, label, labels.get(mention.role))
    for number, rel in enumerate(spec.relationships, start=len(spec.nodes)):
        starts, ends = keys[rel.from_role], keys[rel.to_role]
        linked = pc.and_(pc.and_(pc.is_valid(starts), pc.is_valid(ends)),
                         passes(spec.when + rel.when, checked.fields, size))
        props = _sourced(rel.props, SCHEMA.rel(rel.type), checked.fields, size)
        for from_label in _labels_of(labels[rel.from_role]):
            for to_label in _labels_of(labels[rel.to_role]):
                pair = pc.and_(linked, pc.and_(pc.equal(labels[rel.from_role], from_label),
                                               pc.equal(labels[rel.to_role], to_label)))
                pair = pc.fill_null(pair, False)
                rels.add((rel.type, from_label, to_label), pc.add(pc.multiply(rows.filter(pair), width), number),
                         {"from": starts.filter(pair), "to": ends.filter(pair),
                          **{name: values.filter(pair) for name, values in {**props, **provenance}.items()}})
    for label, batches in nodes.batches().items():
        out.nodes[label].extend(batches)
    for key, batches in rels.batches().items():
        out.rels[key].extend(batches)
    return out


def _labels_of(labels: pa.Array) -> list[str]:
    return [label for label in pc.unique(labels.drop_null()).to_pylist()]
