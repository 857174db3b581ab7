"""One engine for everything that is leased, retried or swept (DESIGN.md convention 12).

A ``Machine`` declares a stored document's states and allowed transitions; pending
states are those with a way out. ``ABSENT`` stands for a document not stored (yet, or
any more): creating and deleting one are transitions too. Every move is checked against
the declaration (``TransitionError``, nothing written) and is a compare-and-set on the
state read, so two writers never both move the same document. ``machines()`` lists the
declared machines.

Documents a worker takes (inbound activities, fan-outs, deliveries) carry two engine fields:

* a *due* time (always set): nobody takes the document before it. While a worker
  holds it, due is the end of its lease; while it waits for a retry, the next attempt;
* a *holder*: ``""`` (free), ``"queue"`` (a queue message for it is on its way), or
  the token of the worker process that holds it.

A queue message only nudges: ``claim`` takes the document if it is nudged or due,
and only one claimant wins (an atomic update on ``_id``). A worker renews its
leases with ``heartbeat`` while it works, so a short lease (``ARCHIPEL_LEASE_SECONDS``)
is safe and what a killed worker held is due again within one lease. (Releasing claims
when a worker starts would not do: a starting worker cannot tell a dead process's
claims from those of a live replica; a lapsed lease shows its holder stopped.) ``sweep`` nudges
what is due and marks it nudged for one lease, so a document waiting in the queue is
not enqueued again at every sweep.

Documents with a deadline but no worker (memberships that expire) are found by
``due_by``. Every query is an equality on ``_id``, or ``{state: S, <time>: {$lte: now}}``
served by a (state, time) index (deploy/migrate.py). No ``$or``, no ``$in`` on the state and no
findAndModify: on the embedded SecantusDB each of those scans the whole collection.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager

from fedkit.runtime.clock import now
from fedkit.runtime.metrics import TASK_TRANSITIONS

log = logging.getLogger(__name__)

ABSENT = None  # the "state" of a document that is not stored
QUEUED = "queue"  # holder of a document whose queue message is on its way
DEFAULT_LEASE_SECONDS = 15.0
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def nudged_until() -> dt.datetime:
    """The due time of a document created together with its queue message."""
    return now() + dt.timedelta(seconds=DEFAULT_LEASE_SECONDS)


_token: tuple[int, str] | None = None


def holder_token() -> str:
    """This process's holder name (new after a fork)."""
    global _token
    if _token is None or _token[0] != os.getpid():
        _token = (os.getpid(), f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}")
    return _token[1]


class TransitionError(ValueError):
    pass


class Machine:
    def __init__(self, name: str, document, transitions: Mapping[str | None, frozenset | set], *,
                 state_field: str = "state", due_field: str = "lease_until", holder_field: str = "holder",
                 attempts_field: str | None = "attempts"):
        self.name = name
        self.document = document
        self.transitions = {state: frozenset(moves) for state, moves in transitions.items()}
        undeclared = {s for moves in self.transitions.values() for s in moves} - set(self.transitions) - {ABSENT}
        if undeclared:
            raise ValueError(f"{name}: transitions to undeclared states {sorted(undeclared)}")
        self.states = tuple(state for state in self.transitions if state is not ABSENT)
        self.pending = tuple(state for state in self.states if self.transitions[state])
        self.state_field, self.due_field = state_field, due_field
        self.holder_field, self.attempts_field = holder_field, attempts_field
        self._held: set = set()
        self._lock = threading.Lock()
        MACHINES.append(self)

    def __repr__(self) -> str:
        return f"Machine({self.name!r})"

    # -- the declaration ---------------------------------------------------------------
    def allows(self, current: str | None, new_state: str | None) -> bool:
        return new_state in self.transitions.get(current, ())

    def check(self, current: str | None, new_state: str | None) -> None:
        if not self.allows(current, new_state):
            raise TransitionError(f"{self.name}: cannot go from {current or 'absent'} to {new_state or 'absent'}")

    # -- names in the database -------------------------------------------------
    def _db(self, field: str) -> str:
        return self.document._fields[field].db_field

    def _key(self, key):
        """The stored ``_id`` of a key given as a string (a queue message's argument)."""
        return self.document._fields[self.document._meta["id_field"]].to_mongo(key)

    def _collection(self):
        return self.document._get_collection()

    def _set(self, fields: Mapping) -> dict:
        return {self._db(name): value for name, value in fields.items()}

    def _values(self, fields: Mapping) -> dict:
        """Values to store, as their fields store them (a JSONDictField's escapes)."""
        return {self._db(name): None if value is None else self.document._fields[name].to_mongo(value)
                for name, value in fields.items()}

    # -- the life of one document ---------------------------------------------------
    def claim(self, key, lease_seconds: float = DEFAULT_LEASE_SECONDS):
        """Take the document if it is pending and nudged or due; None if another has it."""
        key = self._key(key)
        current = now()
        update = {"$set": {self._db(self.holder_field): holder_token(),
                           self._db(self.due_field): current + dt.timedelta(seconds=lease_seconds)}}
        if self.attempts_field:
            update["$inc"] = {self._db(self.attempts_field): 1}
        collection = self._collection()
        for state in self.pending:
            for condition in ({self._db(self.holder_field): QUEUED}, {self._db(self.due_field): {"$lte": current}}):
                if collection.update_one({"_id": key, self._db(self.state_field): state, **condition},
                                         update).modified_count:
                    with self._lock:
                        self._held.add(key)
                    try:
                        return self.document.objects(pk=key).first()
                    except BaseException:
                        self.forget(key)
                        raise
        return None

    @contextmanager
    def claimed(self, key, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Iterator:
        """``claim`` for a ``with`` block: whatever ends the block (a finish, a reschedule, or
        an error — the database gone mid-way), this process stops renewing the lease, so a
        document it could not release lapses and the next sweep hands it out again instead of
        the heartbeat keeping it here for ever."""
        doc = self.claim(key, lease_seconds)
        try:
            yield doc
        finally:
            if doc is not None:
                self.forget(doc.pk)

    def forget(self, key) -> None:
        """Stop renewing ``key``'s lease (it lapses at its due time unless released)."""
        with self._lock:
            self._held.discard(self._key(key))

    def finish(self, doc, new_state: str, **fields) -> bool:
        """Move a held (or, with no holder check, any) document along a declared transition."""
        current = getattr(doc, self.state_field)
        self.check(current, new_state)
        moved = self._release(doc, {self.state_field: new_state, **fields}, {self.state_field: current})
        if moved:
            TASK_TRANSITIONS.labels(self.name, new_state).inc()
        return moved

    def reschedule(self, doc, at: dt.datetime, **fields) -> bool:
        """Give a held document back, due again at ``at`` (a retry's backoff; ``now()`` to free it)."""
        return self._release(doc, {self.due_field: at, **fields}, {})

    def _release(self, doc, fields: Mapping, condition: Mapping) -> bool:
        key = doc.pk
        filter_ = {"_id": key, **self._set(condition)}
        held = getattr(doc, self.holder_field, None)
        if held and held != QUEUED:
            filter_[self._db(self.holder_field)] = held  # lost the lease? then another has it
        try:
            result = self._collection().update_one(
                filter_, {"$set": {**self._set(fields), self._db(self.holder_field): ""}})
        finally:  # released or not (the database may be gone), the heartbeat stops renewing it
            self.forget(key)
        return bool(result.modified_count)

    def initial(self, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> dict:
        """Engine fields of a new document whose creator enqueues it at once."""
        return {self.holder_field: QUEUED, self.due_field: now() + dt.timedelta(seconds=lease_seconds)}

    def queued(self, key, sent: bool) -> None:
        """After its creator's enqueue: if the queue was unreachable, the next sweep sends it."""
        if not sent:
            self.free(key)

    def free(self, key) -> None:
        """A document marked queued whose message was not sent is due now."""
        self._collection().update_one({"_id": self._key(key), self._db(self.holder_field): QUEUED},
                                      {"$set": {self._db(self.due_field): now()}})

    # -- documents nobody leases (held posts, memberships) -----------------------------------
    def create(self, new_state: str, *, write_concern: Mapping | None = None, **fields):
        """Store a new document in ``new_state`` (declared from ABSENT); None if one with its
        unique keys exists already (another writer came first)."""
        from mongoengine import NotUniqueError

        self.check(ABSENT, new_state)
        doc = self.document(**{self.state_field: new_state}, **fields)
        try:
            doc.save(force_insert=True, write_concern=write_concern)
        except NotUniqueError:
            return None
        return doc

    def move(self, doc, new_state: str | None, *, where: Mapping | None = None, unset=(), **fields) -> bool:
        """Move ``doc`` from the state it was read in to ``new_state`` (ABSENT deletes it), if
        that is still its stored state and ``where`` (extra conditions, raw values) holds;
        False if another writer moved it first. Sets ``fields``, removes ``unset``."""
        current = getattr(doc, self.state_field)
        self.check(current, new_state)
        filter_ = {"_id": doc.pk, self._db(self.state_field): current, **self._set(where or {})}
        if new_state is ABSENT:
            return bool(self._collection().delete_one(filter_).deleted_count)  # not counted: gone
        update = {"$set": self._values({self.state_field: new_state, **fields})}
        if unset:
            update["$unset"] = {self._db(name): "" for name in unset}
        if not self._collection().update_one(filter_, update).matched_count:
            return False
        for name, value in {self.state_field: new_state, **fields, **dict.fromkeys(unset)}.items():
            setattr(doc, name, value)
        TASK_TRANSITIONS.labels(self.name, new_state).inc()
        return True

    def due_by(self, field: str, before: dt.datetime, *, states=None, where: Mapping | None = None,
               limit: int = 200) -> list:
        """Documents in ``states`` (all pending ones by default) whose time ``field`` is at or
        before ``before`` and that match the equalities ``where``: one query per state, served
        by a (state, *where, field) index. Nothing else in the query: the embedded database
        scans the whole collection for a field its index does not hold."""
        found: list = []
        for state in states or self.pending:
            query = {self._db(self.state_field): state, **self._set(where or {}), self._db(field): {"$lte": before}}
            found += list(self.document.objects(__raw__=query).limit(limit - len(found)))
            if len(found) >= limit:
                break
        return found

    # -- what a worker process does around its tasks ------------------------------------
    def due(self, limit: int = 200) -> list:
        """Keys of pending documents that are due (nobody holds them, or a lease lapsed)."""
        current, keys = now(), []
        for state in self.pending:
            cursor = self._collection().find({self._db(self.state_field): state,
                                              self._db(self.due_field): {"$lte": current}},
                                             {"_id": 1}).limit(limit - len(keys))
            keys += [doc["_id"] for doc in cursor]
            if len(keys) >= limit:
                break
        return keys

    def sweep(self, nudge: Callable[[str], object], lease_seconds: float = DEFAULT_LEASE_SECONDS,
              limit: int = 200) -> int:
        """Nudge what is due, once: it stays marked as queued for one lease."""
        keys = self.due(limit)
        if not keys:
            return 0
        current = now()
        for state in self.pending:
            self._collection().update_many(
                {"_id": {"$in": keys}, self._db(self.state_field): state, self._db(self.due_field): {"$lte": current}},
                {"$set": {self._db(self.holder_field): QUEUED,
                          self._db(self.due_field): current + dt.timedelta(seconds=lease_seconds)}})
        for key in keys:
            nudge(str(key))
        return len(keys)

    def heartbeat(self, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> int:
        """Renew the leases this process holds."""
        with self._lock:
            keys = list(self._held)
        if not keys:
            return 0
        return self._collection().update_many(
            {"_id": {"$in": keys}, self._db(self.holder_field): holder_token()},
            {"$set": {self._db(self.due_field): now() + dt.timedelta(seconds=lease_seconds)}}).modified_count

    def backfill(self) -> None:
        """Documents stored before the engine: a pending one without a due time is due."""
        for state in self.pending:
            self._collection().update_many({self._db(self.state_field): state, self._db(self.due_field): None},
                                           {"$set": {self._db(self.due_field): EPOCH}})


MACHINES: list[Machine] = []


def machines() -> dict[str, Machine]:
    """The declared machines by name (those of the modules imported so far)."""
    return {machine.name: machine for machine in MACHINES}


def start_heartbeat(lease_seconds: float, stop: threading.Event) -> threading.Thread:
    """Renew every held lease three times per lease, until ``stop`` is set."""

    def beat():
        while not stop.wait(lease_seconds / 3):
            for machine in MACHINES:
                try:
                    machine.heartbeat(lease_seconds)
                except Exception:  # the database restarts: the next beat tries again
                    log.warning("lease heartbeat of %s failed", machine.name, exc_info=True)

    thread = threading.Thread(target=beat, name="lease-heartbeat", daemon=True)
    thread.start()
    return thread


def run_single_cycle(*work: tuple[Machine, Callable[[str], object]], limit: int = 200) -> int:
    """Run, in this process, each machine's pending documents that are queued or due, by its
    handler (which claims them), in the order given: what the workers' queues and sweeps
    would do, without them. Tests drive the pipeline deterministically with it. Returns how
    many handlers did something (did not return None)."""
    done = 0
    for machine, handle in work:
        for state in machine.pending:
            keys = [doc["_id"] for doc in machine._collection().find(
                {machine._db(machine.state_field): state}, {"_id": 1}).limit(limit)]
            done += sum(handle(str(key)) is not None for key in keys)
    return done
