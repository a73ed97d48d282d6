"""Alembic environment: runs against the connection handed in by counterspy.storage.migrate."""

from __future__ import annotations

from alembic import context

import counterspy.storage.models  # noqa: F401  (registers every table on Base.metadata)
from counterspy.storage.db import Base

connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - only when someone runs the alembic CLI directly
    raise RuntimeError("run migrations through `counterspy db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
