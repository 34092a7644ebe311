"""access: who may do what, and see which data — "who owns it grades it; who uses it is granted it".

Each source spec grades its data (public < internal < sensitive < secret); every fact keeps
the dataset it came from, so its grade follows it. Users and their roles are declared in a
YAML file:

    users:
      admin:  {role: admin, clearance: secret}
      li:     {role: analyst, clearance: sensitive}
      zhao:   {role: investigator, clearance: sensitive}
      wang:   {role: inspector, office: "16401040000", clearance: internal}

    users = load_users("users.yaml")
    user = users.get("wang")
    user.require("findings.verify")           # AccessDenied if the role may not
    user.can_see("sensitive")                 # False: masked in every output

Without a users file there is one user, `admin`, cleared for everything (a single analyst's
machine); `--user` or CROSSAUDIT_USER picks the acting user.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Mapping

import yaml

GRADES = ("public", "internal", "sensitive", "secret")
# The grade of personal identifiers (resident ID numbers) wherever they appear.
ID_NUMBER_GRADE = "sensitive"
MASK = "***"

# action → roles allowed; inspectors are further limited to their office and its subordinates.
PERMISSIONS: dict[str, frozenset[str]] = {
    action: frozenset(roles) for action, roles in {
        "load": ("admin", "analyst"),
        "resolve": ("admin", "analyst"),
        "review": ("admin", "analyst"),
        "rules.run": ("admin", "analyst"),
        "findings.list": ("admin", "analyst", "investigator", "inspector"),
        "findings.show": ("admin", "analyst", "investigator", "inspector"),
        "findings.push": ("admin", "analyst"),
        "findings.verify": ("admin", "inspector"),
        "explore": ("admin", "analyst", "investigator", "inspector"),
        "export": ("admin", "analyst", "investigator", "inspector"),
        "stats": ("admin", "analyst", "inspector"),
        "ledger": ("admin", "analyst"),
        "audit.list": ("admin",),
    }.items()}
ROLES = ("admin", "analyst", "investigator", "inspector")


class AccessDenied(PermissionError):
    """The acting user may not do this; the message says who, what and why."""


class UsersFileError(ValueError):
    """The users file is malformed; the message names the file and the entry."""


def grade_rank(grade: str | None) -> int:
    """The order of a grade; an unknown or missing grade counts as the highest (fail closed)."""
    return GRADES.index(grade) if grade in GRADES else len(GRADES) - 1


@dataclass(frozen=True)
class User:
    name: str
    role: str
    clearance: str
    office: str | None = None

    def may(self, action: str) -> bool:
        return self.role in PERMISSIONS[action]

    def require(self, action: str) -> None:
        if not self.may(action):
            raise AccessDenied(f"user {self.name!r} ({self.role}) may not {action}; "
                               f"roles allowed: {', '.join(sorted(PERMISSIONS[action]))}")

    def can_see(self, grade: str | None) -> bool:
        return grade_rank(grade) <= grade_rank(self.clearance)

    @property
    def scoped(self) -> bool:
        """True when the user sees only the findings of one office and its subordinates."""
        return self.role == "inspector"


DEFAULT_USER = User("admin", "admin", "secret")


@dataclass(frozen=True)
class Users:
    users: Mapping[str, User]
    source: str = "(built in)"

    def get(self, name: str | None) -> User:
        name = name or next(iter(self.users))
        if name not in self.users:
            raise AccessDenied(f"unknown user {name!r}: declare it in {self.source} "
                               f"(known: {', '.join(sorted(self.users))})")
        return self.users[name]


def parse_users(data: object, source: str) -> Users:
    """Users from the parsed YAML; every problem is an error naming the file and the user."""
    if not isinstance(data, dict) or set(data) != {"users"} or not isinstance(data["users"], dict) \
            or not data["users"]:
        raise UsersFileError(f"{source}: expected one key `users` mapping user names to "
                             "{role, clearance[, office]}")
    users = {}
    for name, entry in data["users"].items():
        where = f"{source}: user {name!r}"
        if not isinstance(entry, dict):
            raise UsersFileError(f"{where}: expected a mapping with role and clearance")
        unknown = set(entry) - {"role", "clearance", "office"}
        if unknown:
            raise UsersFileError(f"{where}: unknown keys {sorted(unknown)}; allowed: role, clearance, office")
        role, clearance, office = entry.get("role"), entry.get("clearance"), entry.get("office")
        if role not in ROLES:
            raise UsersFileError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
        if clearance not in GRADES:
            raise UsersFileError(f"{where}: clearance {clearance!r} is not one of {', '.join(GRADES)}")
        if role == "inspector" and office is None:
            raise UsersFileError(f"{where}: an inspector needs an office (a tax office code)")
        if role != "inspector" and office is not None:
            raise UsersFileError(f"{where}: only an inspector has an office")
        users[str(name)] = User(str(name), role, clearance, None if office is None else str(office))
    return Users(users, source)


def load_users(path: str | os.PathLike | None = None) -> Users:
    """The users declared in `path` (else $CROSSAUDIT_USERS); the built-in admin when neither is set."""
    path = path or os.environ.get("CROSSAUDIT_USERS")
    if not path:
        return Users({DEFAULT_USER.name: DEFAULT_USER})
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsersFileError(f"{path}: cannot read the users file: {exc.strerror}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsersFileError(f"{path}: not valid YAML: {exc}") from exc
    return parse_users(data, str(path))


def office_scope(offices: Iterable[Mapping[str, str | None]], office: str) -> set[str]:
    """The office and every office below it, from rows {code, parent}.

    >>> sorted(office_scope([{"code": "R", "parent": None}, {"code": "C", "parent": "R"},
    ...                      {"code": "K", "parent": "C"}], "C"))
    ['C', 'K']
    """
    children: dict[str, list[str]] = {}
    for row in offices:
        if row.get("parent"):
            children.setdefault(row["parent"], []).append(row["code"])
    scope, frontier = {office}, [office]
    while frontier:
        below = [c for code in frontier for c in children.get(code, ()) if c not in scope]
        scope.update(below)
        frontier = below
    return scope


def mask_id_number(value: str | None) -> str | None:
    """`640104196311288636` → `6401**********8636`; other values are returned as they are."""
    if not value or len(value) != 18:
        return value
    return value[:4] + "*" * 10 + value[-4:]
