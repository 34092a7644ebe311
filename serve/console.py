"""The console's one long-lived hold on the store, shared by every request.

- **One store, many threads**: the server opens the store once; each of its STORE_THREADS worker
  threads reads through its own handle (`Store.for_thread`: a Ladybug connection of its own, which
  keeps the statements it prepared; Neo4j's thread-safe driver).
- **Reads never wait for a write**: on Ladybug one write transaction runs at a time and a second
  is refused, so the console's writes (lifecycle actions, loads submitted through it) take
  `writing`, one at a time; reads go on beside them. The audit entry of a read is queued and
  appended by one background thread, so a read never waits for a load to let it write.
- **Opaque node references**: pages and API answers name a node by `ref(ident)`, a keyed hash
  of its label and key, so that a masked key (an ID number) never has to travel back.

    console = Console(open_store(uri), users)
    with console.reading() as store: ...            # this thread's handle
    console.audit(user, "findings.show", "F-1", "allowed")
"""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import queue
import secrets
import threading
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from crossaudit.cli.common import clearance_of, office_scope_of
from crossaudit.engine import Store, audit as audit_log
from crossaudit.engine.access import AccessDenied, Clearance, User, Users
from crossaudit.viz.subgraph import NodeId

log = logging.getLogger("crossaudit.serve")
# How long a name index for fuzzy search is reused before it is read again.
NAME_INDEX_SECONDS = 300
# Requests served at once, each in a worker thread with its own handle on the store: one per core
# (an embedded handle reads on one thread); more only queue inside the engine, and each handle keeps
# its prepared statements (search, expand and the finding page use 86: two handles keep them all in
# a 2 GB page cache, three would not).
STORE_THREADS = os.cpu_count() or 2
# Prepared statements each handle keeps: every page's reads (a network read alone runs about 60
# distinct statements), fewer where a quarter of the embedded store's page cache cannot hold them.
STATEMENTS = 96


class Console:
    """The store, its users, and what requests share; see the module docstring."""

    def __init__(self, store: Store, users: Users) -> None:
        self.base, self.users = store, users
        store.keep_statements(STATEMENTS, STORE_THREADS)
        self._local = threading.local()
        self._write_lock = threading.Lock()
        self._refs: dict[str, NodeId] = {}
        self._secret = secrets.token_bytes(32)
        self._names: tuple[float, list] | None = None
        self._names_lock = threading.Lock()
        self._audit_queue: queue.Queue = queue.Queue()
        self.writer_busy = threading.Event()  # a load or another long write holds the write slot
        self._auditor = threading.Thread(target=self._append_audit, name="crossaudit-audit", daemon=True)
        self._auditor.start()

    # --- the store ------------------------------------------------------------------------

    def store(self) -> Store:
        """This thread's handle on the store, for reads (in read transactions where the engine
        has them)."""
        handle = getattr(self._local, "store", None)
        if handle is None:
            handle = self._local.store = self.base.for_thread(reads=True)
        return handle

    @contextmanager
    def writing(self, busy: bool = False) -> Iterator[Store]:
        """The store for one write; writes run one at a time (`busy`: a long one, shown to users),
        through the store the console opened."""
        with self._write_lock:
            if busy:
                self.writer_busy.set()
            try:
                yield self.base
            finally:
                self.writer_busy.clear()

    def close(self) -> None:
        self._audit_queue.put(None)
        self._auditor.join(timeout=30)
        self.base.close()

    # --- the audit log ----------------------------------------------------------------------

    def audit(self, user: User, action: str, target: str | None, outcome: str, detail: str | None = None) -> None:
        """Queue one audit entry; appended in order by the audit thread as soon as it may write."""
        self._audit_queue.put((user, action, target, outcome, detail))

    def flush_audit(self, timeout: float = 30.0) -> None:
        """Wait until every queued entry is in the store (tests, shutdown)."""
        done = threading.Event()
        self._audit_queue.put(done)
        done.wait(timeout)

    def _append_audit(self) -> None:
        while True:
            item = self._audit_queue.get()
            if item is None:
                return
            if isinstance(item, threading.Event):
                item.set()
                continue
            while True:
                try:
                    with self.writing() as store:
                        audit_log.record(store, *item)
                    break
                except Exception:  # never lose an entry: the store may be briefly unavailable
                    log.exception("audit entry not written yet; retrying")
                    time.sleep(1.0)

    # --- users, access -----------------------------------------------------------------------

    def clearance(self, user: User) -> Clearance:
        """What the user may see (the CLI's `clearance_of`: grades, fills, office scope)."""
        return clearance_of(self.store(), user)

    def office_scope(self, user: User) -> set[str] | None:
        return office_scope_of(self.store(), user)

    def require(self, user: User, action: str, target: str | None = None) -> None:
        """AccessDenied (audited) unless the user's role may do `action`."""
        if not user.may(action):
            self.audit(user, action, target, "denied", f"role {user.role} may not {action}")
            raise AccessDenied(f"用户 {user.name}（{user.role}）无权执行 {action}")

    def require_finding(self, user: User, action: str, finding_id: str) -> dict:
        """The finding's office, if the user may `action` on it; AccessDenied (audited) otherwise.
        A finding outside the user's offices and one that does not exist are refused alike, so the
        answer says nothing about another office's finding."""
        self.require(user, action, finding_id)
        found = self.store().query("MATCH (f:Finding {finding_id: $id}) RETURN f.office_code AS office",
                                   {"id": finding_id})
        scope = self.office_scope(user)
        if not found or (scope is not None and found[0]["office"] not in scope):
            self.audit(user, action, finding_id, "denied",
                       "no such finding" if not found else f"office {found[0]['office']} is outside {user.office}")
            raise AccessDenied(f"疑点 {finding_id} 不存在或不属于您所在税务机关及其下级机关")
        return found[0]

    # --- node references, name index ---------------------------------------------------------

    def ref(self, ident: NodeId) -> str:
        """The opaque reference of a node, remembered so that `ident_of` finds it again."""
        digest = hmac.new(self._secret, f"{ident[0]}\x1f{ident[1]}".encode(), hashlib.sha256).hexdigest()[:20]
        self._refs[digest] = (ident[0], ident[1])
        return digest

    def ident_of(self, ref: str) -> NodeId | None:
        return self._refs.get(ref)

    def names(self, build: Callable[[Store], list]) -> list:
        """The name index for fuzzy search, read again after NAME_INDEX_SECONDS (by one request;
        the others use the previous index meanwhile)."""
        cached = self._names
        if cached is None:
            with self._names_lock:  # the first search waits for the index (or `warm` built it)
                if self._names is None:
                    self._names = (time.time(), build(self.store()))
                return self._names[1]
        if time.time() - cached[0] > NAME_INDEX_SECONDS and self._names_lock.acquire(blocking=False):
            try:
                self._names = (time.time(), build(self.store()))
            finally:
                self._names_lock.release()
        return self._names[1]

    def warm(self, build: Callable[[Store], list]) -> None:
        """Build the name index in the background, so that the first fuzzy search finds it ready."""
        threading.Thread(target=self.names, args=(build,), name="crossaudit-names", daemon=True).start()

