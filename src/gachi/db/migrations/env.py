"""Alembic environment: the connection comes from `gachi.db.migrate`, never from an ini file."""

from __future__ import annotations

from alembic import context

import gachi.db.models  # noqa: F401 - registers every table on the metadata
from gachi.db.base import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=context.config.attributes.get("metadata", Base.metadata),
    render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
