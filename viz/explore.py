"""The investigator's page for a key or a finding, in one call.

    html, doc = explore(store, "石嘴山泰湖实业有限公司", depth=2)
    html, doc = explore(store, finding_id="7696e92b13df6f88", cleared=Clearance.of(user, grades))
"""
from __future__ import annotations

from crossaudit.engine import Store
from crossaudit.engine.access import Clearance
from crossaudit.viz.case import build_case
from crossaudit.viz.document import case_document
from crossaudit.viz.lookup import find_entity
from crossaudit.viz.page import explore_page


def explore(store: Store, key: str | None = None, finding_id: str | None = None, depth: int = 2,
            max_nodes: int = 200, max_per_type: int = 12, cleared: bool | Clearance = True) -> tuple[str, dict]:
    """The page (HTML) around the entity `key` names and/or the finding's flagged entities, and its
    case document, masked for a reader `cleared` so (see case_document). Raises LookupFailed or AmbiguousKey (with the candidates) for a key that names
    no or several entities, CaseError for an unknown finding."""
    if key is None and finding_id is None:
        raise ValueError("give a key (credit code, ID number, certificate number or name) or a finding id")
    seeds, title = [], finding_id or ""
    if key is not None:
        entity = find_entity(store, key)
        shown = entity.shown(cleared)
        seeds, title = [entity.ident], shown.name or shown.key
    case = build_case(store, seeds, finding_id=finding_id, depth=depth, max_nodes=max_nodes,
                      max_per_type=max_per_type)
    doc = case_document(case, cleared)
    if key is None:
        title = doc["finding"]["title_zh"] or title
    return explore_page(doc, title), doc
