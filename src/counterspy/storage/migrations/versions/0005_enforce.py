"""Enforcement: banned entities and aliases, the action outbox, the stand-in blocklist and
cease-and-desist letters.

Revision ID: 0005_enforce
Revises: 0004_service
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_enforce"
down_revision: str | None = "0004_service"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "banned_entities",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=True),
        sa.Column("firm", sa.String(length=64), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=True),
        sa.Column("basis", sa.String(length=32), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("related", sa.String(length=64), nullable=True),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_banned_entities")),
    )
    op.create_table(
        "enforce_blocklist",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=2000), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforce_blocklist")),
        sa.UniqueConstraint("kind", "value", name=op.f("uq_enforce_blocklist_kind")),
    )
    op.create_table(
        "enforcement_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("target", sa.String(length=500), nullable=False),
        sa.Column("target_kind", sa.String(length=16), nullable=False),
        sa.Column("adapter", sa.String(length=64), nullable=False),
        sa.Column("idempotency_key", sa.String(length=100), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("evidence_ref", sa.String(length=500), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("not_before", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deliveries", sa.Integer(), nullable=False),
        sa.Column("claim_token", sa.String(length=64), nullable=True),
        sa.Column("claimed_by", sa.String(length=200), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("response_code", sa.Integer(), nullable=True),
        sa.Column("platform_ref", sa.String(length=200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enforcement_actions")),
        sa.UniqueConstraint("batch", "kind", "target", name=op.f("uq_enforcement_actions_batch")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_enforcement_actions_idempotency_key")),
    )
    op.create_index(
        op.f("ix_enforcement_actions_claim_token"),
        "enforcement_actions",
        ["claim_token"],
        unique=False,
    )
    op.create_index(
        "ix_enforcement_actions_status_not_before",
        "enforcement_actions",
        ["status", "not_before"],
        unique=False,
    )
    op.create_index(
        op.f("ix_enforcement_actions_target"), "enforcement_actions", ["target"], unique=False
    )
    op.create_table(
        "cease_desist_letters",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("template_id", sa.String(length=64), nullable=False),
        sa.Column("template_version", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("addressee", sa.String(length=300), nullable=False),
        sa.Column("annex", sa.Text(), nullable=False),
        sa.Column("html_sha256", sa.String(length=64), nullable=False),
        sa.Column("pdf_sha256", sa.String(length=64), nullable=False),
        sa.Column("drafted_by", sa.String(length=200), nullable=False),
        sa.Column("drafted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_via", sa.String(length=200), nullable=True),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["banned_entities.id"],
            name=op.f("fk_cease_desist_letters_entity_id_banned_entities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cease_desist_letters")),
    )
    op.create_index(
        op.f("ix_cease_desist_letters_entity_id"),
        "cease_desist_letters",
        ["entity_id"],
        unique=False,
    )
    op.create_table(
        "entity_aliases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entity_id"],
            ["banned_entities.id"],
            name=op.f("fk_entity_aliases_entity_id_banned_entities"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_entity_aliases")),
        sa.UniqueConstraint("entity_id", "name", name=op.f("uq_entity_aliases_entity_id")),
    )
    op.create_index(
        op.f("ix_entity_aliases_entity_id"), "entity_aliases", ["entity_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_entity_aliases_entity_id"), table_name="entity_aliases")
    op.drop_table("entity_aliases")
    op.drop_index(op.f("ix_cease_desist_letters_entity_id"), table_name="cease_desist_letters")
    op.drop_table("cease_desist_letters")
    op.drop_index(op.f("ix_enforcement_actions_target"), table_name="enforcement_actions")
    op.drop_index("ix_enforcement_actions_status_not_before", table_name="enforcement_actions")
    op.drop_index(op.f("ix_enforcement_actions_claim_token"), table_name="enforcement_actions")
    op.drop_table("enforcement_actions")
    op.drop_table("enforce_blocklist")
    op.drop_table("banned_entities")
