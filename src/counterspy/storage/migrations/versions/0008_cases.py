"""Cases: detected operations under review, their accounts, infrastructure and appeals.

Revision ID: 0008_cases
Revises: 0007_notify
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_cases"
down_revision: str | None = "0007_notify"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("firm", sa.String(length=64), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=True),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("evidence_sha256", sa.String(length=64), nullable=False),
        sa.Column("evidence_changed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("split_from", sa.Integer(), nullable=True),
        sa.Column("split_by", sa.String(length=200), nullable=True),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
    )
    op.create_index(op.f("ix_cases_state"), "cases", ["state"], unique=False)
    op.create_table(
        "case_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("operation_id", sa.String(length=200), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("role", sa.String(length=32), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_accounts_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_accounts")),
        sa.UniqueConstraint("account_id", name=op.f("uq_case_accounts_account_id")),
    )
    op.create_index(op.f("ix_case_accounts_case_id"), "case_accounts", ["case_id"], unique=False)
    op.create_index(
        op.f("ix_case_accounts_operation_id"), "case_accounts", ["operation_id"], unique=False
    )
    op.create_table(
        "case_appeals",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("statement", sa.Text(), nullable=False),
        sa.Column("filed_by", sa.String(length=200), nullable=False),
        sa.Column("filed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("original_approver", sa.String(length=200), nullable=False),
        sa.Column("assignee", sa.String(length=200), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_appeals_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_appeals")),
    )
    op.create_index(
        op.f("ix_case_appeals_account_id"), "case_appeals", ["account_id"], unique=False
    )
    op.create_index(op.f("ix_case_appeals_case_id"), "case_appeals", ["case_id"], unique=False)
    op.create_table(
        "case_infrastructure",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.Column("detail", sa.Text(), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("reason_code", sa.String(length=64), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("action_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_infrastructure_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_infrastructure")),
        sa.UniqueConstraint(
            "case_id", "kind", "value", name=op.f("uq_case_infrastructure_case_id")
        ),
    )
    op.create_index(
        op.f("ix_case_infrastructure_case_id"), "case_infrastructure", ["case_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_case_infrastructure_case_id"), table_name="case_infrastructure")
    op.drop_table("case_infrastructure")
    op.drop_index(op.f("ix_case_appeals_case_id"), table_name="case_appeals")
    op.drop_index(op.f("ix_case_appeals_account_id"), table_name="case_appeals")
    op.drop_table("case_appeals")
    op.drop_index(op.f("ix_case_accounts_operation_id"), table_name="case_accounts")
    op.drop_index(op.f("ix_case_accounts_case_id"), table_name="case_accounts")
    op.drop_table("case_accounts")
    op.drop_index(op.f("ix_cases_state"), table_name="cases")
    op.drop_table("cases")
