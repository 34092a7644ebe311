"""Masking of resident ID numbers for users not cleared to see them.

Pages and exports call `mask_props` on every node and relationship they show when the user is
not cleared. Access control (issue #8) decides who is cleared; until it exists, the CLI treats
every user as cleared.

    >>> mask_id_number("640104198701046033")
    '6401**********6033'
    >>> mask_text('{"legal_rep": "640104198701046033", "firm": "91640104MA7H2T9H1Q"}')
    '{"legal_rep": "6401**********6033", "firm": "91640104MA7H2T9H1Q"}'
"""
from __future__ import annotations

import re
from typing import Any

from crossaudit.loaders.identifiers import is_valid_id_number

# Properties that hold an ID number whatever it looks like (an invalid one is still personal data).
ID_NUMBER_PROPS = {("Person", "id_number")}
_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")


def mask_id_number(value: str) -> str:
    """Keep the first and last four characters: 6401**********1234."""
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_text(text: str) -> str:
    """Mask every valid resident ID number inside `text`."""
    return _CANDIDATE.sub(lambda m: mask_id_number(m.group()) if is_valid_id_number(m.group()) else m.group(),
                          text)


def mask_value(label: str, name: str, value: Any, secrets: frozenset[str] = frozenset()) -> Any:
    """One property value as an uncleared user sees it; `secrets` are strings always masked
    (e.g. a person's ID number where it reappears as the uid)."""
    if not isinstance(value, str):
        return value
    if (label, name) in ID_NUMBER_PROPS or value in secrets:
        return mask_id_number(value)
    return mask_text(value)


def mask_props(label: str, props: dict, cleared: bool) -> dict:
    """A copy of a node's or relationship's properties, ID numbers masked unless `cleared`.

    >>> mask_props("Person", {"uid": "p1", "id_number": "64010419870104603X"}, cleared=False)["id_number"]
    '6401**********603X'
    """
    if cleared:
        return dict(props)
    secrets = frozenset(props[name] for lbl, name in ID_NUMBER_PROPS if lbl == label and props.get(name))
    return {name: mask_value(label, name, value, secrets) for name, value in props.items()}
