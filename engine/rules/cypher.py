"""Just enough Cypher lexing for rule checks: comments and strings blanked, RETURN columns, parameters.

Blanking keeps every character's offset, so a problem found in the blanked text has the same
line number as in the file.

    >>> return_columns("MATCH (e:Enterprise) RETURN e.uid AS firm, count(*) AS n")
    [['firm', 'n']]
"""
from __future__ import annotations

import re

_TOKEN = re.compile(r"""//[^\n]*|/\*.*?\*/|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`[^`]*`""", re.S)
_KEYWORD_BOUNDARY = r"(?<![A-Za-z0-9_$.])"


def _blank(text: str) -> str:
    return re.sub(r"[^\n]", " ", text)


def strip_comments(text: str) -> str:
    """The text with comments replaced by spaces (strings kept)."""
    return _TOKEN.sub(lambda m: _blank(m.group()) if m.group()[:2] in ("//", "/*") else m.group(), text)


def code_only(text: str) -> str:
    """The text with comments blanked and string literals reduced to `''` plus padding."""
    def repl(match: re.Match) -> str:
        token = match.group()
        if token[:2] in ("//", "/*"):
            return _blank(token)
        if token[0] in "'\"":
            return token[0] + _blank(token[1:-1]) + token[-1]
        return token
    return _TOKEN.sub(repl, text)


def line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _depth_map(code: str) -> list[int]:
    """The bracket depth ((), [], {}) at every offset."""
    depth, out = 0, []
    for ch in code:
        if ch in "([{":
            depth += 1
        out.append(depth)
        if ch in ")]}":
            depth -= 1
    return out


def _top_level(code: str, pattern: str) -> list[re.Match]:
    depths = _depth_map(code)
    return [m for m in re.finditer(_KEYWORD_BOUNDARY + pattern, code, re.I) if depths[m.start()] == 0]


def _split_top(code: str, sep: str = ",") -> list[str]:
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(code):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch == sep and depth == 0:
            parts.append(code[start:i])
            start = i + 1
    parts.append(code[start:])
    return parts


def branch_spans(code: str) -> list[tuple[int, str]]:
    """(offset, text) of the parts of a query separated by top-level UNION / UNION ALL."""
    out, start = [], 0
    for cut in _top_level(code, r"\bUNION(\s+ALL)?\b"):
        out.append((start, code[start:cut.start()]))
        start = cut.end()
    out.append((start, code[start:]))
    return out


def return_columns(text: str) -> list[list[str]]:
    """The column names of each UNION branch's final RETURN (alias, or the expression text)."""
    code = strip_comments(text)
    out = []
    for _, branch in branch_spans(code):
        returns = _top_level(branch, r"\bRETURN\b")
        if not returns:
            out.append([])
            continue
        items = branch[returns[-1].end():]
        end = _top_level(items, r"\b(ORDER\s+BY|SKIP|LIMIT)\b")
        items = items[:end[0].start()] if end else items
        items = re.sub(r"^\s*DISTINCT\b", "", items, flags=re.I)
        columns = []
        for item in _split_top(items):
            item = " ".join(item.split())
            alias = re.search(r"\bAS\s+`?([A-Za-z_][A-Za-z0-9_]*)`?$", item, re.I)
            columns.append(alias.group(1) if alias else item)
        out.append(columns)
    return out


def parameters(text: str) -> set[str]:
    """The `$names` a query uses."""
    return set(re.findall(r"\$([A-Za-z_][A-Za-z0-9_]*)", code_only(text)))
