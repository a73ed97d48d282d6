"""Operational store: mirror of committed workspace loads.

Revision ID: 0002_store
Revises: 0006_legal
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_store"
down_revision: str | None = "0006_legal"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "loads",
        sa.Column("load_id", sa.String(64), nullable=False),
        sa.Column("workspace", sa.String(1024), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("committed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("counterspy_version", sa.String(32), nullable=False),
        sa.Column("sources", sa.Text(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("load_id", name=op.f("pk_loads")),
    )
    op.create_index(op.f("ix_loads_workspace"), "loads", ["workspace"])
    op.create_table(
        "load_files",
        sa.Column("load_id", sa.String(64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(64), nullable=False),
        sa.Column("part", sa.String(255), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("format", sa.String(16), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("bytes", sa.BigInteger(), nullable=False),
        sa.Column("rows", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["load_id"],
            ["loads.load_id"],
            name=op.f("fk_load_files_load_id_loads"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("load_id", "position", name=op.f("pk_load_files")),
    )
    op.create_index(op.f("ix_load_files_sha256"), "load_files", ["sha256"])


def downgrade() -> None:
    op.drop_index(op.f("ix_load_files_sha256"), table_name="load_files")
    op.drop_table("load_files")
    op.drop_index(op.f("ix_loads_workspace"), table_name="loads")
    op.drop_table("loads")
