"""Resolution on the graph: entity nodes → records → `link` → merges, review items, branches.

The loader keys every mention as faithfully as its row allows: a valid credit code or ID
number is the uid itself; an enterprise without one is `name:<normalised name>`, a person or
property without one `record:<row>:<role>`; a property by its unit number, else its
certificate number, a contract by its number (each in one written form). `resolve_store`
first folds every property or contract node keyed by a second identifier into the node of
the canonical identifier a row cited it with (`fold_co_citations`: a certificate into its
unit), then reads the nodes with the context the resolver compares (address, phone, legal
representative, owner), links them, and folds each provisional node into the canonical
entity of its cluster (`engine.merge.merge_entities`), so uids that are identifiers never
change.

    report = resolve_store(store)           # every entity type; idempotent
    report.merged["Enterprise"]             # how many provisional nodes were folded
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from crossaudit.engine.merge import CO_CITED, is_provisional, merge_entities
from crossaudit.engine.store import RunStamp, Store
from crossaudit.loaders.identifiers import OBJECT_IDENTIFIERS
from crossaudit.resolve.configs import CONFIGS
from crossaudit.resolve.config import EntityConfig
from crossaudit.resolve.link import Resolution, comparison_levels, link
from crossaudit.resolve.normalise import address_key, address_parts

# (label, configuration, node properties read as record columns)
RESOLVED = (
    ("Enterprise", CONFIGS["enterprise"], {"credit_code": "credit_code", "name": "name", "region_code": "region_code",
                                           "si_no": "si_no", "code_as_written": "credit_code_as_written"}),
    ("Person", CONFIGS["person"], {"id_number": "id_number", "name": "name", "birth_date": "birth_date",
                                   "code_as_written": "id_number_as_written"}),
    ("Property", CONFIGS["property"], {"cert_no": "cert_no", "address": "address", "area": "area_m2"}),
)


def house_tie(address: str) -> str | None:
    """A house as a tie between parties, known by its address (two departments' citations of
    one house may stay two Property nodes, and properties are resolved after persons):
    `'银川市兴庆区解放西街12号'` → `'@640104 解放西街12号'` (no '|': ties are joined by it)."""
    key = address_key(address)
    return "@" + key.replace("|", " ") if key else None


def _houses(label: str) -> tuple[str, Callable[[str], str | None]]:
    """The houses a party owns, lets or sells (by contract; a lessee holds none), or files a return
    about, by address (`house_tie`): a lessor the housing department names without an identifier
    meets the owner who files the rental tax on that house."""
    return ((f"MATCH (p:{label})-[:OWNS]->(o:Property) RETURN p.uid AS uid, o.address AS value "
             f"UNION ALL MATCH (p:{label})-[r:PARTY_TO]->(:Contract)-[:CONCERNS]->(o:Property) "
             "WHERE coalesce(r.role, '') <> 'lessee' RETURN p.uid AS uid, o.address AS value "
             f"UNION ALL MATCH (p:{label})-[:FILED]->(:TaxFiling)-[:CONCERNS]->(o:Property) "
             "RETURN p.uid AS uid, o.address AS value"), house_tie)


# Context columns: (column, Cypher returning uid and value for the label, normaliser of the value or
# None); the first value per uid is kept, all of them joined by '|' for the columns in JOINED.
CONTEXT = {
    "Enterprise": (
        ("address", "MATCH (e:Enterprise)-[:LOCATED_AT]->(a:Address) RETURN e.uid AS uid, a.text AS value", None),
        ("phone", "MATCH (e:Enterprise)-[:HAS_PHONE]->(p:Phone) RETURN e.uid AS uid, p.number AS value", None),
        ("rep_name", "MATCH (p:Person)-[:LEGAL_REP_OF]->(e:Enterprise) RETURN e.uid AS uid, p.name AS value", None),
        ("rep_id", "MATCH (p:Person)-[:LEGAL_REP_OF]->(e:Enterprise) RETURN e.uid AS uid, p.id_number AS value",
         None),
        ("ties", *_houses("Enterprise")),
    ),
    "Person": (
        ("address", "MATCH (p:Person)-[:LOCATED_AT]->(a:Address) RETURN p.uid AS uid, a.text AS value", None),
        ("phone", "MATCH (p:Person)-[:HAS_PHONE]->(t:Phone) RETURN p.uid AS uid, t.number AS value", None),
        # the firms a person works for, represents, holds or manages, and the contracts they sign
        ("ties", "MATCH (e:Enterprise)-[:EMPLOYS]->(p:Person) RETURN p.uid AS uid, e.uid AS value "
                 "UNION ALL MATCH (p:Person)-[:LEGAL_REP_OF]->(e:Enterprise) RETURN p.uid AS uid, e.uid AS value "
                 "UNION ALL MATCH (p:Person)-[:SHAREHOLDER_OF]->(e:Enterprise) RETURN p.uid AS uid, e.uid AS value "
                 "UNION ALL MATCH (p:Person)-[:EXECUTIVE_OF]->(e:Enterprise) RETURN p.uid AS uid, e.uid AS value "
                 "UNION ALL MATCH (p:Person)-[:PARTY_TO]->(c:Contract) RETURN p.uid AS uid, c.uid AS value", None),
        ("ties", *_houses("Person")),
    ),
    "Property": (
        ("owner_name", "MATCH (o:Enterprise)-[:OWNS]->(p:Property) RETURN p.uid AS uid, o.name AS value "
                       "UNION ALL MATCH (o:Person)-[:OWNS]->(p:Property) RETURN p.uid AS uid, o.name AS value", None),
        ("owner_code", "MATCH (o:Enterprise)-[:OWNS]->(p:Property) RETURN p.uid AS uid, o.uid AS value "
                       "UNION ALL MATCH (o:Person)-[:OWNS]->(p:Property) RETURN p.uid AS uid, o.uid AS value", None),
    ),
}

JOINED = {"ties"}

# Every label a resolution reports on: the linked ones, then Contract (co-citations only).
REPORTED = (*(label for label, _, _ in RESOLVED), "Contract")


@dataclass
class ResolveReport:
    """Per label: nodes read, nodes merged (co-cited ones included), pairs queued for review,
    nodes merged because a row cited them with the canonical identifier, and identifiers left
    unmerged because rows cited them with several canonical ones."""

    records: dict[str, int] = field(default_factory=dict)
    merged: dict[str, int] = field(default_factory=dict)
    review: dict[str, int] = field(default_factory=dict)
    co_cited: dict[str, int] = field(default_factory=dict)
    ambiguous: dict[str, int] = field(default_factory=dict)
    branches: int = 0
    located: int = 0  # properties given the county their address names

    def to_json(self) -> dict:
        return {"records": self.records, "merged": self.merged, "review": self.review, "co_cited": self.co_cited,
                "ambiguous": self.ambiguous, "branches": self.branches, "located": self.located}


def read_records(store: Store, label: str, props: dict[str, str]) -> pd.DataFrame:
    """One row per `label` node: uid as record_id, its properties and its context columns."""
    returned = ", ".join(f"n.{prop} AS {column}" for column, prop in props.items())
    frame = pd.DataFrame(store.query(f"MATCH (n:{label}) RETURN n.uid AS record_id, {returned}"),
                         columns=["record_id", *props])
    context: dict[str, list[pd.DataFrame]] = {}
    for column, cypher, normalise in CONTEXT.get(label, ()):
        values = pd.DataFrame(store.query(cypher), columns=["uid", "value"]).dropna()
        if normalise is not None:  # each distinct value once: many filings cite one house
            values["value"] = values["value"].map({value: normalise(value) for value in values["value"].unique()})
        context.setdefault(column, []).append(values.dropna())
    for column, parts in context.items():
        values = pd.concat(parts).drop_duplicates().sort_values(["uid", "value"])
        kept = (values.groupby("uid")["value"].agg("|".join) if column in JOINED
                else values.drop_duplicates("uid").set_index("uid")["value"])
        frame[column] = frame["record_id"].map(kept)
    # an identifier that failed its check, as written: the configuration's valid_… drops it again, its
    # `…_as_written` comparison reads it (a mistyped code is one character off the right one)
    identifier = {"Enterprise": "credit_code", "Person": "id_number"}.get(label)
    if identifier:
        frame[identifier] = frame[identifier].fillna(frame.pop("code_as_written"))
    if label == "Enterprise":  # the credit code carries the registering county's code (characters 3–8)
        from_code = frame["credit_code"].where(frame["credit_code"].str.len() == 18).str.slice(2, 8)
        frame["region_code"] = frame["region_code"].fillna(from_code)
    if label == "Property":
        frame["address_key"] = frame["address"].map(address_key)
    if "birth_date" in frame:
        frame["birth_date"] = frame["birth_date"].map(lambda d: None if d is None else str(d))
    return frame.sort_values("record_id", ignore_index=True)


def read_judgements(store: Store, label: str) -> list[tuple[str, str, bool]]:
    rows = store.query("MATCH (j:Judgement) WHERE j.label = $label RETURN j.uid_a AS a, j.uid_b AS b, "
                       "j.decision AS decision", {"label": label})
    return [(r["a"], r["b"], r["decision"] == "match") for r in rows]


# Department numbers an entity is known by besides its identifier: a mention keyed by one links
# to the identified node that carries the same number (the department's rows that do give the
# identifier say which), before and whatever the scores. A property's normalised address (坐落)
# is one: the register gives each unit its own, so a house a lease or a return names by address
# alone is the one registered unit at that address (none if two units share it), and several such
# citations of an address no unit is registered at are one house.
# An enterprise's si_no is also read at load time, where the department's register is already
# loaded (`loaders/crosswalk.py`): what is left here is what a load could not yet tie.
LOCAL_NUMBERS = {"Enterprise": ("si_no",), "Property": ("address_key",)}


def local_links(records: pd.DataFrame, label: str) -> list[tuple[str, str]]:
    """(provisional uid, uid) pairs sharing a department number: the identified node, where only
    one carries it; where none does, the first (smallest uid) of the provisional nodes citing it —
    fourteen monthly returns about one house by its address are one house, not 91 pairs for a
    person to review. A number two identified nodes carry links nothing."""
    links = []
    for column in LOCAL_NUMBERS.get(label, ()):
        if column not in records:
            continue
        given = records.dropna(subset=[column])
        if given.empty:
            continue
        provisional = given["record_id"].map(is_provisional).astype(bool)
        owners = given[~provisional].groupby(column)["record_id"].agg(list)
        owner = owners[owners.map(len) == 1].map(lambda uids: uids[0])
        cited = given[provisional].sort_values("record_id")
        first = cited[~cited[column].isin(owners.index)].groupby(column)["record_id"].first()
        for uid, number in zip(cited["record_id"], cited[column]):
            anchor = owner.get(number, first.get(number))
            if anchor is not None and anchor != uid:
                links.append((uid, anchor))
    return links


def link_label(store: Store, label: str, config: EntityConfig, props: dict[str, str]) -> Resolution:
    """Link every `label` node; nodes keyed by an identifier keep their uid as entity id."""
    records = read_records(store, label, props)
    existing = {uid: uid for uid in records["record_id"] if not is_provisional(uid)}
    local = local_links(records, label)
    judgements = [(a, b, True) for a, b in local] + read_judgements(store, label)
    resolution = link(records, config, judgements=judgements or None, existing=existing)
    resolution.local_links = dict(local)
    return resolution


def canonical_ids(resolution: Resolution) -> dict[str, str]:
    """uid → the uid its cluster keeps: the identifier in it, else the smallest uid."""
    clusters = resolution.clusters[["record_id", "entity_id"]].copy()
    clusters["provisional"] = clusters["record_id"].map(is_provisional).astype(bool)
    # identified before provisional, then by uid: each cluster's first row is the one it keeps
    ordered = clusters.sort_values(["entity_id", "provisional", "record_id"])
    kept = ordered.groupby("entity_id", sort=False)["record_id"].first()
    return dict(zip(clusters["record_id"], clusters["entity_id"].map(kept)))


def contributions(resolution: Resolution, pairs: list[tuple[str, str]]) -> list[str]:
    """Each pair's field contributions (log2 Bayes factors) as JSON, the weights `explain` gives,
    computed for all pairs at once: `contributions(r, [("a", "b")])` → ['{"name": 7.2, …}']."""
    if not pairs:
        return []
    records, config = resolution.records, resolution.config
    left, right = (records.index_of([pair[side] for pair in pairs]) for side in (0, 1))
    return _as_json(config, resolution.model.contributions(comparison_levels(records, config, left, right)))


def _as_json(config: EntityConfig, weights) -> list[str]:
    """Rows of field weights (one column per comparison) as the JSON a match or review item keeps."""
    names = [c.name for c in config.comparisons]
    return [json.dumps({name: round(float(w), 3) for name, w in zip(names, row)}, ensure_ascii=False, sort_keys=True)
            for row in weights]


def _match_details(resolution: Resolution, merges: dict[str, str]) -> dict[str, dict]:
    """For each merged uid: how it was tied into its cluster, with the pair's probability and
    each field's contribution (log2 Bayes factors)."""
    rows = resolution.clusters.set_index("record_id").loc[sorted(merges)]
    details, scored = {}, []
    for uid, row in rows.iterrows():
        if resolution.local_links.get(uid) == merges[uid]:  # the department's own number names the identified entity
            details[uid] = {"method": "exact", "score": 1.0, "contributions": None}
            continue
        matched = row["matched_with"] if isinstance(row["matched_with"], str) else merges[uid]
        details[uid] = {"method": "judgement" if row["method"] == "judgement" else "probabilistic",
                        "score": None if row["probability"] != row["probability"] else float(row["probability"])}
        scored.append((uid, matched))
    for (uid, _), weights in zip(scored, contributions(resolution, scored)):
        details[uid]["contributions"] = json.loads(weights)
    return details


def _review_items(store: Store, label: str, resolution: Resolution, run: RunStamp) -> int:
    """Queue the pairs between the two thresholds; a judged or queued pair keeps its status."""
    review = resolution.review
    if review.empty:
        return 0
    queued = {r["pair_id"] for r in store.query(
        "MATCH (i:ReviewItem) WHERE i.label = $label RETURN i.pair_id AS pair_id", {"label": label})}
    pairs = [tuple(sorted(pair)) for pair in zip(review["left_id"], review["right_id"])]
    # link scored these pairs already: their field weights are the review frame's w_ columns
    scored = _as_json(resolution.config, review[[f"w_{c.name}" for c in resolution.config.comparisons]].to_numpy())
    rows = []
    for (a, b), probability, weights in zip(pairs, review["probability"], scored):
        pair_id = f"{label}:{a}|{b}"
        row = {"pair_id": pair_id, "label": label, "uid_a": a, "uid_b": b, "score": float(probability),
               "contributions": weights, "resolve_run": run.run_id}
        if pair_id not in queued:
            row["status"] = "open"
        rows.append(row)
    store.upsert_nodes("ReviewItem", rows, run)
    return len(rows)


def fold_co_citations(store: Store, label: str, run: RunStamp) -> tuple[int, int, int]:
    """Merge each node keyed by a second identifier into the node of the canonical identifier a
    row cited it with (a certificate into its unit: CoCitation); return (merged, ambiguous,
    queued for review). An identifier co-cited with several canonical nodes is ambiguous: it is
    merged into none, and each pair waits in the review queue until a judgement picks one.
    Two canonical nodes (two unit numbers) are never merged: a unit number a row gave as the
    other identifier is counted ambiguous too."""
    rows = store.query("MATCH (c:CoCitation) WHERE c.label = $label RETURN c.other_uid AS other, c.uid AS uid",
                       {"label": label})
    canonical = OBJECT_IDENTIFIERS[label][0][0]  # unit_no: a node that has one is keyed by it
    present = {r["uid"]: r["canonical"] is not None for r in store.query(
        f"UNWIND $uids AS u MATCH (n:{label} {{uid: u}}) RETURN n.uid AS uid, n.{canonical} AS canonical",
        {"uids": sorted({uid for row in rows for uid in row.values()})})}
    # a unit number written in a certificate column stays a unit: never merged into another
    refused = {row["other"] for row in rows if present.get(row["other"])}
    judged = {frozenset((a, b)): same for a, b, same in read_judgements(store, label)}
    candidates: dict[str, set[str]] = {}
    for row in rows:
        if row["other"] not in refused and judged.get(frozenset((row["other"], row["uid"]))) is not False:
            candidates.setdefault(row["other"], set()).add(row["uid"])
    chosen, ambiguous = {}, {}
    for other, uids in sorted(candidates.items()):
        accepted = [uid for uid in uids if judged.get(frozenset((other, uid)))]
        if len(accepted) == 1 or len(uids) == 1:
            chosen[other] = (accepted or sorted(uids))[0]
        else:
            ambiguous[other] = sorted(uids)
    merges = {other: uid for other, uid in chosen.items() if other in present and uid in present}
    matches = {other: {"method": "judgement" if judged.get(frozenset((other, uid))) else "co-cited", "score": 1.0}
               for other, uid in merges.items()}
    merged = merge_entities(store, label, merges, run, matches)
    return merged, len(ambiguous) + len(refused), _ambiguity_items(store, label, ambiguous, run)


def _ambiguity_items(store: Store, label: str, ambiguous: dict[str, list[str]], run: RunStamp) -> int:
    """Queue each (identifier, canonical node) pair of an ambiguous co-citation; accepting one
    (`judge`) merges the identifier there."""
    queued = {r["pair_id"] for r in store.query(
        "MATCH (i:ReviewItem) WHERE i.label = $label RETURN i.pair_id AS pair_id", {"label": label})}
    rows = []
    for other, uids in ambiguous.items():
        for uid in uids:
            a, b = sorted((other, uid))
            row = {"pair_id": f"{label}:{a}|{b}", "label": label, "uid_a": a, "uid_b": b, "resolve_run": run.run_id,
                   "reason": f"{other} is cited with {len(uids)} {label} identifiers: {', '.join(uids)}"}
            if row["pair_id"] not in queued:
                row["status"] = "open"
            rows.append(row)
    if rows:
        store.upsert_nodes("ReviewItem", rows, run)
    return len(rows)


def resolve_store(store: Store, run: RunStamp | None = None,
                  progress: Callable[[str, str], None] | None = None) -> ResolveReport:
    """Resolve every entity type in the store; see the module docstring."""
    run = run or RunStamp.now()
    report = ResolveReport()
    linked = {label: (config, props) for label, config, props in RESOLVED}
    for label in REPORTED:
        for counts in (report.records, report.merged, report.review, report.co_cited, report.ambiguous):
            counts[label] = 0
        if not store.query(f"MATCH (n:{label}) RETURN n.uid AS uid LIMIT 1"):
            continue
        if label in CO_CITED:
            if progress:
                progress(label, "merging co-cited identifiers")
            report.co_cited[label], report.ambiguous[label], report.review[label] = fold_co_citations(store, label, run)
            report.merged[label] = report.co_cited[label]
        if label not in linked:
            report.records[label] = store.query(f"MATCH (n:{label}) RETURN count(n) AS n")[0]["n"]
            continue
        if progress:
            progress(label, "linking")
        resolution = link_label(store, label, *linked[label])
        keep = canonical_ids(resolution)
        merges = {uid: kept for uid, kept in keep.items() if uid != kept}
        report.records[label] = len(resolution.records)
        if progress:
            progress(label, f"merging {len(merges)}")
        report.merged[label] += merge_entities(store, label, merges, run, _match_details(resolution, merges))
        report.review[label] += _review_items(store, label, resolution, run)
        if label == "Enterprise" and not resolution.related.empty:
            related = resolution.related[resolution.related["kind"] == "BRANCH_OF"]
            branches = [{"from": keep.get(a, a), "to": keep.get(b, b)}
                        for a, b in zip(related["record_id"], related["related_record_id"])]
            branches = [dict(t) for t in sorted({tuple(b.items()) for b in branches}) if t[0][1] != t[1][1]]
            store.upsert_relationships("BRANCH_OF", "Enterprise", "Enterprise", branches, run)
            report.branches = len(branches)
    report.located = locate_properties(store, run)
    return report


def locate_properties(store: Store, run: RunStamp) -> int:
    """Give each property without a region_code the county its address names: deed tax is filed
    with the office where the land or house lies (契税暂行条例 第十条, the practice the 契税法
    kept), so that is the office a finding about it goes to. Returns how many were located."""
    rows = store.query("MATCH (p:Property) WHERE p.region_code IS NULL AND p.address IS NOT NULL "
                       "RETURN p.uid AS uid, p.address AS address")
    located = []
    for row in rows:
        parts = address_parts(str(row["address"]))
        if parts and parts.county:
            located.append({"uid": row["uid"], "region_code": parts.county})
    store.upsert_nodes("Property", located, run)
    return len(located)


# --- review queue and explanations ------------------------------------------------------------

class ReviewError(ValueError):
    """A review action that cannot be taken; the message says why."""


def review_items(store: Store, status: str | None = "open", label: str | None = None) -> list[dict]:
    """The review queue, highest score first."""
    given = {"status": status, "label": label}
    where = " AND ".join(f"i.{name} = ${name}" for name, value in given.items() if value is not None)
    # Only the names of the given filters reach the text; their values stay parameters.
    rows = store.query(f"MATCH (i:ReviewItem) {'WHERE ' + where if where else ''} RETURN i.pair_id AS pair_id, "
                       "i.label AS label, i.uid_a AS uid_a, i.uid_b AS uid_b, i.score AS score, "
                       "i.status AS status, i.contributions AS contributions, i.reason AS reason",
                       {k: v for k, v in given.items() if v is not None})
    return sorted(rows, key=lambda r: (-(r["score"] or 0), r["pair_id"]))


def judge(store: Store, pair_id: str, same: bool, by: str, note: str | None = None,
          run: RunStamp | None = None) -> dict:
    """Record a person's judgement on a queued pair; an accepted pair is merged at once.
    Two identifiers (credit codes, ID numbers) are never merged, whatever the judgement."""
    run = run or RunStamp.now()
    found = store.query("MATCH (i:ReviewItem {pair_id: $id}) RETURN i.label AS label, i.uid_a AS a, i.uid_b AS b",
                        {"id": pair_id})
    if not found:
        raise ReviewError(f"no review item {pair_id!r}; see `crossaudit review list`")
    label, a, b = found[0]["label"], found[0]["a"], found[0]["b"]
    cited = co_citation(store, label, a, b)
    if same and not is_provisional(a) and not is_provisional(b) and cited is None:
        raise ReviewError(f"{a} and {b} are both identifiers (credit codes, ID numbers, unit numbers): two different "
                          "identifiers are never one entity; reject the pair instead")
    store.upsert_nodes("Judgement", [{"pair_id": pair_id, "label": label, "uid_a": a, "uid_b": b,
                                      "decision": "match" if same else "no_match", "decided_by": by,
                                      "decided_at": run.at, "note": note}], run)
    store.upsert_nodes("ReviewItem", [{"pair_id": pair_id, "status": "accepted" if same else "rejected"}], run)
    if same:
        kept, merged = (a, b) if not is_provisional(a) or (is_provisional(b) and a < b) else (b, a)
        if cited is not None:  # the second identifier goes into the canonical one, and no other
            merged, kept = cited
            _close_other_citations(store, label, merged, pair_id, run)
        existing = {r["uid"] for r in store.query(f"UNWIND $uids AS u MATCH (n:{label} {{uid: u}}) RETURN n.uid AS uid",
                                                  {"uids": [a, b]})}
        if existing == {a, b}:
            merge_entities(store, label, {merged: kept}, run, {merged: {"method": "judgement", "score": 1.0}})
    return {"pair_id": pair_id, "label": label, "decision": "match" if same else "no_match"}


def _close_other_citations(store: Store, label: str, other: str, accepted: str, run: RunStamp) -> None:
    """The other open pairs of an identifier whose canonical one a person chose: rejected."""
    pairs = store.query("MATCH (i:ReviewItem) WHERE i.label = $label AND i.status = 'open' AND i.pair_id <> $accepted "
                        "AND (i.uid_a = $other OR i.uid_b = $other) RETURN i.pair_id AS pair_id",
                        {"label": label, "other": other, "accepted": accepted})
    if pairs:
        store.upsert_nodes("ReviewItem", [{"pair_id": r["pair_id"], "status": "rejected"} for r in pairs], run)


def co_citation(store: Store, label: str, a: str, b: str) -> tuple[str, str] | None:
    """(other identifier, canonical identifier) if a row cited `a` and `b` as one object and the
    other is not itself a canonical one (a unit number in a certificate column)."""
    if label not in CO_CITED:
        return None
    canonical = OBJECT_IDENTIFIERS[label][0][0]
    rows = store.query(f"UNWIND $ids AS i MATCH (c:CoCitation {{cocitation_id: i}}) "
                       f"OPTIONAL MATCH (n:{label} {{uid: c.other_uid}}) "
                       f"RETURN c.other_uid AS other, c.uid AS uid, n.{canonical} AS canonical",
                       {"ids": [f"{label}:{a}|{b}", f"{label}:{b}|{a}"]})
    return (rows[0]["other"], rows[0]["uid"]) if rows and rows[0]["canonical"] is None else None


def entity_of(store: Store, key: str) -> list[tuple[str, str]]:
    """(label, uid) for an entity uid, a merged mention's old uid, or a source record id."""
    found = []
    for label, _, _ in RESOLVED:
        if store.query(f"MATCH (n:{label} {{uid: $k}}) RETURN n.uid AS uid", {"k": key}):
            found.append((label, key))
    found += [(r["label"], r["uid"]) for r in store.query(
        "MATCH (a:EntityAlias) WHERE a.old_uid = $k RETURN a.label AS label, a.uid AS uid", {"k": key})]
    resolved = {label for label, _, _ in RESOLVED}
    for label in resolved:
        found += [(label, r["uid"]) for r in store.query(
            f"MATCH (s:SourceRecord {{record_id: $k}})-[:DESCRIBES]->(n:{label}) RETURN n.uid AS uid", {"k": key})]
    return sorted(set(found))


def explain(store: Store, key_a: str, key_b: str):
    """The resolver's explanation of two entities or records: score and each field's contribution."""
    a, b = entity_of(store, key_a), entity_of(store, key_b)
    if not a or not b:
        raise ReviewError(f"{key_a if not a else key_b} names no enterprise, person or property "
                          "(give an entity uid or a source record id)")
    common = sorted({label for label, _ in a} & {label for label, _ in b})
    if not common:
        raise ReviewError(f"{key_a} and {key_b} name different kinds of entity")
    label = common[0]
    uid_a = [u for lbl, u in a if lbl == label]
    uid_b = [u for lbl, u in b if lbl == label]
    if len(uid_a) > 1 or len(uid_b) > 1:
        raise ReviewError(f"a record names several {label} entities ({', '.join(uid_a + uid_b)}); "
                          "give entity uids instead")
    config, props = next((c, p) for lbl, c, p in RESOLVED if lbl == label)
    return link_label(store, label, config, props).explain(uid_a[0], uid_b[0])
