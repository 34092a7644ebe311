"""Department numbers read through the department's own register, at load time.

A department that names an enterprise by a number of its own (the social-insurance agency's
单位编号) keys such a row `record:<dataset>:<number>` when the row gives no credit code
(`transform.facts`: `id: [credit_code, employer_no]`). The same department's register of those
numbers (参保单位信息: number and credit code on one row) says which enterprise the number is.
Resolution folds the provisional node into that enterprise after the fact (`resolve.graph.
local_links`), moving every relationship it has; on a server that is most of a resolve
(longxi's medium region: 18.8 k employers, 676 k relationships). Here the rows are written
against the enterprise in the first place, as resolution would have left them: the mention's
own node row is dropped, its relationships name the enterprise, and the DESCRIBES from its
source record carries method `exact` and score 1.0 (what resolution writes for a department
number).

What is known: the numbers the store's identified enterprises carry, and those of the rows this
load has already read (earlier files, earlier chunks and the chunk itself). A number two
identified enterprises carry names neither (as in resolution); a number nothing identifies
yet leaves its rows provisional, for resolution.

    crosswalk = Crosswalk(store)
    crosswalk.applies_to(spec)   # a spec some of whose rows may be keyed by a department number
    crosswalk.learn(facts)       # any chunk, typed or not: the numbers its identified rows carry
    crosswalk.apply(facts)       # an untyped chunk: rows keyed by a known number rewritten
"""
from __future__ import annotations

from typing import TYPE_CHECKING

import pyarrow as pa
import pyarrow.compute as pc

from crossaudit.engine.merge import RECORD_UID, is_provisional
from crossaudit.engine.schema import SCHEMA
from crossaudit.engine.store import Store
from crossaudit.loaders.aliases import point_at
from crossaudit.loaders.spec import SourceSpec
from crossaudit.loaders.transform import Facts

if TYPE_CHECKING:
    from crossaudit.loaders.load import Typed

# label → the property holding the department's number (resolve.graph.LOCAL_NUMBERS names it too)
NUMBERED = {"Enterprise": "si_no"}


class Crosswalk:
    def __init__(self, store: Store) -> None:
        self.store = store
        # identified uids carrying each number, from this load's rows and the store's nodes
        self.owners: dict[str, set[str]] = {}
        # numbers already asked of the store; none to ask when it held no such node before the load
        self.asked: set[str] = set()
        self.ask_store = any(store.query(f"MATCH (n:{label}) RETURN count(*) AS n")[0]["n"] for label in NUMBERED)

    @staticmethod
    def applies_to(spec: SourceSpec) -> bool:
        """Whether some of the spec's rows may be keyed by a department number: a node yield of a
        numbered label identified by [identifier, local number…] that writes the number."""
        return any(node.label in NUMBERED and not isinstance(node.id, str) and NUMBERED[node.label] in node.props
                   for node in spec.nodes)

    def learn(self, facts: Facts | Typed) -> None:
        """Note the numbers the chunk's identified nodes carry."""
        for label, prop in NUMBERED.items():
            key = SCHEMA.node(label).key
            tables = facts.nodes.get(label, ())
            batches = tables if isinstance(facts, Facts) else [tables] if tables else []
            for batch in batches:
                if prop not in _names(batch):
                    continue
                uids, numbers = _column(batch, key), _column(batch, prop)
                given = pc.and_(pc.is_valid(numbers), pc.is_valid(uids))
                if not pc.any(given).as_py():
                    continue
                pairs = set(zip(numbers.filter(given).to_pylist(), uids.filter(given).to_pylist()))
                for number, uid in pairs:
                    if number and not is_provisional(uid):
                        self.owners.setdefault(number, set()).add(uid)

    def apply(self, facts: Facts) -> None:
        """Rewrite the chunk's rows keyed by a department number that names one identified
        entity: in place, before the chunk is typed."""
        for label, prop in NUMBERED.items():
            key = SCHEMA.node(label).key
            mapping: dict[str, str | None] = {}  # provisional uid → the entity (None: not one)
            for batch in facts.nodes.get(label, ()):
                if prop not in batch:
                    continue
                uids, numbers = _column(batch, key), _column(batch, prop)
                local = pc.and_(pc.fill_null(pc.starts_with(uids, RECORD_UID), False), pc.is_valid(numbers))
                if not pc.any(local).as_py():
                    continue
                rows = set(zip(uids.filter(local).to_pylist(), numbers.filter(local).to_pylist()))
                self._ask({number for _, number in rows})
                for uid, number in rows:
                    owners = self.owners.get(number, set())
                    entity = next(iter(owners)) if len(owners) == 1 else None
                    mapping[uid] = entity if mapping.get(uid, entity) == entity else None
            old = sorted(uid for uid, entity in mapping.items() if entity is not None)
            if old:  # an exact match, as resolution writes one for a department number
                point_at(facts, label, old, [mapping[uid] for uid in old],
                         {"method": pa.array(["exact"] * len(old), pa.string()),
                          "score": pa.array([1.0] * len(old), pa.float64())})

    def _ask(self, numbers: set[str]) -> None:
        """Add the store's identified owners of the numbers not asked yet."""
        wanted = sorted(numbers - self.asked) if self.ask_store else []
        self.asked |= numbers
        for label, prop in NUMBERED.items():
            if not wanted:
                return
            key = SCHEMA.node(label).key
            for row in self.store.query(f"MATCH (n:{label}) WHERE n.{prop} IN $numbers "
                                        f"RETURN n.{prop} AS number, n.{key} AS uid", {"numbers": wanted}):
                if row["uid"] and not is_provisional(row["uid"]):
                    self.owners.setdefault(row["number"], set()).add(row["uid"])


def _names(batch) -> list[str]:
    return batch.column_names if isinstance(batch, pa.Table) else list(batch)


def _column(batch, name: str) -> pa.Array:
    values = batch[name]
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    return values if isinstance(values, pa.Array) else pa.array(values, pa.string())
