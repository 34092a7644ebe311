"""check: is a delivery ready to load, and which rules can its specs serve? Reads files only.

A data officer connecting a new province's department exports runs it before a first load
(`crossaudit specs check ./region`). For each spec: the files it matches, their headers
against the declared columns, the encoding, and a sample of rows parsed exactly as the loader
would (`transform.check_rows`), with each column's failure rate and two failing values; the
files no spec matches; and for each rule whether the specs feed what it reads.

    reads = [(rule.id, rule_reads(rule.text)) for rule in load_rules()]
    report = check_delivery("region/", rules=reads)        # the shipped specs
    report.ok(), report.specs[0].files[0].columns[0].rate
    [r.missing for r in report.rules if not r.covered]

What the specs feed (`feeds`) is what their yields write, with what the pipeline fills itself
(`filled_by_pipeline`), and the literal values each property can take: a `"=lease"` literal, or a
code column's mapped values, narrowed by the `when:` filters of the yield and its spec. A yield
whose filters no row can pass (the spec's and the yield's wanting different values of one
field) feeds nothing, and neither does a relationship to it. Values of free-text columns cannot
be known in advance, so they never count for a literal a rule requires. Each requirement is
checked on its own: a rule needing a PARTY_TO with role 'lessor' to a Contract with kind 'lease'
is covered by one spec yielding the role and another the kind. Relationships resolution writes
(BRANCH_OF from linked records) do not count: only the specs' do.
"""
from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

import pyarrow as pa

from crossaudit.engine.schema import PARTY_LABELS, PROVENANCE_NAMES, REGISTERED, SCHEMA
from crossaudit.loaders.fields import FieldSpec, as_text
from crossaudit.loaders.fills import labels_of
from crossaudit.loaders.load import match_files
from crossaudit.loaders.readers import BrokenFile, detect_encoding, open_table
from crossaudit.loaders.spec import (
    PARTY, SHIPPED_SPECS, Condition, SourceSpec, SpecError, _produced, is_literal, load_spec, load_specs,
)
from crossaudit.loaders.transform import check_rows

if TYPE_CHECKING:  # the rules' side is read by engine.rules.reads; loaders never import the rules
    from crossaudit.engine.rules.reads import Owner, RelRead, RuleReads

SAMPLE_ROWS = 500
EXAMPLES = 2  # failing values shown per column


# --- files: headers, encoding, a parsed sample ----------------------------------------------

@dataclass
class ColumnCheck:
    column: str  # the header, or `<header>→<field>` for a derived field (as a quarantine names it)
    field: str
    type: str
    on_invalid: str  # quarantine: a failing cell quarantines its row; null: its value is dropped
    failed: int
    sampled: int
    examples: list[dict[str, Any]]  # [{"raw": …, "reason": …}], at most EXAMPLES

    @property
    def rate(self) -> float:
        return self.failed / self.sampled if self.sampled else 0.0


@dataclass
class FileCheck:
    file: str  # relative to the delivery folder
    encoding: str = ""  # as read: utf-8, utf-8-sig, gb18030 (for gbk too) or xlsx
    detected: str = ""  # what the bytes look like (auto detection), whatever the spec declares
    missing: list[str] = field(default_factory=list)  # declared columns the file lacks
    extra: list[str] = field(default_factory=list)  # columns the file has and the spec does not declare
    sampled: int = 0
    quarantined: int = 0  # sampled rows the loader would quarantine (it would drop exact duplicates first)
    malformed: int = 0  # sampled rows with more or fewer fields than the header
    columns: list[ColumnCheck] = field(default_factory=list)
    error: str | None = None  # the file cannot be read at all

    @property
    def ok(self) -> bool:
        return self.error is None and not self.missing


@dataclass
class SpecCheck:
    spec: str  # the spec file
    dataset: str | None = None
    files: list[FileCheck] = field(default_factory=list)
    error: str | None = None  # the spec cannot be used (SpecError)

    @property
    def ok(self) -> bool:
        return self.error is None and all(f.ok for f in self.files)


def _strict(column: FieldSpec) -> FieldSpec:
    """The column with every failing cell reported (none dropped by on_invalid: null), derives too."""
    return replace(column, on_invalid="quarantine", derive=tuple(_strict(d) for d in column.derive))


def check_file(path: Path, relative: str, spec: SourceSpec, sample: int = SAMPLE_ROWS) -> FileCheck:
    """Headers, encoding and the first `sample` rows of one file, checked against its spec."""
    report = FileCheck(relative, detected="xlsx" if spec.format == "xlsx" else detect_encoding(path))
    try:
        with open_table(path, spec.format, spec.encoding, spec.header_row, spec.sheet, spec.delimiter) as table:
            report.encoding = table.encoding
            rows = list(itertools.islice(table.rows(), sample))
            headers = table.headers
    except BrokenFile as exc:
        report.error = str(exc)
        return report
    report.missing = [h for h in spec.columns if h not in headers]
    report.extra = [h for h in headers if h not in spec.columns]
    present = replace(spec, columns={h: c for h, c in spec.columns.items() if h in headers})
    report.sampled = len(rows)
    report.quarantined = len(check_rows(present, headers, rows).quarantined)
    strict = check_rows(replace(present, columns={h: _strict(c) for h, c in present.columns.items()}), headers, rows)
    failed: Counter[str | None] = Counter()
    examples: dict[str | None, list[dict]] = defaultdict(list)
    for _, problems in strict.quarantined:
        for problem in problems:
            failed[problem.column] += 1
            if len(examples[problem.column]) < EXAMPLES:
                examples[problem.column].append({"raw": problem.raw_value, "reason": problem.reason})
    report.malformed = failed.pop(None, 0)
    report.columns = [ColumnCheck(name, column.field, column.type, column.on_invalid, failed[name], len(rows),
                                  examples[name])
                      for name, column in _produced(present.columns).values()]
    return report


# --- what a spec set feeds ------------------------------------------------------------------

Owned = str | tuple[str, str, str]  # a node label, or (relationship type, from label, to label)


@dataclass
class Feeds:
    """What a set of specs writes into the graph: labels, relationships between labels, the
    properties of each, and the literal values a property can take (in text form)."""

    labels: set[str] = field(default_factory=set)
    rels: set[tuple[str, str, str]] = field(default_factory=set)
    props: set[tuple[Owned, str]] = field(default_factory=set)
    values: dict[tuple[Owned, str], set[str]] = field(default_factory=lambda: defaultdict(set))


RECORDS = ("SourceRecord", "DESCRIBES")  # every loaded row, and its link to each node it names (transform.facts)


def filled_by_pipeline(label: str, props: Iterable[str]) -> set[str]:
    """What the pipeline writes on a node of `label` a yield fills `props` of, beside them: the key
    and provenance (transform.facts, the store); an Enterprise's name_norm and legal_form, from
    its name (transform.facts); the interest_group of enterprises and persons (written by
    `rules run`, engine/rules/groups.py); `registered`, set by a register's yield. A relationship (`label` its type): rid and provenance.
    A SourceRecord and its DESCRIBES: all of theirs."""
    declared = SCHEMA.node(label) if label in {n.label for n in SCHEMA.nodes} else SCHEMA.rel(label)
    if label in RECORDS:
        return {prop.name for prop in declared.all_props}
    if label not in {n.label for n in SCHEMA.nodes}:
        return {"rid", *PROVENANCE_NAMES}
    filled = {declared.key, *PROVENANCE_NAMES}
    if label == "Enterprise" and "name" in props:
        filled |= {"name_norm", "legal_form"}
    if label in PARTY_LABELS:
        filled.add("interest_group")
    if REGISTERED in declared.props:
        filled.add(REGISTERED.name)
    return filled


def _party_props(label: str, props: dict[str, str]) -> dict[str, str]:
    """A Party yield's props as the label's: code is an Enterprise's credit_code, a Person's id_number."""
    code = "credit_code" if label == "Enterprise" else "id_number"
    return {code if prop == "code" else prop: source for prop, source in props.items()}


def _values(source: str, produced: dict, conditions: tuple[Condition, ...]) -> set[str] | None:
    """The values (text form) a property filled from `source` can take on the rows that pass the
    conditions; None where any value may come (a free-text field)."""
    if is_literal(source):
        values: set[str] | None = {source[1:]}
    else:
        column = produced[source][1]
        values = set(as_text(pa.array(list(column.codes.values()))).to_pylist()) if column.type == "code" else None
    for condition in conditions:
        if is_literal(source) or condition.field != source:
            continue
        if condition.test == "one_of":
            values = set(condition.values) if values is None else values & set(condition.values)
        elif condition.test == "none_of" and values is not None:
            values -= set(condition.values)
        elif condition.test == "blank":
            values = set()
    return values


def _can_pass(conditions: tuple[Condition, ...], produced: dict) -> bool:
    """False when some field of the conditions can take no value that passes them all."""
    return all(condition.test in ("none_of", "blank") or _values(condition.field, produced, conditions) != set()
               for condition in conditions)


def feeds(specs: Iterable[SourceSpec]) -> Feeds:
    """What `specs` feed; see the module docstring."""
    out = Feeds()

    def fill(owner: Owned, props: dict[str, str], produced: dict, conditions: tuple[Condition, ...]) -> None:
        for prop, source in props.items():
            values = _values(source, produced, conditions)
            if values != set():
                out.props.add((owner, prop))
            if values:
                out.values[(owner, prop)] |= values
        out.props.update((owner, prop) for prop in filled_by_pipeline(
            owner if isinstance(owner, str) else owner[0], props))

    for spec in specs:
        produced = _produced(spec.columns)
        roles: dict[str, tuple[tuple[str, ...], tuple[Condition, ...]]] = {}
        for node in spec.nodes:
            conditions = spec.when + node.when
            if not _can_pass(conditions, produced):
                continue
            labels = PARTY_LABELS if node.label == PARTY else (node.label,)
            roles[node.role] = (labels, conditions)
            out.labels.add(RECORDS[0])
            fill(RECORDS[0], {}, produced, ())
            for label in labels:
                out.labels.add(label)
                out.rels.add((RECORDS[1], RECORDS[0], label))
                fill((RECORDS[1], RECORDS[0], label), {}, produced, ())
                fill(label, _party_props(label, node.props) if node.label == PARTY else node.props, produced,
                     conditions)
        for rel in spec.relationships:
            if rel.from_role not in roles or rel.to_role not in roles:
                continue  # an end no row yields: the relationship is never written
            (starts, start_when), (ends, end_when) = roles[rel.from_role], roles[rel.to_role]
            conditions = tuple(dict.fromkeys(spec.when + rel.when + start_when + end_when))
            if not _can_pass(conditions, produced):
                continue
            for start, end in itertools.product(starts, ends):
                out.rels.add((rel.type, start, end))
                fill((rel.type, start, end), rel.props, produced, conditions)
    return out


# --- rule coverage -------------------------------------------------------------------------

@dataclass
class RuleCoverage:
    rule: str
    missing: list[str]  # what the rule needs and no spec feeds, in plain words
    warnings: list[str]  # unfed properties the rule does without (`reads.PropRead.defaulted`)

    @property
    def covered(self) -> bool:
        return not self.missing


def _a(label: str) -> str:
    return ("an " if label[0] in "AEIOU" else "a ") + label


def _rel_words(read: RelRead) -> str:
    ends = (read.start or "any node", read.end or "any node")
    return f"{'|'.join(read.types)} " + (f"from {ends[0]} to {ends[1]}" if read.directed
                                          else f"between {ends[0]} and {ends[1]}")


def _rel_owners(read: RelRead, fed: Feeds) -> list[tuple[str, str, str]]:
    def fits(want: str | None, got: str) -> bool:
        return want is None or want == got

    return [owner for owner in sorted(fed.rels) if owner[0] in read.types and (
        (fits(read.start, owner[1]) and fits(read.end, owner[2]))
        or (not read.directed and fits(read.start, owner[2]) and fits(read.end, owner[1])))]


def _owners(owner: Owner, fed: Feeds) -> list[Owned]:
    """The fed labels or relationships a rule's variable may be."""
    if isinstance(owner, tuple):
        return [label for label in owner if label in fed.labels]
    return _rel_owners(owner, fed)


def _owner_words(owner: Owner) -> str:
    return " or ".join(map(_a, owner)) if isinstance(owner, tuple) else _rel_words(owner)


def rule_coverage(rule: str, reads: RuleReads, fed: Feeds) -> RuleCoverage:
    """Whether `fed` holds what a rule reads (`engine.rules.reads.rule_reads`): its labels,
    relationships between their labels, literal values and properties. A property or value of
    a label or relationship nobody feeds is not repeated: the label or relationship is named.
    Of the rule's NOT EXISTS subqueries (its ways of clearing a candidate) one fed is enough;
    the others are warnings, and none fed is missing."""
    missing, warnings = _unfed(reads, fed)
    for group, what in ((reads.alternatives, "ways of clearing a candidate (NOT EXISTS)"),
                        (reads.optionals, "optional reads (OPTIONAL MATCH)")):
        unfed = [_unfed(alternative, fed)[0] for alternative in group]
        if unfed and all(unfed):
            missing.append(f"none of the rule's {len(unfed)} {what} is fed: " + "; ".join(u[0] for u in unfed))
        else:
            warnings += [f"one of the rule's {what} is not fed (another is): {u[0]}" for u in unfed if u]
    return RuleCoverage(rule, list(dict.fromkeys(missing)), list(dict.fromkeys(warnings)))


def _unfed(reads: RuleReads, fed: Feeds) -> tuple[list[str], list[str]]:
    """(missing, warnings) of what `reads` needs outside its alternatives."""
    missing = [f"no spec yields {_a(label)}" for label in reads.labels if label not in fed.labels]
    missing += [f"no spec yields {_rel_words(read)}" for read in reads.rels if not _rel_owners(read, fed)]
    for read in reads.values:
        owners = _owners(read.owner, fed)
        if owners and not any(read.value in fed.values.get((owner, read.prop), ()) for owner in owners):
            missing.append(f"no spec yields {_owner_words(read.owner)} with {read.prop} '{read.value}'")
    warnings = []
    for read in reads.props:
        owners = _owners(read.owner, fed)
        if owners and not any((owner, read.prop) in fed.props for owner in owners):
            where = " or ".join(f"{owner if isinstance(owner, str) else owner[0]}.{read.prop}"
                                for owner in dict.fromkeys(owners))
            if read.defaulted:
                warnings.append(f"no spec fills {where} (read only where the rule does without it: "
                                "OPTIONAL MATCH, coalesce(), IS NULL)")
            else:
                missing.append(f"no spec fills {where}")
    return missing, warnings


# --- the whole delivery --------------------------------------------------------------------

@dataclass
class DeliveryCheck:
    directory: str
    specs_dir: str
    sample: int
    specs: list[SpecCheck] = field(default_factory=list)
    unmatched: list[str] = field(default_factory=list)
    rules: list[RuleCoverage] = field(default_factory=list)
    error: str | None = None  # the spec set as a whole: a dataset declared twice, a file two specs match
    notes: list[str] = field(default_factory=list)  # what loads but may not load as meant (`register_notes`)

    def ok(self, strict: bool = False) -> bool:
        """Ready to load: every spec usable, every matched file readable with every declared
        column; with `strict`, every rule covered too."""
        return (self.error is None and all(s.ok for s in self.specs)
                and (not strict or all(r.covered for r in self.rules)))

    def to_json(self) -> dict:
        specs = {}
        for spec in self.specs:
            files = [{**{k: v for k, v in asdict(f).items() if k != "columns"}, "ok": f.ok,
                      "columns": {c.column: {"field": c.field, "type": c.type, "on_invalid": c.on_invalid,
                                             "failed": c.failed, "rate": round(c.rate, 4), "examples": c.examples}
                                  for c in f.columns}} for f in spec.files]
            specs[Path(spec.spec).name] = {"spec": spec.spec, "dataset": spec.dataset, "error": spec.error,
                                           "ok": spec.ok, "files": files}
        return {"directory": self.directory, "specs_dir": self.specs_dir, "sample": self.sample, "error": self.error,
                "ok": self.ok(), "specs": specs, "unmatched": self.unmatched,
                "rules": {r.rule: {"covered": r.covered, "missing": r.missing, "warnings": r.warnings}
                          for r in self.rules}, "notes": self.notes}


def register_notes(specs: Iterable[SourceSpec]) -> list[str]:
    """A note for each label a register may keep (Enterprise, Person, Property) that several
    specs write and none marks `register: true`: where their copies disagree (a name misspelt in
    a permit), the file loaded last gives the value."""
    notes = []
    for node in SCHEMA.nodes:
        if REGISTERED not in node.props:
            continue
        yields = [(spec, mention) for spec in specs for mention in spec.nodes if node.label in labels_of(mention.label)]
        writers = sorted({spec.dataset for spec, _ in yields})
        if len(writers) > 1 and not any(mention.register for _, mention in yields):
            notes.append(f"no {node.label} yield is marked `register: true`: where the {len(writers)} specs "
                         f"that write {node.label} ({', '.join(writers[:4])}{' …' if len(writers) > 4 else ''}) "
                         f"disagree, the file loaded last gives the value; mark the yield of the department that "
                         f"keeps the register")
    return notes


def _usable_specs(specs_dir: Path) -> tuple[list[SourceSpec], list[SpecCheck], str | None]:
    """(the usable specs, a SpecCheck of each spec file, an error of the set as a whole)."""
    try:
        specs = load_specs(specs_dir)
        return specs, [SpecCheck(str(s.path), s.dataset) for s in specs], None
    except SpecError as exc:
        set_error = str(exc)
    specs, checks = [], []
    for path in sorted(specs_dir.glob("*.yaml")):
        try:
            specs.append(load_spec(path))
            checks.append(SpecCheck(str(path), specs[-1].dataset))
        except SpecError as exc:
            checks.append(SpecCheck(str(path), error=str(exc)))
    return specs, checks, None if any(c.error for c in checks) else set_error


def check_delivery(directory: str | Path, specs_dir: str | Path | None = None,
                   rules: Iterable[tuple[str, RuleReads]] = (), sample: int = SAMPLE_ROWS) -> DeliveryCheck:
    """Check every file under `directory` against the specs in `specs_dir` (default: the shipped
    specs), and each rule of `rules` (id, what it reads) against what the specs feed."""
    directory, specs_dir = Path(directory), Path(specs_dir or SHIPPED_SPECS)
    if not directory.is_dir():
        raise FileNotFoundError(f"{directory} is not a folder")
    specs, checks, error = _usable_specs(specs_dir)
    report = DeliveryCheck(str(directory), str(specs_dir), sample, checks, error=error)
    try:
        matched, report.unmatched = match_files(directory, specs)
    except SpecError as exc:  # a file several specs match
        report.error, matched = str(exc), []
    by_spec = {str(c.spec): c for c in checks}
    for path, spec in matched:
        relative = path.relative_to(directory).as_posix()
        by_spec[str(spec.path)].files.append(check_file(path, relative, spec, sample))
    fed = feeds(specs)
    report.rules = [rule_coverage(rule, reads, fed) for rule, reads in rules]
    report.notes = register_notes(specs)
    return report
