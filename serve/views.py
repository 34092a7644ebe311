"""What each page and API answer holds: one function per view, shared by the HTML pages and the
JSON API. Each checks the user's role (and for a finding, its office), reads through the viz and
engine functions the CLI uses, masks with the user's clearance, and records the read or action
in the audit log.

    search(console, user, "宁夏甲商贸")["candidates"][0]["ref"]
    finding(console, user, "F-related")["finding"]["status"]
"""
from __future__ import annotations

import datetime as dt
import re
import tempfile
import threading
import uuid
from dataclasses import replace
from pathlib import Path
from crossaudit.engine import StoreError
from crossaudit.engine.access import AccessDenied, User, describing_datasets
from crossaudit.engine.findings import list_findings, seen_findings, show_finding
from crossaudit.engine.lifecycle import TransitionError, history, push, verify
from crossaudit.engine.stats import finding_stats
from crossaudit.viz.case import Case, CaseError, build_case
from crossaudit.viz.document import case_document, node_ids
from crossaudit.viz.export import FORMATS, export_finding, safe_file_name
from crossaudit.viz.lookup import Candidate, candidates, find_entities
from crossaudit.viz.page import omission_notes, vis_data
from crossaudit.viz.vocab import LABEL_NAMES, REL_NAMES
from crossaudit.serve.console import Console
from crossaudit.serve.reads import GROUP_RELS, connections, linked_counts, name_index, neighbourhood, similar_names

SORTS = {"severity": None, "tax_at_risk": "tax_at_risk", "rule": "rule_id", "pack": "pack", "status": "status",
         "office": "office_code", "last_seen": "last_seen"}
MEDIA = {"json": "application/json", "graphml": "application/graphml+xml",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "html": "text/html"}
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
PARTIES = ("Enterprise", "Person")


class NotFound(LookupError):
    """What the user asked for does not exist (or has been forgotten: a stale node reference)."""


# --- search and entities ---------------------------------------------------------------------

def _candidate_row(console: Console, candidate: Candidate, clearance) -> dict:
    shown = candidate.shown(clearance)
    return {"ref": console.ref(candidate.ident), "type": candidate.label, "type_name": LABEL_NAMES[candidate.label],
            "name": shown.name, "identifier": shown.identifier, "region_code": shown.region_code}


def search(console: Console, user: User, text: str, limit: int = 20) -> dict:
    """Entities by identifier (credit code, ID number, certificate, contract, plate, invoice number),
    exact or partial name, else names like it (rapidfuzz)."""
    console.require(user, "explore", "search")
    clearance = console.clearance(user)
    text = (text or "").strip()
    found = find_entities(console.store(), text, limit) if text else []
    fuzzy = []
    if text and not found:  # no identifier, no name containing the text: names like it
        fuzzy = candidates(console.store(), similar_names(console.names(name_index), text, limit))
    rows = [_candidate_row(console, c, clearance) for c in [*found, *fuzzy][:limit]]
    console.audit(user, "explore", clearance.text(text), "allowed", f"search: {len(rows)} candidates")
    return {"query": clearance.text(text), "candidates": rows, "fuzzy": len(fuzzy)}


def _ident(console: Console, ref: str):
    ident = console.ident_of(ref)
    if ident is None:
        raise NotFound(f"未知的节点引用 {ref}：请重新搜索")
    return ident


def entity(console: Console, user: User, ref: str) -> dict:
    """One entity: its facts with provenance, the rows it was read from, its findings (of the
    user's offices only) and its linked entities by type with counts."""
    console.require(user, "explore", ref)
    ident = _ident(console, ref)
    store = console.store()
    clearance = console.clearance(user)
    case = build_case(store, [ident], depth=0)
    if ident not in case.network.nodes:
        raise NotFound("该实体已不存在")
    doc = case_document(case, clearance)
    node = doc["nodes"][0]
    node["findings"] = [{**f, "ref": f["finding_id"]} for f in node["findings"]]
    linked = [{**row, "type_name": LABEL_NAMES[row["label"]], "rel_name": REL_NAMES[row["rel_type"]]}
              for row in linked_counts(store, ident)]
    console.audit(user, "explore", node["caption"].splitlines()[0], "allowed", f"entity {ident[0]}")
    return {"ref": ref, "node": node, "linked": linked, "departments": doc["departments"]}


# --- networks ----------------------------------------------------------------------------------

def network_json(console: Console, case: Case, clearance) -> dict:
    """A case as vis-network data (the viz pages' styles and tooltips) with opaque node refs, each
    edge's relationship type, its dates (for the date filter) and whether it is an interest-group link."""
    doc = case_document(case, clearance)
    vis = vis_data(doc)
    refs = {doc_id: console.ref(ident) for ident, doc_id in node_ids(case).items()}
    groups: dict[tuple, list[dict]] = {}
    for rel in doc["relationships"]:
        groups.setdefault((rel["from"], rel["to"], rel["type"]), []).append(rel)
    # An edge's dates, for the date filter: its relationships' and those of an end that is a
    # transaction or an object (an invoice's issue date), not a party (a firm's founding).
    end_dates = {node["id"]: [str(v)[:10] for v in node["properties"].values() if _DATE.match(str(v))]
                 for node in doc["nodes"] if node["type"] not in PARTIES}
    edges = []
    for edge, ((source, target, rel_type), rels) in zip(vis["edges"], groups.items()):
        dates = sorted({*(str(v)[:10] for r in rels for v in r["properties"].values() if _DATE.match(str(v))),
                        *end_dates.get(source, ()), *end_dates.get(target, ())})
        edges.append({**edge, "id": f"{refs[source]}-{refs[target]}-{rel_type}", "from": refs[source],
                      "to": refs[target], "rel_type": rel_type, "rel_name": REL_NAMES[rel_type], "dates": dates,
                      "interest_group": rel_type in GROUP_RELS})
    nodes = [{**node, "id": refs[node["id"]]} for node in vis["nodes"]]
    paths = [{"nodes": [refs[n] for n in path["nodes"]], "text": path["text"]} for path in doc["evidence_paths"]]
    return {"nodes": nodes, "edges": edges, "paths": paths, "options": vis["options"],
            "seeds": [refs[s] for s in doc["seeds"]], "notes": omission_notes(doc)}


def neighbours(console: Console, user: User, ref: str, label: str | None = None, max_per_type: int = 20) -> dict:
    """A node and its neighbours (of one type when `label` is given), to add to a drawn network."""
    console.require(user, "explore", ref)
    if label is not None and label not in LABEL_NAMES:
        raise NotFound(f"未知的实体类型 {label}")
    ident = _ident(console, ref)
    clearance = console.clearance(user)
    data = network_json(console, neighbourhood(console.store(), ident, label, max_per_type), clearance)
    console.audit(user, "explore", ref, "allowed", f"expand {label or 'all'}: {len(data['nodes'])} nodes")
    return data


def paths(console: Console, user: User, ref_a: str, ref_b: str) -> dict:
    """How A and B are connected: the shortest paths, at most four relationships long."""
    console.require(user, "explore", f"{ref_a} {ref_b}")
    a, b = _ident(console, ref_a), _ident(console, ref_b)
    data = network_json(console, connections(console.store(), a, b), console.clearance(user))
    console.audit(user, "explore", f"{ref_a} {ref_b}", "allowed", f"paths: {len(data['paths'])}")
    return data


# --- findings -------------------------------------------------------------------------------------

def queue(console: Console, user: User, rule: str | None = None, pack: str | None = None,
          severity: str | None = None, status: str | None = None, sort: str = "severity", limit: int = 500) -> dict:
    """The findings of the user's office and those below it (every office for the other roles),
    filtered, sorted, masked."""
    console.require(user, "findings.list", "queue")
    store = console.store()
    scope = console.office_scope(user)
    rows = list_findings(store, rule or None, pack or None, severity or None, None, status or None)
    if scope is not None:
        rows = [row for row in rows if row["office_code"] in scope]
    key = SORTS.get(sort or "severity", None)
    if key == "tax_at_risk":
        rows.sort(key=lambda r: -(r["tax_at_risk"] or 0.0))
    elif key:
        rows.sort(key=lambda r: str(r[key] or ""))
    total = len(rows)
    rows = seen_findings(store, rows[:limit], console.clearance(user))
    console.audit(user, "findings.list", f"office {user.office or '(all)'}", "allowed", f"{len(rows)} findings")
    facets = {name: sorted({r[name] for r in rows if r[name]}) for name in ("rule_id", "pack", "severity", "status")}
    return {"findings": rows, "total": total, "facets": facets,
            "filters": {"rule": rule, "pack": pack, "severity": severity, "status": status, "sort": sort}}


def finding(console: Console, user: User, finding_id: str) -> dict:
    """One finding: evidence, office, flagged entities with their source rows, its history."""
    console.require_finding(user, "findings.show", finding_id)
    store = console.store()
    shown = show_finding(store, finding_id, 20, console.clearance(user))
    shown["history"] = [{k: v for k, v in event.items() if k != "change"} for event in history(store, finding_id)]
    console.audit(user, "findings.show", finding_id, "allowed")
    return shown


def finding_network(console: Console, user: User, finding_id: str) -> dict:
    """The finding's flagged entities, their evidence paths and one hop of context."""
    console.require_finding(user, "findings.show", finding_id)
    case = build_case(console.store(), finding_id=finding_id, depth=1, max_nodes=150, max_per_type=12)
    data = network_json(console, case, console.clearance(user))
    console.audit(user, "explore", finding_id, "allowed", "finding network")
    return data


def push_finding(console: Console, user: User, finding_id: str) -> dict:
    """Push one new finding to its office (the lifecycle's push, as `crossaudit findings push`)."""
    console.require_finding(user, "findings.push", finding_id)
    with console.writing() as store:
        pushed = push(store, user.name, finding_ids=[finding_id])
    if not pushed:
        console.audit(user, "findings.push", finding_id, "denied", "not new")
        raise TransitionError(f"疑点 {finding_id} 不是新疑点，不能推送")
    console.audit(user, "findings.push", finding_id, "allowed", "1 pushed")
    return {"finding_id": finding_id, "from": "new", "to": "pushed"}


def verify_finding(console: Console, user: User, finding_id: str, status: str, note: str | None = None,
                   recovered: float | None = None) -> dict:
    """Record a verification step or verdict (the lifecycle's verify, as `crossaudit findings verify`)."""
    console.require_finding(user, "findings.verify", finding_id)
    try:
        with console.writing() as store:
            change = verify(store, finding_id, status, user.name, recovered, note or None)
    except TransitionError as exc:
        console.audit(user, "findings.verify", finding_id, "denied", str(exc))
        raise
    console.audit(user, "findings.verify", finding_id, "allowed", f"{change['from']} -> {change['to']}")
    return change


# --- downloads ----------------------------------------------------------------------------------

def export(console: Console, user: User, finding_id: str, fmt: str) -> tuple[bytes, str, str]:
    """The finding's case as a file: (content, file name, media type); masked like the CLI's export."""
    if fmt not in FORMATS:
        raise NotFound(f"未知的导出格式 {fmt}；可选：{', '.join(FORMATS)}")
    console.require_finding(user, "export", finding_id)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"case.{fmt}"
        export_finding(console.store(), finding_id, fmt, path, cleared=console.clearance(user))
        content = path.read_bytes()
    console.audit(user, "export", finding_id, "allowed", f"download {fmt}")
    return content, f"{safe_file_name(finding_id)}.{fmt}", MEDIA[fmt]


def stats_page(console: Console, user: User) -> str:
    """The statistics page with its charts (the user's offices only), as `crossaudit stats -o`."""
    from crossaudit.viz.charts import stats_page as page  # matplotlib, for this page only

    console.require(user, "stats", "page")
    totals = finding_stats(console.store(), console.office_scope(user), console.clearance(user))
    console.audit(user, "stats", "page", "allowed")
    return page(totals)


def ledger_page(console: Console, user: User, period: str | None = None) -> str:
    """The department ledger report (通报), as `crossaudit ledger report`."""
    from crossaudit.engine.ledger import ledger
    from crossaudit.viz.ledger_report import ledger_report

    console.require(user, "ledger", "report")
    rows = ledger(console.store(), period)
    if not rows:
        raise NotFound("库中没有部门交付记录：请先加载数据")
    console.audit(user, "ledger", "report", "allowed")
    return ledger_report(rows, period or max(r["period"] for r in rows))


# --- loads submitted through the console ------------------------------------------------------

class Loads:
    """Loads run inside the server (on Ladybug, the one process that may write the store), one
    at a time, while every page keeps reading; their state is kept in memory."""

    def __init__(self, console: Console) -> None:
        self.console, self.jobs, self._lock = console, {}, threading.Lock()

    def submit(self, user: User, directory: str, delivered_on: dt.date | None = None) -> dict:
        self.console.require(user, "load", directory)
        if not Path(directory).is_dir():
            raise NotFound(f"{directory} 不是服务器上的文件夹")
        job = {"job_id": f"L-{uuid.uuid4().hex[:12]}", "directory": directory, "by": user.name, "status": "queued",
               "submitted_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
        with self._lock:
            self.jobs[job["job_id"]] = job
        threading.Thread(target=self._run, args=(job, user, delivered_on), daemon=True).start()
        self.console.audit(user, "load", directory, "allowed", f"submitted {job['job_id']}")
        return dict(job)

    def _run(self, job: dict, user: User, delivered_on: dt.date | None) -> None:
        from crossaudit.loaders import load_sources

        try:
            with self.console.writing(busy=True) as store:
                job["status"] = "running"
                report = load_sources(job["directory"], store, delivered_on=delivered_on)
            job.update(status="done", run_id=report.run_id, totals=report.totals())
        except Exception as exc:  # the job says why; the server keeps serving
            job.update(status="failed", error=str(exc))
        self.console.audit(user, "load", job["directory"], "allowed", f"{job['job_id']} {job['status']}")

    def get(self, user: User, job_id: str) -> dict:
        self.console.require(user, "load", job_id)
        if job_id not in self.jobs:
            raise NotFound(f"没有加载任务 {job_id}")
        return dict(self.jobs[job_id])


ERRORS: dict[type, int] = {AccessDenied: 403, NotFound: 404, TransitionError: 409, CaseError: 404, StoreError: 409,
                           ValueError: 400}


def error_status(exc: Exception) -> int | None:
    """The HTTP status of an error a view raises on purpose; None for any other."""
    return next((status for kind, status in ERRORS.items() if isinstance(exc, kind)), None)
