"""Source specs: how one department export is read, checked and turned into graph facts.

A spec is a short YAML file (one per export); a data officer connects a new export by
writing one. It is validated strictly before any row is loaded: an unknown key, a field the
schema does not know, a field of the wrong type for the property it fills, or a column missing
from the file is an error naming the spec file and line.

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
      法定代表人: {field: rep_name, type: name}
      法定代表人身份证号: {field: rep_id, type: id_number, on_invalid: null}
    nodes:
      - {role: company, label: Enterprise, id: credit_code,
         props: {credit_code: credit_code, name: name, status: status,
                 established_on: established_on, registered_capital: registered_capital}}
      - {role: rep, label: Person, id: rep_id, props: {id_number: rep_id, name: rep_name}}
    relationships:
      - {type: LEGAL_REP_OF, from: rep, to: company}

Column types: text, name, enterprise_name, address, credit_code, id_number, party_code (either),
phone, date (`formats: ["%Y.%m.%d"]` for unusual ones; dates outside 1900-01-01 .. 100 years ahead
are rejected unless `date_range: [1800-01-01, 9999-12-31]` widens it; 20231201 is read, 202312
is not), month, amount (`unit: 元 | 万元`),
number, integer, percent, bool (是/否), code (`codes:` table). A property is filled only from a
field of its type: a DATE property from a `date` column, a DOUBLE from an amount, number,
percent or integer, an INT64 from an integer, a BOOLEAN from a bool; any field fills text.
A value a column's type rejects (also NaN, inf, or a number beyond what the store holds)
quarantines its row with the reason, or with `on_invalid: null` is dropped and the row kept.

More forms, where an export needs them:

- `type: percent, unit: percent` (the default): the number is in per cent, so `1.00`, `1.00%`
  and `１.００％` are all 1 %; `unit: fraction`: `0.01` is 1 %. A value written with a % sign is
  per cent whatever the unit says. Nothing is guessed from the value.
- `when: {registration_kind: 转移登记}` on a node or relationship yield: only rows where the
  field equals the value yield it; at the top of the spec, for every yield. A list is "one of"
  (`{kind: [转移登记, 变更登记]}`), `{status: {not: [流拍, 撤回]}}` "none of" (a blank passes),
  `{price: {given: true}}` "has a value" (`false`: is blank); several fields must all hold.
  The field is compared after its column's type (a code column by its mapped value, dates as
  YYYY-MM-DD); a value it can never hold is an error. A filtered row is still loaded (its
  record is kept): it yields nothing there, and a relationship to a node it did not yield is
  not written.
- `derive:` on a column: fields cut from its text, each typed like a column (type, formats,
  unit, codes, allow_negative, on_invalid, required); a piece that fails its type is reported
  as column `<header>→<field>`. `split: "-", part: 1` is the second piece between dashes
  (negative parts count from the end); `slice: [2, 8]` characters 2 to 8 (0-based, end
  excluded), such as the county code inside a department's own number; the short form
  `{employer_region: [2, 8]}` is a text slice. Null where the text has no such piece.

      有效期限: {field: validity, derive: {
          valid_from:  {split: "-", part: 0, type: date, formats: ["%Y.%m.%d"]},
          valid_until: {split: "-", part: 1, type: date, formats: ["%Y.%m.%d"]}}}

- `sheet: 明细` (xlsx): the one sheet to read. Without it, every visible sheet whose header
  is the first one's is read (their rows numbered on), a hidden sheet is skipped, an empty one
  passed over, and a visible sheet with another header is an error naming it.
- `id: [account_no, period]`: a node keyed by several fields (joined by '|', trailing blanks
  dropped) when no single column is unique; a Contract without a contract number is keyed so.
- An entity's id field must fill the prop it is keyed by: an Enterprise's credit_code or name,
  a Person's id_number or name, a Property's unit_no, cert_no or address, a Contract's
  contract_no or record_no (or an `id:` list), a Party's code or name. Another label is keyed by its id.
- `id: [employer_code, employer_no]` on an Enterprise, Person or Property: the identifier
  first, then the department's own number, which keys a mention named without the identifier
  (`record:<dataset>:<number>`; resolution then links it) instead of its bare name. An
  Enterprise whose number is written to `si_no` is loaded straight against the enterprise the
  store or this load's earlier rows tie that number to, when exactly one does (`crosswalk.py`).
- An Enterprise named without a valid code (and no such number) is keyed by its normalised
  name where its row places it — its address (the mention's, or the Address it is LOCATED_AT
  in that row), else the county of its region_code — `name:<name>@<county>|<street number>`:
  a name is unique only within a registration authority's area, so two counties' namesakes
  keep their rows apart until resolution links each.
- `"=buyer"` as a property source: a literal, the same on every row (`role: "=buyer"`,
  `kind: "=land_transfer"`), of the property's type (`"=2024-01-31"` for a date).
- `register: true` on an Enterprise, Person or Property yield: the department keeps the
  register of these entities (market regulation its firms, public security its residents,
  natural resources its real estate). Its values are the entity's own: a copy another source
  writes (a permit's holder name, an invoice's buyer) only fills what the register left empty,
  in whichever order the files load. Without it, the last file loaded gives the value.
- `label: Party`: an enterprise or a person, whichever the row names: a valid credit code makes
  it an Enterprise, a valid ID number a Person; without either (or a code that passes both
  checks), a name with a legal form or of five characters or more is an Enterprise, else a
  Person. Props: `code` and `name`.

A second example: a property register whose transfers, and only those, yield a sale.

    department: nr
    dataset: property_register
    files: natural_resources/不动产登记*.csv
    format: csv
    grade: sensitive
    when: {unit_no: {given: true}}
    columns:
      不动产单元号: {field: unit_no}
      登记类型: {field: registration_kind}
      合同编号: {field: contract_no}
      成交价格(万元): {field: price, type: amount, unit: 万元}
      权利人: {field: owner_name, type: name}
      权利人证件号码: {field: owner_code, type: party_code, on_invalid: null}
      共有份额: {field: share, type: percent, unit: fraction}    # 0.5 is half
      土地使用期限: {field: land_term, derive: {
          land_from:  {split: "至", part: 0, type: date},
          land_until: {split: "至", part: -1, type: date}}}
    nodes:
      - {role: property, label: Property, id: unit_no, register: true, props: {unit_no: unit_no}}
      - {role: owner, label: Party, id: owner_code, props: {code: owner_code, name: owner_name}}
      - {role: sale, label: Contract, id: contract_no, when: {registration_kind: 转移登记},
         props: {contract_no: contract_no, kind: "=property_sale", amount: price,
                 start_on: land_from, end_on: land_until}}
    relationships:
      - {type: OWNS, from: owner, to: property, props: {share: share}}
      - {type: CONCERNS, from: sale, to: property}
      - {type: PARTY_TO, from: owner, to: sale, props: {role: "=buyer"}}

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
  `noise`; vat `goods`, `goods_small_scale` (a small-scale taxpayer's sales, 小规模纳税人: the
  electricity rule applies its exemption and rate), `services`, `construction_prepayment`
  (跨区域预缴).
- A filing is about an object when it CONCERNS it: the Property (by any identifier: unit
  number, certificate number, address), the Contract, or the other party (the invested
  enterprise). A filing naming no object counts for its taxpayer, tax and period.
- Contract.kind: land_transfer (出让), property_sale (a transfer by sale, 买卖; yield none for a
  first registration, 首次登记, nor for inheritance), equity_transfer, construction, lease,
  procurement, auction (a judicial auction). Contract.status: a lease active, expired,
  cancelled; an auction sold, unsold (流拍), withdrawn. Contract.cost_basis: an equity
  transfer's cost (股权原值, or the capital paid in on the share) where the export carries it;
  SHAREHOLDER_OF.paid_in: the capital a shareholder paid in (实缴出资额), amount the subscribed.
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

import datetime as dt
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from crossaudit.engine.schema import (
    BOOL, DATE, ENTITY_LABELS, FLOAT, INT, REGISTERED, SCHEMA, STRING, TIMESTAMP, NodeType, Prop,
)
from crossaudit.loaders.fields import FIELD_TYPES, Derive, FieldSpec, arrow_type, as_text
from crossaudit.loaders.fills import PARTY, SAFE_LOADER, SHIPPED_SPECS, fills_of, labels_of

GRADES = ("public", "internal", "sensitive", "secret")
SCHEDULES = ("daily", "weekly", "monthly", "quarterly", "yearly", "once")
ENCODINGS = ("auto", "utf-8", "utf-8-sig", "gbk", "gb18030")
FORMATS = ("csv", "xlsx")
PARTY_PROPS = ("code", "name")
# The props each entity label is keyed by (transform.entity_keys tries them in this order).
KEYED_BY = {"Enterprise": ("credit_code", "name"), "Person": ("id_number", "name"),
            "Property": ("unit_no", "cert_no", "address"), "Contract": ("contract_no", "record_no"),
            PARTY: PARTY_PROPS}


def is_literal(source: str) -> bool:
    """Whether a property source is a literal (`"=buyer"`) rather than a field."""
    return isinstance(source, str) and source.startswith("=")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError(text)
    return value


_LITERALS = {INT: int, FLOAT: _finite, BOOL: lambda text: {"true": True, "false": False}[text],
             DATE: dt.date.fromisoformat, TIMESTAMP: dt.datetime.fromisoformat}


def literal_value(source: str, prop_type: str) -> Any:
    """A literal source as its property's type: `literal_value("=2.5", "DOUBLE")` → 2.5; ValueError
    (or KeyError) if it is not one."""
    return _LITERALS.get(prop_type, str)(source[1:])


class SpecError(ValueError):
    """A spec that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Condition:
    """One field's test in a `when:`; `values` in their text form (see `as_text`).
    `test` is one_of, none_of (a blank passes), given or blank."""

    field: str
    test: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class NodeYield:
    role: str
    label: str  # a schema label, or PARTY
    id: str | tuple[str, ...]  # the field(s) that identify the node (a validated identifier or natural key)
    props: dict[str, str]  # schema property -> field
    when: tuple[Condition, ...] = ()  # all must hold for a row to yield the node
    register: bool = False  # the department keeps the register of these entities: its values win over copies


@dataclass(frozen=True)
class RelYield:
    type: str
    from_role: str
    to_role: str
    props: dict[str, str]
    when: tuple[Condition, ...] = ()


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
    when: tuple[Condition, ...] = ()  # for every node and relationship yield
    lines: dict[str, int] = field(default_factory=dict, compare=False, repr=False)

    def fills(self) -> dict[str, list[str]]:
        """Each node label and relationship type this spec's rows write → the properties they
        fill there: a yield's props (a Party's code and name as the identifier and name of the
        label it turns out to be), the node's key, and what the loader derives from them. The
        load records it per file; masking grades each property by the datasets that filled it.

        A spec yielding `{role: holder, label: Party, id: code, props: {code: code}}` and a
        SHAREHOLDER_OF with `{ratio: ratio}` fills {"Enterprise": ["credit_code", "legal_form",
        "name", "name_norm", "uid"], "Person": ["id_number", "name", "uid"], "SHAREHOLDER_OF": ["ratio"]}.
        """
        return fills_of(((node.label, node.props) for node in self.nodes),
                        ((rel.type, rel.props) for rel in self.relationships))

    def where(self, key: str = "") -> str:
        """'spec.yaml line N' for a key of the spec (the file itself where unknown)."""
        line = self.lines.get(key)
        return f"{self.path}" + (f" line {line}" if line else "")

    def matches(self, relative: str) -> bool:
        from fnmatch import fnmatch

        return fnmatch(relative, self.files)

    def check_headers(self, headers: list[str], file: str, encoding: str = "") -> None:
        """Every declared column must be in the file, once (extra columns are kept in the payload).

        A column header the file repeats is an error naming both positions: which of the two
        a department meant is not for the loader to guess."""
        missing = [h for h in self.columns if h not in headers]
        if missing:
            read_as = f", read as {encoding}: if the header looks garbled, set encoding: in the spec" if encoding else ""
            raise SpecError(f"{self.where('columns')}: column(s) {missing} missing from {file} "
                            f"(its header: {headers}{read_as})")
        for header in self.columns:
            positions = [str(at) for at, name in enumerate(headers, start=1) if name == header]
            if len(positions) > 1:
                raise SpecError(f"{file}: column {header!r} appears {len(positions)} times in the header, at "
                                f"columns {' and '.join(positions)}; deliver it once (or rename one of them)")


# --- reading YAML with line numbers -------------------------------------------------------

class _LineLoader(SAFE_LOADER):
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


def _items(mapping: dict) -> list[tuple[Any, Any]]:
    """A parsed mapping's own entries, without the line bookkeeping."""
    return [(key, value) for key, value in mapping.items() if not str(key).startswith("__")]


def _strict(mapping: Any, allowed: set[str], required: set[str], where: str, what: str) -> dict:
    if not isinstance(mapping, dict):
        raise SpecError(f"{where}: {what} must be a mapping")
    lines = mapping.get("__lines__", {})
    for key, _ in _items(mapping):
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


def _line(mapping: dict, key: str) -> int:
    """The line of a key of a parsed mapping, or of the mapping itself."""
    return mapping["__lines__"].get(key, mapping["__line__"])


TOP_KEYS = {"department", "department_name", "dataset", "title", "files", "format", "encoding", "delimiter", "header_row",
            "sheet", "grade", "schedule", "when", "columns", "nodes", "relationships"}
OPTION_KEYS = {"type", "required", "unit", "codes", "formats", "allow_negative", "on_invalid", "date_range", "doc"}
COLUMN_KEYS = OPTION_KEYS | {"field", "derive"}
DERIVE_KEYS = OPTION_KEYS | {"split", "part", "slice"}
NODE_KEYS = {"role", "label", "id", "props", "when", "register"}
REL_KEYS = {"type", "from", "to", "props", "when"}


def load_spec(path: str | Path) -> SourceSpec:
    """Read and validate one spec file."""
    path = Path(path)
    where = str(path)
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise SpecError(f"{where} line {line}: not UTF-8 (saved as GBK?); save the spec as UTF-8") from None
    try:
        raw = yaml.load(text, Loader=_LineLoader)
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

    columns = _columns(top["columns"], where)
    produced = _produced(columns)
    when = _when(top.get("when"), where, lines.get("when"), produced)
    nodes = tuple(_node_yield(item, where, produced) for item in top["nodes"] or [])
    roles = {n.role: n for n in nodes}
    if len(roles) != len(nodes):
        raise SpecError(f"{where} line {lines['nodes']}: node roles must be unique")
    rels = tuple(_rel_yield(item, where, produced, roles) for item in top.get("relationships") or [])
    return SourceSpec(
        path=path, department=str(top["department"]), department_name=str(top.get("department_name", "")),
        dataset=str(top["dataset"]), title=str(top.get("title", "")), files=str(top["files"]), format=fmt,
        encoding=encoding, delimiter=delimiter, header_row=header_row, sheet=top.get("sheet"), grade=grade, schedule=schedule,
        columns=columns, nodes=nodes, relationships=rels, when=when, lines=dict(lines))


# --- columns and derived fields ------------------------------------------------------------

def _columns(declared: Any, where: str) -> dict[str, FieldSpec]:
    """header → FieldSpec, each column's options and derives checked."""
    if not isinstance(declared, dict):
        raise SpecError(f"{where}: columns must be a mapping of column headers")
    columns = {}
    for header, column in _items(declared):
        line = declared["__lines__"][header]
        column = _strict(column, COLUMN_KEYS, {"field"}, where, f"column {header!r}")
        if not isinstance(column["field"], str):
            raise SpecError(f"{where} line {_line(column, 'field')}: the field of column {header!r} must be a name")
        derive = _derives(column.get("derive"), where, _line(column, "derive"), header)
        columns[str(header)] = _typed(FieldSpec, f"{where} line {line}: column {header!r}", column,
                                      field=column["field"], derive=derive)
    return columns


def _typed(kind: type, at: str, declared: dict, **given: Any) -> FieldSpec:
    """A FieldSpec (or Derive) of `declared`'s options (type, required, unit, codes, formats,
    allow_negative, on_invalid) and `given`; a SpecError `at` a spot if they do not fit."""
    ftype = declared.get("type", "text")
    if ftype not in FIELD_TYPES:
        raise SpecError(f"{at}: type {ftype!r} is not one of {', '.join(FIELD_TYPES)}")
    codes, formats = declared.get("codes"), declared.get("formats", [])
    if codes is not None and not isinstance(codes, dict):
        raise SpecError(f"{at}: codes must map each code to its value")
    if not (isinstance(formats, list) and all(isinstance(f, str) for f in formats)):
        raise SpecError(f"{at}: formats must be a list of date formats, such as [\"%Y.%m.%d\"]")
    for flag in ("required", "allow_negative"):
        if not isinstance(declared.get(flag, False), bool):
            raise SpecError(f"{at}: {flag} must be true or false")
    on_invalid = declared.get("on_invalid", "quarantine")
    try:
        return kind(type=ftype, required=declared.get("required", False), unit=declared.get("unit"),
                    codes={str(k): v for k, v in _items(codes)} if codes else None, formats=tuple(formats),
                    allow_negative=declared.get("allow_negative", False),
                    date_range=_date_range(declared.get("date_range")),
                    on_invalid="null" if on_invalid is None else on_invalid, **given)  # YAML's null is "null"
    except ValueError as exc:
        raise SpecError(f"{at}: {exc}") from exc


def _date_range(declared: Any) -> tuple[dt.date, dt.date] | None:
    """`date_range: [1800-01-01, 2199-12-31]` (YAML dates or ISO text); ValueError if it is not that."""
    if declared is None:
        return None
    try:
        if isinstance(declared, list) and len(declared) == 2:
            return tuple(day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)) for day in declared)
    except ValueError:
        pass
    raise ValueError(f"date_range must be [earliest, latest], two dates such as [1800-01-01, 2199-12-31]; "
                     f"got {declared!r}")


def _derives(declared: Any, where: str, line: int, header: str) -> tuple[Derive, ...]:
    """`derive: {valid_from: {split: "-", part: 0, type: date}, region: [2, 8]}`: typed fields cut
    from the column's text; `[start, end]` is the short form of a text slice."""
    if declared is None:
        return ()
    if not isinstance(declared, dict):
        raise SpecError(f"{where} line {line}: derive of column {header!r} must map field names to their cut")
    derives = []
    for name, cut in _items(declared):
        at = f"{where} line {declared['__lines__'][name]}: derive {name!r} of column {header!r}"
        if isinstance(cut, list):
            cut = {"slice": cut, "__lines__": {}, "__line__": declared["__lines__"][name]}
        cut = _strict(cut, DERIVE_KEYS, set(), where, f"derive {name!r} of column {header!r}")
        derives.append(_typed(Derive, at, cut, field=str(name), **_cut(cut, at)))
    return tuple(derives)


def _cut(declared: dict, at: str) -> dict[str, Any]:
    """The split (with part) or slice of a derive, checked."""
    split, part, piece = declared.get("split"), declared.get("part"), declared.get("slice")
    whole = lambda value: isinstance(value, int) and not isinstance(value, bool)  # noqa: E731
    if (split is None) == (piece is None):
        raise SpecError(f"{at} needs split: (with part:) or slice: [start, end], one of them")
    if split is not None and not (isinstance(split, str) and split):
        raise SpecError(f"{at}: split must be the separator's text, such as \"-\"")
    if part is not None and (split is None or not whole(part)):
        raise SpecError(f"{at}: part goes with split and is a whole number (0 the first piece, -1 the last)")
    if piece is not None and not (isinstance(piece, list) and len(piece) == 2 and all(map(whole, piece))
                                  and 0 <= piece[0] < piece[1]):
        raise SpecError(f"{at} must be [start, end], whole numbers with 0 <= start < end; got {piece!r}")
    return {"split": split, "part": part or 0, "slice": tuple(piece) if piece else None}


def _produced(columns: dict[str, FieldSpec]) -> dict[str, tuple[str, FieldSpec]]:
    """field → (the column it comes from, as a quarantine names it; its spec): columns and derives."""
    out = {}
    for header, column in columns.items():
        out[column.field] = (header, column)
        out.update({derive.field: (f"{header}→{derive.field}", derive) for derive in column.derive})
    return out


# --- row filters ---------------------------------------------------------------------------

def _when(declared: Any, where: str, line: Any, produced: dict) -> tuple[Condition, ...]:
    """`when: {registration_kind: 转移登记, status: {not: [撤回]}}`: the conditions a row must meet."""
    if declared is None:
        return ()
    if not isinstance(declared, dict) or not _items(declared):
        raise SpecError(f"{where} line {line}: when must map fields to values, such as {{registration_kind: 转移登记}}")
    conditions = []
    for name, test in _items(declared):
        at = f"{where} line {declared['__lines__'][name]}: when {name!r}"
        if name not in produced:
            raise SpecError(f"{at}: no column produces the field {name!r}")
        conditions.append(_condition(name, test, at, produced[name][1]))
    return tuple(conditions)


def _condition(name: str, test: Any, at: str, spec: FieldSpec) -> Condition:
    if not isinstance(test, dict):
        return Condition(name, "one_of", _texts(test, at, spec))
    keys = {key for key, _ in _items(test)}
    if keys == {"not"}:
        return Condition(name, "none_of", _texts(test["not"], at, spec))
    if keys == {"given"} and isinstance(test["given"], bool):
        return Condition(name, "given" if test["given"] else "blank")
    raise SpecError(f"{at} must be a value, a list of values, {{not: [values]}} or {{given: true}} (false: blank)")


def _texts(values: Any, at: str, spec: FieldSpec) -> tuple[str, ...]:
    """Values as a filter compares them: of the field's type, in their text form (`as_text`);
    a value the field can never hold is an error, not a filter that silently passes no row."""
    values = values if isinstance(values, list) else [values]
    if not values or any(value is None or isinstance(value, (dict, list)) for value in values):
        raise SpecError(f"{at}: compare with values (text, numbers, dates); a blank is {{given: false}}")
    try:
        texts = as_text(pa.array([_as_field_type(value, spec) for value in values], arrow_type(spec))).to_pylist()
    except (TypeError, ValueError, pa.ArrowException):
        raise SpecError(f"{at}: {values} are not all {spec.type} values (dates as 2024-01-31, numbers as "
                        "the column holds them once read, a code column's mapped values)") from None
    if spec.type == "code":
        known = as_text(pa.array(list(spec.codes.values()))).to_pylist()
        unknown = [text for text in texts if text not in known]
        if unknown:
            raise SpecError(f"{at}: {unknown} is not a value of the code column (it maps to {', '.join(known)}); "
                            "compare with the mapped value")
    return tuple(texts)


_CONDITION_TYPES = {"date": lambda value: value if isinstance(value, dt.date) else dt.date.fromisoformat(value),
                    "amount": float, "number": float, "percent": float, "integer": int}


def _as_field_type(value: Any, spec: FieldSpec) -> Any:
    """A filter's value as the field holds it: a date, a number, a code's mapped value, or text
    read as a cell of the column is (cleaned; a name simplified; an identifier checked)."""
    if isinstance(value, bool) != (spec.type == "bool") and spec.type != "code":
        raise ValueError(value)
    if spec.type in _CONDITION_TYPES:
        return _CONDITION_TYPES[spec.type](value)
    return value if spec.type in ("bool", "code") else FIELD_TYPES[spec.type](value, spec)


# --- node and relationship yields ----------------------------------------------------------

def _node_yield(item: Any, where: str, produced: dict) -> NodeYield:
    item = _strict(item, NODE_KEYS, {"role", "label", "id"}, where, "a node yield")
    line = item["__line__"]
    if item["label"] == PARTY:
        label, node_type = PARTY, None
    else:
        try:
            node_type = SCHEMA.node(item["label"])
        except KeyError as exc:
            raise SpecError(f"{where} line {line}: {exc.args[0]}") from exc
        label = node_type.label
    declared = node_type.props if node_type else tuple(Prop(name) for name in PARTY_PROPS)
    props = _props(item, where, label, declared, produced)
    ids = tuple(item["id"]) if isinstance(item["id"], list) else item["id"]
    for id_field in (ids if isinstance(ids, tuple) else (ids,)):
        if id_field not in produced:
            raise SpecError(f"{where} line {_line(item, 'id')}: id field {id_field!r} is not produced by any column")
    _check_keyed(label, node_type.key if node_type else None, ids, props, f"{where} line {_line(item, 'id')}")
    if label != PARTY and label not in ENTITY_LABELS and isinstance(ids, str):
        props.setdefault(node_type.key, ids)
    return NodeYield(item["role"], label, ids, props, _when(item.get("when"), where, _line(item, "when"), produced),
                     _register(item, node_type, where))


def _register(item: dict, node_type: NodeType | None, where: str) -> bool:
    """`register: true`: the source is the register of the yield's entities (an enterprise
    register, a household register, a real-estate register)."""
    register = item.get("register", False)
    if not isinstance(register, bool):
        raise SpecError(f"{where} line {_line(item, 'register')}: register must be true or false")
    if register and (node_type is None or REGISTERED not in node_type.props):
        kept = ", ".join(node.label for node in SCHEMA.nodes if REGISTERED in node.props)
        raise SpecError(f"{where} line {_line(item, 'register')}: a register is kept of {kept} only, "
                        f"not of {item['label']}")
    return register


def _check_keyed(label: str, key: str | None, ids: str | tuple[str, ...], props: dict[str, str], at: str) -> None:
    """A node yield that would name no node is an error: an entity's id field must fill a prop
    it is keyed by (a Contract may be keyed by an id list instead); another label's key is its id."""
    if label not in KEYED_BY:
        if key in props and props[key] != ids:
            raise SpecError(f"{at}: {label} is keyed by its id, so its {key} is the id field; "
                            f"drop {key} from props or make it {ids!r}")
        return
    if label == "Contract" and isinstance(ids, tuple):
        return
    first = ids if isinstance(ids, str) else ids[0]
    if not any(props.get(prop) == first for prop in KEYED_BY[label]):
        names = " or ".join(KEYED_BY[label])
        raise SpecError(f"{at}: a {label} is keyed by its {names}, and the id field {first!r} fills none of them, "
                        f"so the yield would name no {label}; add `{KEYED_BY[label][0]}: {first}` to its props")


def _rel_yield(item: Any, where: str, produced: dict, roles: dict[str, NodeYield]) -> RelYield:
    item = _strict(item, REL_KEYS, {"type", "from", "to"}, where, "a relationship yield")
    line = item["__line__"]
    for side in ("from", "to"):
        if item[side] not in roles:
            raise SpecError(f"{where} line {line}: relationship {side} role {item[side]!r} is not a node role")
    try:  # a Party end may be either label: both pairs must be declared
        for from_label in labels_of(roles[item["from"]].label):
            for to_label in labels_of(roles[item["to"]].label):
                rel_type = SCHEMA.check_pair(item["type"], from_label, to_label)
    except KeyError as exc:
        raise SpecError(f"{where} line {line}: {exc.args[0]}") from exc
    props = _props(item, where, rel_type.type, rel_type.props, produced)
    return RelYield(rel_type.type, item["from"], item["to"], props,
                    _when(item.get("when"), where, _line(item, "when"), produced))


def _props(item: dict, where: str, owner: str, declared: tuple[Prop, ...], produced: dict) -> dict[str, str]:
    """A yield's props (property → field or literal), each a property `owner` declares (provenance
    is the loader's) that its source can fill."""
    given = item.get("props") or {}
    if not isinstance(given, dict):
        raise SpecError(f"{where} line {_line(item, 'props')}: props must map properties to fields")
    by_name = {prop.name: prop for prop in declared}
    props = {}
    for name, source in _items(given):
        at = f"{where} line {given['__lines__'][name]}"
        if name not in by_name:
            raise SpecError(f"{at}: {owner} has no property {name!r} in the schema; "
                            f"declared: {', '.join(sorted(by_name))}")
        _check_source(owner, by_name[name], source, produced, at)
        props[name] = source
    return props


# The field types (as store types) each property type can be filled from; any value fills text.
_STORE_TYPES = {pa.string(): STRING, pa.int64(): INT, pa.float64(): FLOAT, pa.bool_(): BOOL, pa.date32(): DATE}
_FILLS = {INT: {INT}, FLOAT: {FLOAT, INT}, BOOL: {BOOL}, DATE: {DATE}, TIMESTAMP: {DATE}}
_HINTS = {INT: "type: integer", FLOAT: "type: amount, number or percent", BOOL: "type: bool (or a code table of "
          "true/false)", DATE: "type: date (with formats: if its dates are written unusually)",
          TIMESTAMP: "type: date"}


def _check_source(owner: str, prop: Prop, source: Any, produced: dict, at: str) -> None:
    if is_literal(source):
        try:
            literal_value(source, prop.type)
        except (KeyError, ValueError):
            raise SpecError(f"{at}: {owner}.{prop.name} is {prop.type} and the literal {source!r} is not one "
                            f"(a DATE is written \"=2024-01-31\", a BOOLEAN \"=true\")") from None
        return
    if not isinstance(source, str) or source not in produced:
        raise SpecError(f"{at}: field {source!r} is not produced by any column")
    column, spec = produced[source]
    if prop.type != STRING and _STORE_TYPES.get(arrow_type(spec)) not in _FILLS[prop.type]:
        raise SpecError(f"{at}: {owner}.{prop.name} is {prop.type} but field {source!r} (column {column!r}) is "
                        f"{spec.type}; give the column {_HINTS[prop.type]}")


def load_specs(directory: str | Path) -> list[SourceSpec]:
    """Every `*.yaml` spec in a folder, sorted by file name; datasets must be unique."""
    specs = [load_spec(p) for p in sorted(Path(directory).glob("*.yaml"))]
    seen: dict[str, Path] = {}
    for spec in specs:
        if spec.dataset in seen:
            raise SpecError(f"{spec.where('dataset')}: dataset {spec.dataset!r} is also declared in {seen[spec.dataset]}")
        seen[spec.dataset] = spec.path
    return specs
