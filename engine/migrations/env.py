"""Alembic environment: runs the engine's migrations against the URL given by
``engine.migrate`` (configuration attribute ``connection`` or ``sqlalchemy.url``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from engine.db import make_engine
from engine.models import Base

config = context.config
# Expression indexes of the reports (migrations 0002, 0003): they differ per dialect, so
# they live in the migrations alone and autogenerate must not propose dropping them.
MIGRATION_ONLY_INDEXES = {"ix_step_duration", "ix_instances_end_to_end"}


def _include(obj: object, name: str | None, type_: str, reflected: bool, _compare: object) -> bool:
    return not (type_ == "index" and name in MIGRATION_ONLY_INDEXES)


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_object=_include,
    )
    with context.begin_transaction():
        context.run_migrations()


connection = config.attributes.get("connection")
if connection is not None:
    _run(connection)
else:
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()
