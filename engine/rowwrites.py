"""Writing what changed on a loaded row with one Core UPDATE, without the unit of work.

A save changes rows the session holds: the instance (its version-checked UPDATE) and the
step records it closes. The ORM's flush finds, sorts and builds their UPDATEs anew each
time, the largest cost of a completion after Spiff's own work. Here the UPDATE is made
from the row's change history (the attributes changed since it was loaded), built once per
set of columns, and run on the session's connection, with the optimistic lock kept as
the ORM keeps it (``version_id_col``): ``lock_version`` in the WHERE clause and raised by
one, and no row updated (someone saved that version first) is the ORM's own
``StaleDataError``. The row is then marked unchanged exactly as a flush marks what it
wrote (``InstanceState._commit_all``, SQLAlchemy's own step after a flush). A row this
cannot write (not yet inserted, or with a changed relationship) is left to the flush.

A rollback undoes these rows as it undoes flushed ones (the flush tells the session's
transaction what it wrote; this cannot): what ``write`` updated, and the rows a Core
INSERT put in the session (``joined``), are remembered per transaction (a savepoint or
the outermost) in ``session.info``; when that transaction, or one around it, rolls back,
the updated objects are expired (they read what the database holds again) and the
inserted ones leave the session.

``_commit_all`` and the attribute's ``impl.is_equal`` are SQLAlchemy's private API: the
dependency is pinned to the minor release the tests run (``pyproject.toml``), and
``tests/integration/engine/test_row_writes.py`` guards the behaviour on an upgrade.
"""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Table, bindparam, event, inspect, update
from sqlalchemy.orm import (
    Mapper,
    Session,
    SessionTransaction,
    make_transient,
    scoped_session,
)
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.dml import Update

from engine.db import within


def write(session: Session, row: Any, *, unset: str | None = None) -> bool:
    """UPDATE the columns of ``row`` changed since it was loaded (nothing when none was, or
    when the flush must write it). Raises ``StaleDataError`` when its version is gone.
    ``unset``: a column the UPDATE requires still NULL in the database (a first opening):
    when someone set it meanwhile nothing is written, the changed attributes are expired
    (read again as the database holds them) and the answer is False."""
    state = inspect(row)
    if not state.persistent or not state.committed_state:
        return True
    mapper = state.mapper
    if any(key not in mapper.columns for key in state.committed_state):
        return True  # a relationship changed: the flush knows how
    # What the flush would write: the values set that differ from the loaded ones (a
    # value set again unchanged writes nothing; no change at all, no UPDATE and no new
    # version, as with the flush).
    changed = tuple(key for key, old in state.committed_state.items()
                    if state.manager[key].impl.is_equal(state.dict[key], old) is not True)
    if not changed:
        state._commit_all(state.dict, session.identity_map)
        return True
    params = {key: state.dict[key] for key in changed}
    (params["_pk"],) = state.identity
    version = mapper.version_id_col
    if version is not None:  # the loaded version in the WHERE clause, the next one set
        key = mapper.get_property_by_column(version).key
        old = state.committed_state.get(key, state.dict[key])
        params[key], params["_old"] = params.get(key, old + 1), old
        changed = (*(k for k in changed if k != key), key)
    if session.connection().execute(_update(mapper, changed, unset), params).rowcount != 1:
        if unset is not None:
            session.expire(row, list(changed))
            return False
        raise StaleDataError(f"{mapper.local_table.name} {params['_pk']} was saved meanwhile")
    if version is not None:
        state.dict[key] = params[key]
    state._commit_all(state.dict, session.identity_map)
    _remember(session, row, inserted=False)
    return True


def joined(session: Session, row: Any) -> None:
    """``row`` was inserted with Core and put in the session as a loaded row: a rollback
    of the transaction that inserted it takes it out of the session again (transient), as
    the session does with an object its flush inserted."""
    _remember(session, row, inserted=True)


#: ``session.info`` key: what this module wrote, as (transaction, object, inserted).
_WRITTEN = "alur.rowwrites.written"
_Written = list[tuple[SessionTransaction | None, Any, bool]]


def _remember(session: Session, row: Any, *, inserted: bool) -> None:
    real: Any = session
    if isinstance(real, scoped_session):  # the web layer's Flask-SQLAlchemy proxy
        real = real()
    where = real.get_nested_transaction() or real.get_transaction()
    real.info.setdefault(_WRITTEN, []).append((where, row, inserted))


def _undo(session: Session, written: _Written) -> None:
    """What the session does with what its flush wrote in a transaction rolled back:
    inserted objects leave it, updated ones are expired (read again when next used)."""
    for _, row, inserted in written:
        if row not in session:
            continue
        if inserted:
            session.expunge(row)
            make_transient(row)
        else:
            session.expire(row)


@event.listens_for(Session, "after_soft_rollback")
def _savepoint_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """Undo what was written in the savepoint that rolled back and in any inside it."""
    written: _Written = session.info.get(_WRITTEN, [])
    if not written:
        return
    undone = previous  # a rollback ends at the nearest savepoint or the outermost one
    while not undone.nested and undone.parent is not None:
        undone = undone.parent
    inside = [w for w in written if within(w[0], undone)]
    session.info[_WRITTEN] = [w for w in written if not within(w[0], undone)]
    _undo(session, inside)


@event.listens_for(Session, "after_commit")
def _committed(session: Session) -> None:
    """The outermost transaction committed (a savepoint's release commits nothing yet):
    what was written is the database's now."""
    if not session.in_nested_transaction():
        session.info.pop(_WRITTEN, None)


@event.listens_for(Session, "after_transaction_end")
def _ended(session: Session, transaction: SessionTransaction) -> None:
    """The outermost transaction ended without a commit (rolled back, or the session
    closed): undo whatever is still remembered."""
    if transaction.parent is None:
        _undo(session, session.info.pop(_WRITTEN, []))


@functools.cache
def _update(mapper: Mapper[Any], keys: tuple[str, ...], unset: str | None = None) -> Update:
    """The UPDATE of the columns of ``keys`` of one row, with its version check (and
    ``unset`` still NULL), built once per set of columns."""
    table = cast(Table, mapper.local_table)
    (pk,) = mapper.primary_key
    stmt = update(table).where(pk == bindparam("_pk"))
    if unset is not None:
        stmt = stmt.where(mapper.columns[unset].is_(None))
    if mapper.version_id_col is not None:
        stmt = stmt.where(mapper.version_id_col == bindparam("_old"))
    return stmt.values({mapper.columns[key]: bindparam(key) for key in keys})
