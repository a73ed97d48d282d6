"""Intelligence: indicators with provenance, blocklist, kill-chain techniques, change counter.

Revision ID: 0003_intel
Revises: 0001_base
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_intel"
down_revision: str | None = "0001_base"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "intel_indicators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("normalized", sa.String(length=2048), nullable=False),
        sa.Column("registrable", sa.String(length=253), nullable=True),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("file", sa.Text(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("published", sa.String(length=32), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("technique", sa.String(length=32), nullable=True),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_indicators")),
        sa.UniqueConstraint("type", "normalized", "source", name=op.f("uq_intel_indicators_type")),
    )
    for col in ("type", "normalized", "registrable", "source", "actor"):
        op.create_index(op.f(f"ix_intel_indicators_{col}"), "intel_indicators", [col])
    op.create_table(
        "intel_blocklist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=2048), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_blocklist")),
        sa.UniqueConstraint("type", "value", name=op.f("uq_intel_blocklist_type")),
    )
    op.create_index(op.f("ix_intel_blocklist_value"), "intel_blocklist", ["value"])
    op.create_table(
        "intel_techniques",
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("tactic", sa.Text(), nullable=False),
        sa.Column("technique", sa.Text(), nullable=False),
        sa.Column("procedure", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_intel_techniques")),
    )
    op.create_table(
        "intel_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intel_state")),
    )


def downgrade() -> None:
    op.drop_table("intel_state")
    op.drop_table("intel_techniques")
    op.drop_index(op.f("ix_intel_blocklist_value"), table_name="intel_blocklist")
    op.drop_table("intel_blocklist")
    for col in ("type", "normalized", "registrable", "source", "actor"):
        op.drop_index(op.f(f"ix_intel_indicators_{col}"), table_name="intel_indicators")
    op.drop_table("intel_indicators")
