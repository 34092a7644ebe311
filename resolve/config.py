"""How one entity type is resolved, as data: fields, identifiers, comparisons, blocking keys,
hard constraints, relations and thresholds.

    >>> config = EntityConfig("thing", "T-", fields=(Field("code"),), identifiers=("code",))
    >>> [key.label for key in config.all_blocking]
    ['code']
"""
from __future__ import annotations

from dataclasses import dataclass

from crossaudit.resolve.blocking import BlockOn
from crossaudit.resolve.comparisons import Comparison
from crossaudit.resolve.records import Field


@dataclass(frozen=True)
class Relation:
    """Records related but never merged: a record whose `key` equals another's `target` is
    linked to it as `kind` (a branch's parent name → its parent's name: BRANCH_OF)."""
    kind: str
    key: str
    target: str


@dataclass(frozen=True)
class EntityConfig:
    """Everything the resolver needs to know about one entity type.

    identifiers: fields holding a *valid* identifier (invalid ones normalise to None): equal
        values link at once, different values are never in one cluster.
    exclusive: further fields of which a cluster holds at most one value (a branch's name).
    required: comparisons that must not be at their "different" level for a probabilistic
        match (enterprises: the name — two firms named apart are not one because they share a
        legal representative); such a pair goes to review however strong the rest.
    thresholds: match probability for review and for an automatic match.
    ambiguity_margin: a record matched to two identified entities whose best match weights are
        within this many bits (log2 Bayes factor) of each other is left to review, not merged
        into the stronger: 3 bits is a likelihood ratio of 8.
    """
    entity_type: str
    id_prefix: str
    fields: tuple[Field, ...]
    identifiers: tuple[str, ...] = ()
    comparisons: tuple[Comparison, ...] = ()
    blocking: tuple[BlockOn, ...] = ()
    exclusive: tuple[str, ...] = ()
    relations: tuple[Relation, ...] = ()
    required: tuple[str, ...] = ()
    review_threshold: float = 0.5
    match_threshold: float = 0.95
    ambiguity_margin: float = 3.0

    def __post_init__(self):
        names = {f.name for f in self.fields}
        used = {*self.identifiers, *self.exclusive, *(c.column for c in self.comparisons),
                *(col for key in self.blocking for col in key.columns),
                *(name for r in self.relations for name in (r.key, r.target))}
        if used - names:
            raise ValueError(f"{self.entity_type}: {sorted(used - names)} used but not among the fields "
                             f"{sorted(names)}")
        if unknown := set(self.required) - {c.name for c in self.comparisons}:
            raise ValueError(f"{self.entity_type}: required {sorted(unknown)} names no comparison")
        if not 0 < self.review_threshold <= self.match_threshold < 1:
            raise ValueError(f"{self.entity_type}: need 0 < review_threshold <= match_threshold < 1")

    @property
    def all_blocking(self) -> tuple[BlockOn, ...]:
        """The blocking keys plus one per identifier (records sharing one always meet)."""
        return (*(BlockOn((name,), max_block=1_000_000) for name in self.identifiers), *self.blocking)
