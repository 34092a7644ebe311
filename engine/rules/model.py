"""Rule files: one Cypher check per `.cypher` file, its metadata a YAML header in a leading comment.

The header is a YAML block inside the file's first `/* … */` comment, so the file runs as it is
in Neo4j Browser. It is validated strictly: an unknown key, a missing key or a wrong value is
an error naming the file and line.

    /*
    id: land-transfer-without-deed-tax       # kebab-case, the file's name
    title: Land grant with no deed tax declared
    title_zh: 土地出让未申报契税             # title and description in Chinese too, as a tax
    pack: unreported-transactions            # the folder the file is in
    severity: high                           # low | medium | high | critical
    tax: [deed_tax]
    description: A land grant contract whose buyer declared no deed tax for it.
    description_zh: 受让方签订国有建设用地使用权出让合同后未申报缴纳契税。  # inspector reads them
    basis: 契税法 第一条, 第三条, 第九条         # the law the rule checks, with article numbers
    sources: [nr_land_transfers, tax_deed_tax]   # the datasets (exports) it relies on
    identity: [contract_no]                  # the columns that make one finding unique
    entities: {buyer: Enterprise, contract: Contract}  # columns holding keys of flagged entities
                                             # (Party: an Enterprise or a Person, whichever the key is)
    office: [region_code, buyer]             # columns tried in order for the competent tax office
    amount: price                            # the column with the amount (yuan)
    tax_at_risk: tax_at_risk                 # the column with the estimated tax at risk (yuan)
    params: {deed_tax_rate: 0.03}            # parameters ($deed_tax_rate) with their defaults
    precompute: []                           # steps the rule needs first: interest_groups
                                             # (it reads the rule's control_share parameter)
    version: 1
    */
    MATCH (buyer:Enterprise)-[:PARTY_TO {role: 'buyer'}]->(c:Contract {kind: 'land_transfer'}) …

Parameter defaults are numbers, strings, booleans, lists, dates (2023-01-01, or `today`: the
day the rule runs) or durations written `10 days` (passed to the engines as a duration
parameter, so `c.signed_on + $grace <= $as_of` runs on both).

A window is taken from the data, not fixed in the rule: the defaults

    latest_full_year.start        # the first day of the data's latest full calendar year (a date)
    latest_full_year.end          # its last day (a date)
    latest_full_year.first_month  # its first month, '2023-01' (compared with YYYY-MM periods)
    latest_full_year.last_month   # its last month, '2023-12'

    earliest_filing.deed_tax      # the earliest day a deed tax filing covers or was filed on: how
                                  # far back the returns reach (earliest_filing.<any tax type>)
    latest_filing.deed_tax        # the latest day one was filed on or covers: how far forward they
                                  # reach (latest_filing.<any tax type>; today when there is none)
    latest_invoice                # the latest day an invoice held was issued on: how far forward the
                                  # invoices delivered reach (today when there is none)

are resolved by the runner from the store before the run: the latest full year is the last
calendar year whose December every monthly source holds (returns, electricity, social
insurance; `engine.rules.runner.latest_full_year`); a transaction older than the earliest
filing of its tax cannot be checked against the returns delivered, nor one whose grace period
ends after the latest (the data's `as_of`, not the day the rule runs). `--param
from_date=2022-01-01` overrides them like any default.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml

from crossaudit.engine.rules.cypher import code_only, line_of, parameters, return_columns, strip_comments
from crossaudit.engine.schema import SCHEMA

SEVERITIES = ("low", "medium", "high", "critical")
TAX_TYPES = (
    "vat", "enterprise_income_tax", "individual_income_tax", "property_tax", "stamp_duty", "land_vat",
    "environmental_protection_tax", "deed_tax", "urban_land_use_tax", "urban_maintenance_tax",
    "consumption_tax", "resource_tax", "vehicle_vessel_tax", "farmland_occupation_tax",
)
# step → the rule parameters it reads (declared in the rule's params, not used by its query)
PRECOMPUTE_STEPS: dict[str, tuple[str, ...]] = {"interest_groups": ("control_share",)}
DATA_WINDOW = "latest_full_year"
DATA_DEFAULTS = {f"{DATA_WINDOW}.{part}": kind for part, kind in (
    ("start", "date"), ("end", "date"), ("first_month", "month"), ("last_month", "month"))}
DATA_DEFAULTS.update({f"{bound}_filing.{tax}": "date" for tax in TAX_TYPES for bound in ("earliest", "latest")})
DATA_DEFAULTS["latest_invoice"] = "date"
FLAGGABLE = tuple(b for _, b in SCHEMA.rel("FLAGS").pairs) + ("Party",)  # Party: Enterprise or Person
ID_PATTERN = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
NAME_PATTERN = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
DURATION_PATTERN = re.compile(r"^\s*(\d+)\s*days?\s*$")
HEADER_PATTERN = re.compile(r"\A\s*/\*(.*?)\*/", re.S)
CHINESE = re.compile(r"[\u4e00-\u9fff]")
# A line break a folded YAML block turns into a space between two Chinese characters or marks.
_WIDE_SPACE = re.compile(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]) (?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef])")

# key → (required, what it must be)
HEADER_KEYS: dict[str, tuple[bool, str]] = {
    "id": (True, "the rule id, kebab-case, equal to the file name"),
    "title": (True, "a one-line title"),
    "title_zh": (True, "the title in Chinese, as a tax inspector reads it (契税, 增值税 …)"),
    "pack": (True, "the pack, equal to the folder name"),
    "severity": (True, "one of " + ", ".join(SEVERITIES)),
    "tax": (True, "a list of tax types"),
    "description": (True, "what the rule finds and why it matters"),
    "description_zh": (True, "the description in Chinese, in the tax terms of the law it checks"),
    "basis": (True, "the law the rule checks, with article numbers (法 第N条; 公告 号 第N条)"),
    "sources": (True, "a list of the datasets the rule relies on"),
    "identity": (True, "a non-empty list of result columns"),
    "entities": (True, "a mapping result column → label of the flagged entity"),
    "office": (True, "a list of result columns: entity columns or region codes"),
    "amount": (True, "the result column with the amount"),
    "tax_at_risk": (True, "the result column with the tax at risk"),
    "params": (False, "a mapping parameter → default"),
    "precompute": (False, "a list of steps among " + ", ".join(PRECOMPUTE_STEPS)),
    "version": (True, "a positive integer"),
}


class RuleError(ValueError):
    """A rule file that cannot be used; the message names the file and line."""


@dataclass(frozen=True)
class Rule:
    """One parsed and validated rule file."""

    id: str
    title: str
    title_zh: str
    pack: str
    severity: str
    tax: tuple[str, ...]
    description: str
    description_zh: str
    basis: str
    sources: tuple[str, ...]
    identity: tuple[str, ...]
    entities: dict[str, str]
    office: tuple[str, ...]
    amount: str
    tax_at_risk: str
    params: dict[str, Any]
    precompute: tuple[str, ...]
    version: int
    path: Path
    text: str = field(repr=False)  # the whole file: it runs as it is

    @property
    def declared_columns(self) -> tuple[str, ...]:
        """Every result column the header names; the query must return each of them."""
        names = [*self.identity, *self.entities, *self.office, self.amount, self.tax_at_risk]
        return tuple(dict.fromkeys(names))

    @property
    def test_path(self) -> Path:
        return self.path.with_suffix(".test.yaml")

    def summary(self) -> dict[str, Any]:
        """The rule as `crossaudit rules list --format json` shows it."""
        return {"id": self.id, "pack": self.pack, "severity": self.severity, "title": self.title,
                "title_zh": self.title_zh,
                "tax": list(self.tax), "basis": self.basis, "version": self.version, "sources": list(self.sources),
                "params": {k: param_text(v) for k, v in self.params.items()}, "path": str(self.path)}


def param_text(value: Any) -> Any:
    """A parameter value as the header writes it (durations as `N days`, dates as ISO text)."""
    if isinstance(value, dt.timedelta):
        return f"{value.days} days"
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def chinese_text(text: str) -> str:
    """Text written over several header lines, as one line: no space left between two Chinese
    characters (a folded line break), one space elsewhere.

    >>> chinese_text("受让方签订出让合同后\\n未申报契税， 超过 90 日。")
    '受让方签订出让合同后未申报契税，超过 90 日。'
    """
    return _WIDE_SPACE.sub("", " ".join(text.split()))


def parse_param(value: Any) -> Any:
    """A header or command-line parameter value as the engines take it: `'10 days'` → timedelta,
    `'today'` → today's date."""
    if value == "today":
        return dt.date.today()
    if isinstance(value, str):
        match = DURATION_PATTERN.match(value)
        if match:
            return dt.timedelta(days=int(match.group(1)))
    return value


def _fail(path: Path, line: int, message: str) -> RuleError:
    return RuleError(f"{path}:{line}: {message}")


def _header(path: Path, text: str) -> tuple[dict, dict[str, int], int]:
    """The header mapping, the file line of each key, and the line the header starts on."""
    match = HEADER_PATTERN.match(text)
    if not match:
        raise _fail(path, 1, "the file must start with a /* … */ comment holding the YAML header")
    first_line = text[:match.start(1)].count("\n") + 1
    try:
        node = yaml.compose(match.group(1))
        data = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = first_line + (mark.line if mark else 0)
        raise _fail(path, line, f"the header is not valid YAML: {getattr(exc, 'problem', exc)}") from exc
    if not isinstance(data, dict) or node is None:
        raise _fail(path, first_line, "the header must be a YAML mapping (key: value lines)")
    lines = {key.value: first_line + key.start_mark.line for key, _ in node.value}
    return data, lines, first_line


def _string_list(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list) and value and all(isinstance(v, str) and v for v in value):
        return tuple(value)
    return None


def parse_rule(path: Path) -> Rule:
    """Read and validate one rule file; a RuleError names the file and line of any problem."""
    path = Path(path)
    text = path.read_text(encoding="utf-8")
    data, lines, first_line = _header(path, text)
    for key in data:
        if key not in HEADER_KEYS:
            raise _fail(path, lines.get(key, first_line),
                        f"unknown header key {key!r}; allowed: {', '.join(HEADER_KEYS)}")
    for key, (required, _) in HEADER_KEYS.items():
        if required and data.get(key) in (None, "", [], {}):
            raise _fail(path, first_line, f"the header lacks {key!r} ({HEADER_KEYS[key][1]})")

    def bad(key: str, why: str = "") -> RuleError:
        return _fail(path, lines[key], f"{key}: {why or 'must be ' + HEADER_KEYS[key][1]}, got {data[key]!r}")

    for key in ("id", "title", "title_zh", "pack", "description", "description_zh", "basis", "amount", "tax_at_risk"):
        if not isinstance(data[key], str):
            raise bad(key)
    for key in ("title_zh", "description_zh"):
        if not CHINESE.search(data[key]):
            raise bad(key, f"must be {HEADER_KEYS[key][1]}, written in Chinese characters")
    if not ID_PATTERN.match(data["id"]):
        raise bad("id")
    if data["id"] != path.name.removesuffix(".cypher"):
        raise bad("id", f"must equal the file name {path.name.removesuffix('.cypher')!r}")
    if data["pack"] != path.parent.name:
        raise bad("pack", f"must equal the folder name {path.parent.name!r}")
    if data["severity"] not in SEVERITIES:
        raise bad("severity")
    taxes = _string_list(data["tax"])
    if taxes is None or set(taxes) - set(TAX_TYPES):
        raise bad("tax", "must list tax types among " + ", ".join(TAX_TYPES))
    sources = _string_list(data["sources"])
    identity = _string_list(data["identity"])
    office = _string_list(data["office"])
    for key, value in (("sources", sources), ("identity", identity), ("office", office)):
        if value is None:
            raise bad(key)
    entities = data["entities"]
    if not isinstance(entities, dict) or not all(isinstance(k, str) for k in entities):
        raise bad("entities")
    for column, label in entities.items():
        if label not in FLAGGABLE:
            raise bad("entities", f"column {column!r} names {label!r}; a finding flags one of {', '.join(FLAGGABLE)}")
    params = data.get("params") or {}
    if not isinstance(params, dict) or not all(isinstance(k, str) and NAME_PATTERN.match(k) for k in params):
        raise bad("params")
    precompute = _string_list(data["precompute"]) if data.get("precompute") else ()
    if precompute is None or set(precompute) - set(PRECOMPUTE_STEPS):
        raise bad("precompute")
    for step in precompute:
        if set(PRECOMPUTE_STEPS[step]) - set(params):
            raise bad("precompute", f"step {step!r} reads the parameter(s) {list(PRECOMPUTE_STEPS[step])}: "
                      "declare them under params")
    if not isinstance(data["version"], int) or isinstance(data["version"], bool) or data["version"] < 1:
        raise bad("version")
    for column in (*identity, *entities, *office, data["amount"], data["tax_at_risk"]):
        if not NAME_PATTERN.match(column):
            raise _fail(path, first_line, f"column {column!r} is not a plain Cypher name")
    rule = Rule(
        id=data["id"], title=data["title"].strip(), title_zh=data["title_zh"].strip(), pack=data["pack"],
        severity=data["severity"], tax=taxes, description=" ".join(data["description"].split()),
        description_zh=chinese_text(data["description_zh"]), basis=" ".join(data["basis"].split()),
        sources=sources, identity=identity,
        entities=dict(entities), office=office, amount=data["amount"], tax_at_risk=data["tax_at_risk"],
        params={k: parse_param(v) for k, v in params.items()}, precompute=tuple(precompute),
        version=data["version"], path=path, text=text)
    _check_query(rule, first_line)
    return rule


# Clauses that write, load files or change the database (Neo4j and Ladybug): a rule only reads.
WRITE_CLAUSE = re.compile(
    r"(?<![\w$.`])(CREATE|MERGE|SET|DELETE|DETACH|REMOVE|LOAD|FOREACH|COPY|DROP|ALTER|INSTALL|ATTACH|EXPORT|"
    r"IMPORT|CHECKPOINT|BEGIN|COMMIT|ROLLBACK|IN\s+TRANSACTIONS|CALL\s+[A-Za-z_][\w.]*\s*\()(?![\w$])", re.I)


def write_clauses(text: str) -> list[tuple[int, str]]:
    """(line, clause) of every clause in a query that is not a read (strings and comments aside).

    >>> write_clauses("MATCH (f:Finding)\nSET f.office_code = 'x' // CREATE\nRETURN f")
    [(2, 'SET')]
    """
    code = code_only(text)
    return [(line_of(code, m.start()), " ".join(m.group(1).rstrip("(").split())) for m in WRITE_CLAUSE.finditer(code)]


def _check_query(rule: Rule, header_line: int) -> None:
    """The query only reads, returns the declared columns and uses exactly the declared parameters."""
    body = strip_comments(rule.text)
    if not body.strip():
        raise _fail(rule.path, header_line, "the file has a header but no query")
    writes = write_clauses(rule.text)
    if writes:
        line, clause = writes[0]
        raise _fail(rule.path, line, f"{clause}: a rule only reads the graph; clauses that write, load files, call "
                    "procedures or change the database are refused")
    for branch, columns in enumerate(return_columns(body), start=1):
        missing = [c for c in rule.declared_columns if c not in columns]
        if missing:
            raise _fail(rule.path, header_line,
                        f"the query's RETURN{f' (UNION branch {branch})' if branch > 1 else ''} lacks the declared "
                        f"column(s) {missing}; it returns {columns}")
    used = parameters(body) | {name for step in rule.precompute for name in PRECOMPUTE_STEPS[step]}
    if used - set(rule.params):
        raise _fail(rule.path, header_line, f"the query uses undeclared parameter(s) {sorted(used - set(rule.params))}; "
                    "declare them under params with a default")
    if set(rule.params) - used:
        raise _fail(rule.path, header_line, f"declared parameter(s) {sorted(set(rule.params) - used)} are never used")


def rule_files(directory: Path) -> list[Path]:
    """Every `<pack>/<rule>.cypher` under `directory`, sorted."""
    return sorted(p for p in Path(directory).glob("*/*.cypher") if p.is_file())


def shipped_rules_dir() -> Path:
    """The folder of the packs shipped with crossaudit (`rules/`, the package crossaudit.rules)."""
    import crossaudit.rules

    return Path(crossaudit.rules.__file__).resolve().parent


@lru_cache(maxsize=1)
def chinese_texts() -> dict[str, tuple[str, str]]:
    """Rule id → (title_zh, description_zh) of the shipped rules, read once: what the inspector's
    pages and case reports show of a finding's rule.

    >>> chinese_texts()["land-transfer-without-deed-tax"][0]
    '土地出让未申报契税'
    """
    return {rule.id: (rule.title_zh, rule.description_zh) for rule in load_rules()}


def load_rules(*directories: Path | str, include_shipped: bool = True, pack: str | None = None,
               rule_ids: tuple[str, ...] | list[str] = ()) -> list[Rule]:
    """The rules of the shipped packs and of `directories`, optionally one pack or some ids.

    >>> [r.id for r in load_rules(pack="invoicing")][:1]
    ['circular-invoicing-ring']
    """
    folders = ([shipped_rules_dir()] if include_shipped else []) + [Path(d) for d in directories]
    rules: dict[str, Rule] = {}
    for folder in folders:
        if not folder.is_dir():
            raise RuleError(f"{folder}: no such rules folder")
        for path in rule_files(folder):
            rule = parse_rule(path)
            if rule.id in rules:
                raise RuleError(f"{path}:1: rule id {rule.id!r} is already defined in {rules[rule.id].path}")
            rules[rule.id] = rule
    selected = [r for r in rules.values() if pack is None or r.pack == pack]
    if pack is not None and not selected:
        raise RuleError(f"no pack {pack!r}; packs: {', '.join(sorted({r.pack for r in rules.values()}))}")
    unknown = set(rule_ids) - set(rules)
    if unknown:
        raise RuleError(f"unknown rule id(s) {sorted(unknown)}; see `crossaudit rules list`")
    if rule_ids:
        selected = [r for r in selected if r.id in rule_ids]
    return sorted(selected, key=lambda r: (r.pack, r.id))
