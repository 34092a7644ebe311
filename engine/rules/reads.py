"""What a rule reads: the labels, relationships, properties and literal values its Cypher needs.

`crossaudit specs check` compares these with what a set of source specs feeds, to tell a data
officer which rules a delivery can serve. The patterns are the ones `lint` parses
(NODE_RE, REL_RE, CHAIN, `bindings`); a variable bound to a label anywhere in a UNION branch
gives that label to its bare uses in the branch.

    >>> reads = rule_reads("MATCH (l)-[p:PARTY_TO {role: 'lessor'}]->(c:Contract {kind: 'lease'}) "
    ...                    "RETURN c.amount AS rent")
    >>> reads.labels, reads.rels
    (('Contract',), (RelRead(types=('PARTY_TO',), start=None, end='Contract', directed=True),))
    >>> [(v.prop, v.value) for v in reads.values]
    [('role', 'lessor'), ('kind', 'lease')]

What is required, and what only weakens a rule:
- every label, relationship type (with its end labels) and literal property value of a pattern
  is required, wherever the pattern is: MATCH, OPTIONAL MATCH, EXISTS, a WHERE pattern — an
  absent one either silences the rule or makes it flag every candidate. So is a literal a
  property is compared with (`e.status = 'operating'`);
- a property read anywhere is required too, unless every read of it is one where the query says
  what to do without it: inside an OPTIONAL MATCH clause, a direct argument of coalesce()
  (`coalesce(c.status, '')`) or a null test (`c.cost_basis IS NOT NULL`). Then it is `defaulted`,
  and an unfed one is a warning: the rule runs, with the default or without the optional rows,
  though it may then flag more or less. `coalesce(sum(t.base), 0)` is an aggregate's default,
  not the property's: that read is required.

Ways of clearing a candidate are alternatives: what a `NOT EXISTS { … }` subquery reads (a
filing about the contract, a filing about the property, a filing naming no object …) is kept
apart, one `RuleReads` per subquery in `alternatives`. A rule is served when what it reads
outside them is fed and at least one of them is: a department that cites only the property
still clears a sale, while a delivery that feeds none of them would flag every candidate. The
OPTIONAL MATCH clauses are kept apart the same way, in `optionals` (a declared base read from a
filing about the contract or from one about the property): one of them fed is enough.

A bare variable (`(lessor)-[:PARTY_TO]->…`) may be any label its relationships allow: its
properties are looked up on each of them. Only string literals are read as values.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from crossaudit.engine.rules.cypher import _depth_map, _split_top, branch_spans, code_only, strip_comments
from crossaudit.engine.rules.lint import _NAME, CHAIN, LABELS, NODE_RE, REL_RE, REL_TYPES, _labels, bindings
from crossaudit.engine.schema import SCHEMA

_STRING = r"'((?:\\.|[^'\\])*)'"
_MAP_ENTRY = re.compile(rf"({_NAME})\s*:\s*(?:{_STRING}|[^,}}]*)")
_PROPERTY = re.compile(rf"(?<![\w$.])({_NAME})\.({_NAME})\b")
_COMPARED = re.compile(rf"(?<![\w$.])({_NAME})\.({_NAME})\s*=\s*{_STRING}|{_STRING}\s*=\s*({_NAME})\.({_NAME})\b")
_CLAUSE = re.compile(r"(?<![\w$.])(?:(STARTS|ENDS)\s+WITH|(OPTIONAL\s+MATCH)|MATCH|WITH|RETURN|UNWIND)\b", re.I)
_COALESCE = re.compile(r"(?<![\w$.])coalesce\s*\(", re.I)
_SPACE = re.compile(r"\s*")
_NULL_TEST = re.compile(rf"{_PROPERTY.pattern}\s+IS\s+(?:NOT\s+)?NULL\b", re.I)


@dataclass(frozen=True)
class RelRead:
    """A relationship pattern: its types and end labels (None: any label)."""

    types: tuple[str, ...]
    start: str | None
    end: str | None
    directed: bool = True


Owner = tuple[str, ...] | RelRead  # a node variable's possible labels, or a relationship pattern


@dataclass(frozen=True)
class PropRead:
    owner: Owner
    prop: str
    defaulted: bool = False  # read only in OPTIONAL MATCH, as a coalesce() argument or in a null test


@dataclass(frozen=True)
class ValueRead:
    owner: Owner
    prop: str
    value: str


@dataclass(frozen=True)
class RuleReads:
    labels: tuple[str, ...]
    rels: tuple[RelRead, ...]
    props: tuple[PropRead, ...]
    values: tuple[ValueRead, ...]
    alternatives: tuple["RuleReads", ...] = ()  # what each NOT EXISTS subquery reads
    optionals: tuple["RuleReads", ...] = ()  # what each OPTIONAL MATCH clause reads


class _Reads:
    """What one scope of a query reads: the query outside its NOT EXISTS subqueries, or one of them."""

    def __init__(self) -> None:
        self.labels: dict[str, None] = {}
        self.rels: dict[RelRead, None] = {}
        self.props: dict[tuple[Owner, str], bool] = {}  # → weak (optional or defaulted) at every read so far
        self.values: dict[ValueRead, None] = {}

    def read(self, owner: Owner, prop: str, weak: bool) -> None:
        self.props[(owner, prop)] = self.props.get((owner, prop), True) and weak

    def frozen(self, alternatives: tuple[RuleReads, ...] = (), optionals: tuple[RuleReads, ...] = ()) -> RuleReads:
        return RuleReads(tuple(self.labels), tuple(self.rels),
                         tuple(PropRead(o, p, weak) for (o, p), weak in self.props.items()), tuple(self.values),
                         alternatives, optionals)


_NOT_EXISTS = re.compile(r"(?<![\w$.])NOT\s+EXISTS\s*\{", re.I)


def _steps(branch: str):
    """(left node, relationship, right node) matches of every chain of the branch."""
    for chain in CHAIN.finditer(branch):
        left = NODE_RE.match(branch, chain.start())
        while left.end() < chain.end():
            rel = REL_RE.match(branch, _SPACE.match(branch, left.end()).end())
            right = NODE_RE.match(branch, _SPACE.match(branch, rel.end()).end())
            yield left, rel, right
            left = right


def _map_entries(text: str) -> list[tuple[str, str | None]]:
    """(key, its string literal or None) of each entry of a `{k: v}` map."""
    return [(m.group(1), m.group(2)) for m in _MAP_ENTRY.finditer(text)]


class _Branch:
    """One UNION branch: its variables, and where a read only weakens the rule."""

    def __init__(self, code: str):
        self.depths = _depth_map(code)
        self.node_vars, self.rel_vars = bindings(code)
        self.clauses = [(m.start(), bool(m.group(2))) for m in _CLAUSE.finditer(code)
                        if self.depths[m.start()] == 0 and not m.group(1)]
        # Offsets of reads the query does without: null tests, whole direct arguments of coalesce().
        self.defaulted = {m.start() for m in _NULL_TEST.finditer(code)}
        for call in _COALESCE.finditer(code):
            opened = call.end() - 1
            close = next(i for i in range(opened + 1, len(code))
                         if code[i] == ")" and self.depths[i] == self.depths[opened])
            at = opened + 1
            for argument in _split_top(code[opened + 1:close]):
                if _PROPERTY.fullmatch(argument.strip()):
                    self.defaulted.add(at + len(argument) - len(argument.lstrip()))
                at += len(argument) + 1

        # The outermost NOT EXISTS subqueries: (start, end) offsets of their braces.
        self.subqueries = []
        for match in _NOT_EXISTS.finditer(code):
            opened = match.end() - 1
            if any(start <= opened < end for start, end in self.subqueries):
                continue
            close = next(i for i in range(opened + 1, len(code)) if code[i] == "}" and self.depths[i] == self.depths[opened])
            self.subqueries.append((opened, close))

        # The OPTIONAL MATCH clauses: from their keyword to the next top-level clause.
        ends = [start for start, _ in self.clauses[1:]] + [len(code)]
        self.optional_clauses = [(start, end) for (start, optional), end in zip(self.clauses, ends) if optional]

    def subquery(self, offset: int) -> int | None:
        """The index of the NOT EXISTS subquery `offset` is in, if any."""
        return next((n for n, (start, end) in enumerate(self.subqueries) if start <= offset <= end), None)

    def optional_clause(self, offset: int) -> int | None:
        """The index of the OPTIONAL MATCH clause `offset` is in, if any."""
        return next((n for n, (start, end) in enumerate(self.optional_clauses) if start <= offset < end), None)

    def optional(self, offset: int) -> bool:
        """Whether `offset` is in an OPTIONAL MATCH clause (its pattern, WHERE and subqueries)."""
        before = [optional for start, optional in self.clauses if start <= offset]
        return bool(before) and before[-1]

    def label(self, node: re.Match) -> str | None:
        own = [name for name in _labels(node.group("labels")) if name in LABELS]
        return own[0] if own else self.node_vars.get(node.group("var"))


def rule_reads(text: str) -> RuleReads:
    """What a rule's query reads (its header comment ignored); see the module docstring."""
    code, texts = code_only(text), strip_comments(text)  # the same offsets; strings kept in `texts`
    main, alternatives, optionals = _Reads(), [], []

    for start, code_branch in branch_spans(code):
        branch = _Branch(code_branch)
        ways, extras = [_Reads() for _ in branch.subqueries], [_Reads() for _ in branch.optional_clauses]
        alternatives += ways
        optionals += extras

        def scope(offset: int) -> _Reads:
            """Where a read at `offset` counts: a NOT EXISTS subquery, an OPTIONAL MATCH clause, or the query."""
            way, extra = branch.subquery(offset), branch.optional_clause(offset)
            return ways[way] if way is not None else extras[extra] if extra is not None else main

        text = texts[start:start + len(code_branch)]

        def literals(owner: Owner, match: re.Match, weak: bool) -> None:
            """The entries of a pattern's `{k: v}` map (`match` in the branch, its strings in `text`)."""
            reads = scope(match.start())
            for key, literal in _map_entries(text[match.start("props"):match.end("props")] if match.group("props") else ""):
                if literal is None:
                    reads.read(owner, key, weak)
                else:
                    reads.values[ValueRead(owner, key, literal)] = None

        possible: dict[str, set[str]] = {}  # bare variable → the labels its relationships allow
        patterns: dict[str, RelRead] = {}  # relationship variable → its pattern
        for left, rel, right in _steps(code_branch):
            types = tuple(t for t in _labels(rel.group("types")) if t in REL_TYPES)
            if not types:
                continue
            backwards = bool(rel.group("left")) and not rel.group("right")
            first, second = (right, left) if backwards else (left, right)
            pattern = RelRead(types, branch.label(first), branch.label(second),
                              bool(rel.group("left")) != bool(rel.group("right")))
            scope(rel.start()).rels[pattern] = None
            if rel.group("var"):
                patterns[rel.group("var")] = pattern
            pairs = [pair for t in types for pair in SCHEMA.rel(t).pairs]
            for node, side in ((first, 0), (second, 1)):
                if branch.label(node) is None and node.group("var"):
                    sides = (0, 1) if not pattern.directed else (side,)
                    possible.setdefault(node.group("var"), set()).update(pair[s] for pair in pairs for s in sides)
            literals(pattern, rel, branch.optional(rel.start()))

        def owner_of(var: str | None) -> Owner | None:
            if var in branch.node_vars:
                return (branch.node_vars[var],)
            if var in patterns:
                return patterns[var]
            return tuple(sorted(possible[var])) if var in possible else None

        for node in NODE_RE.finditer(code_branch):
            label = branch.label(node)
            if label:
                scope(node.start()).labels[label] = None
            owner = (label,) if label else owner_of(node.group("var"))
            if owner is not None:
                literals(owner, node, branch.optional(node.start()))
        for match in _PROPERTY.finditer(code_branch):
            owner = owner_of(match.group(1))
            if owner is not None:
                scope(match.start()).read(owner, match.group(2),
                                          branch.optional(match.start()) or match.start() in branch.defaulted)
        for match in _COMPARED.finditer(text):
            var, prop, literal = match.group(1, 2, 3) if match.group(1) else match.group(5, 6, 4)
            owner = owner_of(var)
            if owner is not None:
                scope(match.start()).values[ValueRead(owner, prop, literal)] = None
    return main.frozen(tuple(reads.frozen() for reads in alternatives), tuple(reads.frozen() for reads in optionals))
