"""Alembic environment: migrations run on a connection handed in by kefu.core.db."""

from __future__ import annotations

from alembic import context

import kefu.models  # noqa: F401  (registers every table on Base.metadata)
from kefu.core.db import Base

target_metadata = Base.metadata


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:
        raise RuntimeError("run migrations with `kefu migrate` (kefu.core.db.Database.migrate)")
    context.configure(connection=connection, target_metadata=target_metadata,
                      render_as_batch=connection.dialect.name == "sqlite", compare_type=True)
    with context.begin_transaction():
        context.run_migrations()


run()
