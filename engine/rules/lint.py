"""`crossaudit rules lint`: non-portable Cypher and names the schema does not declare.

The portability checks are the list in STYLE.md ("Portable Cypher"): what runs on Neo4j 5 but
not on Ladybug, or gives different answers there. The schema checks catch a label,
relationship type or property that would silently match nothing.

    >>> [i.code for i in lint_text("MATCH (a:Enterprise)-[:ISSUED*1..3]->(b) RETURN a.uid AS a")]
    ['variable-length']
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from crossaudit.engine.rules.cypher import branch_spans, code_only, line_of
from crossaudit.engine.rules.model import RuleError, parse_rule, rule_files
from crossaudit.engine.schema import SCHEMA


@dataclass(frozen=True)
class LintIssue:
    path: str
    line: int
    code: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.code}: {self.message}"


_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
NODE = (rf"\(\s*(?P<var>{_NAME})?\s*(?P<labels>(?::\s*{_NAME}\s*)*)"
        rf"(?P<props>\{{[^{{}}]*\}})?\s*\)")
REL = (rf"(?P<left><)?-\s*(?:\[\s*(?P<var>{_NAME})?\s*(?::\s*(?P<types>{_NAME}(?:\s*\|\s*:?\s*{_NAME})*))?\s*"
       rf"(?P<star>\*[^\]{{]*)?\s*(?P<props>\{{[^{{}}]*\}})?\s*\])?\s*-(?P<right>>)?")
_BARE_NODE = re.sub(r"\?P<\w+>", "?:", NODE)
_BARE_REL = re.sub(r"\?P<\w+>", "?:", REL)
CHAIN = re.compile(rf"{_BARE_NODE}(?:\s*{_BARE_REL}\s*{_BARE_NODE})+")
NODE_RE, REL_RE = re.compile(NODE), re.compile(REL)
LABELS = {n.label for n in SCHEMA.nodes}
REL_TYPES = {r.type for r in SCHEMA.rels}

# (code, pattern, message): constructs that are not portable between Ladybug and Neo4j.
FORBIDDEN = (
    ("count-subquery", r"\bCOUNT\s*\{", "subqueries are not portable: use EXISTS { MATCH … } or an aggregation"),
    ("call-subquery", r"\bCALL\b", "subqueries and procedures are not portable"),
    ("list-comprehension", rf"\[\s*{_NAME}\s+IN\b", "…: list comprehensions are not portable"),
    ("pattern-comprehension", r"\[\s*\(", "…: pattern comprehensions are not portable"),
    ("list-slice", r"\[\s*-?\d*\s*\.\.", "…: list slicing is not portable"),
    ("offset-function", r"\b(substring|left|right)\s*\(",
     "…): substring/left/right offsets are 1-based on Ladybug and 0-based on Neo4j"),
    ("function", r"\b(type|toString|split|reduce|elementId|id|datetime|localdatetime|duration|shortestPath|"
                 r"allShortestPaths|labels|keys|properties|randomUUID|rand)\s*\(",
     "…): this function is missing on one engine or behaves differently there"),
    ("duration", r"\bduration\s*\.", "…: duration functions are not portable: pass a duration parameter ('10 days')"),
    ("map-projection", rf"\b{_NAME}\s*\{{\s*\.", "…}: map projections are not portable"),
    ("today", r"\bdate\s*\(\s*\)", "date() depends on when the rule runs: take the date as a parameter (as_of: today)"),
)


def _issue(path: str, code_text: str, offset: int, code: str, message: str) -> LintIssue:
    return LintIssue(path, line_of(code_text, offset), code, message)


def _labels(text: str) -> list[str]:
    return re.findall(_NAME, text or "")


def bindings(branch: str) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """The variables of one query branch bound to a declared label, and to declared relationship types:
    `bindings("MATCH (e:Enterprise)-[s:ISSUED]->(i)")` → `({'e': 'Enterprise'}, {'s': ('ISSUED',)})`."""
    node_vars: dict[str, str] = {}
    rel_vars: dict[str, tuple[str, ...]] = {}
    for node in NODE_RE.finditer(branch):
        labels = _labels(node.group("labels"))
        if labels and labels[0] in LABELS and node.group("var"):
            node_vars[node.group("var")] = labels[0]
    for rel in REL_RE.finditer(branch):
        known = tuple(t for t in _labels(rel.group("types")) if t in REL_TYPES)
        if rel.group("var") and known:
            rel_vars[rel.group("var")] = known
    return node_vars, rel_vars


def _check_patterns(path: str, code: str, branch_start: int, branch: str) -> list[LintIssue]:
    """Multi-hop naming and reuse, variable length, labels and types."""
    issues: list[LintIssue] = []

    def at(offset: int, kind: str, message: str) -> None:
        issues.append(_issue(path, code, branch_start + offset, kind, message))

    for node in NODE_RE.finditer(branch):
        labels = _labels(node.group("labels"))
        if len(labels) > 1:
            at(node.start(), "multi-label", f"one label per node (found {':'.join(labels)})")
        for label in labels:
            if label not in LABELS:
                at(node.start(), "unknown-label", f"label {label!r} is not declared in engine/schema.py")
        if labels and labels[0] in LABELS:
            if node.group("props"):
                _check_map(node.group("props"), labels[0], lambda m, o=node.start(): at(o, "unknown-property", m))
    for chain in CHAIN.finditer(branch):
        rels = list(REL_RE.finditer(branch, chain.start(), chain.end()))
        for rel in rels:
            if len(rels) > 1 and not rel.group("var"):
                at(rel.start(), "unnamed-relationship",
                   "name every relationship in a multi-hop pattern and exclude reuse (r1 <> r2)")
        named = [(r.group("var"), tuple(_labels(r.group("types")))) for r in rels if r.group("var")]
        for i, (a, types_a) in enumerate(named):
            for b, types_b in named[i + 1:]:
                shared = not types_a or not types_b or set(types_a) & set(types_b)
                if shared and not re.search(rf"\b{a}\s*<>\s*{b}\b|\b{b}\s*<>\s*{a}\b", code):
                    at(chain.start(), "relationship-reuse",
                       f"{a} and {b} may match the same relationship: add WHERE {a} <> {b}")
    for rel in REL_RE.finditer(branch):
        if rel.group("star"):
            at(rel.start(), "variable-length", "no variable-length patterns: write fixed-length branches")
        types = _labels(rel.group("types"))
        for rel_type in types:
            if rel_type not in REL_TYPES:
                at(rel.start(), "unknown-relationship", f"relationship type {rel_type!r} is not declared")
        known = tuple(t for t in types if t in REL_TYPES)
        if known and rel.group("props"):
            _check_map(rel.group("props"), known, lambda m, o=rel.start(): at(o, "unknown-property", m))
    return issues


def _props_of(owner: str | tuple[str, ...]) -> set[str]:
    if isinstance(owner, str):
        return {p.name for p in SCHEMA.node(owner).all_props}
    return {p.name for t in owner for p in SCHEMA.rel(t).all_props}


def _check_map(props: str, owner, report) -> None:
    for key in re.findall(rf"({_NAME})\s*:", props):
        if key not in _props_of(owner):
            report(f"property {key!r} is not declared on {owner if isinstance(owner, str) else '|'.join(owner)}")


def lint_text(text: str, path: str = "<query>") -> list[LintIssue]:
    """Problems in one query's text (comments and strings ignored)."""
    code = code_only(text)
    issues: list[LintIssue] = []
    for kind, pattern, message in FORBIDDEN:
        for match in re.finditer(pattern, code, re.I):
            issues.append(_issue(path, code, match.start(), kind, f"{' '.join(match.group().split())} {message}"))
    for match in re.finditer(r"\bsum\s*\(", code, re.I):
        if not re.search(r"coalesce\s*\(\s*$", code[:match.start()], re.I):
            issues.append(_issue(path, code, match.start(), "bare-sum",
                                 "write coalesce(sum(x), 0): an empty sum is NULL on one engine"))
    for start, branch in branch_spans(code):
        issues += _check_patterns(path, code, start, branch)
        node_vars, rel_vars = bindings(branch)
        for match in re.finditer(rf"(?<![\w$.])({_NAME})\.({_NAME})\b", branch):
            var, prop = match.groups()
            owner = node_vars.get(var) or rel_vars.get(var)
            if owner and prop not in _props_of(owner):
                issues.append(_issue(path, code, start + match.start(), "unknown-property",
                                     f"{var}.{prop}: {prop!r} is not declared on "
                                     f"{owner if isinstance(owner, str) else '|'.join(owner)}"))
    return sorted(set(issues), key=lambda i: (i.line, i.code, i.message))


def lint_rules(*paths: Path | str) -> list[LintIssue]:
    """Lint rule files or folders of packs; a header problem is an issue too.

    >>> lint_rules()   # the shipped packs
    []
    """
    from crossaudit.engine.rules.model import shipped_rules_dir

    files: list[Path] = []
    for path in (Path(p) for p in (paths or (shipped_rules_dir(),))):
        if path.is_dir():
            files += rule_files(path) or sorted(path.glob("*.cypher"))
        else:
            files.append(path)
    issues: list[LintIssue] = []
    for file in files:
        try:
            parse_rule(file)
        except RuleError as exc:
            where, _, message = str(exc).partition(": ")
            line = int(where.rsplit(":", 1)[1]) if where.rsplit(":", 1)[-1].isdigit() else 1
            issues.append(LintIssue(str(file), line, "header", message))
        issues += lint_text(file.read_text(encoding="utf-8"), str(file))
    return issues
