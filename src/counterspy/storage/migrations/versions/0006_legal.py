"""Lawful-request channel: agencies, requests, named accounts, documents, tasks, senior reviewers.

Revision ID: 0006_legal
Revises: 0005_enforce
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_legal"
down_revision: str | None = "0005_enforce"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "legal_agencies",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("contact_phone", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("domain_verified", sa.Boolean(), nullable=False),
        sa.Column("domain_verification", sa.Text(), nullable=True),
        sa.Column("callback_number", sa.String(length=64), nullable=True),
        sa.Column("callback_source", sa.Text(), nullable=True),
        sa.Column("callback_by", sa.String(length=200), nullable=True),
        sa.Column("callback_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_agencies")),
    )
    op.create_table(
        "legal_senior_reviewers",
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("designated_by", sa.String(length=200), nullable=False),
        sa.Column("designated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_legal_senior_reviewers")),
    )
    op.create_table(
        "legal_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("agency_id", sa.String(length=64), nullable=False),
        sa.Column("submitted_by", sa.String(length=200), nullable=False),
        sa.Column("process", sa.String(length=32), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("categories", sa.String(length=100), nullable=False),
        sa.Column("legal_basis_ref", sa.Text(), nullable=True),
        sa.Column("emergency_risk", sa.String(length=32), nullable=True),
        sa.Column("emergency_imminent", sa.Boolean(), nullable=False),
        sa.Column("emergency_justification", sa.Text(), nullable=True),
        sa.Column("nondisclosure", sa.Boolean(), nullable=False),
        sa.Column("nondisclosure_until", sa.Date(), nullable=True),
        sa.Column("state", sa.String(length=32), nullable=False),
        sa.Column("queue", sa.String(length=16), nullable=False),
        sa.Column("findings", sa.Text(), nullable=False),
        sa.Column("recommendation", sa.String(length=32), nullable=False),
        sa.Column("verified_by", sa.String(length=200), nullable=True),
        sa.Column("verification_note", sa.Text(), nullable=True),
        sa.Column("decision_codes", sa.String(length=500), nullable=False),
        sa.Column("decision_note", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("approved_categories", sa.String(length=100), nullable=False),
        sa.Column("produced_categories", sa.String(length=100), nullable=False),
        sa.Column("nothing_produced_code", sa.String(length=64), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("produced_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"],
            ["legal_agencies.id"],
            name=op.f("fk_legal_requests_agency_id_legal_agencies"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_requests")),
    )
    op.create_index(
        op.f("ix_legal_requests_agency_id"), "legal_requests", ["agency_id"], unique=False
    )
    op.create_index(op.f("ix_legal_requests_country"), "legal_requests", ["country"], unique=False)
    op.create_index(
        op.f("ix_legal_requests_received_at"), "legal_requests", ["received_at"], unique=False
    )
    op.create_index(op.f("ix_legal_requests_state"), "legal_requests", ["state"], unique=False)
    op.create_table(
        "legal_documents",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=300), nullable=False),
        sa.Column("content_type", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["legal_requests.id"],
            name=op.f("fk_legal_documents_request_id_legal_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_documents")),
    )
    op.create_index(
        op.f("ix_legal_documents_request_id"), "legal_documents", ["request_id"], unique=False
    )
    op.create_table(
        "legal_request_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.String(length=200), nullable=False),
        sa.Column("approved", sa.Boolean(), nullable=False),
        sa.Column("produced", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["legal_requests.id"],
            name=op.f("fk_legal_request_accounts_request_id_legal_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_request_accounts")),
        sa.UniqueConstraint(
            "request_id", "account_id", name=op.f("uq_legal_request_accounts_request_id")
        ),
    )
    op.create_index(
        op.f("ix_legal_request_accounts_account_id"),
        "legal_request_accounts",
        ["account_id"],
        unique=False,
    )
    op.create_index(
        op.f("ix_legal_request_accounts_request_id"),
        "legal_request_accounts",
        ["request_id"],
        unique=False,
    )
    op.create_table(
        "legal_tasks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("request_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("done_by", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["request_id"],
            ["legal_requests.id"],
            name=op.f("fk_legal_tasks_request_id_legal_requests"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_tasks")),
    )
    op.create_index(op.f("ix_legal_tasks_request_id"), "legal_tasks", ["request_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_legal_tasks_request_id"), table_name="legal_tasks")
    op.drop_table("legal_tasks")
    op.drop_index(op.f("ix_legal_request_accounts_request_id"), table_name="legal_request_accounts")
    op.drop_index(op.f("ix_legal_request_accounts_account_id"), table_name="legal_request_accounts")
    op.drop_table("legal_request_accounts")
    op.drop_index(op.f("ix_legal_documents_request_id"), table_name="legal_documents")
    op.drop_table("legal_documents")
    op.drop_index(op.f("ix_legal_requests_state"), table_name="legal_requests")
    op.drop_index(op.f("ix_legal_requests_received_at"), table_name="legal_requests")
    op.drop_index(op.f("ix_legal_requests_country"), table_name="legal_requests")
    op.drop_index(op.f("ix_legal_requests_agency_id"), table_name="legal_requests")
    op.drop_table("legal_requests")
    op.drop_table("legal_senior_reviewers")
    op.drop_table("legal_agencies")
