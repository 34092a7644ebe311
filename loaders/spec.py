"""Source specs: how one department export is read, checked and turned into graph facts.

A spec is a short YAML file (one per export); a data officer connects a new export by
writing one. It is validated strictly: an unknown key, a field the schema does not know or
a column missing from the file is an error naming the spec file and line.

    department: amr
    department_name: 市场监督管理局
    dataset: enterprise_register
    files: market_regulation/企业登记信息*.csv
    format: csv                 # csv | xlsx
    encoding: auto              # auto (UTF-8, else GB18030) | utf-8 | utf-8-sig | gbk | gb18030
    delimiter: ","              # csv only; "\t" for tab-separated text
    header_row: 1
    grade: internal             # public | internal | sensitive | secret
    schedule: monthly           # delivery schedule: daily | weekly | monthly | quarterly | yearly
    columns:
      统一社会信用代码: {field: credit_code, type: credit_code, required: true}
      联系电话: {field: phone, type: phone, on_invalid: null}   # keep the row, drop a bad value
      企业名称: {field: name, type: enterprise_name, required: true}
      成立日期: {field: established_on, type: date}
      注册资本(万元): {field: registered_capital, type: amount, unit: 万元}
      登记状态: {field: status, type: code, codes: {存续: operating, 注销: deregistered}}
    nodes:
      - {role: company, label: Enterprise, id: credit_code,
         props: {credit_code: credit_code, name: name, status: status}}
      - {role: rep, label: Person, id: rep_id, props: {id_number: rep_id, name: rep_name}}
    relationships:
      - {type: LEGAL_REP_OF, from: rep, to: company}

More forms, where an export needs them:

- `id: [account_no, period]`: a node keyed by several fields (joined by '|', trailing blanks
  dropped) when no single column is unique; a Contract without a contract number is keyed so.
- `id: [employer_code, employer_no]` on an Enterprise, Person or Property: the identifier
  first, then the department's own number, which keys a mention named without the identifier
  (`record:<dataset>:<number>`; resolution then links it) instead of its bare name.
- `derive: {employer_region: [2, 8]}` on a column: a field cut from its text, characters 2 to
  8 (0-based, end excluded), such as the county code inside a department's own number.
- `"=buyer"` as a property source: a literal, the same on every row (`role: "=buyer"`,
  `kind: "=land_transfer"`).
- `label: Party`: an enterprise or a person, whichever the row names: a valid credit code makes
  it an Enterprise, a valid ID number a Person; without either (or a code that passes both
  checks), a name with a legal form or of five characters or more is an Enterprise, else a
  Person. Props: `code` and `name`.

Vocabularies the rules read
---------------------------
Rules compare canonical codes, never a department's wording: map the wording to these codes
with a `type: code` table (`征收品目: {field: tax_item, type: code, codes: {工资薪金所得: wages}}`)
or a literal (`kind: "=lease"`). A value a rule needs but a spec never produces silences the
rule; `crossaudit specs check` names them. The `doc` of each property in engine/schema.py
says the same.

- TaxFiling.tax_type: vat, enterprise_income_tax, individual_income_tax, property_tax,
  stamp_duty, land_vat, environmental_protection_tax, deed_tax, urban_land_use_tax,
  urban_maintenance_tax, consumption_tax, resource_tax, vehicle_vessel_tax,
  farmland_occupation_tax.
- TaxFiling.tax_item (征收品目, 权属转移方式): individual income tax `wages` (工资薪金所得),
  `property_lease` (财产租赁所得), `equity_transfer` (财产转让所得 of shares), `property_transfer`
  (of other property); property tax `rent_based` (从租计征), `value_based` (从价计征); deed tax
  `land_grant` (出让), `sale` (买卖), `gift` (赠与), `exchange` (互换), `judicial_auction`
  (司法拍卖); environmental protection tax `air_pollutants`, `water_pollutants`, `solid_waste`,
  `noise`; vat `goods`, `services`, `construction_prepayment` (跨区域预缴).
- A filing is about an object when it CONCERNS it: the Property (by any identifier: unit
  number, certificate number, address), the Contract, or the other party (the invested
  enterprise). A filing naming no object counts for its taxpayer, tax and period.
- Contract.kind: land_transfer (出让), property_sale (a transfer by sale, 买卖; yield none for a
  first registration, 首次登记, nor for inheritance), equity_transfer, construction, lease,
  procurement, auction (a judicial auction). Contract.status: a lease active, expired,
  cancelled; an auction sold, unsold (流拍), withdrawn. Contract.cost_basis: an equity
  transfer's acquisition cost (股权原值) where the export carries it.
- PARTY_TO.role: buyer, seller, lessor, lessee, transferor, transferee, target (the enterprise
  whose shares change hands), builder, contractor, vendor, purchaser, debtor.
- Permit.kind: construction, road_transport, pollutant_discharge. Permit.status: valid,
  suspended, revoked, cancelled (注销), expired. Permit.category (排污许可管理类别): key (重点管理),
  simplified (简化管理), registration (登记管理).
- TaxRegistration.status: normal, deregistered (注销), abnormal (非正常), suspended (停业);
  TaxRegistration.taxpayer_kind: unit, branch, cross_region_project, individual.
- Enterprise.status (the enterprise register): operating, deregistered, revoked, abnormal.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from crossaudit.engine.schema import ENTITY_LABELS, PARTY_LABELS, SCHEMA, STORE_FILLED
from crossaudit.loaders.fields import FIELD_TYPES, FieldSpec

GRADES = ("public", "internal", "sensitive", "secret")
SCHEDULES = ("daily", "weekly", "monthly", "quarterly", "yearly", "once")
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "gbk", "gb18030")
FORMATS = ("csv", "xlsx")
PARTY = "Party"  # a node yield that is an Enterprise or a Person, decided row by row
PARTY_PROPS = ("code", "name")


def is_literal(source: str) -> bool:
    """Whether a property source is a literal (`"=buyer"`) rather than a field."""
    return isinstance(source, str) and source.startswith("=")


class SpecError(ValueError):
    """A spec that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class NodeYield:
    role: str
    label: str  # a schema label, or PARTY
    id: str | tuple[str, ...]  # the field(s) that identify the node (a validated identifier or natural key)
    props: dict[str, str]  # schema property -> field


@dataclass(frozen=True)
class RelYield:
    type: str
    from_role: str
    to_role: str
    props: dict[str, str]


@dataclass(frozen=True)
class SourceSpec:
    path: Path
    department: str
    department_name: str
    dataset: str
    files: str
    format: str
    encoding: str
    header_row: int
    grade: str
    schedule: str
    columns: dict[str, FieldSpec]  # header -> field spec
    nodes: tuple[NodeYield, ...]
    relationships: tuple[RelYield, ...]
    title: str = ""
    sheet: str | None = None
    delimiter: str = ","
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def where(self, key: str = "") -> str:
        """'spec.yaml line N' for a key of the spec (the file itself where unknown)."""
        line = self.lines.get(key)
        return f"{self.path}" + (f" line {line}" if line else "")

    def matches(self, relative: str) -> bool:
        from fnmatch import fnmatch

        return fnmatch(relative, self.files)

    def check_headers(self, headers: list[str], file: str) -> None:
        """Every declared column must be in the file (extra columns are kept in the payload)."""
        missing = [h for h in self.columns if h not in headers]
        if missing:
            raise SpecError(f"{self.where('columns')}: column(s) {missing} missing from {file} "
                            f"(its header: {headers})")


# --- reading YAML with line numbers -------------------------------------------------------

class _LineLoader(yaml.SafeLoader):
    """Keeps the line of every mapping key, as `__lines__` in each mapping."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    mapping = {}
    lines = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in mapping:
            raise SpecError(f"line {key_node.start_mark.line + 1}: duplicate key {key!r}")
        mapping[key] = loader.construct_object(value_node, deep=True)
        lines[key] = key_node.start_mark.line + 1
    mapping["__lines__"] = lines
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strict(mapping: Any, allowed: set[str], required: set[str], where: str, what: str) -> dict:
    if not isinstance(mapping, dict):
        raise SpecError(f"{where}: {what} must be a mapping")
    lines = mapping.get("__lines__", {})
    for key in mapping:
        if key.startswith("__"):
            continue
        if key not in allowed:
            raise SpecError(f"{where} line {lines.get(key, '?')}: unknown key {key!r} in {what}; "
                            f"allowed: {', '.join(sorted(allowed))}")
    missing = required - set(mapping)
    if missing:
        raise SpecError(f"{where} line {mapping.get('__line__', '?')}: {what} lacks {', '.join(sorted(missing))}")
    return mapping


def _choice(value: Any, choices: tuple, where: str, line: Any, what: str) -> Any:
    if value not in choices:
        raise SpecError(f"{where} line {line}: {what} {value!r} is not one of {', '.join(map(str, choices))}")
    return value


TOP_KEYS = {"department", "department_name", "dataset", "title", "files", "format", "encoding", "delimiter", "header_row",
            "sheet", "grade", "schedule", "columns", "nodes", "relationships"}
COLUMN_KEYS = {"field", "type", "required", "unit", "codes", "formats", "allow_negative", "on_invalid", "doc",
               "derive"}
NODE_KEYS = {"role", "label", "id", "props"}
REL_KEYS = {"type", "from", "to", "props"}


def load_spec(path: str | Path) -> SourceSpec:
    """Read and validate one spec file."""
    path = Path(path)
    where = str(path)
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.YAMLError as exc:
        raise SpecError(f"{where}: not valid YAML: {exc}") from exc
    except SpecError as exc:
        raise SpecError(f"{where} {exc}") from exc
    top = _strict(raw, TOP_KEYS, {"department", "dataset", "files", "format", "grade", "columns", "nodes"},
                  where, "the spec")
    lines = top["__lines__"]
    fmt = _choice(top["format"], FORMATS, where, lines.get("format"), "format")
    encoding = _choice(top.get("encoding", "auto"), ENCODINGS, where, lines.get("encoding"), "encoding")
    grade = _choice(top["grade"], GRADES, where, lines.get("grade"), "grade")
    schedule = _choice(top.get("schedule", "monthly"), SCHEDULES, where, lines.get("schedule"), "schedule")
    delimiter = top.get("delimiter", ",")
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        raise SpecError(f"{where} line {lines.get('delimiter')}: delimiter must be one character")
    header_row = top.get("header_row", 1)
    if not isinstance(header_row, int) or header_row < 1:
        raise SpecError(f"{where} line {lines.get('header_row')}: header_row must be a whole number ≥ 1")

    columns: dict[str, FieldSpec] = {}
    column_lines = top["columns"].get("__lines__", {}) if isinstance(top["columns"], dict) else {}
    for header, declared in _strict(top["columns"], set(top["columns"]) if isinstance(top["columns"], dict)
                                    else set(), set(), where, "columns").items():
        if header.startswith("__"):
            continue
        line = column_lines.get(header)
        col = _strict(declared, COLUMN_KEYS, {"field"}, where, f"column {header!r}")
        ftype = _choice(col.get("type", "text"), tuple(FIELD_TYPES), where, col["__lines__"].get("type", line),
                        f"type of column {header!r}")
        derive = _derived(col.get("derive"), where, col["__lines__"].get("derive", line), header)
        try:
            columns[str(header)] = FieldSpec(
                field=col["field"], type=ftype, required=bool(col.get("required", False)), unit=col.get("unit"),
                codes={str(k): v for k, v in col.get("codes", {}).items() if not str(k).startswith("__")}
                if col.get("codes") else None,
                formats=tuple(col.get("formats", ())), allow_negative=bool(col.get("allow_negative", False)),
                on_invalid=col.get("on_invalid", "quarantine"),
                derive=derive)
        except ValueError as exc:
            raise SpecError(f"{where} line {line}: column {header!r}: {exc}") from exc
    fields = {c.field for c in columns.values()} | {name for c in columns.values() for name, _, _ in c.derive}

    nodes = []
    for item in top["nodes"] or []:
        item = _strict(item, NODE_KEYS, {"role", "label", "id"}, where, "a node yield")
        line = item["__line__"]
        if item["label"] == PARTY:
            label, declared = PARTY, set(PARTY_PROPS)
        else:
            try:
                node_type = SCHEMA.node(item["label"])
            except KeyError as exc:
                raise SpecError(f"{where} line {line}: {exc.args[0]}") from exc
            label, declared = node_type.label, {p.name for p in node_type.props} - set(STORE_FILLED)
        props = {k: v for k, v in (item.get("props") or {}).items() if not k.startswith("__")}
        for prop, source in props.items():
            if prop not in declared:
                raise SpecError(f"{where} line {item['props']['__lines__'][prop]}: {label} has no "
                                f"property {prop!r} in the schema; declared: {', '.join(sorted(declared))}")
            if not is_literal(source) and source not in fields:
                raise SpecError(f"{where} line {item['props']['__lines__'][prop]}: field {source!r} is not "
                                "produced by any column")
        ids = tuple(item["id"]) if isinstance(item["id"], list) else item["id"]
        for id_field in (ids if isinstance(ids, tuple) else (ids,)):
            if id_field not in fields:
                raise SpecError(f"{where} line {item['__lines__']['id']}: id field {id_field!r} is not produced "
                                "by any column")
        if label != PARTY and label not in ENTITY_LABELS and node_type.key not in props and isinstance(ids, str):
            props[node_type.key] = ids
        nodes.append(NodeYield(item["role"], label, ids, props))
    roles = {n.role: n for n in nodes}
    if len(roles) != len(nodes):
        raise SpecError(f"{where} line {lines['nodes']}: node roles must be unique")

    rels = []
    for item in top.get("relationships") or []:
        item = _strict(item, REL_KEYS, {"type", "from", "to"}, where, "a relationship yield")
        line = item["__line__"]
        for side in ("from", "to"):
            if item[side] not in roles:
                raise SpecError(f"{where} line {line}: relationship {side} role {item[side]!r} is not a node role")
        try:  # a Party end may be either label: both pairs must be declared
            for from_label in _labels(roles[item["from"]].label):
                for to_label in _labels(roles[item["to"]].label):
                    rel_type = SCHEMA.check_pair(item["type"], from_label, to_label)
        except KeyError as exc:
            raise SpecError(f"{where} line {line}: {exc.args[0]}") from exc
        props = {k: v for k, v in (item.get("props") or {}).items() if not k.startswith("__")}
        for prop, source in props.items():
            if prop not in {p.name for p in rel_type.props}:
                raise SpecError(f"{where} line {line}: {rel_type.type} has no property {prop!r} in the schema")
            if not is_literal(source) and source not in fields:
                raise SpecError(f"{where} line {line}: field {source!r} is not produced by any column")
        rels.append(RelYield(rel_type.type, item["from"], item["to"], props))

    return SourceSpec(
        path=path, department=str(top["department"]), department_name=str(top.get("department_name", "")),
        dataset=str(top["dataset"]), title=str(top.get("title", "")), files=str(top["files"]), format=fmt,
        encoding=encoding, delimiter=delimiter, header_row=header_row, sheet=top.get("sheet"), grade=grade, schedule=schedule,
        columns=columns, nodes=tuple(nodes), relationships=tuple(rels), lines=dict(lines))


def _derived(declared: Any, where: str, line: Any, header: str) -> tuple[tuple[str, int, int], ...]:
    """`derive: {employer_region: [2, 8]}`: fields cut from the column's text, characters
    start (0-based) to end (excluded): a county code inside a department's own number."""
    if declared is None:
        return ()
    if not isinstance(declared, dict):
        raise SpecError(f"{where} line {line}: derive of column {header!r} must map field names to [start, end]")
    out = []
    for name, cut in declared.items():
        if str(name).startswith("__"):
            continue
        if not (isinstance(cut, list) and len(cut) == 2 and all(isinstance(i, int) and i >= 0 for i in cut)
                and cut[0] < cut[1]):
            raise SpecError(f"{where} line {line}: derive {name!r} of column {header!r} must be [start, end], "
                            f"whole numbers with start < end; got {cut!r}")
        out.append((str(name), cut[0], cut[1]))
    return tuple(out)


def _labels(label: str) -> tuple[str, ...]:
    return PARTY_LABELS if label == PARTY else (label,)


def load_specs(directory: str | Path) -> list[SourceSpec]:
    """Every `*.yaml` spec in a folder, sorted by file name; datasets must be unique."""
    specs = [load_spec(p) for p in sorted(Path(directory).glob("*.yaml"))]
    seen: dict[str, Path] = {}
    for spec in specs:
        if spec.dataset in seen:
            raise SpecError(f"{spec.where('dataset')}: dataset {spec.dataset!r} is also declared in {seen[spec.dataset]}")
        seen[spec.dataset] = spec.path
    return specs


SHIPPED_SPECS = Path(__file__).resolve().parent / "specs"
