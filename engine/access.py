"""access: who may do what, and see which data — "who owns it grades it; who uses it is granted it".

Each source spec grades its data (public < internal < sensitive < secret); every fact keeps
the dataset it came from, so its grade follows it. Users and their roles are declared in a
YAML file:

    users:
      admin:  {role: admin, clearance: secret}
      li:     {role: analyst, clearance: sensitive}
      zhao:   {role: investigator, clearance: sensitive}
      wang:   {role: inspector, office: "16401040000", clearance: internal,
               password: "scrypt$16384$8$1$…"}   # to log in to `crossaudit serve`

    users = load_users("users.yaml")
    user = users.get("wang")
    user.require("findings.verify")           # AccessDenied if the role may not
    user.can_see("sensitive")                 # False: masked in every output

Without a users file there is one user, `admin`, cleared for everything (a single analyst's
machine); with one, `--user` or CROSSAUDIT_USER names the acting user (there is no default). A
store records the users file that governs it (`govern`, from `crossaudit store init --users`) and
every command refuses another (`require_governing`). COMMANDS says which action each command
performs, PERMISSIONS which roles may perform it.

This is also the one masking module. A `Clearance` says what a reader may see; every output
(findings, pages, exports) passes each fact through it:

    clearance = Clearance.of(user, dataset_grades(store, spec_grades), fills=dataset_fills(store, spec_fills))
    clearance = clearance.reading(store, [("Person", person)])   # which datasets describe it
    clearance.fact("Person", person)   # {'uid': '6401**********0113', 'ethnicity': '［已屏蔽：敏感］', …}

- a value is graded by the most sensitive source that supplied it: of the datasets whose rows
  DESCRIBE the node (and the one its provenance names), those whose spec fills that property
  for its label (`SourceSpec.fills`, recorded per file at load). A dataset with no known spec
  may have filled anything; a property no writer's spec fills (interest_group, written by the
  rules) takes the highest grade among them. A relationship's writers are its recorded dataset
  and the datasets describing both its ends whose spec yields its type (several datasets may
  write one relationship: its rid names its ends and identity, not its source). A dataset's
  grade is its spec's (raised to any recorded at load); without a spec it is `internal` (UNGRADED);
- a value graded above the reader's clearance shows as the marker `［已屏蔽：<grade>］` (the grade in Chinese, 敏感); a
  node's key stays (the graph can still be drawn) unless the key is the datum itself (a phone
  number, an address, a `name:` uid), and provenance stays (where it came from, not what it says);
- resident ID numbers, wherever they appear, are masked `6401**********1234` for a reader
  below ID_NUMBER_GRADE or asking for it (`--mask-ids`).
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import re
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from crossaudit.engine.merge import NAME_UID
from crossaudit.engine.offices import nests_under
from crossaudit.engine.schema import PROVENANCE_NAMES, REGISTERED, SCHEMA
from crossaudit.loaders.identifiers import is_valid_id_number

GRADES = ("public", "internal", "sensitive", "secret")
# The grade of personal identifiers (resident ID numbers) wherever they appear.
ID_NUMBER_GRADE = "sensitive"
# The grade of a fact whose dataset has no spec (derived facts, hand-made fixtures).
UNGRADED = "internal"

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
        "audit.purge": ("admin",),
        "store.init": ("admin",),
        "store.info": ("admin", "analyst"),
        "store.clear": ("admin",),
        "store.offices": ("admin",),
        "store.copy": ("admin",),
        "demo": ("admin",),
        "demo.generate": ("admin", "analyst"),
        "rules.list": ("admin", "analyst", "investigator", "inspector"),
        "rules.author": ("admin", "analyst"),
        "serve": ("admin",),
    }.items()}
ROLES = ("admin", "analyst", "investigator", "inspector")

# Every command (as typed after `crossaudit`) → the action it performs. The CLI checks the acting
# user against this table before a command runs; a command missing here is refused (and fails
# tests/test_governance_cli.py), so a new command cannot run unchecked.
COMMANDS: dict[str, str] = {
    "audit list": "audit.list", "audit purge": "audit.purge",
    "demo": "demo", "demo generate": "demo.generate",
    "explore": "explore", "export": "export",
    "findings list": "findings.list", "findings show": "findings.show", "findings push": "findings.push",
    "findings verify": "findings.verify",
    "ledger": "ledger", "ledger report": "ledger",
    "load": "load", "quarantine list": "load", "quarantine export": "load",
    "resolve": "resolve", "resolve explain": "review",
    "review list": "review", "review accept": "review", "review reject": "review",
    "rules list": "rules.list", "rules run": "rules.run", "rules test": "rules.author", "rules new": "rules.author",
    "rules lint": "rules.author", "rules stats": "stats",
    "serve": "serve",
    "specs check": "load",
    "stats": "stats",
    "store init": "store.init", "store info": "store.info", "store clear": "store.clear",
    "store offices": "store.offices", "store copy": "store.copy",
}
# Commands that open no store named by --store before they run (files only, a store of their own;
# the demo checks the store it opens itself): a denial is not recorded in a store.
OFFLINE_COMMANDS = frozenset({"rules list", "rules lint", "rules new", "rules test", "demo", "demo generate",
                              "specs check", "store copy"})


def command_action(command: str) -> str:
    """The action `command` performs; AccessDenied for a command the table does not list.

    >>> command_action("rules run")
    'rules.run'
    """
    if command not in COMMANDS:
        raise AccessDenied(f"the command `{command}` has no entry in crossaudit/engine/access.py COMMANDS: "
                           "it may not run until the roles allowed to use it are declared there")
    return COMMANDS[command]


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
    # The scrypt hash of the user's password for the web console (crossaudit.serve.auth); None: no login.
    password: str | None = field(default=None, repr=False, compare=False)

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
    """The declared users; `digest` is the sha256 of the users file (None: the built-in admin)."""

    users: Mapping[str, User]
    source: str = "(built in)"
    digest: str | None = None

    def get(self, name: str | None) -> User:
        """The user `name`; without a name, the built-in admin only when there is no users file."""
        if name is None:
            if self.digest is None:
                return DEFAULT_USER
            raise AccessDenied(f"no acting user: with the users file {self.source}, name one with --user or "
                               f"CROSSAUDIT_USER (declared: {', '.join(sorted(self.users))})")
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
        unknown = set(entry) - {"role", "clearance", "office", "password"}
        if unknown:
            raise UsersFileError(f"{where}: unknown keys {sorted(unknown)}; allowed: role, clearance, office, password")
        password = entry.get("password")
        if password is not None and not (isinstance(password, str) and password.startswith("scrypt$")):
            raise UsersFileError(f"{where}: password must be a hash made by `crossaudit serve --hash-password`, "
                                 "never the password itself")
        role, clearance, office = entry.get("role"), entry.get("clearance"), entry.get("office")
        if role not in ROLES:
            raise UsersFileError(f"{where}: role {role!r} is not one of {', '.join(ROLES)}")
        if clearance not in GRADES:
            raise UsersFileError(f"{where}: clearance {clearance!r} is not one of {', '.join(GRADES)}")
        if role == "inspector" and office is None:
            raise UsersFileError(f"{where}: an inspector needs an office (a tax office code)")
        if role != "inspector" and office is not None:
            raise UsersFileError(f"{where}: only an inspector has an office")
        users[str(name)] = User(str(name), role, clearance, None if office is None else str(office), password)
    return Users(users, source)


def load_users(path: str | os.PathLike | None = None) -> Users:
    """The users declared in `path` (else $CROSSAUDIT_USERS); the built-in admin when neither is set."""
    path = path or os.environ.get("CROSSAUDIT_USERS")
    if not path:
        return Users({DEFAULT_USER.name: DEFAULT_USER})
    path = Path(path)
    try:
        content = path.read_bytes()
        text = content.decode("utf-8")
    except OSError as exc:
        raise UsersFileError(f"{path}: cannot read the users file: {exc.strerror}") from exc
    except UnicodeDecodeError as exc:
        raise UsersFileError(f"{path}: not UTF-8 text: {exc}") from exc
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise UsersFileError(f"{path}: not valid YAML: {exc}") from exc
    return replace(parse_users(data, str(path)), digest=file_digest(content))


def file_digest(content: bytes) -> str:
    """The sha256 of a users file's bytes, as the store records it."""
    return hashlib.sha256(content).hexdigest()


# --- which users file governs a store ------------------------------------------------------

GOVERNANCE_KEY = "users"


def governing_file(store) -> dict | None:
    """The users file the store records ({digest, file, recorded_by, recorded_at}), None if none."""
    rows = store.query("MATCH (g:Governance {name: $name}) RETURN g.users_digest AS digest, g.users_file AS file, "
                       "g.recorded_by AS recorded_by, g.recorded_at AS recorded_at", {"name": GOVERNANCE_KEY})
    return rows[0] if rows and rows[0]["digest"] else None


def require_governing(users: Users, recorded: Mapping[str, Any] | None, adopting: str | None = None) -> None:
    """AccessDenied unless `users` is the users file the store records (`recorded`, from
    governing_file). A store that records none runs without a users file (the built-in admin),
    or with the very file being recorded (`adopting`, the digest `store init --users` records)."""
    if recorded is None:
        if users.digest is None or users.digest == adopting:
            return
        raise AccessDenied(f"{users.source}: this store records no users file, so it cannot be governed by one yet: "
                           f"an admin must run `crossaudit store init --users {users.source}` first")
    if users.digest is None:
        raise AccessDenied(f"this store is governed by the users file {recorded['file']} (sha256 "
                           f"{recorded['digest'][:12]}…): set CROSSAUDIT_USERS to that file")
    if users.digest != recorded["digest"]:
        raise AccessDenied(f"the users file {users.source} (sha256 {users.digest[:12]}…) is not the one that governs "
                           f"this store ({recorded['file']}, sha256 {recorded['digest'][:12]}…): use that file, or "
                           f"an admin must re-init the store with `crossaudit store init --users {users.source}`")


def govern(store, users_file: str | os.PathLike, by: User) -> dict:
    """Record `users_file` (its sha256) as the users file that governs the store."""
    path = Path(users_file)
    digest = load_users(path).digest  # a malformed file is refused before it is recorded
    row = {"name": GOVERNANCE_KEY, "users_digest": digest, "users_file": str(path.resolve()),
           "recorded_by": by.name, "recorded_at": dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)}
    store.upsert_nodes("Governance", [row])
    return row


def office_scope(offices: Iterable[Mapping[str, str | None]], office: str) -> set[str]:
    """The office and every office below it, from rows {code, parent}; a parent link whose codes
    do not nest (a county's code under a province's is fine, a province under a county is not)
    is ignored, so loaded data cannot widen anyone's scope.

    >>> sorted(office_scope([{"code": "16400000000", "parent": None},
    ...                      {"code": "16401000000", "parent": "16400000000"},
    ...                      {"code": "16401040000", "parent": "16401000000"},
    ...                      {"code": "16400000000", "parent": "16401040000"}], "16401000000"))
    ['16401000000', '16401040000']
    """
    children: dict[str, list[str]] = {}
    for row in offices:
        if row.get("parent") and nests_under(row["code"], row["parent"]):
            children.setdefault(row["parent"], []).append(row["code"])
    scope, frontier = {office}, [office]
    while frontier:
        below = [c for code in frontier for c in children.get(code, ()) if c not in scope]
        scope.update(below)
        frontier = below
    return scope


# --- masking ----------------------------------------------------------------------------

# (label, property) pairs that hold an ID number whatever it looks like (an invalid one is still personal data).
ID_NUMBER_PROPS = {("Person", "id_number"), ("Person", "id_number_as_written")}
_ID_CANDIDATE = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
# Properties that say what a fact is and where it came from, never what it says: shown to everyone.
STRUCTURAL = frozenset({"_label", "_type", "_from", "_to", "rid", REGISTERED.name, *PROVENANCE_NAMES})
# Node types whose key is the datum itself rather than an identifier: masked with the other values.
DATUM_KEYS = frozenset({"Phone", "Address"})
_NODE_LABELS = frozenset(node.label for node in SCHEMA.nodes)
# Node types whose rows SourceRecords DESCRIBE: their values may come from several datasets.
DESCRIBED = frozenset(label for _, label in SCHEMA.rel("DESCRIBES").pairs)
# Properties the rules derive from facts beyond the node's own rows → those facts (label or type,
# property; None: any): the interest group (engine/rules/groups.py) from control and kinship
# links and household numbers. Graded by every dataset that may fill one of them.
DERIVED_FROM = {"interest_group": (("LEGAL_REP_OF", None), ("SHAREHOLDER_OF", None), ("EXECUTIVE_OF", None),
                                   ("KIN_OF", None), ("Person", "household_no"))}


# The grades as the pages, reports and exports name them to a reader in a tax office.
GRADE_NAMES = {"public": "公开", "internal": "内部", "sensitive": "敏感", "secret": "秘密"}


def masked(grade: str) -> str:
    """The marker shown instead of a value from a source graded above the reader's clearance,
    the grade in Chinese.

    >>> masked("secret")
    '［已屏蔽：秘密］'
    """
    return f"［已屏蔽：{GRADE_NAMES.get(grade, grade)}］"


def mask_id_number(value: str | None) -> str | None:
    """Keep the first and last four characters: `640104196311288636` → `6401**********8636`;
    a short value is masked whole.

    >>> mask_id_number("640104196311288636"), mask_id_number("1234567")
    ('6401**********8636', '*******')
    """
    if not value:
        return value
    if len(value) <= 8:
        return "*" * len(value)
    return value[:4] + "*" * (len(value) - 8) + value[-4:]


def mask_text(text: str) -> str:
    """Mask every valid resident ID number inside `text` (credit codes and other numbers stay).

    >>> mask_text('{"legal_rep": "640104198701046033", "firm": "91640104MA7H2T9H1Q"}')
    '{"legal_rep": "6401**********6033", "firm": "91640104MA7H2T9H1Q"}'
    """
    return _ID_CANDIDATE.sub(lambda m: mask_id_number(m.group()) if is_valid_id_number(m.group()) else m.group(),
                             text)


def dataset_grades(store, spec_grades: Mapping[str, str]) -> dict[str, str]:
    """dataset → grade, looked up once per run: the specs' grades, raised to the grade recorded
    when a file of the dataset was loaded if that is higher (a spec from another folder, or one
    graded up since). Fail closed: of two grades, the higher wins."""
    grades = dict(spec_grades)
    for row in store.query("MATCH (f:FileLoad) RETURN DISTINCT f.dataset AS dataset, f.grade AS grade"):
        dataset, grade = row["dataset"], row["grade"]
        if dataset and grade and (dataset not in grades or grade_rank(grade) > grade_rank(grades[dataset])):
            grades[dataset] = grade
    return grades


def dataset_fills(store, spec_fills: Mapping[str, Mapping[str, Iterable[str]]]) -> dict[str, dict[str, frozenset[str]]]:
    """dataset → label or relationship type → the properties its rows fill there, looked up
    once per run: the specs' (`SourceSpec.fills`) joined with what each load recorded (a spec
    from another folder, or one that filled more then). Fail closed: a dataset a load recorded
    no fills for is left out, so it may have filled anything."""
    fills = {dataset: {name: set(props) for name, props in by_name.items()} for dataset, by_name in spec_fills.items()}
    unknown = set()
    for row in store.query("MATCH (f:FileLoad) RETURN DISTINCT f.dataset AS dataset, f.fills AS fills"):
        if not row["fills"]:
            unknown.add(row["dataset"])
            continue
        for name, props in json.loads(row["fills"]).items():
            fills.setdefault(row["dataset"], {}).setdefault(name, set()).update(props)
    return {dataset: {name: frozenset(props) for name, props in by_name.items()}
            for dataset, by_name in fills.items() if dataset not in unknown}


def describing_datasets(store, nodes: Iterable[tuple[str, str]]) -> dict[tuple[str, str], frozenset[str]]:
    """(label, key) → the datasets whose rows (SourceRecords) DESCRIBE the node, in one query
    per label; a node no row describes maps to none, a label no row may describe is left out."""
    keys: dict[str, set[str]] = {}
    for label, key in nodes:
        if label in DESCRIBED and key is not None:
            keys.setdefault(label, set()).add(key)
    found: dict[tuple[str, str], set[str]] = {}
    for label, wanted in keys.items():
        found.update(((label, key), set()) for key in wanted)
        # Anchored on the keys, then an OPTIONAL MATCH: as one pattern Ladybug joins every
        # DESCRIBES (300 ms for 3 firms on the small region; 10 ms so).
        for row in store.query(f"UNWIND $keys AS k MATCH (n:{label} {{{SCHEMA.node(label).key}: k}}) "
                               "OPTIONAL MATCH (n)<-[:DESCRIBES]-(s:SourceRecord) "
                               "RETURN DISTINCT k, s.dataset AS dataset",
                               {"keys": sorted(wanted)}):
            if row["dataset"] is not None:
                found[(label, row["k"])].add(row["dataset"])
    return {ident: frozenset(datasets) for ident, datasets in found.items()}


@dataclass(frozen=True)
class Clearance:
    """What a reader may see: values from sources graded up to `grade`, ID numbers if `ids`;
    `grades` maps each dataset to its grade, `fills` to what its rows fill (see `dataset_fills`),
    `described` each node read so far ((label, key)) to the datasets whose rows describe it.

    >>> reader = Clearance("internal", ids=False, grades={"police_residents": "sensitive", "leases": "internal"},
    ...                    fills={"police_residents": {"Person": frozenset({"uid", "id_number", "ethnicity"})},
    ...                           "leases": {"Person": frozenset({"uid", "id_number", "name"})}})
    >>> person = {"uid": "640104198701046033", "name": "张伟", "ethnicity": "回族", "dataset": "leases"}
    >>> reader.knowing({("Person", person["uid"]): ["police_residents", "leases"]}).fact("Person", person)
    {'uid': '6401**********6033', 'name': '张伟', 'ethnicity': '［已屏蔽：敏感］', 'dataset': 'leases'}
    """

    grade: str = GRADES[-1]
    ids: bool = True
    grades: Mapping[str, str] = field(default_factory=dict, compare=False)
    offices: frozenset[str] | None = None  # the tax offices whose findings the reader sees; None: all
    fills: Mapping[str, Mapping[str, frozenset[str]]] = field(default_factory=dict, compare=False)
    described: Mapping[tuple[str, str], frozenset[str]] = field(default_factory=dict, compare=False)

    @classmethod
    def of(cls, user: User, grades: Mapping[str, str], mask_ids: bool = False,
           offices: Iterable[str] | None = None,
           fills: Mapping[str, Mapping[str, frozenset[str]]] | None = None) -> "Clearance":
        """The user's clearance; `mask_ids` masks ID numbers even for a user cleared to see them;
        `offices` is their office scope (an inspector's office and those below it)."""
        return cls(user.clearance, user.can_see(ID_NUMBER_GRADE) and not mask_ids, grades,
                   None if offices is None else frozenset(offices), fills or {})

    def reading(self, store, nodes: Iterable[tuple[str, Mapping[str, Any]]]) -> "Clearance":
        """This clearance knowing which datasets describe the (label, properties) nodes given:
        those of the SourceRecords that DESCRIBE each, in one query per label. A node whose
        values are shown must be read (or `knowing`) first: one that is not is graded the highest."""
        if self.sees_all:
            return self
        idents = {(label, props.get(SCHEMA.node(label).key)) for label, props in nodes if label in DESCRIBED}
        return self.knowing(describing_datasets(store, [ident for ident in idents if ident not in self.described]))

    def knowing(self, described: Mapping[tuple[str, str], Iterable[str]]) -> "Clearance":
        """This clearance knowing the datasets that describe the nodes given ((label, key) → datasets)."""
        return replace(self, described={**self.described, **{tuple(ident): frozenset(datasets)
                                                              for ident, datasets in described.items()}})

    def sees_finding(self, finding: Mapping[str, Any]) -> bool:
        """Whether the finding's office is in the reader's scope; one outside it is not mentioned at all."""
        return self.offices is None or finding.get("office_code") in self.offices

    def quarantined(self, row: Mapping[str, Any]) -> dict:
        """A quarantined cell as the reader may see it: its raw value masked like the fact it would
        have been (and where the reason quotes it), ID numbers masked unless cleared."""
        shown = dict(row)
        raw, grade = row.get("raw_value"), self.hides(row)
        if raw and grade:
            shown["raw_value"] = masked(grade)
            shown["reason"] = (row.get("reason") or "").replace(raw, masked(grade))
        elif raw and not self.ids and _ID_CANDIDATE.fullmatch(raw):  # an invalid ID number is still one
            shown["raw_value"] = mask_id_number(raw)
            shown["reason"] = (row.get("reason") or "").replace(raw, shown["raw_value"])
        return {name: self.text(value) for name, value in shown.items()}

    @classmethod
    def coerce(cls, cleared: "bool | Clearance") -> "Clearance":
        """A Clearance as it is; True for everything, False for everything but ID numbers."""
        return cleared if isinstance(cleared, Clearance) else cls(ids=bool(cleared))

    @property
    def sees_all(self) -> bool:
        return self.ids and self.grade == GRADES[-1]

    def source_grade(self, props: Mapping[str, Any]) -> str:
        """The grade of the dataset a record (or fact) names: its dataset's, or the grade a
        record of the source carries (SourceRecord, FileLoad, a quarantined cell) if higher."""
        grade = self.grades.get(props.get("dataset"), UNGRADED)
        own = props.get("grade")
        return own if own and grade_rank(own) > grade_rank(grade) else grade

    def hides(self, props: Mapping[str, Any]) -> str | None:
        """The grade of a record's one source (a quarantined cell's file) if the reader may not see it."""
        return self._above(self.source_grade(props))

    def _above(self, grade: str) -> str | None:
        return grade if grade_rank(grade) > grade_rank(self.grade) else None

    def _writers(self, label: str, props: Mapping[str, Any]) -> set | None:
        """The datasets that may have written the fact, None if unknown (its node, or for a
        relationship an end, never read): a node's describing datasets and its recorded one; a
        relationship's recorded dataset and those describing both its ends that yield its type."""
        recorded = props.get("dataset")
        if label in _NODE_LABELS:
            if label not in DESCRIBED:
                return {recorded}
            described = self.described.get((label, props.get(SCHEMA.node(label).key)))
            return None if described is None else {recorded, *described}
        ends = [props.get("_from"), props.get("_to")]
        if None in ends:
            return None
        known = [self.described.get(tuple(end)) if end[0] in DESCRIBED else frozenset() for end in ends]
        if None in known:
            return None
        return {recorded, *(d for d in known[0] & known[1] if d not in self.fills or label in self.fills[d])}

    def prop_grades(self, label: str, props: Mapping[str, Any]) -> dict[str, str]:
        """Each property's grade: the highest of its writers' (`_writers`) whose spec fills it
        for this label or type (a writer without a known spec may fill anything); a property
        none of them fills takes the highest of them all; an unknown fact, the highest grade."""
        writers = self._writers(label, props)
        if writers is None:
            return {name: GRADES[-1] for name in props}
        graded = {dataset: self.grades.get(dataset, UNGRADED) for dataset in writers}
        graded[props.get("dataset")] = self.source_grade(props)  # a record may carry a higher grade
        highest = max(graded.values(), key=grade_rank)
        out = {}
        for name in props:
            filling = [grade for dataset, grade in graded.items()
                       if self.fills.get(dataset, {}).get(label) is None or name in self.fills[dataset][label]]
            if name in DERIVED_FROM:
                filling = [highest, *self._filling(DERIVED_FROM[name])]
            out[name] = max(filling, key=grade_rank) if filling else highest
        return out

    def _filling(self, facts: Iterable[tuple[str, str | None]]) -> list[str]:
        """The grades of the datasets that may fill any of the (label or type, property) facts:
        those whose spec fills it, and every dataset without a known spec."""
        return [grade for dataset, grade in self.grades.items() if dataset not in self.fills or any(
            name in self.fills[dataset] and (prop is None or prop in self.fills[dataset][name]) for name, prop in facts)]

    def fact(self, label: str, props: Mapping[str, Any]) -> dict:
        """A copy of a node's or relationship's properties as the reader may see them."""
        if self.sees_all:
            return dict(props)
        hidden = self.hidden_values(label, props)
        return {name: value if name in STRUCTURAL else self._shown(value, hidden) for name, value in props.items()}

    def hidden_values(self, label: str, props: Mapping[str, Any]) -> dict[Any, str]:
        """Each value of the fact the reader may not see → what they see instead: every value
        graded above their clearance (`prop_grades`) but the fact's identifying key, its ID
        numbers below ID_NUMBER_GRADE. Values equal to these are masked wherever they reappear (the key
        of a person keyed by ID number, a finding's evidence)."""
        if self.sees_all:
            return {}
        grades = self.prop_grades(label, props)
        key = props.get(SCHEMA.node(label).key) if label in _NODE_LABELS and label not in DATUM_KEYS else None
        kept = None if str(key).startswith(NAME_UID) else key
        hidden: dict[Any, str] = {}
        for name, value in props.items():
            if value in (None, "") or name in STRUCTURAL or isinstance(value, bool):
                continue
            grade = self._above(grades[name])
            if not self.ids and (label, name) in ID_NUMBER_PROPS and isinstance(value, str):
                hidden[value] = mask_id_number(value)
            elif grade and value != kept and isinstance(value, (str, int, float)):
                hidden.setdefault(value, masked(grade))
            elif grade and not isinstance(value, (str, int, float)):
                hidden.setdefault(str(value), masked(grade))  # a date: matched by its text
        return hidden

    def _shown(self, value: Any, hidden: Mapping[Any, str]) -> Any:
        if isinstance(value, (list, tuple)):
            return [self._shown(v, hidden) for v in value]
        if isinstance(value, dict):
            return {k: self._shown(v, hidden) for k, v in value.items()}
        if isinstance(value, bool):
            return value
        if not isinstance(value, (str, int, float)):  # a date or a timestamp
            return hidden.get(str(value), value)
        if value in hidden:
            return hidden[value]
        return self.text(value)

    def text(self, value: Any) -> Any:
        """Free text with its ID numbers masked unless the reader may see them."""
        return mask_text(value) if isinstance(value, str) and not self.ids else value

    def values(self, value: Any, facts: Iterable[tuple[str, Mapping[str, Any]]] = ()) -> Any:
        """A finding's evidence or identity (nested dicts, lists, scalars) as the reader may see
        it: values of the given (label, props) facts they may not see are masked where they
        reappear, ID numbers in any text unless cleared."""
        if self.sees_all:
            return value
        hidden: dict[Any, str] = {}
        for label, props in facts:
            hidden.update(self.hidden_values(label, props))
        return self._shown(value, hidden)

