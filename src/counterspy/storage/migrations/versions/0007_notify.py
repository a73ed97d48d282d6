"""Target notification: takedowns, account states, encrypted contacts, batches, notices,
outbox and the in-product feed.

Revision ID: 0007_notify
Revises: 0002_store
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_notify"
down_revision: str | None = "0002_store"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notify_account_states",
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_notify_account_states")),
    )
    op.create_table(
        "notify_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("planned_by", sa.String(length=200), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("notices", sa.Integer(), nullable=False),
        sa.Column("template_version", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_batches")),
    )
    op.create_table(
        "notify_contacts",
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
        sa.Column("has_email", sa.Boolean(), nullable=False),
        sa.Column("has_phone", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("account_id", name=op.f("pk_notify_contacts")),
    )
    op.create_table(
        "notify_feed",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("notice_uid", sa.String(length=36), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body_html", sa.Text(), nullable=False),
        sa.Column("body_text", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_notify_feed")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notify_feed_idempotency_key")),
    )
    op.create_index(op.f("ix_notify_feed_account_id"), "notify_feed", ["account_id"], unique=False)
    op.create_table(
        "notify_takedowns",
        sa.Column("operation_id", sa.String(length=200), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("operation_id", name=op.f("pk_notify_takedowns")),
    )
    op.create_table(
        "notify_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", sa.String(length=36), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("phase", sa.String(length=16), nullable=False),
        sa.Column("locale", sa.String(length=16), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("helpline", sa.String(length=64), nullable=False),
        sa.Column("operations", sa.Text(), nullable=False),
        sa.Column("planned_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"],
            ["notify_batches.id"],
            name=op.f("fk_notify_notices_batch_id_notify_batches"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_notices")),
        sa.UniqueConstraint("account_id", name=op.f("uq_notify_notices_account_id")),
        sa.UniqueConstraint("uid", name=op.f("uq_notify_notices_uid")),
    )
    op.create_index(
        op.f("ix_notify_notices_batch_id"), "notify_notices", ["batch_id"], unique=False
    )
    op.create_table(
        "notify_outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("notice_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=32), nullable=False),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("lease_owner", sa.String(length=80), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notify_notices.id"],
            name=op.f("fk_notify_outbox_notice_id_notify_notices"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notify_outbox")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_notify_outbox_idempotency_key")),
    )
    op.create_index(
        "ix_notify_outbox_claim",
        "notify_outbox",
        ["channel", "status", "next_attempt_at"],
        unique=False,
    )
    op.create_index(
        op.f("ix_notify_outbox_notice_id"), "notify_outbox", ["notice_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_notify_outbox_notice_id"), table_name="notify_outbox")
    op.drop_index("ix_notify_outbox_claim", table_name="notify_outbox")
    op.drop_table("notify_outbox")
    op.drop_index(op.f("ix_notify_notices_batch_id"), table_name="notify_notices")
    op.drop_table("notify_notices")
    op.drop_table("notify_takedowns")
    op.drop_index(op.f("ix_notify_feed_account_id"), table_name="notify_feed")
    op.drop_table("notify_feed")
    op.drop_table("notify_contacts")
    op.drop_table("notify_batches")
    op.drop_table("notify_account_states")
