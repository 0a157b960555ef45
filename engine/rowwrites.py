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
"""

from __future__ import annotations

import functools
from typing import Any, cast

from sqlalchemy import Table, bindparam, inspect, update
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql.dml import Update


def write(session: Session, row: Any) -> None:
    """UPDATE the columns of ``row`` changed since it was loaded (nothing when none was, or
    when the flush must write it). Raises ``StaleDataError`` when its version is gone."""
    state = inspect(row)
    if not state.persistent or not state.committed_state:
        return
    mapper = state.mapper
    if any(key not in mapper.columns for key in state.committed_state):
        return  # a relationship changed: the flush knows how
    # What the flush would write: the values set that differ from the loaded ones (a
    # value set again unchanged writes nothing; no change at all, no UPDATE and no new
    # version, as with the flush).
    changed = tuple(key for key, old in state.committed_state.items()
                    if state.manager[key].impl.is_equal(state.dict[key], old) is not True)
    if not changed:
        state._commit_all(state.dict, session.identity_map)
        return
    params = {key: state.dict[key] for key in changed}
    (params["_pk"],) = state.identity
    version = mapper.version_id_col
    if version is not None:  # the loaded version in the WHERE clause, the next one set
        key = mapper.get_property_by_column(version).key
        old = state.committed_state.get(key, state.dict[key])
        params[key], params["_old"] = params.get(key, old + 1), old
        changed = (*(k for k in changed if k != key), key)
    if session.connection().execute(_update(mapper, changed), params).rowcount != 1:
        raise StaleDataError(f"{mapper.local_table.name} {params['_pk']} was saved meanwhile")
    if version is not None:
        state.dict[key] = params[key]
    state._commit_all(state.dict, session.identity_map)


@functools.cache
def _update(mapper: Mapper[Any], keys: tuple[str, ...]) -> Update:
    """The UPDATE of the columns of ``keys`` of one row, with its version check, built
    once per set of columns."""
    table = cast(Table, mapper.local_table)
    (pk,) = mapper.primary_key
    stmt = update(table).where(pk == bindparam("_pk"))
    if mapper.version_id_col is not None:
        stmt = stmt.where(mapper.version_id_col == bindparam("_old"))
    return stmt.values({mapper.columns[key]: bindparam(key) for key in keys})
