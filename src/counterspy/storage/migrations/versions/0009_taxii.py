"""TAXII 2.1 server: collections, partner entitlements, published object versions; TAXII pull
checkpoints and the raw objects pulls received; the per-day partner access trail.

Revision ID: 0009_taxii
Revises: 0008_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_taxii"
down_revision: str | None = "0008_cases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "taxii_collections",
        sa.Column("id", sa.String(length=36), nullable=False),
        sa.Column("alias", sa.String(length=100), nullable=True),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("max_tlp", sa.String(length=16), nullable=False),
        sa.Column("can_read", sa.Boolean(), nullable=False),
        sa.Column("can_write", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("last_added_us", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxii_collections")),
        sa.UniqueConstraint("alias", name=op.f("uq_taxii_collections_alias")),
    )
    op.create_table(
        "taxii_pull_checkpoints",
        sa.Column("api_root", sa.String(length=500), nullable=False),
        sa.Column("collection_id", sa.String(length=200), nullable=False),
        sa.Column("added_after", sa.String(length=40), nullable=True),
        sa.Column("objects", sa.Integer(), nullable=False),
        sa.Column("pulls", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint(
            "api_root", "collection_id", name=op.f("pk_taxii_pull_checkpoints")
        ),
    )
    op.create_table(
        "taxii_pulled_objects",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=200), nullable=False),
        sa.Column("stix_id", sa.String(length=200), nullable=False),
        sa.Column("stix_type", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("pulled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxii_pulled_objects")),
        sa.UniqueConstraint("source", "stix_id", "version", name="uq_taxii_pulled_objects_version"),
    )
    op.create_index(
        op.f("ix_taxii_pulled_objects_source"), "taxii_pulled_objects", ["source"], unique=False
    )
    op.create_table(
        "taxii_entitlements",
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("granted_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["taxii_collections.id"],
            name=op.f("fk_taxii_entitlements_collection_id_taxii_collections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "collection_id", "organisation", name=op.f("pk_taxii_entitlements")
        ),
    )
    op.create_table(
        "taxii_objects",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("stix_id", sa.String(length=200), nullable=False),
        sa.Column("stix_type", sa.String(length=100), nullable=False),
        sa.Column("spec_version", sa.String(length=8), nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("version_us", sa.BigInteger(), nullable=False),
        sa.Column("date_added_us", sa.BigInteger(), nullable=False),
        sa.Column("tlp_rank", sa.Integer(), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["collection_id"],
            ["taxii_collections.id"],
            name=op.f("fk_taxii_objects_collection_id_taxii_collections"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_taxii_objects")),
        sa.UniqueConstraint("collection_id", "date_added_us", name="uq_taxii_objects_added"),
        sa.UniqueConstraint(
            "collection_id", "stix_id", "version_us", name="uq_taxii_objects_version"
        ),
    )
    op.create_index(
        "ix_taxii_objects_collection_type",
        "taxii_objects",
        ["collection_id", "stix_type"],
        unique=False,
    )

    op.create_table(
        "taxii_access",
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("user_name", sa.String(length=120), nullable=False),
        sa.Column("collection_id", sa.String(length=36), nullable=False),
        sa.Column("organisation", sa.String(length=200), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("objects", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("day", "user_name", "collection_id", name=op.f("pk_taxii_access")),
    )


def downgrade() -> None:
    op.drop_table("taxii_access")
    op.drop_index("ix_taxii_objects_collection_type", table_name="taxii_objects")
    op.drop_table("taxii_objects")
    op.drop_table("taxii_entitlements")
    op.drop_index(op.f("ix_taxii_pulled_objects_source"), table_name="taxii_pulled_objects")
    op.drop_table("taxii_pulled_objects")
    op.drop_table("taxii_pull_checkpoints")
    op.drop_table("taxii_collections")
