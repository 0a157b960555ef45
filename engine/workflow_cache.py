"""Restored workflows kept between transactions of one process, so that the next step of a
request does not rebuild its Spiff objects from the stored task tree.

Restoring a workflow (``runtime.load_workflow``) is the largest part of loading an
instance; the same process usually saved that instance a moment ago. The cache keeps, per
instance, the workflow object a committed transaction saved, with the task tree it wrote
and its version's key. It is used only when all three hold:

* **what is stored is what was cached**: a loader hands in the task tree it has just read
  from the database as its stored bytes (``Instance.stored_workflow``, not unpacked) and
  the cached object is used only when those are the bytes the object was saved as
  (``instances.save`` packs the tree itself, so it knows them), and the version key
  (spec) is the same.
  Another process (gunicorn, ``alur worker``) that saved the instance since, a migration
  to another version, a restored backup: the trees differ and the loader restores as
  before. No version number is trusted on its own.
* **nothing uncommitted gets in**: ``save`` only *offers* the object; it enters the cache
  after the session's outermost transaction commits (``after_commit``, not a savepoint's
  release). A rollback of the transaction, or of any savepoint in it, and a transaction
  ended without a commit drop every offer of that session.
* **nobody else holds it**: ``take`` removes the entry, so one object is in one
  transaction's hands at a time; the object is changed only there, and cached again only
  by that transaction's commit. A page that only reads it borrows it
  (``instances.reading``) and gives it back when done (``give_back``), unchanged: the
  tree it read is still what the object holds, and what it hands out is a deep copy.

Bounded: the least recently offered entries go first past ``LIMIT``; ``set_limit(0)``
turns the cache off (nothing is kept, every load restores), as in a deployment where the
next step of a request usually lands in another process (``bench/engine_throughput.py``
measures the engine both ways). ``stats`` counts the lookups and how many found the
object. One lock guards the dict and the counts (threads of one process). Imports no web
layer.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction, scoped_session

from engine import runtime

#: Instances kept per process (a restored workflow of this SOP is some tens of KB).
LIMIT = 128
OFFERS = "alur.workflow_cache.offers"

_ENTRIES: OrderedDict[str, tuple[str, bytes, Any]] = OrderedDict()
_LOCK = threading.Lock()
_COUNTS = [0, 0]  # lookups, hits


def set_limit(limit: int) -> int:
    """Keep at most ``limit`` instances from now on (0: the cache is off); the previous
    limit."""
    global LIMIT
    with _LOCK:
        previous, LIMIT = LIMIT, limit
        while len(_ENTRIES) > LIMIT:
            _ENTRIES.popitem(last=False)
    return previous


def stats(*, reset: bool = False) -> tuple[int, int]:
    """Lookups (``take``) since the last reset, and how many found the saved object."""
    with _LOCK:
        counts = (_COUNTS[0], _COUNTS[1])
        if reset:
            _COUNTS[:] = [0, 0]
    return counts


def take(instance_id: str, version_key: str, state: bytes) -> Any | None:
    """The cached workflow of the instance if it was saved as ``state`` on the version
    ``version_key``, removed from the cache (None otherwise)."""
    with _LOCK:
        entry = _ENTRIES.pop(instance_id, None)
        _COUNTS[0] += 1
    if entry is None:
        return None
    key, saved, workflow = entry
    if key != version_key or saved != state:
        return None
    with _LOCK:
        _COUNTS[1] += 1
    return workflow


def give_back(instance_id: str, version_key: str, state: bytes, workflow: Any) -> None:
    """Return a workflow a reader took (or restored) and did not change, restored from or
    equal to ``state``, the tree it read: cached unless another is cached meanwhile (a
    newer save's: it stays)."""
    with _LOCK:
        if instance_id not in _ENTRIES:
            _ENTRIES[instance_id] = (version_key, state, workflow)
            while len(_ENTRIES) > LIMIT:
                _ENTRIES.popitem(last=False)


def offer(session: Session, instance_id: str, version_key: str, state: bytes,
          workflow: Any) -> None:
    """Cache ``workflow``, just saved as ``state``, once ``session`` commits (the last
    offer per instance wins: it is what the transaction wrote last)."""
    real: Any = session
    if isinstance(real, scoped_session):  # the web layer's Flask-SQLAlchemy proxy
        real = real()
    real.info.setdefault(OFFERS, {})[instance_id] = (version_key, state, workflow)


def clear() -> None:
    with _LOCK:
        _ENTRIES.clear()


def _committed(session: Session) -> None:
    if session.in_nested_transaction():  # a savepoint released: the transaction goes on
        return
    offers: dict[str, tuple[str, bytes, Any]] = session.info.pop(OFFERS, {})
    for instance_id, (key, state, workflow) in offers.items():
        # What the saved tree does not hold, a restored workflow does not have either.
        workflow.script_engine = runtime.AlurScriptEngine()
        with _LOCK:
            _ENTRIES[instance_id] = (key, state, workflow)
            _ENTRIES.move_to_end(instance_id)
            while len(_ENTRIES) > LIMIT:
                _ENTRIES.popitem(last=False)


def _rolled_back(session: Session, _transaction: SessionTransaction | None = None) -> None:
    session.info.pop(OFFERS, None)


def _ended(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # committed (cached already), rolled back or closed
        session.info.pop(OFFERS, None)


event.listen(Session, "after_commit", _committed)
event.listen(Session, "after_soft_rollback", _rolled_back)
event.listen(Session, "after_rollback", _rolled_back)
event.listen(Session, "after_transaction_end", _ended)
